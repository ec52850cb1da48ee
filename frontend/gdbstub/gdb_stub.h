// GdbStub: answers gdb's packets from the stopped guest (GuestTarget). A packet that
// needs the guest to run (c, s, vCont, k, D) comes back as an action for the server,
// which runs the guest on its own thread and then asks for the stop reply. Unknown
// packets get the empty reply, as gdb expects of a stub that lacks a feature; so do
// bc and bs when the target records no history (qSupported then offers neither).
//
// Threads are guest tasks (guest_target.h: thread id = pid; the idle task PID_MAX).
#pragma once
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/gdbstub/guest_target.h"

namespace forkscope::gdb {

enum class StubAction {
    None,
    Continue,  // run until a breakpoint, Ctrl-C or the guest's exit
    Step,      // one instruction
    ReverseContinue,  // bc: back to the last breakpoint or watchpoint hit
    ReverseStep,      // bs: back one instruction
    Kill,      // end the guest (k, vKill); no reply is owed
    Detach,    // breakpoints removed, the guest runs on without gdb (D)
};

// The guest runs for these (the stop reply comes when it stops).
bool resumes(StubAction action);
Resume resume_of(StubAction action);

struct StubReply {
    std::vector<std::string> packets;  // in order: console output (O...) then the reply
    StubAction action = StubAction::None;
    bool start_no_ack = false;         // after sending: QStartNoAckMode was accepted
};

class GdbStub {
public:
    explicit GdbStub(GuestTarget& target);

    StubReply handle(std::string_view packet);

    // The reply to a stop (also what '?' repeats until the next one).
    std::string stop_reply(const GuestStop& stop);
    // What to send at a stop: its message for gdb's console (O packets), then the reply.
    std::vector<std::string> stop_packets(const GuestStop& stop);
    // Before gdb's first resume: the guest stopped where gdb attached.
    void set_initial_stop(const GuestStop& stop) { last_stop_ = stop_reply(stop); }

private:
    std::string query(std::string_view packet, StubReply& reply);
    std::string read_registers();
    std::string write_registers(std::string_view hex);
    std::string read_register(std::string_view args);
    std::string write_register(std::string_view args);
    std::string read_memory(std::string_view args);
    std::string write_memory(std::string_view args, bool binary);
    std::string breakpoint(std::string_view args, bool insert);
    std::string set_thread(std::string_view args);
    std::string thread_alive(std::string_view args);
    std::string monitor(std::string_view hex, StubReply& reply);
    std::string features(std::string_view args);
    StubAction resume_action(std::string_view packet, std::string& error);
    StubAction vcont(std::string_view args, std::string& error);
    int general_thread();

    GuestTarget& target_;
    int general_thread_ = 0;  // Hg: 0 = the running task
    std::string last_stop_;
    std::set<uint32_t> hw_breakpoints_;  // Z1 addresses: their stops say hwbreak
};

}  // namespace forkscope::gdb
