// The guest kernel's variables from DWARF at stops of the real kernel running
// /bin/forktest (copy_process#2, return:dup_task_struct#2 and fork#1 are the program's
// first fork; #1 is init's fork that started it): info args and info locals checked
// against the registers and stack slots the i386 ABI puts them in (copy_process is
// static, so gcc passes its first three arguments in EAX, EDX and ECX), a caller's
// frame through the CFI, entry values from the caller's call site, lexical blocks,
// optimized-out variables, and kernel objects decoded against the KernelView snapshot.
#include <cstdio>

#include "emulator/debug/backtrace.h"
#include "emulator/debug/dwarf_expr.h"
#include "emulator/debug/source_map.h"
#include "tests/unit/var_fixture.h"

namespace forkscope::testing {
namespace {

using VariablesTest = KernelStopTest;

std::string hex(uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%x", v);
    return b;
}

std::vector<std::string> names(const std::vector<Variable>& vars) {
    std::vector<std::string> n;
    for (const Variable& v : vars) n.push_back(v.name);
    return n;
}

const Variable* find(const std::vector<Variable>& vars, const std::string& name) {
    for (const Variable& v : vars)
        if (v.name == name) return &v;
    return nullptr;
}

TEST_F(VariablesTest, ArgumentsAtCopyProcessEntryAreWhereTheAbiPutsThem) {
    reach("copy_process#2");
    const CpuRegisters r = regs();
    const auto vars = info->arguments(frame0(), memory());
    EXPECT_EQ(names(vars), (std::vector<std::string>{"clone_flags", "stack_start", "regs", "parent_tidptr",
                                                      "child_tidptr", "pid"}));
    ASSERT_EQ(vars.size(), 6u);
    for (const Variable& v : vars) ASSERT_TRUE(v.value.available()) << v.name;
    // Registers for the first three (gcc's regparm for a local function), then the
    // stack above the return address for the rest.
    EXPECT_EQ(vars[0].value.as_unsigned(), r.eax);
    EXPECT_EQ(vars[0].value.reg, kEax);
    EXPECT_EQ(vars[1].value.as_unsigned(), r.edx);
    EXPECT_EQ(vars[2].value.as_unsigned(), r.ecx);
    EXPECT_EQ(vars[3].value.as_unsigned(), word(r.esp + 4));
    EXPECT_EQ(vars[3].value.address, r.esp + 4);
    EXPECT_EQ(vars[4].value.as_unsigned(), word(r.esp + 8));
    EXPECT_EQ(vars[5].value.as_unsigned(), word(r.esp + 12));
    // fork() is clone_flags SIGCHLD (17) and no new stack; the printed lines as gdb's.
    const std::string text = args(frame0());
    EXPECT_NE(text.find("clone_flags = 17\nstack_start = 0\nregs = (struct pt_regs *) " + hex(r.ecx) + "\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("pid = " + std::to_string(static_cast<int32_t>(word(r.esp + 12))) + "\n"), std::string::npos) << text;
    // Nothing is assigned yet at the first instruction: gdb's <optimized out>.
    EXPECT_EQ(locals(frame0()), "p = <optimized out>\nretval = <optimized out>\n");
}

TEST_F(VariablesTest, TheCallersFrameComesFromTheCfi) {
    reach("copy_process#2");
    const CpuRegisters r = regs();
    const Frame f = frame0();
    auto up = info->caller(f, memory());
    ASSERT_TRUE(up);
    EXPECT_EQ(up->pc, word(r.esp));  // the return address at entry
    EXPECT_FALSE(up->innermost);
    EXPECT_EQ(up->regs[kEsp], r.esp + 4);  // the CFA: ESP before the call pushed its return address
    EXPECT_EQ(up->regs[kEbp], r.ebp);      // not saved yet: the same value
    EXPECT_FALSE(up->regs[kEax]);          // call-clobbered: lost in the caller
    EXPECT_EQ(info->function_at(*up), "do_fork");
    // do_fork's pid is the pid it passed to copy_process.
    const auto pid = info->arguments(f, memory())[5].value.as_signed();
    const auto up_locals = info->locals(*up, memory());
    const Variable* do_fork_pid = find(up_locals, "pid");
    ASSERT_TRUE(do_fork_pid && do_fork_pid->value.available()) << locals(*up);
    EXPECT_EQ(do_fork_pid->value.as_signed(), pid);
    // A frame known by its pc and frame pointer (a backtrace's) finds the same CFA.
    auto up2 = info->caller(*up, memory());
    ASSERT_TRUE(up2);
    EXPECT_EQ(info->function_at(*up2).rfind("sys_", 0), 0u) << info->function_at(*up2);
    const Frame by_fp = info->frame_at(up->pc, *up->regs[kEbp], false);
    auto up2_by_fp = info->caller(by_fp, memory());
    ASSERT_TRUE(up2_by_fp);
    EXPECT_EQ(up2_by_fp->pc, up2->pc);
}

TEST_F(VariablesTest, TheCfiStackIsTheFramePointerStack) {
    reach("copy_page_range#2");
    for (int at = 0; at < 2; ++at) {  // at the first instruction, and inside the body
        const CpuRegisters r = regs();
        const auto by_cfi = info->frames(frame0(), memory(), 0xc0000000u);
        const auto by_fp = backtrace(machine->walker(), *symbols, nullptr,
                                     BacktraceInput{mode(), r.eip, r.esp, r.ebp}, 0xc0000000u);
        ASSERT_GE(by_cfi.size(), 5u);
        ASSERT_EQ(by_cfi.size(), by_fp.size());
        for (size_t i = 0; i < by_cfi.size(); ++i) {
            EXPECT_EQ(by_cfi[i].pc, by_fp[i].pc) << i;
            if (i > 0) {
                EXPECT_EQ(by_cfi[i].regs[kEbp], by_fp[i].frame) << i;
            }
        }
        EXPECT_EQ(info->function_at(by_cfi[1]), "dup_mmap");
        EXPECT_EQ(info->function_at(by_cfi[2]), "copy_mm");
        EXPECT_EQ(info->function_at(by_cfi[3]), "copy_process");
        step(12);
    }
}

TEST_F(VariablesTest, EntryValuesComeFromTheCallersCallSite) {
    watch({"copy_process#2", "return:copy_files#2"});
    reach("copy_process#2");
    const CpuRegisters at_entry = regs();
    // Later, gcc no longer keeps stack_start and regs: DWARF says "the value EDX and
    // ECX had at entry", which the call site in do_fork gives.
    reach("return:copy_files#2");
    const auto vars = info->arguments(frame0(), memory());
    ASSERT_EQ(vars.size(), 6u);
    ASSERT_TRUE(vars[1].value.available()) << args(frame0());
    ASSERT_TRUE(vars[2].value.available()) << args(frame0());
    EXPECT_EQ(vars[1].value.as_unsigned(), at_entry.edx);
    EXPECT_EQ(vars[2].value.as_unsigned(), at_entry.ecx);
    EXPECT_FALSE(vars[2].value.reg);  // computed, not a register any more
    EXPECT_EQ(vars[0].value.as_unsigned(), at_entry.eax);
    // `finish` out of copy_files: an int, 0; out of a void function: nothing.
    auto copy_files = symbols->lookup("copy_files");
    ASSERT_TRUE(copy_files.ok());
    auto ret = info->return_value(copy_files->address, regs(), memory());
    ASSERT_TRUE(ret);
    EXPECT_EQ(format_value(*ret, options()), "0");
    EXPECT_EQ(type_name(ret->type), "int");
    auto free_task = symbols->lookup("free_task");
    ASSERT_TRUE(free_task.ok());
    EXPECT_FALSE(info->return_value(free_task->address, regs(), memory()));
}

TEST_F(VariablesTest, TheNewTaskAfterDupTaskStruct) {
    watch({"return:dup_task_struct#2", "fork#1"});
    reach("return:dup_task_struct#2");
    const uint32_t task = regs().eax;
    // At the return address the result is only in EAX: p's location starts after it.
    EXPECT_EQ(print("p"), "<optimized out>");
    EXPECT_EQ(print("p->pid"), "value has been optimized out");
    EXPECT_EQ(static_cast<uint32_t>(number("$eax")), task);
    for (int i = 0; i < 10 && print("p") == "<optimized out>"; ++i) step(1);
    // Not linked in yet: read through DWARF, pid still 0, comm copied from the parent.
    EXPECT_EQ(print("p"), "(struct task_struct *) " + hex(task) + " <pid 0 \"forktest\", not in the task list>");
    EXPECT_EQ(print("p->comm"), "\"forktest\\000\\000\\000\\000\\000\\000\\000\"");
    EXPECT_EQ(print("p->usage"), "2");
    const std::string whole = print("*p");
    EXPECT_EQ(whole.rfind("{state = 0, flags = 0, ", 0), 0u) << whole;
    EXPECT_NE(whole.find(", comm = \"forktest\\000\\000\\000\\000\\000\\000\\000\", exec_path = \"/bin/forktest\", '\\000' <repeats "),
              std::string::npos) << whole;
    EXPECT_NE(whole.find("group_leader = " + hex(task) + " <pid 0 \"forktest\", not in the task list>"), std::string::npos);

    // After copy_process returned (do_fork's frame): the snapshot lists the child.
    reach("fork#1");
    EXPECT_EQ(regs().eax, task);
    const TaskState* child = nullptr;
    for (const TaskState& t : snapshot->tasks)
        if (t.addr == task) child = &t;
    ASSERT_TRUE(child);
    const std::string decoded = "(struct task_struct *) " + hex(task) + " <pid " + std::to_string(child->pid) +
                                " \"forktest\" " + std::string(1, child->state) + ">";
    // do_fork's p is assigned after the call returns, from EAX: a cast shows it now.
    EXPECT_EQ(print("p"), "<optimized out>");
    EXPECT_EQ(number("((struct task_struct *)$eax)->pid"), static_cast<uint64_t>(child->pid));
    EXPECT_EQ(print("(struct task_struct *)$eax"), decoded);
    // `finish` out of copy_process shows the same.
    auto cp = symbols->lookup("copy_process");
    ASSERT_TRUE(cp.ok());
    auto ret = info->return_value(cp->address, regs(), memory());
    ASSERT_TRUE(ret);
    EXPECT_EQ(format_value(*ret, options()), decoded);
}

TEST_F(VariablesTest, TheRunningTask) {
    reach("fork#1");
    const TaskState* cur = snapshot->current_task();
    ASSERT_TRUE(cur);
    EXPECT_EQ(print("current_task"), "(struct task_struct *) " + hex(cur->addr) + " <pid " + std::to_string(cur->pid) +
                                         " \"forktest\" " + std::string(1, cur->state) + ">");
    const std::string t = print("*current_task");
    EXPECT_NE(t.find(", pid = " + std::to_string(cur->pid) + ", tgid = "), std::string::npos) << t;
    EXPECT_NE(t.find("comm = \"forktest\\000"), std::string::npos) << t;
    EXPECT_EQ(number("current_task->pid"), static_cast<uint64_t>(cur->pid));
    // Its parent is init, listed by the snapshot.
    EXPECT_NE(t.find("real_parent = 0x"), std::string::npos);
    EXPECT_NE(t.find("<pid 1 \"init\" "), std::string::npos) << t;
}

TEST_F(VariablesTest, MmsAndVmasDecodedAsTheSnapshotHasThem) {
    watch({"dup_mmap#2", "return:dup_mmap#2"});
    reach("dup_mmap#2");
    const TaskState* cur = snapshot->current_task();
    ASSERT_TRUE(cur);
    ASSERT_TRUE(snapshot->mm_of(*cur) && !snapshot->mm_of(*cur)->vmas.empty());
    const MmState parent_mm = *snapshot->mm_of(*cur);  // a copy: the next stop takes a new snapshot
    const MmState* old = &parent_mm;
    EXPECT_EQ(number("oldmm"), old->addr);
    EXPECT_EQ(number("oldmm->mmap->vm_start"), old->vmas[0].start);
    EXPECT_EQ(print("oldmm"), "(struct mm_struct *) " + hex(old->addr) + " <users " + std::to_string(old->users) + ", " +
                                  std::to_string(old->vmas.size()) + " vmas>");
    const VmaState& v = old->vmas[0];
    char range[64];
    std::snprintf(range, sizeof range, "0x%08x-0x%08x", v.start, v.end);
    EXPECT_EQ(print("oldmm->mmap"), "(struct vm_area_struct *) " + hex(v.addr) + " <" + range + " r--p /bin/forktest>");
    // The new mm: nobody's yet, no VMAs, so mm->mmap is NULL.
    EXPECT_EQ(print("mm"), "(struct mm_struct *) " + hex(static_cast<uint32_t>(number("mm"))) + " <users 1, 0 vmas, no task's>");
    EXPECT_EQ(print("mm->mmap"), "(struct vm_area_struct *) 0x0");
    EXPECT_EQ(print("mm->mmap->vm_start"), "Cannot access memory at address " +
                                               hex(static_cast<uint32_t>(number("&((struct vm_area_struct *)0)->vm_start"))));
    // Back in copy_mm, the copy's first VMA starts where the parent's does.
    reach("return:dup_mmap#2");
    EXPECT_EQ(info->function_at(frame0()), "copy_mm");
    EXPECT_EQ(number("mm->mmap->vm_start"), old->vmas[0].start);
    EXPECT_EQ(number("mm->map_count"), number("oldmm->map_count"));
}

TEST_F(VariablesTest, StructPageOfACopyOnWriteFault) {
    watch({"do_wp_page#1", "do_cow_page#1"});
    reach("do_wp_page#1");
    const uint32_t pte = static_cast<uint32_t>(number("*pte"));
    const uint32_t pfn = pte >> 12;
    ASSERT_LT(pfn, snapshot->frames.size());
    const FrameState& f = snapshot->frames[pfn];
    const std::string page = print("mem_map + (*pte >> 12)");
    char want[64];
    std::snprintf(want, sizeof want, " <pfn 0x%x count %d %s>", pfn, f.count, frame_kind_name(f.kind));
    EXPECT_EQ(page, "(struct page *) " + hex(static_cast<uint32_t>(number("mem_map + (*pte >> 12)"))) + want);
    EXPECT_EQ(f.kind, FrameKind::Anon);
    EXPECT_EQ(f.count, 2);  // shared by parent and child until this fault
    EXPECT_EQ(number("(mem_map + (*pte >> 12))->count"), 2u);
    EXPECT_EQ(print("(mem_map + (*pte >> 12))->kind == PG_ANON"), "1");  // an enumerator by name
    EXPECT_EQ(print("(enum page_kind)(mem_map + (*pte >> 12))->kind"), "PG_ANON");
    EXPECT_EQ(print("pfn_to_page"), "No symbol \"pfn_to_page\" in current context.");  // inline only
    EXPECT_EQ(print("page"), "<optimized out>");  // not computed yet at the first instruction
    // A page shared by two mms is copied: do_cow_page gets the same struct page.
    reach("do_cow_page#1");
    EXPECT_EQ(print("old"), page);
    EXPECT_EQ(print("old->count"), "2");
}

TEST_F(VariablesTest, LocalsOfNestedBlocksInnermostFirst) {
    reach("copy_page_range#2");
    auto map = SourceMap::read(kernel, "kernel.elf");
    ASSERT_TRUE(map.ok());
    auto here = map->line_of(regs().eip);
    ASSERT_TRUE(here);
    // gcc records the path from the build directory (where meson test runs us).
    std::string file = here->file;
    const std::string recorded = file;
    if (!file.starts_with("/")) {
        const std::string kernel_path = std::getenv("FORKSCOPE_TEST_KERNEL");  // BUILD/images/kernel.elf
        const std::string images = kernel_path.substr(0, kernel_path.rfind('/'));
        file = images.substr(0, images.rfind('/')) + "/" + file;
    }
    const int line = line_containing(file, "if (!pte_mapped(*spte))");
    ASSERT_GT(line, 0) << file;
    auto addrs = map->addresses_of(recorded, line);
    ASSERT_TRUE(addrs.ok()) << addrs.error().message;
    for (uint32_t a : *addrs) ASSERT_TRUE(machine->add_stop_address(a).ok());
    bool there = false;
    for (int i = 0; i < 20 && !there; ++i) {
        auto stop = machine->resume();
        ASSERT_TRUE(stop.ok());
        for (uint32_t a : *addrs) there = there || stop->eip == a;
    }
    ASSERT_TRUE(there);
    const auto vars = info->locals(frame0(), memory());
    // for's block (page), while's block (next, spte, dpte), the function's (private, addr).
    EXPECT_EQ(names(vars), (std::vector<std::string>{"page", "next", "spte", "dpte", "private", "addr"})) << locals(frame0());
    // gcc -O2 describes the stack arguments of this global function only for its first
    // instructions: past them they are optimized out, as gdb shows them too.
    EXPECT_EQ(print("vma"), "<optimized out>");
    // addr walks the parent's pages: page aligned, inside one of its VMAs.
    const Variable* addr = find(vars, "addr");
    ASSERT_TRUE(addr && addr->value.available());
    const uint32_t a = static_cast<uint32_t>(addr->value.as_unsigned());
    EXPECT_EQ(a % 4096, 0u);
    take_snapshot();
    const MmState* mm = snapshot->mm_of(*snapshot->current_task());
    ASSERT_TRUE(mm);
    EXPECT_TRUE(mm->find_vma(a)) << hex(a);
    const Variable* priv = find(vars, "private");
    ASSERT_TRUE(priv);
    EXPECT_TRUE(format_value(priv->value, options()) == "true" || format_value(priv->value, options()) == "false" ||
                format_value(priv->value, options()) == "<optimized out>");
}

TEST_F(VariablesTest, GlobalsByName) {
    reach("copy_process#2");
    auto mt = symbols->lookup("max_threads");
    ASSERT_TRUE(mt.ok());
    EXPECT_EQ(print("max_threads"), std::to_string(static_cast<int32_t>(word(mt->address))));
    EXPECT_EQ(print("&max_threads"), "(int *) " + hex(mt->address) + " <max_threads>");
    EXPECT_EQ(number("jiffies"), word(symbols->lookup("jiffies")->address));
    EXPECT_EQ(print("init_task.comm"), "\"swapper\\000\\000\\000\\000\\000\\000\\000\\000\"");
}

// The DWARF stack machine on expressions written here, as gcc writes them.
Dwarf_Op op(uint8_t atom, Dwarf_Word number = 0, Dwarf_Word number2 = 0, Dwarf_Word offset = 0) {
    Dwarf_Op o{};
    o.atom = atom;
    o.number = number;
    o.number2 = number2;
    o.offset = offset;
    return o;
}

struct ExprFixture {
    Frame frame;
    std::vector<uint8_t> stack = std::vector<uint8_t>(64);  // guest memory at 0x1000
    ReadMemory memory = [this](uint32_t a, std::span<uint8_t> out) {
        if (a < 0x1000 || a + out.size() > 0x1000 + stack.size()) return false;
        std::memcpy(out.data(), stack.data() + (a - 0x1000), out.size());
        return true;
    };
    ExprContext ctx() {
        ExprContext c{&frame, &memory};
        c.cfa = [] { return std::optional<uint32_t>(0x1010); };
        c.frame_base = [] { return std::optional<uint32_t>(0x1010); };
        return c;
    }
    ExprFixture() {
        frame.regs = {0x11111111u, 0x2222u, 0x33333333u, 0x1008u, 0x1000u, 0x1010u, 0x66u, 0x77u, 0xc0100000u};
        for (size_t i = 0; i < stack.size(); ++i) stack[i] = static_cast<uint8_t>(i);
    }
};

TEST(DwarfExpression, RegisterPiecesMakeA64BitValue) {
    ExprFixture f;
    const Dwarf_Op ops[] = {op(DW_OP_reg0), op(DW_OP_piece, 4), op(DW_OP_reg2), op(DW_OP_piece, 4)};
    Type ll;
    ll.kind = TypeKind::Integer;
    ll.size = 8;
    ll.is_signed = true;
    const auto pieces = evaluate_location(ops, 4, f.ctx());
    ASSERT_EQ(pieces.size(), 2u);
    const Value v = value_from_pieces(&ll, pieces, f.frame, f.memory);
    ASSERT_TRUE(v.available());
    EXPECT_EQ(v.as_unsigned(), 0x3333333311111111ull);
    // A piece in a register the frame lost: the whole value is optimized out.
    f.frame.regs[kEdx].reset();
    EXPECT_EQ(value_from_pieces(&ll, evaluate_location(ops, 4, f.ctx()), f.frame, f.memory).state, ValueState::OptimizedOut);
}

TEST(DwarfExpression, MemoryRegistersAndComputedValues) {
    ExprFixture f;
    Type u32;
    u32.kind = TypeKind::Integer;
    u32.size = 4;
    // A register piece and a stack slot (fbreg -12 from the frame base 0x1010).
    const Dwarf_Op mixed[] = {op(DW_OP_reg6), op(DW_OP_piece, 2), op(DW_OP_fbreg, static_cast<Dwarf_Word>(-12)), op(DW_OP_piece, 2)};
    const Value m = value_from_pieces(&u32, evaluate_location(mixed, 4, f.ctx()), f.frame, f.memory);
    ASSERT_TRUE(m.available());
    EXPECT_EQ(m.as_unsigned(), 0x05040066u);  // ESI's low half, then memory bytes 4 and 5
    // breg3 + 4, deref: the word at 0x100c; as a location: the memory there.
    const Dwarf_Op deref[] = {op(DW_OP_breg3, 4), op(DW_OP_deref)};
    EXPECT_EQ(evaluate_value(deref, 2, f.ctx()), 0x0f0e0d0cu);
    const auto loc = evaluate_location(deref, 1, f.ctx());
    ASSERT_EQ(loc.size(), 1u);
    EXPECT_EQ(loc[0].kind, LocationPiece::Memory);
    EXPECT_EQ(loc[0].address, 0x100cu);
    // A computed value: (ECX + 5) * 2, not an lvalue.
    const Dwarf_Op computed[] = {op(DW_OP_breg1, 5), op(DW_OP_lit2), op(DW_OP_mul), op(DW_OP_stack_value)};
    const Value c = value_from_pieces(&u32, evaluate_location(computed, 4, f.ctx()), f.frame, f.memory);
    ASSERT_TRUE(c.available());
    EXPECT_EQ(c.as_unsigned(), (0x2222u + 5) * 2);
    EXPECT_FALSE(c.address);
    // A branch: lit3; litN; bra +1 (over the lit7 when N is not 0); lit7.
    for (uint8_t n : {DW_OP_lit1, DW_OP_lit0}) {
        const Dwarf_Op branch[] = {op(DW_OP_lit3, 0, 0, 0), op(n, 0, 0, 1), op(DW_OP_bra, 1, 0, 2),
                                   op(DW_OP_lit7, 0, 0, 5), op(DW_OP_stack_value, 0, 0, 6)};
        EXPECT_EQ(evaluate_value(branch, 5, f.ctx()), n == DW_OP_lit1 ? 3u : 7u);
    }
    // DW_OP_call_frame_cfa, and an unreadable deref or a lost register: no location.
    const Dwarf_Op cfa[] = {op(DW_OP_call_frame_cfa)};
    EXPECT_EQ(evaluate_value(cfa, 1, f.ctx()), 0x1010u);
    const Dwarf_Op bad[] = {op(DW_OP_lit0), op(DW_OP_deref)};
    EXPECT_TRUE(evaluate_location(bad, 2, f.ctx()).empty());
    f.frame.regs[kEbx].reset();
    EXPECT_TRUE(evaluate_location(deref, 2, f.ctx()).empty());
    // DW_OP_entry_value with nobody to ask: optimized out.
    const Dwarf_Op entry[] = {op(DW_OP_entry_value), op(DW_OP_stack_value)};
    EXPECT_TRUE(evaluate_location(entry, 2, f.ctx()).empty());
}

}  // namespace
}  // namespace forkscope::testing
