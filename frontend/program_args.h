// How `forkscope run PROGRAM ARGS...` hands the program's argument vector and
// environment to the guest's init (guestkernel/include/abi/forkscope.h): on the kernel
// command line when every word fits there ("-- /bin/PROGRAM ARG ..."), otherwise in a
// file of the initramfs that init's "-a FILE" names, as real systems fall back to a
// file when a command line cannot carry something. Environment changes (--env, --unset)
// always go in a file ("-e FILE"). Either way the guest's execve limits apply, and they
// are checked here, before booting, with the kernel's own accounting.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace forkscope {

// The guest execve's limits (guestkernel/include/linux/binfmts.h), which are Linux's
// before 2.6.23 (when ARG_MAX began to follow RLIMIT_STACK). They are not part of the
// ABI header, so keep them equal to the kernel's:
// a string's length must stay below this (MAX_ARG_STRLEN, 128 KiB: at most 131071 bytes);
inline constexpr size_t kMaxArgStrlen = 32 * 4096;
// every argument and environment string, its NUL and its 4-byte pointer, together
// (MAX_ARG_BYTES, 128 KiB, what ARG_MAX was).
inline constexpr size_t kMaxArgBytes = 128 * 1024;
// The environment the kernel starts init with (guestkernel/init/main.c, as Linux's
// envp_init); init passes it on to the program, changed by "-e FILE".
inline constexpr std::array<std::string_view, 2> kInitEnvironment = {"HOME=/", "TERM=linux"};

// The strings as the files hold them: each one followed by a NUL.
std::vector<uint8_t> nul_terminated(std::span<const std::string> strings);

// `env` changed as init applies an "-e" file: NAME=VALUE replaces the entry for NAME
// where it is, or is added at the end; NAME alone removes every entry for NAME.
std::vector<std::string> changed_environment(std::vector<std::string> env, std::span<const std::string> changes);

// Errors (ErrorKind::Usage, one line) where the guest's execve of `filename` would fail
// with E2BIG: a string of kMaxArgStrlen bytes or more, or more than kMaxArgBytes of
// the file name (which exec keeps on the new stack, for AT_EXECFN) and its NUL plus the
// strings, their NULs and pointers.
Result<void> check_exec_limits(std::string_view filename, std::span<const std::string> argv,
                               std::span<const std::string> envp);

// What starts the program: the kernel command line and the files to add to the
// initramfs (paths without the leading '/', contents).
struct ProgramLaunch {
    std::string cmdline;
    std::vector<std::pair<std::string, std::vector<uint8_t>>> files;
};

// append: the command line before "--" (may be empty); kernel_name: the image name the
// loader puts before it (it counts against the kernel's 2048 bytes); program: the guest
// path, "/bin/NAME"; env_changes: NAME=VALUE or NAME entries (--env, --unset).
// Errors (ErrorKind::Usage): an --append with a "--" word or too long for the kernel,
// an env change that is not NAME=VALUE or NAME, the execve limits.
Result<ProgramLaunch> plan_program_launch(std::string_view append, std::string_view kernel_name,
                                          std::string_view program, std::span<const std::string> args,
                                          std::span<const std::string> env_changes);

}  // namespace forkscope
