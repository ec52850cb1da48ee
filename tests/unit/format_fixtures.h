// KernelSnapshots for the format tests, with the values the guest kernel has at the
// stop point fork#1 of a program that forks once: an 8 MiB machine, the kernel half as
// paging_init leaves it (pg0 for the first 4 MiB with the text read-only, a 4 MiB
// page after it), init (pid 1, with a thread, pid 3) and its child (pid 2) sharing
// every user frame read-only after copy_page_range. cow_snapshot() is the same machine
// after the child's first write to its data page (cow#1): do_cow_page gave the child
// a new frame and the old one lost a reference.
#pragma once
#include <cstdint>

#include "emulator/introspect/kernel_state.h"
#include "emulator/page_walker.h"

namespace forkscope::testing {

constexpr uint32_t kPteUser = 0x025;      // P U A
constexpr uint32_t kPteUserDirty = 0x065; // P U A D
constexpr uint32_t kPteUserRw = 0x067;    // P W U A D
constexpr uint32_t kPdeUser = 0x067;      // what pte_alloc writes, accessed and dirty

inline void set_frames(KernelSnapshot& s, uint32_t first, uint32_t n, FrameKind kind, int32_t count) {
    for (uint32_t pfn = first; pfn < first + n; pfn++) s.frames[pfn] = FrameState{kind, 0, 0, 0, count};
}

inline VmaState make_vma(uint32_t addr, uint32_t start, uint32_t end, uint32_t flags, const char* file = nullptr,
                         uint32_t pgoff = 0, const char* label = "") {
    VmaState v;
    v.addr = addr, v.start = start, v.end = end, v.flags = flags, v.pgoff = pgoff;
    if (file) v.has_file = true, v.file = file, v.dev = 0x0001, v.ino = 12;
    v.label = label;
    return v;
}

inline PageMapping make_page(const MmState& mm, uint32_t vaddr, uint32_t pte) {
    const uint32_t pde = vaddr >> 22;
    uint32_t pde_entry = 0;
    for (const PdeState& p : mm.pdes)
        if (p.index == pde) pde_entry = p.entry;
    PageMapping m;
    m.vaddr = vaddr, m.size = 4096, m.paddr = pte & ~0xfffu, m.pde = pde_entry, m.pte = pte;
    m.pte_paddr = (pde_entry & ~0xfffu) + ((vaddr >> 12) & 0x3ff) * 4;
    return m;
}

// init's address space: its program (text and data from /bin/init), heap, stack.
inline MmState make_mm(uint32_t addr, uint32_t pgd, uint32_t text_table, uint32_t stack_table, uint32_t vma_base) {
    MmState mm;
    mm.addr = addr, mm.pgd = pgd, mm.users = 1, mm.count = 1, mm.map_count = 4, mm.rss = 6, mm.total_vm = 7;
    mm.start_code = 0x08048000, mm.end_code = 0x08049f00, mm.start_data = 0x0804a000, mm.end_data = 0x0804a800;
    mm.start_brk = 0x0804b000, mm.brk = 0x0804c800, mm.start_stack = 0xbfffff00;
    mm.vmas = {make_vma(vma_base, 0x08048000, 0x0804a000, vm::kRead | vm::kExec, "/bin/init", 0),
               make_vma(vma_base + 0x40, 0x0804a000, 0x0804b000, vm::kRead | vm::kWrite, "/bin/init", 2),
               make_vma(vma_base + 0x80, 0x0804b000, 0x0804d000, vm::kRead | vm::kWrite, nullptr, 0, "[heap]"),
               make_vma(vma_base + 0xc0, 0xbfffe000, 0xc0000000, vm::kRead | vm::kWrite | vm::kGrowsDown, nullptr,
                        0, "[stack]")};
    mm.pdes = {{32, text_table | kPdeUser}, {767, stack_table | kPdeUser}};
    mm.pages = {make_page(mm, 0x08048000, 0x00280000 | kPteUser),
                make_page(mm, 0x08049000, 0x00281000 | kPteUser),
                make_page(mm, 0x0804a000, 0x00300000 | kPteUserDirty),
                make_page(mm, 0x0804b000, 0x00301000 | kPteUserDirty),
                make_page(mm, 0x0804c000, 0x00302000 | kPteUserDirty),
                make_page(mm, 0xbffff000, 0x00305000 | kPteUserDirty)};
    return mm;
}

inline TaskState make_task(int pid, int tgid, int ppid, char state, const char* comm, uint32_t mm) {
    TaskState t;
    t.addr = 0xc1100000 + uint32_t(pid) * 0x400;
    t.pid = pid, t.tgid = tgid, t.ppid = ppid, t.state = state, t.comm = comm;
    t.mm = t.active_mm = mm;
    return t;
}

inline KernelSnapshot fork_snapshot() {
    KernelSnapshot s;
    s.instructions = 1234567;
    s.cr0 = kCr0Pg | kCr0Wp | kCr0Pe;
    s.cr3 = 0x00200000;
    s.cr4 = kCr4Pse;
    s.eip = 0xc0101234;
    s.kernel_base = 0xc0000000;
    s.jiffies = 42;

    // Frames: the first MiB reserved, the kernel, page directories and tables, the
    // program's page-cache pages (the cache's reference and both mms'), anonymous pages.
    s.frames.resize(2048);
    set_frames(s, 0, 0x100, FrameKind::Reserved, 1);
    set_frames(s, 0x100, 0x100, FrameKind::Kernel, 1);
    set_frames(s, 0x200, 6, FrameKind::PageTable, 1);
    set_frames(s, 0x206, 0x7a, FrameKind::Free, 0);
    set_frames(s, 0x280, 2, FrameKind::Cache, 3);
    set_frames(s, 0x282, 0x7e, FrameKind::Free, 0);
    set_frames(s, 0x300, 3, FrameKind::Anon, 2);
    set_frames(s, 0x303, 2, FrameKind::Free, 0);
    set_frames(s, 0x305, 1, FrameKind::Anon, 2);
    set_frames(s, 0x306, 0xfa, FrameKind::Free, 0);
    set_frames(s, 0x400, 0x400, FrameKind::Kernel, 1);
    s.nr_free_pages = 0x7a + 0x7e + 2 + 0xfa;
    s.totalram_pages = 2048 - 0x100;

    // The kernel half: pg0 maps the first 4 MiB (the text 0x100000-0x104fff read-only),
    // then a 4 MiB page.
    s.kernel_pdes = {{768, 0x00106000 | 0x063}, {769, 0x00400000 | 0x0e3}};
    for (uint32_t i = 0; i < 1024; i++) {
        const bool text = i >= 0x100 && i < 0x105;
        PageMapping m;
        m.vaddr = 0xc0000000 + i * 4096, m.paddr = i * 4096, m.pde = s.kernel_pdes[0].entry;
        m.pte = m.paddr | (text ? 0x021u : 0x063u);
        m.pte_paddr = 0x00106000 + i * 4;
        s.kernel_pages.push_back(m);
    }
    PageMapping big;
    big.vaddr = 0xc0400000, big.size = 4u << 20, big.paddr = 0x00400000, big.pde = s.kernel_pdes[1].entry;
    big.pte_paddr = 0x00200000 + 769 * 4;
    s.kernel_pages.push_back(big);

    MmState parent = make_mm(0xc1000000, 0x00200000, 0x00201000, 0x00204000, 0xc1010000);
    parent.users = 2;  // init and its thread
    MmState child = make_mm(0xc1000100, 0x00202000, 0x00203000, 0x00205000, 0xc1020000);
    s.mms[parent.addr] = parent;
    s.mms[child.addr] = child;

    TaskState idle = make_task(0, 0, 0, 'R', "swapper", 0);
    idle.kernel_thread = true;
    idle.active_mm = 0xc0120000;  // init_mm, not among the snapshot's mms
    TaskState init = make_task(1, 1, 0, 'R', "init", parent.addr);
    init.current = true, init.fds = 3, init.utime = 5, init.stime = 7, init.user_esp = 0xbffffe80;
    TaskState kid = make_task(2, 2, 1, 'R', "init", child.addr);
    kid.fds = 3, kid.user_esp = 0xbffffe80;  // the parent's registers, copied
    TaskState thread = make_task(3, 1, 0, 'S', "init", parent.addr);
    thread.fds = 3, thread.stime = 1;
    s.tasks = {idle, init, kid, thread};
    return s;
}

// cow#1: the child (pid 2) wrote its data page at 0x0804a000.
inline KernelSnapshot cow_snapshot() {
    KernelSnapshot s = fork_snapshot();
    s.instructions = 1240000;
    s.cr3 = 0x00202000;
    s.jiffies = 43;
    MmState& child = s.mms.at(0xc1000100);
    child.pages[2] = make_page(child, 0x0804a000, 0x00306000 | kPteUserRw);
    s.frames[0x300].count = 1;
    s.frames[0x306] = FrameState{FrameKind::Anon, 0, 0, 0, 1};
    s.nr_free_pages--;
    for (TaskState& t : s.tasks) t.current = t.pid == 2;
    return s;
}

}  // namespace forkscope::testing
