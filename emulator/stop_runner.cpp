#include "emulator/stop_runner.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "base/hex.h"
#include "emulator/cpu.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/machine.h"
#include "emulator/page_walker.h"

namespace forkscope {

namespace {

// ERR_PTR values: the top page of the address space, -4095..-1 (Linux's IS_ERR_VALUE).
constexpr uint32_t kFirstErrPtr = 0xfffff001u;
// The most argument bytes a callee pops with `ret n` (i386 kernel code: 4 at most).
constexpr uint32_t kMostPopped = 32;

// A return value as a reader wants it: errors and small numbers in decimal.
std::string value_text(uint32_t v) {
    if (v >= kFirstErrPtr) return std::to_string(static_cast<int32_t>(v));
    if (v < 0x10000) return std::to_string(v);
    return hex8(v);
}

std::string times(uint64_t n) { return std::to_string(n) + (n == 1 ? " time" : " times"); }

// What a return value must be for a fork, cow or exec to count.
bool value_passes(StopKind kind, uint32_t value, const StopConstants& c) {
    switch (kind) {
        case StopKind::Fork: return value < kFirstErrPtr;
        case StopKind::Cow: return value == c.vm_fault_ok;
        case StopKind::Exec: return value == 0;
        default: return true;
    }
}

}  // namespace

struct StopRunner::Impl {
    // A kernel function with a stop address at its entry.
    struct Function {
        std::string name;
        uint32_t address = 0;
        bool returns = false;  // record frames to see its returns
        StopKind value_kind = StopKind::Entry;  // Fork/Cow/Exec: the value test it counts
        uint64_t entered = 0, returned = 0, passed = 0;
    };
    // One call in progress, waiting at its return address.
    struct Frame {
        uint32_t function = 0;
        uint32_t task = 0;
        uint32_t entry_esp = 0;  // ESP at entry: the return address is at [entry_esp]
        uint64_t ordinal = 0;    // the function's entry count at this call
    };
    struct Watched {
        StopPoint point;
        uint32_t function = 0;
        // The function's counts when the point was watched: #N counts from there.
        uint64_t entered0 = 0, returned0 = 0, passed0 = 0;
        uint64_t exits = 0;  // Exit/End: do_exit entries since watched
        std::optional<StopReport> reached;
    };
    struct Task {
        uint32_t task = 0;
        int pid = 0;
    };

    Impl(Machine& m, const KernelSymbols& s, const KernelInfo& i, StopConstants c)
        : machine(m), symbols(s), view(i, m.walker()), constants(c) {}

    PagingMode mode() const {
        Cpu& cpu = machine.cpu();
        return PagingMode{cpu.reg(Reg::Cr0), cpu.reg(Reg::Cr3), cpu.reg(Reg::Cr4)};
    }

    // The running task; none (0) before the kernel has one.
    Task current() const {
        auto t = view.current_task(mode());
        if (!t) return {};
        return {t->task, t->pid};
    }

    Watched* find(const StopPoint& p) {
        for (Watched& w : watched)
            if (w.point == p) return &w;
        return nullptr;
    }

    Result<void> watch(const StopPoint& p);
    Result<void> on_stop(uint32_t eip);
    Result<void> on_entry(Function& f);
    void on_return(uint32_t eip);
    void returned(const Frame& frame, uint32_t value, int pid);
    void reach(Watched& w, std::optional<uint32_t> value);
    StopNotReached not_reached(const Watched& w, uint32_t status) const;
    void remove_stops();
    void forget_frames(uint32_t task);
    Result<Function*> track(const KernelSymbol& sym);

    Machine& machine;
    const KernelSymbols& symbols;
    KernelView view;
    StopConstants constants;
    std::map<uint32_t, Function> functions;            // by entry address
    std::map<uint32_t, std::vector<Frame>> pending;    // by return address
    // Return addresses with a stop address. They stay until finish(): each add or
    // remove makes Unicorn translate all code again (milliseconds), and a call site's
    // return address is passed only when a watched call returns there.
    std::set<uint32_t> return_stops;
    std::optional<uint32_t> do_exit;  // tracked to forget the calls of exiting tasks
    std::optional<uint32_t> program_exec;  // do_execve, tracked for fork, cow and exec points
    bool program_started = false;          // init's child has become the program
    std::vector<Watched> watched;
    bool stopped_here = false;  // at a stop just reported; points reached here answer again
    std::optional<uint32_t> exit_status;
};

StopRunner::StopRunner(Machine& machine, const KernelSymbols& symbols, const KernelInfo& info, StopConstants c)
    : impl_(std::make_unique<Impl>(machine, symbols, info, c)) {}

StopRunner::~StopRunner() {
    // Leave the machine without this runner's stop addresses.
    impl_->remove_stops();
}

Result<StopRunner::Impl::Function*> StopRunner::Impl::track(const KernelSymbol& sym) {
    auto [it, fresh] = functions.try_emplace(sym.address);
    if (fresh) {
        if (auto r = machine.add_stop_address(sym.address); !r) {
            functions.erase(it);
            return r.error();
        }
        it->second.name = sym.name;
        it->second.address = sym.address;
    }
    return &it->second;
}

Result<void> StopRunner::Impl::watch(const StopPoint& p) {
    if (find(p)) return {};
    auto sym = symbols.lookup(p.function());
    if (!sym) return sym.error();
    if (!sym->function)
        return make_error(ErrorKind::Usage, "kernel symbol '" + sym->name + "' is not a function (stop point " + p.text() + ")");
    auto tracked = track(*sym);
    if (!tracked) return tracked.error();
    Function& f = **tracked;
    if (p.at_return()) {
        f.returns = true;
        // A task's calls in progress when it enters do_exit never return: watch
        // do_exit to forget them, before another task reuses its task_struct and stack.
        if (auto exit = symbols.lookup("do_exit"); exit && exit->function && !do_exit) {
            if (auto r = track(*exit); !r) return r.error();
            do_exit = exit->address;
        }
    }
    if (p.kind == StopKind::Fork || p.kind == StopKind::Cow || p.kind == StopKind::Exec) {
        f.value_kind = p.kind;
        // The program's start (do_execve returning 0 in init's child) begins their count.
        if (!program_exec) {
            auto exec = symbols.lookup("do_execve");
            if (!exec) return exec.error();
            auto tracked_exec = track(*exec);
            if (!tracked_exec) return tracked_exec.error();
            (*tracked_exec)->returns = true;
            program_exec = exec->address;
            // Watching from a later stop (an event breakpoint set mid-run): the program
            // may have started already; the kernel keeps that fact (selfdump.c).
            if (machine.cpu().instructions() > 0)
                if (auto started = symbols.lookup("program_started"); started && !started->function)
                    if (auto v = view.read_word(mode(), started->address)) program_started = (*v & 0xff) != 0;
        }
    }
    Watched w;
    w.point = p;
    w.function = f.address;
    w.entered0 = f.entered;
    w.returned0 = f.returned;
    w.passed0 = f.passed;
    watched.push_back(std::move(w));
    return {};
}

void StopRunner::Impl::reach(Watched& w, std::optional<uint32_t> value) {
    if (w.reached) return;
    const Task t = current();
    StopReport r;
    r.point = w.point;
    r.description = w.point.text();
    if (value) r.description += " = " + value_text(*value);
    r.value = value;
    r.task = t.task;
    r.pid = t.pid;
    r.eip = machine.cpu().reg(Reg::Eip);
    r.instructions = machine.cpu().instructions();
    w.reached = std::move(r);
}

Result<void> StopRunner::Impl::on_entry(Function& f) {
    ++f.entered;
    const Task t = current();
    if (do_exit && f.address == *do_exit) forget_frames(t.task);  // do_exit's own call included
    else if (f.returns) {
        const uint32_t esp = machine.cpu().reg(Reg::Esp);
        auto ret = view.read_word(mode(), esp);
        if (!ret) return ret.error();
        if (!return_stops.count(*ret)) {
            if (auto r = machine.add_stop_address(*ret); !r) return r.error();
            return_stops.insert(*ret);
        }
        pending[*ret].push_back(Frame{f.address, t.task, esp, f.entered});
    }
    for (Watched& w : watched) {
        if (w.function != f.address || w.reached) continue;
        switch (w.point.kind) {
            case StopKind::Entry:
                if (f.entered == w.entered0 + w.point.n) reach(w, std::nullopt);
                break;
            case StopKind::Exit:
                ++w.exits;
                if (w.point.pid ? *w.point.pid == t.pid : t.pid > 1) reach(w, std::nullopt);
                break;
            case StopKind::End:
                ++w.exits;
                if (t.pid == 1) reach(w, std::nullopt);
                break;
            default:
                break;
        }
    }
    return {};
}

void StopRunner::Impl::returned(const Frame& frame, uint32_t value, int pid) {
    Function& f = functions.at(frame.function);
    ++f.returned;
    // fork, cow and exec count the program's events (stop_point.h): tasks other than
    // idle and init, once init's child has become the program (not counted itself).
    const bool program_event = program_started && pid > 1;
    if (program_exec && f.address == *program_exec && value == 0 && pid > 1) program_started = true;
    const bool passes = program_event && value_passes(f.value_kind, value, constants);
    if (passes) ++f.passed;
    for (Watched& w : watched) {
        if (w.function != f.address || w.reached) continue;
        if (w.point.kind == StopKind::Return && frame.ordinal == w.entered0 + w.point.n) reach(w, value);
        if (w.point.kind == f.value_kind && w.point.kind != StopKind::Return && passes &&
            f.passed == w.passed0 + w.point.n)
            reach(w, value);
    }
}

// At a return address: a call of this task waiting here whose entry ESP lies just
// under ours has returned (several when one function tail-called another, or none
// when the task passes here otherwise: the address after a call of a function that
// never returns may start the next function). Deeper calls of the same task waiting
// here can never return (the task left them) and are dropped.
void StopRunner::Impl::on_return(uint32_t eip) {
    auto it = pending.find(eip);
    if (it == pending.end()) return;
    const uint32_t esp = machine.cpu().reg(Reg::Esp);
    const Task t = current();
    std::vector<Frame>& frames = it->second;
    // `ret` pops the return address, `ret n` also n bytes of arguments (on i386 the
    // hidden pointer of a function returning a struct): ESP is just above the frame.
    auto just_returned = [&](const Frame& fr) {
        return fr.task == t.task && esp > fr.entry_esp && esp - fr.entry_esp >= 4 && esp - fr.entry_esp <= 4 + kMostPopped;
    };
    std::optional<uint32_t> innermost;
    for (const Frame& fr : frames)
        if (just_returned(fr) && (!innermost || fr.entry_esp > *innermost)) innermost = fr.entry_esp;
    if (!innermost) return;  // another task, or this task's code passing by
    const uint32_t value = machine.cpu().reg(Reg::Eax);
    std::vector<Frame> done, kept;
    for (const Frame& fr : frames) {
        if (fr.task == t.task && fr.entry_esp == *innermost) done.push_back(fr);
        else if (!(fr.task == t.task && fr.entry_esp < *innermost)) kept.push_back(fr);
    }
    frames = std::move(kept);
    if (frames.empty()) pending.erase(it);
    for (const Frame& fr : done) returned(fr, value, t.pid);
}

void StopRunner::Impl::forget_frames(uint32_t task) {
    for (auto it = pending.begin(); it != pending.end();) {
        std::erase_if(it->second, [&](const Frame& fr) { return fr.task == task; });
        it = it->second.empty() ? pending.erase(it) : std::next(it);
    }
}

void StopRunner::Impl::remove_stops() {
    for (auto& [addr, f] : functions) machine.remove_stop_address(addr);
    for (uint32_t addr : return_stops) machine.remove_stop_address(addr);
    functions.clear();
    return_stops.clear();
    do_exit.reset();
    program_exec.reset();
    pending.clear();
}

Result<void> StopRunner::Impl::on_stop(uint32_t eip) {
    // A return address may also be some function's entry: returns first, then the entry.
    on_return(eip);
    if (auto it = functions.find(eip); it != functions.end()) return on_entry(it->second);
    return {};
}

StopNotReached StopRunner::Impl::not_reached(const Watched& w, uint32_t status) const {
    const Function& f = functions.at(w.function);
    StopNotReached n;
    n.point = w.point;
    n.counts.function = f.name;
    n.counts.entered = f.entered - w.entered0;
    n.counts.returned = f.returned - w.returned0;
    n.exit_status = status;
    n.instructions = machine.cpu().instructions();
    const std::string entered = f.name + " entered " + times(n.counts.entered);
    const std::string returned = ", returned " + times(n.counts.returned);
    std::string what;
    switch (w.point.kind) {
        case StopKind::Entry:
            what = entered;
            break;
        case StopKind::Return:
            what = entered + returned;
            break;
        case StopKind::Fork:
        case StopKind::Cow:
        case StopKind::Exec: {
            const char* noun = w.point.kind == StopKind::Fork ? "fork" : w.point.kind == StopKind::Cow ? "cow" : "exec";
            n.counts.matched = f.passed - w.passed0;
            what = std::to_string(n.counts.matched) + " " + noun + (n.counts.matched == 1 ? "" : "s") + " (" + entered +
                   returned + ")";
            break;
        }
        case StopKind::Exit:
        case StopKind::End:
            n.counts.matched = w.exits;
            what = std::to_string(w.exits) + (w.exits == 1 ? " exit" : " exits") + " (" + entered + ")";
            break;
    }
    n.summary = w.point.text() + " was not reached: the guest exited with status " + std::to_string(status) +
                " after " + what;
    return n;
}

Result<void> StopRunner::watch(const StopPoint& point) { return impl_->watch(point); }

Result<StopOutcome> StopRunner::run_to(const StopPoint& point) {
    Impl& s = *impl_;
    if (auto r = s.watch(point); !r) return r.error();
    Impl::Watched* w = s.find(point);
    if (w->reached) {
        if (s.stopped_here && w->reached->instructions == s.machine.cpu().instructions()) return StopOutcome(*w->reached);
        return make_error(ErrorKind::Usage, point.text() + " was already passed (at instruction " +
                                                std::to_string(w->reached->instructions) + ")");
    }
    const size_t index = static_cast<size_t>(w - s.watched.data());
    for (;;) {
        if (s.exit_status) return StopOutcome(s.not_reached(s.watched[index], *s.exit_status));
        s.stopped_here = false;
        auto stop = s.machine.resume();
        if (!stop) return stop.error();
        switch (stop->kind) {
            case MachineStopKind::Exited:
                s.exit_status = stop->exit_status;
                break;
            case MachineStopKind::Paused:
                return make_error(ErrorKind::MachineFault, "paused at EIP " + hex8(stop->eip) + " before " + point.text());
            case MachineStopKind::AtStopAddress:
                if (auto r = s.on_stop(stop->eip); !r) return r.error();
                break;
            case MachineStopKind::Stepped:
            case MachineStopKind::WatchChanged:
            case MachineStopKind::AtInstruction:
                break;
        }
        if (s.watched[index].reached) {
            s.stopped_here = true;
            return StopOutcome(*s.watched[index].reached);
        }
    }
}

Result<std::vector<StopReport>> StopRunner::arrived(uint32_t eip) {
    Impl& s = *impl_;
    std::vector<bool> before;
    for (const Impl::Watched& w : s.watched) before.push_back(w.reached.has_value());
    if (auto r = s.on_stop(eip); !r) return r.error();
    std::vector<StopReport> reached;
    for (size_t i = 0; i < s.watched.size(); ++i)
        if (s.watched[i].reached && !before[i]) reached.push_back(*s.watched[i].reached);
    return reached;
}

bool StopRunner::arrival_adds_stop_address(uint32_t eip) const {
    const Impl& s = *impl_;
    auto it = s.functions.find(eip);
    if (it == s.functions.end() || !it->second.returns || (s.do_exit && eip == *s.do_exit)) return false;
    auto ret = s.view.read_word(s.mode(), s.machine.cpu().reg(Reg::Esp));
    return !ret || !s.return_stops.count(*ret);  // an unreadable stack: on_entry reports it
}

void StopRunner::unwatch(const StopPoint& point) {
    std::erase_if(impl_->watched, [&](const Impl::Watched& w) { return w.point == point; });
}

Result<void> StopRunner::rewatch(const StopPoint& point) {
    unwatch(point);
    return impl_->watch(point);
}

Result<uint32_t> StopRunner::finish() {
    Impl& s = *impl_;
    s.remove_stops();
    s.watched.clear();
    if (s.exit_status) return *s.exit_status;
    auto status = s.machine.run();
    if (status) s.exit_status = *status;
    return status;
}

}  // namespace forkscope
