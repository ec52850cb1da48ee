// pt --explain ADDR --pid P [--write]: a user-mode read or write of ADDR by task P,
// step by step: the MMU's walk (PDE, PTE) and its verdict (PageWalker::access_fault
// with the snapshot's CR0/CR4), then, on a fault, what the guest kernel's handler does
// (guestkernel/mm/fault.c do_page_fault, mm/memory.c handle_mm_fault, do_no_page,
// do_wp_page, do_cow_page), ending in one "verdict:" line.
#include <fmt/format.h>

#include "emulator/page_walker.h"
#include "frontend/format/common.h"

namespace forkscope::format {

using namespace detail;

namespace {

constexpr uint32_t kStackGap = 65536 + 32 * 4;  // below ESP that a push or pusha may touch
constexpr uint32_t kStackLimit = 8u << 20;      // STACK_RLIMIT (include/linux/mm.h)
constexpr uint32_t kStackGapPages = 32;         // STACK_GAP_PAGES: free below a stack

struct Explanation {
    std::vector<std::string> steps;
    std::string verdict;
    Colour colour = Colour::None;
    std::string caveat;  // what the verdict depends on that the snapshot does not hold

    void step(std::string s) { steps.push_back(std::move(s)); }
    void conclude(std::string v, Colour c) { verdict = std::move(v), colour = c; }
};

const PdeState* find_pde(std::span<const PdeState> pdes, uint32_t index) {
    for (const PdeState& p : pdes)
        if (p.index == index) return &p;
    return nullptr;
}

const PageMapping* find_page(std::span<const PageMapping> pages, uint32_t addr) {
    for (const PageMapping& m : pages)
        if (addr >= m.vaddr && uint64_t(addr) < uint64_t(m.vaddr) + m.size) return &m;
    return nullptr;
}

// The MMU's walk, from the snapshot's entries (only present ones are in it).
PageWalk walk(const KernelSnapshot& snap, const MmState& mm, uint32_t addr, Explanation& e) {
    PageWalk w;
    w.vaddr = addr;
    const uint32_t di = addr >> 22, ti = (addr >> 12) & 0x3ff;
    const bool kernel_half = addr >= snap.kernel_base;
    const PdeState* pde = find_pde(kernel_half ? std::span<const PdeState>(snap.kernel_pdes) : mm.pdes, di);
    w.pde_paddr = (mm.pgd & ~0xfffu) + di * 4;
    if (!pde) {
        e.step(fmt::format("PDE {} at {}: not present", di, hex8(w.pde_paddr)));
        return w;
    }
    w.pde = pde->entry;
    const PageMapping* m = find_page(kernel_half ? std::span<const PageMapping>(snap.kernel_pages) : mm.pages, addr);
    if (m && m->size == kLargePageSize) {
        e.step(fmt::format("PDE {} at {} = {}: {}; a 4 MiB page at {}", di, hex8(w.pde_paddr), hex8(w.pde),
                           flag_names(w.pde & 0x1ff), hex8(m->paddr)));
        w.present = true, w.page_size = kLargePageSize, w.paddr = m->paddr + (addr - m->vaddr);
        w.writable = w.pde & pte::kWritable, w.user = w.pde & pte::kUser;
        return w;
    }
    e.step(fmt::format("PDE {} at {} = {}: {}; page table {}", di, hex8(w.pde_paddr), hex8(w.pde),
                       flag_names(w.pde & 0x1ff), hex8(w.pde & ~0xfffu)));
    w.has_pte = true;
    w.pte_paddr = (w.pde & ~0xfffu) + ti * 4;
    if (!m) {
        e.step(fmt::format("PTE {} at {}: not present", ti, hex8(w.pte_paddr)));
        return w;
    }
    w.pte = m->pte;
    w.present = true, w.page_size = kPageSize, w.paddr = m->paddr + (addr & 0xfff);
    w.writable = w.pde & w.pte & pte::kWritable, w.user = w.pde & w.pte & pte::kUser;
    e.step(fmt::format("PTE {} at {} = {}: {}; frame {}", ti, hex8(w.pte_paddr), hex8(w.pte),
                       flag_names(w.pte & 0x1ff), hex8(m->paddr)));
    return w;
}

std::string error_code_text(uint32_t code) {
    return fmt::format("error code {:#x} ({}, {}, {})", code, (code & 1) ? "protection" : "not present",
                       (code & 2) ? "write" : "read", (code & 4) ? "user" : "kernel");
}

std::string frame_text(const KernelSnapshot& snap, uint32_t paddr) {
    const FrameState* f = frame_at(snap, paddr);
    return f ? fmt::format("frame {}: {}, count {}", hex8(paddr & ~0xfffu), frame_kind_name(f->kind), f->count)
             : fmt::format("frame {}: beyond the frame map", hex8(paddr & ~0xfffu));
}

// handle_mm_fault for an access the VMA allows.
void handle_mm_fault(const KernelSnapshot& snap, const VmaState& vma, const PageWalk& w, bool write,
                     Explanation& e) {
    if (!w.present) {
        if (vma.has_file && ((vma.flags & vm::kShared) || !(vma.flags & vm::kWrite))) {
            e.step("do_no_page: the file's page-cache frame is mapped into the PTE (one more reference)");
            e.conclude("page-cache page mapped (SIGBUS instead if past the end of the file)", Colour::Green);
        } else if (vma.has_file) {
            e.step("do_no_page: a new anonymous frame, filled with the file's bytes, is mapped");
            e.conclude("private copy of the file's page allocated (SIGBUS instead if past the end of the file)",
                       Colour::Green);
        } else {
            e.step("do_no_page: a new anonymous frame, cleared, is mapped");
            e.conclude("demand-zero page allocated", Colour::Green);
        }
        return;
    }
    const FrameState* f = frame_at(snap, w.paddr);
    if (write && !(w.pte & pte::kWritable)) {
        if ((vma.flags & vm::kShared) || (f && f->kind == FrameKind::Anon && f->count == 1)) {
            e.step(fmt::format("do_wp_page: {} -> W is set in the PTE, no copy",
                               (vma.flags & vm::kShared) ? "a shared mapping" : "the frame is ours alone (count 1)"));
            e.conclude("write-protect fault: the page is reused and made writable", Colour::Green);
        } else {
            e.step(fmt::format("do_wp_page: the frame is shared ({}) -> do_cow_page copies it into a new frame, "
                               "maps that writable and drops a reference to the old one",
                               f ? fmt::format("{}, count {}", frame_kind_name(f->kind), f->count) : "?"));
            e.conclude(fmt::format("copy-on-write: write fault (present, W=0) in a writable private VMA, frame "
                                   "shared by {} -> copied",
                                   f ? std::to_string(f->count) : "?"),
                       Colour::Yellow);
        }
        return;
    }
    e.step("handle_mm_fault: the PTE already allows it (a stale TLB entry): nothing to change");
    e.conclude("no change; the access is retried", Colour::Green);
}

// The stack VMA grows down to addr's page (do_page_fault, expand_stack), or the
// explanation ends in SIGSEGV.
bool grow_stack(const MmState& mm, const VmaState& stack, const TaskState& task, uint32_t addr, Explanation& e) {
    const uint32_t page = addr & ~0xfffu;
    if (task.user_esp && uint64_t(addr) + kStackGap < task.user_esp) {
        e.step(fmt::format("more than {} bytes below ESP {} -> bad_area", kStackGap, hex8(task.user_esp)));
        e.conclude("SIGSEGV (SEGV_MAPERR): below the stack, too far from ESP", Colour::Red);
        return false;
    }
    if (stack.end - page > kStackLimit) {
        e.step(fmt::format("expand_stack: the stack would be {} KiB, more than 8 MiB -> bad_area",
                           (stack.end - page) / 1024));
        e.conclude("SIGSEGV (SEGV_MAPERR): in no VMA, too far below the stack to grow it", Colour::Red);
        return false;
    }
    const VmaState* prev = nullptr;
    for (const VmaState& v : mm.vmas)  // find_vma_prev: the last VMA ending at or below it
        if (v.end <= page) prev = &v;
    const uint32_t gap = kStackGapPages * kPageSize;
    if (prev && page >= gap && prev->end > page - gap) {
        e.step(fmt::format("expand_stack: VMA {} is less than {} pages below -> bad_area", vma_text(*prev),
                           kStackGapPages));
        e.conclude("SIGSEGV (SEGV_MAPERR): the stack may not grow that close to another VMA", Colour::Red);
        return false;
    }
    e.step(fmt::format("expand_stack: the stack VMA now starts at {}", hex8(page)));
    if (!task.user_esp)
        e.caveat = fmt::format(" (if ESP is at most {} bytes above {}: the snapshot has no ESP)", kStackGap,
                               hex8(addr));
    return true;
}

// do_page_fault for a user-mode fault with error code `code`.
void do_page_fault(const KernelSnapshot& snap, const MmState& mm, const TaskState& task, const PageWalk& w,
                   bool write, uint32_t code, Explanation& e) {
    const uint32_t addr = w.vaddr;
    if (addr >= snap.kernel_base) {
        e.step(fmt::format("do_page_fault: {} is at or above TASK_SIZE ({}) -> bad_area", hex8(addr),
                           hex8(snap.kernel_base)));
        e.conclude("SIGSEGV (SEGV_MAPERR): a user access to the kernel half", Colour::Red);
        return;
    }
    const VmaState* vma = nullptr;
    for (const VmaState& v : mm.vmas)
        if (v.end > addr) {
            vma = &v;
            break;
        }
    if (!vma || (vma->start > addr && !(vma->flags & vm::kGrowsDown))) {
        e.step(fmt::format("find_vma: {} is in no VMA -> bad_area", hex8(addr)));
        e.conclude("SIGSEGV (SEGV_MAPERR): no VMA there", Colour::Red);
        return;
    }
    if (vma->start > addr) {
        e.step(fmt::format("find_vma: {} is below the stack VMA {}", hex8(addr), vma_text(*vma)));
        if (!grow_stack(mm, *vma, task, addr, e)) return;
    } else {
        e.step(fmt::format("find_vma: VMA {}", vma_text(*vma)));
    }
    if (write && !(vma->flags & vm::kWrite)) {
        e.step("the VMA is not writable -> bad_area");
        e.conclude("SIGSEGV (SEGV_ACCERR): a write to a VMA without write permission", Colour::Red);
        return;
    }
    if (!write && ((code & 1) || !(vma->flags & (vm::kRead | vm::kExec)))) {
        e.step("a read the VMA does not allow (or of a supervisor page) -> bad_area");
        e.conclude("SIGSEGV (SEGV_ACCERR): the VMA does not allow reading", Colour::Red);
        return;
    }
    handle_mm_fault(snap, *vma, w, write, e);
}

}  // namespace

Result<std::string> pt_explain(const KernelSnapshot& snap, int pid, uint32_t addr, bool write, bool colour) {
    auto t = find_task(snap, pid);
    if (!t) return t.error();
    const MmState* mm = snap.mm_of(**t);
    if (!mm) return usage(fmt::format("pid {} ({}) has no user address space to explain", pid, (*t)->comm));
    const PagingMode mode{snap.cr0, mm->pgd, snap.cr4};
    Explanation e;
    const PageWalk w = walk(snap, *mm, addr, e);
    if (w.present) e.step(frame_text(snap, w.paddr));
    auto fault = PageWalker::access_fault(mode, w, write ? Access::Write : Access::Read, true);
    if (!fault) {
        e.step(fmt::format("MMU: allowed ({}user, {}) -> physical {}", w.user ? "" : "not ", w.writable ? "writable" : "read-only",
                           hex8(w.paddr)));
        e.conclude(fmt::format("no fault: the {} reaches physical {}", write ? "write" : "read", hex8(w.paddr)),
                   Colour::Green);
    } else {
        std::string why = !w.present ? "not present"
                          : !w.user  ? "U=0: a supervisor page"
                                     : "present, W=0";
        e.step(fmt::format("MMU: #PF, {}: {}", error_code_text(*fault), why));
        do_page_fault(snap, *mm, **t, w, write, *fault, e);
    }
    std::string out = paint(fmt::format("{} of {} by pid {} ({}) in user mode, CR3 {}, CR0.WP={}",
                                        write ? "write" : "read", hex8(addr), pid, (*t)->comm, hex8(mm->pgd),
                                        (snap.cr0 & kCr0Wp) ? 1 : 0),
                            Colour::Bold, colour) +
                      '\n';
    for (size_t i = 0; i < e.steps.size(); i++) out += fmt::format("  {}. {}\n", i + 1, e.steps[i]);
    return out + paint("verdict: " + e.verdict + e.caveat, e.colour, colour) + '\n';
}

}  // namespace forkscope::format
