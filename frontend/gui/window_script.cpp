#include "frontend/gui/window_script.h"

#include <charconv>
#include <map>

namespace forkscope::gui {

namespace {

const std::map<std::string, LiveAction>& run_commands() {
    static const std::map<std::string, LiveAction> m = {
        {"continue", LiveAction::Continue},          {"step", LiveAction::Step},
        {"next", LiveAction::Next},                  {"finish", LiveAction::Finish},
        {"stepi", LiveAction::StepInstruction},      {"reverse-step", LiveAction::ReverseStep},
        {"reverse-next", LiveAction::ReverseNext},   {"reverse-continue", LiveAction::ReverseContinue},
    };
    return m;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// 0x... or decimal, below 4 GiB.
std::optional<uint32_t> parse_number(const std::string& text) {
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const char* first = text.data() + (hex ? 2 : 0);
    const char* last = text.data() + text.size();
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(first, last, v, hex ? 16 : 10);
    if (ec != std::errc() || p != last || first == last) return std::nullopt;
    return v;
}

// "max" (0) or a factor above 0 and at most 1000.
std::optional<double> parse_speed(const std::string& text) {
    if (text == "max") return 0.0;
    double v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || !(v > 0) || v > 1000) return std::nullopt;
    return v;
}

}  // namespace

Result<std::vector<ScriptLine>> parse_window_script(const std::vector<std::string>& lines) {
    std::vector<ScriptLine> out;
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string line = trim(lines[i]);
        if (line.empty() || line[0] == '#') continue;
        ScriptLine l;
        l.number = static_cast<int>(i + 1);
        const auto space = line.find_first_of(" \t");
        l.command = line.substr(0, space);
        l.argument = space == std::string::npos ? "" : trim(line.substr(space));
        auto bad = [&](const std::string& why) {
            return make_error(ErrorKind::Usage, "script line " + std::to_string(l.number) + ": " + why);
        };
        const bool takes_argument = l.command == "break" || l.command == "select" || l.command == "screenshot" ||
                                    l.command == "ui-state" || l.command == "select-address" ||
                                    l.command == "select-frame" || l.command == "explain" ||
                                    l.command == "run-to" || l.command == "goto-event" || l.command == "speed";
        if (!takes_argument && !run_commands().count(l.command)) return bad("unknown command '" + l.command + "'");
        if (takes_argument && l.argument.empty()) return bad("'" + l.command + "' needs an argument");
        if (!takes_argument && !l.argument.empty()) return bad("'" + l.command + "' takes no argument");
        if (l.command == "select") {
            int pid = -1;
            auto [p, ec] = std::from_chars(l.argument.data(), l.argument.data() + l.argument.size(), pid);
            if (ec != std::errc() || p != l.argument.data() + l.argument.size() || pid < 0)
                return bad("'select' needs a pid, not '" + l.argument + "'");
        }
        if ((l.command == "select-address" || l.command == "select-frame") && !parse_number(l.argument))
            return bad("'" + l.command + "' needs a number (0x... or decimal), not '" + l.argument + "'");
        if (l.command == "run-to" && l.argument != "fork" && l.argument != "cow" && l.argument != "exec" &&
            l.argument != "exit")
            return bad("'run-to' takes fork, cow, exec or exit, not '" + l.argument + "'");
        if (l.command == "speed" && !parse_speed(l.argument))
            return bad("'speed' takes max or a factor above 0 (1: real time), not '" + l.argument + "'");
        if (l.command == "explain" && l.argument != "read" && l.argument != "write")
            return bad("'explain' takes read or write, not '" + l.argument + "'");
        out.push_back(std::move(l));
    }
    return out;
}

ScriptStep script_step(const ScriptLine& line) {
    ScriptStep s;
    if (auto it = run_commands().find(line.command); it != run_commands().end()) s.command = LiveCommand{it->second, ""};
    else if (line.command == "break") s.command = LiveCommand{LiveAction::Break, line.argument};
    else if (line.command == "select") s.select = std::stoi(line.argument);
    else if (line.command == "screenshot") s.screenshot = line.argument;
    else if (line.command == "ui-state") s.ui_state = line.argument;
    else if (line.command == "select-address") s.address = parse_number(line.argument);
    else if (line.command == "select-frame") s.frame = parse_number(line.argument);
    else if (line.command == "explain") s.explain_write = line.argument == "write";
    else if (line.command == "run-to") s.command = LiveCommand{LiveAction::RunTo, line.argument};
    else if (line.command == "goto-event") s.goto_event = line.argument;
    else if (line.command == "speed") s.speed = parse_speed(line.argument);
    return s;
}

}  // namespace forkscope::gui
