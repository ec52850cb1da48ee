// The tokens of a `print` expression (expression.h): identifiers, $registers, integer
// literals with gdb's "Invalid number" check, character literals with C's escapes, and
// C's punctuators plus gdb's @. Each token remembers where it starts, for gdb's "A
// syntax error in expression, near `...'.".
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace forkscope {

enum class Tok { End, Ident, Number, Char, Register, Punct };

struct Token {
    Tok kind = Tok::End;
    std::string text;  // identifier, register name (without $), punctuator
    uint64_t number = 0;
    bool is_unsigned = false, is_long = false;
    size_t at = 0;     // where it starts in the input (for "near `...'")
};

// The tokens, ending with a Tok::End. Errors (ErrorKind::Usage): gdb's message for
// the first thing that is no token.
Result<std::vector<Token>> tokenize(std::string_view text);

}  // namespace forkscope
