#include "frontend/gdbstub/gdb_stub.h"

#include <algorithm>
#include <cstdio>

#include "frontend/gdbstub/rsp_packet.h"
#include "frontend/gdbstub/target_xml.h"

namespace forkscope::gdb {

namespace {

constexpr const char* kError = "E01";
constexpr const char* kFault = "E14";  // EFAULT: memory not mapped
// Console text in O packets: each well under the packet size gdb accepts.
constexpr size_t kOutputChunk = 1024;

std::string hex_id(int id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>(id));
    return buf;
}

// "ADDR,LEN" (hex), the rest after it in `rest`.
bool parse_addr_len(std::string_view args, uint32_t& addr, uint32_t& len, std::string_view* rest = nullptr) {
    const size_t comma = args.find(',');
    if (comma == std::string_view::npos) return false;
    size_t end = args.find(':', comma);
    if (end == std::string_view::npos) {
        if (rest) return false;
        end = args.size();
    }
    auto a = parse_hex_u32(args.substr(0, comma));
    auto l = parse_hex_u32(args.substr(comma + 1, end - comma - 1));
    if (!a || !l) return false;
    addr = *a;
    len = *l;
    if (rest) *rest = args.substr(end + 1);
    return true;
}

// A thread id as gdb sends it: hex, "0" (any) or "-1" (all). nullopt when malformed.
std::optional<int> parse_thread_id(std::string_view text) {
    if (text == "-1") return -1;
    auto v = parse_hex_u32(text);
    if (!v || *v > 0x7fffffff) return std::nullopt;
    return static_cast<int>(*v);
}

}  // namespace

bool resumes(StubAction action) {
    return action == StubAction::Continue || action == StubAction::Step || action == StubAction::ReverseContinue ||
           action == StubAction::ReverseStep;
}

Resume resume_of(StubAction action) {
    switch (action) {
    case StubAction::Step: return Resume::Step;
    case StubAction::ReverseContinue: return Resume::ReverseContinue;
    case StubAction::ReverseStep: return Resume::ReverseStep;
    default: return Resume::Continue;
    }
}

GdbStub::GdbStub(GuestTarget& target) : target_(target) {
    last_stop_ = stop_reply(GuestStop{StopReason::Interrupted, 0, {}});
}

int GdbStub::general_thread() {
    if (general_thread_ > 0 && target_.thread(general_thread_)) return general_thread_;
    return target_.running_thread();
}

std::string GdbStub::stop_reply(const GuestStop& stop) {
    std::string reply;
    switch (stop.reason) {
    case StopReason::Exited: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "W%02x", stop.exit_status & 0xff);
        reply = buf;
        break;
    }
    case StopReason::Fault:
        // The machine cannot go on (a triple fault, the instruction limit): gdb sees the
        // guest end with SIGABRT; the message goes to forkscope's stderr.
        reply = "X06";
        break;
    default: {
        general_thread_ = 0;  // gdb selects the thread that stopped
        const int id = target_.running_thread();
        reply = stop.reason == StopReason::Interrupted ? "T02" : "T05";
        reply += "thread:" + hex_id(id) + ";";
        // gdb says "No more reverse-execution history." itself.
        if (stop.reason == StopReason::HistoryStart) reply += "replaylog:begin;";
        if (stop.reason == StopReason::Watchpoint && stop.watch_address) {
            const char* kind = stop.watch_on == WatchOn::Read     ? "rwatch"
                               : stop.watch_on == WatchOn::Access ? "awatch"
                                                                  : "watch";
            char buf[40];
            std::snprintf(buf, sizeof buf, "%s:%x;", kind, *stop.watch_address);
            reply += buf;
        }
        if (stop.reason == StopReason::Breakpoint) {
            auto regs = target_.registers(id);
            const bool hw = regs && (*regs)[kEip] && hw_breakpoints_.count(*(*regs)[kEip]);
            reply += hw ? "hwbreak:;" : "swbreak:;";
        }
    }
    }
    last_stop_ = reply;
    return reply;
}

std::vector<std::string> GdbStub::stop_packets(const GuestStop& stop) {
    std::vector<std::string> out;
    if (!stop.message.empty()) out.push_back("O" + to_hex(std::string_view(stop.message + "\n")));
    if (stop.reason == StopReason::Fault) out.push_back("O" + to_hex(std::string_view("forkscope: " + stop.fault + "\n")));
    out.push_back(stop_reply(stop));
    return out;
}

StubReply GdbStub::handle(std::string_view packet) {
    StubReply reply;
    std::string answer;
    if (packet.empty()) {
        reply.packets.push_back("");
        return reply;
    }
    const char kind = packet[0];
    const std::string_view args = packet.substr(1);
    switch (kind) {
    case '?': answer = last_stop_; break;
    case 'g': answer = args.empty() ? read_registers() : kError; break;
    case 'G': answer = write_registers(args); break;
    case 'p': answer = read_register(args); break;
    case 'P': answer = write_register(args); break;
    case 'm': answer = read_memory(args); break;
    case 'M': answer = write_memory(args, false); break;
    case 'X': answer = write_memory(args, true); break;
    case 'Z': answer = breakpoint(args, true); break;
    case 'z': answer = breakpoint(args, false); break;
    case 'H': answer = set_thread(args); break;
    case 'T': answer = thread_alive(args); break;
    case 'c':
    case 'C':
    case 's':
    case 'S': {
        std::string error;
        reply.action = resume_action(packet, error);
        if (reply.action == StubAction::None) answer = error;
        else return reply;  // the stop reply comes when the guest stops
        break;
    }
    case 'b':
        // bc, bs: backwards through the recorded history.
        if (!target_.has_history() || (args != "c" && args != "s")) break;
        reply.action = args == "c" ? StubAction::ReverseContinue : StubAction::ReverseStep;
        return reply;
    case 'k':
        reply.action = StubAction::Kill;
        return reply;
    case 'D':
        reply.action = StubAction::Detach;
        reply.packets.push_back("OK");
        return reply;
    case 'q':
    case 'Q':
    case 'v': answer = query(packet, reply); break;
    default: answer = ""; break;  // not supported: the empty reply
    }
    if (resumes(reply.action)) return reply;
    reply.packets.push_back(std::move(answer));
    return reply;
}

std::string GdbStub::query(std::string_view packet, StubReply& reply) {
    auto starts = [&](std::string_view prefix) { return packet.substr(0, prefix.size()) == prefix; };
    if (starts("qSupported")) {
        // gdb sends at most PacketSize bytes of data per packet.
        char size[16];
        std::snprintf(size, sizeof size, "%zx", kMaxPacketData);
        return std::string("PacketSize=") + size +
               ";qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;QStartNoAckMode+" +
               (target_.has_history() ? ";ReverseStep+;ReverseContinue+" : "");
    }
    if (packet == "QStartNoAckMode") {
        reply.start_no_ack = true;
        return "OK";
    }
    if (starts("qXfer:features:read:")) return features(packet.substr(20));
    if (packet == "qAttached") return "1";  // gdb detaches, never kills, when it quits
    if (packet == "qC") return "QC" + hex_id(target_.running_thread());
    if (packet == "qfThreadInfo") {
        std::string ids;
        for (const GuestThread& t : target_.threads()) ids += (ids.empty() ? "" : ",") + hex_id(t.id);
        return "m" + ids;
    }
    if (packet == "qsThreadInfo") return "l";
    if (starts("qThreadExtraInfo,")) {
        auto id = parse_thread_id(packet.substr(17));
        const GuestThread* t = id ? target_.thread(*id) : nullptr;
        if (!t) return kError;
        std::string text = "pid " + std::to_string(t->pid) + " " + t->comm + " " + std::string(1, t->state);
        return to_hex(std::string_view(text));
    }
    if (starts("qRcmd,")) return monitor(packet.substr(6), reply);
    if (packet == "vCont?") return "vCont;c;C;s;S";
    if (starts("vCont;")) {
        std::string error;
        reply.action = vcont(packet.substr(6), error);
        return error;
    }
    if (starts("vKill")) {
        reply.action = StubAction::Kill;
        return "OK";
    }
    return "";
}

std::string GdbStub::read_registers() {
    auto regs = target_.registers(general_thread());
    if (!regs) return kError;
    std::string out;
    for (int n = 0; n < kRegCount; ++n) {
        const auto& v = (*regs)[n];
        if (register_size(n) != 4 || !v) out.append(2 * register_size(n), 'x');
        else out += hex_le32(*v);
    }
    return out;
}

std::string GdbStub::write_registers(std::string_view hex) {
    const int id = general_thread();
    auto current = target_.registers(id);
    if (!current) return kError;
    size_t at = 0;
    for (int n = 0; n < kRegCount && at < hex.size(); ++n) {
        const size_t width = 2 * static_cast<size_t>(register_size(n));
        if (at + width > hex.size()) return kError;
        const std::string_view field = hex.substr(at, width);
        at += width;
        if (register_size(n) != 4 || field.find('x') != std::string_view::npos) continue;
        auto v = parse_hex_le32(field);
        if (!v) return kError;
        if ((*current)[n] == *v) continue;  // unchanged: nothing to write
        if (!target_.set_register(id, n, *v)) return kError;
    }
    return at == hex.size() ? "OK" : kError;
}

std::string GdbStub::read_register(std::string_view args) {
    auto n = parse_hex_u32(args);
    if (!n || *n >= kRegCount) return kError;
    auto regs = target_.registers(general_thread());
    if (!regs) return kError;
    const int r = static_cast<int>(*n);
    const auto& v = (*regs)[r];
    if (register_size(r) != 4 || !v) return std::string(2 * register_size(r), 'x');
    return hex_le32(*v);
}

std::string GdbStub::write_register(std::string_view args) {
    const size_t eq = args.find('=');
    if (eq == std::string_view::npos) return kError;
    auto n = parse_hex_u32(args.substr(0, eq));
    if (!n || *n >= kRegCount || register_size(static_cast<int>(*n)) != 4) return kError;
    auto v = parse_hex_le32(args.substr(eq + 1));
    if (!v) return kError;
    return target_.set_register(general_thread(), static_cast<int>(*n), *v) ? "OK" : kError;
}

std::string GdbStub::read_memory(std::string_view args) {
    uint32_t addr = 0, len = 0;
    if (!parse_addr_len(args, addr, len)) return kError;
    // The reply (two hex digits a byte) must fit a packet; gdb asks again for the rest.
    len = std::min<uint32_t>(len, kMaxPacketData / 2);
    std::vector<uint8_t> bytes(len);
    const size_t got = target_.read_memory(general_thread(), addr, bytes);
    if (got == 0 && len > 0) return kFault;
    return to_hex(std::span<const uint8_t>(bytes.data(), got));
}

std::string GdbStub::write_memory(std::string_view args, bool binary) {
    uint32_t addr = 0, len = 0;
    std::string_view data;
    if (!parse_addr_len(args, addr, len, &data)) return kError;
    std::vector<uint8_t> bytes;
    if (binary) {
        auto raw = unescape_binary(data);
        if (!raw) return kError;
        bytes.assign(raw->begin(), raw->end());
    } else {
        auto decoded = from_hex(data);
        if (!decoded) return kError;
        bytes = std::move(*decoded);
    }
    if (bytes.size() != len) return kError;
    return target_.write_memory(general_thread(), addr, bytes) ? "OK" : kFault;
}

std::string GdbStub::breakpoint(std::string_view args, bool insert) {
    // TYPE,ADDR,KIND: 0 software, 1 hardware breakpoint; 2 write, 3 read, 4 access
    // watchpoint (KIND bytes).
    if (args.size() < 2 || args[1] != ',') return kError;
    const char type = args[0];
    if (type < '0' || type > '4') return "";  // not a type we know: unsupported
    uint32_t addr = 0, kind = 0;
    if (!parse_addr_len(args.substr(2), addr, kind)) return kError;
    if (type >= '2') {
        const WatchOn on = type == '2' ? WatchOn::Change : type == '3' ? WatchOn::Read : WatchOn::Access;
        if (insert) return target_.insert_watchpoint(addr, kind, on) ? "OK" : kError;
        return target_.remove_watchpoint(addr, kind, on) ? "OK" : kError;
    }
    if (insert) {
        if (!target_.insert_breakpoint(addr)) return kError;
        if (type == '1') hw_breakpoints_.insert(addr);
        return "OK";
    }
    if (!target_.remove_breakpoint(addr)) return kError;
    if (type == '1') hw_breakpoints_.erase(addr);
    return "OK";
}

std::string GdbStub::set_thread(std::string_view args) {
    if (args.size() < 2 || (args[0] != 'g' && args[0] != 'c')) return kError;
    auto id = parse_thread_id(args.substr(1));
    if (!id) return kError;
    // 0 (any) and -1 (all): the running task. Hc only names what c/s would run: one CPU.
    if (*id > 0 && !target_.thread(*id)) return kError;
    if (args[0] == 'g') general_thread_ = *id > 0 ? *id : 0;
    return "OK";
}

std::string GdbStub::thread_alive(std::string_view args) {
    auto id = parse_thread_id(args);
    return id && *id > 0 && target_.thread(*id) ? "OK" : kError;
}

std::string GdbStub::monitor(std::string_view hex, StubReply& reply) {
    auto command = from_hex(hex);
    if (!command) return kError;
    auto text = target_.monitor(std::string_view(reinterpret_cast<const char*>(command->data()), command->size()));
    const std::string out = text ? *text : text.error().message + "\n";
    for (size_t at = 0; at < out.size(); at += kOutputChunk)
        reply.packets.push_back("O" + to_hex(std::string_view(out).substr(at, kOutputChunk)));
    return "OK";
}

std::string GdbStub::features(std::string_view args) {
    // "target.xml:OFFSET,LENGTH"
    const std::string_view annex = "target.xml:";
    if (args.substr(0, annex.size()) != annex) return "E00";  // no such annex
    uint32_t offset = 0, length = 0;
    if (!parse_addr_len(args.substr(annex.size()), offset, length)) return kError;
    const std::string& xml = target_xml();
    if (offset > xml.size()) return kError;
    // 'm': more follows; 'l': the last part. Escapes may double a byte: keep room.
    length = std::min<uint32_t>(length, kMaxPacketData / 2);
    const std::string part = xml.substr(offset, length);
    return (offset + part.size() < xml.size() ? "m" : "l") + part;
}

StubAction GdbStub::resume_action(std::string_view packet, std::string& error) {
    const bool step = packet[0] == 's' || packet[0] == 'S';
    std::string_view addr_text = packet.substr(1);
    if (packet[0] == 'C' || packet[0] == 'S') {
        // C sig[;addr]: the signal is gdb's to pass to a process; a machine takes none.
        const size_t semi = addr_text.find(';');
        if (!parse_hex_u32(addr_text.substr(0, semi))) {
            error = kError;
            return StubAction::None;
        }
        addr_text = semi == std::string_view::npos ? std::string_view() : addr_text.substr(semi + 1);
    }
    if (!addr_text.empty()) {
        auto addr = parse_hex_u32(addr_text);
        if (!addr || !target_.set_register(target_.running_thread(), kEip, *addr)) {
            error = kError;
            return StubAction::None;
        }
    }
    return step ? StubAction::Step : StubAction::Continue;
}

StubAction GdbStub::vcont(std::string_view args, std::string& error) {
    // ACTION[:TID](;ACTION[:TID])*: one CPU, so a step of any thread steps it.
    bool any = false, step = false;
    while (!args.empty()) {
        const size_t semi = args.find(';');
        std::string_view item = args.substr(0, semi);
        args = semi == std::string_view::npos ? std::string_view() : args.substr(semi + 1);
        const size_t colon = item.find(':');
        std::string_view action = item.substr(0, colon);
        if (colon != std::string_view::npos && !parse_thread_id(item.substr(colon + 1))) {
            error = kError;
            return StubAction::None;
        }
        if (action == "c" || action == "s" || (action.size() == 3 && (action[0] == 'C' || action[0] == 'S') &&
                                               parse_hex_u32(action.substr(1)))) {
            any = true;
            step = step || action[0] == 's' || action[0] == 'S';
        } else {
            error = kError;
            return StubAction::None;
        }
    }
    if (!any) {
        error = kError;
        return StubAction::None;
    }
    return step ? StubAction::Step : StubAction::Continue;
}

}  // namespace forkscope::gdb
