/*
 * fs/exec.c - execve: replace the calling process's program with a static i386 ELF
 * executable from the initramfs.
 *
 * Everything that can fail happens before the point of no return: the file is checked
 * (ENOENT, EACCES, ENOEXEC for anything but a static little-endian i386 ET_EXEC), a new
 * mm is built with a VMA per PT_LOAD segment (file bytes copied in on first touch, bss
 * zero-filled), and the new stack is filled: the argument and environment strings copied
 * from the old address space (E2BIG past MAX_ARG_BYTES), then argc, argv[], envp[] and
 * the auxiliary vector. Only then is the old mm dropped, caught signals reset, O_CLOEXEC
 * descriptors closed and the registers set to start at the entry point.
 *
 * New stack, from STACK_TOP down: a zero word, the file name (AT_EXECFN), the
 * environment strings, the argument strings, "i686" (AT_PLATFORM), 16 random bytes
 * (AT_RANDOM), then, 16-byte aligned at the new ESP: argc, argv..., 0, envp..., 0,
 * auxv pairs (AT_SYSINFO and AT_SYSINFO_EHDR first when the vDSO is there), AT_NULL.
 */
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/ptrace.h>
#include <asm/uaccess.h>
#include <asm/vsyscall.h>
#include <linux/binfmts.h>
#include <linux/elf.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <linux/selfdump.h>

#define STACK_INIT_SIZE (256UL * 1024)   /* the stack VMA to start with; faults grow it */
/* Linux reads a program header table of up to 64 KiB (2048 entries of 32 bytes). */
#define MAX_PHDR_BYTES 65536

struct linux_binprm {
	struct mm_struct *mm;
	struct vm_area_struct *stack;
	struct file *file;
	struct inode *inode;
	const struct elf32_hdr *ehdr;    /* &ehdr_buf once it is checked */
	const struct elf32_phdr *phdr;
	struct elf32_hdr ehdr_buf;   /* read from the file */
	char *phdr_buf;              /* the program headers, read from the file: kmalloc'd, or */
	unsigned int phdr_order;     /* ... pages of this order when more than kmalloc gives (> 0) */
	unsigned long p;             /* lowest byte in use at the top of the new stack */
	unsigned long arg_bytes;     /* counted against MAX_ARG_BYTES */
	int argc, envc;
	bool kernel_args;
};

/* The kernel address of uaddr on the new stack; its page is allocated on first use. */
static char *stack_kaddr(struct linux_binprm *bprm, unsigned long uaddr)
{
	pte_t *pte = pte_alloc(bprm->mm, uaddr);

	if (!pte)
		return NULL;
	if (!pte_mapped(*pte)) {
		struct page *page = alloc_zeroed_page(PG_ANON);

		if (!page)
			return NULL;
		*pte = page_to_phys(page) | vma_pte_bits(bprm->stack->vm_flags);
		bprm->mm->rss++;
	}
	return (char *)__va(*pte & PTE_PFN_MASK) + (uaddr & ~PAGE_MASK);
}

static int copy_to_stack(struct linux_binprm *bprm, unsigned long uaddr, const void *src,
			 unsigned long len, bool from_user)
{
	const char *s = src;

	while (len) {
		char *dst = stack_kaddr(bprm, uaddr);
		unsigned long n = min(len, PAGE_SIZE - (uaddr & ~PAGE_MASK));

		if (!dst)
			return -ENOMEM;
		if (from_user) {
			if (copy_from_user(dst, s, n))
				return -EFAULT;
		} else {
			memcpy(dst, s, n);
		}
		uaddr += n;
		s += n;
		len -= n;
	}
	return 0;
}

static int put_stack_word(struct linux_binprm *bprm, unsigned long uaddr, u32 val)
{
	return copy_to_stack(bprm, uaddr, &val, sizeof(val), false);
}

/* Counts a NULL-terminated pointer array (argv or envp). */
static int count_strings(struct linux_binprm *bprm, const char *const *argv)
{
	int i = 0;

	if (!argv)
		return 0;
	for (;;) {
		const char *p;

		if (bprm->kernel_args)
			p = argv[i];
		else if (get_user(p, argv + i))
			return -EFAULT;
		if (!p)
			return i;
		if ((unsigned long)++i > MAX_ARG_BYTES / sizeof(void *))
			return -E2BIG;
	}
}

/* Copies one string to just below bprm->p. */
static int copy_string(struct linux_binprm *bprm, const char *s, bool from_user)
{
	long len = from_user ? strnlen_user(s, MAX_ARG_STRLEN) : (long)strlen(s);
	int err;

	if (len < 0)
		return (int)len;
	if (len >= MAX_ARG_STRLEN)
		return -E2BIG;
	bprm->arg_bytes += (unsigned long)len + 1 + sizeof(void *);
	if (bprm->arg_bytes > MAX_ARG_BYTES)
		return -E2BIG;
	bprm->p -= (unsigned long)len + 1;
	err = copy_to_stack(bprm, bprm->p, s, (unsigned long)len, from_user);
	if (err)
		return err;
	/* The NUL is ours, whatever the string turned into while we copied it. */
	return copy_to_stack(bprm, bprm->p + (unsigned long)len, "", 1, false);
}

/* argv[count-1] first, so that the strings end up in order going up. */
static int copy_strings(struct linux_binprm *bprm, int count, const char *const *argv)
{
	int i, err;

	for (i = count - 1; i >= 0; i--) {
		const char *s;

		if (bprm->kernel_args)
			s = argv[i];
		else if (get_user(s, argv + i))
			return -EFAULT;
		if (!s)
			return -EFAULT;   /* the array changed under us */
		err = copy_string(bprm, s, !bprm->kernel_args);
		if (err)
			return err;
	}
	return 0;
}

/* Writes the pointers to `count` consecutive strings starting at uaddr. */
static int put_string_pointers(struct linux_binprm *bprm, unsigned long *slot, unsigned long uaddr,
			       int count)
{
	int i;

	for (i = 0; i < count; i++) {
		if (put_stack_word(bprm, *slot, (u32)uaddr))
			return -ENOMEM;
		*slot += 4;
		/* Skip to the byte after this string's NUL. */
		for (;;) {
			const char *k = stack_kaddr(bprm, uaddr);
			unsigned long room = PAGE_SIZE - (uaddr & ~PAGE_MASK);
			size_t n;

			if (!k)
				return -ENOMEM;
			n = strnlen(k, room);
			uaddr += n;
			if (n < room) {
				uaddr++;
				break;
			}
		}
	}
	return put_stack_word(bprm, (*slot += 4) - 4, 0);
}

/* Room for the program headers: kmalloc up to a page, contiguous pages beyond. */
static int alloc_phdr_buf(struct linux_binprm *bprm, unsigned long bytes)
{
	if (bytes <= KMALLOC_MAX_SIZE) {
		bprm->phdr_buf = kmalloc(bytes);
	} else {
		while (((unsigned long)PAGE_SIZE << bprm->phdr_order) < bytes)
			bprm->phdr_order++;
		bprm->phdr_buf = __get_free_pages(PG_KERNEL, bprm->phdr_order);
	}
	return bprm->phdr_buf ? 0 : -ENOMEM;
}

static void free_phdr_buf(struct linux_binprm *bprm)
{
	if (bprm->phdr_order)
		free_pages(bprm->phdr_buf, bprm->phdr_order);
	else
		kfree(bprm->phdr_buf);
}

static int check_elf(struct linux_binprm *bprm)
{
	struct inode *inode = bprm->inode;
	const struct elf32_hdr *eh = &bprm->ehdr_buf;
	unsigned long i, loads = 0, size = (unsigned long)inode->i_size, phdr_bytes;
	int err;

	if (kernel_read(inode, 0, &bprm->ehdr_buf, sizeof(*eh)) != sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4))
		return -ENOEXEC;
	if (eh->e_ident[4] != ELFCLASS32 || eh->e_ident[5] != ELFDATA2LSB ||
	    eh->e_ident[6] != EV_CURRENT || eh->e_type != ET_EXEC || eh->e_machine != EM_386)
		return -ENOEXEC;
	phdr_bytes = (unsigned long)eh->e_phnum * sizeof(struct elf32_phdr);
	if (eh->e_phentsize != sizeof(struct elf32_phdr) || !eh->e_phnum || phdr_bytes > MAX_PHDR_BYTES)
		return -ENOEXEC;
	if (eh->e_phoff > size || phdr_bytes > size - eh->e_phoff)
		return -ENOEXEC;
	err = alloc_phdr_buf(bprm, phdr_bytes);
	if (err)
		return err;
	bprm->ehdr = eh;
	bprm->phdr = (const struct elf32_phdr *)bprm->phdr_buf;
	kernel_read(inode, eh->e_phoff, bprm->phdr_buf, phdr_bytes);
	for (i = 0; i < eh->e_phnum; i++) {
		const struct elf32_phdr *ph = &bprm->phdr[i];

		if (ph->p_type == PT_INTERP || ph->p_type == PT_DYNAMIC)
			return -ENOEXEC;   /* static executables only */
		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		if (ph->p_filesz > ph->p_memsz || ph->p_offset > size ||
		    ph->p_filesz > size - ph->p_offset)
			return -ENOEXEC;
		if ((ph->p_vaddr & ~PAGE_MASK) != (ph->p_offset & ~PAGE_MASK))
			return -ENOEXEC;
		if (ph->p_vaddr < PAGE_SIZE || ph->p_vaddr > STACK_TOP - STACK_INIT_SIZE ||
		    ph->p_memsz > STACK_TOP - STACK_INIT_SIZE - ph->p_vaddr)
			return -ENOEXEC;
		loads++;
	}
	return loads ? 0 : -ENOEXEC;
}

static unsigned long vm_flags_of(u32 p_flags)
{
	return ((p_flags & PF_R) ? VM_READ : 0) | ((p_flags & PF_W) ? VM_WRITE : 0) |
	       ((p_flags & PF_X) ? VM_EXEC : 0) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
}

/* One VMA for the file-backed pages of each PT_LOAD, one more for bss beyond them. */
static int map_segments(struct linux_binprm *bprm, unsigned long *phdr_addr)
{
	struct mm_struct *mm = bprm->mm;
	unsigned long i, brk = 0;

	*phdr_addr = 0;
	mm->start_code = mm->start_data = ~0UL;
	for (i = 0; i < bprm->ehdr->e_phnum; i++) {
		const struct elf32_phdr *ph = &bprm->phdr[i];
		unsigned long start = ph->p_vaddr & PAGE_MASK, file_end = ph->p_vaddr + ph->p_filesz;
		unsigned long mem_end = ph->p_vaddr + ph->p_memsz, flags = vm_flags_of(ph->p_flags);
		unsigned long anon_start = PAGE_ALIGN(file_end), r;

		if (ph->p_type == PT_PHDR)
			*phdr_addr = ph->p_vaddr;
		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		if (ph->p_filesz) {
			r = do_mmap(mm, bprm->file, start, anon_start - start, flags | VM_EXECUTABLE, true,
				    (ph->p_offset & PAGE_MASK) >> PAGE_SHIFT, file_end);
			if (IS_ERR_VALUE(r))
				return (int)r;
		} else {
			anon_start = start;
		}
		if (PAGE_ALIGN(mem_end) > anon_start) {
			r = do_mmap(mm, NULL, anon_start, PAGE_ALIGN(mem_end) - anon_start, flags, true, 0, 0);
			if (IS_ERR_VALUE(r))
				return (int)r;
		}
		if (!*phdr_addr && ph->p_offset <= bprm->ehdr->e_phoff &&
		    bprm->ehdr->e_phoff + bprm->ehdr->e_phnum * sizeof(*ph) <= ph->p_offset + ph->p_filesz)
			*phdr_addr = ph->p_vaddr + (bprm->ehdr->e_phoff - ph->p_offset);
		if (ph->p_flags & PF_X) {
			mm->start_code = min(mm->start_code, (unsigned long)ph->p_vaddr);
			mm->end_code = max(mm->end_code, file_end);
		} else {
			mm->start_data = min(mm->start_data, (unsigned long)ph->p_vaddr);
			mm->end_data = max(mm->end_data, file_end);
		}
		brk = max(brk, mem_end);
	}
	if (mm->start_code == ~0UL)
		mm->start_code = 0;
	if (mm->start_data == ~0UL)
		mm->start_data = 0;
	mm->start_brk = mm->brk = PAGE_ALIGN(brk);
	return 0;
}

static u32 exec_random(void)
{
	static u32 state = 0x2545f491;

	/* xorshift32, stirred with the clock: different per exec, same on every run. */
	state ^= (u32)jiffies * 0x9e3779b9u;
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

static int create_tables(struct linux_binprm *bprm, const char *filename, unsigned long phdr_addr,
			 unsigned long *sp_out)
{
	struct mm_struct *mm = bprm->mm;
	unsigned long platform, random, sp, slot, argv_start = mm->arg_start;
	u32 rnd[4], cpuid_a = 1, cpuid_b, cpuid_c, cpuid_d;
	unsigned int i, nauxv = 0;
	u32 auxv[2 * 22];
	int err;

	(void)filename;
	bprm->p -= 5;
	platform = bprm->p;
	if ((err = copy_to_stack(bprm, platform, "i686", 5, false)))
		return err;
	bprm->p -= sizeof(rnd);
	random = bprm->p;
	for (i = 0; i < 4; i++)
		rnd[i] = exec_random();
	if ((err = copy_to_stack(bprm, random, rnd, sizeof(rnd), false)))
		return err;

	__asm__ __volatile__("cpuid" : "+a"(cpuid_a), "=b"(cpuid_b), "=c"(cpuid_c), "=d"(cpuid_d));
#define NEW_AUX_ENT(type, val) do { auxv[nauxv++] = (type); auxv[nauxv++] = (u32)(val); } while (0)
	if (vdso_enabled) {   /* first, as Linux's ARCH_DLINFO puts them */
		NEW_AUX_ENT(AT_SYSINFO, __kernel_vsyscall);
		NEW_AUX_ENT(AT_SYSINFO_EHDR, VDSO_BASE);
	}
	NEW_AUX_ENT(AT_HWCAP, cpuid_d);
	NEW_AUX_ENT(AT_PAGESZ, PAGE_SIZE);
	NEW_AUX_ENT(AT_CLKTCK, HZ);
	NEW_AUX_ENT(AT_PHDR, phdr_addr);
	NEW_AUX_ENT(AT_PHENT, sizeof(struct elf32_phdr));
	NEW_AUX_ENT(AT_PHNUM, bprm->ehdr->e_phnum);
	NEW_AUX_ENT(AT_BASE, 0);
	NEW_AUX_ENT(AT_FLAGS, 0);
	NEW_AUX_ENT(AT_ENTRY, bprm->ehdr->e_entry);
	NEW_AUX_ENT(AT_UID, 0);
	NEW_AUX_ENT(AT_EUID, 0);
	NEW_AUX_ENT(AT_GID, 0);
	NEW_AUX_ENT(AT_EGID, 0);
	NEW_AUX_ENT(AT_SECURE, 0);
	NEW_AUX_ENT(AT_RANDOM, random);
	NEW_AUX_ENT(AT_EXECFN, mm->env_end);
	NEW_AUX_ENT(AT_PLATFORM, platform);
	NEW_AUX_ENT(AT_NULL, 0);
#undef NEW_AUX_ENT

	sp = bprm->p - (1 + (unsigned long)bprm->argc + 1 + (unsigned long)bprm->envc + 1) * 4 - nauxv * 4;
	sp &= ~15UL;
	slot = sp;
	if ((err = put_stack_word(bprm, slot, (u32)bprm->argc)))
		return err;
	slot += 4;
	if ((err = put_string_pointers(bprm, &slot, argv_start, bprm->argc)))
		return err;
	if ((err = put_string_pointers(bprm, &slot, mm->env_start, bprm->envc)))
		return err;
	if ((err = copy_to_stack(bprm, slot, auxv, nauxv * 4, false)))
		return err;
	*sp_out = sp;
	return 0;
}

/* Builds the new address space and stack; nothing of the caller changes yet. */
static int prepare_binprm(struct linux_binprm *bprm, const char *filename,
			  const char *const *argv, const char *const *envp, unsigned long *sp,
			  unsigned long *phdr_addr)
{
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	size_t flen = strlen(filename);
	int err;

	bprm->argc = count_strings(bprm, argv);
	if (bprm->argc < 0)
		return bprm->argc;
	bprm->envc = count_strings(bprm, envp);
	if (bprm->envc < 0)
		return bprm->envc;

	mm = bprm->mm = mm_alloc();
	if (!mm)
		return -ENOMEM;
	vma = vma_alloc();
	if (!vma)
		return -ENOMEM;
	vma->vm_start = STACK_TOP - STACK_INIT_SIZE;
	vma->vm_end = STACK_TOP;
	vma->vm_flags = VM_READ | VM_WRITE | VM_GROWSDOWN | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if ((err = insert_vm_struct(mm, vma))) {
		vma_free(vma);
		return err;
	}
	bprm->stack = vma;
	mm->start_stack = STACK_TOP;

	/* A zero word at the very top, then the file name. */
	bprm->p = STACK_TOP - sizeof(void *);
	if ((err = put_stack_word(bprm, bprm->p, 0)))
		return err;
	bprm->arg_bytes = flen + 1;
	bprm->p -= flen + 1;
	if ((err = copy_to_stack(bprm, bprm->p, filename, flen + 1, false)))
		return err;
	mm->env_end = bprm->p;          /* AT_EXECFN */
	if ((err = copy_strings(bprm, bprm->envc, envp)))
		return err;
	mm->env_start = bprm->p;
	mm->arg_end = bprm->p;
	if ((err = copy_strings(bprm, bprm->argc, argv)))
		return err;
	mm->arg_start = bprm->p;

	if ((err = map_segments(bprm, phdr_addr)))
		return err;
	return create_tables(bprm, filename, *phdr_addr, sp);
}

static const char *basename(const char *path)
{
	const char *slash = NULL, *p;

	for (p = path; *p; p++)
		if (*p == '/' && p[1])
			slash = p;
	return slash ? slash + 1 : path;
}

noinline int do_execve(const char *filename, const char *const *argv, const char *const *envp,
		       bool kernel_args, struct pt_regs *regs)
{
	struct linux_binprm *bprm;
	struct task_struct *tsk = current;
	struct mm_struct *old_mm;
	unsigned long sp = 0, phdr_addr = 0;
	struct inode *inode;
	struct nameidata nd;
	int err;

	err = path_walk_at(AT_FDCWD, filename, LOOKUP_FOLLOW, &nd);
	if (err)
		return err;
	inode = nd.inode;
	if (!S_ISREG(inode->i_mode))
		return -EACCES;
	err = permission(inode, MAY_EXEC);
	if (err)
		return err;
	if (inode->i_writecount)
		return -ETXTBSY;           /* open for writing somewhere */

	bprm = kmalloc(sizeof(*bprm));
	if (!bprm)
		return -ENOMEM;
	bprm->kernel_args = kernel_args;
	bprm->inode = inode;
	bprm->file = dentry_open(inode, O_RDONLY, &err);
	if (!bprm->file)
		goto out;
	bprm->file->f_path = nd_path(&nd);   /* /proc/PID/exe and maps */
	err = check_elf(bprm);
	if (err)
		goto out;
	err = prepare_binprm(bprm, filename, argv, envp, &sp, &phdr_addr);
	if (err)
		goto out;

	/* The other threads go first (the only step that may still fail). */
	err = de_thread(tsk);
	if (err)
		goto out;

	/* The point of no return: the new program replaces the old one. A vfork parent
	 * and clear_child_tid are told while the old memory is still in CR3. */
	old_mm = tsk->mm;
	if (old_mm)
		mm_release(tsk, old_mm);
	tsk->mm = tsk->active_mm = bprm->mm;
	bprm->mm = NULL;
	load_cr3(__pa(tsk->mm->pgd));
	if (old_mm)
		mmput(old_mm);
	flush_signal_handlers(tsk);
	tsk->sas_ss_sp = tsk->sas_ss_size = 0;   /* the old image's alternate stack is gone */
	if (tsk->files)
		flush_old_files(tsk->files);
	flush_thread(tsk);
	strlcpy(tsk->comm, basename(filename), sizeof(tsk->comm));
	strlcpy(tsk->exec_path, filename, sizeof(tsk->exec_path));
	start_thread(regs, bprm->ehdr->e_entry, sp);
	printk(KERN_DEBUG "exec: pid %d %s, entry 0x%08x, sp 0x%08lx, %d args\n",
	       tsk->pid, filename, bprm->ehdr->e_entry, sp, bprm->argc);
	err = 0;
out:
	if (bprm->mm)
		mmput(bprm->mm);
	if (bprm->file)
		fput(bprm->file);
	if (bprm->phdr_buf)
		free_phdr_buf(bprm);
	kfree(bprm);
	return err;
}

long sys_execve(const char *filename, const char *const *argv, const char *const *envp)
{
	char *kname = kmalloc(PATH_MAX);
	long err;

	if (!kname)
		return -ENOMEM;
	err = getname(filename, kname);
	if (err >= 0) {
		err = do_execve(kname, argv, envp, false, task_pt_regs(current));
		selfdump_exec((int)err);   /* the exec stop point */
	}
	kfree(kname);
	return err;
}
