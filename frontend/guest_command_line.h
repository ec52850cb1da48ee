// The kernel command line that starts a program (guestkernel/include/abi/forkscope.h,
// "How the host starts a program"): "<--append text> -- /bin/PROGRAM ARG ...". Words
// are separated by blanks; a word in double quotes may contain blanks. There is no
// escape character, so an argument with a double quote or a newline cannot be passed
// this way, and the whole line must fit the kernel's buffer: such arguments go to init
// in a file of the initramfs instead (frontend/program_args.h).
#pragma once
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace forkscope {

// The guest kernel's limits (guestkernel/include/linux/init.h), which it enforces by
// cutting silently; forkscope never passes them (what does not fit goes in a file). They are not part of the ABI header, so
// keep them equal to the kernel's:
// the most bytes of command line, counting what the kernel receives: the image name, a
// blank, the command line and the final NUL (COMMAND_LINE_SIZE, 2048 as on Linux i386);
inline constexpr size_t kMaxKernelCommandLine = 2048;
// the most words after "--": init's options, the program and its arguments (MAX_INIT_ARGS).
inline constexpr size_t kMaxProgramWords = 128;

// `arg` as one word of the command line: as is, or in double quotes when it is empty or
// contains a blank (space or tab). Errors (ErrorKind::Usage): a double quote, a newline
// or a NUL in `arg`. `what` names it in the message ("argument 2").
Result<std::string> guest_word(std::string_view arg, std::string_view what);

// True if `arg` can be one word of the command line: no double quote, newline or NUL.
bool fits_command_line(std::string_view arg);

// "<append> -- <words...>": init's words (its options, then the program and its
// arguments, or "-a FILE"), each through guest_word ("word N" in a message). Errors
// (ErrorKind::Usage): a word guest_word refuses, more than kMaxProgramWords words, or
// an --append text with a "--" word (the kernel would take what follows it for init's).
Result<std::string> init_command_line(std::string_view append, std::span<const std::string> words);

// Errors (ErrorKind::Usage) if "<kernel_name> <cmdline>" plus its NUL is longer than
// kMaxKernelCommandLine.
Result<void> check_command_line_length(std::string_view kernel_name, std::string_view cmdline);

}  // namespace forkscope
