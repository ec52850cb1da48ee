// Expressions as `print EXPR` takes them, in gdb's C syntax, evaluated at a frame of the
// stopped guest kernel: identifiers (the frame's locals and parameters, then globals,
// enumerators and functions, then ELF symbols that DWARF does not define, typed by an
// extern declaration or, as gdb does, "<data variable, no debug info>"), registers ($eax ... $edi, $esp/$sp, $ebp/$fp, $eip/$pc), integer
// and character literals, `->` and `.` (through anonymous unions too), unary `*`, `&`,
// `-`, `!`, `~`, `[i]`, casts to `(struct NAME *)`, base types and typedefs, `sizeof`,
// + and - on integers and pointers (pointer arithmetic scaled by the pointee's size),
// * / % & | ^ << >>, comparisons, && and ||, and gdb's x@N (N objects from x on). Errors are gdb's one-line messages:
// `No symbol "foo" in current context.`, `There is no member named pidd.`, `A syntax
// error in expression, near `)'.`, `Cannot access memory at address 0x0`.
#pragma once
#include <string_view>

#include "base/result.h"
#include "emulator/debug/frame.h"
#include "emulator/debug/value.h"

namespace forkscope {

class DebugInfo;

struct ExpressionContext {
    const DebugInfo& info;
    const Frame* frame = nullptr;  // null: globals only (no frame selected)
    ReadMemory memory;
};

// The value of the expression (ErrorKind::Usage with gdb's message when it has none).
// A value whose memory cannot be read is an error here, as `print` reports it.
Result<Value> evaluate_expression(std::string_view text, const ExpressionContext& ctx);

}  // namespace forkscope
