#include "frontend/gdbstub/guest_target.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <sstream>

#include "base/hex.h"
#include "emulator/cpu.h"
#include "emulator/machine.h"
#include "emulator/page_walker.h"
#include "frontend/format/format.h"

namespace forkscope::gdb {

int register_size(int n) { return n >= kSt0 && n < kSt0 + 8 ? 10 : 4; }

Result<std::unique_ptr<GuestTarget>> GuestTarget::create(Machine& machine, std::span<const uint8_t> kernel_elf) {
    auto info = KernelInfo::read(kernel_elf);
    if (!info) return info.error();
    auto view = KernelView::create(*info, machine.walker());
    if (!view) return view.error();
    // The debugger finds breakpoints, returns and events through the symbol table.
    auto symbols = KernelSymbols::read(kernel_elf);
    if (!symbols) return symbols.error();
    auto vm_fault_ok = info->get("NUMBER(VM_FAULT_OK)");
    if (!vm_fault_ok) return vm_fault_ok.error();
    auto target = std::unique_ptr<GuestTarget>(new GuestTarget(machine, *info, std::move(*view), std::move(*symbols)));
    // gdb does its own source-line steps: the debugger needs no line table.
    DebuggerOptions options;
    options.constants = StopConstants{*vm_fault_ok};
    target->debugger_ = std::make_unique<Debugger>(machine, target->symbols_, nullptr, target->info_, options);
    // A kernel that exports neither still runs under gdb: one thread, no saved registers.
    target->idle_id_ = static_cast<int>(info->find("NUMBER(PID_MAX)").value_or(32768));
    auto thread = info->find("OFFSET(task_struct.thread)");
    auto esp = info->find("OFFSET(thread_struct.esp)");
    auto swapper = info->find("SYMBOL(swapper_pg_dir)");
    auto page_offset = info->find("NUMBER(PAGE_OFFSET)");
    if (swapper && page_offset) target->kernel_pgd_ = *swapper - *page_offset;
    if (thread && esp) {
        target->off_thread_esp_ = *thread + *esp;
        target->have_saved_regs_ = true;
    }
    return target;
}

GuestTarget::GuestTarget(Machine& machine, KernelInfo info, KernelView view, KernelSymbols symbols)
    : machine_(machine), info_(std::move(info)), view_(std::move(view)), symbols_(std::move(symbols)) {}

GuestTarget::~GuestTarget() = default;

PagingMode GuestTarget::cpu_paging() const {
    const CpuRegisters r = machine_.cpu().registers();
    return PagingMode{r.cr0, r.cr3, r.cr4};
}

void GuestTarget::forget_stop() { threads_.reset(); }

Result<KernelSnapshot> GuestTarget::snapshot(const SnapshotScope& scope) {
    const CpuRegisters r = machine_.cpu().registers();
    auto s = view_.snapshot(PagingMode{r.cr0, r.cr3, r.cr4}, r.eip, machine_.stats().instructions, scope);
    if (!s) return s.error();
    s->stop = "gdb stop at " + symbols_.symbolize(r.eip);
    return s;
}

const std::vector<GuestThread>& GuestTarget::threads() {
    if (threads_) return *threads_;
    threads_.emplace();
    // Only the task list: no page tables, no frame map.
    auto snap = snapshot(SnapshotScope{.tables_of_pid = -1, .frames = false});
    if (snap && !snap->tasks.empty()) {
        for (const TaskState& t : snap->tasks) {
            GuestThread g;
            g.id = t.pid == 0 ? idle_id_ : t.pid;
            g.pid = t.pid;
            g.comm = t.comm;
            g.state = t.state;
            g.running = t.current;
            g.task = t.addr;
            g.pgd = kernel_pgd_;  // a kernel thread: the kernel half only
            if (t.mm) {
                auto mm = snap->mms.find(t.mm);
                if (mm != snap->mms.end()) g.pgd = mm->second.pgd;
            }
            threads_->push_back(std::move(g));
        }
    } else {
        // Before the first task (or with paging off): the CPU, as the idle task to be.
        threads_->push_back(GuestThread{idle_id_, 0, "boot", 'R', true, 0, 0});
    }
    // Should no task be marked running (between two tasks in schedule), the idle one is.
    if (std::none_of(threads_->begin(), threads_->end(), [](const GuestThread& t) { return t.running; }))
        threads_->front().running = true;
    return *threads_;
}

const GuestThread* GuestTarget::thread(int id) {
    for (const GuestThread& t : threads())
        if (t.id == id) return &t;
    return nullptr;
}

int GuestTarget::running_thread() {
    for (const GuestThread& t : threads())
        if (t.running) return t.id;
    return idle_id_;
}

PagingMode GuestTarget::paging_of(int id) {
    PagingMode mode = cpu_paging();
    const GuestThread* t = thread(id);
    if (t && !t->running && t->pgd) mode.cr3 = t->pgd;
    return mode;
}

Result<RegisterValues> GuestTarget::registers(int id) {
    const GuestThread* t = thread(id);
    if (!t) return make_error(ErrorKind::Usage, "no thread " + std::to_string(id));
    RegisterValues v{};
    const CpuRegisters r = machine_.cpu().registers();
    v[kCr0] = r.cr0;
    v[kCr4] = r.cr4;
    if (t->running) {
        const uint32_t gp[] = {r.eax, r.ecx, r.edx, r.ebx, r.esp, r.ebp, r.esi, r.edi, r.eip, r.eflags,
                               r.cs, r.ss, r.ds, r.es, r.fs, r.gs};
        for (int i = 0; i < 16; ++i) v[i] = gp[i];
        v[kCr2] = r.cr2;
        v[kCr3] = r.cr3;
        return v;
    }
    v[kCr3] = t->pgd ? t->pgd : r.cr3;
    if (!have_saved_regs_) return v;
    // What __switch_to_asm left: edi, esi, ebx, ebp, return address, from thread.esp up.
    const PagingMode mode = cpu_paging();
    auto sp = view_.read_word(mode, t->task + off_thread_esp_);
    if (!sp) return v;
    uint32_t saved[5];
    for (int i = 0; i < 5; ++i) {
        auto w = view_.read_word(mode, *sp + 4u * i);
        if (!w) return v;
        saved[i] = *w;
    }
    v[kEdi] = saved[0];
    v[kEsi] = saved[1];
    v[kEbx] = saved[2];
    v[kEbp] = saved[3];
    v[kEip] = saved[4];
    v[kEsp] = *sp + 20;  // as after the ret into switch_to
    return v;
}

Result<void> GuestTarget::set_register(int id, int regno, uint32_t value) {
    if (id != running_thread())
        return make_error(ErrorKind::Usage, "only the running task's registers can be written");
    static const Reg kGeneral[] = {Reg::Eax, Reg::Ecx, Reg::Edx, Reg::Ebx, Reg::Esp, Reg::Ebp,
                                   Reg::Esi, Reg::Edi, Reg::Eip, Reg::Eflags};
    static const Reg kSegments[] = {Reg::Cs, Reg::Ss, Reg::Ds, Reg::Es, Reg::Fs, Reg::Gs};
    Cpu& cpu = machine_.cpu();
    if (regno >= kEax && regno <= kEflags) {
        cpu.set_reg(kGeneral[regno], value);
    } else if (regno >= kCs && regno <= kGs) {
        if (value > 0xffff) return make_error(ErrorKind::Usage, "a selector has 16 bits");
        if (cpu.reg(kSegments[regno - kCs]) != value) {
            if (auto ok = cpu.load_segment(kSegments[regno - kCs], static_cast<uint16_t>(value)); !ok) return ok;
        }
    } else {
        // Control registers change paging under the kernel's feet; x87 is not modelled.
        return make_error(ErrorKind::Usage, "register " + std::to_string(regno) + " is read-only here");
    }
    forget_stop();
    return {};
}

size_t GuestTarget::read_memory(int id, uint32_t addr, std::span<uint8_t> out) {
    const PagingMode mode = paging_of(id);
    size_t done = 0;
    while (done < out.size()) {
        const uint32_t at = addr + static_cast<uint32_t>(done);
        if (done && at == 0) break;  // wrapped past 4 GiB
        const size_t in_page = 4096 - (at & 4095);
        const size_t n = std::min(in_page, out.size() - done);
        if (!machine_.walker().read_virtual(mode, at, out.subspan(done, n))) break;
        done += n;
    }
    return done;
}

Result<void> GuestTarget::write_memory(int id, uint32_t addr, std::span<const uint8_t> in) {
    if (in.empty()) return {};
    if (uint64_t{addr} + in.size() > (1ull << 32)) return make_error(ErrorKind::Usage, "past the end of memory");
    if (auto ok = machine_.walker().write_virtual(paging_of(id), addr, in); !ok) return ok;
    // The bytes may be code, in this or another address space.
    machine_.cpu().invalidate_all_code();
    forget_stop();
    return {};
}

namespace {

}  // namespace

Result<void> GuestTarget::insert_breakpoint(uint32_t addr) { return insert_watchpoint(addr, 0); }

Result<void> GuestTarget::remove_breakpoint(uint32_t addr) { return remove_watchpoint(addr, 0); }

Result<void> GuestTarget::insert_watchpoint(uint32_t addr, uint32_t length, WatchOn on) {
    for (Installed& i : installed_)
        if (i.address == addr && i.length == length && i.on == on) {
            ++i.count;
            return {};
        }
    int number = 0;
    if (length == 0) {
        auto b = debugger_->breakpoints().add("*" + hex(addr));
        if (!b) return b.error();
        number = (*b)->number;
    } else {
        auto w = debugger_->watch_memory(addr, length, on);
        if (!w) return w.error();
        number = (*w)->number;
    }
    installed_.push_back(Installed{addr, length, on, number, 1});
    return {};
}

Result<void> GuestTarget::remove_watchpoint(uint32_t addr, uint32_t length, WatchOn on) {
    for (auto it = installed_.begin(); it != installed_.end(); ++it) {
        if (it->address != addr || it->length != length || it->on != on) continue;
        if (--it->count == 0) {
            auto ok = debugger_->remove(it->number);
            installed_.erase(it);
            return ok;
        }
        return {};
    }
    return make_error(ErrorKind::Usage, length ? "no watchpoint there" : "no breakpoint there");
}

void GuestTarget::remove_all_breakpoints() {
    for (const Installed& i : installed_) (void)debugger_->remove(i.number);
    installed_.clear();
    for (int n : monitor_numbers_) (void)debugger_->remove(n);
    monitor_numbers_.clear();
}

GuestStop GuestTarget::stop_of(const Result<DebugStop>& r) {
    GuestStop g;
    if (!r) {
        // A request the debugger cannot carry out; after the guest's end, that end.
        if (exited_) return GuestStop{StopReason::Exited, exit_status_, {}, {}, {}};
        g.reason = StopReason::Fault;
        g.fault = r.error().message;
        return g;
    }
    const DebugStop& d = *r;
    switch (d.reason) {
    case forkscope::StopReason::Breakpoint:
        g.reason = StopReason::Breakpoint;
        for (const Installed& i : installed_)
            if (i.number == d.number && i.length != 0) g.reason = StopReason::Watchpoint;
        if (g.reason == StopReason::Breakpoint && std::find(monitor_numbers_.begin(), monitor_numbers_.end(),
                                                            d.number) != monitor_numbers_.end())
            g.message = describe_reason(d);
        break;
    case forkscope::StopReason::Watchpoint:
        g.reason = StopReason::Watchpoint;
        for (const Installed& i : installed_)
            if (i.number == d.number && i.length != 0) {
                g.watch_address = i.address;
                g.watch_on = i.on;
            }
        if (!g.watch_address) {
            // A monitor watchpoint (pte, frame): gdb knows nothing of it; say what changed.
            g.reason = StopReason::Step;
            std::string what;
            for (const Watchpoint& w : debugger_->watchpoints())
                if (w.number == d.number) what = w.expression;
            g.message = describe_reason(d) + ": " + what + ": " + hex(static_cast<uint32_t>(d.old_value)) + " -> " +
                        hex(static_cast<uint32_t>(d.new_value));
        }
        break;
    case forkscope::StopReason::Event:
        g.reason = StopReason::Step;
        g.message = describe_reason(d);
        break;
    case forkscope::StopReason::Step:
    case forkscope::StopReason::Finished:
    case forkscope::StopReason::Exception: g.reason = StopReason::Step; break;
    case forkscope::StopReason::Exited:
        exited_ = true;
        exit_status_ = d.exit_status;
        g.reason = StopReason::Exited;
        g.exit_status = d.exit_status;
        break;
    case forkscope::StopReason::Interrupted: g.reason = StopReason::Interrupted; break;
    case forkscope::StopReason::HistoryStart: g.reason = StopReason::HistoryStart; break;
    case forkscope::StopReason::Fault:
        g.reason = StopReason::Fault;
        g.fault = d.message;
        break;
    }
    return g;
}

void GuestTarget::set_history(History* history) {
    history_ = history;
    debugger_->set_history(history);
}

GuestStop GuestTarget::resume(Resume how) {
    // After W gdb has nothing left to debug (the server closes the connection).
    if (exited_) return GuestStop{StopReason::Exited, exit_status_, {}, {}, {}};
    forget_stop();
    switch (how) {
    case Resume::Continue: return stop_of(debugger_->cont());
    case Resume::Step: return stop_of(debugger_->stepi());
    case Resume::ReverseContinue: return stop_of(debugger_->reverse_continue());
    case Resume::ReverseStep: return stop_of(debugger_->reverse_stepi());
    }
    return stop_of(debugger_->cont());
}

void GuestTarget::interrupt() { debugger_->interrupt(); }

namespace {

std::vector<std::string> words_of(std::string_view text) {
    std::istringstream in{std::string(text)};
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

std::optional<int> parse_pid(const std::string& text) {
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < 0) return std::nullopt;
    return v;
}

constexpr const char* kMonitorHelp =
    "forkscope monitor commands (the guest at this stop):\n"
    "  ps [--tree]                 the tasks, as forkscope ps\n"
    "  pt [PID]                    page tables of one task, or of every address space\n"
    "  maps PID                    /proc/PID/maps\n"
    "  frames [--shared | PFN]     physical frames by kind, shared ones, or one frame's users\n"
    "  explain ADDR PID [write]    what a user access to ADDR by PID would do\n"
    "  watch pte PID ADDR          stop when PID's page-table entry for ADDR changes\n"
    "  watch frame PFN             stop when the frame's reference count changes\n"
    "  break fork|cow|exec|exit[:PID]|end[#N]   stop at the guest's events\n"
    "  delete N                    remove a watch or break set here\n";

}  // namespace

Result<std::string> GuestTarget::monitor(std::string_view command) {
    const std::vector<std::string> w = words_of(command);
    if (w.empty() || w[0] == "help") return std::string(kMonitorHelp);
    const std::string& cmd = w[0];
    if (cmd == "watch" || cmd == "break" || cmd == "delete") return monitor_debugger(w);
    if (cmd != "ps" && cmd != "pt" && cmd != "maps" && cmd != "frames" && cmd != "explain")
        return make_error(ErrorKind::Usage, "unknown monitor command '" + cmd + "' (monitor help lists them)");
    auto snap = snapshot(SnapshotScope{});
    if (!snap) return snap.error();
    auto need_pid = [&](size_t i) -> Result<int> {
        if (w.size() <= i) return make_error(ErrorKind::Usage, "monitor " + cmd + ": which pid?");
        auto pid = parse_pid(w[i]);
        if (!pid) return make_error(ErrorKind::Usage, "monitor " + cmd + ": '" + w[i] + "' is not a pid");
        return *pid;
    };
    if (cmd == "ps") {
        const bool tree = w.size() > 1 && w[1] == "--tree";
        return format::ps_table(*snap, format::PsOptions{false, tree});
    }
    if (cmd == "pt") {
        std::optional<int> pid;
        if (w.size() > 1) {
            auto p = need_pid(1);
            if (!p) return p.error();
            pid = *p;
        }
        return format::pt_tree(*snap, pid, format::PtOptions{});
    }
    if (cmd == "maps") {
        auto pid = need_pid(1);
        if (!pid) return pid.error();
        return format::maps(*snap, *pid);
    }
    if (cmd == "frames") {
        if (w.size() > 1 && w[1] == "--shared") return format::frames_shared(*snap, format::FramesOptions{});
        if (w.size() > 1) {
            auto pfn = format::parse_address(w[1]);
            if (!pfn) return pfn.error();
            return format::frame_users(*snap, *pfn, format::FramesOptions{});
        }
        return format::frames_table(*snap, format::FramesOptions{});
    }
    // explain ADDR PID [write]
    if (w.size() < 2) return make_error(ErrorKind::Usage, "monitor explain ADDR PID [write]");
    auto addr = format::parse_address(w[1]);
    if (!addr) return addr.error();
    auto pid = need_pid(2);
    if (!pid) return pid.error();
    const bool write = w.size() > 3 && w[3] == "write";
    return format::pt_explain(*snap, *pid, *addr, write, false);
}

Result<std::string> GuestTarget::monitor_debugger(const std::vector<std::string>& w) {
    const std::string& cmd = w[0];
    auto usage = [&] { return make_error(ErrorKind::Usage, "monitor help shows how to use '" + cmd + "'"); };
    auto number_of = [&](const std::string& text) -> std::optional<int> { return parse_pid(text); };
    if (cmd == "delete") {
        auto n = w.size() == 2 ? number_of(w[1]) : std::nullopt;
        if (!n) return usage();
        auto it = std::find(monitor_numbers_.begin(), monitor_numbers_.end(), *n);
        if (it == monitor_numbers_.end())
            return make_error(ErrorKind::Usage, "no monitor watch or break numbered " + w[1]);
        monitor_numbers_.erase(it);
        if (auto ok = debugger_->remove(*n); !ok) return ok.error();
        return "deleted " + w[1] + "\n";
    }
    if (cmd == "break") {
        if (w.size() != 2) return usage();
        auto e = debugger_->break_event(w[1]);
        if (!e) return e.error();
        monitor_numbers_.push_back((*e)->number);
        return "Event breakpoint " + std::to_string((*e)->number) + ": " + (*e)->point.text() + "\n";
    }
    // watch pte PID ADDR | watch frame PFN
    Result<const Watchpoint*> watch = make_error(ErrorKind::Usage, "");
    if (w.size() == 4 && w[1] == "pte") {
        auto pid = number_of(w[2]);
        auto addr = format::parse_address(w[3]);
        if (!pid || !addr) return usage();
        watch = debugger_->watch_pte(*pid, *addr);
    } else if (w.size() == 3 && w[1] == "frame") {
        auto pfn = format::parse_address(w[2]);
        if (!pfn) return usage();
        watch = debugger_->watch_frame(*pfn);
    } else {
        return usage();
    }
    if (!watch) return watch.error();
    monitor_numbers_.push_back((*watch)->number);
    return "Watchpoint " + std::to_string((*watch)->number) + ": " + (*watch)->expression + " = " +
           hex(static_cast<uint32_t>((*watch)->value)) + "\n";
}

}  // namespace forkscope::gdb
