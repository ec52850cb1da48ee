// libFuzzer target: the packet decoder (frontend/gdbstub/rsp_packet.h) on arbitrary
// bytes, fed in arbitrary pieces. It must never crash, never hand on a packet larger
// than its bound, and answer only with acks, naks and resends of what it sent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "frontend/gdbstub/rsp_packet.h"

using namespace forkscope::gdb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    // The first byte chooses the piece size and the mode; the rest is the stream.
    const size_t piece = 1 + data[0] % 17;
    const bool no_ack = data[0] & 0x80;
    RspConnection conn(256);
    if (no_ack) conn.start_no_ack();
    const std::string sent = conn.send("T05thread:1;");
    for (size_t at = 1; at < size; at += piece) {
        const size_t n = std::min(piece, size - at);
        std::vector<Incoming> events;
        std::string reply;
        conn.receive(std::span<const uint8_t>(data + at, n), events, reply);
        for (const Incoming& e : events) {
            if (e.data.size() > 256) std::abort();
            if (e.kind != Incoming::Kind::Packet && !e.data.empty()) std::abort();
            // The helpers on whatever arrived.
            (void)unescape_binary(e.data);
            (void)from_hex(e.data);
            (void)parse_hex_u32(e.data.substr(0, 9));
            (void)expand_run_length(e.data, 512);
        }
        for (size_t i = 0; i < reply.size();) {
            if (reply[i] == '+' || reply[i] == '-') {
                ++i;
            } else if (reply.compare(i, sent.size(), sent) == 0) {
                i += sent.size();
            } else {
                std::abort();
            }
        }
        if (no_ack && !reply.empty()) std::abort();
    }
    return 0;
}
