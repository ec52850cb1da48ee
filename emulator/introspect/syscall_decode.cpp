#include "emulator/introspect/syscall_decode.h"

#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <vector>

namespace forkscope {

namespace {

#include "emulator/introspect/linux_i386_tables.inc"

constexpr size_t kMaxString = 32;     // strace -s 32
constexpr size_t kMaxPath = 4096;     // PATH_MAX: paths print whole, as strace does
constexpr size_t kMaxArray = 32;      // argv elements before "..."
constexpr int32_t kAtFdcwd = -100;

std::string hex(uint32_t v) {  // 0 is "0", as strace's %#lx prints it
    char b[16];
    std::snprintf(b, sizeof b, "%#x", v);
    return b;
}
std::string dec(int32_t v) { return std::to_string(v); }
std::string ptr(uint32_t v) { return v ? hex(v) : "NULL"; }

struct Flag {
    uint32_t bit;
    const char* name;
};

// Names for the bits of `v` that are in `flags`, then any others in hex.
std::string flag_names(uint32_t v, std::initializer_list<Flag> flags) {
    std::string s;
    for (const Flag& f : flags) {
        if (!(v & f.bit) || (v & f.bit) != f.bit) continue;
        if (!s.empty()) s += '|';
        s += f.name;
        v &= ~f.bit;
    }
    if (v) {
        if (!s.empty()) s += '|';
        s += hex(v);
    }
    return s.empty() ? "0" : s;
}

// The O_* bits above the access mode; bits no flag names (the access mode's too) in hex.
std::string open_flag_bits(uint32_t bits) {
    return flag_names(bits, {{0100, "O_CREAT"}, {0200, "O_EXCL"}, {0400, "O_NOCTTY"}, {01000, "O_TRUNC"},
                             {02000, "O_APPEND"}, {04000, "O_NONBLOCK"}, {04010000, "O_SYNC"}, {010000, "O_DSYNC"},
                             {020000, "O_ASYNC"}, {040000, "O_DIRECT"}, {0100000, "O_LARGEFILE"},
                             {0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"}, {01000000, "O_NOATIME"},
                             {02000000, "O_CLOEXEC"}, {010000000, "O_PATH"}, {020000000, "O_TMPFILE"}});
}

std::string value_name(uint32_t v, std::initializer_list<Flag> values, bool signed_fallback = true) {
    for (const Flag& f : values)
        if (f.bit == v) return f.name;
    return signed_fallback ? dec(static_cast<int32_t>(v)) : hex(v);
}

// --- reading the caller's memory -------------------------------------------------------

// A NUL-terminated string of at most `max` bytes; nullopt when its first byte cannot be
// read. `truncated`: no NUL within max (or the rest could not be read).
std::optional<std::vector<uint8_t>> read_cstring(const GuestRead& read, uint32_t addr, size_t max, bool& truncated) {
    std::vector<uint8_t> out;
    truncated = false;
    while (out.size() < max) {
        const uint32_t a = addr + static_cast<uint32_t>(out.size());
        const size_t page_left = 4096 - (a & 4095);
        const size_t n = std::min(page_left, max - out.size());
        std::vector<uint8_t> chunk(n);
        if (!read(a, chunk)) {
            if (out.empty()) return std::nullopt;
            truncated = true;
            return out;
        }
        for (uint8_t c : chunk) {
            if (c == 0) return out;
            out.push_back(c);
        }
    }
    truncated = true;
    return out;
}

std::optional<uint32_t> read_u32(const GuestRead& read, uint32_t addr) {
    uint8_t b[4];
    if (!read(addr, b)) return std::nullopt;
    uint32_t v;
    std::memcpy(&v, b, 4);
    return v;
}

std::string string_arg(const GuestRead& read, uint32_t addr, size_t max) {
    if (!addr) return "NULL";
    bool truncated;
    auto s = read_cstring(read, addr, max, truncated);
    if (!s) return hex(addr);
    return quoted_string(*s, truncated);
}

// `len` bytes at addr, shown as a string of at most kMaxString.
std::string buffer_arg(const GuestRead& read, uint32_t addr, uint32_t len) {
    if (!addr) return "NULL";
    std::vector<uint8_t> b(std::min<size_t>(len, kMaxString));
    if (!b.empty() && !read(addr, b)) return hex(addr);
    return quoted_string(b, len > kMaxString);
}

std::string string_array(const GuestRead& read, uint32_t addr) {
    if (!addr) return "NULL";
    std::string s = "[";
    for (size_t i = 0;; ++i) {
        auto p = read_u32(read, addr + static_cast<uint32_t>(4 * i));
        if (!p) return i == 0 ? hex(addr) : s + "...]";
        if (*p == 0) break;
        if (i == kMaxArray) return s + ", ...]";
        if (i) s += ", ";
        s += string_arg(read, *p, kMaxString);
    }
    return s + "]";
}

// strace's default for envp: the address and how many strings it holds.
std::string env_array(const GuestRead& read, uint32_t addr) {
    if (!addr) return "NULL";
    size_t n = 0;
    for (;; ++n) {
        auto p = read_u32(read, addr + static_cast<uint32_t>(4 * n));
        if (!p) return hex(addr);
        if (*p == 0 || n == 65536) break;
    }
    return hex(addr) + " /* " + std::to_string(n) + (n == 1 ? " var */" : " vars */");
}

std::string timespec_arg(const GuestRead& read, uint32_t addr) {
    if (!addr) return "NULL";
    auto sec = read_u32(read, addr), nsec = read_u32(read, addr + 4);
    if (!sec || !nsec) return hex(addr);
    return "{tv_sec=" + dec(static_cast<int32_t>(*sec)) + ", tv_nsec=" + dec(static_cast<int32_t>(*nsec)) + "}";
}

std::string int_pair(const GuestRead& read, uint32_t addr) {
    auto a = read_u32(read, addr), b = read_u32(read, addr + 4);
    if (!a || !b) return hex(addr);
    return "[" + dec(static_cast<int32_t>(*a)) + ", " + dec(static_cast<int32_t>(*b)) + "]";
}

// --- argument kinds and the table of calls -------------------------------------------

enum class K {
    Int, Uint, Hex, Ptr, Fd, AtFd, Path, BufIn, BufOut, StrOut, OpenFlags, Mode, Octal, Prot, MapFlags,
    WaitOpts, WaitStatus, Sig, Argv, Envp, Timespec, TimespecOut, FdPair, Whence, AccessMode, SigHow,
    FcntlCmd, FutexOp, ClockId, Resource, Ioctl, PipeFlags,
};

struct Arg {
    K kind;
    int len_arg = -1;  // BufIn: the argument that holds the length
    Arg(K k, int len = -1) : kind(k), len_arg(len) {}
    bool output() const {
        return kind == K::BufOut || kind == K::StrOut || kind == K::WaitStatus || kind == K::TimespecOut ||
               kind == K::FdPair;
    }
};

struct Spec {
    std::vector<Arg> args;
    bool hex_result = false;
};

const std::map<std::string_view, Spec>& specs() {
    using enum K;
    static const std::map<std::string_view, Spec> table = {
        {"exit", {{Int}}},
        {"exit_group", {{Int}}},
        {"fork", {{}}},
        {"vfork", {{}}},
        {"read", {{Fd, BufOut, Uint}}},
        {"write", {{Fd, Arg(BufIn, 2), Uint}}},
        {"open", {{Path, OpenFlags, Mode}}},
        {"openat", {{AtFd, Path, OpenFlags, Mode}}},
        {"creat", {{Path, Octal}}},
        {"close", {{Fd}}},
        {"waitpid", {{Int, WaitStatus, WaitOpts}}},
        {"wait4", {{Int, WaitStatus, WaitOpts, Ptr}}},
        {"execve", {{Path, Argv, Envp}}},
        {"link", {{Path, Path}}},
        {"symlink", {{Path, Path}}},
        {"unlink", {{Path}}},
        {"rename", {{Path, Path}}},
        {"mkdir", {{Path, Octal}}},
        {"rmdir", {{Path}}},
        {"chdir", {{Path}}},
        {"fchdir", {{Fd}}},
        {"chmod", {{Path, Octal}}},
        {"access", {{Path, AccessMode}}},
        {"readlink", {{Path, BufOut, Uint}}},
        {"getcwd", {{StrOut, Uint}}},
        {"time", {{Ptr}}},
        {"times", {{Ptr}}},
        {"gettimeofday", {{Ptr, Ptr}}},
        {"lseek", {{Fd, Int, Whence}}},
        {"_llseek", {{Fd, Uint, Uint, Ptr, Whence}}},
        {"getpid", {{}}},
        {"getppid", {{}}},
        {"gettid", {{}}},
        {"getpgrp", {{}}},
        {"setsid", {{}}},
        {"sched_yield", {{}}},
        {"getuid", {{}}},
        {"getgid", {{}}},
        {"geteuid", {{}}},
        {"getegid", {{}}},
        {"getuid32", {{}}},
        {"getgid32", {{}}},
        {"geteuid32", {{}}},
        {"getegid32", {{}}},
        {"setuid", {{Int}}},
        {"setgid", {{Int}}},
        {"setuid32", {{Int}}},
        {"setgid32", {{Int}}},
        {"setresuid32", {{Int, Int, Int}}},
        {"getresuid32", {{Ptr, Ptr, Ptr}}},
        {"setpgid", {{Int, Int}}},
        {"getpgid", {{Int}}},
        {"getsid", {{Int}}},
        {"kill", {{Int, Sig}}},
        {"tkill", {{Int, Sig}}},
        {"tgkill", {{Int, Int, Sig}}},
        {"dup", {{Fd}}},
        {"dup2", {{Fd, Fd}}},
        {"dup3", {{Fd, Fd, PipeFlags}}},
        {"pipe", {{FdPair}}},
        {"pipe2", {{FdPair, PipeFlags}}},
        {"brk", {{Ptr}, true}},
        {"mmap2", {{Ptr, Uint, Prot, MapFlags, Fd, Hex}, true}},
        {"mmap", {{Ptr}, true}},
        {"munmap", {{Ptr, Uint}}},
        {"mprotect", {{Ptr, Uint, Prot}}},
        {"ioctl", {{Fd, Ioctl, Ptr}}},
        {"fcntl", {{Fd, FcntlCmd, Hex}}},
        {"fcntl64", {{Fd, FcntlCmd, Hex}}},
        {"umask", {{Octal}}},
        {"getrlimit", {{Resource, Ptr}}},
        {"ugetrlimit", {{Resource, Ptr}}},
        {"setrlimit", {{Resource, Ptr}}},
        {"prlimit64", {{Int, Resource, Ptr, Ptr}}},
        {"sysinfo", {{Ptr}}},
        {"uname", {{Ptr}}},
        {"readv", {{Fd, Ptr, Int}}},
        {"writev", {{Fd, Ptr, Int}}},
        {"getdents64", {{Fd, Ptr, Uint}}},
        {"nanosleep", {{Timespec, Ptr}}},
        {"clock_gettime", {{ClockId, TimespecOut}}},
        {"clock_getres", {{ClockId, TimespecOut}}},
        {"sigreturn", {{}}},
        {"rt_sigreturn", {{}}},
        {"rt_sigaction", {{Sig, Ptr, Ptr, Uint}}},
        {"rt_sigprocmask", {{SigHow, Ptr, Ptr, Uint}}},
        {"rt_sigpending", {{Ptr, Uint}}},
        {"rt_sigsuspend", {{Ptr, Uint}}},
        {"stat", {{Path, Ptr}}},
        {"lstat", {{Path, Ptr}}},
        {"fstat", {{Fd, Ptr}}},
        {"stat64", {{Path, Ptr}}},
        {"lstat64", {{Path, Ptr}}},
        {"fstat64", {{Fd, Ptr}}},
        {"fstatat64", {{AtFd, Path, Ptr, Hex}}},
        {"statx", {{AtFd, Path, Hex, Hex, Ptr}}},
        {"futex", {{Ptr, FutexOp, Int, Ptr}}},
        {"set_thread_area", {{Ptr}}},
        {"get_thread_area", {{Ptr}}},
        {"set_tid_address", {{Ptr}}},
        {"set_robust_list", {{Ptr, Uint}}},
        {"madvise", {{Ptr, Uint, Int}}},
    };
    return table;
}

const Spec* spec_for(uint32_t nr) {
    auto name = syscall_name(nr);
    if (name.empty()) return nullptr;
    auto it = specs().find(name);
    return it == specs().end() ? nullptr : &it->second;
}

// One argument; `result` is the call's result for output arguments (exit time).
std::string format_arg(const SyscallArgs& c, size_t i, const Arg& a, const GuestRead& read, int32_t result) {
    const uint32_t v = c.arg[i];
    const int32_t sv = static_cast<int32_t>(v);
    switch (a.kind) {
        case K::Int:
        case K::Fd: return dec(sv);
        case K::Uint: return std::to_string(v);
        case K::Hex: return hex(v);
        case K::Ptr: return ptr(v);
        case K::Octal: return "0" + [&] { char b[16]; std::snprintf(b, sizeof b, "%o", v); return std::string(b); }();
        case K::Mode: return (v == 0) ? "0" : "0" + [&] { char b[16]; std::snprintf(b, sizeof b, "%o", v); return std::string(b); }();
        case K::AtFd: return sv == kAtFdcwd ? "AT_FDCWD" : dec(sv);
        case K::Path: return string_arg(read, v, kMaxPath);
        case K::BufIn: return buffer_arg(read, v, c.arg[a.len_arg]);
        case K::BufOut: return result < 0 ? ptr(v) : buffer_arg(read, v, static_cast<uint32_t>(result));
        case K::StrOut: return result < 0 ? ptr(v) : string_arg(read, v, kMaxPath);
        case K::OpenFlags: return open_flags(v);
        case K::PipeFlags: return open_flag_bits(v);   // no access mode: pipe2 takes none
        case K::Prot: return mmap_prot(v);
        case K::MapFlags: return mmap_flags(v);
        case K::WaitOpts: return wait_options(v);
        case K::WaitStatus: {
            if (result <= 0 || !v) return ptr(v);
            auto s = read_u32(read, v);
            return s ? wait_status(*s) : hex(v);
        }
        case K::Sig: return signal_name(sv);
        case K::Argv: return string_array(read, v);
        case K::Envp: return env_array(read, v);
        case K::Timespec: return timespec_arg(read, v);
        case K::TimespecOut: return result < 0 ? ptr(v) : timespec_arg(read, v);
        case K::FdPair: return result < 0 ? ptr(v) : int_pair(read, v);
        case K::Whence:
            return value_name(v, {{0, "SEEK_SET"}, {1, "SEEK_CUR"}, {2, "SEEK_END"}, {3, "SEEK_DATA"}, {4, "SEEK_HOLE"}});
        case K::AccessMode: return v == 0 ? "F_OK" : flag_names(v, {{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}});
        case K::SigHow: return value_name(v, {{0, "SIG_BLOCK"}, {1, "SIG_UNBLOCK"}, {2, "SIG_SETMASK"}});
        case K::FcntlCmd:
            return value_name(v, {{0, "F_DUPFD"}, {1, "F_GETFD"}, {2, "F_SETFD"}, {3, "F_GETFL"}, {4, "F_SETFL"},
                                  {5, "F_GETLK"}, {6, "F_SETLK"}, {7, "F_SETLKW"}, {8, "F_SETOWN"}, {9, "F_GETOWN"},
                                  {12, "F_GETLK64"}, {13, "F_SETLK64"}, {14, "F_SETLKW64"}, {1030, "F_DUPFD_CLOEXEC"}});
        case K::FutexOp: {
            std::string s = value_name(v & 0x7f, {{0, "FUTEX_WAIT"}, {1, "FUTEX_WAKE"}, {2, "FUTEX_FD"}, {3, "FUTEX_REQUEUE"},
                                                  {4, "FUTEX_CMP_REQUEUE"}, {5, "FUTEX_WAKE_OP"}, {6, "FUTEX_LOCK_PI"},
                                                  {7, "FUTEX_UNLOCK_PI"}, {8, "FUTEX_TRYLOCK_PI"}, {9, "FUTEX_WAIT_BITSET"},
                                                  {10, "FUTEX_WAKE_BITSET"}});
            if (v & 128) s += "_PRIVATE";
            if (v & 256) s = "FUTEX_CLOCK_REALTIME|" + s;
            return s;
        }
        case K::ClockId:
            return value_name(v, {{0, "CLOCK_REALTIME"}, {1, "CLOCK_MONOTONIC"}, {2, "CLOCK_PROCESS_CPUTIME_ID"},
                                  {3, "CLOCK_THREAD_CPUTIME_ID"}, {4, "CLOCK_MONOTONIC_RAW"}, {5, "CLOCK_REALTIME_COARSE"},
                                  {6, "CLOCK_MONOTONIC_COARSE"}, {7, "CLOCK_BOOTTIME"}});
        case K::Resource:
            return value_name(v, {{0, "RLIMIT_CPU"}, {1, "RLIMIT_FSIZE"}, {2, "RLIMIT_DATA"}, {3, "RLIMIT_STACK"},
                                  {4, "RLIMIT_CORE"}, {5, "RLIMIT_RSS"}, {6, "RLIMIT_NPROC"}, {7, "RLIMIT_NOFILE"},
                                  {8, "RLIMIT_MEMLOCK"}, {9, "RLIMIT_AS"}, {10, "RLIMIT_LOCKS"}, {11, "RLIMIT_SIGPENDING"},
                                  {12, "RLIMIT_MSGQUEUE"}, {13, "RLIMIT_NICE"}, {14, "RLIMIT_RTPRIO"}, {15, "RLIMIT_RTTIME"}});
        case K::Ioctl:
            return value_name(v, {{0x5401, "TCGETS"}, {0x5402, "TCSETS"}, {0x5403, "TCSETSW"}, {0x5404, "TCSETSF"},
                                  {0x540e, "TIOCSCTTY"}, {0x540f, "TIOCGPGRP"}, {0x5410, "TIOCSPGRP"},
                                  {0x5413, "TIOCGWINSZ"}, {0x5414, "TIOCSWINSZ"}, {0x541b, "FIONREAD"}, {0x5421, "FIONBIO"}},
                              false);
    }
    return hex(v);
}

// Which arguments a call shows: open's mode only with O_CREAT, fcntl's third only for
// commands that take one.
size_t shown_args(const SyscallArgs& c, const Spec& s) {
    size_t n = s.args.size();
    for (size_t i = 0; i < s.args.size(); ++i) {
        if (s.args[i].kind == K::Mode && i > 0 && !(c.arg[i - 1] & 0100)) n = i;      // O_CREAT
        if (s.args[i].kind == K::FcntlCmd) {
            const uint32_t cmd = c.arg[i];
            if (cmd == 1 || cmd == 3 || cmd == 9) n = i + 1;                         // F_GETFD, F_GETFL, F_GETOWN
        }
    }
    return n;
}

// clone on i386: flags, stack, parent_tid, tls, child_tid (CLONE_BACKWARDS). strace
// shows the pointers only when a flag makes the kernel use them.
std::string clone_args(const SyscallArgs& c) {
    const uint32_t flags = c.arg[0];
    std::string s = "child_stack=" + ptr(c.arg[1]) + ", flags=" + clone_flags(flags);
    if (flags & 0x00100000) s += ", parent_tid=" + ptr(c.arg[2]);
    if (flags & 0x00080000) s += ", tls=" + ptr(c.arg[3]);
    if (flags & (0x01000000 | 0x00200000)) s += ", child_tidptr=" + ptr(c.arg[4]);
    return s;
}

// The index of the first output argument (shown at exit), or the count shown.
size_t first_output(const SyscallArgs& c, const Spec& s) {
    const size_t n = shown_args(c, s);
    for (size_t i = 0; i < n; ++i)
        if (s.args[i].output()) return i;
    return n;
}

}  // namespace

std::string_view syscall_name(uint32_t nr) {
    for (const auto& e : kLinuxI386Syscalls)
        if (e.nr == nr) return e.name;
    return {};
}

std::optional<uint32_t> syscall_number(std::string_view name) {
    for (const auto& e : kLinuxI386Syscalls)
        if (name == e.name) return e.nr;
    return std::nullopt;
}

std::string_view errno_name(int err) {
    for (const auto& e : kLinuxErrnos)
        if (e.nr == err) return e.name;
    return {};
}

std::string_view errno_message(int err) {
    for (const auto& e : kLinuxErrnos)
        if (e.nr == err) return e.message;
    return {};
}

std::string call_name(uint32_t nr) {
    auto name = syscall_name(nr);
    return name.empty() ? "syscall_" + hex(nr) : std::string(name);
}

bool syscall_never_returns(uint32_t nr) {
    auto name = syscall_name(nr);
    return name == "exit" || name == "exit_group";
}

std::string quoted_string(std::span<const uint8_t> bytes, bool truncated) {
    std::string s = "\"";
    for (uint8_t c : bytes) {
        switch (c) {
            case '"': s += "\\\""; break;
            case '\\': s += "\\\\"; break;
            case '\n': s += "\\n"; break;
            case '\t': s += "\\t"; break;
            case '\r': s += "\\r"; break;
            case '\v': s += "\\v"; break;
            case '\f': s += "\\f"; break;
            default:
                if (c >= 0x20 && c < 0x7f) {
                    s += static_cast<char>(c);
                } else {
                    char b[8];
                    std::snprintf(b, sizeof b, "\\%o", c);
                    s += b;
                }
        }
    }
    s += '"';
    if (truncated) s += "...";
    return s;
}

std::string open_flags(uint32_t flags) {
    static const char* const access[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
    std::string s = access[flags & 3];
    if (const uint32_t rest = flags & ~3u) s += '|' + open_flag_bits(rest);
    return s;
}

std::string mmap_prot(uint32_t prot) {
    if (prot == 0) return "PROT_NONE";
    return flag_names(prot, {{1, "PROT_READ"}, {2, "PROT_WRITE"}, {4, "PROT_EXEC"}, {8, "PROT_SEM"},
                             {0x01000000, "PROT_GROWSDOWN"}, {0x02000000, "PROT_GROWSUP"}});
}

std::string mmap_flags(uint32_t flags) {
    static const char* const type[] = {"0", "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"};
    std::string s = type[flags & 3];
    const uint32_t rest = flags & ~3u;
    if (rest) {
        s = (flags & 3) ? s + "|" : std::string();
        s += flag_names(rest, {{0x10, "MAP_FIXED"}, {0x20, "MAP_ANONYMOUS"}, {0x100, "MAP_GROWSDOWN"},
                               {0x800, "MAP_DENYWRITE"}, {0x1000, "MAP_EXECUTABLE"}, {0x2000, "MAP_LOCKED"},
                               {0x4000, "MAP_NORESERVE"}, {0x8000, "MAP_POPULATE"}, {0x10000, "MAP_NONBLOCK"},
                               {0x20000, "MAP_STACK"}, {0x40000, "MAP_HUGETLB"}, {0x80000, "MAP_SYNC"},
                               {0x100000, "MAP_FIXED_NOREPLACE"}});
    }
    return s;
}

std::string clone_flags(uint32_t flags) {
    std::string s;
    const uint32_t rest = flags & ~0xffu;
    if (rest)
        s = flag_names(rest, {{0x100, "CLONE_VM"}, {0x200, "CLONE_FS"}, {0x400, "CLONE_FILES"},
                              {0x800, "CLONE_SIGHAND"}, {0x1000, "CLONE_PIDFD"}, {0x2000, "CLONE_PTRACE"},
                              {0x4000, "CLONE_VFORK"}, {0x8000, "CLONE_PARENT"}, {0x10000, "CLONE_THREAD"},
                              {0x20000, "CLONE_NEWNS"}, {0x40000, "CLONE_SYSVSEM"}, {0x80000, "CLONE_SETTLS"},
                              {0x100000, "CLONE_PARENT_SETTID"}, {0x200000, "CLONE_CHILD_CLEARTID"},
                              {0x400000, "CLONE_DETACHED"}, {0x800000, "CLONE_UNTRACED"},
                              {0x1000000, "CLONE_CHILD_SETTID"}, {0x2000000, "CLONE_NEWCGROUP"},
                              {0x4000000, "CLONE_NEWUTS"}, {0x8000000, "CLONE_NEWIPC"}, {0x10000000, "CLONE_NEWUSER"},
                              {0x20000000, "CLONE_NEWPID"}, {0x40000000, "CLONE_NEWNET"}, {0x80000000, "CLONE_IO"}});
    if (flags & 0xff) s += (s.empty() ? "" : "|") + signal_name(static_cast<int>(flags & 0xff));
    return s.empty() ? "0" : s;
}

std::string wait_options(uint32_t options) {
    return flag_names(options, {{1, "WNOHANG"}, {2, "WUNTRACED"}, {4, "WEXITED"}, {8, "WCONTINUED"},
                                {0x01000000, "WNOWAIT"}, {0x20000000, "__WNOTHREAD"}, {0x40000000, "__WALL"},
                                {0x80000000, "__WCLONE"}});
}

std::string signal_name(int sig) {
    for (const auto& e : kLinuxI386Signals)
        if (static_cast<int>(e.nr) == sig) return e.name;
    if (sig >= 32 && sig <= 64) return "SIGRT_" + std::to_string(sig - 32);
    return std::to_string(sig);
}

std::string wait_status(uint32_t s) {
    if (s == 0xffff) return "[{WIFCONTINUED(s)}]";
    if ((s & 0x7f) == 0)
        return "[{WIFEXITED(s) && WEXITSTATUS(s) == " + std::to_string((s >> 8) & 0xff) + "}]";
    if ((s & 0xff) == 0x7f) return "[{WIFSTOPPED(s) && WSTOPSIG(s) == " + signal_name((s >> 8) & 0xff) + "}]";
    std::string r = "[{WIFSIGNALED(s) && WTERMSIG(s) == " + signal_name(s & 0x7f);
    if (s & 0x80) r += " && WCOREDUMP(s)";
    return r + "}]";
}

std::string format_result(uint32_t nr, int32_t result) {
    // The kernel's restart codes never reach a program: the call is restarted or turns
    // into EINTR. strace shows them as the kernel returned them.
    static const ErrnoEntry restart[] = {
        {512, "ERESTARTSYS", "To be restarted if SA_RESTART is set"},
        {513, "ERESTARTNOINTR", "To be restarted"},
        {514, "ERESTARTNOHAND", "To be restarted if no handler"},
        {515, "ENOIOCTLCMD", "Inappropriate ioctl for device"},
        {516, "ERESTART_RESTARTBLOCK", "Interrupted by signal"},
    };
    if (result < 0 && result >= -4095) {
        const int err = -result;
        for (const auto& e : restart)
            if (e.nr == err) return std::string(" = ? ") + e.name + " (" + e.message + ")";
        auto name = errno_name(err);
        if (name.empty()) return " = -1 E??? (Unknown error " + std::to_string(err) + ")";
        return " = -1 " + std::string(name) + " (" + std::string(errno_message(err)) + ")";
    }
    const Spec* s = spec_for(nr);
    if (s && s->hex_result) return " = " + hex(static_cast<uint32_t>(result));
    return " = " + dec(result);
}

std::string format_entry(const SyscallArgs& c, const GuestRead& read) {
    std::string s = call_name(c.nr) + "(";
    const Spec* spec = spec_for(c.nr);
    if (syscall_name(c.nr) == "clone") return s + clone_args(c);
    if (!spec) {
        for (int i = 0; i < 6; ++i) s += (i ? ", " : "") + hex(c.arg[i]);
        return s;
    }
    // Up to the first output argument; strace leaves the ", " before it on this half.
    const size_t first = first_output(c, *spec), n = shown_args(c, *spec);
    for (size_t i = 0; i < first; ++i) s += (i ? ", " : "") + format_arg(c, i, spec->args[i], read, 0);
    if (first > 0 && first < n) s += ", ";
    return s;
}

std::string format_exit(const SyscallArgs& c, int32_t result, const GuestRead& read) {
    std::string s;
    const Spec* spec = spec_for(c.nr);
    if (spec && syscall_name(c.nr) != "clone") {
        const size_t first = first_output(c, *spec), n = shown_args(c, *spec);
        for (size_t i = first; i < n; ++i) s += (i > first ? ", " : "") + format_arg(c, i, spec->args[i], read, result);
    }
    return s + ")" + format_result(c.nr, result);
}

}  // namespace forkscope
