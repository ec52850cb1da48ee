// The system call decoders (emulator/introspect/syscall_decode): names and errno names
// from the generated tables, flags by name, strings and structures read from a guest
// memory given as bytes at an address, strace's split of a call into the part shown
// at entry and the part shown at exit, results and errors. And the kernel-info table
// read from the real kernel image (FORKSCOPE_TEST_KERNEL).
#include "emulator/introspect/syscall_decode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "emulator/introspect/kernel_info.h"

namespace forkscope {
namespace {

// A task's memory: `bytes` at `base`; everything else cannot be read.
struct Memory {
    uint32_t base = 0x08050000;
    std::vector<uint8_t> bytes = std::vector<uint8_t>(8192);

    uint32_t put(uint32_t offset, const void* data, size_t n) {
        std::memcpy(bytes.data() + offset, data, n);
        return base + offset;
    }
    uint32_t put_string(uint32_t offset, const std::string& s) { return put(offset, s.c_str(), s.size() + 1); }
    uint32_t put_words(uint32_t offset, std::vector<uint32_t> w) { return put(offset, w.data(), 4 * w.size()); }

    GuestRead reader() const {
        return [this](uint32_t vaddr, std::span<uint8_t> out) {
            if (vaddr < base || uint64_t{vaddr} + out.size() > uint64_t{base} + bytes.size()) return false;
            std::memcpy(out.data(), bytes.data() + (vaddr - base), out.size());
            return true;
        };
    }
};

uint32_t nr(const char* name) {
    auto n = syscall_number(name);
    EXPECT_TRUE(n.has_value()) << name;
    return n.value_or(0);
}

SyscallArgs call(const char* name, std::vector<uint32_t> args) {
    SyscallArgs c;
    c.nr = nr(name);
    for (size_t i = 0; i < args.size(); ++i) c.arg[i] = args[i];
    return c;
}

std::string whole(const SyscallArgs& c, int32_t result, const Memory& m) {
    return format_entry(c, m.reader()) + format_exit(c, result, m.reader());
}

TEST(SyscallNames, LinuxI386NumbersFromTheHeaders) {
    EXPECT_EQ(syscall_name(1), "exit");
    EXPECT_EQ(syscall_name(2), "fork");
    EXPECT_EQ(syscall_name(11), "execve");
    EXPECT_EQ(syscall_name(114), "wait4");
    EXPECT_EQ(syscall_name(120), "clone");
    EXPECT_EQ(syscall_name(192), "mmap2");
    EXPECT_EQ(syscall_name(252), "exit_group");
    EXPECT_EQ(syscall_name(383), "statx");
    EXPECT_EQ(syscall_name(0x1f3), "");
    EXPECT_EQ(syscall_number("vfork"), 190u);
    EXPECT_FALSE(syscall_number("forkk").has_value());
    EXPECT_EQ(call_name(0x1f3), "syscall_0x1f3");
}

TEST(SyscallNames, ErrnoNamesAndMessages) {
    EXPECT_EQ(errno_name(2), "ENOENT");
    EXPECT_EQ(errno_message(2), "No such file or directory");
    EXPECT_EQ(errno_name(38), "ENOSYS");
    EXPECT_EQ(errno_name(14), "EFAULT");
    EXPECT_EQ(errno_name(4095), "");
    EXPECT_EQ(signal_name(17), "SIGCHLD");
    EXPECT_EQ(signal_name(6), "SIGABRT");
    EXPECT_EQ(signal_name(9), "SIGKILL");
    EXPECT_EQ(signal_name(34), "SIGRT_2");
    EXPECT_EQ(signal_name(0), "0");
}

TEST(SyscallFlags, OpenFlags) {
    EXPECT_EQ(open_flags(0), "O_RDONLY");
    EXPECT_EQ(open_flags(01 | 0100 | 01000), "O_WRONLY|O_CREAT|O_TRUNC");
    EXPECT_EQ(open_flags(02 | 02000000), "O_RDWR|O_CLOEXEC");
    EXPECT_EQ(open_flags(0200000 | 0100000), "O_RDONLY|O_LARGEFILE|O_DIRECTORY");
    EXPECT_EQ(open_flags(04010000), "O_RDONLY|O_SYNC");
    EXPECT_EQ(open_flags(0x80000000), "O_RDONLY|0x80000000");
}

TEST(SyscallFlags, MmapProtAndFlags) {
    EXPECT_EQ(mmap_prot(0), "PROT_NONE");
    EXPECT_EQ(mmap_prot(3), "PROT_READ|PROT_WRITE");
    EXPECT_EQ(mmap_prot(5), "PROT_READ|PROT_EXEC");
    EXPECT_EQ(mmap_flags(0x22), "MAP_PRIVATE|MAP_ANONYMOUS");
    EXPECT_EQ(mmap_flags(0x01), "MAP_SHARED");
    EXPECT_EQ(mmap_flags(0x32), "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS");
    EXPECT_EQ(mmap_flags(0x20), "MAP_ANONYMOUS");
}

TEST(SyscallFlags, CloneFlagsEndInTheExitSignal) {
    EXPECT_EQ(clone_flags(17), "SIGCHLD");
    EXPECT_EQ(clone_flags(0x4000 | 0x100 | 17), "CLONE_VM|CLONE_VFORK|SIGCHLD");
    EXPECT_EQ(clone_flags(0x01000000 | 0x00200000 | 17), "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
    EXPECT_EQ(clone_flags(0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x80000),
              "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SETTLS");
    EXPECT_EQ(clone_flags(0), "0");
}

TEST(SyscallFlags, WaitOptionsAndStatus) {
    EXPECT_EQ(wait_options(0), "0");
    EXPECT_EQ(wait_options(1), "WNOHANG");
    EXPECT_EQ(wait_options(1 | 0x40000000), "WNOHANG|__WALL");
    EXPECT_EQ(wait_status(7 << 8), "[{WIFEXITED(s) && WEXITSTATUS(s) == 7}]");
    EXPECT_EQ(wait_status(9), "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}]");
    EXPECT_EQ(wait_status(11 | 0x80), "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}]");
    EXPECT_EQ(wait_status(19 << 8 | 0x7f), "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}]");
    EXPECT_EQ(wait_status(0xffff), "[{WIFCONTINUED(s)}]");
}

TEST(SyscallStrings, EscapedAndCutAsStraceDoes) {
    const std::string s = "a\"b\\c\n\t\x01\x7f";
    EXPECT_EQ(quoted_string(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()), false),
              "\"a\\\"b\\\\c\\n\\t\\1\\177\"");
    EXPECT_EQ(quoted_string({}, true), "\"\"...");
}

TEST(SyscallResults, ErrorsByNameWithTheirMessage) {
    EXPECT_EQ(format_result(nr("open"), 3), " = 3");
    EXPECT_EQ(format_result(nr("open"), -2), " = -1 ENOENT (No such file or directory)");
    EXPECT_EQ(format_result(0x1f3, -38), " = -1 ENOSYS (Function not implemented)");
    EXPECT_EQ(format_result(nr("wait4"), -512), " = ? ERESTARTSYS (To be restarted if SA_RESTART is set)");
    EXPECT_EQ(format_result(nr("read"), -4000), " = -1 E??? (Unknown error 4000)");
    EXPECT_EQ(format_result(nr("brk"), 0x0804c000), " = 0x804c000");
    EXPECT_EQ(format_result(nr("mmap2"), static_cast<int32_t>(0xb7fff000u)), " = 0xb7fff000");
    EXPECT_EQ(format_result(nr("getpid"), -5000), " = -5000");  // not an error: below -4095
}

TEST(SyscallArgs, OpenShowsThePathAndModeOnlyWithOCreat) {
    Memory m;
    const uint32_t path = m.put_string(0, "/etc/motd");
    EXPECT_EQ(whole(call("open", {path, 0, 0644}), 3, m), "open(\"/etc/motd\", O_RDONLY) = 3");
    EXPECT_EQ(whole(call("open", {path, 01 | 0100 | 01000, 0644}), -30, m),
              "open(\"/etc/motd\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 EROFS (Read-only file system)");
    EXPECT_EQ(whole(call("openat", {static_cast<uint32_t>(-100), path, 0}), 4, m),
              "openat(AT_FDCWD, \"/etc/motd\", O_RDONLY) = 4");
}

TEST(SyscallArgs, BadPointersShowAsTheirAddress) {
    Memory m;
    EXPECT_EQ(whole(call("open", {0x1, 0}), -14, m), "open(0x1, O_RDONLY) = -1 EFAULT (Bad address)");
    EXPECT_EQ(whole(call("open", {0, 0}), -14, m), "open(NULL, O_RDONLY) = -1 EFAULT (Bad address)");
    EXPECT_EQ(whole(call("execve", {0xc0000000, 0x10, 0}), -14, m), "execve(0xc0000000, 0x10, NULL) = -1 EFAULT (Bad address)");
    // A string that runs into memory that cannot be read is cut there.
    const uint32_t end = m.base + static_cast<uint32_t>(m.bytes.size()) - 3;
    m.put(m.bytes.size() - 3, "abc", 3);
    EXPECT_EQ(whole(call("unlink", {end}), -2, m), "unlink(\"abc\"...) = -1 ENOENT (No such file or directory)");
}

TEST(SyscallArgs, ExecveShowsArgvAndCountsTheEnvironment) {
    Memory m;
    const uint32_t path = m.put_string(0, "/bin/echo");
    const uint32_t a0 = m.put_string(16, "echo"), a1 = m.put_string(32, "a \"b\"");
    const uint32_t e0 = m.put_string(48, "HOME=/"), e1 = m.put_string(64, "TERM=linux");
    const uint32_t argv = m.put_words(128, {a0, a1, 0});
    const uint32_t envp = m.put_words(160, {e0, e1, 0});
    char env_hex[32];
    std::snprintf(env_hex, sizeof env_hex, "0x%x", envp);
    EXPECT_EQ(whole(call("execve", {path, argv, envp}), 0, m),
              std::string("execve(\"/bin/echo\", [\"echo\", \"a \\\"b\\\"\"], ") + env_hex + " /* 2 vars */) = 0");
}

TEST(SyscallArgs, WriteShowsAtMost32BytesAndReadShowsWhatCameBack) {
    Memory m;
    const std::string text(40, 'x');
    const uint32_t buf = m.put(0, text.data(), text.size());
    EXPECT_EQ(whole(call("write", {1, buf, 3}), 3, m), "write(1, \"xxx\", 3) = 3");
    EXPECT_EQ(whole(call("write", {1, buf, 40}), 40, m), "write(1, \"" + std::string(32, 'x') + "\"..., 40) = 40");
    m.put(0, "hi\n", 3);
    const SyscallArgs r = call("read", {0, buf, 100});
    EXPECT_EQ(format_entry(r, m.reader()), "read(0, ");
    EXPECT_EQ(format_exit(r, 3, m.reader()), "\"hi\\n\", 100) = 3");
    EXPECT_EQ(format_exit(r, -11, m.reader()).substr(0, 12), "0x8050000, 1");
}

TEST(SyscallArgs, Wait4DecodesTheStatusAtExit) {
    Memory m;
    const uint32_t status = m.put_words(0, {3 << 8});
    const SyscallArgs w = call("wait4", {static_cast<uint32_t>(-1), status, 0, 0});
    EXPECT_EQ(format_entry(w, m.reader()), "wait4(-1, ");
    EXPECT_EQ(format_exit(w, 5, m.reader()), "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 5");
    EXPECT_EQ(whole(call("wait4", {static_cast<uint32_t>(-1), 0, 1, 0}), -10, m),
              "wait4(-1, NULL, WNOHANG, NULL) = -1 ECHILD (No child processes)");
}

TEST(SyscallArgs, CloneForkMmapPipeTimespec) {
    Memory m;
    EXPECT_EQ(whole(call("clone", {17, 0, 0, 0, 0}), 4, m), "clone(child_stack=NULL, flags=SIGCHLD) = 4");
    EXPECT_EQ(whole(call("clone", {0x01200011, 0, 0, 0, 0x80c1b28}), 5, m),
              "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x80c1b28) = 5");
    EXPECT_EQ(whole(call("fork", {}), 3, m), "fork() = 3");
    EXPECT_EQ(whole(call("mmap2", {0, 8192, 3, 0x22, static_cast<uint32_t>(-1), 0}), static_cast<int32_t>(0x40000000), m),
              "mmap2(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x40000000");
    const uint32_t fds = m.put_words(0, {3, 4});
    EXPECT_EQ(whole(call("pipe", {fds}), 0, m), "pipe([3, 4]) = 0");
    EXPECT_EQ(whole(call("pipe2", {fds, 02000000}), 0, m), "pipe2([3, 4], O_CLOEXEC) = 0");
    EXPECT_EQ(whole(call("pipe2", {fds, 0}), 0, m), "pipe2([3, 4], 0) = 0");
    // Bits pipe2 has no name for, the access mode's among them, are shown, not cut.
    EXPECT_EQ(whole(call("pipe2", {0, 04003}), -22, m), "pipe2(NULL, O_NONBLOCK|0x3) = -1 EINVAL (Invalid argument)");
    EXPECT_EQ(whole(call("pipe2", {0, 2}), -22, m), "pipe2(NULL, 0x2) = -1 EINVAL (Invalid argument)");
    const uint32_t ts = m.put_words(16, {1, 500});
    EXPECT_EQ(whole(call("nanosleep", {ts, 0}), 0, m), "nanosleep({tv_sec=1, tv_nsec=500}, NULL) = 0");
    EXPECT_EQ(whole(call("kill", {3, 9}), 0, m), "kill(3, SIGKILL) = 0");
    EXPECT_EQ(whole(call("fcntl64", {3, 1, 99}), 1, m), "fcntl64(3, F_GETFD) = 1");
    EXPECT_EQ(whole(call("fcntl64", {3, 2, 1}), 0, m), "fcntl64(3, F_SETFD, 0x1) = 0");
    EXPECT_EQ(whole(call("futex", {0x8050000, 128, 1, 0}), 0, m), "futex(0x8050000, FUTEX_WAIT_PRIVATE, 1, NULL) = 0");
}

TEST(SyscallArgs, UnknownNumbersShowSixHexArguments) {
    Memory m;
    SyscallArgs c;
    c.nr = 0x1f3;
    c.arg[0] = 1;
    EXPECT_EQ(whole(c, -38, m), "syscall_0x1f3(0x1, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)");
}

TEST(SyscallNames, NeverReturning) {
    EXPECT_TRUE(syscall_never_returns(nr("exit")));
    EXPECT_TRUE(syscall_never_returns(nr("exit_group")));
    EXPECT_FALSE(syscall_never_returns(nr("execve")));
}

std::vector<uint8_t> read_file(const char* path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

TEST(KernelInfo, TheRealKernelExportsItsLayout) {
    const char* path = std::getenv("FORKSCOPE_TEST_KERNEL");
    if (!path) GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL is not set (run through meson test)";
    auto elf = read_file(path);
    ASSERT_FALSE(elf.empty()) << path;
    auto info = read_kernel_info(elf);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_GE(info->current_task, 0xC0100000u);   // kernel data
    EXPECT_EQ(info->task_comm_len, 16u);          // TASK_COMM_LEN
    EXPECT_NE(info->task_pid, info->task_tgid);
}

TEST(KernelInfo, ImagesWithoutTheTableAreRefused) {
    std::vector<uint8_t> junk(64, 0);
    auto r = read_kernel_info(junk);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("not an ELF32"), std::string::npos) << r.error().message;
    const char* path = std::getenv("FORKSCOPE_TEST_KERNEL");
    if (!path) return;
    auto elf = read_file(path);
    // The same kernel with the section's name changed: the table is not found.
    const std::string name = ".forkscope_info";
    auto it = std::find_end(elf.begin(), elf.end(), name.begin(), name.end());  // in .shstrtab, near the end
    ASSERT_NE(it, elf.end());
    (*(it + 1)) = 'X';
    auto missing = read_kernel_info(elf);
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("has no .forkscope_info section"), std::string::npos)
        << missing.error().message;
}

}  // namespace
}  // namespace forkscope
