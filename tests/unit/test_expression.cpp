// print EXPR on the real kernel image. First against gdb itself: gdb reads the kernel
// ELF's initialised data with no process, and so does the evaluator here (a ReadMemory
// over the image's PT_LOAD segments), so `print init_task`, struct and function-pointer
// tables, string arrays, casts, pointer arithmetic and gdb's error messages must come
// out byte for byte the same. Then at a stop of the running kernel: registers,
// locals, and the errors only a live frame has.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "emulator/elf32.h"
#include "tests/unit/var_fixture.h"

namespace forkscope::testing {
namespace {

// The image's memory as its loader would lay it out: file bytes, then zeros (.bss).
ReadMemory image_memory(const std::vector<uint8_t>& elf) {
    return [&elf](uint32_t vaddr, std::span<uint8_t> out) {
        const elf32::Header h = elf32::read_header(elf);
        for (size_t i = 0; i < out.size(); ++i) {
            const uint32_t a = vaddr + static_cast<uint32_t>(i);
            bool found = false;
            for (uint64_t p = 0; p < h.phnum && !found; ++p) {
                const elf32::ProgramHeader ph = elf32::read_program_header(elf, h, p);
                if (ph.type != 1 || a < ph.vaddr || a >= ph.vaddr + ph.memsz) continue;  // PT_LOAD
                const uint64_t off = a - ph.vaddr;
                out[i] = off < ph.filesz ? elf[ph.offset + off] : 0;
                found = true;
            }
            if (!found) return false;
        }
        return true;
    };
}

// gdb -batch on the kernel file: each expression's `print` output ("$N = " removed) or
// its error line.
std::vector<std::string> gdb_prints(const std::vector<std::string>& exprs) {
    const std::string script = ::testing::TempDir() + "/print_exprs.gdb";
    std::string cmd = "gdb -batch -nx";
    for (const std::string& e : exprs) {
        std::string quoted;
        for (char c : e) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        cmd += " -ex 'echo @@@\\n' -ex 'print " + quoted + "'";
    }
    cmd += " " + std::string(std::getenv("FORKSCOPE_TEST_KERNEL")) + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    while (p && std::fgets(buf, sizeof buf, p)) out += buf;
    if (p) ::pclose(p);
    std::vector<std::string> results;
    size_t at = out.find("@@@\n");
    while (at != std::string::npos) {
        const size_t next = out.find("@@@\n", at + 4);
        std::string r = out.substr(at + 4, next == std::string::npos ? std::string::npos : next - at - 4);
        while (!r.empty() && r.back() == '\n') r.pop_back();
        if (r.starts_with("$")) r = r.substr(r.find(" = ") + 3);
        results.push_back(r);
        at = next;
    }
    return results;
}

bool have_gdb() { return std::system("gdb --version > /dev/null 2>&1") == 0; }

class ImageExpressionTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL")) GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL is not set (run through meson test)";
        kernel = read_file("FORKSCOPE_TEST_KERNEL");
        auto s = KernelSymbols::read(kernel);
        ASSERT_TRUE(s.ok()) << s.error().message;
        symbols = std::make_unique<KernelSymbols>(std::move(*s));
        auto d = DebugInfo::read(kernel, "kernel.elf");
        ASSERT_TRUE(d.ok()) << d.error().message;
        info = std::make_unique<DebugInfo>(std::move(*d));
    }

    std::string print(const std::string& expr) {
        const ReadMemory mem = image_memory(kernel);
        auto v = evaluate_expression(expr, ExpressionContext{*info, nullptr, mem});
        if (!v) return v.error().message;
        return format_value(*v, FormatOptions{mem, symbols.get(), nullptr});
    }

    std::vector<uint8_t> kernel;
    std::unique_ptr<KernelSymbols> symbols;
    std::unique_ptr<DebugInfo> info;
};

TEST_F(ImageExpressionTest, PrintsAsGdbDoesOnTheImage) {
    if (!have_gdb()) GTEST_SKIP() << "gdb is not installed (the oracle of this test)";
    const std::vector<std::string> exprs = {
        // Whole structs: nested structs and unions, arrays with repeats, char arrays
        // with their NULs, pointers to kernel objects by symbol.
        "init_task", "init_mm", "init_task.comm", "init_task.exec_path", "init_task.thread", "init_task.pending",
        // Tables: function pointers by symbol, char pointers with their strings, enums.
        "tty_fops", "ramfs_dir_inode_operations", "root_entries", "pid_entries", "exception_names", "signal_names",
        "shared_kinds", "fault_site_names", "trap_signals",
        // Elements, members, addresses, casts, pointer arithmetic.
        "sys_call_table[2]", "&sys_call_table[2]", "sys_call_table + 3", "*sys_call_table",
        "init_task.comm[0]", "&init_task.pid", "init_task.comm + 1", "*&init_task.thread.tls_array[1]",
        "exception_names + 1", "*exception_names[1]", "exception_names[14]", "&exception_names[3] - &exception_names[0]",
        "init_task.active_mm", "*init_task.active_mm", "init_task.active_mm->pgd", "init_mm.pgd[768]",
        "&init_task", "(struct task_struct *)&init_mm", "((struct task_struct *)&init_task)->usage", "(long)&init_task",
        "(char *)&init_task.comm", "(unsigned char *)&init_task.comm", "(void *)&init_task", "&init_task.tasks",
        "init_task.tasks", "init_task.user", "*init_task.user",
        "do_fork", "&do_fork", "*do_fork", "copy_process",
        // sizeof, literals, arithmetic, comparisons.
        "sizeof(struct task_struct)", "sizeof init_task", "sizeof(struct page)", "sizeof(unsigned long)", "sizeof(pte_t)",
        "(char)65", "(unsigned char)300", "(unsigned long)-1", "(char)-56", "0xc0000000", "07", "'a'", "'\\n'", "'\\0'",
        "5 - 7", "10 % 3", "7 / 2", "-7 / 2", "~0", "!5", "1 << 4", "3 > 2", "-1 < 0u", "-1 == 0xffffffff", "2 + 3 * 4",
        "(2 + 3) * 4", "1 && 0", "1 || 0", "6 & 3", "6 | 3", "6 ^ 3", "-(3)", "init_task.pid == 0",
        // gdb's errors.
        "nosuch", "init_task.nosuch", "init_task.pid.x", "1 +", "init_task.comm[", "(struct nosuch *)0", "1/0",
        "*(int *)0", "*init_task.pid", "09", "$eax", "((struct task_struct *)0)->pid",
    };
    const std::vector<std::string> want = gdb_prints(exprs);
    ASSERT_EQ(want.size(), exprs.size()) << "gdb's output did not split into one answer per expression";
    int differ = 0;
    for (size_t i = 0; i < exprs.size(); ++i) {
        const std::string got = print(exprs[i]);
        EXPECT_EQ(got, want[i]) << "print " << exprs[i];
        differ += got != want[i];
    }
    EXPECT_EQ(differ, 0);
}

}  // namespace
}  // namespace forkscope::testing
