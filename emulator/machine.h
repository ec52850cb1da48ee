// Machine: the PC that forkscope emulates. Cpu (Unicorn) + Ram + PortBus with the PIC
// pair, PIT, CMOS RTC, COM1 UART and DebugExit, interrupt delivery through the guest's
// IDT, a VirtualClock and the Multiboot loader. The run loop lives here.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "devices/clock.h"
#include "emulator/multiboot.h"

namespace forkscope {

class Cpu;
class PageWalker;
class PortBus;
class Pic8259Cascade;
class Pit8254;
class PitPort61;
class CmosRtc;
class Uart16550;
class DebugExit;
class VirtualClock;
class History;
struct InterruptEvent;
struct CpuExit;
struct CpuRegisters;

struct TraceFlags {
    bool interrupts = false;  // hardware interrupts delivered
    bool exceptions = false;  // exceptions and software interrupts delivered
    bool io = false;          // every port access
};

struct MachineConfig {
    uint64_t ram_bytes = 128ull << 20;
    std::vector<uint8_t> kernel;
    std::string kernel_name = "kernel.elf";  // as the guest sees it in its command line
    std::vector<MultibootModule> modules;
    std::string cmdline;
    bool realtime = false;
    bool cpu_state_in_place = true;        // CpuOptions::state_in_place
    uint64_t max_instructions = 0;         // 0: no limit
    std::optional<int64_t> rtc_unix_time;  // nullopt: the host's time at boot
    TraceFlags trace;
    std::function<void(uint8_t)> console;  // the UART's transmitted bytes
    // Called when the guest halts to wait for an event: a frontend that buffers console
    // output flushes it here, so a prompt without a newline shows while the guest waits.
    std::function<void()> console_idle;
    int input_fd = -1;                     // read into the UART's receiver; -1: none
};

struct MachineStats {
    uint64_t instructions = 0;
    uint64_t interrupts = 0;   // hardware interrupts delivered
    uint64_t exceptions = 0;   // exceptions and software interrupts delivered
    uint64_t page_faults = 0;  // of those, #PF (vector 14)
    uint64_t system_calls = 0; // of those, int 0x80
    uint64_t sysenters = 0;    // system calls entered by sysenter (not events: no delivery)
    uint64_t code_flushes = 0;  // every translation dropped at once (Cpu::code_flushes)
    uint64_t in_run_deliveries = 0;  // exceptions delivered without leaving the CPU's run
    bool cpu_state_in_place = false; // Cpu::state_in_place(): the fast delivery path
    uint64_t guest_ns = 0;
    uint64_t wall_ns = 0;
    uint64_t first_output_wall_ns = 0;  // boot to first console byte (host time)
};

// Where the machine is in its run: instructions retired (a faulting instruction does
// not retire) and events delivered (interrupts, exceptions, int n). The pair orders every
// state the machine passes through, the state right after a delivery included.
struct MachinePosition {
    uint64_t instructions = 0;
    uint64_t events = 0;
    auto operator<=>(const MachinePosition&) const = default;
};

// Why resume() or step() returned (errors are machine faults, returned as errors).
enum class MachineStopKind {
    Exited,         // the guest wrote DebugExit: exit_status
    Paused,         // request_pause() (any thread)
    AtStopAddress,  // before the instruction at a stop address (add_stop_address)
    Stepped,        // step() executed its instruction
    WatchChanged,   // a watched value changed (Cpu::set_value_watches, take_watch_change)
    AtInstruction,  // the instruction count reached set_instruction_stop()'s count
};

struct MachineStop {
    MachineStopKind kind = MachineStopKind::Paused;
    uint32_t exit_status = 0;
    uint32_t eip = 0;
    // step(): the interrupt or exception delivered during the step (an interrupt taken
    // before the instruction, or the instruction's own fault or int n), if any.
    std::optional<uint8_t> delivered;
    std::optional<uint8_t> interrupt;  // step(): the external interrupt taken before the instruction
    std::optional<uint8_t> exception;  // step(): the instruction's own fault, #UD or int n
};

class Machine {
public:
    // Loads the kernel and modules and sets the CPU state Multiboot promises.
    static Result<std::unique_ptr<Machine>> create(MachineConfig config);
    ~Machine();

    // Runs until the guest writes DebugExit (returns the value written), or a machine
    // fault (ErrorKind::MachineFault: triple fault, --max-instructions, a guest halted
    // with interrupts off), or request_pause() (the error "stopped at EIP ...").
    Result<uint32_t> run();

    // The seams a debugger or a live view drives. resume() runs as run() does until
    // the guest exits, a pause is requested or a stop address is reached; it can be
    // called again after any of those. step() executes one instruction with time,
    // devices and interrupts advancing as in a run: a pending interrupt is delivered
    // first, as at any instruction boundary, then the instruction (the handler's first)
    // runs; a fault or int n it raises is delivered.
    Result<MachineStop> resume();
    Result<MachineStop> step();

    // Value watches (Cpu::set_value_watches) end resume() with WatchChanged at the
    // block boundary after the change, once any event that block raised was delivered.

    // Thread-safe: the current (or next) resume() returns Paused at the next block
    // boundary. Each request ends one resume().
    void request_pause();

    // Stops before the instruction at this linear address, in any address space.
    // Call while the machine is not running.
    Result<void> add_stop_address(uint32_t linear);
    void remove_stop_address(uint32_t linear);
    // Decides inside the run whether a stop address stops it (Cpu::set_stop_filter):
    // position() and the event counts of stats() are exact there; its times are the
    // last stop's.
    void set_stop_filter(std::function<bool(uint32_t linear)> filter);

    MachinePosition position() const;
    // resume() stops (AtInstruction) when the instruction count reaches n exactly, before
    // any event at that count is delivered; not at a block boundary past it. The stop
    // is used once; nullopt clears it. A count already reached stops at once.
    void set_instruction_stop(std::optional<uint64_t> n);

    // For tools that watch the guest run (the system call trace); call before running.
    // The delivery observer sees every event before it is delivered, with the CPU state
    // it interrupts. The sysenter observer sees every sysenter into the kernel, with the
    // caller's registers. The user-return observer is called, with the CPU state,
    // whenever the CPU has just come back from kernel code, [kernel_base, kernel_end)
    // (kernel_end 0: to the top), to code outside it (before the first user
    // instruction runs); resume() then runs on.
    void set_delivery_observer(std::function<void(const InterruptEvent&, const CpuRegisters&)> fn);
    void set_sysenter_observer(std::function<void(const CpuRegisters&)> fn);
    void set_user_return_observer(uint32_t kernel_base, uint32_t kernel_end,
                                  std::function<void(const CpuRegisters&)> fn);

    MachineStats stats() const;
    Cpu& cpu() { return *cpu_; }
    Ram& ram() { return ram_; }
    PageWalker& walker() { return *walker_; }
    PortBus& ports() { return *ports_; }
    Pic8259Cascade& pic() { return *pic_; }
    const MultibootImage& boot_image() const { return image_; }

private:
    friend class History;  // record/replay: snapshots of every part, the replay seams

    explicit Machine(MachineConfig config, Ram ram);
    // The exact instruction count the next run must not pass (a stop position, an event
    // to replay), and the run or step that honours it.
    uint64_t exact_target() const;
    CpuExit run_once();
    Result<void> build_devices();
    Result<void> set_boot_state();
    Result<void> deliver(const InterruptEvent& ev);
    bool deliver_in_run(const CpuExit& exit);  // Cpu::set_in_run_delivery's handler
    // The run loop's steps, one concern each.
    std::optional<MachineStop> pending_stop();           // the guest exited, or a pause was requested
    Result<std::optional<uint8_t>> take_interrupt();     // deliver the PIC's interrupt if IF allows
    uint64_t run_limit() const;                          // the instruction count the next run may reach
    Result<std::optional<MachineStop>> handle_exit(const CpuExit& exit);
    void update_stats();
    Result<bool> idle();              // hlt: true when an interrupt became deliverable
    // The next time a device whose IRQ line is unmasked needs an update: masked lines
    // cannot wake the CPU, and their edges are latched when the device next advances.
    std::optional<uint64_t> next_deadline() const;
    bool irq_unmasked(unsigned irq) const;
    void on_port_access(uint16_t port, bool is_write);
    // Each timed device's next deadline, refreshed when it advances or when a port
    // access may have moved it (asking costs more than an I/O instruction).
    enum TimedIndex { kPit, kUart, kRtc, kTimedCount };
    TimedDevice* timed(TimedIndex i) const;
    void refresh_deadline(TimedIndex i) { deadlines_[i] = timed(i)->next_deadline_ns(); }
    std::optional<uint64_t> deadlines_[kTimedCount];
    void program_pic_as_bios();
    void advance_devices();
    void pump_input();
    void start_input_thread();

    MachineConfig config_;
    Ram ram_;
    MultibootImage image_{};
    std::unique_ptr<PortBus> ports_;
    std::unique_ptr<Cpu> cpu_;
    std::unique_ptr<PageWalker> walker_;
    std::unique_ptr<VirtualClock> clock_;
    std::unique_ptr<Pic8259Cascade> pic_;
    std::unique_ptr<Pit8254> pit_;
    std::unique_ptr<PitPort61> port61_;
    std::unique_ptr<CmosRtc> rtc_;
    std::unique_ptr<Uart16550> uart_;
    std::unique_ptr<DebugExit> debug_exit_;

    std::function<void(const InterruptEvent&, const CpuRegisters&)> delivery_observer_;
    std::function<void(const CpuRegisters&)> user_return_observer_;

    std::optional<uint32_t> exit_status_;
    std::optional<MachinePosition> position_stop_;
    bool shadow_ = false;          // take_interrupt() waits for the instruction after sti
    bool interrupt_window_ = false;  // ... or for IF, with an interrupt waiting
    bool storm_ = false;           // ... or for the poll slice after the last one
    uint64_t last_external_ = 0;   // the instruction count at the last external interrupt
    bool step_to_target_ = false;  // the last run stopped before a block crossing the target
    History* history_ = nullptr;
    std::atomic<bool> pause_requested_{false};
    MachineStats stats_;
    uint64_t start_wall_ns_ = 0;

    // Host input for the UART, drained by the run loop at the line's pace: filled by a
    // reader thread (a terminal or pipe), which stops reading while kHostInputMax bytes
    // wait, or read by the run loop itself as the queue empties (a regular file: the same
    // bytes at the same points of every run).
    static constexpr size_t kHostInputMax = 64 * 1024;
    std::mutex input_mutex_;
    std::vector<uint8_t> input_;
    bool input_from_file_ = false;
    std::thread input_thread_;
    std::atomic<bool> input_stop_{false};
    std::atomic<bool> input_eof_{false};
};

}  // namespace forkscope
