#include "frontend/gui/live_machine.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "base/hex.h"
#include "emulator/debug/code_map.h"
#include "emulator/debug/kernel_objects.h"
#include "emulator/debug/source_map.h"
#include "emulator/debug/value_format.h"
#include "emulator/debug/variables.h"
#include "emulator/history.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/machine.h"
#include "emulator/symbols.h"

namespace forkscope::gui {

namespace {

constexpr size_t kDisassemblyLength = 24;  // instructions shown, a few before EIP
// At most this much guest RAM is copied at each view to find the frames written since
// the last one (a compare of it takes a few milliseconds).
constexpr size_t kMaxTrackedBytes = 64u << 20;

// Up to kBefore instructions before eip and the rest of kDisassemblyLength from it.
// x86 cannot be decoded backwards, so the code is decoded from the start of eip's
// function (at most kReach bytes back): instructions there are the ones the CPU runs.
std::vector<Instruction> disassemble_around(Machine& machine, const PagingMode& mode, uint32_t eip,
                                            const KernelSymbols* names) {
    constexpr size_t kBefore = 8;
    constexpr uint32_t kReach = 4096;
    auto d = Disassembler::create(AsmSyntax::Intel, names);
    if (!d) return {};
    uint32_t start = eip;
    if (names)
        if (auto sym = names->containing(eip); sym && eip - sym->address <= kReach) start = sym->address;
    std::vector<uint8_t> bytes((eip - start) + kDisassemblyLength * 15);
    size_t got = bytes.size();
    if (!machine.walker().read_virtual(mode, start, std::span<uint8_t>(bytes)))  // up to the first unreadable byte
        for (got = 0; got < bytes.size(); ++got)
            if (!machine.walker().read_virtual(mode, start + static_cast<uint32_t>(got), std::span<uint8_t>(&bytes[got], 1)))
                break;
    if (got <= eip - start) return {};  // nothing readable at eip
    auto all = d->disassemble(std::span<const uint8_t>(bytes.data(), got), start, SIZE_MAX);
    auto here = std::find_if(all.begin(), all.end(), [&](const Instruction& i) { return i.address == eip; });
    if (here == all.end())  // eip is not on the decoded path (data, or code not reached from the start)
        return d->disassemble(std::span<const uint8_t>(bytes.data() + (eip - start), got - (eip - start)), eip,
                              kDisassemblyLength);
    const auto first = here - std::min<std::ptrdiff_t>(here - all.begin(), kBefore);
    const auto last = first + std::min<std::ptrdiff_t>(all.end() - first, kDisassemblyLength);
    return std::vector<Instruction>(first, last);
}

// Runs forward (refused once the guest has ended; going back is not).
bool is_run_action(LiveAction a) {
    switch (a) {
        case LiveAction::Continue: case LiveAction::Step: case LiveAction::Next: case LiveAction::Finish:
        case LiveAction::StepInstruction: case LiveAction::RunTo:
            return true;
        default:
            return false;
    }
}

bool goes_back(LiveAction a) {
    return a == LiveAction::ReverseStep || a == LiveAction::ReverseNext || a == LiveAction::ReverseContinue ||
           a == LiveAction::Goto;
}

}  // namespace

LiveMachine::LiveMachine(Debugger& debugger, const KernelInfo& info, const KernelSymbols& symbols,
                         const History* history, const DebugInfo* kernel_debug)
    : debugger_(debugger),
      info_(info),
      symbols_(symbols),
      history_(history),
      kernel_debug_(kernel_debug),
      latest_(std::make_shared<LiveView>()) {
    thread_ = std::thread([this] { thread_main(); });
}

LiveMachine::~LiveMachine() {
    post(LiveCommand{LiveAction::Quit, ""});
    debugger_.interrupt();  // a long step or finish ends at its next block
    thread_.join();
}

void LiveMachine::post(LiveCommand command) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(command));
    if (running_) debugger_.interrupt();
    wake_.notify_one();
}

void LiveMachine::want_view() {
    std::lock_guard lock(mutex_);
    if (!running_ || view_pending_) return;
    view_pending_ = true;
    debugger_.interrupt();
}

void LiveMachine::set_speed(double speed) {
    std::lock_guard lock(mutex_);
    speed_ = speed > 0 ? speed : 0;
    pace_base_stale_ = true;
}

void LiveMachine::pace() {
    std::lock_guard lock(mutex_);
    if (running_ && speed_ > 0) debugger_.interrupt();
}

std::shared_ptr<const LiveView> LiveMachine::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

std::optional<std::string> LiveMachine::take_message() {
    std::lock_guard lock(mutex_);
    return std::exchange(message_, std::nullopt);
}

void LiveMachine::thread_main() {
    publish("stopped before the first instruction", false, false);
    for (;;) {
        std::optional<LiveCommand> command;
        {
            std::unique_lock lock(mutex_);
            if (!running_) wake_.wait(lock, [&] { return !queue_.empty(); });
            if (!queue_.empty()) {
                command = std::move(queue_.front());
                queue_.pop_front();
            }
        }
        if (command) {
            if (command->action == LiveAction::Quit) return;
            apply(*command);
            continue;
        }
        auto r = debugger_.cont();
        if (r && r->reason == StopReason::Interrupted) {  // for a view, a command, or the pace
            bool still, view;
            {
                std::lock_guard lock(mutex_);
                view = std::exchange(view_pending_, false);
                still = running_;
            }
            if (still && view) publish("running", true, false);
            if (still) hold_pace();
            continue;
        }
        {
            std::lock_guard lock(mutex_);
            running_ = false;
        }
        std::string status = r ? describe_reason(*r) : r.error().message;
        if (run_to_event_) {  // hit or not, it goes; a hit is named as the timeline names it
            if (r && r->reason == StopReason::Event && r->number == run_to_event_)
                for (const GuestEvent& e : debugger_.event_log())
                    if (e.at == debugger_.machine().position()) status = e.text;
            (void)debugger_.remove(std::exchange(run_to_event_, 0));
        }
        const bool ended = r && (r->reason == StopReason::Exited || r->reason == StopReason::Fault);
        publish(status, false, ended);
    }
}

void LiveMachine::apply(const LiveCommand& c) {
    auto fail = [&](const std::string& m) {
        std::lock_guard lock(mutex_);
        message_ = m;
    };
    if (ended_ && is_run_action(c.action)) return fail("the guest has ended: nothing more runs");
    std::string status = latest()->status;
    switch (c.action) {
        case LiveAction::Continue:
            return start_run("running");  // thread_main runs it
        case LiveAction::RunTo: {
            // The next one from now (an exit has no #N: the breakpoint goes at the stop).
            auto e = debugger_.break_event(c.location == "exit" ? c.location : c.location + "#1");
            if (!e) return fail(e.error().message);
            if (run_to_event_) (void)debugger_.remove(run_to_event_);
            run_to_event_ = (*e)->number;
            return start_run("running to the next " + c.location);
        }
        case LiveAction::Goto: {
            auto r = debugger_.goto_position(c.position);
            if (!r) return fail(r.error().message);
            status = "went to instruction " + std::to_string(c.position.instructions);
            std::lock_guard lock(mutex_);
            ended_ = false;  // the exit lies in the future again
            break;
        }
        case LiveAction::Pause: {
            std::lock_guard lock(mutex_);
            if (!running_) return;
            running_ = false;
            status = "paused";
            break;
        }
        case LiveAction::Break: {
            BreakpointTable& table = debugger_.breakpoints();
            // The same location, or for *ADDRESS (Disassembly's gutter) any breakpoint there.
            std::optional<uint32_t> address;
            if (c.location.starts_with("*")) address = static_cast<uint32_t>(std::strtoul(c.location.c_str() + 1, nullptr, 0));
            int existing = 0;
            for (const Breakpoint& b : table.all())
                if (b.location == c.location ||
                    (address && std::find(b.addresses.begin(), b.addresses.end(), *address) != b.addresses.end()))
                    existing = b.number;
            if (existing) {
                (void)table.remove(existing);
            } else if (auto added = table.add(c.location); !added) {
                fail(added.error().message);
            }
            break;
        }
        case LiveAction::Quit:
            return;
        default: {
            Result<DebugStop> r = make_error(ErrorKind::Usage, "no such action");
            switch (c.action) {
                case LiveAction::Step: r = debugger_.step(); break;
                case LiveAction::Next: r = debugger_.next(); break;
                case LiveAction::Finish: r = debugger_.finish(); break;
                case LiveAction::StepInstruction: r = debugger_.stepi(); break;
                case LiveAction::ReverseStep: r = debugger_.reverse_step(); break;
                case LiveAction::ReverseNext: r = debugger_.reverse_next(); break;
                case LiveAction::ReverseContinue: r = debugger_.reverse_continue(); break;
                default: break;
            }
            if (!r) {
                fail(r.error().message);
                break;
            }
            status = describe_reason(*r);
            if (goes_back(c.action)) {
                std::lock_guard lock(mutex_);
                ended_ = false;  // the exit lies in the future again
            }
            if (r->reason == StopReason::Exited || r->reason == StopReason::Fault) {
                publish(status, false, true);
                return;
            }
            break;
        }
    }
    bool running;
    {
        std::lock_guard lock(mutex_);
        running = running_;
    }
    publish(status, running, ended_);
}

// The frames in use whose bytes differ from the copy the last view kept: user pages,
// the page cache, page tables and the kernel's own (task_structs, kernel stacks, slabs,
// its data). Free frames are left out: what is written there is nobody's yet. Keeps a
// copy of them for the next view.
std::vector<uint32_t> LiveMachine::frames_written(const KernelSnapshot& snap, bool* tracked) {
    const Ram& ram = debugger_.machine().ram();
    std::vector<uint32_t> pfns;
    for (size_t pfn = 0; pfn < snap.frames.size() && (pfn + 1) * 4096 <= ram.size(); ++pfn)
        if (snap.frames[pfn].kind != FrameKind::Free) pfns.push_back(static_cast<uint32_t>(pfn));
    *tracked = pfns.size() * 4096 <= kMaxTrackedBytes;
    std::vector<uint32_t> written;
    if (!*tracked) pfns.clear();
    // Into the spare buffer: resizing it to about the same size again touches no memory.
    std::vector<uint8_t>& bytes = spare_bytes_;
    bytes.resize(pfns.size() * 4096);
    size_t old = 0;
    for (size_t i = 0; i < pfns.size(); ++i) {
        const uint8_t* now = ram.data() + uint64_t(pfns[i]) * 4096;
        while (old < tracked_pfns_.size() && tracked_pfns_[old] < pfns[i]) ++old;
        if (old < tracked_pfns_.size() && tracked_pfns_[old] == pfns[i] &&
            std::memcmp(now, tracked_bytes_.data() + old * 4096, 4096) != 0)
            written.push_back(pfns[i]);
        std::memcpy(bytes.data() + i * 4096, now, 4096);
    }
    tracked_pfns_ = std::move(pfns);
    std::swap(tracked_bytes_, spare_bytes_);
    return written;
}

// The window sees the run begin (and asks for views while it goes); the pace counts
// from here.
void LiveMachine::start_run(const std::string& status) {
    {
        std::lock_guard lock(mutex_);
        running_ = true;
        pace_base_stale_ = true;
    }
    publish(status, true, false);
}

void LiveMachine::hold_pace() {
    using namespace std::chrono;
    const uint64_t guest_ns = debugger_.machine().stats().guest_ns;
    std::unique_lock lock(mutex_);
    if (speed_ <= 0) return;
    const auto now = steady_clock::now();
    if (std::exchange(pace_base_stale_, false)) {
        pace_wall_ = now;
        pace_guest_ns_ = guest_ns;
        return;
    }
    // Where the wall clock should be for the guest time run since the base.
    const auto due = pace_wall_ + duration_cast<steady_clock::duration>(
                                      duration<double>(static_cast<double>(guest_ns - pace_guest_ns_) / 1e9 / speed_));
    if (due > now)  // a command wakes it
        wake_.wait_until(lock, std::min(due, now + milliseconds(100)), [&] { return !queue_.empty() || !running_; });
}

// Called only on the emulator thread, with the machine stopped: reads it and hands the
// window a view of its own.
void LiveMachine::publish(const std::string& status, bool running, bool ended) {
    Machine& machine = debugger_.machine();
    auto view = std::make_shared<LiveView>();
    view->running = running;
    view->ended = ended;
    view->status = status;
    view->regs = machine.cpu().registers();
    view->instructions = machine.cpu().instructions();
    const CpuRegisters& r = view->regs;
    const PagingMode mode{r.cr0, r.cr3, r.cr4};
    if (mode.paging()) {
        auto kv = KernelView::create(info_, machine.walker());
        auto snap = kv ? kv->snapshot(mode, r.eip, view->instructions) : Result<KernelSnapshot>(kv.error());
        if (snap) view->snapshot = std::move(*snap);
        else view->snapshot_error = snap.error().message;
    } else {
        view->snapshot_error = "paging is not on yet";
    }
    // The code at EIP: its function and line, the instructions from there, the stack.
    auto code = debugger_.code_at(r.eip);
    const KernelSymbols* names = code && code->symbols ? code->symbols : nullptr;
    if (names)
        if (auto sym = names->containing(r.eip)) view->function = sym->name;
    if (code && code->source) view->line = code->source->line_of(r.eip);
    if (!running && !ended && !view->function.empty()) {  // "Breakpoint 1, copy_process at fork.c:469"
        view->status += ", " + view->function;
        if (view->line)
            view->status += " at " + view->line->file.substr(view->line->file.rfind('/') + 1) + ":" +
                            std::to_string(view->line->line);
    }
    view->disassembly = disassemble_around(machine, mode, r.eip, names);
    const uint32_t kernel_base = info_.find("NUMBER(PAGE_OFFSET)").value_or(0xc0000000u);
    if (mode.paging())
        view->stack = backtrace(machine.walker(), names ? *names : symbols_, code ? code->source : nullptr,
                                BacktraceInput{mode, r.eip, r.esp, r.ebp}, kernel_base);
    view->stack_arguments.resize(view->stack.size());
    if (kernel_debug_ && view->snapshot && r.eip >= kernel_base) {
        // As bt shows them, from the frames DWARF unwinds (the same as the backtrace's
        // while their pcs agree), with what task, mm, vma and page pointers point at.
        const ReadMemory memory = memory_of(machine.walker(), mode);
        const auto frames = kernel_debug_->frames(Frame::from_registers(r), memory, kernel_base);
        const KernelObjects objects(*view->snapshot, *kernel_debug_, memory);
        const FormatOptions fo{memory, nullptr, &objects, 0};
        for (size_t i = 0; i < view->stack.size() && i < frames.size() && frames[i].pc == view->stack[i].pc; ++i)
            view->stack_arguments[i] = format_frame_arguments(kernel_debug_->arguments(frames[i], memory), fo);
    }
    // The timeline: this view's counters among the others (once per position: a replay
    // after going back meets the same ones again).
    const MachineStats stats = machine.stats();
    TimelineSample sample{machine.position(), view->snapshot ? view->snapshot->nr_free_pages : 0u, stats.page_faults,
                          stats.interrupts, stats.system_calls + stats.sysenters};
    auto at = std::lower_bound(samples_.begin(), samples_.end(), sample.at,
                               [](const TimelineSample& t, MachinePosition p) { return t.at < p; });
    if (view->snapshot && (at == samples_.end() || at->at != sample.at)) samples_.insert(at, sample);
    view->position = machine.position();
    view->guest_ns = stats.guest_ns;
    if (view->snapshot) view->written = frames_written(*view->snapshot, &view->written_tracked);
    view->samples = samples_;
    view->events = latest()->events.extended(debugger_.event_log());
    if (history_) view->history = std::pair{history_->oldest(), history_->newest()};
    view->breakpoints = debugger_.breakpoints().all();
    // Where the breakpoints are in the source, for the Source panel's gutter.
    for (const Breakpoint& b : view->breakpoints) {
        auto image = b.image.empty() ? debugger_.code_at(b.addresses.front()) : debugger_.code().image(b.image);
        if (!image || !image->source) continue;
        for (uint32_t a : b.addresses)
            if (auto l = image->source->line_of(a)) view->breakpoint_lines.push_back(*l);
    }
    std::lock_guard lock(mutex_);
    if (ended) ended_ = true;
    view->speed = speed_;
    view->serial = ++serial_;
    latest_ = std::move(view);
}

}  // namespace forkscope::gui
