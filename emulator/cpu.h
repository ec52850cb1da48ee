// Cpu: the one place that talks to Unicorn. It runs guest code until a budget of
// instructions, a stop request or an event the host must handle (an exception or
// software interrupt to deliver through the IDT, hlt, an invalid opcode, a port access
// the guest was not allowed to make). It never delivers anything itself: see delivery.h.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace forkscope {

class Ram;
class PortBus;

enum class Reg {
    Eax, Ecx, Edx, Ebx, Esp, Ebp, Esi, Edi,
    Eip, Eflags,
    Cs, Ss, Ds, Es, Fs, Gs,
    Cr0, Cr2, Cr3, Cr4,
    Dr6, Dr7,
    Tr, Ldtr,
};

struct DescriptorTable {
    uint32_t base = 0;
    uint16_t limit = 0;
};

// The general state the debugger, gdbstub and delivery need, read in one call.
struct CpuRegisters {
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t eip, eflags;
    uint16_t cs, ss, ds, es, fs, gs;
    uint32_t cr0, cr2, cr3, cr4;
    DescriptorTable gdtr, idtr;
};

enum class CpuExitKind {
    Budget,         // the instruction budget ran out (at a block boundary), or a run that
                    // ran an instruction alone ended after it, early (Cpu::run_alone): go on
    StopRequested,  // request_stop() was called (any thread)
    Halted,         // hlt executed; EIP is past it
    Interrupt,      // an exception or int n for the host to deliver (vector, error code)
    InvalidOpcode,  // #UD: EIP is at the instruction
    AtStopAddress,  // reached an address given to add_stop_address; it has not run
    WatchChanged,   // a watched value changed (set_value_watches); stopped before the next block
    UserReturn,     // watch_user_returns(): the first user block after kernel code; it has not run
    MemoryError,    // an access to physical memory outside RAM
    HostError,      // Unicorn returned an error we do not model
};

struct CpuExit {
    CpuExitKind kind = CpuExitKind::Budget;
    uint8_t vector = 0;
    bool has_error_code = false;
    uint32_t error_code = 0;
    bool software = false;  // int n / int3 / into: EIP is already past the instruction
    uint32_t eip = 0;
    // The instruction that raised the event: eip for a fault, the start of the int
    // instruction (prefixes included) for a software interrupt.
    uint32_t instruction_eip = 0;
    uint32_t cr2 = 0;
    std::string detail;  // for MemoryError / HostError
    // Budget: the run stopped before a block that would have crossed the exact target
    // given to run(); fewer instructions than the target have run.
    bool before_target = false;
};

// Everything of the Cpu a snapshot must hold besides RAM: Unicorn's context, the
// instruction count and the run bookkeeping that decides what the next run does first.
struct CpuSnapshot {
    std::vector<uint8_t> context;
    uint64_t instructions = 0;
    std::optional<uint32_t> resume_at;
    bool was_kernel = false;
    uint64_t sysenters = 0;
};

// What a watch stops a run for: its value changing, or any guest read of its bytes, or
// any guest read or write (see set_value_watches).
enum class WatchOn : uint8_t { Change, Read, Access };

// Physical bytes a run watches (see set_value_watches).
struct ValueWatch {
    uint32_t paddr = 0;
    uint32_t length = 4;  // 1 to 8
    WatchOn on = WatchOn::Change;
};

// A read or access watch's hit: the bytes the guest touched, and how.
struct WatchAccess {
    uint32_t paddr = 0;
    bool write = false;
};

// Each vector's architectural error-code rule (#DF, #TS, #NP, #SS, #GP, #PF, #AC).
bool vector_has_error_code(uint8_t vector);

struct CpuOptions {
    // Look for Unicorn's live CPU state and write it in place (state_in_place()); false
    // keeps to saved contexts and the register API, the path taken where it is not found.
    bool state_in_place = true;
};

class Cpu {
public:
    // Maps RAM at physical 0 and installs the port, block and interrupt hooks. Probes
    // Unicorn's saved-context layout once (cpu_probe.cpp).
    static Result<std::unique_ptr<Cpu>> create(Ram& ram, PortBus& ports, CpuOptions options = {});
    // The Unicorn in use and the delivery path a Cpu created now takes (for --version):
    // "Unicorn 2.1.1, CPU state in place" or "..., through saved contexts", or why no
    // Cpu can be created.
    static std::string engine_description();
    ~Cpu();
    Cpu(const Cpu&) = delete;
    Cpu& operator=(const Cpu&) = delete;

    // Run until `instructions()` reaches `instruction_limit`, or an event. Budgets are
    // checked at block starts, so a run may end a block past the limit. The exact target
    // is never passed: the run stops before a block that would cross it (before_target),
    // and step() covers the rest. The hot path stays one compare: blocks are only looked
    // at once the count is within the longest block (kMaxBlockInstructions) of it.
    CpuExit run(uint64_t instruction_limit, uint64_t exact_target = ~0ull);
    static constexpr uint64_t kMaxBlockInstructions = 512;  // QEMU's TCG_MAX_INSNS

    // Thread-safe: makes the current or next run() or step() return StopRequested at
    // the next block boundary. Each request ends exactly one run.
    void request_stop();

    // Runs stop before the instruction at this linear address (in any address space),
    // through a code hook on that one address. A run or step that starts at the address
    // it last stopped at (or that a step just reached) executes that instruction first.
    // Counted: an address added twice stays until removed twice. Call between runs only.
    Result<void> add_stop_address(uint32_t linear);
    void remove_stop_address(uint32_t linear);
    // Asked inside a run (not a step) when it reaches a stop address, with the
    // instruction count exact there and the registers readable: true stops the run
    // (AtStopAddress), false runs on without leaving it, as if there were no stop
    // address. It may read registers and memory; it may not add stop addresses (an
    // error then) or run the CPU. None (the default): every stop address stops.
    using StopFilter = std::function<bool(uint32_t linear)>;
    void set_stop_filter(StopFilter filter);

    // Asked inside a run (not a step) for each exception and int n, when the CPU state
    // is written in place (state_in_place()): true when the handler delivered it
    // through the IDT, and the run goes on at the handler without leaving Unicorn;
    // false leaves the state as it was and the run ends with the event, as without a
    // handler. The handler may read and write registers and memory, not run the CPU or
    // change hooks. A fault's instruction is uncounted after a true answer, as at an exit.
    using EventHandler = std::function<bool(const CpuExit& event)>;
    void set_in_run_delivery(EventHandler handler);
    // Whether Unicorn's live CPU state was found at start-up: the hidden fields (CPL,
    // fault state, CR2) are then edited in place, and events can be delivered inside a
    // run. Otherwise every edit copies the saved context out and back.
    bool state_in_place() const;
    // Clears EFLAGS bits (IF, TF, ...) the way delivery does, also inside a run.
    void clear_eflags(uint32_t mask);

    // Runs stop at the first block boundary after any watched physical bytes changed
    // value, whoever wrote them (a guest store through any mapping, or the host between
    // runs), or after the guest read (WatchOn::Read) or read or wrote (Access) them:
    // CpuExitKind::WatchChanged, with the block during which it happened. Replaces every
    // earlier watch; the values now are the reference. Changes are compared at every
    // block start while such watches exist (a few loads). Reads and accesses come from
    // Unicorn's memory hooks: translations made while one exists send every load and
    // store through its slow path, so every translation is dropped when they come and go,
    // and guest memory access is several times slower while they exist.
    void set_value_watches(std::vector<ValueWatch> watches);
    // The start of the block that ran when a watched value changed (nullopt: none changed
    // since the last call). A step's change is its own instruction's.
    std::optional<uint32_t> take_watch_change();
    // The read or access that stopped the run, if one did (then take_watch_change too).
    std::optional<WatchAccess> take_watch_access();

    // Runs stop at the start of the first block outside the kernel's code, [kernel_base,
    // kernel_end) (kernel_end 0: to the top), that follows a block inside it: the CPU
    // has just returned to user code (an iret or sysexit to ring 3). The check is in
    // the block hook, like the budget's: it costs no code hook. kernel_base 0 turns the
    // watch off. Call between runs only.
    void watch_user_returns(uint32_t kernel_base, uint32_t kernel_end = 0);

    // Runs stop (CpuExitKind::Budget) at the start of the first block that runs with
    // EFLAGS.IF set: an external interrupt is waiting while the guest has them off, and
    // is taken right where they come back on (after sti's shadow: see
    // interrupt_shadow()), wherever the translated blocks happen to end. Every block
    // takes the slow path meanwhile. Call between runs.
    void watch_interrupt_window(bool on);

    // Called from inside run() when sysenter enters the kernel (SYSENTER_CS set),
    // before the ring switch: the registers are the caller's (the system call trace).
    void set_sysenter_observer(std::function<void()> observer);
    uint64_t sysenters() const;  // ring switches by sysenter so far (kept in snapshots)
    // How often the Cpu dropped every translation at once: asked (invalidate_all_code), or
    // by removing Unicorn's count hook after a count-limited run. Each costs translating
    // everything that runs next again. Unicorn's own flush of a full buffer is not counted.
    uint64_t code_flushes() const;

    // Called after every port access the guest makes (from inside run()): a device may
    // have raised an interrupt or armed an earlier timer, so the machine can stop the
    // run or shorten it with lower_instruction_limit().
    void set_port_observer(std::function<void(uint16_t port, bool is_write)> observer);
    void lower_instruction_limit(uint64_t limit);

    uint64_t instructions() const;
    // The live counter, for a clock that reads it during a run.
    const uint64_t* instruction_counter() const;
    // Execute exactly one instruction (debugger). Returns the exit of that step:
    // StopRequested when the instruction ran and nothing else happened.
    CpuExit step();
    // Before a run's step (the last instructions up to an exact target are single
    // steps): the AtStopAddress exit a run would give at EIP, unless the run resumes
    // from that stop. A step alone always executes its instruction.
    std::optional<CpuExit> stop_address_at_eip();

    uint32_t reg(Reg r) const;
    void set_reg(Reg r, uint32_t value);
    // Segment loads are checked by Unicorn against the GDT at the current privilege.
    Result<void> load_segment(Reg seg, uint16_t selector);
    // Force CPL 0 (ring 3 -> 0 on delivery). Unicorn refuses a ring-0 SS at CPL 3, so
    // the CPL is first cleared in the saved context (never through CR0, whose write
    // would flush the TLB), then SS and CS load through the GDT.
    Result<void> enter_ring0(uint16_t ss, uint16_t cs);
    // The segment loads of a delivery, from the descriptors (low dword first) it read:
    // CS, and with a ring change SS at CPL 0 (enter_ring0). Where the CPU state is in
    // place, the hidden state an earlier load of the same descriptor bytes made is
    // written again instead of asking Unicorn to load (its load reads the GDT again).
    Result<void> load_for_delivery(uint16_t cs, uint64_t cs_descriptor, bool ring_change, uint16_t ss,
                                   uint64_t ss_descriptor);
    // How many deliveries' loads were replayed so (for tests).
    uint64_t replayed_loads() const;
    DescriptorTable gdtr() const;
    DescriptorTable idtr() const;
    void set_gdtr(DescriptorTable t);
    void set_idtr(DescriptorTable t);
    CpuRegisters registers() const;
    uint8_t cpl() const { return static_cast<uint8_t>(reg(Reg::Cs) & 3); }

    // After the host edits page tables or code in RAM behind Unicorn's back.
    void flush_tlb();
    void invalidate_code(uint32_t begin, uint32_t end);
    void invalidate_all_code();

    // Whole-CPU snapshots (for stepping back and tests).
    std::vector<uint8_t> save_context() const;
    Result<void> restore_context(const std::vector<uint8_t>& blob);
    // With the instruction count and run bookkeeping (record/replay). A restore drops
    // every translation and the TLB: the RAM under them is restored too.
    CpuSnapshot snapshot() const;
    // The interrupt shadow of sti, mov ss and pop ss (QEMU's HF_INHIBIT_IRQ): the next
    // instruction runs before an external interrupt may be taken. Call between runs.
    bool interrupt_shadow() const;
    Result<void> restore(const CpuSnapshot& s);
    // Before RAM is put back to an earlier state (then restore()): deletes the code
    // hooks nobody uses, which Unicorn removes from its translations by walking the page
    // tables: now, while they are the ones those translations were made under, and
    // before RAM is overwritten, so that the accessed bits the walks set vanish with it.
    void prepare_restore();
    // The next run or step executes the instruction at EIP even if it is a stop
    // address, as after stopping there (a machine put back to a stop position).
    void skip_stop_address_at_eip();

    // Port-access privilege check done by the host (Unicorn does none).
    bool io_allowed() const;

    // Defined in cpu_impl.h, which only the Cpu's own files include.
    struct Impl;

private:
    explicit Cpu(std::unique_ptr<Impl> impl);
    uint32_t begin_run(uint64_t instruction_limit, uint64_t exact_target);  // returns EIP
    CpuExit finish_run(int uc_error);
    uint32_t software_interrupt_start(uint8_t vector, uint32_t next_eip);
    // Reads guest-virtual memory through the current page tables (our walker, trap 11).
    bool read_code(uint32_t linear, std::span<uint8_t> out) const;
    // Edits the bytes of Unicorn's CPU state at the layout's offsets: in place where the
    // live state was found, else save, edit the saved context, restore (no TLB flush).
    template <class Edit>
    void edit_context(Edit edit);
    void clear_exception_in_flight(uint8_t* context) const;
    // Runs a host call into Unicorn that may walk page tables with addresses of another
    // address space (removing translations: uc_ctl_remove_cache, adding or deleting a
    // code hook). A walk that faults is swallowed but leaves CR2 and "exception in
    // flight" set, which would turn the guest's next fault into a double fault (trap 3,
    // trap 10): both are put back after the call.
    template <class Call>
    void keeping_fault_state(Call call);
    // Deletes the count hook a step left (see cpu.cpp) before a run without a count.
    void drop_count_hook();
    bool replay_loads(uint16_t cs, uint64_t cs_descriptor, bool ring_change, uint16_t ss, uint64_t ss_descriptor);
    bool segment_bases_zero(const uint8_t* state) const;  // DS and ES in the live state or a context
    void map_live_registers();
    void map_sysenter_msrs();
    uint32_t sysenter_msr(uint32_t id) const;  // SYSENTER_CS, ESP or EIP, in place when mapped
    void enter_sysenter_segments(uint8_t* state, uint32_t sysenter_cs);
    void finish_sysenter();
    DescriptorTable live_table(uint32_t at) const;
    void delete_idle_stop_hooks();
    // A fault at `eip` did not retire: count only the instructions of its block before it.
    void uncount_from(uint32_t eip);
    std::optional<int> instructions_between(uint32_t from, uint32_t to) const;
    bool is_icebp_at(uint32_t eip) const;  // the byte there is 0xf1 (INT1)
    // The longest instruction at eip, or what of it lies on readable pages (empty: none).
    std::span<const uint8_t> read_instruction(uint32_t eip, std::array<uint8_t, 15>& code) const;
    bool lock_undefined_at(uint32_t eip) const;  // a lock prefix makes the instruction there #UD
    CpuExit invalid_lock_exit();                 // #UD at EIP, which has not retired
    // An iret at CPL > 0 ignores VM in the EFLAGS image it pops (see cpu.cpp): before
    // the instruction at `eip` runs, if it is one, VM is cleared there; put_back after.
    struct IretImageByte {
        uint32_t paddr = 0;
        uint8_t value = 0;  // as the program wrote it
    };
    std::optional<IretImageByte> ignore_vm_if_iret(uint32_t eip);
    void put_back(const std::optional<IretImageByte>& image);
    int run_alone();  // a uc_err
    int run_before_looked_at();  // a uc_err

    std::unique_ptr<Impl> impl_;

    friend struct CpuHooks;
};

}  // namespace forkscope
