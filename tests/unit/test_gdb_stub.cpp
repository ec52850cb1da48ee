// GdbStub's packets against the real guest: forktest stopped at fork#1 (the child
// exists and has never run), every command gdb uses, malformed and unknown ones, and
// then execution: a step and a breakpoint.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "emulator/cpu.h"
#include "emulator/history.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/machine.h"
#include "emulator/stop_runner.h"
#include "frontend/gdbstub/gdb_stub.h"
#include "frontend/gdbstub/rsp_packet.h"
#include "frontend/gdbstub/target_xml.h"
#include "tests/unit/image_fixture.h"

namespace forkscope::gdb {
namespace {

using forkscope::testing::boot_image;
using forkscope::testing::kernel_symbol;
using forkscope::testing::read_file;

std::string hex_id(int id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%x", id);
    return buf;
}

class GdbStubTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
            GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
        kernel = read_file("FORKSCOPE_TEST_KERNEL");
        auto m = boot_image("/bin/forktest");
        ASSERT_TRUE(m.ok()) << m.error().message;
        machine = std::move(*m);
        auto info = KernelInfo::read(kernel);
        ASSERT_TRUE(info.ok());
        auto symbols = KernelSymbols::read(kernel);
        ASSERT_TRUE(symbols.ok());
        {
            StopRunner runner(*machine, *symbols, *info, StopConstants{});
            auto point = parse_stop_point("fork#1");
            ASSERT_TRUE(point.ok());
            auto outcome = runner.run_to(*point);
            ASSERT_TRUE(outcome.ok()) << outcome.error().message;
            auto* report = std::get_if<StopReport>(&*outcome);
            ASSERT_NE(report, nullptr);
            parent_pid = report->pid;
            child_pid = static_cast<int>(machine_child_pid(*report));
        }
        auto t = GuestTarget::create(*machine, kernel);
        ASSERT_TRUE(t.ok()) << t.error().message;
        target = std::move(*t);
        stub = std::make_unique<GdbStub>(*target);
    }

    // fork#1's value is the child's task_struct: its pid, read as KernelView reads it.
    uint32_t machine_child_pid(const StopReport& report) {
        auto info = KernelInfo::read(kernel);
        auto view = KernelView::create(*info, machine->walker());
        const CpuRegisters r = machine->cpu().registers();
        auto pid = view->read_word(PagingMode{r.cr0, r.cr3, r.cr4}, *report.value + info->task_pid);
        return pid.ok() ? *pid : 0;
    }

    std::string ask(const std::string& packet) {
        StubReply r = stub->handle(packet);
        EXPECT_EQ(r.action, StubAction::None) << packet;
        EXPECT_EQ(r.packets.size(), 1u) << packet;
        return r.packets.empty() ? "<none>" : r.packets.back();
    }

    std::vector<uint8_t> kernel;
    std::unique_ptr<Machine> machine;
    std::unique_ptr<GuestTarget> target;
    std::unique_ptr<GdbStub> stub;
    int parent_pid = 0, child_pid = 0;
};

TEST_F(GdbStubTest, SupportedFeaturesAndTheTargetDescription) {
    const std::string s = ask("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;xmlRegisters=i386");
    for (const char* f : {"PacketSize=4000", "qXfer:features:read+", "swbreak+", "hwbreak+", "vContSupported+",
                          "QStartNoAckMode+"})
        EXPECT_NE(s.find(f), std::string::npos) << f << " in " << s;
    // No history recorded: gdb is not offered reverse execution, and bc/bs are unknown.
    EXPECT_EQ(s.find("Reverse"), std::string::npos) << s;
    EXPECT_EQ(ask("bc"), "");
    EXPECT_EQ(ask("bs"), "");
    // Read in small parts, as gdb may: 'm' while more follows, 'l' for the last.
    std::string xml;
    for (uint32_t off = 0;;) {
        char q[80];
        std::snprintf(q, sizeof q, "qXfer:features:read:target.xml:%x,%x", off, 0x100);
        const std::string part = ask(q);
        ASSERT_FALSE(part.empty());
        ASSERT_TRUE(part[0] == 'm' || part[0] == 'l') << part;
        xml += part.substr(1);
        off += static_cast<uint32_t>(part.size() - 1);
        if (part[0] == 'l') break;
    }
    EXPECT_EQ(xml, target_xml());
    EXPECT_NE(xml.find("org.gnu.gdb.i386.core"), std::string::npos);
    EXPECT_NE(xml.find("name=\"cr3\""), std::string::npos);
    EXPECT_EQ(ask("qXfer:features:read:other.xml:0,100"), "E00");
    EXPECT_EQ(ask("qXfer:features:read:target.xml:zz"), "E01");
    EXPECT_EQ(ask("QStartNoAckMode"), "OK");
    EXPECT_TRUE(stub->handle("QStartNoAckMode").start_no_ack);
}

TEST_F(GdbStubTest, UnknownAndMalformedPackets) {
    EXPECT_EQ(ask("qFooBar"), "");
    EXPECT_EQ(ask("vMustReplyEmpty"), "");
    EXPECT_EQ(ask("!"), "");
    EXPECT_EQ(ask("\x7f"), "");
    EXPECT_EQ(ask(""), "");
    EXPECT_EQ(ask("m"), "E01");
    EXPECT_EQ(ask("mzz,4"), "E01");
    EXPECT_EQ(ask("m0,"), "E01");
    EXPECT_EQ(ask("M0,4:0011"), "E01");      // fewer bytes than the length says
    EXPECT_EQ(ask("M0,2:zzzz"), "E01");
    EXPECT_EQ(ask("X0,1:}"), "E01");         // a lone escape
    EXPECT_EQ(ask("p"), "E01");
    EXPECT_EQ(ask("p40"), "E01");            // past the last register
    EXPECT_EQ(ask("P0"), "E01");
    EXPECT_EQ(ask("P0=123"), "E01");
    EXPECT_EQ(ask("Z0"), "E01");
    EXPECT_EQ(ask("Z0,zz,1"), "E01");
    EXPECT_EQ(ask("Z9,0,1"), "");            // an unknown kind: unsupported
    EXPECT_EQ(ask("Hx1"), "E01");
    EXPECT_EQ(ask("Hg7ffe"), "E01");         // no such thread
    EXPECT_EQ(ask("T7ffe"), "E01");
    EXPECT_EQ(ask("qThreadExtraInfo,zz"), "E01");
    EXPECT_EQ(ask("gxx"), "E01");
    EXPECT_EQ(ask("vCont;x"), "E01");
    EXPECT_EQ(ask("vCont;c:zz"), "E01");
    EXPECT_EQ(ask("Cxx"), "E01");
    EXPECT_EQ(ask("qRcmd,zz"), "E01");
}

TEST_F(GdbStubTest, TasksAreThreads) {
    const int idle = target->idle_thread_id();
    EXPECT_EQ(idle, 32768);  // PID_MAX: above every pid
    EXPECT_EQ(ask("qC"), "QC" + hex_id(parent_pid));
    EXPECT_EQ(ask("?"), "T02thread:" + hex_id(parent_pid) + ";");
    const std::string list = ask("qfThreadInfo");
    EXPECT_EQ(list, "m" + hex_id(idle) + ",1," + hex_id(parent_pid) + "," + hex_id(child_pid));
    EXPECT_EQ(ask("qsThreadInfo"), "l");
    auto extra = from_hex(ask("qThreadExtraInfo," + hex_id(parent_pid)));
    ASSERT_TRUE(extra.has_value());
    EXPECT_EQ(std::string(extra->begin(), extra->end()), "pid " + std::to_string(parent_pid) + " forktest R");
    extra = from_hex(ask("qThreadExtraInfo,1"));
    ASSERT_TRUE(extra.has_value());
    EXPECT_EQ(std::string(extra->begin(), extra->end()), "pid 1 init S");
    EXPECT_EQ(ask("T" + hex_id(child_pid)), "OK");
    EXPECT_EQ(ask("qAttached"), "1");
    EXPECT_EQ(ask("Hg0"), "OK");
    EXPECT_EQ(ask("Hc-1"), "OK");
}

TEST_F(GdbStubTest, RegistersOfTheRunningTaskAndOfOneSwitchedOut) {
    const CpuRegisters r = machine->cpu().registers();
    const std::string g = ask("g");
    ASSERT_EQ(g.size(), (16 * 4 + 8 * 10 + 8 * 4 + 4 * 4) * 2u);
    EXPECT_EQ(g.substr(8 * kEax, 8), hex_le32(r.eax));
    EXPECT_EQ(g.substr(8 * kEip, 8), hex_le32(r.eip));
    EXPECT_EQ(g.substr(8 * kCs, 8), hex_le32(r.cs));
    EXPECT_EQ(g.substr(8 * 16, 160), std::string(160, 'x'));  // x87: unavailable
    EXPECT_EQ(g.substr(8 * 16 + 160 + 64 + 8 * 2, 8), hex_le32(r.cr3));
    EXPECT_EQ(ask("p8"), hex_le32(r.eip));
    EXPECT_EQ(ask("p22"), hex_le32(r.cr3));
    EXPECT_EQ(ask("p10"), std::string(20, 'x'));

    // The child has never run: its saved frame returns into ret_from_fork, with the
    // zero EBP that ends a frame-pointer chain; its page directory is its own.
    ASSERT_EQ(ask("Hg" + hex_id(child_pid)), "OK");
    EXPECT_EQ(ask("p8"), hex_le32(kernel_symbol("ret_from_fork")));
    EXPECT_EQ(ask("p5"), hex_le32(0));
    EXPECT_EQ(ask("p0"), "xxxxxxxx");  // call-clobbered: not saved
    const std::string child_cr3 = ask("p22");
    EXPECT_NE(child_cr3, hex_le32(r.cr3));
    EXPECT_EQ(ask("P0=01000000"), "E01");  // a saved copy cannot change
    // Init sleeps in wait4: its frame returns into switch_to.
    ASSERT_EQ(ask("Hg1"), "OK");
    auto eip = parse_hex_le32(ask("p8"));
    ASSERT_TRUE(eip.has_value());
    const uint32_t switch_to = kernel_symbol("switch_to");
    EXPECT_GT(*eip, switch_to);
    EXPECT_LT(*eip, switch_to + 0x100);

    // Back on the running task, registers can be written.
    ASSERT_EQ(ask("Hg0"), "OK");
    EXPECT_EQ(ask("P0=78563412"), "OK");
    EXPECT_EQ(machine->cpu().reg(Reg::Eax), 0x12345678u);
    EXPECT_EQ(ask("p0"), "78563412");
    std::string g2 = ask("g");
    g2.replace(8 * kEcx, 8, hex_le32(0xcafef00d));
    EXPECT_EQ(ask("G" + g2), "OK");
    EXPECT_EQ(machine->cpu().reg(Reg::Ecx), 0xcafef00du);
    EXPECT_EQ(ask("G" + g2.substr(0, 10)), "E01");
    EXPECT_EQ(ask("P22=00000000"), "E01");  // cr3 is read-only here
}

TEST_F(GdbStubTest, MemoryThroughEachTasksPageDirectory) {
    // The idle task's name, read at init_task + comm through gdb's m.
    auto info = KernelInfo::read(kernel);
    const uint32_t comm = kernel_symbol("init_task") + info->task_comm;
    char q[64];
    std::snprintf(q, sizeof q, "m%x,7", comm);
    EXPECT_EQ(ask(q), to_hex(std::string_view("swapper")));
    EXPECT_EQ(ask("m0,4"), "E14");  // nothing is mapped at 0
    // A read that runs into an unmapped page stops there.
    // Find the first unmapped page after the program's text, then read across it.
    uint32_t hole = 0x08048000;
    for (int i = 0; i < 4096; ++i, hole += 4096) {
        std::snprintf(q, sizeof q, "m%x,1", hole);
        if (ask(q) == "E14") break;
    }
    ASSERT_GT(hole, 0x08048000u);
    std::snprintf(q, sizeof q, "m%x,10", hole - 8);
    EXPECT_EQ(ask(q).size(), 16u);  // 8 bytes: the rest is not mapped

    // User memory: parent and child map the same contents after fork (copy-on-write).
    auto view = KernelView::create(*info, machine->walker());
    ASSERT_TRUE(view.ok());
    const CpuRegisters r = machine->cpu().registers();
    auto snap = view->snapshot(PagingMode{r.cr0, r.cr3, r.cr4}, r.eip, 0, SnapshotScope{.tables_of_pid = -1, .frames = false});
    ASSERT_TRUE(snap.ok());
    uint32_t esp_user = 0;
    for (const TaskState& t : snap->tasks)
        if (t.pid == parent_pid) esp_user = t.user_esp;
    ASSERT_NE(esp_user, 0u);
    std::snprintf(q, sizeof q, "m%x,10", esp_user);
    ASSERT_EQ(ask("Hg" + hex_id(parent_pid)), "OK");
    const std::string in_parent = ask(q);
    ASSERT_EQ(ask("Hg" + hex_id(child_pid)), "OK");
    const std::string in_child = ask(q);
    EXPECT_EQ(in_parent.size(), 32u) << in_parent;
    EXPECT_EQ(in_parent, in_child);
    // The idle task has no user half: the same address is not mapped through its view.
    ASSERT_EQ(ask("Hg" + hex_id(target->idle_thread_id())), "OK");
    EXPECT_EQ(ask(q), "E14");

    // A write and a binary write, read back, on the parent's kernel stack below ESP.
    ASSERT_EQ(ask("Hg0"), "OK");
    const uint32_t scratch = machine->cpu().reg(Reg::Esp) - 256;
    std::snprintf(q, sizeof q, "M%x,4:deadbeef", scratch);
    EXPECT_EQ(ask(q), "OK");
    std::snprintf(q, sizeof q, "m%x,4", scratch);
    EXPECT_EQ(ask(q), "deadbeef");
    std::snprintf(q, sizeof q, "X%x,3:", scratch);
    EXPECT_EQ(ask(std::string(q) + "}\x03}]*"), "OK");  // '#', '}', '*'
    std::snprintf(q, sizeof q, "m%x,4", scratch);
    EXPECT_EQ(ask(q), "237d2aef");
    std::snprintf(q, sizeof q, "X%x,0:", scratch);
    EXPECT_EQ(ask(q), "OK");  // gdb's probe for X
    EXPECT_EQ(ask("M0,1:00"), "E14");
}

TEST_F(GdbStubTest, MonitorCommandsShowTheKernelAtThisStop) {
    auto monitor = [&](const std::string& cmd) {
        StubReply r = stub->handle("qRcmd," + to_hex(std::string_view(cmd)));
        EXPECT_FALSE(r.packets.empty());
        EXPECT_EQ(r.packets.back(), "OK");
        std::string text;
        for (size_t i = 0; i + 1 < r.packets.size(); ++i) {
            EXPECT_EQ(r.packets[i][0], 'O');
            auto bytes = from_hex(std::string_view(r.packets[i]).substr(1));
            EXPECT_TRUE(bytes.has_value());
            if (bytes) text += std::string(bytes->begin(), bytes->end());
            EXPECT_LE(r.packets[i].size(), 2049u);
        }
        return text;
    };
    const std::string ps = monitor("ps");
    EXPECT_NE(ps.find("PID"), std::string::npos) << ps;
    EXPECT_NE(ps.find("forktest"), std::string::npos) << ps;
    EXPECT_NE(ps.find("init"), std::string::npos) << ps;
    const std::string maps = monitor("maps " + std::to_string(child_pid));
    EXPECT_NE(maps.find("[stack]"), std::string::npos) << maps;
    EXPECT_NE(monitor("pt " + std::to_string(parent_pid)).find("CR3"), std::string::npos);
    EXPECT_NE(monitor("frames").find("free"), std::string::npos);
    EXPECT_NE(monitor("help").find("explain"), std::string::npos);
    EXPECT_NE(monitor("bogus").find("unknown monitor command 'bogus'"), std::string::npos);
    EXPECT_NE(monitor("maps 9999").find("9999"), std::string::npos);
    EXPECT_NE(monitor("maps x").find("not a pid"), std::string::npos);
}

TEST_F(GdbStubTest, ResumeActions) {
    EXPECT_EQ(ask("vCont?"), "vCont;c;C;s;S");
    EXPECT_EQ(stub->handle("c").action, StubAction::Continue);
    EXPECT_EQ(stub->handle("s").action, StubAction::Step);
    EXPECT_EQ(stub->handle("C05").action, StubAction::Continue);
    EXPECT_EQ(stub->handle("vCont;s:" + hex_id(parent_pid) + ";c").action, StubAction::Step);
    EXPECT_EQ(stub->handle("vCont;c").action, StubAction::Continue);
    EXPECT_TRUE(stub->handle("c").packets.empty());  // the stop reply comes later
    EXPECT_EQ(stub->handle("k").action, StubAction::Kill);
    StubReply d = stub->handle("D");
    EXPECT_EQ(d.action, StubAction::Detach);
    EXPECT_EQ(d.packets, std::vector<std::string>{"OK"});
}

TEST_F(GdbStubTest, StepAndBreakpoint) {
    const uint32_t eip = machine->cpu().reg(Reg::Eip);
    ASSERT_EQ(stub->handle("s").action, StubAction::Step);
    GuestStop stop = target->resume(Resume::Step);
    EXPECT_EQ(stop.reason, StopReason::Step);
    EXPECT_EQ(stub->stop_reply(stop), "T05thread:" + hex_id(parent_pid) + ";");
    EXPECT_NE(machine->cpu().reg(Reg::Eip), eip);

    const uint32_t do_exit = kernel_symbol("do_exit");
    char z[48];
    std::snprintf(z, sizeof z, "Z0,%x,1", do_exit);
    EXPECT_EQ(ask(z), "OK");
    stop = target->resume(Resume::Continue);
    ASSERT_EQ(stop.reason, StopReason::Breakpoint);
    EXPECT_EQ(machine->cpu().reg(Reg::Eip), do_exit);
    const std::string reply = stub->stop_reply(stop);
    EXPECT_EQ(reply.substr(0, 10), "T05thread:");
    EXPECT_NE(reply.find("swbreak:;"), std::string::npos);
    EXPECT_EQ(ask("?"), reply);
    z[0] = 'z';
    EXPECT_EQ(ask(z), "OK");
    EXPECT_EQ(ask(z), "E01");  // already gone
    // A hardware breakpoint says so.
    std::snprintf(z, sizeof z, "Z1,%x,1", kernel_symbol("schedule"));
    EXPECT_EQ(ask(z), "OK");
    stop = target->resume(Resume::Continue);
    ASSERT_EQ(stop.reason, StopReason::Breakpoint);
    EXPECT_NE(stub->stop_reply(stop).find("hwbreak:;"), std::string::npos);
    std::snprintf(z, sizeof z, "z1,%x,1", kernel_symbol("schedule"));
    EXPECT_EQ(ask(z), "OK");
}

TEST_F(GdbStubTest, WriteWatchpointsAndTheDebuggersOwnThroughMonitor) {
    // A write watchpoint on the free-page count stops at the next allocation.
    const uint32_t free_pages = kernel_symbol("nr_free_pages");  // the next allocation changes it
    char z[48];
    std::snprintf(z, sizeof z, "Z2,%x,4", free_pages);
    EXPECT_EQ(ask(z), "OK");
    GuestStop stop = target->resume(Resume::Continue);
    ASSERT_EQ(stop.reason, StopReason::Watchpoint) << stop.fault;
    char expect[32];
    std::snprintf(expect, sizeof expect, "watch:%x;", free_pages);
    EXPECT_NE(stub->stop_reply(stop).find(expect), std::string::npos) << stub->stop_reply(stop);
    z[0] = 'z';
    EXPECT_EQ(ask(z), "OK");
    std::snprintf(z, sizeof z, "Z2,%x,3", free_pages);
    EXPECT_EQ(ask(z), "E01");  // 1, 2, 4 or 8 bytes
    // Read (Z3) and access (Z4) watchpoints: the next read of the count, then the next
    // read or write.
    for (const char* type : {"3", "4"}) {
        std::snprintf(z, sizeof z, "Z%s,%x,4", type, free_pages);
        EXPECT_EQ(ask(z), "OK");
        stop = target->resume(Resume::Continue);
        ASSERT_EQ(stop.reason, StopReason::Watchpoint) << stop.fault;
        std::snprintf(expect, sizeof expect, "%swatch:%x;", type[0] == '3' ? "r" : "a", free_pages);
        EXPECT_NE(stub->stop_reply(stop).find(expect), std::string::npos) << stub->stop_reply(stop);
        z[0] = 'z';
        EXPECT_EQ(ask(z), "OK");
    }
    EXPECT_EQ(ask("Z5,0,4"), "");  // no such type

    // monitor break exit: the next task's exit stops, and gdb's console says why.
    StubReply r = stub->handle("qRcmd," + to_hex(std::string_view("break exit")));
    ASSERT_EQ(r.packets.size(), 2u);
    auto said = from_hex(std::string_view(r.packets[0]).substr(1));
    ASSERT_TRUE(said.has_value());
    EXPECT_NE(std::string(said->begin(), said->end()).find("Event breakpoint"), std::string::npos);
    stop = target->resume(Resume::Continue);
    ASSERT_EQ(stop.reason, StopReason::Step) << stop.fault;
    EXPECT_NE(stop.message.find("exit"), std::string::npos) << stop.message;
    EXPECT_EQ(machine->cpu().reg(Reg::Eip), kernel_symbol("do_exit"));
    const std::vector<std::string> packets = stub->stop_packets(stop);
    ASSERT_EQ(packets.size(), 2u);
    EXPECT_EQ(packets[0][0], 'O');
    EXPECT_EQ(packets[1].substr(0, 3), "T05");
    r = stub->handle("qRcmd," + to_hex(std::string_view("delete 99")));
    said = from_hex(std::string_view(r.packets[0]).substr(1));
    EXPECT_NE(std::string(said->begin(), said->end()).find("no monitor watch or break numbered 99"), std::string::npos);
}

// With a history recorded from the first instruction, bs and bc go backwards: the
// registers come back exactly as they were, and before the first breakpoint hit lies
// only the start of the history (gdb's replaylog:begin).
TEST(GdbStubReverse, ReverseStepAndContinueThroughTheHistory) {
    if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
        GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
    const std::vector<uint8_t> kernel = read_file("FORKSCOPE_TEST_KERNEL");
    auto m = boot_image("/bin/forktest");
    ASSERT_TRUE(m.ok()) << m.error().message;
    auto history = History::attach(**m, HistoryOptions{64ull << 20, 1'000'000});
    ASSERT_TRUE(history.ok()) << history.error().message;
    auto t = GuestTarget::create(**m, kernel);
    ASSERT_TRUE(t.ok()) << t.error().message;
    GuestTarget& target = **t;
    target.set_history(history->get());
    GdbStub stub(target);
    Cpu& cpu = (*m)->cpu();

    const std::string features = stub.handle("qSupported:swbreak+").packets.at(0);
    EXPECT_NE(features.find("ReverseStep+"), std::string::npos) << features;
    EXPECT_NE(features.find("ReverseContinue+"), std::string::npos) << features;
    EXPECT_EQ(stub.handle("bs").action, StubAction::ReverseStep);
    EXPECT_TRUE(stub.handle("bc").packets.empty());  // the stop reply comes later
    EXPECT_EQ(stub.handle("bx").packets, std::vector<std::string>{""});

    char z[48];
    std::snprintf(z, sizeof z, "Z0,%x,1", kernel_symbol("copy_process"));
    ASSERT_EQ(stub.handle(z).packets, std::vector<std::string>{"OK"});
    GuestStop stop = target.resume(Resume::Continue);
    ASSERT_EQ(stop.reason, StopReason::Breakpoint) << stop.fault;
    const CpuRegisters at_break = cpu.registers();
    ASSERT_EQ(at_break.eip, kernel_symbol("copy_process"));
    stop = target.resume(Resume::Step);
    ASSERT_EQ(stop.reason, StopReason::Step);
    const CpuRegisters after_one = cpu.registers();
    stop = target.resume(Resume::Step);
    ASSERT_EQ(stop.reason, StopReason::Step);
    ASSERT_NE(cpu.reg(Reg::Eip), after_one.eip);

    stop = target.resume(Resume::ReverseStep);
    ASSERT_EQ(stop.reason, StopReason::Step) << stop.fault;
    const CpuRegisters back = cpu.registers();
    EXPECT_EQ(back.eip, after_one.eip);
    EXPECT_EQ(back.esp, after_one.esp);
    EXPECT_EQ(back.ebp, after_one.ebp);
    EXPECT_EQ(back.eax, after_one.eax);
    EXPECT_EQ(back.eflags, after_one.eflags);

    // Back to the breakpoint's hit, as it was.
    stop = target.resume(Resume::ReverseContinue);
    ASSERT_EQ(stop.reason, StopReason::Breakpoint) << stop.fault;
    EXPECT_NE(stub.stop_reply(stop).find("swbreak:;"), std::string::npos);
    const CpuRegisters again = cpu.registers();
    EXPECT_EQ(again.eip, at_break.eip);
    EXPECT_EQ(again.esp, at_break.esp);
    EXPECT_EQ(again.eax, at_break.eax);
    EXPECT_EQ(again.cr3, at_break.cr3);

    // No hit before the first: the start of the history.
    stop = target.resume(Resume::ReverseContinue);
    ASSERT_EQ(stop.reason, StopReason::HistoryStart) << stop.fault;
    EXPECT_NE(stub.stop_reply(stop).find("replaylog:begin;"), std::string::npos) << stub.stop_reply(stop);

    // And forwards again: the same hit.
    stop = target.resume(Resume::Continue);
    ASSERT_EQ(stop.reason, StopReason::Breakpoint) << stop.fault;
    EXPECT_EQ(cpu.registers().esp, at_break.esp);
}

}  // namespace
}  // namespace forkscope::gdb
