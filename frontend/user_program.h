// A user's own program (`forkscope run ./prog`): the checks the host makes before the
// machine boots, so that a file the guest kernel's exec would refuse with ENOEXEC gets a
// clear message instead. The guest runs static i386 Linux executables: ELF32,
// little-endian, EM_386, ET_EXEC, no program interpreter (PT_INTERP), and PT_LOAD
// segments inside the file and inside user space (below FORKSCOPE_KERNEL_BASE).
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "base/result.h"

namespace forkscope {

// Errors are ErrorKind::BadImage, one line "<name> is ..." / "<name>: ...", with a hint
// on how to build a program that fits (forkscope cc, or gcc -m32 -static).
Result<void> check_static_i386_executable(std::span<const uint8_t> file, std::string_view name);

}  // namespace forkscope
