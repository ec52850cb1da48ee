#include "emulator/stop_point.h"

#include <charconv>

namespace forkscope {

namespace {

constexpr const char* kForms =
    "SYMBOL[#N], return:SYMBOL[#N], fork[#N], cow[#N], exec[#N], exit, exit:PID or end";

Error bad(std::string_view text, const std::string& why) {
    return make_error(ErrorKind::Usage, "bad stop point '" + std::string(text) + "': " + why);
}

bool is_identifier(std::string_view s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
    for (char c : s)
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

// A decimal number of digits only (no sign, no spaces), or nullopt.
std::optional<uint64_t> decimal(std::string_view s) {
    uint64_t v = 0;
    if (s.empty() || s[0] == '+') return std::nullopt;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

std::string StopPoint::text() const {
    const std::string count = "#" + std::to_string(n);
    switch (kind) {
        case StopKind::Entry: return symbol + count;
        case StopKind::Return: return "return:" + symbol + count;
        case StopKind::Fork: return "fork" + count;
        case StopKind::Cow: return "cow" + count;
        case StopKind::Exec: return "exec" + count;
        case StopKind::Exit: return pid ? "exit:" + std::to_string(*pid) : "exit";
        case StopKind::End: return "end";
    }
    return "?";
}

std::string StopPoint::function() const {
    switch (kind) {
        case StopKind::Entry:
        case StopKind::Return: return symbol;
        case StopKind::Fork: return "copy_process";
        case StopKind::Cow: return "do_wp_page";
        case StopKind::Exec: return "do_execve";
        case StopKind::Exit:
        case StopKind::End: return "do_exit";
    }
    return symbol;
}

bool StopPoint::at_return() const {
    return kind == StopKind::Return || kind == StopKind::Fork || kind == StopKind::Cow || kind == StopKind::Exec;
}

Result<StopPoint> parse_stop_point(std::string_view text) {
    if (text.empty()) return make_error(ErrorKind::Usage, std::string("empty stop point (expected ") + kForms + ")");
    StopPoint p;

    // exit:PID, and the words that take no count.
    if (text == "end") {
        p.kind = StopKind::End;
        return p;
    }
    if (text == "exit") {
        p.kind = StopKind::Exit;
        return p;
    }
    if (text.starts_with("exit:")) {
        const std::string_view pid = text.substr(5);
        auto v = decimal(pid);
        if (!v || *v < 1 || *v > 0x3fffffff)
            return bad(text, "'" + std::string(pid) + "' is not a pid (a number from 1)");
        p.kind = StopKind::Exit;
        p.pid = static_cast<int>(*v);
        return p;
    }
    if (text.starts_with("exit#") || text.starts_with("end#") || text.starts_with("end:"))
        return bad(text, "exit and end take no #N (use exit:PID for one task)");

    // [return:]NAME[#N]
    std::string_view name = text;
    if (name.starts_with("return:")) {
        p.kind = StopKind::Return;
        name.remove_prefix(7);
    }
    if (const size_t hash = name.find('#'); hash != std::string_view::npos) {
        const std::string_view count = name.substr(hash + 1);
        name = name.substr(0, hash);
        auto v = decimal(count);
        if (count.empty()) return bad(text, "'#' needs a count after it");
        if (!v) return bad(text, "'" + std::string(count) + "' is not a count (a number from 1)");
        if (*v == 0) return bad(text, "counts start at #1");
        p.n = *v;
    }
    if (p.kind == StopKind::Return) {
        if (name.empty()) return bad(text, "return: needs a kernel function name");
    } else if (name == "fork") {
        p.kind = StopKind::Fork;
    } else if (name == "cow") {
        p.kind = StopKind::Cow;
    } else if (name == "exec") {
        p.kind = StopKind::Exec;
    } else if (name.empty()) {
        return bad(text, std::string("expected ") + kForms);
    }
    if (p.kind == StopKind::Entry || p.kind == StopKind::Return) {
        if (!is_identifier(name))
            return bad(text, "'" + std::string(name) + "' is not a kernel function name (expected " + kForms + ")");
        p.symbol = std::string(name);
    }
    return p;
}

}  // namespace forkscope
