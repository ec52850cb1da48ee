// The arguments of pt's options: --range LO-HI, --explain ADDR, --diff A,B.
#include <fmt/format.h>

#include <charconv>

#include "frontend/format/common.h"

namespace forkscope::format {

using detail::usage;

namespace {

// A number: 0x followed by hexadecimal digits, or decimal digits; nothing else.
std::optional<uint64_t> parse_number(std::string_view s) {
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
    }
    if (s.empty() || s.size() > 16) return std::nullopt;
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

Result<uint32_t> parse_address(std::string_view text) {
    auto v = parse_number(text);
    if (!v) return usage(fmt::format("'{}' is not an address (0x-prefixed hexadecimal or decimal)", text));
    if (*v > 0xffffffffull) return usage(fmt::format("address {} is beyond 4 GiB", text));
    return static_cast<uint32_t>(*v);
}

Result<AddressRange> parse_range(std::string_view text) {
    const size_t dash = text.find('-');
    if (dash == std::string_view::npos)
        return usage(fmt::format("'{}' is not a range: expected LO-HI, e.g. 0x08048000-0x08050000", text));
    auto lo = parse_number(text.substr(0, dash));
    auto hi = parse_number(text.substr(dash + 1));
    if (!lo || !hi)
        return usage(fmt::format("'{}' is not a range: LO and HI are 0x-prefixed hexadecimal or decimal", text));
    if (*hi > (1ull << 32) || *lo >= (1ull << 32))
        return usage(fmt::format("range {} goes beyond 4 GiB (0x100000000)", text));
    if (*lo >= *hi) return usage(fmt::format("range {} is empty: LO must be below HI", text));
    return AddressRange{static_cast<uint32_t>(*lo), *hi};
}

Result<std::pair<int, int>> parse_pid_pair(std::string_view text) {
    const size_t comma = text.find(',');
    auto pid = [](std::string_view s) -> std::optional<int> {
        int v = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
        return v;
    };
    if (comma == std::string_view::npos)
        return usage(fmt::format("--diff needs two pids, A,B (got '{}')", text));
    auto a = pid(text.substr(0, comma));
    auto b = pid(text.substr(comma + 1));
    if (!a || !b) return usage(fmt::format("--diff needs two pids, A,B (got '{}')", text));
    if (*a == *b) return usage(fmt::format("--diff needs two different pids (got '{}')", text));
    return std::pair{*a, *b};
}

}  // namespace forkscope::format
