#include "frontend/gdbstub/rsp_packet.h"

#include <cstdint>

namespace forkscope::gdb {

namespace {

constexpr char kDigits[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool needs_escape(char c) { return c == '$' || c == '#' || c == '}' || c == '*'; }

}  // namespace

std::string to_hex(std::span<const uint8_t> bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (uint8_t b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

std::string to_hex(std::string_view text) {
    return to_hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::optional<std::vector<uint8_t>> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) return std::nullopt;
    std::vector<uint8_t> out(hex.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return out;
}

std::optional<uint32_t> parse_hex_u32(std::string_view hex) {
    if (hex.empty() || hex.size() > 8) return std::nullopt;
    uint32_t v = 0;
    for (char c : hex) {
        int d = hex_value(c);
        if (d < 0) return std::nullopt;
        v = v << 4 | static_cast<uint32_t>(d);
    }
    return v;
}

std::string hex_le32(uint32_t value) {
    const uint8_t b[4] = {static_cast<uint8_t>(value), static_cast<uint8_t>(value >> 8),
                          static_cast<uint8_t>(value >> 16), static_cast<uint8_t>(value >> 24)};
    return to_hex(std::span<const uint8_t>(b, 4));
}

std::optional<uint32_t> parse_hex_le32(std::string_view hex) {
    if (hex.size() != 8) return std::nullopt;
    auto bytes = from_hex(hex);
    if (!bytes) return std::nullopt;
    return static_cast<uint32_t>((*bytes)[0]) | static_cast<uint32_t>((*bytes)[1]) << 8 |
           static_cast<uint32_t>((*bytes)[2]) << 16 | static_cast<uint32_t>((*bytes)[3]) << 24;
}

uint8_t checksum(std::string_view data) {
    uint8_t sum = 0;
    for (char c : data) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
    return sum;
}

std::string frame(std::string_view data) {
    std::string body;
    body.reserve(data.size());
    for (char c : data) {
        if (needs_escape(c)) {
            body += '}';
            body += static_cast<char>(c ^ 0x20);
        } else {
            body += c;
        }
    }
    const uint8_t sum = checksum(body);
    std::string out = "$" + body + "#";
    out += kDigits[sum >> 4];
    out += kDigits[sum & 15];
    return out;
}

std::optional<std::string> unescape_binary(std::string_view data) {
    std::string out;
    out.reserve(data.size());
    for (size_t i = 0; i < data.size(); ++i) {
        if (data[i] != '}') {
            out += data[i];
            continue;
        }
        if (++i == data.size()) return std::nullopt;
        out += static_cast<char>(data[i] ^ 0x20);
    }
    return out;
}

std::optional<std::string> expand_run_length(std::string_view data, size_t limit) {
    std::string out;
    for (size_t i = 0; i < data.size(); ++i) {
        const char c = data[i];
        if (c != '*') {
            // An escaped byte is two characters; '*' after it repeats the escaped byte's
            // second character, which gdb never sends. We keep the pair as it is.
            out += c;
        } else {
            if (out.empty() || i + 1 == data.size()) return std::nullopt;
            const char n = data[++i];
            if (n < ' ' || n > '~' || n == '#' || n == '$') return std::nullopt;
            out.append(static_cast<size_t>(n - 29), out.back());
        }
        if (out.size() > limit) return std::nullopt;
    }
    return out;
}

void RspConnection::receive(std::span<const uint8_t> bytes, std::vector<Incoming>& events, std::string& reply) {
    for (uint8_t byte : bytes) {
        const char c = static_cast<char>(byte);
        switch (state_) {
        case State::Idle:
            if (c == '$') {
                state_ = State::Data;
                data_.clear();
                sum_ = 0;
                oversized_ = false;
            } else if (c == '\x03') {
                events.push_back({Incoming::Kind::Interrupt, {}});
            } else if (c == '-' && !no_ack_ && !last_sent_.empty() && resends_ < kMaxResends) {
                ++resends_;
                reply += last_sent_;
            } else if (c == '+') {
                last_sent_.clear();
                resends_ = 0;
            }
            // Anything else between packets is noise: gdb ignores it too.
            break;
        case State::Data:
            if (c == '#') {
                state_ = State::Checksum1;
            } else if (c == '$') {
                // A new start inside a packet: the peer gave up on the old one.
                data_.clear();
                sum_ = 0;
                oversized_ = false;
            } else {
                sum_ = static_cast<uint8_t>(sum_ + byte);
                if (data_.size() < max_data_) data_ += c;
                else oversized_ = true;
            }
            break;
        case State::Checksum1: {
            int d = hex_value(c);
            bad_digit_ = d < 0;
            sent_sum_ = static_cast<uint8_t>((d < 0 ? 0 : d) << 4);
            state_ = State::Checksum2;
            break;
        }
        case State::Checksum2: {
            int d = hex_value(c);
            if (d < 0) bad_digit_ = true;
            state_ = State::Idle;
            finish_packet(static_cast<uint8_t>(sent_sum_ | (d < 0 ? 0 : d)), events, reply);
            break;
        }
        }
    }
}

void RspConnection::finish_packet(uint8_t sent_sum, std::vector<Incoming>& events, std::string& reply) {
    // In no-ack mode the checksum is not checked either: the transport is reliable.
    if (!no_ack_ && (bad_digit_ || sent_sum != sum_)) {
        reply += '-';
        return;
    }
    if (!no_ack_) reply += '+';
    if (oversized_) {
        events.push_back({Incoming::Kind::Oversized, {}});
        return;
    }
    auto expanded = expand_run_length(data_, max_data_);
    if (!expanded) {
        // Either a bad count or an expansion past the bound: tell the two apart.
        const bool too_long = expand_run_length(data_, SIZE_MAX).has_value();
        events.push_back({too_long ? Incoming::Kind::Oversized : Incoming::Kind::Malformed, {}});
        return;
    }
    events.push_back({Incoming::Kind::Packet, std::move(*expanded)});
}

std::string RspConnection::send(std::string_view data) {
    std::string bytes = frame(data);
    if (!no_ack_) {
        last_sent_ = bytes;
        resends_ = 0;
    }
    return bytes;
}

}  // namespace forkscope::gdb
