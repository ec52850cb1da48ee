#include "emulator/machine.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "devices/cmos_rtc.h"
#include "devices/debug_exit.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/port_bus.h"
#include "devices/uart16550.h"
#include "emulator/cpu.h"
#include "emulator/delivery.h"
#include "emulator/history.h"
#include "base/log.h"
#include "emulator/page_walker.h"
#include "emulator/virtual_clock.h"
#include "guestkernel/include/abi/forkscope.h"

namespace forkscope {

namespace {

constexpr uint32_t kEflagsIf = 1u << 9;

// With an interrupt pending but IF clear, runs are cut to this many instructions, so
// the interrupt is taken soon after the guest's sti.
constexpr uint64_t kInterruptPollSlice = 1000;

// The boot GDT the loader leaves for the kernel, as QEMU's Multiboot ROM does: null,
// flat code 0x08, flat data 0x10. It sits in the EBDA, which the memory map reserves.
constexpr uint32_t kBootGdt = 0x9fc00;
constexpr uint16_t kBootCs = 0x08, kBootDs = 0x10;

uint64_t host_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

std::string hex32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

}  // namespace

Machine::Machine(MachineConfig config, Ram ram) : config_(std::move(config)), ram_(std::move(ram)) {}

Machine::~Machine() {
    input_stop_.store(true);
    if (input_thread_.joinable()) input_thread_.join();
}

Result<std::unique_ptr<Machine>> Machine::create(MachineConfig config) {
    auto ram = Ram::create(config.ram_bytes);
    if (!ram) return ram.error();
    std::unique_ptr<Machine> m(new Machine(std::move(config), std::move(*ram)));

    auto image = load_multiboot(m->ram_, m->config_.kernel, m->config_.kernel_name,
                                m->config_.cmdline, m->config_.modules);
    if (!image) return image.error();
    m->image_ = std::move(*image);

    m->ports_ = std::make_unique<PortBus>();
    auto cpu = Cpu::create(m->ram_, *m->ports_, CpuOptions{m->config_.cpu_state_in_place});
    if (!cpu) return cpu.error();
    m->cpu_ = std::move(*cpu);
    m->walker_ = std::make_unique<PageWalker>(m->ram_);
    m->clock_ = std::make_unique<VirtualClock>(m->cpu_->instruction_counter(), m->config_.realtime);
    if (auto r = m->build_devices(); !r) return r.error();
    if (auto r = m->set_boot_state(); !r) return r.error();
    if (m->config_.trace.io) logger("io")->set_level(spdlog::level::trace);
    if (m->config_.trace.interrupts) logger("int")->set_level(spdlog::level::info);
    if (m->config_.trace.exceptions) logger("exc")->set_level(spdlog::level::info);
    if (m->config_.input_fd >= 0) {
        // A regular file is read by the run loop as the guest takes it (pump_input), so
        // its bytes reach the guest at the same points of every run; a terminal or pipe
        // is read as the bytes come.
        struct stat st {};
        if (::fstat(m->config_.input_fd, &st) == 0 && S_ISREG(st.st_mode))
            m->input_from_file_ = true;
        else
            m->start_input_thread();
    }
    return m;
}

Result<void> Machine::build_devices() {
    pic_ = std::make_unique<Pic8259Cascade>();
    pit_ = std::make_unique<Pit8254>(*clock_, IrqLine(pic_.get(), 0));
    port61_ = std::make_unique<PitPort61>(*pit_, *clock_);
    int64_t now = config_.rtc_unix_time ? *config_.rtc_unix_time : static_cast<int64_t>(std::time(nullptr));
    rtc_ = std::make_unique<CmosRtc>(*clock_, IrqLine(pic_.get(), 8), now);
    rtc_->set_memory_size(ram_.size());
    auto console = config_.console;
    uart_ = std::make_unique<Uart16550>(
        IrqLine(pic_.get(), 4),
        [this, console](uint8_t byte) {
            if (history_ && history_->replaying()) return;  // the console already has these bytes
            if (stats_.first_output_wall_ns == 0) stats_.first_output_wall_ns = host_ns() - start_wall_ns_;
            if (console) console(byte);
        },
        clock_.get());
    debug_exit_ = std::make_unique<DebugExit>([this](uint32_t value) {
        if (!exit_status_) exit_status_ = value;
        cpu_->request_stop();
    });

    struct Range {
        uint16_t first, count;
        PortDevice* dev;
    };
    const Range ranges[] = {
        {0x20, 2, pic_.get()},  {0xa0, 2, pic_.get()},  {0x40, 4, pit_.get()},           {0x61, 1, port61_.get()},
        {0x70, 2, rtc_.get()},  {0x3f8, 8, uart_.get()}, {0xf4, 4, debug_exit_.get()},
    };
    for (const Range& r : ranges)
        if (auto m = ports_->map(r.first, r.count, r.dev); !m) return m.error();
    program_pic_as_bios();
    cpu_->set_port_observer([this](uint16_t port, bool is_write) { on_port_access(port, is_write); });
    cpu_->set_in_run_delivery([this](const CpuExit& exit) { return deliver_in_run(exit); });
    return {};
}

Result<void> Machine::set_boot_state() {
    // The state Multiboot promises: protected mode, paging off, flat segments, IF clear.
    ram_.store32(kBootGdt + 0, 0);
    ram_.store32(kBootGdt + 4, 0);
    ram_.store32(kBootGdt + 8, 0x0000ffff);   // code: base 0, limit 4 GiB, 32-bit, DPL 0
    ram_.store32(kBootGdt + 12, 0x00cf9a00);
    ram_.store32(kBootGdt + 16, 0x0000ffff);  // data: base 0, limit 4 GiB, writable
    ram_.store32(kBootGdt + 20, 0x00cf9200);
    cpu_->set_gdtr({kBootGdt, 23});
    cpu_->set_idtr({0, 0x3ff});
    cpu_->set_reg(Reg::Cr0, kCr0Pe | (1u << 4));  // PE, ET
    for (Reg seg : {Reg::Ds, Reg::Es, Reg::Fs, Reg::Gs, Reg::Ss})
        if (auto r = cpu_->load_segment(seg, kBootDs); !r) return r;
    if (auto r = cpu_->load_segment(Reg::Cs, kBootCs); !r) return r;
    cpu_->set_reg(Reg::Eflags, 0x2);
    cpu_->set_reg(Reg::Eax, kMultibootBootMagic);
    cpu_->set_reg(Reg::Ebx, image_.info_addr);
    cpu_->set_reg(Reg::Ecx, image_.entry);  // what QEMU's ROM leaves there
    cpu_->set_reg(Reg::Eip, image_.entry);
    return {};
}

void Machine::start_input_thread() {
    input_thread_ = std::thread([this] {
        int fd = config_.input_fd;
        while (!input_stop_.load()) {
            bool full;
            {
                std::lock_guard<std::mutex> lock(input_mutex_);
                full = input_.size() >= kHostInputMax;
            }
            if (full) {  // the guest takes bytes at the line's pace: let the writer wait
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
                continue;
            }
            pollfd p{fd, POLLIN, 0};
            int r = ::poll(&p, 1, 50);
            if (r <= 0) continue;
            uint8_t buf[256];
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) {  // EOF or error: no more input
                input_eof_.store(true);
                cpu_->request_stop();
                return;
            }
            {
                std::lock_guard<std::mutex> lock(input_mutex_);
                input_.insert(input_.end(), buf, buf + n);
            }
            cpu_->request_stop();  // the run loop hands the bytes to the UART
        }
    });
}

void Machine::pump_input() {
    if (config_.input_fd < 0) return;
    uart_->set_host_waiting(false);
    // Until the guest has set up the receiver (FIFOs on, or the receive interrupt
    // enabled), a byte could be dropped by the FIFO reset of its initialisation: wait.
    if (!uart_->fifo_enabled() && !(uart_->state().ier & 0x01)) return;
    if (history_ && history_->replaying()) {
        // Replay: the bytes the recorded run handed over here; host input waits its turn.
        for (uint8_t byte : history_->input_due(position())) uart_->receive(byte);
        return;
    }
    std::lock_guard<std::mutex> lock(input_mutex_);
    if (input_from_file_ && !input_eof_.load() && input_.size() < uart::kFifoSize) {
        uint8_t buf[4096];
        const ssize_t got = ::read(config_.input_fd, buf, sizeof buf);
        if (got > 0)
            input_.insert(input_.end(), buf, buf + got);
        else
            input_eof_.store(true);
    }
    // The UART takes a byte when the line is free and its FIFO has room: at most one
    // per character time, so a flood of input cannot starve the guest.
    size_t n = 0;
    while (n < input_.size() && uart_->rx_space() > 0) uart_->receive(input_[n++]);
    if (history_ && n > 0) history_->record_input(position(), std::span<const uint8_t>(input_.data(), n));
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(n));
    uart_->set_host_waiting(!input_.empty() || (input_from_file_ && !input_eof_.load()));
}

MachinePosition Machine::position() const {
    return MachinePosition{cpu_->instructions(), stats_.interrupts + stats_.exceptions};
}

void Machine::set_instruction_stop(std::optional<uint64_t> n) {
    position_stop_.reset();
    if (n) position_stop_ = MachinePosition{*n, 0};
}

void Machine::request_pause() {
    pause_requested_.store(true);
    cpu_->request_stop();
}

Result<void> Machine::add_stop_address(uint32_t linear) { return cpu_->add_stop_address(linear); }
void Machine::remove_stop_address(uint32_t linear) { cpu_->remove_stop_address(linear); }
void Machine::set_stop_filter(std::function<bool(uint32_t)> filter) { cpu_->set_stop_filter(std::move(filter)); }

void Machine::set_delivery_observer(std::function<void(const InterruptEvent&, const CpuRegisters&)> fn) {
    delivery_observer_ = std::move(fn);
}

void Machine::set_user_return_observer(uint32_t kernel_base, uint32_t kernel_end,
                                       std::function<void(const CpuRegisters&)> fn) {
    user_return_observer_ = std::move(fn);
    cpu_->watch_user_returns(user_return_observer_ ? kernel_base : 0, kernel_end);
}

void Machine::set_sysenter_observer(std::function<void(const CpuRegisters&)> fn) {
    if (!fn) {
        cpu_->set_sysenter_observer(nullptr);
        return;
    }
    cpu_->set_sysenter_observer([this, fn = std::move(fn)] { fn(cpu_->registers()); });
}

bool Machine::irq_unmasked(unsigned irq) const {
    uint8_t master = pic_->imr(PicChip::Master);
    if (irq < 8) return !(master & (1u << irq));
    return !(master & (1u << Pic8259Cascade::kCascadeIr)) && !(pic_->imr(PicChip::Slave) & (1u << (irq - 8)));
}

TimedDevice* Machine::timed(TimedIndex i) const {
    switch (i) {
        case kPit: return pit_.get();
        case kUart: return uart_.get();
        case kRtc: return rtc_.get();
        case kTimedCount: break;
    }
    return nullptr;
}

std::optional<uint64_t> Machine::next_deadline() const {
    static constexpr unsigned kIrq[kTimedCount] = {0, 4, 8};
    std::optional<uint64_t> d;
    for (int i = 0; i < kTimedCount; ++i) {
        if (!deadlines_[i] || !irq_unmasked(kIrq[i])) continue;
        if (!d || *deadlines_[i] < *d) d = deadlines_[i];
    }
    return d;
}

// After each guest port access, inside a run: a device may now want the CPU sooner.
void Machine::on_port_access(uint16_t port, bool is_write) {
    if (pic_->intr()) {
        // Stop to deliver it; with IF clear, come back soon to see whether sti came.
        if (cpu_->reg(Reg::Eflags) & kEflagsIf)
            cpu_->request_stop();
        else
            cpu_->lower_instruction_limit(cpu_->instructions() + kInterruptPollSlice);
    }
    // Only these accesses can move a deadline: reprogramming the PIT, the RTC's
    // registers A and B (written) and C (read), anything at the UART, and the PIC's masks
    // (which deadlines count).
    const PortDevice* dev = ports_->device_at(port);
    bool moved = true;
    if (dev == pit_.get() || dev == port61_.get()) {
        if (!is_write) return;
        refresh_deadline(kPit);
    } else if (dev == rtc_.get()) {
        if (port == FORKSCOPE_CMOS_PORT || (!is_write && rtc_->index() != 0x0c)) return;  // the index port
        refresh_deadline(kRtc);
    } else if (dev == uart_.get()) {
        refresh_deadline(kUart);
    } else {
        moved = dev == pic_.get() && is_write;
    }
    if (!moved) return;
    if (auto d = next_deadline()) cpu_->lower_instruction_limit(clock_->instruction_limit_for(*d));
}

// Leave the PIC pair as a PC BIOS does before it starts a kernel: master at vectors
// 0x08-0x0f, slave at 0x70-0x77, every line masked but the cascade.
void Machine::program_pic_as_bios() {
    const std::pair<uint16_t, uint8_t> writes[] = {
        {0x20, 0x11}, {0x21, 0x08}, {0x21, 0x04}, {0x21, 0x01}, {0x21, 0xfb},
        {0xa0, 0x11}, {0xa1, 0x70}, {0xa1, 0x02}, {0xa1, 0x01}, {0xa1, 0xff},
    };
    for (auto [port, value] : writes) ports_->write(port, 1, value);
}

void Machine::advance_devices() {
    uint64_t now = clock_->now_ns();
    for (int i = 0; i < kTimedCount; ++i) {
        timed(static_cast<TimedIndex>(i))->advance_to(now);
        refresh_deadline(static_cast<TimedIndex>(i));
    }
}

Result<void> Machine::deliver(const InterruptEvent& ev) {
    if (delivery_observer_) delivery_observer_(ev, cpu_->registers());
    // The position before: int n has retired its instruction, a fault has not.
    MachinePosition before = position();
    if (ev.source == EventSource::Software && before.instructions > 0) --before.instructions;
    auto r = deliver_interrupt(*cpu_, *walker_, ev);
    if (!r) {
        return make_error(r.error().kind,
                          r.error().message + " (after " + std::to_string(cpu_->instructions()) + " instructions)");
    }
    bool external = ev.source == EventSource::External;
    if (external) {
        ++stats_.interrupts;
    } else {
        ++stats_.exceptions;
        if (r->vector == 14) ++stats_.page_faults;
        if (r->vector == 0x80) ++stats_.system_calls;
    }
    if (history_) history_->on_delivery(before, position(), r->vector);
    if ((external && config_.trace.interrupts) || (!external && config_.trace.exceptions)) {
        logger(external ? "int" : "exc")
            ->info("vector 0x{:02x}{} at EIP {:#010x}{}{}", r->vector,
                   r->has_error_code ? fmt::format(" error {:#x}", r->error_code) : std::string(),
                   ev.return_eip, r->vector == 14 ? fmt::format(" CR2 {:#010x}", cpu_->reg(Reg::Cr2)) : std::string(),
                   r->privilege_change ? " (ring 3 -> 0)" : "");
    }
    return {};
}

// An exception or int n met inside a run, delivered there when nothing needs to see
// it from outside: no observer, trace or history, no stop position that counts events.
// A fault met while delivering is left to the run loop (deliver), which knows #DF.
bool Machine::deliver_in_run(const CpuExit& exit) {
    if (delivery_observer_ || history_ || position_stop_ || config_.trace.exceptions) return false;
    DeliveryRecord record;
    auto r = try_deliver(*cpu_, *walker_, event_for_exit(exit), record);
    if (!r || !*r) return false;
    ++stats_.exceptions;
    if (record.vector == 14) ++stats_.page_faults;
    if (record.vector == 0x80) ++stats_.system_calls;
    ++stats_.in_run_deliveries;
    return true;
}

// hlt: advance time to the next device event until an interrupt can be taken.
Result<bool> Machine::idle() {
    if (config_.console_idle) config_.console_idle();
    for (;;) {
        pump_input();
        advance_devices();
        if (pic_->intr()) return true;
        if (exit_status_ || pause_requested_.load()) return false;
        auto deadline = next_deadline();
        if (!deadline) {
            bool input_pending;
            {
                std::lock_guard<std::mutex> lock(input_mutex_);
                input_pending = !input_.empty();
            }
            if (config_.input_fd >= 0 && irq_unmasked(4) && (input_pending || !input_eof_.load())) {
                // Only the console can wake the guest: wait for the host's input.
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
                continue;
            }
            return make_error(ErrorKind::MachineFault, "guest halted at EIP " + hex32(cpu_->reg(Reg::Eip) - 1) +
                                                           " with no timer armed and no unmasked interrupt that can wake it");
        }
        if (config_.max_instructions && cpu_->instructions() >= config_.max_instructions) return false;
        clock_->idle_until(*deadline);
    }
}

void Machine::update_stats() {
    if (history_) history_->on_stop();
    stats_.wall_ns = host_ns() - start_wall_ns_;
    stats_.instructions = cpu_->instructions();
    stats_.sysenters = cpu_->sysenters();
    stats_.code_flushes = cpu_->code_flushes();
    stats_.guest_ns = clock_->now_ns();
    stats_.cpu_state_in_place = cpu_->state_in_place();
}

std::optional<MachineStop> Machine::pending_stop() {
    const bool paused = !exit_status_ && pause_requested_.load() && pause_requested_.exchange(false);
    if (!exit_status_ && !paused) return std::nullopt;  // the common case: no register read
    MachineStop stop;
    stop.eip = cpu_->reg(Reg::Eip);
    stop.kind = paused ? MachineStopKind::Paused : MachineStopKind::Exited;
    if (exit_status_) stop.exit_status = *exit_status_;
    return stop;
}

Result<std::optional<uint8_t>> Machine::take_interrupt() {
    shadow_ = storm_ = false;
    interrupt_window_ = false;
    InterruptEvent ev;
    ev.source = EventSource::External;
    if (history_ && history_->replaying()) {
        // Replay: exactly the recorded interrupts, each at its recorded position.
        const MachinePosition at = position();
        auto due = history_->interrupt_due(at);
        if (!due) return std::optional<uint8_t>();
        if (!pic_->intr() || !(cpu_->reg(Reg::Eflags) & kEflagsIf))
            return history_->diverged(at, "the recorded interrupt " + std::to_string(due->vector) +
                                              " is not deliverable (INTR " + std::to_string(pic_->intr()) + ", IF " +
                                              std::to_string((cpu_->reg(Reg::Eflags) & kEflagsIf) != 0) + ")");
        ev.vector = pic_->acknowledge();
        if (ev.vector != due->vector || clock_->now_ns() != due->guest_ns)
            return history_->diverged(at, "the PIC gave vector " + std::to_string(ev.vector) + " at guest time " +
                                              std::to_string(clock_->now_ns()) + ", recorded vector " +
                                              std::to_string(due->vector) + " at " + std::to_string(due->guest_ns));
    } else {
        if (!pic_->intr()) return std::optional<uint8_t>();
        // Interrupts closer together than kInterruptPollSlice instructions (a storm: a
        // device that raises its line again at once) wait for the poll, run_limit()'s
        // block boundary past the slice, so that the guest gets on between them.
        storm_ = cpu_->instructions() < last_external_ + kInterruptPollSlice;
        if (!(cpu_->reg(Reg::Eflags) & kEflagsIf)) {
            interrupt_window_ = !storm_;  // run_once() runs until IF is set again
            return std::optional<uint8_t>();
        }
        if (storm_) return std::optional<uint8_t>();
        // After sti (as in the kernel's "sti; hlt" and "sti; sysexit"), one more
        // instruction first: run_limit() lets exactly that one run.
        if ((shadow_ = cpu_->interrupt_shadow())) return std::optional<uint8_t>();
        last_external_ = cpu_->instructions();
        ev.vector = pic_->acknowledge();
        if (history_) history_->record_interrupt(position(), ev.vector, clock_->now_ns());
    }
    ev.return_eip = cpu_->reg(Reg::Eip);
    if (auto r = deliver(ev); !r) return r.error();
    return std::optional<uint8_t>(ev.vector);
}

uint64_t Machine::run_limit() const {
    uint64_t limit = ~0ull;
    if (auto d = next_deadline()) limit = clock_->instruction_limit_for(*d);
    // A waiting interrupt: after sti, one more instruction; with IF clear, the run stops
    // where IF is set again (Cpu::watch_interrupt_window), not at a block boundary that
    // depends on how the code happens to be translated; in a storm, past the slice.
    if (pic_->intr() && !interrupt_window_)
        limit = std::min(limit, shadow_ ? cpu_->instructions() + 1
                                : storm_ ? last_external_ + kInterruptPollSlice
                                         : cpu_->instructions() + kInterruptPollSlice);
    if (config_.realtime) limit = std::min(limit, clock_->instruction_limit_for(0));
    if (config_.max_instructions) limit = std::min(limit, config_.max_instructions);
    if (history_) limit = std::min(limit, history_->next_checkpoint());
    return limit;
}

uint64_t Machine::exact_target() const {
    uint64_t target = ~0ull;
    if (position_stop_) target = position_stop_->instructions;
    if (history_)
        if (auto n = history_->next_exact_stop()) target = std::min(target, *n);
    return target;
}

// One run of the CPU that does not pass the exact target: a run up to the block that
// would cross it, then single steps the rest of the way. At the target with a position
// still ahead (events at this count: a fault to take), a step runs the faulting instruction.
CpuExit Machine::run_once() {
    const uint64_t target = exact_target();
    if (step_to_target_ || target <= cpu_->instructions()) {
        step_to_target_ = false;
        // A run still stops before a stop address it reaches step by step; going on,
        // the next step runs the instruction there.
        if (auto at = cpu_->stop_address_at_eip()) {
            step_to_target_ = true;
            return *at;
        }
        return cpu_->step();
    }
    const bool exact = target != ~0ull;
    const uint32_t cr2 = exact ? cpu_->reg(Reg::Cr2) : 0;
    cpu_->watch_interrupt_window(interrupt_window_ && pic_->intr());
    CpuExit exit = cpu_->run(run_limit(), target);
    if (exit.kind == CpuExitKind::Budget && exit.before_target) step_to_target_ = true;
    // At the target, the instruction after it faulted in the same run: fetching a new
    // block faults before any block hook can stop the run. The state is the one before
    // that instruction but for CR2: put it back and stop here, as a stop before the
    // instruction would have; it runs (and faults again) when the run goes on.
    const bool fault = (exit.kind == CpuExitKind::Interrupt && !exit.software && exit.detail.empty()) ||
                       exit.kind == CpuExitKind::InvalidOpcode;
    if (exact && fault && cpu_->instructions() == target) {
        cpu_->set_reg(Reg::Cr2, cr2);
        CpuExit stop;
        stop.kind = CpuExitKind::Budget;
        stop.eip = stop.instruction_eip = exit.eip;
        return stop;
    }
    return exit;
}

// What the loop does with a CPU exit: a stop to report, an event to deliver, idling
// for hlt, or a fault that ends the machine.
Result<std::optional<MachineStop>> Machine::handle_exit(const CpuExit& exit) {
    using Stop = std::optional<MachineStop>;
    switch (exit.kind) {
        case CpuExitKind::Budget:
        case CpuExitKind::StopRequested:
            return Stop();
        case CpuExitKind::WatchChanged: {
            MachineStop stop;
            stop.kind = MachineStopKind::WatchChanged;
            stop.eip = exit.eip;
            return Stop(stop);
        }
        case CpuExitKind::UserReturn:
            if (user_return_observer_) user_return_observer_(cpu_->registers());
            return Stop();
        case CpuExitKind::AtStopAddress: {
            MachineStop stop;
            stop.kind = MachineStopKind::AtStopAddress;
            stop.eip = exit.eip;
            return Stop(stop);
        }
        case CpuExitKind::Halted: {
            if (!(cpu_->reg(Reg::Eflags) & kEflagsIf)) {
                if (exit_status_) return Stop();
                return make_error(ErrorKind::MachineFault,
                                  "guest halted with interrupts disabled at EIP " + hex32(exit.eip - 1));
            }
            if (auto r = idle(); !r) return r.error();
            return Stop();
        }
        case CpuExitKind::Interrupt:
        case CpuExitKind::InvalidOpcode:
            if (auto r = deliver(event_for_exit(exit)); !r) return r.error();
            return Stop();
        case CpuExitKind::MemoryError:
        case CpuExitKind::HostError:
            break;
    }
    return make_error(ErrorKind::MachineFault, exit.detail + " at EIP " + hex32(exit.eip));
}

Result<MachineStop> Machine::resume() {
    if (start_wall_ns_ == 0) start_wall_ns_ = host_ns();
    for (;;) {
        if (auto stop = pending_stop()) {
            update_stats();
            return *stop;
        }
        if (config_.max_instructions && cpu_->instructions() >= config_.max_instructions) {
            update_stats();
            return make_error(ErrorKind::MachineFault,
                              "guest exceeded --max-instructions " + std::to_string(config_.max_instructions) +
                                  " at EIP " + hex32(cpu_->reg(Reg::Eip)));
        }
        // A stop position is reached before anything at it happens.
        if (position_stop_ && position() >= *position_stop_) {
            position_stop_.reset();
            update_stats();
            MachineStop stop;
            stop.kind = MachineStopKind::AtInstruction;
            stop.eip = cpu_->reg(Reg::Eip);
            return stop;
        }
        if (history_)
            if (auto r = history_->on_boundary(); !r) {
                update_stats();
                return r.error();
            }
        pump_input();
        advance_devices();
        auto taken = take_interrupt();
        if (!taken) {
            update_stats();
            return taken.error();
        }
        if (*taken) continue;  // a stop at the position right after the delivery is seen
        auto handled = handle_exit(run_once());
        if (!handled || *handled) {
            update_stats();
            if (!handled) return handled.error();
            return **handled;
        }
    }
}

Result<MachineStop> Machine::step() {
    if (start_wall_ns_ == 0) start_wall_ns_ = host_ns();
    MachineStop stop;
    auto finish = [&]() -> Result<MachineStop> {
        update_stats();
        stop.eip = cpu_->reg(Reg::Eip);
        if (exit_status_) {
            stop.kind = MachineStopKind::Exited;
            stop.exit_status = *exit_status_;
        }
        return stop;
    };
    stop.kind = MachineStopKind::Stepped;
    if (exit_status_) return finish();
    if (history_)
        if (auto r = history_->on_boundary(); !r) return r.error();
    pump_input();
    advance_devices();
    auto taken = take_interrupt();
    if (!taken) return taken.error();
    stop.delivered = *taken;
    stop.interrupt = *taken;
    CpuExit exit = cpu_->step();
    if (exit.kind == CpuExitKind::Interrupt || exit.kind == CpuExitKind::InvalidOpcode) {
        if (auto r = deliver(event_for_exit(exit)); !r) return r.error();
        stop.delivered = exit.kind == CpuExitKind::InvalidOpcode ? uint8_t{6} : exit.vector;
        stop.exception = stop.delivered;
        return finish();
    }
    auto handled = handle_exit(exit);
    if (!handled) return handled.error();
    return finish();
}

Result<uint32_t> Machine::run() {
    for (;;) {
        auto stop = resume();
        if (!stop) return stop.error();
        switch (stop->kind) {
            case MachineStopKind::Exited:
                return stop->exit_status;
            case MachineStopKind::Paused:
                return make_error(ErrorKind::MachineFault, "stopped at EIP " + hex32(stop->eip));
            case MachineStopKind::AtStopAddress:
            case MachineStopKind::Stepped:
            case MachineStopKind::WatchChanged:
            case MachineStopKind::AtInstruction:
                break;  // run() goes on past stop addresses, watches and instruction stops
        }
    }
}

MachineStats Machine::stats() const { return stats_; }

}  // namespace forkscope
