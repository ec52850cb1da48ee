// print EXPR on the real kernel image. First against gdb itself: gdb reads the kernel
// ELF's initialised data with no process, and so does the evaluator here (a ReadMemory
// over the image's PT_LOAD segments), so `print init_task`, struct and function-pointer
// tables, string arrays, casts, pointer arithmetic and gdb's error messages must come
// out byte for byte the same. Then at a stop of the running kernel: registers,
// locals, and the errors only a live frame has.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "emulator/debug/source_map.h"
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
std::vector<std::string> gdb_prints(const std::string& elf, const std::vector<std::string>& exprs) {
    std::string cmd = "gdb -batch -nx";
    for (const std::string& e : exprs) {
        std::string quoted;
        for (char c : e) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        // "/x EXPR" is print/x.
        cmd += std::string(" -ex 'echo @@@\\n' -ex 'print") + (quoted.starts_with("/") ? "" : " ") + quoted + "'";
    }
    cmd += " " + elf + " 2>&1";
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
    // The ELF file the environment variable names: its symbols and DWARF.
    void open(const char* env) {
        if (!std::getenv(env)) GTEST_SKIP() << env << " is not set (run through meson test)";
        elf_path = std::getenv(env);
        elf = read_file(env);
        auto s = KernelSymbols::read(elf);
        ASSERT_TRUE(s.ok()) << s.error().message;
        symbols = std::make_unique<KernelSymbols>(std::move(*s));
        auto d = DebugInfo::read(elf, elf_path);
        ASSERT_TRUE(d.ok()) << d.error().message;
        info = std::make_unique<DebugInfo>(std::move(*d));
    }

    std::string print(const std::string& text) {
        const bool hex = text.starts_with("/x ");
        const std::string expr = hex ? text.substr(3) : text;
        const ReadMemory mem = image_memory(elf);
        auto v = evaluate_expression(expr, ExpressionContext{*info, nullptr, mem});
        if (!v) return v.error().message;
        return format_value(*v, FormatOptions{mem, symbols.get(), nullptr, hex ? 'x' : '\0'});
    }

    // Every expression printed as gdb prints it on the same file.
    void expect_as_gdb(const std::vector<std::string>& exprs) {
        if (!have_gdb()) GTEST_SKIP() << "gdb is not installed (the oracle of this test)";
        const std::vector<std::string> want = gdb_prints(elf_path, exprs);
        ASSERT_EQ(want.size(), exprs.size()) << "gdb's output did not split into one answer per expression";
        int differ = 0;
        for (size_t i = 0; i < exprs.size(); ++i) {
            const std::string got = print(exprs[i]);
            EXPECT_EQ(got, want[i]) << "print " << exprs[i];
            differ += got != want[i];
        }
        EXPECT_EQ(differ, 0);
    }

    std::string elf_path;
    std::vector<uint8_t> elf;
    std::unique_ptr<KernelSymbols> symbols;
    std::unique_ptr<DebugInfo> info;
};

TEST_F(ImageExpressionTest, PrintsAsGdbDoesOnTheKernel) {
    open("FORKSCOPE_TEST_KERNEL");
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
        // Defined in assembly, typed by their extern declarations.
        "swapper_pg_dir", "&swapper_pg_dir", "swapper_pg_dir + 1", "sizeof(swapper_pg_dir)", "(int)swapper_pg_dir",
        "(struct page *)swapper_pg_dir", "system_call", "&system_call", "init_stack", "&init_stack", "(int)init_stack",
        "init_stack + 1", "*mem_map@2", "init_task.comm[0]@7", "init_task.pid@0",
        // sizeof, literals, arithmetic, comparisons.
        "sizeof(struct task_struct)", "sizeof init_task", "sizeof(struct page)", "sizeof(unsigned long)", "sizeof(pte_t)",
        "(char)65", "(unsigned char)300", "(unsigned long)-1", "(char)-56", "0xc0000000", "07", "'a'", "'\\n'", "'\\0'",
        "5 - 7", "10 % 3", "7 / 2", "-7 / 2", "~0", "!5", "1 << 4", "3 > 2", "-1 < 0u", "-1 == 0xffffffff", "2 + 3 * 4",
        "(2 + 3) * 4", "1 && 0", "1 || 0", "6 & 3", "6 | 3", "6 ^ 3", "-(3)", "init_task.pid == 0",
        // gdb's errors.
        "nosuch", "init_task.nosuch", "init_task.pid.x", "1 +", "init_task.comm[", "(struct nosuch *)0", "1/0",
        "*(int *)0", "*init_task.pid", "09", "$eax", "((struct task_struct *)0)->pid",
    };
    expect_as_gdb(exprs);
}

TEST(DebugInfoRead, AnImageWithoutDwarfIsRefused) {
    if (!std::getenv("FORKSCOPE_TEST_STRIPPED_KERNEL")) GTEST_SKIP() << "run through meson test";
    auto stripped = DebugInfo::read(read_file("FORKSCOPE_TEST_STRIPPED_KERNEL"), "kernel-stripped.elf");
    ASSERT_FALSE(stripped.ok());
    EXPECT_EQ(stripped.error().kind, ErrorKind::BadImage);
    EXPECT_NE(stripped.error().message.find("kernel-stripped.elf: has no debug information"), std::string::npos)
        << stripped.error().message;
    const std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o'};
    auto bad = DebugInfo::read(text, "hello.txt");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message, "hello.txt: not an ELF file");
}

TEST_F(ImageExpressionTest, PrintsEveryKindOfValueAsGdbDoes) {
    open("FORKSCOPE_TEST_VALUES_ELF");
    expect_as_gdb({
        // Bitfields, anonymous unions and structs, enums (flag enums decomposed).
        "bits", "bits.b", "bits.d + 1", "bits.e", "anon", "anon.y", "anon.z", "anon.s2", "anon.z[1]", "colors", "colors[1]",
        "(enum color)5", "(enum color)7", "flag_values", "(enum flag)6", "flag_values[1]", "sizeof(struct bits)",
        "sizeof(struct anon)",
        // Character arrays: escapes, repeats, NULs, octal before digits, high bytes.
        "text", "zeros", "run", "digits_after_nul", "high", "negative_chars", "full", "empty", "text[0]", "&text[7]",
        "text + 7", "ch", "nl", "nul", "quote", "ch == 'x'",
        // Arrays: repeats at gdb's threshold, the 200-element limit, two dimensions.
        "big", "grid", "grid[1]", "grid[1][2]", "&grid[1][2] - &grid[0][0]", "almost_repeats", "repeats", "ip[-1]", "*ip",
        // Pointers: strings behind char pointers, the 200-character limit, unreadable
        // strings, function pointers, typedefs, const and volatile.
        "names", "*names", "names[2]", "long_string", "bad_string", "*bad_string", "fnptr", "*fnptr", "null_fnptr",
        "square", "&square", "n1", "*n1.next", "n1.next->v", "n1.next->next", "wa", "wa.nodes[1].next->next->v",
        "sizeof wa", "flex", "flex.name", "int_flex", "sizeof(flex)", "typed", "&typed", "sizeof(node_t)", "typed_int", "(u32)-1", "(node_t *)vp", "((node_t *)vp)->next",
        "*(struct node *)vp", "vp", "*vp", "nullp", "*nullp", "nullp->a", "const_int", "&const_int", "volatile_int",
        // Integers of every size and sign.
        "ll", "ull", "-ll", "ull + 1", "ul", "neg", "ss", "us", "us + 1", "sc", "sc * 2", "yes", "no", "!yes",
        // gdb's @.
        "grid[0][0]@4", "*names@2", "text[0]@5", "big[150]@3", "n1.v@0", "1@2", "grid[0][0]@2+1",
        "sizeof(grid[0][0]@4)", "(grid[0][0]@2)[1]", "n1@2",
        // Symbols without debug information.
        "nodebug_word", "(int)nodebug_word", "(short)nodebug_word", "&nodebug_word", "nodebug_word + 1", "nodebug_fn",
        "&nodebug_fn", "*(int *)&nodebug_word",
        // print/x.
        "/x neg", "/x sc", "/x ll", "/x bits", "/x wa", "/x colors", "/x fnptr", "/x &typed", "/x yes", "/x text",
    });
}


std::string hex(uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%x", v);
    return b;
}

using LiveExpressionTest = KernelStopTest;

TEST_F(LiveExpressionTest, RegistersArgumentsAndErrorsAtCopyProcess) {
    reach("copy_process#2");
    const CpuRegisters r = regs();
    EXPECT_EQ(print("$eip"), "(void (*)()) " + hex(r.eip) + " <copy_process>");
    EXPECT_EQ(print("$pc"), print("$eip"));
    EXPECT_EQ(print("$esp"), "(void *) " + hex(r.esp));
    EXPECT_EQ(print("$sp"), print("$esp"));
    EXPECT_EQ(print("$ebp"), "(void *) " + hex(r.ebp));
    EXPECT_EQ(print("$eax"), std::to_string(static_cast<int32_t>(r.eax)));
    EXPECT_EQ(print("$nosuch"), "void");  // an unset convenience variable, as gdb has it
    // Arguments where the ABI put them, through expressions.
    EXPECT_EQ(print("$eax == clone_flags"), "1");
    EXPECT_EQ(print("*(int *)($esp + 12) == pid"), "1");  // void * arithmetic counts bytes
    EXPECT_EQ(print("&pid"), "(int *) " + hex(r.esp + 12));
    EXPECT_EQ(print("*&pid"), print("pid"));
    EXPECT_EQ(print("&clone_flags"), "Address requested for identifier \"clone_flags\" which is in register $eax");
    EXPECT_EQ(print("clone_flags & 0xff"), "17");
    EXPECT_EQ(print("(char)clone_flags"), "17 '\\021'");
    EXPECT_EQ(print("clone_flags - 20"), "4294967293");  // unsigned long arithmetic
    // The user registers fork saved: an anonymous union's member, ring 3 code.
    EXPECT_EQ(print("regs->orig_eax == 2 || regs->orig_eax == 120"), "1");
    EXPECT_EQ(print("regs->cs & 3"), "3");
    EXPECT_EQ(print("regs->eip < 0xc0000000 || regs->eip >= 0xffffe000"), "1");  // or the vDSO
    EXPECT_EQ(print("sizeof(*regs) == sizeof(struct pt_regs)"), "1");
    // A static function by name.
    auto nr = symbols->lookup("nr_processes");
    ASSERT_TRUE(nr.ok());
    EXPECT_EQ(print("nr_processes"), "{int (void)} " + hex(nr->address) + " <nr_processes>");
    // gdb's errors.
    EXPECT_EQ(print("p->pid"), "value has been optimized out");
    EXPECT_EQ(print("CLONE_VM"), "No symbol \"CLONE_VM\" in current context.");  // a macro: not in DWARF
    EXPECT_EQ(print("current_task->nosuch"), "There is no member named nosuch.");
    EXPECT_EQ(print("(struct nosuch *)0"), "No struct type named nosuch.");
    EXPECT_EQ(print("clone_flags.x"), "Attempt to extract a component of a value that is not a structure.");
    EXPECT_EQ(print("clone_flags[0]"), "cannot subscript something of type `unsigned long'");
    EXPECT_EQ(print("*clone_flags"), "Cannot access memory at address 0x11");
    EXPECT_EQ(print("current_task->"), "A syntax error in expression, near `'.");
    EXPECT_EQ(print("(struct task_struct *"), "A syntax error in expression, near `'.");
    EXPECT_EQ(print("pid )"), "A syntax error in expression, near `)'.");
    EXPECT_EQ(print("pid # 1"), "A syntax error in expression, near `# 1'.");
    EXPECT_EQ(print(""), "A syntax error in expression, near `'.");
}

TEST_F(LiveExpressionTest, AnOuterFrameHasItsOwnScope) {
    reach("copy_process#2");
    auto up = info->caller(frame0(), memory());
    ASSERT_TRUE(up);
    EXPECT_EQ(print("pid", &*up), print("pid"));  // do_fork's local, copy_process's argument
    EXPECT_EQ(print("$eax", &*up), "<optimized out>");  // call-clobbered: lost in the caller
    auto df = symbols->lookup("do_fork");
    ASSERT_TRUE(df.ok());
    EXPECT_EQ(print("$eip", &*up), "(void (*)()) " + hex(up->pc) + " <do_fork+" + std::to_string(up->pc - df->address) + ">");
    EXPECT_EQ(print("$esp", &*up), "(void *) " + hex(regs().esp + 4));
    EXPECT_EQ(print("retval", &*up), "No symbol \"retval\" in current context.");  // copy_process's
}

TEST_F(LiveExpressionTest, AnInlinedFunctionIsAFrameOfItsOwn) {
    reach("copy_process#2");
    // An instruction of copy_process inside an inlined list_add_tail (or the __list_add
    // inlined in it), where its first argument has a location.
    auto map = SourceMap::read(kernel, "kernel.elf");
    ASSERT_TRUE(map.ok());
    auto cp = symbols->lookup("copy_process");
    ASSERT_TRUE(cp.ok());
    std::vector<uint32_t> stops;
    for (uint32_t a = cp->address; a < cp->address + cp->size; ++a) {
        const auto fns = map->functions_at(a);
        if (fns.size() < 2 || (fns[0] != "list_add_tail" && fns[0] != "__list_add")) continue;
        Frame f;  // registers of no value: only whether the argument is in one matters
        f.pc = a;
        for (auto& r : f.regs) r = 0;
        const auto vars = info->arguments(f, memory());
        if (!vars.empty() && vars[0].value.state != ValueState::OptimizedOut && vars[0].value.reg) stops.push_back(a);
    }
    ASSERT_FALSE(stops.empty());
    for (uint32_t a : stops) ASSERT_TRUE(machine->add_stop_address(a).ok());
    bool there = false;
    for (int i = 0; i < 200 && !there; ++i) {
        auto s = machine->resume();
        ASSERT_TRUE(s.ok());
        there = std::find(stops.begin(), stops.end(), s->eip) != stops.end();
    }
    ASSERT_TRUE(there);
    const Frame f = frame0();
    const std::string fn = info->function_at(f);
    const auto vars = info->arguments(f, memory());
    if (fn == "list_add_tail") {
        ASSERT_EQ(vars.size(), 2u);
        EXPECT_EQ(vars[0].name, "n");
        EXPECT_EQ(vars[1].name, "head");
    } else {
        ASSERT_EQ(fn, "__list_add");
        ASSERT_EQ(vars.size(), 3u);
        EXPECT_EQ(vars[1].name, "prev");
    }
    ASSERT_TRUE(vars[0].value.available());
    EXPECT_EQ(type_name(vars[0].value.type), "struct list_head *");
    // Its own scope: copy_process's p is not visible from the inlined function (gdb
    // looks no further than the function a block belongs to); the globals are.
    EXPECT_EQ(print("p"), "No symbol \"p\" in current context.");
    EXPECT_EQ(print("n == n->next || n->next != 0"), "1");
    EXPECT_NE(print("max_threads"), "No symbol \"max_threads\" in current context.");
}

}  // namespace
}  // namespace forkscope::testing
