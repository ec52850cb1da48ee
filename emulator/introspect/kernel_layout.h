// KernelLayout: every symbol, offset, size and constant KernelView's snapshot reads,
// resolved by name from the kernel-info table (kernel_info.h). Resolving checks them
// all at once, so a kernel that lacks one fails with one clear error before any read.
#pragma once
#include <cstdint>

#include "base/result.h"
#include "emulator/introspect/kernel_info.h"

namespace forkscope {

struct KernelLayout {
    struct {
        uint32_t current_task, init_task, task_list, init_mm, swapper_pg_dir, mem_map, max_pfn,
            nr_free_pages, totalram_pages, jiffies;
    } sym;
    uint32_t page_offset;  // NUMBER(PAGE_OFFSET): kernel virtual = physical + page_offset
    uint32_t list_next;    // OFFSET(list_head.next)
    struct {
        uint32_t size, state, flags, pid, tgid, real_parent, tasks, exit_state, exit_code, mm, active_mm,
            files, utime, stime, comm, comm_len, stack;
        uint32_t thread_size;  // the kernel stack; the user registers (pt_regs) at its top
        uint32_t running, interruptible, uninterruptible, dead, exit_zombie, exit_dead, pf_kthread;
    } task;
    struct {
        uint32_t size, mmap, pgd, mm_users, mm_count, map_count, start_code, end_code, start_data, end_data,
            start_brk, brk, start_stack, total_vm, rss;
    } mm;
    struct {
        uint32_t start, end, next, flags, file, pgoff;
        uint32_t read, write, exec, shared, mayshare, growsdown, dontcopy;
    } vma;
    struct {
        uint32_t size, cs, esp;
    } regs;  // struct pt_regs
    uint32_t vm_fault_ok;
    struct {
        uint32_t fd, nr_fd;
    } files;
    struct {
        uint32_t inode, path;
    } file;
    struct {
        uint32_t ino, nlink, sb;
    } inode;
    struct {
        uint32_t dev, transient, transient_size;
    } sb;
    struct {
        uint32_t size, kind, kind_size, order, order_size, flags, flags_size, count, count_size;
        uint32_t kind_number[6];  // NUMBER(PG_FREE) .. NUMBER(PG_CACHE), in FrameKind order
    } page;

    static Result<KernelLayout> resolve(const KernelInfo& info);
};

}  // namespace forkscope
