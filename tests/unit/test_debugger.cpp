// The debugger core on the real guest kernel running forktest: breakpoints and event
// breakpoints stop where they say, line steps visit copy_process's lines in the order of
// its code, finish returns the child's task, instruction steps step over interrupts, and
// watchpoints (memory, a task's PTE, a frame's count) stop when the value changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <variant>
#include <string>
#include <vector>

#include "emulator/cpu.h"
#include "emulator/debug/debugger.h"
#include "emulator/debug/source_map.h"
#include "emulator/history.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/machine.h"
#include "emulator/stop_point.h"
#include "emulator/stop_runner.h"
#include "emulator/symbols.h"
#include "tests/unit/image_fixture.h"

namespace forkscope::testing {
namespace {

class DebuggerTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
            GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
        kernel = read_file("FORKSCOPE_TEST_KERNEL");
        auto syms = KernelSymbols::read(kernel);
        ASSERT_TRUE(syms.ok()) << syms.error().message;
        symbols = std::make_unique<KernelSymbols>(std::move(*syms));
        auto map = SourceMap::read(kernel, "kernel.elf");
        ASSERT_TRUE(map.ok()) << map.error().message;
        source = std::make_unique<SourceMap>(std::move(*map));
        auto ki = KernelInfo::read(kernel);
        ASSERT_TRUE(ki.ok()) << ki.error().message;
        info = std::make_unique<KernelInfo>(std::move(*ki));
        auto m = boot_image("/bin/forktest", [this](uint8_t b) { console.push_back(static_cast<char>(b)); });
        ASSERT_TRUE(m.ok()) << m.error().message;
        machine = std::move(*m);
        DebuggerOptions o;
        o.constants.vm_fault_ok = info->find("NUMBER(VM_FAULT_OK)").value_or(0);
        dbg = std::make_unique<Debugger>(*machine, *symbols, source.get(), *info, o);
        fork_c = source->line_of(symbols->lookup("copy_process")->address)->file;
    }

    void TearDown() override {
        dbg.reset();  // before the machine whose stop addresses it holds
        machine.reset();
    }

    uint32_t sym(const char* name) { return symbols->lookup(name)->address; }
    std::string function_at(uint32_t eip) {
        auto s = symbols->containing(eip);
        return s ? s->name : "?";
    }
    int line_of(const std::string& text) { return line_containing(fork_c, text); }
    KernelSnapshot snapshot() {
        auto view = KernelView::create(*info, machine->walker());
        const CpuRegisters r = machine->cpu().registers();
        auto s = view->snapshot(PagingMode{r.cr0, r.cr3, r.cr4}, r.eip, machine->cpu().instructions());
        EXPECT_TRUE(s.ok()) << s.error().message;
        return s.ok() ? *s : KernelSnapshot{};
    }

    // Stops at forktest's first copy_process (init's fork of the program comes first).
    void break_in_program_fork() {
        ASSERT_TRUE(dbg->breakpoints().add("copy_process").ok());
        for (;;) {
            auto s = dbg->cont();
            ASSERT_TRUE(s.ok()) << s.error().message;
            ASSERT_EQ(s->reason, StopReason::Breakpoint) << describe_reason(*s);
            if (s->pid > 1) return;
        }
    }

    std::vector<uint8_t> kernel;
    std::string console;
    std::unique_ptr<KernelSymbols> symbols;
    std::unique_ptr<SourceMap> source;
    std::unique_ptr<KernelInfo> info;
    std::unique_ptr<Machine> machine;
    std::unique_ptr<Debugger> dbg;
    std::string fork_c;
};

TEST_F(DebuggerTest, BreakpointStopsAtTheFunctionInTheRightTask) {
    break_in_program_fork();
    const DebugStop& s = *dbg->last_stop();
    EXPECT_EQ(s.number, 1);
    EXPECT_EQ(s.eip, sym("copy_process"));
    EXPECT_EQ(machine->cpu().reg(Reg::Eip), sym("copy_process"));
    EXPECT_EQ(s.instructions, machine->cpu().instructions());
    EXPECT_GT(s.pid, 1);
}

TEST_F(DebuggerTest, NextVisitsCopyProcessLinesInOrderAndLeavesToDoFork) {
    break_in_program_fork();
    std::vector<int> lines;
    for (int i = 0; i < 200; ++i) {
        auto s = dbg->next();
        ASSERT_TRUE(s.ok()) << s.error().message;
        ASSERT_EQ(s->reason, StopReason::Step) << describe_reason(*s);
        if (function_at(s->eip) != "copy_process") break;
        auto loc = source->line_of(s->eip);
        ASSERT_TRUE(loc);
        lines.push_back(loc->line);
    }
    EXPECT_EQ(function_at(machine->cpu().reg(Reg::Eip)), "do_fork");
    auto pos = [&](const char* text) {
        const int line = line_of(text);
        auto it = std::find(lines.begin(), lines.end(), line);
        EXPECT_NE(it, lines.end()) << "line " << line << " (" << text << ") not visited";
        return it - lines.begin();
    };
    const auto dup = pos("p = dup_task_struct(current);");
    const auto files = pos("if ((retval = copy_files(clone_flags, p)))");
    const auto mm = pos("if ((retval = copy_mm(clone_flags, p)))");
    const auto thread = pos("if ((retval = copy_thread_user(clone_flags, p, regs)))");
    const int return_line = line_of("bad_fork_cleanup_mm:") - 2;
    ASSERT_EQ(source_line(fork_c, return_line), "\treturn p;");
    const auto ret = std::find(lines.begin(), lines.end(), return_line) - lines.begin();
    EXPECT_LT(dup, files);
    EXPECT_LT(files, mm);
    EXPECT_LT(mm, thread);
    EXPECT_LT(thread, ret);
    // No unwinding label's printk was visited on the way.
    EXPECT_EQ(std::count(lines.begin(), lines.end(), line_of("fork: unwind bad_fork_free")), 0);
}

TEST_F(DebuggerTest, StepEntersCopyMmAndFinishReturnsToItsCaller) {
    break_in_program_fork();
    const int call_line = line_of("if ((retval = copy_mm(clone_flags, p)))");
    ASSERT_TRUE(dbg->until("fork.c:" + std::to_string(call_line)).ok());
    EXPECT_EQ(source->line_of(machine->cpu().reg(Reg::Eip))->line, call_line);
    auto s = dbg->step();
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->reason, StopReason::Step);
    EXPECT_EQ(function_at(s->eip), "copy_mm");
    EXPECT_NE(s->eip, sym("copy_mm")) << "a step into a function stops after its prologue";
    auto f = dbg->finish();
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ(f->reason, StopReason::Finished);
    EXPECT_EQ(function_at(f->eip), "copy_process");
    EXPECT_EQ(f->value, 0u) << "copy_mm succeeded";
}

TEST_F(DebuggerTest, FinishFromCopyProcessReturnsTheChildTask) {
    break_in_program_fork();
    const int parent = dbg->last_stop()->pid;
    auto f = dbg->finish();
    ASSERT_TRUE(f.ok()) << f.error().message;
    ASSERT_EQ(f->reason, StopReason::Finished);
    ASSERT_TRUE(f->value);
    EXPECT_EQ(function_at(f->eip), "do_fork");
    EXPECT_EQ(f->pid, parent);
    const KernelSnapshot snap = snapshot();
    auto child = std::find_if(snap.tasks.begin(), snap.tasks.end(), [&](const TaskState& t) { return t.addr == *f->value; });
    ASSERT_NE(child, snap.tasks.end()) << "copy_process returned no task of the task list";
    EXPECT_EQ(child->ppid, parent);
    EXPECT_EQ(child->comm, "forktest");
}

TEST_F(DebuggerTest, StepiAndNexti) {
    break_in_program_fork();
    const uint64_t n0 = machine->cpu().instructions();
    auto s = dbg->stepi();
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->reason, StopReason::Step);
    EXPECT_EQ(s->instructions, n0 + 1);
    EXPECT_EQ(s->eip, sym("copy_process") + 1) << "push %ebp is one byte";
    // nexti over the call of dup_task_struct: the instruction after the call, in copy_process.
    for (int i = 0; i < 400; ++i) {
        auto insn_eip = machine->cpu().reg(Reg::Eip);
        uint8_t op = 0;
        const CpuRegisters r = machine->cpu().registers();
        ASSERT_TRUE(machine->walker().read_virtual(PagingMode{r.cr0, r.cr3, r.cr4}, insn_eip, std::span<uint8_t>(&op, 1)).ok());
        if (op == 0xe8) {  // call rel32
            uint8_t rel[4];
            ASSERT_TRUE(machine->walker().read_virtual(PagingMode{r.cr0, r.cr3, r.cr4}, insn_eip + 1, rel).ok());
            const uint32_t target = insn_eip + 5 + (rel[0] | rel[1] << 8 | rel[2] << 16 | uint32_t(rel[3]) << 24);
            if (function_at(target) != "dup_task_struct") {
                ASSERT_TRUE(dbg->nexti().ok());
                continue;
            }
            const uint64_t before = machine->cpu().instructions();
            auto n = dbg->nexti();
            ASSERT_TRUE(n.ok()) << n.error().message;
            EXPECT_EQ(n->reason, StopReason::Step);
            EXPECT_EQ(n->eip, insn_eip + 5);
            EXPECT_GT(n->instructions, before + 10) << "dup_task_struct ran";
            return;
        }
        ASSERT_TRUE(dbg->nexti().ok());
    }
    FAIL() << "no call of dup_task_struct met";
}

// The idle loop's "sti; hlt": stepping the hlt waits for the timer, and the next step
// takes the interrupt first. By default its handler is stepped over (the step ends one
// instruction after hlt, in cpu_idle); following interrupts, the step stops in it.
class IdleStepTest : public DebuggerTest {
protected:
    void stop_at_idle_hlt(bool follow) {
        // `sleep 1`: the only task sleeps, so the idle task halts until the timer.
        dbg.reset();
        auto m = boot_image("/bin/sleep 1");
        ASSERT_TRUE(m.ok()) << m.error().message;
        machine = std::move(*m);
        DebuggerOptions o;
        o.follow_interrupts = follow;
        dbg = std::make_unique<Debugger>(*machine, *symbols, source.get(), *info, o);
        // The kernel is linked 0xc0000000 above where it is loaded: its code in RAM.
        const KernelSymbol idle = *symbols->lookup("cpu_idle");
        const uint8_t* code = machine->ram().data() + (idle.address - 0xc0000000u);
        for (uint32_t i = 0; i + 1 < idle.size; ++i)
            if (code[i] == 0xfb && code[i + 1] == 0xf4) hlt = idle.address + i + 1;
        ASSERT_NE(hlt, 0u) << "no sti; hlt in cpu_idle";
        char loc[32];
        std::snprintf(loc, sizeof loc, "*0x%x", hlt);
        ASSERT_TRUE(dbg->breakpoints().add(loc).ok());
        auto s = dbg->cont();
        ASSERT_TRUE(s.ok()) << s.error().message;
        ASSERT_EQ(s->reason, StopReason::Breakpoint) << describe_reason(*s);
        ASSERT_EQ(s->eip, hlt);
        ASSERT_TRUE(dbg->remove(1).ok());
        auto h = dbg->stepi();  // hlt: the machine idles until the timer's interrupt is pending
        ASSERT_TRUE(h.ok()) << h.error().message;
        ASSERT_EQ(h->eip, hlt + 1);
    }
    uint32_t hlt = 0;
};

TEST_F(IdleStepTest, AnInterruptArrivingWhileSteppingIsSteppedOver) {
    stop_at_idle_hlt(false);
    const uint64_t before = machine->cpu().instructions();
    auto s = dbg->stepi();
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->reason, StopReason::Step);
    EXPECT_EQ(function_at(s->eip), "cpu_idle") << symbols->symbolize(s->eip);
    EXPECT_NE(s->eip, hlt + 1) << "the instruction after hlt ran";
    EXPECT_GT(s->instructions, before + 20) << "the handler ran within the step";
}

TEST_F(IdleStepTest, FollowingInterruptsStopsInTheHandler) {
    stop_at_idle_hlt(true);
    auto s = dbg->stepi();
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->reason, StopReason::Step);
    EXPECT_NE(function_at(s->eip), "cpu_idle") << symbols->symbolize(s->eip);
    EXPECT_GE(machine->cpu().reg(Reg::Esp), 0xc0000000u);
}

TEST_F(DebuggerTest, ForkEventStopsAfterTheForkInTheParent) {
    auto e = dbg->break_event("fork");
    ASSERT_TRUE(e.ok()) << e.error().message;
    auto s = dbg->cont();
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_EQ(s->reason, StopReason::Event) << describe_reason(*s);
    EXPECT_EQ(s->number, (*e)->number);
    EXPECT_EQ(function_at(s->eip), "do_fork");
    ASSERT_TRUE(s->value);
    EXPECT_EQ(s->event.rfind("fork#1 = ", 0), 0u) << s->event;
    // Recurring: the next fork stops too, with another child.
    auto s2 = dbg->cont();
    ASSERT_TRUE(s2.ok()) << s2.error().message;
    ASSERT_EQ(s2->reason, StopReason::Event);
    EXPECT_NE(s2->value, s->value);
    EXPECT_GT(s2->instructions, s->instructions);
}

// The timeline's log: every fork, cow, exec and exit, logged where it happened without
// stopping the run or changing it, next to an event breakpoint that does stop.
TEST_F(DebuggerTest, EventLogKeepsTheGuestsEventsWithoutStoppingOrChangingTheRun) {
    ASSERT_TRUE(dbg->log_events().ok());
    auto e = dbg->break_event("fork#2");
    ASSERT_TRUE(e.ok()) << e.error().message;
    auto at_fork = dbg->cont();
    ASSERT_TRUE(at_fork.ok()) << at_fork.error().message;
    ASSERT_EQ(at_fork->reason, StopReason::Event) << describe_reason(*at_fork);
    auto end = dbg->cont();
    ASSERT_TRUE(end.ok()) << end.error().message;
    ASSERT_EQ(end->reason, StopReason::Exited) << describe_reason(*end);
    // The same run as without the log.
    std::string plain_console;
    auto plain = boot_image("/bin/forktest", [&](uint8_t b) { plain_console.push_back(static_cast<char>(b)); });
    ASSERT_TRUE(plain.ok()) << plain.error().message;
    ASSERT_TRUE((*plain)->run().ok());
    EXPECT_EQ(end->instructions, (*plain)->stats().instructions);
    EXPECT_EQ(console, plain_console);

    const std::vector<GuestEvent>& log = dbg->event_log();
    std::map<StopKind, uint64_t> counts;
    for (size_t i = 0; i < log.size(); ++i) {
        const GuestEvent& g = log[i];
        if (i > 0) {
            EXPECT_LT(log[i - 1].at, g.at);
            EXPECT_LE(log[i - 1].page_faults, g.page_faults);
            EXPECT_LE(log[i - 1].system_calls, g.system_calls);
        }
        EXPECT_EQ(g.n, ++counts[g.kind]) << g.text;  // numbered in order, from 1
        EXPECT_GT(g.free_pages, 0u);
        EXPECT_GT(g.pid, 0);
    }
    EXPECT_GE(counts[StopKind::Fork], 2u);
    EXPECT_GE(counts[StopKind::Cow], 1u);
    EXPECT_GE(counts[StopKind::Exit], counts[StopKind::Fork]);  // every child exits
    EXPECT_EQ(counts[StopKind::End], 1u);                       // and then init
    EXPECT_EQ(log.back().kind, StopKind::End);
    // The second fork where the event breakpoint stopped for it.
    auto fork2 = std::find_if(log.begin(), log.end(), [](const GuestEvent& g) {
        return g.kind == StopKind::Fork && g.n == 2;
    });
    ASSERT_NE(fork2, log.end());
    EXPECT_EQ(fork2->at.instructions, at_fork->instructions);
    EXPECT_EQ(fork2->text.rfind("fork#2 = ", 0), 0u) << fork2->text;

    // Most events are logged inside the run (the machine does not stop for them): each
    // is where a runner that stops at every stop address finds the same point.
    auto again = boot_image("/bin/forktest", [](uint8_t) {});
    ASSERT_TRUE(again.ok()) << again.error().message;
    StopConstants constants;
    constants.vm_fault_ok = info->find("NUMBER(VM_FAULT_OK)").value_or(0);
    StopRunner runner(**again, *symbols, *info, constants);
    std::vector<std::pair<StopPoint, const GuestEvent*>> points;
    for (const GuestEvent& g : log) {
        if (g.kind == StopKind::Exit || g.kind == StopKind::End) continue;  // exit:PID names no count
        auto point = parse_stop_point(g.text.substr(0, g.text.find(' ')));
        ASSERT_TRUE(point.ok()) << g.text;
        ASSERT_TRUE(runner.watch(*point).ok());  // all counted from boot
        points.emplace_back(*point, &g);
    }
    ASSERT_GE(points.size(), 3u);
    for (const auto& [point, g] : points) {
        auto reached = runner.run_to(point);
        ASSERT_TRUE(reached.ok()) << reached.error().message;
        auto* report = std::get_if<StopReport>(&*reached);
        ASSERT_NE(report, nullptr) << g->text;
        EXPECT_EQ(report->instructions, g->at.instructions) << g->text;
        EXPECT_EQ(report->description, g->text);
    }
}

// Going to a logged event's position and on again: the machine is where the event was,
// and the replay logs nothing twice.
TEST_F(DebuggerTest, GotoPositionGoesToALoggedEventAndTheReplayLogsNothingTwice) {
    EXPECT_EQ(dbg->goto_position(MachinePosition{}).error().kind, ErrorKind::Usage);  // no history
    auto history = History::attach(*machine, HistoryOptions{64ull << 20, HistoryOptions::kDebugInterval});
    ASSERT_TRUE(history.ok()) << history.error().message;
    dbg->set_history(history->get());
    ASSERT_TRUE(dbg->log_events().ok());
    auto end = dbg->cont();
    ASSERT_TRUE(end.ok()) << end.error().message;
    ASSERT_EQ(end->reason, StopReason::Exited);
    const std::vector<GuestEvent> log = dbg->event_log();
    auto cow = std::find_if(log.begin(), log.end(), [](const GuestEvent& g) { return g.kind == StopKind::Cow; });
    ASSERT_NE(cow, log.end());
    auto there = dbg->goto_position(cow->at);
    ASSERT_TRUE(there.ok()) << there.error().message;
    EXPECT_EQ(there->reason, StopReason::Step);
    EXPECT_EQ(machine->position(), cow->at);
    EXPECT_EQ(function_at(there->eip), function_at(machine->cpu().reg(Reg::Eip)));
    auto again = dbg->cont();
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again->reason, StopReason::Exited);
    EXPECT_EQ(again->instructions, end->instructions);
    ASSERT_EQ(dbg->event_log().size(), log.size());
    for (size_t i = 0; i < log.size(); ++i) EXPECT_EQ(dbg->event_log()[i].text, log[i].text);
    auto beyond = dbg->goto_position(MachinePosition{end->instructions + 1000, 0});
    ASSERT_FALSE(beyond.ok());
    EXPECT_NE(beyond.error().message.find("is not in the recorded history"), std::string::npos)
        << beyond.error().message;
}

// Any stop point is an event breakpoint: the N-th entry of a function, the N-th return
// (EAX its value), and an entry stopped at only once.
TEST_F(DebuggerTest, FunctionEntriesAndReturnsAsEventBreakpoints) {
    auto ret = dbg->break_event("return:copy_process#2");
    ASSERT_TRUE(ret.ok()) << ret.error().message;
    EXPECT_FALSE((*ret)->recurring);
    auto s = dbg->cont();
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_EQ(s->reason, StopReason::Event) << describe_reason(*s);
    EXPECT_EQ(function_at(s->eip), "do_fork");
    EXPECT_EQ(s->value, machine->cpu().reg(Reg::Eax));
    EXPECT_EQ(s->event.rfind("return:copy_process#2 = ", 0), 0u) << s->event;
    auto entry = dbg->break_event("copy_process", true);
    ASSERT_TRUE(entry.ok()) << entry.error().message;
    EXPECT_FALSE((*entry)->recurring);
    s = dbg->cont();
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_EQ(s->reason, StopReason::Event) << describe_reason(*s);
    EXPECT_EQ(s->eip, sym("copy_process"));
    s = dbg->cont();  // once: on to the end
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->reason, StopReason::Exited) << describe_reason(*s);
    EXPECT_EQ(dbg->break_event("no_such_function#2").error().kind, ErrorKind::Usage);
}

TEST_F(DebuggerTest, RunsToTheEndAndThenRefusesToRun) {
    auto s = dbg->cont();
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->reason, StopReason::Exited);
    EXPECT_EQ(s->exit_status, 0u);
    EXPECT_NE(console.find("forktest"), std::string::npos) << console;
    auto again = dbg->stepi();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->reason, StopReason::Exited);
}

TEST_F(DebuggerTest, MemoryWatchpointStopsWhenTheFreePageCountChanges) {
    break_in_program_fork();
    ASSERT_TRUE(dbg->remove(1).ok());
    auto w = dbg->watch_memory(sym("nr_free_pages"), 4);
    ASSERT_TRUE(w.ok()) << w.error().message;
    const uint64_t before = (*w)->value;
    auto s = dbg->cont();
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_EQ(s->reason, StopReason::Watchpoint) << describe_reason(*s);
    EXPECT_EQ(s->old_value, before);
    EXPECT_EQ(s->new_value, before - 1) << "dup_task_struct allocates the child's stack";
    ASSERT_TRUE(s->writer);
    EXPECT_FALSE(s->writer_exact);
    EXPECT_EQ(function_at(*s->writer), "alloc_pages") << symbols->symbolize(*s->writer);
    // stepi reports a change by its own instruction exactly.
    for (int i = 0; i < 20000; ++i) {
        auto st = dbg->stepi();
        ASSERT_TRUE(st.ok()) << st.error().message;
        if (st->reason == StopReason::Step) continue;
        ASSERT_EQ(st->reason, StopReason::Watchpoint) << describe_reason(*st);
        EXPECT_TRUE(st->writer_exact);
        EXPECT_EQ(function_at(*st->writer), "alloc_pages") << symbols->symbolize(*st->writer);
        EXPECT_EQ(st->old_value, s->new_value);
        EXPECT_LT(st->new_value, st->old_value);
        return;
    }
    FAIL() << "no second change within 20000 instructions";
}

TEST_F(DebuggerTest, PteWatchpointStopsAtTheChildsCowFault) {
    auto e = dbg->break_event("fork");
    ASSERT_TRUE(e.ok());
    auto s = dbg->cont();
    ASSERT_TRUE(s.ok() && s->reason == StopReason::Event);
    const KernelSnapshot snap = snapshot();
    auto child = std::find_if(snap.tasks.begin(), snap.tasks.end(), [&](const TaskState& t) { return t.addr == *s->value; });
    ASSERT_NE(child, snap.tasks.end());
    // The child's first present writable-VMA page outside the stack: its data.
    ASSERT_TRUE(snap.mms.count(child->mm));
    const MmState* mm = &snap.mms.at(child->mm);
    uint32_t data = 0;
    for (const PageMapping& p : mm->pages) {
        const VmaState* v = mm->find_vma(p.vaddr);
        if (v && v->private_writable() && v->label != "[stack]" && !data) data = p.vaddr;
    }
    ASSERT_NE(data, 0u);
    ASSERT_TRUE(dbg->remove((*e)->number).ok());
    auto w = dbg->watch_pte(child->pid, data);
    ASSERT_TRUE(w.ok()) << w.error().message;
    const uint64_t shared = (*w)->value;
    EXPECT_TRUE(shared & 1) << "present";
    EXPECT_FALSE(shared & 2) << "write-protected after fork";
    auto hit = dbg->cont();
    ASSERT_TRUE(hit.ok()) << hit.error().message;
    ASSERT_EQ(hit->reason, StopReason::Watchpoint) << describe_reason(*hit);
    EXPECT_EQ(hit->old_value, shared);
    EXPECT_TRUE(hit->new_value & 2) << "writable after the COW fault: " << std::hex << hit->new_value;
    ASSERT_TRUE(hit->writer);
    EXPECT_TRUE(function_at(*hit->writer) == "do_wp_page" || function_at(*hit->writer) == "do_cow_page")
        << symbols->symbolize(*hit->writer);
}

}  // namespace
}  // namespace forkscope::testing
