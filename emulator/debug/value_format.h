// Values printed as gdb prints them: integers in decimal, chars as `102 'f'`, char
// arrays as strings with `'\000' <repeats 50 times>`, structs as `{pid = 3, comm =
// "sh\000..."}`, arrays with repeats and gdb's 200-element limit, enums by name,
// pointers as `(struct task_struct *) 0xc03f2000` (bare inside aggregates), with the
// kernel symbol they point at (`<init_task>`, `<do_fork>`), the string a char pointer
// points at, and what a kernel object pointer points at (kernel_objects.h: `<pid 3
// "forktest" R>`). No location: `<optimized out>`; a failed read: `<error: Cannot
// access memory at address 0x...>`.
#pragma once
#include <string>
#include <vector>

#include "emulator/debug/value.h"

namespace forkscope {

class KernelSymbols;
class KernelObjects;
struct Variable;

struct FormatOptions {
    ReadMemory memory;                        // strings behind char pointers (may be empty)
    const KernelSymbols* symbols = nullptr;   // <symbol+off> after pointers
    const KernelObjects* objects = nullptr;   // <pid 3 "sh" R> after kernel object pointers
    // print/x: every integer, character, enum and pointer in hexadecimal (in its type's
    // width), char arrays as arrays, no symbols or strings after pointers. 0: natural.
    char format = 0;
};

// As `print` shows it after "$1 = ".
std::string format_value(const Value& v, const FormatOptions& options);

// As `info args` / `info locals` list them: "name = value" lines, or gdb's
// "No arguments." / "No locals." when there are none.
std::string format_variables(const std::vector<Variable>& vars, const FormatOptions& options, const char* none);

// A frame's arguments as gdb's bt shows them with `set print frame-arguments scalars`:
// "clone_flags=17, stack_start=3221225200, regs=0xc059bf64, p=..." (pointers in hex,
// scalars as print shows them, other types as "..."). With options.objects, a kernel
// object pointer also says what it points at: "p=0xc05b3000 <pid 3 "forktest" R>".
std::string format_frame_arguments(const std::vector<Variable>& args, const FormatOptions& options);

}  // namespace forkscope
