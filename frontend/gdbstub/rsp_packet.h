// The GDB Remote Serial Protocol on a byte stream, without sockets: packets framed as
// $data#cs (cs: the sum of the data bytes mod 256, two hex digits), '+'/'-' acks and
// the resend of the last packet on '-', QStartNoAckMode, run-length encoding ('*'),
// the '}' escape of binary data (X packets), Ctrl-C (0x03) between packets, and a bound
// on a packet's size so that a peer can never make us buffer without limit.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace forkscope::gdb {

// The largest packet data we accept (after run-length expansion) and advertise in
// qSupported as PacketSize. gdb then sends at most this many bytes per packet.
constexpr size_t kMaxPacketData = 16384;

// Hexadecimal helpers (lower case out, either case in).
std::string to_hex(std::span<const uint8_t> bytes);
std::string to_hex(std::string_view text);
// nullopt on an odd length or a character that is not a hex digit.
std::optional<std::vector<uint8_t>> from_hex(std::string_view hex);
// An unsigned number of 1..8 hex digits (gdb's addresses, lengths, register numbers).
std::optional<uint32_t> parse_hex_u32(std::string_view hex);
// A 32-bit value as gdb's i386 registers travel: little-endian bytes in hex.
std::string hex_le32(uint32_t value);
std::optional<uint32_t> parse_hex_le32(std::string_view hex);

uint8_t checksum(std::string_view data);
// "$data#cs", with '$', '#', '}' and '*' in data escaped as '}' (byte ^ 0x20).
std::string frame(std::string_view data);
// Removes the '}' escapes of binary data; nullopt when data ends in a lone '}'.
std::optional<std::string> unescape_binary(std::string_view data);
// Expands run-length encoding: "x*<n>" repeats 'x' (n - 29) more times; nullopt when
// malformed ('*' first, a count outside ' '..'~' minus '#'/'$') or longer than `limit`.
std::optional<std::string> expand_run_length(std::string_view data, size_t limit);

// What arrived from the peer.
struct Incoming {
    enum class Kind {
        Packet,     // a well-formed packet (data run-length expanded, escapes still in)
        Interrupt,  // Ctrl-C (0x03) outside a packet
        Oversized,  // a packet longer than the bound: dropped, answer with an error
        Malformed,  // a run-length count that is not one: dropped, answer with an error
    };
    Kind kind = Kind::Packet;
    std::string data;
};

// One connection's protocol state. Bytes in, events and bytes to send out; the caller
// owns the transport.
class RspConnection {
public:
    explicit RspConnection(size_t max_data = kMaxPacketData) : max_data_(max_data) {}

    // Consumes received bytes. Appends complete events to `events` and what must go
    // back at once (acks, naks, a resend of the last packet after a '-') to `reply`.
    void receive(std::span<const uint8_t> bytes, std::vector<Incoming>& events, std::string& reply);

    // The bytes that send `data` as a packet; remembered for a resend until acked.
    std::string send(std::string_view data);

    // After the reply to QStartNoAckMode: no more '+'/'-' either way.
    void start_no_ack() { no_ack_ = true; }
    bool no_ack() const { return no_ack_; }
    // The peer has sent part of a packet (a disconnect now loses it).
    bool mid_packet() const { return state_ != State::Idle; }
    // Resends of the last packet after '-', bounded: a peer that only naks gets no more.
    int resends() const { return resends_; }

private:
    enum class State { Idle, Data, Checksum1, Checksum2 };
    void finish_packet(uint8_t sent_sum, std::vector<Incoming>& events, std::string& reply);

    size_t max_data_;
    State state_ = State::Idle;
    std::string data_;
    bool oversized_ = false;
    uint8_t sum_ = 0;
    uint8_t sent_sum_ = 0;
    bool bad_digit_ = false;
    bool no_ack_ = false;
    std::string last_sent_;
    int resends_ = 0;
};

constexpr int kMaxResends = 8;

}  // namespace forkscope::gdb
