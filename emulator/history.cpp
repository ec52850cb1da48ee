#include "emulator/history.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>

#include "emulator/ram.h"
#include "emulator/virtual_clock.h"

namespace forkscope {

namespace {

uint64_t host_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

std::string text(MachinePosition p) {
    return "instruction " + std::to_string(p.instructions) + ", event " + std::to_string(p.events);
}

bool all_zero(const uint8_t* page, size_t n) {
    static const uint8_t zero[4096] = {};
    return std::memcmp(page, zero, n) == 0;
}

// The pages of RAM this process has never touched: neither present nor swapped out in
// /proc/self/pagemap (bits 63 and 62). RAM is private anonymous memory (Ram::create),
// so they are still zero: a snapshot need not read them (reading faults each one in,
// most of the first snapshot's time). Empty when pagemap cannot be read. `entries` is
// the caller's buffer, kept between snapshots: half a megabyte of fresh memory at every
// snapshot of a 256 MiB guest would cost more page faults than the read.
std::vector<bool> untouched_pages(const uint8_t* ram, size_t pages, std::vector<uint64_t>& entries) {
    constexpr size_t kHostPage = 4096;  // History's page, and RAM's
    std::vector<bool> out;
    if (::sysconf(_SC_PAGESIZE) != static_cast<long>(kHostPage)) return out;
    const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    entries.resize(pages);
    const size_t want = pages * sizeof(uint64_t);
    const off_t first = static_cast<off_t>(reinterpret_cast<uintptr_t>(ram) / kHostPage * sizeof(uint64_t));
    size_t done = 0;
    while (done < want) {
        const ssize_t n = ::pread(fd, reinterpret_cast<uint8_t*>(entries.data()) + done, want - done,
                                  first + static_cast<off_t>(done));
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
    ::close(fd);
    if (done != want) return out;
    out.resize(pages);
    for (size_t i = 0; i < pages; ++i) out[i] = ((entries[i] >> 62) & 3) == 0;
    return out;
}

}  // namespace

// ---- Page pool ----------------------------------------------------------------------

void History::PagePool::Unmap::operator()(uint8_t* p) const { ::munmap(p, size_t{kSlabPages} * kPageSize); }

// A slab's memory, populated (MAP_POPULATE: one call faults it all in); a kernel that
// cannot populate still maps it. Fresh anonymous memory is zero.
uint8_t* History::PagePool::map_slab() {
    const size_t bytes = size_t{kSlabPages} * kPageSize;
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<uint8_t*>(p);
}

History::PagePool::PagePool() {
    slabs.emplace_back(map_slab());  // id 0, zero: the zero page
    refs.push_back(1);
}

uint32_t History::PagePool::store(const uint8_t* page) {
    if (all_zero(page, kPageSize)) {
        ++refs[kZeroPage];
        return kZeroPage;
    }
    uint32_t id;
    if (!free_ids.empty()) {
        id = free_ids.back();
        free_ids.pop_back();
    } else {
        id = static_cast<uint32_t>(refs.size());
        if (id / kSlabPages == slabs.size()) slabs.emplace_back(map_slab());
        refs.push_back(0);
    }
    std::memcpy(slot(id), page, kPageSize);
    refs[id] = 1;
    ++live;
    return id;
}

void History::PagePool::unref(uint32_t id) {
    if (--refs[id] > 0 || id == kZeroPage) return;
    free_ids.push_back(id);
    --live;
}

// ---- Attaching ----------------------------------------------------------------------

History::History(Machine& machine, HistoryOptions options)
    : m_(machine), options_(options), interval_(std::max<uint64_t>(options.interval, 1)) {}

Result<std::unique_ptr<History>> History::attach(Machine& machine, HistoryOptions options) {
    if (machine.history_) return make_error(ErrorKind::Usage, "the machine already records its history");
    if (machine.config_.realtime)
        return make_error(ErrorKind::Usage, "history needs the virtual clock: guest time must follow instructions");
    if (options.interval == 0) return make_error(ErrorKind::Usage, "the snapshot interval must be at least 1 instruction");
    if (machine.ram_.size() % kPageSize != 0) return make_error(ErrorKind::Usage, "RAM is not a whole number of pages");
    std::unique_ptr<History> h(new History(machine, options));
    // The first snapshot stores every page against the zero page.
    h->base_.assign(machine.ram_.size() / kPageSize, kZeroPage);
    h->pool_.refs[kZeroPage] += static_cast<uint32_t>(h->base_.size());
    h->newest_ = machine.position();
    h->take_snapshot();
    machine.history_ = h.get();
    return h;
}

Result<std::unique_ptr<History>> History::replay_of(Machine& machine, const History& recorded,
                                                    HistoryOptions options) {
    if (recorded.oldest() != machine.position() || recorded.interrupts_trimmed_ || recorded.inputs_trimmed_)
        return make_error(ErrorKind::Usage, "the recording does not start at this machine's position");
    auto h = attach(machine, options);
    if (!h) return h.error();
    History& r = **h;
    r.interrupts_ = recorded.interrupts_;
    r.inputs_ = recorded.inputs_;
    r.deliveries_ = recorded.deliveries_;
    r.log_bytes_ = recorded.log_bytes_;
    r.newest_ = recorded.newest_;
    r.next_interrupt_ = r.next_input_ = r.next_delivery_ = 0;
    r.replaying_ = machine.position() < r.newest_;
    return h;
}

History::~History() {
    if (m_.history_ == this) m_.history_ = nullptr;
}

MachinePosition History::oldest() const { return snapshots_.front().at; }
MachinePosition History::newest() const { return newest_; }

std::vector<MachinePosition> History::checkpoints() const {
    std::vector<MachinePosition> out;
    for (const Snapshot& s : snapshots_) out.push_back(s.at);
    return out;
}

// ---- Machine state ------------------------------------------------------------------

History::MachineState History::save_machine() const {
    MachineState s;
    s.cpu = m_.cpu_->snapshot();
    s.pic = m_.pic_->snapshot();
    s.pit = m_.pit_->snapshot();
    s.port61 = m_.port61_->snapshot();
    s.rtc = m_.rtc_->snapshot();
    s.uart = m_.uart_->snapshot();
    s.idle_ns = m_.clock_->idle_ns();
    s.interrupts = m_.stats_.interrupts;
    s.last_external = m_.last_external_;
    s.exceptions = m_.stats_.exceptions;
    s.page_faults = m_.stats_.page_faults;
    s.system_calls = m_.stats_.system_calls;
    s.exit_status = m_.exit_status_;
    return s;
}

Result<void> History::restore_machine(const MachineState& s) {
    if (auto r = m_.cpu_->restore(s.cpu); !r) return r;
    m_.pic_->restore(s.pic);
    m_.pit_->restore(s.pit);
    m_.port61_->restore(s.port61);
    m_.rtc_->restore(s.rtc);
    m_.uart_->restore(s.uart);
    m_.clock_->restore_idle_ns(s.idle_ns);
    m_.stats_.interrupts = s.interrupts;
    m_.last_external_ = s.last_external;
    m_.stats_.exceptions = s.exceptions;
    m_.stats_.page_faults = s.page_faults;
    m_.stats_.system_calls = s.system_calls;
    m_.exit_status_ = s.exit_status;
    m_.step_to_target_ = false;
    for (int i = 0; i < Machine::kTimedCount; ++i) m_.refresh_deadline(static_cast<Machine::TimedIndex>(i));
    return {};
}

// ---- Snapshots ----------------------------------------------------------------------

// Pages that differ from the last snapshot's (or restore's) are stored anew; the rest
// are shared with it.
void History::take_snapshot() {
    const uint64_t start = host_ns();
    const uint8_t* ram = m_.ram_.data();
    const std::vector<bool> untouched = untouched_pages(ram, base_.size(), pagemap_);
    for (size_t i = 0; i < base_.size(); ++i) {
        const uint8_t* page = ram + i * kPageSize;
        if (base_[i] == kZeroPage && !untouched.empty() && untouched[i]) {
            ++stats_.pages_untouched;
            continue;
        }
        if (std::memcmp(page, pool_.page(base_[i]), kPageSize) == 0) continue;
        uint32_t id = pool_.store(page);
        pool_.unref(base_[i]);
        base_[i] = id;
        if (id != kZeroPage) ++stats_.pages_copied;
    }
    Snapshot snap;
    snap.at = m_.position();
    snap.state = save_machine();
    snap.pages = base_;
    for (uint32_t id : snap.pages) pool_.ref(id);
    snap.interrupts_before = interrupts_trimmed_ + interrupts_.size();
    snap.inputs_before = inputs_trimmed_ + inputs_.size();
    snapshots_.push_back(std::move(snap));
    ++stats_.snapshots;
    drop_oldest_within_bound();
    const uint64_t end = host_ns();
    stats_.snapshot_ns += end - start;
    adapt_interval(end - start, start - last_snapshot_end_ns_);
    last_snapshot_end_ns_ = end;
    next_checkpoint_ = m_.cpu_->instructions() + interval_;
    stats_.interval = interval_;
}

// HistoryOptions::max_overhead: the interval follows what snapshots cost.
void History::adapt_interval(uint64_t cost_ns, uint64_t since_last_ns) {
    if (options_.max_overhead <= 0 || last_snapshot_end_ns_ == 0) return;
    const double budget = options_.max_overhead * static_cast<double>(since_last_ns);
    const uint64_t base = std::max<uint64_t>(options_.interval, 1);
    if (static_cast<double>(cost_ns) > budget)
        interval_ = std::min(interval_ * 2, base * HistoryOptions::kMaxStretch);
    else if (static_cast<double>(cost_ns) * 4 < budget)
        interval_ = std::max(interval_ / 2, base);
}

uint64_t History::snapshot_bytes() const {
    uint64_t per = base_.size() * sizeof(uint32_t) + sizeof(Snapshot);
    if (!snapshots_.empty()) per += snapshots_.front().state.cpu.context.size();
    return per;
}

void History::drop_oldest_within_bound() {
    auto used = [&] {
        return (pool_.live + 1) * kPageSize + snapshots_.size() * snapshot_bytes() + log_bytes_ +
               base_.size() * sizeof(uint32_t);
    };
    while (snapshots_.size() > 1 && used() > options_.max_bytes) {
        for (uint32_t id : snapshots_.front().pages) pool_.unref(id);
        snapshots_.pop_front();
        ++stats_.snapshots_dropped;
        // The logs before the new oldest snapshot can no longer be replayed.
        const Snapshot& first = snapshots_.front();
        while (interrupts_trimmed_ < first.interrupts_before && !interrupts_.empty()) {
            interrupts_.pop_front();
            ++interrupts_trimmed_;
            log_bytes_ -= sizeof(RecordedInterrupt);
            if (next_interrupt_ > 0) --next_interrupt_;
        }
        while (inputs_trimmed_ < first.inputs_before && !inputs_.empty()) {
            log_bytes_ -= sizeof(RecordedInput) + inputs_.front().bytes.size();
            inputs_.pop_front();
            ++inputs_trimmed_;
            if (next_input_ > 0) --next_input_;
        }
        while (!deliveries_.empty() && deliveries_.front().before < first.at) {
            deliveries_.pop_front();
            log_bytes_ -= sizeof(Delivery);
            if (next_delivery_ > 0) --next_delivery_;
        }
    }
}

// RAM is brought back page by page: a page is written when the snapshot's page is not
// the one RAM held at the last snapshot or restore, or when RAM changed since.
Result<void> History::restore_snapshot(const Snapshot& s) {
    const uint64_t start = host_ns();
    m_.cpu_->prepare_restore();  // while RAM still holds the page tables of now
    uint8_t* ram = m_.ram_.data();
    const std::vector<bool> untouched = untouched_pages(ram, base_.size(), pagemap_);
    for (size_t i = 0; i < base_.size(); ++i) {
        uint8_t* page = ram + i * kPageSize;
        const uint32_t want = s.pages[i];
        if (want == kZeroPage && base_[i] == kZeroPage && !untouched.empty() && untouched[i]) continue;
        if (want == base_[i] && std::memcmp(page, pool_.page(want), kPageSize) == 0) continue;
        std::memcpy(page, pool_.page(want), kPageSize);
        pool_.ref(want);
        pool_.unref(base_[i]);
        base_[i] = want;
    }
    if (auto r = restore_machine(s.state); !r) return r;
    next_interrupt_ = static_cast<size_t>(s.interrupts_before - interrupts_trimmed_);
    next_input_ = static_cast<size_t>(s.inputs_before - inputs_trimmed_);
    next_delivery_ = static_cast<size_t>(
        std::upper_bound(deliveries_.begin(), deliveries_.end(), s.at,
                         [](MachinePosition v, const Delivery& d) { return v < d.after; }) -
        deliveries_.begin());
    stats_.restore_ns += host_ns() - start;
    return {};
}

// ---- Seeking ------------------------------------------------------------------------

Result<void> History::seek(MachinePosition p) {
    if (p < oldest() || p > newest())
        return make_error(ErrorKind::Usage, "position (" + text(p) + ") is outside the recorded history (" +
                                                text(oldest()) + " .. " + text(newest()) + ")");
    // The latest snapshot at or before p, unless the machine is already between it and p.
    auto it = std::upper_bound(snapshots_.begin(), snapshots_.end(), p,
                               [](MachinePosition v, const Snapshot& s) { return v < s.at; });
    const Snapshot& from = *std::prev(it);
    const MachinePosition now = m_.position();
    if (!(from.at <= now && now <= p)) {
        if (auto r = restore_snapshot(from); !r) return r;
    }
    replaying_ = m_.position() < newest_;
    m_.position_stop_ = p;
    for (;;) {
        auto stop = m_.resume();
        if (!stop) return stop.error();
        // A seek passes breakpoints and watched values.
        if (stop->kind == MachineStopKind::AtStopAddress || stop->kind == MachineStopKind::WatchChanged) continue;
        if (stop->kind == MachineStopKind::AtInstruction) break;
        m_.position_stop_.reset();
        return make_error(ErrorKind::MachineFault, "the machine stopped before (" + text(p) + ") at (" +
                                                       text(m_.position()) + ")");
    }
    if (m_.position() != p)
        return make_error(ErrorKind::Usage, "(" + text(p) + ") is not a position the machine stops at; the next is (" +
                                                text(m_.position()) + ")");
    m_.cpu_->skip_stop_address_at_eip();
    return {};
}

Result<MachinePosition> History::previous(MachinePosition p) const {
    if (p <= oldest() || p > newest())
        return make_error(ErrorKind::Usage, "no position before (" + text(p) + ") in the recorded history");
    auto it = std::lower_bound(deliveries_.begin(), deliveries_.end(), p,
                               [](const Delivery& d, MachinePosition v) { return d.after < v; });
    MachinePosition before{p.instructions - 1, p.events};
    if (it != deliveries_.end() && it->after == p)
        before = it->before;
    else if (p.instructions == 0)
        return make_error(ErrorKind::Usage, "no position before (" + text(p) + ")");
    if (before < oldest()) return make_error(ErrorKind::Usage, "(" + text(before) + ") is before the oldest snapshot");
    return before;
}

// ---- Run-loop seams -----------------------------------------------------------------

Result<void> History::on_boundary() {
    const MachinePosition at = m_.position();
    if (divergence_) {
        Error e = *divergence_;
        divergence_.reset();
        replaying_ = false;
        return e;
    }
    if (replaying_) {
        if (next_interrupt_ < interrupts_.size() && interrupts_[next_interrupt_].at < at)
            return diverged(at, "the recorded interrupt at (" + text(interrupts_[next_interrupt_].at) +
                                    ") was not delivered");
        if (next_input_ < inputs_.size() && inputs_[next_input_].at < at)
            return diverged(at, "the recorded input at (" + text(inputs_[next_input_].at) + ") was not delivered");
        if (at < newest_) return {};
        if (newest_ < at) return diverged(at, "the run went past the end of the recording (" + text(newest_) + ")");
        replaying_ = false;  // the present: from here on, record
        next_interrupt_ = interrupts_.size();
        next_input_ = inputs_.size();
        next_delivery_ = deliveries_.size();
        return {};
    }
    newest_ = std::max(newest_, at);
    if (at.instructions >= next_checkpoint_) take_snapshot();
    return {};
}

void History::on_stop() {
    if (!replaying_) newest_ = std::max(newest_, m_.position());
}

std::optional<uint64_t> History::next_exact_stop() const {
    if (!replaying_) return std::nullopt;
    uint64_t n = newest_.instructions;
    if (next_interrupt_ < interrupts_.size()) n = std::min(n, interrupts_[next_interrupt_].at.instructions);
    if (next_input_ < inputs_.size()) n = std::min(n, inputs_[next_input_].at.instructions);
    return n;
}

uint64_t History::next_checkpoint() const { return replaying_ ? ~0ull : next_checkpoint_; }

std::optional<History::DueInterrupt> History::interrupt_due(MachinePosition at) {
    if (next_interrupt_ >= interrupts_.size() || interrupts_[next_interrupt_].at != at) return std::nullopt;
    const RecordedInterrupt& r = interrupts_[next_interrupt_++];
    return DueInterrupt{r.vector, r.guest_ns};
}

std::vector<uint8_t> History::input_due(MachinePosition at) {
    std::vector<uint8_t> out;
    while (next_input_ < inputs_.size() && inputs_[next_input_].at == at) {
        const auto& bytes = inputs_[next_input_++].bytes;
        out.insert(out.end(), bytes.begin(), bytes.end());
    }
    return out;
}

void History::record_interrupt(MachinePosition at, uint8_t vector, uint64_t guest_ns) {
    interrupts_.push_back(RecordedInterrupt{at, guest_ns, vector});
    next_interrupt_ = interrupts_.size();
    log_bytes_ += sizeof(RecordedInterrupt);
    ++stats_.interrupts;
}

void History::record_input(MachinePosition at, std::span<const uint8_t> bytes) {
    inputs_.push_back(RecordedInput{at, std::vector<uint8_t>(bytes.begin(), bytes.end())});
    next_input_ = inputs_.size();
    log_bytes_ += sizeof(RecordedInput) + bytes.size();
    stats_.input_bytes += bytes.size();
}

void History::on_delivery(MachinePosition before, MachinePosition after, uint8_t vector) {
    if (replaying_) {
        // Every delivery, exceptions too, happens where it did: the earliest sign of a
        // replay that went another way.
        if (divergence_) return;
        if (next_delivery_ >= deliveries_.size() || deliveries_[next_delivery_].after != after ||
            deliveries_[next_delivery_].vector != vector) {
            std::string want = next_delivery_ < deliveries_.size()
                                   ? "vector " + std::to_string(deliveries_[next_delivery_].vector) + " at (" +
                                         text(deliveries_[next_delivery_].before) + ")"
                                   : "none";
            divergence_ = diverged(before, "vector " + std::to_string(vector) + " delivered; recorded next: " + want);
            return;
        }
        ++next_delivery_;
        return;
    }
    if (!deliveries_.empty() && !(deliveries_.back().after < after)) return;
    deliveries_.push_back(Delivery{before, after, vector});
    log_bytes_ += sizeof(Delivery);
    ++stats_.deliveries;
}

Error History::diverged(MachinePosition at, const std::string& what) const {
    return make_error(ErrorKind::MachineFault, "replay diverged at (" + text(at) + "): " + what);
}

History::Stats History::stats() const {
    Stats s = stats_;
    s.page_bytes = (pool_.live + 1) * kPageSize;
    s.bytes = s.page_bytes + snapshots_.size() * snapshot_bytes() + log_bytes_ + base_.size() * sizeof(uint32_t);
    s.snapshots = snapshots_.size();
    return s;
}

}  // namespace forkscope
