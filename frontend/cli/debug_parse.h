// The command language of `forkscope debug`, parsed: gdb's words and abbreviations
// ("b copy_process", "x/4xw $esp", "rsi", "i r"), one line at a time. Pure text
// handling, so that it can be tested and fuzzed on its own; debug_session.h runs them.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace forkscope::cli {

struct DebugCommand {
    std::string name;               // canonical ("break", "reverse-stepi", "info"...); empty: nothing to do
    std::vector<std::string> args;  // the words after it
    std::string rest;               // the text after it, trimmed (print EXPR, echo TEXT)
    std::string format;             // x/FMT and xp/FMT: the FMT
};

// One line. Blank lines and lines starting with # are empty commands. A command word
// is a full name, an alias (b, c, s, n, si, ni, bt, i, p, rsi...) or an unambiguous
// prefix of a full name. Errors (Usage): an unknown or ambiguous command, with the
// candidates ("Ambiguous command \"re\": record, reverse-continue, ...").
Result<DebugCommand> parse_debug_command(std::string_view line);

// x/FMT: a count, then a format letter (x d u o t c s i a) and a unit (b h w g) in
// either order, as gdb takes them; missing parts keep the defaults given.
struct ExamineFormat {
    uint32_t count = 1;
    char format = 'x';
    char unit = 'w';
};
Result<ExamineFormat> parse_examine_format(std::string_view fmt, ExamineFormat defaults);

// The full names of every command, in the order `help` lists them.
const std::vector<std::string>& debug_command_names();

}  // namespace forkscope::cli
