// Linux i386 system calls as strace prints them: names and errno names (generated from
// the kernel's UAPI headers, linux_i386_tables.inc), and each call's arguments decoded
// from its registers and the caller's memory: strings, flags by name, a few structures.
// Pure functions over a GuestRead, so they are tested without a machine.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace forkscope {

struct SyscallNameEntry {
    uint32_t nr;
    const char* name;
};
struct ErrnoEntry {
    int nr;
    const char* name;
    const char* message;
};

// Copies guest-virtual memory of the traced task; false when any byte cannot be read
// (not mapped, or a kernel address that the kernel would refuse with EFAULT).
using GuestRead = std::function<bool(uint32_t vaddr, std::span<uint8_t> out)>;

// "" for a number Linux i386 does not define.
std::string_view syscall_name(uint32_t nr);
std::optional<uint32_t> syscall_number(std::string_view name);
// The name, or "syscall_0xNNN" for a number without one (as strace prints it).
std::string call_name(uint32_t nr);
// "" for an unknown errno.
std::string_view errno_name(int err);
std::string_view errno_message(int err);

// A call as the kernel received it: EAX and EBX, ECX, EDX, ESI, EDI, EBP.
struct SyscallArgs {
    uint32_t nr = 0;
    uint32_t arg[6] = {};
};

// The two halves of strace's line. entry: "name(" and the arguments known at entry,
// up to the first output argument; exit: the output arguments (decoded after the call),
// ")" and " = result". A call that never returns (exit, exit_group) has exit text
// ") = ?". Unknown numbers print as syscall_0xNNN with six hex arguments.
std::string format_entry(const SyscallArgs& call, const GuestRead& read);
std::string format_exit(const SyscallArgs& call, int32_t result, const GuestRead& read);
bool syscall_never_returns(uint32_t nr);

// The pieces, for tests and other views.
std::string format_result(uint32_t nr, int32_t result);  // " = 3", " = -1 ENOENT (...)", " = 0x8049000"
std::string quoted_string(std::span<const uint8_t> bytes, bool truncated);  // "a\n"... 
std::string open_flags(uint32_t flags);      // O_RDONLY|O_CREAT|O_CLOEXEC
std::string mmap_prot(uint32_t prot);        // PROT_READ|PROT_WRITE, PROT_NONE
std::string mmap_flags(uint32_t flags);      // MAP_PRIVATE|MAP_ANONYMOUS
std::string clone_flags(uint32_t flags);     // CLONE_VM|...|SIGCHLD
std::string wait_options(uint32_t options);  // WNOHANG|__WALL, 0
std::string signal_name(int sig);            // SIGCHLD, SIGRT_3, 0
std::string wait_status(uint32_t status);    // [{WIFEXITED(s) && WEXITSTATUS(s) == 3}]

}  // namespace forkscope
