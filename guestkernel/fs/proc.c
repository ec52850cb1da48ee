/*
 * fs/proc.c - /proc, a second file system behind the same inode operations.
 *
 * The root is mounted on the ramfs directory /proc at boot (the image's archive has one). Everything below it is made
 * by lookups, as Linux's procfs makes its inodes: /proc/meminfo, cpuinfo, uptime,
 * loadavg, the link /proc/self, and for each process (thread-group leader) /proc/PID
 * with exe (a link to the program's file), maps, status, stat, cmdline and fd/ (a link
 * per descriptor). Such an inode lives while something holds it (an open file, a
 * working directory) and goes at the end of the system call otherwise
 * (prune_transient_inodes), so a process that is gone leaves nothing behind. A file's
 * text is made when it is first read and kept with the open file (one page at most),
 * so one open sees one snapshot, as seq_file gives.
 *
 * /proc/PID/maps prints each VMA in Linux's format for a 32-bit kernel (the name padded
 * to column 49). A file's name is the one it was opened by (a rename later is not
 * seen; " (deleted)" once it has no names). Following a fd/N link leads to the open
 * file itself (proc_fd_follow), not to that name, as on Linux.
 */
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timer.h>

#define PROC_SUPER_MAGIC 0x9fa0
#define PROC_DEV 3                   /* st_dev (0, 3) */
#define PROC_BUF_SIZE 4096

struct super_block proc_sb = {
	.s_magic = PROC_SUPER_MAGIC,
	.s_dev = PROC_DEV,
	.s_transient = true,
};

enum proc_kind {
	P_ROOT, P_SELF, P_MEMINFO, P_CPUINFO, P_UPTIME, P_LOADAVG,
	P_PID, P_EXE, P_MAPS, P_STATUS, P_STAT, P_CMDLINE, P_FD, P_FD_LINK,
};

/* What an inode stands for: kind, process, descriptor; kept in i_private as a number. */
#define COOKIE(kind, pid, fd) ((void *)(((unsigned long)(pid) << 14) | ((unsigned long)(fd) << 5) | (kind)))
#define KIND(i) ((enum proc_kind)((unsigned long)(i)->i_private & 0x1f))
#define FDNUM(i) ((int)(((unsigned long)(i)->i_private >> 5) & 0x1ff))
#define PID(i) ((int)((unsigned long)(i)->i_private >> 14))

/* A /proc inode's number follows from what it stands for, so readdir can give the
 * number a later lookup's inode will have (C libraries skip entries whose d_ino is 0),
 * as procfs's are; ramfs counts up from 1 and stays far below. */
#define PROC_INO_BASE 0x80000000UL
#define PROC_INO(kind, pid, fd) (PROC_INO_BASE + (unsigned long)COOKIE(kind, pid, fd))

struct proc_entry {
	const char *name;
	enum proc_kind kind;
	unsigned int mode;
};

static const struct proc_entry root_entries[] = {
	{ "cpuinfo", P_CPUINFO, S_IFREG | 0444 },
	{ "loadavg", P_LOADAVG, S_IFREG | 0444 },
	{ "meminfo", P_MEMINFO, S_IFREG | 0444 },
	{ "self", P_SELF, S_IFLNK | 0777 },
	{ "uptime", P_UPTIME, S_IFREG | 0444 },
};

static const struct proc_entry pid_entries[] = {
	{ "cmdline", P_CMDLINE, S_IFREG | 0444 },
	{ "exe", P_EXE, S_IFLNK | 0777 },
	{ "fd", P_FD, S_IFDIR | 0500 },
	{ "maps", P_MAPS, S_IFREG | 0444 },
	{ "stat", P_STAT, S_IFREG | 0444 },
	{ "status", P_STATUS, S_IFREG | 0444 },
};

static const struct inode_operations proc_dir_inode_operations, proc_fd_link_inode_operations;
static const struct file_operations proc_dir_operations, proc_file_operations;

/* A live process by its pid: the thread-group leader (zombies too, as on Linux). */
static struct task_struct *proc_task(int pid)
{
	struct task_struct *t = find_task_by_pid(pid);

	return t && t->pid == t->tgid ? t : NULL;
}

/* The name of an open file, as /proc/PID/fd and maps show it. */
const char *file_name_for(struct file *f, char *buf, size_t size)
{
	if (f->f_inode) {
		snprintf(buf, size, "%s%s", f->f_path ? f->f_path : "?",
			 f->f_inode->i_nlink || f->f_inode->i_sb->s_transient ? "" : " (deleted)");
	} else if (is_console_file(f)) {
		snprintf(buf, size, "/dev/console");
	} else {
		snprintf(buf, size, "pipe:[%lu]", ((struct pipe_inode_info *)f->private_data)->ino);
	}
	return buf;
}

/* The program's file: the file of its first file-backed mapping (exec maps it first). */
static struct file *exe_file(struct task_struct *t)
{
	struct vm_area_struct *vma;

	for (vma = t->mm ? t->mm->mmap : NULL; vma; vma = vma->vm_next)
		if (vma->vm_file)
			return vma->vm_file;
	return NULL;
}

static struct inode *proc_new_inode(struct inode *dir, const struct proc_entry *e, int pid, int fd,
				    const char *name, unsigned int len)
{
	struct task_struct *t = pid ? proc_task(pid) : NULL;
	struct inode *inode = new_inode(&proc_sb, e->mode);
	char buf[160];

	if (!inode)
		return NULL;
	inode->i_nlink = S_ISDIR(e->mode) ? 2 : 1;
	inode->i_uid = t ? t->euid : 0;
	inode->i_private = COOKIE(e->kind, pid, fd);
	inode->i_ino = PROC_INO(e->kind, pid, fd);
	inode->i_op = e->kind == P_FD_LINK ? &proc_fd_link_inode_operations : &proc_dir_inode_operations;
	if (S_ISDIR(e->mode)) {
		struct dentry *d = kmalloc(sizeof(*d) + len + 1);

		inode->i_fop = &proc_dir_operations;
		if (d) {                    /* its name, for getcwd; on no list */
			d->d_inode = inode;
			d->d_dir = dir;
			d->d_namelen = len;
			memcpy(d->d_name, name, len);
			d->d_name[len] = '\0';
			INIT_LIST_HEAD(&d->d_child);
		}
		inode->i_dentry = d;
		inode->i_parent = dir;
		iget(dir);                  /* ".." stays valid while we do */
	} else if (S_ISREG(e->mode)) {
		inode->i_fop = &proc_file_operations;
	} else {                            /* a link: its target, now */
		const char *target = NULL;

		if (e->kind == P_SELF) {
			snprintf(buf, sizeof(buf), "%d", current->tgid);
			target = buf;
		} else if (e->kind == P_EXE && t && exe_file(t)) {
			target = file_name_for(exe_file(t), buf, sizeof(buf));
		} else if (e->kind == P_FD_LINK && t && t->files && t->files->fd[fd]) {
			target = file_name_for(t->files->fd[fd], buf, sizeof(buf));
		}
		if (target) {
			inode->i_link = kmalloc(strlen(target) + 1);
			if (inode->i_link)
				memcpy(inode->i_link, target, strlen(target) + 1);
			inode->i_size = (loff_t)strlen(target);
		}
	}
	return inode;
}

static bool parse_number(const char *s, unsigned int len, int *res)
{
	int v = 0;
	unsigned int i;

	if (!len || len > 9 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*res = v;
	return true;
}

static struct inode *proc_lookup(struct inode *dir, const char *name, unsigned int len)
{
	static const struct proc_entry pid_dir = { "", P_PID, S_IFDIR | 0555 };
	static const struct proc_entry fd_link = { "", P_FD_LINK, S_IFLNK | 0700 };
	const struct proc_entry *table = NULL;
	size_t i, n = 0;
	int pid = PID(dir), num;

	switch (KIND(dir)) {
	case P_ROOT:
		table = root_entries;
		n = ARRAY_SIZE(root_entries);
		if (parse_number(name, len, &num) && proc_task(num))
			return proc_new_inode(dir, &pid_dir, num, 0, name, len);
		break;
	case P_PID:
		table = pid_entries;
		n = ARRAY_SIZE(pid_entries);
		break;
	case P_FD:
		if (parse_number(name, len, &num) && num < NR_OPEN && proc_task(pid) &&
		    proc_task(pid)->files && proc_task(pid)->files->fd[num])
			return proc_new_inode(dir, &fd_link, pid, num, name, len);
		return NULL;
	default:
		return NULL;
	}
	if (KIND(dir) != P_ROOT && !proc_task(pid))
		return NULL;
	for (i = 0; i < n; i++)
		if (strlen(table[i].name) == len && !memcmp(table[i].name, name, len))
			return proc_new_inode(dir, &table[i], pid, 0, name, len);
	return NULL;
}

static const struct inode_operations proc_dir_inode_operations = {
	.lookup = proc_lookup,
};

/* Following /proc/PID/fd/N leads to the open file itself, not to its name, as on
 * Linux: a file renamed or removed since, a pipe, the console. */
static int proc_fd_follow(struct inode *link, struct nameidata *nd)
{
	struct task_struct *t = proc_task(PID(link));
	struct file *f = t && t->files ? t->files->fd[FDNUM(link)] : NULL;

	if (!f)
		return -ENOENT;
	nd->file = f;
	nd->inode = f->f_inode && f->f_inode->i_mount ? f->f_inode->i_mount : f->f_inode;
	nd->dentry = NULL;
	return 0;
}

static const struct inode_operations proc_fd_link_inode_operations = {
	.follow_link = proc_fd_follow,
};

/* ---- directories ---- */

#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10
#define PID_POS_BASE 16              /* readdir positions of /proc/PID entries: 16 + pid */

static unsigned int dt(unsigned int mode)
{
	return S_ISDIR(mode) ? DT_DIR : S_ISLNK(mode) ? DT_LNK : DT_REG;
}

static int proc_readdir(struct file *f, struct dir_context *ctx)
{
	struct inode *dir = f->f_inode;
	struct task_struct *t = KIND(dir) == P_ROOT ? NULL : proc_task(PID(dir));
	const struct proc_entry *table = KIND(dir) == P_ROOT ? root_entries : pid_entries;
	size_t n = KIND(dir) == P_ROOT ? ARRAY_SIZE(root_entries) : ARRAY_SIZE(pid_entries);
	char name[16];

	if (KIND(dir) != P_ROOT && !t)
		return -ENOENT;
	if (ctx->pos == 0) {
		if (!ctx->actor(ctx, ".", 1, 1, dir->i_ino, DT_DIR))
			return 0;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		if (!ctx->actor(ctx, "..", 2, 2, dir->i_parent->i_ino, DT_DIR))
			return 0;
		ctx->pos = 2;
	}
	if (KIND(dir) == P_FD) {            /* one link per open descriptor */
		int fd;

		for (fd = (int)ctx->pos - 2; t->files && fd < NR_OPEN; fd++) {
			if (!t->files->fd[fd])
				continue;
			snprintf(name, sizeof(name), "%d", fd);
			if (!ctx->actor(ctx, name, (unsigned int)strlen(name), fd + 3,
					PROC_INO(P_FD_LINK, PID(dir), fd), DT_LNK))
				return 0;
			ctx->pos = fd + 3;
		}
		ctx->pos = NR_OPEN + 2;
		return 0;
	}
	while (ctx->pos - 2 < (loff_t)n) {
		const struct proc_entry *e = &table[ctx->pos - 2];

		if (!ctx->actor(ctx, e->name, (unsigned int)strlen(e->name), ctx->pos + 1,
				PROC_INO(e->kind, KIND(dir) == P_ROOT ? 0 : PID(dir), 0), dt(e->mode)))
			return 0;
		ctx->pos++;
	}
	if (KIND(dir) == P_ROOT) {          /* then the processes, by pid */
		if (ctx->pos < PID_POS_BASE)
			ctx->pos = PID_POS_BASE;
		for (;;) {
			struct task_struct *p, *next = NULL;

			list_for_each_entry(p, &task_list, tasks)
				if (p->pid == p->tgid && p->pid >= ctx->pos - PID_POS_BASE &&
				    p->exit_state != EXIT_DEAD && (!next || p->pid < next->pid))
					next = p;
			if (!next)
				break;
			snprintf(name, sizeof(name), "%d", next->pid);
			if (!ctx->actor(ctx, name, (unsigned int)strlen(name), PID_POS_BASE + next->pid + 1,
					PROC_INO(P_PID, next->pid, 0), DT_DIR))
				return 0;
			ctx->pos = PID_POS_BASE + next->pid + 1;
		}
	}
	return 0;
}

static loff_t proc_llseek(struct file *f, loff_t offset, int whence)
{
	loff_t pos = whence == SEEK_SET ? offset : whence == SEEK_CUR ? f->f_pos + offset : -1;

	if (whence != SEEK_SET && whence != SEEK_CUR)
		return -EINVAL;
	if (pos < 0)
		return -EINVAL;
	f->f_pos = pos;
	return pos;
}

static long proc_dir_read(struct file *f, char *buf, size_t count, loff_t *pos)
{
	(void)f, (void)buf, (void)count, (void)pos;
	return -EISDIR;
}

static const struct file_operations proc_dir_operations = {
	.llseek = proc_llseek,
	.read = proc_dir_read,
	.iterate = proc_readdir,
};

/* ---- the files' text ---- */

struct proc_buf {
	size_t len;
	char text[PROC_BUF_SIZE - sizeof(size_t)];
};

__attribute__((format(printf, 2, 3)))
static void out(struct proc_buf *b, const char *fmt, ...)
{
	va_list args;
	int n;

	if (b->len >= sizeof(b->text))
		return;
	va_start(args, fmt);
	n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, args);
	va_end(args);
	b->len = min(b->len + (size_t)n, sizeof(b->text) - 1);
}

static void meminfo(struct proc_buf *b)
{
	unsigned long kstack = 0;
	struct task_struct *t;

	list_for_each_entry(t, &task_list, tasks)
		kstack += THREAD_SIZE / 1024;
#define KB(name, pages) out(b, "%-16s%8lu kB\n", name ":", (unsigned long)(pages) << (PAGE_SHIFT - 10))
	KB("MemTotal", totalram_pages);
	KB("MemFree", nr_free_pages);
	KB("MemAvailable", nr_free_pages);
	KB("Buffers", 0);
	KB("Cached", nr_kind_pages[PG_CACHE]);
	KB("SwapCached", 0);
	KB("AnonPages", nr_kind_pages[PG_ANON]);
	KB("Shmem", ramfs_sb.s_blocks);
	out(b, "%-16s%8lu kB\n", "KernelStack:", kstack);
	KB("PageTables", nr_kind_pages[PG_PGTABLE]);
	KB("SwapTotal", 0);
	KB("SwapFree", 0);
#undef KB
}

static void cpuid(unsigned int leaf, unsigned int *r)
{
	__asm__ __volatile__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static void cpuinfo(struct proc_buf *b)
{
	static const char *const edx_flags[32] = {
		"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", NULL, "sep",
		"mtrr", "pge", "mca", "cmov", "pat", "pse36", "pn", "clflush", NULL, "dts", "acpi",
		"mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe",
	};
	unsigned int r[4], vendor[4], name[13], family, model, i;

	cpuid(0, r);
	vendor[0] = r[1];
	vendor[1] = r[3];
	vendor[2] = r[2];
	vendor[3] = 0;
	cpuid(1, r);
	family = (r[0] >> 8) & 0xf;
	model = (r[0] >> 4) & 0xf;
	if (family == 0xf)
		family += (r[0] >> 20) & 0xff;
	if (family >= 6)
		model |= ((r[0] >> 16) & 0xf) << 4;
	out(b, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n", (char *)vendor,
	    family, model);
	cpuid(0x80000000, name);
	if (name[0] >= 0x80000004) {
		for (i = 0; i < 3; i++)
			cpuid(0x80000002 + i, name + 4 * i);
		name[12] = 0;
		out(b, "model name\t: %s\n", (char *)name);
	}
	out(b, "stepping\t: %u\nfpu\t\t: %s\nflags\t\t:", r[0] & 0xf, (r[3] & 1) ? "yes" : "no");
	cpuid(1, r);
	for (i = 0; i < 32; i++)
		if ((r[3] & (1U << i)) && edx_flags[i])
			out(b, " %s", edx_flags[i]);
	out(b, "\n\n");
}

/* Load averages as Linux keeps them: every 5 s, runnable and uninterruptible tasks,
 * in 11-bit fixed point with the 1, 5 and 15 minute decay factors. */
#define FSHIFT 11
#define FIXED_1 (1UL << FSHIFT)
#define LOAD_FREQ (5 * HZ)
static const unsigned long exp_factor[3] = { 1884, 2014, 2037 };
static unsigned long avenrun[3];
static struct timer_list load_timer;

static unsigned long nr_active(bool running_only)
{
	struct task_struct *t;
	unsigned long n = 0;

	list_for_each_entry(t, &task_list, tasks)
		if (!t->exit_state && (t->state == TASK_RUNNING ||
				       (!running_only && t->state == TASK_UNINTERRUPTIBLE)))
			n++;
	return n;
}

static void calc_load(unsigned long unused)
{
	unsigned long active = nr_active(false) * FIXED_1;
	int i;

	(void)unused;
	for (i = 0; i < 3; i++)
		avenrun[i] = (avenrun[i] * exp_factor[i] + active * (FIXED_1 - exp_factor[i]) +
			      FIXED_1 / 2) >> FSHIFT;
	load_timer.expires = jiffies + LOAD_FREQ;
	add_timer(&load_timer);
}

static void loadavg(struct proc_buf *b)
{
	struct task_struct *t;
	unsigned long total = 0;
	int last = 0, i;

	list_for_each_entry(t, &task_list, tasks) {
		total++;
		last = t->pid;   /* the newest task (the list is in creation order) */
	}
	for (i = 0; i < 3; i++)
		out(b, "%lu.%02lu ", avenrun[i] >> FSHIFT, ((avenrun[i] & (FIXED_1 - 1)) * 100) >> FSHIFT);
	out(b, "%lu/%lu %d\n", nr_active(true), total, last);
}

static void uptime(struct proc_buf *b)
{
	unsigned long idle = init_task.utime + init_task.stime;

	out(b, "%lu.%02lu %lu.%02lu\n", jiffies / HZ, (jiffies % HZ) * 100 / HZ, idle / HZ,
	    (idle % HZ) * 100 / HZ);
}

/* Bytes of another process's memory (the pages it has; stops at one it has not). */
static size_t read_mm(struct mm_struct *mm, unsigned long addr, char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		pte_t *pte = pte_lookup(mm, addr);
		unsigned long n = min(PAGE_SIZE - (addr & ~PAGE_MASK), (unsigned long)(len - done));

		if (!pte || !pte_present(*pte))
			break;
		memcpy(buf + done, (char *)__va(*pte & PTE_PFN_MASK) + (addr & ~PAGE_MASK), n);
		done += n;
		addr += n;
	}
	return done;
}

static void cmdline(struct proc_buf *b, struct task_struct *t)
{
	struct mm_struct *mm = t->mm;

	if (!mm || mm->arg_end <= mm->arg_start)
		return;
	b->len = read_mm(mm, mm->arg_start, b->text,
			 min((size_t)(mm->arg_end - mm->arg_start), sizeof(b->text)));
}

static void maps(struct proc_buf *b, struct task_struct *t)
{
	struct vm_area_struct *vma;
	char name[160];

	for (vma = t->mm ? t->mm->mmap : NULL; vma; vma = vma->vm_next) {
		struct inode *inode = vma->vm_file ? vma->vm_file->f_inode : NULL;
		const char *what = NULL;
		size_t start = b->len;

		out(b, "%08lx-%08lx %c%c%c%c %08lx %02lx:%02lx %lu ", vma->vm_start, vma->vm_end,
		    (vma->vm_flags & VM_READ) ? 'r' : '-', (vma->vm_flags & VM_WRITE) ? 'w' : '-',
		    (vma->vm_flags & VM_EXEC) ? 'x' : '-', (vma->vm_flags & VM_MAYSHARE) ? 's' : 'p',
		    inode ? vma->vm_pgoff << PAGE_SHIFT : 0, inode ? inode->i_sb->s_dev >> 8 : 0,
		    inode ? inode->i_sb->s_dev & 0xff : 0, inode ? inode->i_ino : 0);
		if (inode)
			what = file_name_for(vma->vm_file, name, sizeof(name));
		else if (vma->vm_start <= t->mm->brk && vma->vm_end >= t->mm->start_brk &&
			 t->mm->brk > t->mm->start_brk)
			what = "[heap]";
		else if (vma->vm_start <= t->mm->start_stack && vma->vm_end >= t->mm->start_stack)
			what = "[stack]";
		if (what)   /* 25 + 6 * sizeof(void *) - 1 columns, then a blank: seq_pad */
			out(b, "%*s %s", (int)(48 - min(b->len - start, (size_t)48)), "", what);
		out(b, "\n");
	}
}

static char task_state(struct task_struct *t, const char **name)
{
	if (t->exit_state) {
		*name = "zombie";
		return 'Z';
	}
	switch (t->state) {
	case TASK_RUNNING:
		*name = "running";
		return 'R';
	case TASK_UNINTERRUPTIBLE:
		*name = "disk sleep";
		return 'D';
	}
	*name = "sleeping";
	return 'S';
}

static int nr_threads(struct task_struct *leader)
{
	struct task_struct *t;
	int n = 0;

	list_for_each_entry(t, &task_list, tasks)
		n += t->tgid == leader->tgid && !t->exit_state;
	return n ? n : 1;
}

static unsigned long vm_pages(struct mm_struct *mm, unsigned long flags, unsigned long none)
{
	struct vm_area_struct *vma;
	unsigned long n = 0;

	for (vma = mm ? mm->mmap : NULL; vma; vma = vma->vm_next)
		if ((vma->vm_flags & flags) == flags && !(vma->vm_flags & none))
			n += (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
	return n;
}

static void sigmask_line(struct proc_buf *b, const char *name, const sigset_t *s)
{
	out(b, "%s:\t%08lx%08lx\n", name, (unsigned long)s->sig[1], (unsigned long)s->sig[0]);
}

static void status(struct proc_buf *b, struct task_struct *t)
{
	struct mm_struct *mm = t->mm;
	const char *state_name;
	char state = task_state(t, &state_name);
	sigset_t ign, cgt;
	int i;

	sigemptyset(&ign);
	sigemptyset(&cgt);
	for (i = 1; t->sighand && i < _NSIG; i++) {
		void *h = t->sighand->action[i - 1].handler;

		if (h == SIG_IGN)
			sigaddset(&ign, i);
		else if (h != SIG_DFL)
			sigaddset(&cgt, i);
	}
	out(b, "Name:\t%s\nUmask:\t%04o\nState:\t%c (%s)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
	    "TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t0\t0\t0\t0\nFDSize:\t%d\nGroups:\t\n",
	    t->comm, t->fs ? t->fs->umask : 0, state, state_name, t->tgid, t->pid,
	    t->real_parent && t->real_parent != &init_task ? t->real_parent->tgid : 0,
	    t->uid, t->euid, t->suid, t->euid, NR_OPEN);
	if (mm) {
		out(b, "VmSize:\t%8lu kB\nVmRSS:\t%8lu kB\nVmData:\t%8lu kB\nVmStk:\t%8lu kB\nVmExe:\t%8lu kB\n",
		    mm->total_vm << 2, mm->rss << 2, vm_pages(mm, VM_WRITE, VM_SHARED | VM_GROWSDOWN) << 2,
		    vm_pages(mm, VM_GROWSDOWN, 0) << 2, (PAGE_ALIGN(mm->end_code) - (mm->start_code & PAGE_MASK)) >> 10);
	}
	out(b, "Threads:\t%d\n", nr_threads(t));
	sigmask_line(b, "SigPnd", &t->pending.signal);
	sigmask_line(b, "SigBlk", &t->blocked);
	sigmask_line(b, "SigIgn", &ign);
	sigmask_line(b, "SigCgt", &cgt);
}

/* The 52 fields of Linux's /proc/PID/stat; what this kernel does not keep is 0. */
static void pid_stat(struct proc_buf *b, struct task_struct *t)
{
	struct mm_struct *mm = t->mm;
	const char *state_name;
	char state = task_state(t, &state_name);

	out(b, "%d (%s) %c %d %d %d 0 -1 %lu 0 0 0 0 %lu %lu 0 0 20 0 %d 0 %lu %lu %lu 4294967295 ",
	    t->pid, t->comm, state, t->real_parent && t->real_parent != &init_task ? t->real_parent->tgid : 0,
	    t->pgrp, t->session, t->flags, t->utime, t->stime, nr_threads(t), t->start_time,
	    mm ? mm->total_vm << PAGE_SHIFT : 0, mm ? mm->rss : 0);
	out(b, "%lu %lu %lu 0 0 0 0 0 0 0 0 0 %d 0 0 0 0 0 0 %lu %lu %lu %lu %lu %lu %lu %d\n",
	    mm ? mm->start_code : 0, mm ? mm->end_code : 0, mm ? mm->start_stack : 0, t->exit_signal,
	    mm ? mm->start_data : 0, mm ? mm->end_data : 0, mm ? mm->start_brk : 0,
	    mm ? mm->arg_start : 0, mm ? mm->arg_end : 0, mm ? mm->env_start : 0, mm ? mm->env_end : 0,
	    t->exit_code);
}

static int fill(struct file *f, struct proc_buf *b)
{
	struct inode *inode = f->f_inode;
	struct task_struct *t = NULL;

	if (KIND(inode) >= P_PID) {
		t = proc_task(PID(inode));
		if (!t)
			return -ESRCH;      /* the process has gone since the open */
	}
	switch (KIND(inode)) {
	case P_MEMINFO: meminfo(b); break;
	case P_CPUINFO: cpuinfo(b); break;
	case P_UPTIME: uptime(b); break;
	case P_LOADAVG: loadavg(b); break;
	case P_CMDLINE: cmdline(b, t); break;
	case P_MAPS: maps(b, t); break;
	case P_STATUS: status(b, t); break;
	case P_STAT: pid_stat(b, t); break;
	default: return -EINVAL;
	}
	return 0;
}

static long proc_read(struct file *f, char *buf, size_t count, loff_t *pos)
{
	struct proc_buf *b = f->private_data;
	size_t n;

	if (!b) {
		int err;

		b = kmalloc(sizeof(*b));
		if (!b)
			return -ENOMEM;
		err = fill(f, b);
		if (err) {
			kfree(b);
			return err;
		}
		f->private_data = b;
	}
	if (*pos >= (loff_t)b->len)
		return 0;
	n = min(count, b->len - (size_t)*pos);
	if (copy_to_user(buf, b->text + *pos, n))
		return -EFAULT;
	*pos += (loff_t)n;
	return (long)n;
}

static void proc_release(struct file *f)
{
	kfree(f->private_data);
}

static const struct file_operations proc_file_operations = {
	.llseek = proc_llseek,
	.read = proc_read,
	.release = proc_release,
};

/* Mounts the proc root on the directory /proc, when the archive has one (as Linux's
 * init mounts it where the image made room for it). */
int __init proc_root_init(void)
{
	static const struct proc_entry root = { "", P_ROOT, S_IFDIR | 0555 };
	struct dentry *d = d_find(root_inode, "proc", 4);
	struct inode *inode;

	if (!d || !S_ISDIR(d->d_inode->i_mode)) {
		printk(KERN_DEBUG "proc: no directory /proc in the initramfs, not mounted\n");
		return 0;
	}
	inode = new_inode(&proc_sb, root.mode);
	if (!inode)
		return -ENOMEM;
	inode->i_nlink = 2;
	inode->i_private = COOKIE(P_ROOT, 0, 0);
	inode->i_ino = PROC_INO(P_ROOT, 0, 0);
	inode->i_op = &proc_dir_inode_operations;
	inode->i_fop = &proc_dir_operations;
	inode->i_dentry = d;                /* getcwd names it by its mount point */
	inode->i_parent = root_inode;
	iget(inode);                        /* held for good */
	proc_sb.s_root = inode;
	d->d_inode->i_mount = inode;
	load_timer.function = calc_load;
	load_timer.expires = jiffies + LOAD_FREQ;
	add_timer(&load_timer);
	return 0;
}
