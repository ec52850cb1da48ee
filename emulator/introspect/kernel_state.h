// KernelSnapshot: the guest kernel's state at one stop point, as plain host data —
// tasks, their mms with VMAs and page tables, and the physical frame map. KernelView
// (kernel_view.h) reads it from guest RAM with the layout the kernel exports; formatters
// (frontend/format/), the debugger and the GUI read only this, so a snapshot can be kept
// and compared with a later one (pt --since).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace forkscope {

// What a frame holds (mem_map[pfn].kind), in the host's terms; the kernel's own numbers
// come from its kernel-info table.
enum class FrameKind : uint8_t { Free, Reserved, Kernel, PageTable, Anon, Cache, Unknown };

// vm_area_struct.vm_flags in the host's terms (translated from the kernel's numbers).
namespace vm {
constexpr uint32_t kRead = 1u << 0;
constexpr uint32_t kWrite = 1u << 1;
constexpr uint32_t kExec = 1u << 2;
constexpr uint32_t kShared = 1u << 3;     // VM_SHARED: writes reach the file / other mms
constexpr uint32_t kMayShare = 1u << 4;   // VM_MAYSHARE: MAP_SHARED ('s' in maps)
constexpr uint32_t kGrowsDown = 1u << 5;  // the stack
constexpr uint32_t kDontCopy = 1u << 6;   // MADV_DONTFORK
}  // namespace vm

struct VmaState {
    uint32_t addr = 0;  // the vm_area_struct's kernel address
    uint32_t start = 0, end = 0;
    uint32_t flags = 0;       // vm:: bits
    uint32_t raw_flags = 0;   // the kernel's vm_flags as stored
    uint32_t pgoff = 0;       // in pages, for a file mapping
    bool has_file = false;
    std::string file;         // the path, " (deleted)" appended when unlinked
    uint32_t dev = 0;         // the file's device (major << 8 | minor) and inode number
    uint32_t ino = 0;
    // "[heap]" or "[stack]" for anonymous VMAs holding the brk area or the stack, as
    // /proc/PID/maps names them; empty otherwise.
    std::string label;

    bool private_writable() const { return (flags & vm::kWrite) && !(flags & vm::kShared); }
};

// One present page-directory entry of an address space.
struct PdeState {
    uint32_t index = 0;  // 0..1023: covers index << 22
    uint32_t entry = 0;  // the PDE as stored
    bool large() const;  // a 4 MiB page (PS set; PagingMode decides whether it counts)
};

// One present mapping: a 4 KiB page through a page table, or a 4 MiB page.
struct PageMapping {
    uint32_t vaddr = 0;
    uint32_t size = 4096;    // 4096 or 4 MiB
    uint32_t paddr = 0;
    uint32_t pde = 0;        // the directory entry above it
    uint32_t pte = 0;        // the table entry; 0 for a 4 MiB page
    uint32_t pte_paddr = 0;  // where the PTE (or, for 4 MiB, the PDE) lives
    // Effective permissions, as the MMU combines both levels.
    uint32_t effective() const;  // pte::kWritable | pte::kUser bits of pde & pte
};

struct MmState {
    uint32_t addr = 0;       // the mm_struct's kernel address
    uint32_t pgd = 0;        // the page directory's physical address (what CR3 holds)
    int users = 0, count = 0, map_count = 0;
    uint32_t rss = 0, total_vm = 0;  // pages
    uint32_t start_code = 0, end_code = 0, start_data = 0, end_data = 0;
    uint32_t start_brk = 0, brk = 0, start_stack = 0;
    bool tables_read = true;          // false: pdes and pages were left out (SnapshotScope)
    std::vector<VmaState> vmas;       // address order
    std::vector<PdeState> pdes;       // present user-half directory entries, index order
    std::vector<PageMapping> pages;   // present user-half mappings, address order

    const VmaState* find_vma(uint32_t vaddr) const;  // the VMA containing vaddr, or null
};

struct TaskState {
    uint32_t addr = 0;  // the task_struct's kernel address
    int pid = 0, tgid = 0, ppid = 0;
    // One letter as ps shows it: R running, S sleeping (interruptible), D
    // uninterruptible, Z zombie, X dead (released, or past its last switch).
    char state = '?';
    int32_t raw_state = 0, exit_state = 0, exit_code = 0;
    uint32_t flags = 0;
    bool kernel_thread = false;  // no mm of its own (idle, pid 0)
    bool current = false;        // the task running at the stop point
    std::string comm;
    uint32_t mm = 0, active_mm = 0;  // mm_struct addresses; 0 for none
    int fds = 0;                     // open file descriptors
    uint32_t utime = 0, stime = 0;   // ticks
    // ESP of its user-mode registers (the pt_regs at the top of its kernel stack);
    // 0 when it has none (a kernel thread) or it was not read. pt --explain needs it:
    // a fault below the stack VMA grows the stack only near ESP.
    uint32_t user_esp = 0;
};

struct FrameState {
    FrameKind kind = FrameKind::Unknown;
    uint8_t raw_kind = 0;
    uint8_t order = 0;
    uint16_t flags = 0;
    int32_t count = 0;
};

struct KernelSnapshot {
    std::string stop;           // the stop point it was taken at, described ("fork#1: ...")
    // false: read for one view only (kernel_view.h SnapshotScope): some mms' page tables
    // (MmState::tables_read) or the frame map were left out.
    bool complete = true;
    uint64_t instructions = 0;  // executed when the snapshot was taken
    uint32_t cr0 = 0, cr3 = 0, cr4 = 0, eip = 0;
    uint32_t kernel_base = 0;   // where the kernel half starts (PDE index kernel_base >> 22)
    uint32_t jiffies = 0;
    std::vector<TaskState> tasks;        // pid order; the idle task (pid 0) first
    std::map<uint32_t, MmState> mms;     // by mm_struct address: every task's mm and active_mm
    std::vector<PdeState> kernel_pdes;   // the kernel half, shared by every mm
    std::vector<PageMapping> kernel_pages;
    std::vector<FrameState> frames;      // by pfn, 0 .. max_pfn - 1
    uint32_t nr_free_pages = 0, totalram_pages = 0;

    const TaskState* find_task(int pid) const;
    const MmState* mm_of(const TaskState& t) const;  // its mm, or null (kernel thread, zombie)
    const TaskState* current_task() const;
};

const char* frame_kind_name(FrameKind k);  // "free", "reserved", "kernel", "pgtable", "anon", "cache", "unknown"

}  // namespace forkscope
