/*
 * kernel/check_objects.c - check=vm, the kernel objects and pids (mm/check.c does the
 * frames and page tables). After every system call:
 *
 *  1. Each cache's objects in use equal the objects their owners hold: task_structs =
 *     tasks, mm_structs = mms, vm_area_structs = the mms' VMAs, and one files_struct,
 *     fs_struct, sighand_struct, signal_struct per distinct one the tasks point at, one
 *     struct file per distinct file the descriptor tables and VMAs refer to.
 *  2. Each shared object's reference count equals the references found: tasks for the
 *     per-task structures (mm_users for an mm), descriptors and VMAs for a file.
 *  3. The pid bitmap holds exactly the tasks' pids (and pid 0, the idle task).
 *  4. Inodes: the inode cache holds exactly the inodes on inode_list, every name in a
 *     directory points at one of them, each one's i_nlink equals its names (a
 *     directory: 2 + its subdirectories while it has a name, 0 once removed), its
 *     i_count equals the open files and the fs_structs' root and cwd that hold it (+1
 *     for a file system's root, +1 per /proc directory below a /proc directory), and an
 *     inode with neither names nor users is a leak (for /proc: one nothing holds).
 *
 * A fork that unwinds badly, or an exit that forgets a put, shows up here as an object,
 * a reference or a pid left behind. One state holds references no owner shows: an
 * execve waiting in de_thread for its process's other threads to go already holds the
 * new program's file and, if it must unshare them, new signal handlers; files and
 * signal handlers are not counted while one waits.
 *
 * Tasks are few, so the per-task structures are counted by comparing each task with
 * the ones before it; files, which can be many, carry a mark for the walk
 * (f_check_gen, f_check_refs).
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmcheck.h>

/* A structure tasks share by pointer, with the reference count at count_offset. */
struct shared_kind {
	const char *cache;      /* the kmem cache its objects come from */
	size_t task_offset;     /* where a task_struct points at it */
	size_t count_offset;    /* its reference count (an int) */
};

static const struct shared_kind shared_kinds[] = {
	{ "files_cache", offsetof(struct task_struct, files), offsetof(struct files_struct, count) },
	{ "fs_cache", offsetof(struct task_struct, fs), offsetof(struct fs_struct, count) },
	{ "sighand_cache", offsetof(struct task_struct, sighand), offsetof(struct sighand_struct, count) },
	{ "signal_cache", offsetof(struct task_struct, signal), offsetof(struct signal_struct, count) },
	{ "mm_struct", offsetof(struct task_struct, mm), offsetof(struct mm_struct, mm_users) },
};

static void *task_field(struct task_struct *t, size_t offset)
{
	return *(void **)((char *)t + offset);
}

static long cache_in_use(const char *name)
{
	struct kmem_cache *c;

	list_for_each_entry(c, &cache_chain, next)
		if (!strcmp(c->name, name))
			return (long)c->active_objs;
	return -1;
}

static void check_cache(const char *name, unsigned long owned)
{
	long in_use = cache_in_use(name);

	if (in_use >= 0 && (unsigned long)in_use != owned)
		vm_violation("cache %s has %ld objects in use, their owners hold %lu", name, in_use,
			     owned);
}

/* Is obj already the field of a task before t on the task list? */
static bool seen_before(struct task_struct *t, size_t offset, void *obj)
{
	struct task_struct *u;

	list_for_each_entry(u, &task_list, tasks) {
		if (u == t)
			return false;
		if (task_field(u, offset) == obj)
			return true;
	}
	return false;
}

static void check_shared(const struct shared_kind *k)
{
	struct task_struct *t, *u;
	unsigned long distinct = 0;

	list_for_each_entry(t, &task_list, tasks) {
		void *obj = task_field(t, k->task_offset);
		int users = 0, count;

		if (!obj || seen_before(t, k->task_offset, obj))
			continue;
		distinct++;
		list_for_each_entry(u, &task_list, tasks)
			users += task_field(u, k->task_offset) == obj;
		count = *(int *)((char *)obj + k->count_offset);
		if (count != users)
			vm_violation("%s object of pid %d: count %d, %d tasks use it", k->cache, t->pid,
				     count, users);
	}
	/* An mm without tasks (mm_users 0, kept by mm_count) would still be on mm_list:
	 * the mm cache is checked against that list below. */
	if (strcmp(k->cache, "mm_struct"))
		check_cache(k->cache, distinct);
}

static unsigned int file_gen;   /* a file's f_check_refs count only if f_check_gen is this */

/* Visits every reference to a struct file: each descriptor of each distinct table, and
 * each VMA that maps a file. */
static void for_each_file_ref(void (*visit)(struct file *f, unsigned long *distinct),
			      unsigned long *distinct)
{
	struct task_struct *t;
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	int fd;

	list_for_each_entry(t, &task_list, tasks) {
		struct files_struct *files = t->files;

		if (!files || seen_before(t, offsetof(struct task_struct, files), files))
			continue;
		for (fd = 0; fd < NR_OPEN; fd++)
			if (files->fd[fd])
				visit(files->fd[fd], distinct);
	}
	list_for_each_entry(mm, &mm_list, mmlist)
		for (vma = mm->mmap; vma; vma = vma->vm_next)
			if (vma->vm_file)
				visit(vma->vm_file, distinct);
	/* A task in poll or select holds the files it waits on (fs/select.c). */
	list_for_each_entry(t, &task_list, tasks)
		if (t->poll_table)
			for (fd = 0; fd < t->poll_table->nr; fd++)
				visit(t->poll_table->entries[fd].filp, distinct);
	/* A task whose open sleeps (a fifo's) holds the file before it has a descriptor. */
	list_for_each_entry(t, &task_list, tasks)
		if (t->opening_file)
			visit(t->opening_file, distinct);
}

static void count_file_ref(struct file *f, unsigned long *distinct)
{
	if (f->f_check_gen != file_gen) {
		f->f_check_gen = file_gen;
		f->f_check_refs = 0;
		(*distinct)++;
	}
	f->f_check_refs++;
}

/* Second pass: compare, once per file (the mark is then cleared); each open file
 * holds its inode once. */
static void check_file_ref(struct file *f, unsigned long *distinct)
{
	(void)distinct;
	if (f->f_check_gen != file_gen)
		return;
	f->f_check_gen = 0;
	if (f->f_inode)
		f->f_inode->i_check_refs++;
	if (f->f_inode && (f->f_mode & FMODE_WRITE))
		f->f_inode->i_check_writers++;
	if (f->f_count != f->f_check_refs)
		vm_violation("file %p: f_count %d, %d descriptors, mappings and polls refer to it",
			     (void *)f, f->f_count, f->f_check_refs);
}

static void check_files(void)
{
	unsigned long distinct = 0;

	if (++file_gen == 0)   /* 0 means "not marked": skip it */
		file_gen = 1;
	for_each_file_ref(count_file_ref, &distinct);
	for_each_file_ref(check_file_ref, NULL);
	check_cache("filp", distinct);
}

static void check_mms_and_tasks(void)
{
	struct task_struct *t;
	struct mm_struct *mm;
	unsigned long tasks = 0, mms = 0, vmas = 0;

	list_for_each_entry(t, &task_list, tasks) {
		tasks++;
		if (!pid_in_use(t->pid))
			vm_violation("pid %d of a live task is free in the pid bitmap", t->pid);
	}
	check_cache("task_struct", tasks);
	if ((unsigned long)pids_in_use() != tasks + 1)   /* + pid 0, the idle task */
		vm_violation("%d pids in use, for %lu tasks and the idle task", pids_in_use(), tasks);
	list_for_each_entry(mm, &mm_list, mmlist) {
		mms++;
		vmas += mm->map_count;
	}
	check_cache("mm_struct", mms);
	check_cache("vm_area_struct", vmas);
}

static bool exec_in_de_thread(void)
{
	struct task_struct *t;

	list_for_each_entry(t, &task_list, tasks)
		if (t->signal && t->signal->group_exit_task)
			return true;
	return false;
}

static unsigned int inode_gen;

/* Marks every inode and counts its names; reports names of inodes that are not there. */
static void count_names(void)
{
	struct inode *inode;
	struct dentry *d;
	unsigned long inodes = 0, dentries = 0;

	if (++inode_gen == 0)
		inode_gen = 1;
	list_for_each_entry(inode, &inode_list, i_list) {
		inode->i_check_gen = inode_gen;
		inode->i_check_refs = inode->i_check_names = inode->i_check_writers = 0;
		inodes++;
	}
	list_for_each_entry(inode, &inode_list, i_list) {
		if (!S_ISDIR(inode->i_mode))
			continue;
		list_for_each_entry(d, &inode->i_subdirs, d_child) {
			dentries++;
			if (d->d_dir != inode)
				vm_violation("name '%s' in directory %lu says it is in another", d->d_name,
					     inode->i_ino);
			if (d->d_inode->i_check_gen != inode_gen)
				vm_violation("name '%s' in directory %lu points at a freed inode", d->d_name,
					     inode->i_ino);
			else
				d->d_inode->i_check_names++;
		}
	}
	check_cache("inode_cache", inodes);
	if (inodes != nr_inodes)
		vm_violation("%lu inodes on the list, nr_inodes says %lu", inodes, nr_inodes);
	if (dentries != nr_dentries)
		vm_violation("%lu names in directories, nr_dentries says %lu", dentries, nr_dentries);
}

/* After the files added theirs: the fs_structs' references, then every count. */
static void check_inodes(void)
{
	struct task_struct *t;
	struct inode *inode;

	list_for_each_entry(t, &task_list, tasks) {
		if (!t->fs || seen_before(t, offsetof(struct task_struct, fs), t->fs))
			continue;
		t->fs->root->i_check_refs++;
		t->fs->pwd->i_check_refs++;
	}
	list_for_each_entry(inode, &inode_list, i_list) {
		if (inode == inode->i_sb->s_root)
			inode->i_check_refs++;   /* a file system's root is held for good */
		else if (inode->i_sb->s_transient && S_ISDIR(inode->i_mode))
			inode->i_parent->i_check_refs++;   /* /proc: a directory holds its parent */
	}
	list_for_each_entry(inode, &inode_list, i_list) {
		unsigned int want = (unsigned int)inode->i_check_names;

		if (inode->i_sb->s_transient) {   /* /proc: only what something holds is left */
			if (inode->i_count != inode->i_check_refs)
				vm_violation("/proc inode %lu: i_count %d, %d files, fs_structs and "
					     "directories hold it", inode->i_ino, inode->i_count,
					     inode->i_check_refs);
			if (!inode->i_count)
				vm_violation("/proc inode %lu is held by nothing but was not freed",
					     inode->i_ino);
			continue;
		}

		if (S_ISDIR(inode->i_mode)) {
			struct dentry *d;
			unsigned int subdirs = 0;

			list_for_each_entry(d, &inode->i_subdirs, d_child)
				subdirs += S_ISDIR(d->d_inode->i_mode);
			want = (inode->i_check_names || inode == root_inode) ? 2 + subdirs : 0;
			if (inode->i_check_names > 1)
				vm_violation("directory %lu has %d names", inode->i_ino, inode->i_check_names);
		}
		if (inode->i_nlink != want)
			vm_violation("inode %lu: i_nlink %u, %u expected from its names", inode->i_ino,
				     inode->i_nlink, want);
		if (inode->i_count != inode->i_check_refs)
			vm_violation("inode %lu: i_count %d, %d files and fs_structs hold it", inode->i_ino,
				     inode->i_count, inode->i_check_refs);
		if (!inode->i_nlink && !inode->i_count)
			vm_violation("inode %lu has no names and no users but was not freed", inode->i_ino);
		if (inode->i_writecount != inode->i_check_writers)
			vm_violation("inode %lu: i_writecount %d, %d files open for writing", inode->i_ino,
				     inode->i_writecount, inode->i_check_writers);
	}
}

void check_objects(void)
{
	bool exec_waits = exec_in_de_thread();
	size_t i;

	check_mms_and_tasks();
	for (i = 0; i < ARRAY_SIZE(shared_kinds); i++)
		if (!exec_waits || strcmp(shared_kinds[i].cache, "sighand_cache"))
			check_shared(&shared_kinds[i]);
	count_names();
	if (!exec_waits) {
		check_files();
		check_inodes();
	}
}
