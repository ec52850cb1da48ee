#include "emulator/debug/debugger.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <map>

#include "base/hex.h"
#include "emulator/cpu.h"
#include "emulator/debug/code_map.h"
#include "emulator/debug/disassembler.h"
#include "emulator/debug/source_map.h"
#include "emulator/history.h"
#include "emulator/introspect/kernel_layout.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/machine.h"
#include "emulator/page_walker.h"
#include "emulator/symbols.h"

namespace forkscope {

namespace {

// The most argument bytes a callee pops with `ret n` (as stop_runner.cpp).
constexpr uint32_t kMostPopped = 32;
constexpr uint32_t kPresent = 1u << 0, kLargePage = 1u << 7;

Error usage(std::string message) { return make_error(ErrorKind::Usage, std::move(message)); }

bool same_line(const SourceLocation& a, const SourceLocation& b) { return a.line == b.line && a.file == b.file; }

}  // namespace

// Where a command waits: any of `addresses`, reached by `task` with ESP in [esp_min,
// esp_max] (the same frame after a return or an interrupt's iret).
struct Target {
    std::vector<uint32_t> addresses;
    uint32_t task = 0;
    uint32_t esp_min = 0, esp_max = 0xffffffffu;
};

struct Debugger::Impl {
    Impl(Machine& m, const KernelSymbols& s, const SourceMap* src, const KernelInfo& i, DebuggerOptions o)
        : machine(m), symbols(s), source(src), info(i),
          kernel_base_(i.find("NUMBER(PAGE_OFFSET)").value_or(0xc0000000u)),
          nr_free_pages_at(i.find("SYMBOL(nr_free_pages)")), view(make_view(i, m)), options(o),
          code("kernel", s, src, kernel_base()), table(m, s, src), runner(m, s, i, o.constants) {}

    // A view that can take snapshots when the kernel exports all they read; else one that
    // still finds the current task (PTE watchpoints then say what is missing).
    static KernelView make_view(const KernelInfo& i, Machine& m) {
        auto v = KernelView::create(i, m.walker());
        return v ? std::move(*v) : KernelView(i, m.walker());
    }

    Machine& machine;
    const KernelSymbols& symbols;
    const SourceMap* source;
    KernelInfo info;
    // Looked up once: every arrival at a stop address asks (inside the run, too).
    uint32_t kernel_base_;
    std::optional<uint32_t> nr_free_pages_at;
    KernelView view;
    DebuggerOptions options;
    CodeMap code;
    BreakpointTable table;
    StopRunner runner;
    std::vector<Watchpoint> watches;
    std::vector<EventBreakpoint> events;
    std::vector<StopPoint> logged;  // the points log_events watches
    std::vector<GuestEvent> log;
    std::array<uint64_t, 8> logged_counts{};  // by StopKind: the log's events of each kind
    std::optional<DebugStop> last;
    std::optional<DebugStop> ended;  // Exited or Fault: nothing more runs
    std::optional<Disassembler> disasm;
    History* history = nullptr;
    // The run in progress (run_loop): its targets, for the arrivals taken inside it.
    const std::vector<Target>* run_targets = nullptr;
    // An arrival taken inside the run that stops it; run_loop reports it.
    struct TakenArrival {
        uint32_t eip = 0;
        Result<std::optional<DebugStop>> stop;
        bool at_target = false;
    };
    std::optional<TakenArrival> taken;

    Cpu& cpu() { return machine.cpu(); }
    PagingMode mode() { return PagingMode{cpu().reg(Reg::Cr0), cpu().reg(Reg::Cr3), cpu().reg(Reg::Cr4)}; }
    uint32_t kernel_base() const { return kernel_base_; }

    // The lines and symbols of the code at eip: the kernel's, or the user program's the
    // running task maps there (null: none).
    const SourceMap* lines_at(uint32_t eip) {
        if (eip >= kernel_base()) return source;
        auto c = code.at(view, mode(), eip);
        return c ? c->source : nullptr;
    }
    const KernelSymbols* symbols_at(uint32_t eip) {
        if (eip >= kernel_base()) return &symbols;
        auto c = code.at(view, mode(), eip);
        return c ? c->symbols : nullptr;
    }
    // The file the running task maps at a user address ("" for a kernel one): a user
    // program's breakpoint stops only in that program.
    std::string image_at(uint32_t eip) {
        return eip >= kernel_base() || !table.has_user_breakpoints() ? "" : code.file_at(view, mode(), eip);
    }

    TaskIdentity current() {
        auto t = view.current_task(mode());
        return t ? *t : TaskIdentity{};
    }

    DebugStop stop(StopReason reason) {
        DebugStop s;
        s.reason = reason;
        s.eip = cpu().reg(Reg::Eip);
        s.instructions = cpu().instructions();
        const TaskIdentity t = current();
        s.task = t.task;
        s.pid = t.pid;
        return s;
    }

    DebugStop fault(const std::string& message) {
        DebugStop s = stop(StopReason::Fault);
        s.message = message;
        ended = s;
        return s;
    }

    // --- reading the guest ---------------------------------------------------------
    Result<uint64_t> read_value(const PagingMode& m, uint32_t address, uint32_t length) {
        uint8_t bytes[8] = {};
        if (auto r = machine.walker().read_virtual(m, address, std::span<uint8_t>(bytes, length)); !r) return r.error();
        uint64_t v = 0;
        for (uint32_t i = 0; i < length; ++i) v |= uint64_t(bytes[i]) << (8 * i);
        return v;
    }

    std::optional<Instruction> decode(uint32_t eip) {
        if (!disasm) {
            auto d = Disassembler::create(AsmSyntax::Intel, nullptr);
            if (!d) return std::nullopt;
            disasm.emplace(std::move(*d));
        }
        uint8_t bytes[16] = {};
        size_t n = 0;
        for (; n < sizeof bytes; ++n)  // up to the end of the readable bytes
            if (!machine.walker().read_virtual(mode(), eip + static_cast<uint32_t>(n), std::span<uint8_t>(bytes + n, 1)))
                break;
        auto insns = disasm->disassemble(std::span<const uint8_t>(bytes, n), eip, 1);
        if (insns.empty()) return std::nullopt;
        return insns.front();
    }

    bool is_call(const Instruction& i) const { return i.mnemonic == "call"; }

    // The frame's CFA: ESP before the call that made it (the return address is at CFA-4).
    // The kernel keeps frame pointers: EBP+8 once `push %ebp; mov %esp,%ebp` ran, ESP+4
    // at the entry and at `ret`, ESP+8 between the push and the mov.
    uint32_t frame_cfa() {
        const uint32_t eip = cpu().reg(Reg::Eip), esp = cpu().reg(Reg::Esp), ebp = cpu().reg(Reg::Ebp);
        if (auto i = decode(eip); i && (i->mnemonic == "ret" || i->mnemonic == "retn")) return esp + 4;
        const KernelSymbols* syms = symbols_at(eip);
        if (auto sym = syms ? syms->containing(eip) : std::nullopt; sym && sym->function) {
            if (eip == sym->address) return esp + 4;
            if (eip == sym->address + 1) return esp + 8;
        }
        return ebp + 8;
    }

    // --- watchpoints -------------------------------------------------------------------
    // The watched value now, and the physical bytes whose change can change it (the
    // value's own, and the table entries and pointers that lead to it): a change there
    // stops a run, the value is evaluated again, and the watch re-aimed.
    struct WatchState {
        uint64_t value = 0;
        std::vector<ValueWatch> spots;
        // Where the value itself lies (nullopt: nowhere now, e.g. no page table): going
        // backwards, the search is for the last write that changed these bytes.
        std::optional<ValueWatch> value_spot;
    };

    uint32_t physical(uint32_t kernel_va) const { return kernel_va - kernel_base(); }

    Result<WatchState> evaluate(const Watchpoint& w) {
        switch (w.kind) {
            case WatchKind::Memory: return evaluate_memory(w);
            case WatchKind::Pte: return evaluate_pte(w);
            case WatchKind::Frame: return evaluate_frame(w);
        }
        return usage("unknown watchpoint kind");
    }

    Result<WatchState> evaluate_memory(const Watchpoint& w) {
        PagingMode m = mode();
        if (w.address < kernel_base()) m.cr3 = w.cr3;
        WatchState st;
        auto v = read_value(m, w.address, w.length);
        if (!v) return v.error();
        st.value = *v;
        for (uint32_t at : {w.address, w.address + w.length - 1}) {  // both pages if it straddles
            auto walk = machine.walker().walk(m, at);
            if (!walk) return walk.error();
            if (!m.paging()) {
                st.spots.push_back({at, 1});
                continue;
            }
            st.spots.push_back({walk->pde_paddr, 4});
            if (walk->has_pte) st.spots.push_back({walk->pte_paddr, 4});
            if (walk->present) st.spots.push_back({walk->paddr, 1});
        }
        // The value's bytes themselves, whole when on one page.
        if (auto walk = machine.walker().walk(m, w.address);
            walk && walk->present && ((w.address & 0xfff) + w.length <= 0x1000)) {
            st.spots.push_back({walk->paddr, w.length, w.on});
            st.value_spot = st.spots.back();
        }
        return st;
    }

    Result<WatchState> evaluate_frame(const Watchpoint& w) {
        auto layout = KernelLayout::resolve(info);
        if (!layout) return layout.error();
        auto mem_map = view.read_word(mode(), layout->sym.mem_map);
        auto max_pfn = view.read_word(mode(), layout->sym.max_pfn);
        if (!mem_map || !max_pfn) return usage("cannot read the kernel's mem_map");
        if (w.pfn >= *max_pfn)
            return usage("frame " + hex(w.pfn) + " is past the last frame (" + hex(*max_pfn - 1) + ")");
        const uint32_t at = *mem_map + w.pfn * layout->page.size + layout->page.count;
        WatchState st;
        auto v = read_value(mode(), at, layout->page.count_size);
        if (!v) return v.error();
        st.value = *v;
        st.spots.push_back({physical(at), layout->page.count_size});
        st.value_spot = st.spots.back();
        return st;
    }

    // A task's PTE for an address: through its mm's page directory, wherever that is now
    // (exec gives the task a new mm). It changes through the task's mm field, the
    // directory entry or the table entry.
    Result<WatchState> evaluate_pte(const Watchpoint& w) {
        auto layout = KernelLayout::resolve(info);
        if (!layout) return layout.error();
        auto snap = view.snapshot(mode(), cpu().reg(Reg::Eip), cpu().instructions(),
                                  SnapshotScope{.tables_of_pid = w.pid, .frames = false});
        if (!snap) return snap.error();
        const TaskState* task = nullptr;
        for (const TaskState& t : snap->tasks)
            if (t.pid == w.pid) task = &t;
        if (!task) return usage("no task with pid " + std::to_string(w.pid));
        WatchState st;
        st.spots.push_back({physical(task->addr + layout->task.mm), 4});
        if (!task->mm) return st;  // a kernel thread, or an exiting task: no entry
        auto pgd = view.read_word(mode(), task->mm + layout->mm.pgd);
        if (!pgd) return pgd.error();
        const uint32_t pde_at = *pgd + 4 * (w.address >> 22);
        st.spots.push_back({physical(pde_at), 4});
        auto pde = view.read_word(mode(), pde_at);
        if (!pde) return pde.error();
        if (!(*pde & kPresent) || (*pde & kLargePage)) return st;
        const uint32_t pte_at = (*pde & ~0xfffu) + 4 * ((w.address >> 12) & 0x3ff);
        st.spots.push_back({pte_at, 4});
        st.value_spot = st.spots.back();
        auto pte = view.read_word(mode(), pte_at + layout->page_offset);
        if (!pte) return pte.error();
        st.value = *pte;
        return st;
    }

    // Hands the machine every enabled watchpoint's spots, with the values now.
    void aim(const std::map<int, WatchState>& states) {
        std::vector<ValueWatch> spots;
        for (const auto& [number, st] : states) spots.insert(spots.end(), st.spots.begin(), st.spots.end());
        cpu().set_value_watches(std::move(spots));
    }

    // Evaluates every enabled watchpoint (those that cannot be read now wait).
    std::map<int, WatchState> evaluate_all() {
        std::map<int, WatchState> states;
        for (const Watchpoint& w : watches)
            if (w.enabled)
                if (auto st = evaluate(w)) states.emplace(w.number, std::move(*st));
        return states;
    }

    Result<const Watchpoint*> add_watch(Watchpoint w) {
        auto st = evaluate(w);
        if (!st) return st.error();
        w.number = table.take_number();
        w.value = st->value;
        watches.push_back(std::move(w));
        aim(evaluate_all());
        return &watches.back();
    }

    // After a watched spot changed during the block at `block` (or the instruction, when
    // exact): the first enabled watchpoint whose value changed stops; every changed one
    // takes its new value and counts the hit.
    std::optional<DebugStop> check_watches(uint32_t block, bool exact) {
        std::optional<DebugStop> result;
        // A read or access watch whose bytes the guest touched stops first.
        if (auto touched = cpu().take_watch_access()) {
            for (Watchpoint& w : watches) {
                if (!w.enabled || w.on == WatchOn::Change) continue;
                auto st = evaluate(w);
                if (!st || !st->value_spot || st->value_spot->paddr != touched->paddr) continue;
                ++w.hits;
                DebugStop s = stop(StopReason::Watchpoint);
                s.number = w.number;
                s.old_value = w.value;
                s.new_value = st->value;
                s.access_write = touched->write;
                s.writer = block;
                s.writer_exact = exact;
                result = s;
                w.value = st->value;
                break;
            }
        }
        auto states = evaluate_all();
        for (Watchpoint& w : watches) {
            auto it = states.find(w.number);
            if (it == states.end() || it->second.value == w.value) continue;
            if (w.on != WatchOn::Change) {  // an access watch has stopped for this write already
                w.value = it->second.value;
                continue;
            }
            ++w.hits;
            if (!result) {
                DebugStop s = stop(StopReason::Watchpoint);
                s.number = w.number;
                s.old_value = w.value;
                s.new_value = it->second.value;
                s.writer = block;
                s.writer_exact = exact;
                result = s;
            }
            w.value = it->second.value;
        }
        aim(states);
        return result;
    }

    // --- arrivals ----------------------------------------------------------------------
    bool matches(const Target& t, uint32_t eip) {
        if (std::find(t.addresses.begin(), t.addresses.end(), eip) == t.addresses.end()) return false;
        const uint32_t esp = cpu().reg(Reg::Esp);
        return esp >= t.esp_min && esp <= t.esp_max && (!t.task || current().task == t.task);
    }
    bool matches(const std::vector<Target>& targets, uint32_t eip) {
        return std::any_of(targets.begin(), targets.end(), [&](const Target& t) { return matches(t, eip); });
    }

    // The machine has arrived at eip. A target reached ends the wait (nothing else is
    // counted: returning to the instruction an interrupt came before is no new arrival).
    // Otherwise the events there count, and an event or breakpoint may stop.
    Result<std::optional<DebugStop>> arrive(uint32_t eip, const std::vector<Target>& targets, bool* at_target) {
        if (matches(targets, eip)) {
            *at_target = true;
            return std::optional<DebugStop>();
        }
        auto reports = runner.arrived(eip);
        if (!reports) return reports.error();
        std::optional<DebugStop> result;
        for (const StopReport& r : *reports) {
            for (EventBreakpoint& e : events) {
                if (!e.enabled || !(e.point == r.point)) continue;
                ++e.hits;
                if (!result) {
                    DebugStop s = stop(StopReason::Event);
                    s.number = e.number;
                    s.event = r.description;
                    // A recurring breakpoint counts its events from when it was set.
                    if (e.recurring)
                        if (auto at = s.event.find("#1"); at != std::string::npos)
                            s.event.replace(at, 2, "#" + std::to_string(e.hits));
                    s.value = r.value;
                    result = s;
                }
                if (e.recurring) {
                    if (auto w = runner.rewatch(e.point); !w) return w.error();
                } else {
                    e.enabled = false;
                    runner.unwatch(e.point);
                }
            }
        }
        for (const StopReport& r : *reports)
            if (std::find(logged.begin(), logged.end(), r.point) != logged.end()) {
                note_event(r);
                if (auto w = runner.rewatch(r.point); !w) return w.error();  // also after a one-shot breakpoint's unwatch
            }
        const std::string image = image_at(eip);
        if (result) {
            (void)table.hit(eip, image);  // a breakpoint here counts its hit too
            return result;
        }
        if (auto b = table.hit(eip, image)) {
            DebugStop s = stop(StopReason::Breakpoint);
            s.number = b->number;
            return std::optional<DebugStop>(s);
        }
        return std::optional<DebugStop>();
    }

    // The machine, running, has reached a stop address (Machine::set_stop_filter): a
    // kernel address where nothing stops (an event only counted or logged) is arrived
    // at here and the run goes on; it saves a stop and a restart per event, which
    // for the event log is most of its cost. A user address (its image may have changed
    // within the run) and an arrival that adds a stop address stop as before.
    bool arrive_in_run(uint32_t eip) {
        if (!run_targets || eip < kernel_base() || runner.arrival_adds_stop_address(eip)) return true;
        bool at_target = false;
        auto s = arrive(eip, *run_targets, &at_target);
        if (s && !*s && !at_target) return false;
        taken = TakenArrival{eip, std::move(s), at_target};
        return true;
    }

    // Adds an event to the log, unless a replay meets it again.
    void note_event(const StopReport& r) {
        GuestEvent e;
        e.kind = r.point.kind;
        e.at = machine.position();
        e.pid = r.pid;
        // A replay after going back meets only events logged already: the run is deterministic.
        if (!log.empty() && (e.at < log.back().at || (e.at == log.back().at && e.kind == log.back().kind))) return;
        e.n = ++logged_counts[static_cast<size_t>(e.kind)];
        e.text = r.description;
        if (auto at = e.text.find("#1"); at != std::string::npos) e.text.replace(at, 2, "#" + std::to_string(e.n));
        if (e.kind == StopKind::Exit) e.text = "exit:" + std::to_string(r.pid);  // as exit:PID stops there
        if (nr_free_pages_at)
            if (auto v = read_value(mode(), *nr_free_pages_at, 4)) e.free_pages = static_cast<uint32_t>(*v);
        const MachineStats stats = machine.stats();
        e.page_faults = stats.page_faults;
        e.interrupts = stats.interrupts;
        e.system_calls = stats.system_calls + stats.sysenters;
        log.push_back(std::move(e));
    }

    // Runs until a stop of its own or one of the targets (nullopt: a target was reached).
    Result<std::optional<DebugStop>> run(std::vector<Target> targets) {
        if (ended) return std::optional<DebugStop>(*ended);
        std::vector<uint32_t> added;
        for (const Target& t : targets)
            for (uint32_t a : t.addresses) {
                if (auto r = machine.add_stop_address(a); !r) {
                    for (uint32_t b : added) machine.remove_stop_address(b);
                    return r.error();
                }
                added.push_back(a);
            }
        auto result = run_loop(targets);
        for (uint32_t a : added) machine.remove_stop_address(a);
        return result;
    }

    Result<std::optional<DebugStop>> run_loop(const std::vector<Target>& targets) {
        using Out = std::optional<DebugStop>;
        struct RunTargets {  // arrivals in the run see them while it lasts
            Impl& s;
            RunTargets(Impl& i, const std::vector<Target>& t) : s(i) { s.run_targets = &t; }
            ~RunTargets() { s.run_targets = nullptr; }
        } run_targets_now{*this, targets};
        for (;;) {
            code.forget_mappings();  // a run may exec, exit and reuse page directories
            taken.reset();
            auto ms = machine.resume();
            if (!ms) return Out(fault(ms.error().message));
            switch (ms->kind) {
                case MachineStopKind::Exited: {
                    DebugStop s = stop(StopReason::Exited);
                    s.exit_status = ms->exit_status;
                    ended = s;
                    return Out(s);
                }
                case MachineStopKind::Paused: {
                    DebugStop s = stop(StopReason::Interrupted);
                    s.message = "interrupted";
                    return Out(s);
                }
                case MachineStopKind::AtStopAddress: {
                    // Arrived at inside the run already (arrive_in_run), or now.
                    const bool in_run = taken && taken->eip == ms->eip;
                    bool at_target = in_run && taken->at_target;
                    auto s = in_run ? std::move(taken->stop) : arrive(ms->eip, targets, &at_target);
                    if (!s) return s.error();
                    if (at_target) return Out();
                    if (*s) return *s;
                    break;
                }
                case MachineStopKind::WatchChanged:
                    if (auto block = cpu().take_watch_change())
                        if (auto s = check_watches(*block, false)) return Out(*s);
                    break;
                case MachineStopKind::Stepped:
                case MachineStopKind::AtInstruction:
                    break;
            }
        }
    }

    // One instruction. An interrupt taken before it is stepped over (unless followed):
    // its handler runs until it returns here, in this task, and the instruction is then
    // stepped. nullopt: the step ended normally (*exception: the instruction raised one).
    Result<std::optional<DebugStop>> step_instruction(std::optional<uint8_t>* exception) {
        using Out = std::optional<DebugStop>;
        if (ended) return Out(*ended);
        for (;;) {
            const uint32_t eip0 = cpu().reg(Reg::Eip), esp0 = cpu().reg(Reg::Esp);
            const uint32_t task0 = current().task;
            auto ms = machine.step();
            if (!ms) return Out(fault(ms.error().message));
            if (ms->kind == MachineStopKind::Exited) {
                DebugStop s = stop(StopReason::Exited);
                s.exit_status = ms->exit_status;
                ended = s;
                return Out(s);
            }
            if (ms->interrupt && !options.follow_interrupts) {
                // The handler's first instruction ran: a change it made counts as the handler's.
                if (auto changed = cpu().take_watch_change())
                    if (auto s = check_watches(*changed, true)) return Out(*s);
                Target back{{eip0}, task0, esp0, esp0};
                auto r = run({back});
                if (!r) return r.error();
                if (*r) return *r;
                continue;  // back before the instruction: step it now
            }
            *exception = ms->exception;
            bool at_target = false;
            auto s = arrive(cpu().reg(Reg::Eip), {}, &at_target);
            if (!s) return s.error();
            if (*s) return *s;
            if (auto changed = cpu().take_watch_change())
                if (auto w = check_watches(*changed, true)) return Out(*w);
            return Out();
        }
    }

    // Runs a call at eip to its return (nexti, next, step into code without lines).
    Result<std::optional<DebugStop>> over_call(const Instruction& call) {
        const uint32_t esp = cpu().reg(Reg::Esp);
        const uint32_t ret = call.address + static_cast<uint32_t>(call.bytes.size());
        return run({Target{{ret}, current().task, esp, esp + kMostPopped}});
    }

    // Runs the current function to its return: finish, and a step into code without lines.
    Result<std::optional<DebugStop>> to_return(uint32_t* returned_to) {
        const uint32_t cfa = frame_cfa();
        auto ret = view.read_word(mode(), cfa - 4);
        if (!ret) return ret.error();
        if (*ret < kernel_base() && cpu().reg(Reg::Eip) >= kernel_base())
            return usage("\"finish\" not meaningful in the outermost frame (it returns to user mode)");
        *returned_to = *ret;
        return run({Target{{*ret}, current().task, cfa, cfa + kMostPopped}});
    }

    Result<DebugStop> line_step(bool into, bool until);
    Result<DebugStop> instruction_steps(uint64_t count, bool over_calls);

    // --- going backwards -------------------------------------------------------------
    Result<void> need_history() const {
        if (!history) return usage("Target does not record its history: reverse execution needs forkscope debug --history-mb N > 0");
        return {};
    }

    // Restores the machine to p; watched values are taken afresh there.
    Result<void> seek(MachinePosition p) {
        if (auto r = history->seek(p); !r) return r;
        ended.reset();  // an exit lies in the future again
        aim(evaluate_all());
        for (Watchpoint& w : watches)
            if (auto st = evaluate(w)) w.value = st->value;
        return {};
    }

    // A hit found by replaying forward: where, and what.
    struct Hit {
        MachinePosition at;
        StopReason reason = StopReason::Breakpoint;
        int number = 0;
        uint64_t old_value = 0, new_value = 0;  // a watchpoint's bytes before and after
        std::optional<uint32_t> writer;         // the block that wrote them
    };

    // A watchpoint as the reverse search sees it: the bytes its value lies in now, fixed
    // for the search ("who last wrote this PTE?" is about the entry the task's page
    // directory leads to now, written before the task even had that directory).
    struct SpotWatch {
        int number = 0;
        ValueWatch spot;
        uint64_t value = 0;
    };

    std::vector<SpotWatch> spot_watches() {
        std::vector<SpotWatch> out;
        for (const Watchpoint& w : watches) {
            if (!w.enabled) continue;
            auto st = evaluate(w);
            if (st && st->value_spot) out.push_back(SpotWatch{w.number, *st->value_spot, 0});
        }
        return out;
    }

    uint64_t read_spot(const ValueWatch& spot) {
        uint64_t v = 0;
        if (machine.ram().contains(spot.paddr, spot.length))
            std::memcpy(&v, machine.ram().data() + spot.paddr, spot.length);
        return v;
    }

    // Replays [from, to) with the breakpoints (enabled ones, ignore counts aside) and
    // the watchpoints' bytes armed, and returns the hits that `accept` takes and every
    // change of those bytes, in order. The machine is left somewhere in the window: the
    // caller seeks where it wants.
    template <class Accept>
    Result<std::vector<Hit>> scan(MachinePosition from, MachinePosition to, const std::vector<uint32_t>& extra_stops,
                                  std::vector<SpotWatch>& spots, Accept accept) {
        if (auto r = seek(from); !r) return r.error();
        std::vector<ValueWatch> armed;
        for (SpotWatch& w : spots) {
            w.value = read_spot(w.spot);
            armed.push_back(w.spot);
        }
        cpu().set_value_watches(armed);
        std::vector<Hit> hits;
        for (uint32_t a : extra_stops)
            if (auto r = machine.add_stop_address(a); !r) return r.error();
        Result<void> status;
        for (;;) {
            if (machine.position() >= to) break;
            machine.set_instruction_stop(to.instructions);
            auto ms = machine.resume();
            if (!ms) {
                status = ms.error();
                break;
            }
            const MachinePosition at = machine.position();
            if (ms->kind == MachineStopKind::Exited || ms->kind == MachineStopKind::Paused ||
                ms->kind == MachineStopKind::AtInstruction || at >= to)
                break;
            if (ms->kind == MachineStopKind::AtStopAddress) {
                if (auto h = accept(ms->eip, at)) hits.push_back(*h);
            } else if (ms->kind == MachineStopKind::WatchChanged) {
                const std::optional<uint32_t> block = cpu().take_watch_change();
                for (SpotWatch& w : spots) {
                    const uint64_t v = read_spot(w.spot);
                    if (v == w.value) continue;
                    hits.push_back(Hit{at, StopReason::Watchpoint, w.number, w.value, v, block});
                    w.value = v;
                }
            }
        }
        machine.set_instruction_stop(std::nullopt);
        for (uint32_t a : extra_stops) machine.remove_stop_address(a);
        cpu().set_value_watches({});  // the next seek aims the watchpoints as they are there
        if (!status) return status.error();
        return hits;
    }

    // The last accepted hit before now, window by window backwards from the newest
    // snapshot before now; seeks there (or to the oldest state, when there is none).
    template <class Accept>
    Result<DebugStop> back_to_last(const std::vector<uint32_t>& extra_stops, Accept accept, StopReason found_reason) {
        if (auto r = need_history(); !r) return r.error();
        const MachinePosition now = machine.position();
        MachinePosition end = now;
        std::vector<SpotWatch> spots = spot_watches();
        std::vector<MachinePosition> cps = history->checkpoints();
        for (auto it = cps.rbegin(); it != cps.rend(); ++it) {
            if (*it >= end) continue;
            auto hits = scan(*it, end, extra_stops, spots, accept);
            if (!hits) return hits.error();
            if (!hits->empty()) {
                const Hit h = hits->back();
                if (auto r = seek(h.at); !r) return r.error();
                DebugStop s = stop(found_reason == StopReason::Step && h.reason != StopReason::Watchpoint
                                       ? StopReason::Step
                                       : h.reason);
                s.number = h.number;
                s.old_value = h.old_value;
                s.new_value = h.new_value;
                s.writer = h.writer;
                return s;
            }
            end = *it;
        }
        if (auto r = seek(history->oldest()); !r) return r.error();
        return stop(StopReason::HistoryStart);
    }

    Result<DebugStop> reverse_stepi_one() {
        const MachinePosition now = machine.position();
        if (now <= history->oldest()) return stop(StopReason::HistoryStart);
        auto p = history->previous(now);
        if (!p) return p.error();
        if (auto r = seek(*p); !r) return r.error();
        return stop(StopReason::Step);
    }

    // One instruction back in this frame. Going back onto the `ret` of a call, or the
    // `iret` of an interrupt or system call, that returned to here, the whole call goes:
    // back to the call (or `int`) instruction that made it, or, for an interrupt that
    // came between two instructions, on to the instruction before.
    Result<DebugStop> reverse_nexti_one() {
        for (;;) {
            const uint32_t eip = cpu().reg(Reg::Eip), esp = cpu().reg(Reg::Esp);
            const uint32_t task = current().task;
            auto back = reverse_stepi_one();
            if (!back || back->reason != StopReason::Step) return back;
            if (current().task == task && cpu().reg(Reg::Eip) == eip && cpu().reg(Reg::Esp) == esp)
                continue;  // back over a delivery: the same instruction, before the interrupt
            auto insn = decode(cpu().reg(Reg::Eip));
            if (!insn || (insn->mnemonic != "ret" && insn->mnemonic != "retn" && insn->mnemonic != "iretd" &&
                          insn->mnemonic != "iret"))
                return back;
            auto target = view.read_word(mode(), cpu().reg(Reg::Esp));
            if (!target || *target != eip) return back;  // a return to somewhere else
            // The instructions that can end at eip: a call or int among the few bytes before.
            std::vector<uint32_t> starts;
            for (uint32_t len = 2; len <= 7; ++len)
                if (auto c = decode(eip - len); c && c->bytes.size() == len && (is_call(*c) || c->mnemonic == "int"))
                    starts.push_back(eip - len);
            starts.push_back(eip);  // an interrupt that came before the instruction at eip
            auto r = back_to_last(starts, [&, eip, esp, task](uint32_t at_eip, MachinePosition at) -> std::optional<Hit> {
                if (std::find(starts.begin(), starts.end(), at_eip) == starts.end()) return std::nullopt;
                const uint32_t at_esp = cpu().reg(Reg::Esp);
                if (current().task != task || at_esp > esp || esp - at_esp > kMostPopped) return std::nullopt;
                if (at_eip == eip && at_esp != esp) return std::nullopt;
                return Hit{at, StopReason::Step, 0};
            }, StopReason::Step);
            if (!r || r->reason != StopReason::Step) return r;
            if (cpu().reg(Reg::Eip) != eip) return r;  // at the call
            // Before the interrupt, at the same instruction: one more back.
        }
    }

    // The enabled breakpoint that stops at eip where the machine is now (0: none); a
    // program's only where the running task runs that program.
    int breakpoint_number_at(uint32_t eip) {
        std::optional<std::string> image;
        for (const Breakpoint& b : table.all()) {
            if (!b.enabled || std::find(b.addresses.begin(), b.addresses.end(), eip) == b.addresses.end()) continue;
            if (!b.image.empty()) {
                if (!image) image = image_at(eip);
                if (*image != b.image) continue;
            }
            return b.number;
        }
        return 0;
    }
};

Result<DebugStop> Debugger::Impl::line_step(bool into, bool until) {
    if (ended) return *ended;
    const SourceMap* src = lines_at(cpu().reg(Reg::Eip));
    if (!source && !src) return usage("no source lines: the kernel has no debug information (use stepi or nexti)");
    auto start_line = src ? src->line_of(cpu().reg(Reg::Eip)) : std::nullopt;
    if (!start_line) {
        // No line here (entry code, a program without -g): on to the caller, as gdb does.
        uint32_t ret = 0;
        auto r = to_return(&ret);
        if (!r) return r.error();
        if (*r) return **r;
        return stop(StopReason::Step);
    }
    uint32_t start_pc = cpu().reg(Reg::Eip);
    uint32_t cfa = frame_cfa();
    size_t depth = src->functions_at(start_pc).size();
    for (;;) {
        const uint32_t eip = cpu().reg(Reg::Eip), esp = cpu().reg(Reg::Esp);
        auto insn = decode(eip);
        bool entered = false;
        if (insn && is_call(*insn) && !into) {
            auto r = over_call(*insn);
            if (!r) return r.error();
            if (*r) return **r;
        } else {
            std::optional<uint8_t> exception;
            auto r = step_instruction(&exception);
            if (!r) return r.error();
            if (*r) return **r;
            entered = insn && is_call(*insn) && cpu().reg(Reg::Esp) < cfa - 4;
            if (eip < kernel_base() && cpu().reg(Reg::Eip) >= kernel_base()) {
                // User code entered the kernel: a system call, or a fault. Its work is the
                // kernel's; the line goes on where the task comes back (after the call,
                // or at the faulting instruction, run again).
                const uint32_t after = insn ? eip + static_cast<uint32_t>(insn->bytes.size()) : eip;
                auto back = run({Target{{eip, after}, current().task, esp, esp}});
                if (!back) return back.error();
                if (*back) return **back;
            }
        }
        const uint32_t now = cpu().reg(Reg::Eip);
        if (entered) {
            const SourceMap* callee = lines_at(now);
            auto callee_line = callee ? callee->line_of(now) : std::nullopt;
            if (!callee_line) {
                uint32_t ret = 0;
                auto r = to_return(&ret);  // a callee without lines runs to its return
                if (!r) return r.error();
                if (*r) return **r;
            } else {
                // Stepped into a function with lines: its first line after the prologue.
                src = callee;
                start_line = callee_line;
                start_pc = now;
                cfa = cpu().reg(Reg::Esp) + 4;
                depth = src->functions_at(now).size();
                continue;
            }
        }
        if (cpu().reg(Reg::Esp) >= cfa) return stop(StopReason::Step);  // returned to the caller
        // A new line begins where a statement starts whose line (as line_of shows it:
        // the last row there) is not the one the step started on.
        if (!src->statement_at(now)) continue;
        auto loc = src->line_of(now);
        if (!loc || same_line(*loc, *start_line)) continue;
        if (!into && src->functions_at(now).size() > depth) continue;  // inside an inlined call
        if (until && now < start_pc) continue;  // back to an earlier line: a loop, keep going
        return stop(StopReason::Step);
    }
}

Debugger::Debugger(Machine& machine, const KernelSymbols& symbols, const SourceMap* source, const KernelInfo& info,
                   DebuggerOptions options)
    : impl_(std::make_unique<Impl>(machine, symbols, source, info, options)) {
    machine.set_stop_filter([s = impl_.get()](uint32_t eip) { return s->arrive_in_run(eip); });
}

Debugger::~Debugger() {
    impl_->cpu().set_value_watches({});
    impl_->machine.set_stop_filter(nullptr);
}

BreakpointTable& Debugger::breakpoints() { return impl_->table; }
CodeMap& Debugger::code() { return impl_->code; }
std::optional<CodeImage> Debugger::code_at(uint32_t eip) { return impl_->code.at(impl_->view, impl_->mode(), eip); }

Result<void> Debugger::set_program(const std::string& path) {
    auto image = impl_->code.image(path);
    if (!image) return usage("cannot read the program '" + path + "' (not an ELF file?)");
    impl_->table.set_program(image);
    return {};
}
const std::vector<Watchpoint>& Debugger::watchpoints() const { return impl_->watches; }
const std::vector<EventBreakpoint>& Debugger::event_breakpoints() const { return impl_->events; }
const std::optional<DebugStop>& Debugger::last_stop() const { return impl_->last; }
Machine& Debugger::machine() { return impl_->machine; }
void Debugger::interrupt() { impl_->machine.request_pause(); }

Result<const Watchpoint*> Debugger::watch_memory(uint32_t address, uint32_t length, WatchOn on) {
    if (length != 1 && length != 2 && length != 4 && length != 8)
        return usage("a watchpoint covers 1, 2, 4 or 8 bytes, not " + std::to_string(length));
    Watchpoint w;
    w.kind = WatchKind::Memory;
    w.address = address;
    w.length = length;
    w.on = on;
    w.cr3 = impl_->cpu().reg(Reg::Cr3);
    w.expression = "*" + hex8(address) + (length == 4 ? "" : "@" + std::to_string(length));
    return impl_->add_watch(std::move(w));
}

Result<const Watchpoint*> Debugger::watch_pte(int pid, uint32_t address) {
    Watchpoint w;
    w.kind = WatchKind::Pte;
    w.pid = pid;
    w.address = address & ~0xfffu;
    w.expression = "pte " + std::to_string(pid) + " " + hex8(w.address);
    return impl_->add_watch(std::move(w));
}

Result<const Watchpoint*> Debugger::watch_frame(uint32_t pfn) {
    Watchpoint w;
    w.kind = WatchKind::Frame;
    w.pfn = pfn;
    w.expression = "frame " + hex(pfn);
    return impl_->add_watch(std::move(w));
}

Result<const EventBreakpoint*> Debugger::break_event(std::string_view text, bool once) {
    auto point = parse_stop_point(text);
    if (!point) return point.error();
    EventBreakpoint e;
    e.point = *point;
    e.recurring = !once && text.find('#') == std::string_view::npos;
    if (auto r = impl_->runner.rewatch(e.point); !r) return r.error();
    e.number = impl_->table.take_number();
    impl_->events.push_back(std::move(e));
    return &impl_->events.back();
}

Result<void> Debugger::remove(int number) {
    Impl& s = *impl_;
    for (size_t i = 0; i < s.watches.size(); ++i)
        if (s.watches[i].number == number) {
            s.watches.erase(s.watches.begin() + static_cast<std::ptrdiff_t>(i));
            s.aim(s.evaluate_all());
            return {};
        }
    for (size_t i = 0; i < s.events.size(); ++i)
        if (s.events[i].number == number) {
            s.runner.unwatch(s.events[i].point);
            s.events.erase(s.events.begin() + static_cast<std::ptrdiff_t>(i));
            return {};
        }
    return s.table.remove(number);
}

Result<void> Debugger::enable(int number, bool enabled) {
    Impl& s = *impl_;
    for (Watchpoint& w : s.watches)
        if (w.number == number) {
            if (enabled && !w.enabled) {
                auto st = s.evaluate(w);
                if (!st) return st.error();
                w.value = st->value;
            }
            w.enabled = enabled;
            s.aim(s.evaluate_all());
            return {};
        }
    for (EventBreakpoint& e : s.events)
        if (e.number == number) {
            if (enabled && !e.enabled) {
                if (auto r = s.runner.rewatch(e.point); !r) return r.error();
            } else if (!enabled) {
                s.runner.unwatch(e.point);
            }
            e.enabled = enabled;
            return {};
        }
    return s.table.enable(number, enabled);
}

namespace {

// Runs a command and keeps its stop. What the mappings cache knew may be gone: the
// machine ran, or went back in its history, since the last command.
template <class Impl, class F>
Result<DebugStop> remember(Impl& s, F&& command) {
    s.code.forget_mappings();
    auto r = command();
    if (r) s.last = *r;
    return r;
}

}  // namespace

Result<DebugStop> Debugger::cont() {
    return remember(*impl_, [&]() -> Result<DebugStop> {
        auto r = impl_->run({});
        if (!r) return r.error();
        return **r;  // no target: only a stop of its own ends the run
    });
}

// stepi and nexti: `count` instructions, a call run to its return when over_calls.
Result<DebugStop> Debugger::Impl::instruction_steps(uint64_t count, bool over_calls) {
    for (uint64_t i = 0; i < count; ++i) {
        if (ended) return *ended;
        std::optional<Instruction> insn;
        if (over_calls) insn = decode(cpu().reg(Reg::Eip));
        std::optional<uint8_t> exception;
        auto r = insn && is_call(*insn) ? over_call(*insn) : step_instruction(&exception);
        if (!r) return r.error();
        if (*r) return **r;
        if (exception) {
            DebugStop st = stop(StopReason::Exception);
            st.vector = exception;
            return st;
        }
    }
    return stop(StopReason::Step);
}

Result<DebugStop> Debugger::stepi(uint64_t count) {
    return remember(*impl_, [&]() { return impl_->instruction_steps(count, false); });
}

Result<DebugStop> Debugger::nexti(uint64_t count) {
    return remember(*impl_, [&]() { return impl_->instruction_steps(count, true); });
}

Result<DebugStop> Debugger::step(uint64_t count) {
    return remember(*impl_, [&]() -> Result<DebugStop> {
        Result<DebugStop> r = impl_->stop(StopReason::Step);
        for (uint64_t i = 0; i < count && r && r->reason == StopReason::Step; ++i) r = impl_->line_step(true, false);
        return r;
    });
}

Result<DebugStop> Debugger::next(uint64_t count) {
    return remember(*impl_, [&]() -> Result<DebugStop> {
        Result<DebugStop> r = impl_->stop(StopReason::Step);
        for (uint64_t i = 0; i < count && r && r->reason == StopReason::Step; ++i) r = impl_->line_step(false, false);
        return r;
    });
}

Result<DebugStop> Debugger::until() {
    return remember(*impl_, [&]() { return impl_->line_step(false, true); });
}

Result<DebugStop> Debugger::until(std::string_view location) {
    return remember(*impl_, [&]() -> Result<DebugStop> {
        Impl& s = *impl_;
        if (s.ended) return *s.ended;
        auto addrs = s.table.resolve(location);
        if (!addrs) return addrs.error();
        const uint32_t cfa = s.frame_cfa();
        auto ret = s.view.read_word(s.mode(), cfa - 4);
        if (!ret) return ret.error();
        // The location in this frame (or a deeper one), or this frame's return.
        const uint32_t task = s.current().task;
        auto r = s.run({Target{*addrs, task, 0, cfa}, Target{{*ret}, task, cfa, cfa + kMostPopped}});
        if (!r) return r.error();
        if (*r) return **r;
        return s.stop(StopReason::Step);
    });
}

Result<DebugStop> Debugger::finish() {
    return remember(*impl_, [&]() -> Result<DebugStop> {
        Impl& s = *impl_;
        if (s.ended) return *s.ended;
        uint32_t ret = 0;
        auto r = s.to_return(&ret);
        if (!r) return r.error();
        if (*r) return **r;
        DebugStop st = s.stop(StopReason::Finished);
        st.value = s.cpu().reg(Reg::Eax);
        return st;
    });
}

void Debugger::set_history(History* history) { impl_->history = history; }

Result<DebugStop> Debugger::goto_position(MachinePosition p) {
    return remember(*impl_, [&]() -> Result<DebugStop> {
        Impl& s = *impl_;
        if (auto r = s.need_history(); !r) return r.error();
        const MachinePosition oldest = s.history->oldest(), newest = s.history->newest();
        if (p < oldest || p > newest)
            return usage("instruction " + std::to_string(p.instructions) + " is not in the recorded history (" +
                         std::to_string(oldest.instructions) + " to " + std::to_string(newest.instructions) + ")");
        if (auto r = s.seek(p); !r) return r.error();
        return s.stop(StopReason::Step);
    });
}

Result<void> Debugger::log_events() {
    Impl& s = *impl_;
    for (StopKind kind : {StopKind::Fork, StopKind::Cow, StopKind::Exec, StopKind::Exit, StopKind::End}) {
        StopPoint p;
        p.kind = kind;
        if (std::find(s.logged.begin(), s.logged.end(), p) != s.logged.end()) continue;
        if (auto r = s.runner.watch(p); !r) return r;
        s.logged.push_back(p);
    }
    return {};
}

const std::vector<GuestEvent>& Debugger::event_log() const { return impl_->log; }

Result<DebugStop> Debugger::reverse_stepi(uint64_t count) {
    return remember(*impl_, [&]() -> Result<DebugStop> {
        Impl& s = *impl_;
        if (auto r = s.need_history(); !r) return r.error();
        for (uint64_t i = 0; i < count; ++i) {
            const MachinePosition now = s.machine.position();
            if (now <= s.history->oldest()) return s.stop(StopReason::HistoryStart);
            auto p = s.history->previous(now);
            if (!p) return p.error();
            if (auto r = s.seek(*p); !r) return r.error();
        }
        return s.stop(StopReason::Step);
    });
}

Result<DebugStop> Debugger::reverse_continue() {
    return remember(*impl_, [&]() {
        Impl& s = *impl_;
        return s.back_to_last({}, [&](uint32_t eip, MachinePosition at) -> std::optional<Impl::Hit> {
            const int number = s.breakpoint_number_at(eip);
            if (!number) return std::nullopt;
            return Impl::Hit{at, StopReason::Breakpoint, number};
        }, StopReason::Breakpoint);
    });
}

// Back to the start of the previous line of this function: its statement starts are
// stop addresses while the history replays; the last one of another line, reached in
// this frame (ESP in it, same task), is where it goes.
Result<DebugStop> Debugger::reverse_next() {
    return remember(*impl_, [&]() -> Result<DebugStop> {
        Impl& s = *impl_;
        if (auto r = s.need_history(); !r) return r.error();
        const uint32_t eip = s.cpu().reg(Reg::Eip);
        const SourceMap* src = s.lines_at(eip);
        const KernelSymbols* syms = s.symbols_at(eip);
        if (!s.source && !src) return usage("no source lines: the kernel has no debug information (use reverse-stepi)");
        auto fn = syms ? syms->containing(eip) : std::nullopt;
        auto line = src ? src->line_of(eip) : std::nullopt;
        if (!fn || !line || !fn->size) return s.reverse_stepi_one();
        std::vector<uint32_t> starts;
        for (uint32_t a = fn->address; a < fn->address + fn->size; ++a)
            if (src->statement_at(a)) starts.push_back(a);
        const uint32_t cfa = s.frame_cfa();
        const uint32_t task = s.current().task;
        const SourceLocation here = *line;
        return s.back_to_last(starts, [&, cfa, task, here](uint32_t at_eip, MachinePosition at) -> std::optional<Impl::Hit> {
            const uint32_t esp = s.cpu().reg(Reg::Esp);
            if (esp >= cfa || esp < cfa - 0x2000 || s.current().task != task) return std::nullopt;
            auto l = src->line_of(at_eip);
            if (!l || same_line(*l, here)) return std::nullopt;
            return Impl::Hit{at, StopReason::Step, 0};
        }, StopReason::Step);
    });
}

// Back to the start of the previous line, instruction by instruction (or of the
// current line, from inside it), as gdb: a call made on that line that has lines of
// its own is entered from its end, at the start of its last line; one without lines,
// an interrupt or a system call is gone back over whole. Out of the function's start
// it stops at the call in the caller.
Result<DebugStop> Debugger::reverse_step() {
    return remember(*impl_, [&]() -> Result<DebugStop> {
        Impl& s = *impl_;
        if (auto r = s.need_history(); !r) return r.error();
        const uint32_t eip0 = s.cpu().reg(Reg::Eip);
        const SourceMap* src = s.lines_at(eip0);
        if (!s.source && !src) return usage("no source lines: the kernel has no debug information (use reverse-stepi)");
        auto here = src ? src->line_of(eip0) : std::nullopt;
        if (!here) return s.reverse_stepi_one();
        // From a line's start: the line before; from inside one: this line's start.
        auto start = src->statement_at(eip0);
        std::optional<SourceLocation> target;
        if (!start || !same_line(*start, *here)) target = here;
        uint32_t cfa = s.frame_cfa();
        uint32_t task = s.current().task;
        // The last start of the target line passed going back: where it began. A line's
        // code may be interleaved with others' (optimized code), so only a statement
        // start of another line ends it.
        std::optional<MachinePosition> began;
        auto back_to = [&](MachinePosition p) -> Result<DebugStop> {
            if (auto r = s.seek(p); !r) return r.error();
            return s.stop(StopReason::Step);
        };
        for (int guard = 0; guard < 100000; ++guard) {
            const MachinePosition before = s.machine.position();
            const uint32_t eip = s.cpu().reg(Reg::Eip);
            auto back = s.reverse_stepi_one();
            if (!back || back->reason != StopReason::Step) return back;
            const uint32_t esp = s.cpu().reg(Reg::Esp), now = s.cpu().reg(Reg::Eip);
            if (s.current().task == task && esp >= cfa) {
                // Back out through the entry: at the call, unless the line began.
                if (began) return back_to(*began);
                return s.stop(StopReason::Step);
            }
            // Back onto a callee's ret: into it, when it has lines. Over it whole when it
            // has none, and over an interrupt or a task switch (another task, or a
            // kernel stack elsewhere).
            auto insn = s.decode(now);
            auto ret_to = s.view.read_word(s.mode(), esp);
            const bool same_stack = s.current().task == task && esp >= cfa - 0x2000;
            const bool returned = same_stack && insn && (insn->mnemonic == "ret" || insn->mnemonic == "retn") &&
                                  ret_to && *ret_to == eip;
            const SourceMap* callee = returned ? s.lines_at(now) : nullptr;
            auto callee_line = callee ? callee->line_of(now) : std::nullopt;
            if (!same_stack || (returned && !callee_line)) {
                if (auto r = s.seek(before); !r) return r.error();
                auto over = s.reverse_nexti_one();
                if (!over || over->reason != StopReason::Step) return over;
                continue;
            }
            if (returned) {
                target = callee_line;
                cfa = esp + 4;
                task = s.current().task;
                src = callee;
                began.reset();
                if (auto st = src->statement_at(now); st && same_line(*st, *target)) began = s.machine.position();
                continue;
            }
            auto line = src->line_of(now);
            if (!line) continue;
            if (!target && !same_line(*line, *here)) target = line;
            if (!target) continue;
            auto stmt = src->statement_at(now);
            if (!stmt) continue;
            if (same_line(*stmt, *target)) {
                began = s.machine.position();
            } else {
                return back_to(began ? *began : before);  // another line's start: the target began after it
            }
        }
        return s.stop(StopReason::Step);
    });
}

Result<DebugStop> Debugger::reverse_nexti(uint64_t count) {
    return remember(*impl_, [&]() -> Result<DebugStop> {
        Impl& s = *impl_;
        if (auto r = s.need_history(); !r) return r.error();
        for (uint64_t i = 0; i < count; ++i) {
            auto r = s.reverse_nexti_one();
            if (!r || r->reason != StopReason::Step) return r;
        }
        return s.stop(StopReason::Step);
    });
}

// Back to the call of the current function: its entry in this frame (ESP at CFA-4),
// then one instruction back, to the call.
Result<DebugStop> Debugger::reverse_finish() {
    return remember(*impl_, [&]() -> Result<DebugStop> {
        Impl& s = *impl_;
        if (auto r = s.need_history(); !r) return r.error();
        const KernelSymbols* syms = s.symbols_at(s.cpu().reg(Reg::Eip));
        auto fn = syms ? syms->containing(s.cpu().reg(Reg::Eip)) : std::nullopt;
        if (!fn) return usage("\"finish\" not meaningful here: no function holds EIP");
        const uint32_t cfa = s.frame_cfa();
        const uint32_t task = s.current().task;
        auto r = s.back_to_last({fn->address}, [&, cfa, task](uint32_t at_eip, MachinePosition at) -> std::optional<Impl::Hit> {
            if (at_eip != fn->address || s.cpu().reg(Reg::Esp) != cfa - 4 || s.current().task != task) return std::nullopt;
            return Impl::Hit{at, StopReason::Step, 0};
        }, StopReason::Step);
        if (!r || r->reason != StopReason::Step) return r;
        return s.reverse_stepi_one();
    });
}

std::string describe_reason(const DebugStop& stop) {
    switch (stop.reason) {
        case StopReason::Breakpoint: return "Breakpoint " + std::to_string(stop.number);
        case StopReason::Event: return "Event " + std::to_string(stop.number) + " (" + stop.event + ")";
        case StopReason::Watchpoint: return "Watchpoint " + std::to_string(stop.number);
        case StopReason::Step: return "step";
        case StopReason::Finished: return "finish";
        case StopReason::Exception: return "exception " + std::to_string(stop.vector.value_or(0));
        case StopReason::Exited: return "exited with status " + std::to_string(stop.exit_status);
        case StopReason::Interrupted: return "interrupted";
        case StopReason::Fault: return "machine fault: " + stop.message;
        case StopReason::HistoryStart: return "no more reverse-execution history";
    }
    return "?";
}

}  // namespace forkscope
