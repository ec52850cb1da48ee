#include "emulator/introspect/kernel_layout.h"

#include <initializer_list>
#include <utility>

namespace forkscope {

Result<KernelLayout> KernelLayout::resolve(const KernelInfo& info) {
    KernelLayout l{};
    const std::initializer_list<std::pair<uint32_t*, const char*>> names = {
        {&l.sym.current_task, "SYMBOL(current_task)"},
        {&l.sym.init_task, "SYMBOL(init_task)"},
        {&l.sym.task_list, "SYMBOL(task_list)"},
        {&l.sym.init_mm, "SYMBOL(init_mm)"},
        {&l.sym.swapper_pg_dir, "SYMBOL(swapper_pg_dir)"},
        {&l.sym.mem_map, "SYMBOL(mem_map)"},
        {&l.sym.max_pfn, "SYMBOL(max_pfn)"},
        {&l.sym.nr_free_pages, "SYMBOL(nr_free_pages)"},
        {&l.sym.totalram_pages, "SYMBOL(totalram_pages)"},
        {&l.sym.jiffies, "SYMBOL(jiffies)"},
        {&l.page_offset, "NUMBER(PAGE_OFFSET)"},
        {&l.list_next, "OFFSET(list_head.next)"},
        {&l.task.size, "SIZE(task_struct)"},
        {&l.task.state, "OFFSET(task_struct.state)"},
        {&l.task.flags, "OFFSET(task_struct.flags)"},
        {&l.task.pid, "OFFSET(task_struct.pid)"},
        {&l.task.tgid, "OFFSET(task_struct.tgid)"},
        {&l.task.real_parent, "OFFSET(task_struct.real_parent)"},
        {&l.task.tasks, "OFFSET(task_struct.tasks)"},
        {&l.task.exit_state, "OFFSET(task_struct.exit_state)"},
        {&l.task.exit_code, "OFFSET(task_struct.exit_code)"},
        {&l.task.mm, "OFFSET(task_struct.mm)"},
        {&l.task.active_mm, "OFFSET(task_struct.active_mm)"},
        {&l.task.files, "OFFSET(task_struct.files)"},
        {&l.task.utime, "OFFSET(task_struct.utime)"},
        {&l.task.stime, "OFFSET(task_struct.stime)"},
        {&l.task.comm, "OFFSET(task_struct.comm)"},
        {&l.task.comm_len, "LENGTH(task_struct.comm)"},
        {&l.task.stack, "OFFSET(task_struct.stack)"},
        {&l.task.thread_size, "NUMBER(THREAD_SIZE)"},
        {&l.regs.size, "SIZE(pt_regs)"},
        {&l.regs.cs, "OFFSET(pt_regs.cs)"},
        {&l.regs.esp, "OFFSET(pt_regs.esp)"},
        {&l.task.running, "NUMBER(TASK_RUNNING)"},
        {&l.task.interruptible, "NUMBER(TASK_INTERRUPTIBLE)"},
        {&l.task.uninterruptible, "NUMBER(TASK_UNINTERRUPTIBLE)"},
        {&l.task.dead, "NUMBER(TASK_DEAD)"},
        {&l.task.exit_zombie, "NUMBER(EXIT_ZOMBIE)"},
        {&l.task.exit_dead, "NUMBER(EXIT_DEAD)"},
        {&l.task.pf_kthread, "NUMBER(PF_KTHREAD)"},
        {&l.mm.size, "SIZE(mm_struct)"},
        {&l.mm.mmap, "OFFSET(mm_struct.mmap)"},
        {&l.mm.pgd, "OFFSET(mm_struct.pgd)"},
        {&l.mm.mm_users, "OFFSET(mm_struct.mm_users)"},
        {&l.mm.mm_count, "OFFSET(mm_struct.mm_count)"},
        {&l.mm.map_count, "OFFSET(mm_struct.map_count)"},
        {&l.mm.start_code, "OFFSET(mm_struct.start_code)"},
        {&l.mm.end_code, "OFFSET(mm_struct.end_code)"},
        {&l.mm.start_data, "OFFSET(mm_struct.start_data)"},
        {&l.mm.end_data, "OFFSET(mm_struct.end_data)"},
        {&l.mm.start_brk, "OFFSET(mm_struct.start_brk)"},
        {&l.mm.brk, "OFFSET(mm_struct.brk)"},
        {&l.mm.start_stack, "OFFSET(mm_struct.start_stack)"},
        {&l.mm.total_vm, "OFFSET(mm_struct.total_vm)"},
        {&l.mm.rss, "OFFSET(mm_struct.rss)"},
        {&l.vma.start, "OFFSET(vm_area_struct.vm_start)"},
        {&l.vma.end, "OFFSET(vm_area_struct.vm_end)"},
        {&l.vma.next, "OFFSET(vm_area_struct.vm_next)"},
        {&l.vma.flags, "OFFSET(vm_area_struct.vm_flags)"},
        {&l.vma.file, "OFFSET(vm_area_struct.vm_file)"},
        {&l.vma.pgoff, "OFFSET(vm_area_struct.vm_pgoff)"},
        {&l.vma.read, "NUMBER(VM_READ)"},
        {&l.vma.write, "NUMBER(VM_WRITE)"},
        {&l.vma.exec, "NUMBER(VM_EXEC)"},
        {&l.vma.shared, "NUMBER(VM_SHARED)"},
        {&l.vma.mayshare, "NUMBER(VM_MAYSHARE)"},
        {&l.vma.growsdown, "NUMBER(VM_GROWSDOWN)"},
        {&l.vma.dontcopy, "NUMBER(VM_DONTCOPY)"},
        {&l.vm_fault_ok, "NUMBER(VM_FAULT_OK)"},
        {&l.files.fd, "OFFSET(files_struct.fd)"},
        {&l.files.nr_fd, "LENGTH(files_struct.fd)"},
        {&l.file.inode, "OFFSET(file.f_inode)"},
        {&l.file.path, "OFFSET(file.f_path)"},
        {&l.inode.ino, "OFFSET(inode.i_ino)"},
        {&l.inode.nlink, "OFFSET(inode.i_nlink)"},
        {&l.inode.sb, "OFFSET(inode.i_sb)"},
        {&l.sb.dev, "OFFSET(super_block.s_dev)"},
        {&l.sb.transient, "OFFSET(super_block.s_transient)"},
        {&l.sb.transient_size, "SIZE(super_block.s_transient)"},
        {&l.page.size, "SIZE(page)"},
        {&l.page.kind, "OFFSET(page.kind)"},
        {&l.page.kind_size, "SIZE(page.kind)"},
        {&l.page.order, "OFFSET(page.order)"},
        {&l.page.order_size, "SIZE(page.order)"},
        {&l.page.flags, "OFFSET(page.flags)"},
        {&l.page.flags_size, "SIZE(page.flags)"},
        {&l.page.count, "OFFSET(page.count)"},
        {&l.page.count_size, "SIZE(page.count)"},
        {&l.page.kind_number[0], "NUMBER(PG_FREE)"},
        {&l.page.kind_number[1], "NUMBER(PG_RESERVED)"},
        {&l.page.kind_number[2], "NUMBER(PG_KERNEL)"},
        {&l.page.kind_number[3], "NUMBER(PG_PGTABLE)"},
        {&l.page.kind_number[4], "NUMBER(PG_ANON)"},
        {&l.page.kind_number[5], "NUMBER(PG_CACHE)"},
    };
    for (auto [field, name] : names) {
        auto v = info.get(name);
        if (!v) return v.error();
        *field = *v;
    }
    // The narrow fields are read by their size: 1, 2 or 4 bytes.
    for (uint32_t size : {l.page.kind_size, l.page.order_size, l.page.flags_size, l.page.count_size, l.sb.transient_size})
        if (size != 1 && size != 2 && size != 4)
            return make_error(ErrorKind::BadImage, "kernel-info table: a field of " + std::to_string(size) +
                                                       " bytes, where 1, 2 or 4 were expected");
    return l;
}

}  // namespace forkscope
