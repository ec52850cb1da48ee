#include "frontend/cli/debug_parse.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace forkscope::cli {

namespace {

const std::vector<std::pair<std::string, std::string>>& aliases() {
    static const std::vector<std::pair<std::string, std::string>> a = {
        {"b", "break"},        {"br", "break"},         {"tb", "tbreak"},         {"c", "continue"},
        {"cont", "continue"},  {"fg", "continue"},      {"r", "run"},             {"s", "step"},
        {"n", "next"},         {"si", "stepi"},         {"ni", "nexti"},          {"fin", "finish"},
        {"u", "until"},        {"bt", "backtrace"},     {"where", "backtrace"},   {"f", "frame"},
        {"i", "info"},         {"p", "print"},          {"l", "list"},            {"d", "delete"},
        {"q", "quit"},         {"k", "kill"},           {"rs", "reverse-step"},   {"rn", "reverse-next"},
        {"rsi", "reverse-stepi"}, {"rni", "reverse-nexti"}, {"rc", "reverse-continue"},
        {"h", "help"},         {"dis", "disable"},      {"en", "enable"},         {"exit", "quit"},
    };
    return a;
}

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

std::vector<std::string> words_of(std::string_view s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        size_t j = i;
        while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
        if (j > i) out.emplace_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

}  // namespace

const std::vector<std::string>& debug_command_names() {
    static const std::vector<std::string> names = {
        "run", "continue", "next", "step", "nexti", "stepi", "finish", "until", "advance",
        "reverse-continue", "reverse-next", "reverse-step", "reverse-nexti", "reverse-stepi", "reverse-finish",
        "break", "tbreak", "watch", "rwatch", "awatch", "delete", "disable", "enable", "ignore", "info",
        "backtrace", "frame", "up", "down", "list", "x", "xp", "print", "display",
        "pt", "ps", "maps", "frames", "explain", "echo", "kill", "quit", "help",
    };
    return names;
}

Result<DebugCommand> parse_debug_command(std::string_view line) {
    DebugCommand cmd;
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') return cmd;
    // The command word ends at a blank or, for x and xp, at the '/' of the format.
    size_t end = 0;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '/') ++end;
    std::string word = text.substr(0, end);
    std::string after = text.substr(end);
    if (!after.empty() && after[0] == '/') {
        size_t f = 1;
        while (f < after.size() && !std::isspace(static_cast<unsigned char>(after[f]))) ++f;
        cmd.format = after.substr(1, f - 1);
        after = after.substr(f);
        if (word != "x" && word != "xp" && word != "p" && word != "print" && word != "display")
            return make_error(ErrorKind::Usage, "\"" + word + "\" takes no /FORMAT");
    }
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto& names = debug_command_names();
    std::string name;
    if (std::find(names.begin(), names.end(), word) != names.end()) {
        name = word;
    } else if (auto a = std::find_if(aliases().begin(), aliases().end(), [&](const auto& p) { return p.first == word; });
               a != aliases().end()) {
        name = a->second;
    } else {
        std::vector<std::string> matches;
        for (const std::string& n : names)
            if (n.starts_with(word)) matches.push_back(n);
        if (matches.empty()) return make_error(ErrorKind::Usage, "Undefined command: \"" + word + "\".  Try \"help\".");
        if (matches.size() > 1) {
            std::string list;
            for (const std::string& m : matches) list += (list.empty() ? "" : ", ") + m;
            return make_error(ErrorKind::Usage, "Ambiguous command \"" + word + "\": " + list + ".");
        }
        name = matches.front();
    }
    cmd.name = name;
    cmd.rest = trim(after);
    cmd.args = words_of(cmd.rest);
    return cmd;
}

Result<ExamineFormat> parse_examine_format(std::string_view fmt, ExamineFormat f) {
    size_t i = 0;
    while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) ++i;
    if (i > 0) {
        uint32_t n = 0;
        auto [p, ec] = std::from_chars(fmt.data(), fmt.data() + i, n);
        if (ec != std::errc() || n == 0 || n > 4096)
            return make_error(ErrorKind::Usage, "a count from 1 to 4096, not \"" + std::string(fmt.substr(0, i)) + "\"");
        f.count = n;
    }
    for (; i < fmt.size(); ++i) {
        const char c = fmt[i];
        if (std::string_view("xduotcsia").find(c) != std::string_view::npos)
            f.format = c;
        else if (std::string_view("bhwg").find(c) != std::string_view::npos)
            f.unit = c;
        else
            return make_error(ErrorKind::Usage, std::string("Undefined output format \"") + c + "\".");
    }
    if (f.format == 'c') f.unit = 'b';
    if (f.format == 'a') f.unit = 'w';
    return f;
}

}  // namespace forkscope::cli
