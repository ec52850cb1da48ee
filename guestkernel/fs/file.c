/*
 * fs/file.c - open files and descriptor tables.
 *
 * A struct file is one opening (position, flags, the operations for what it is); it is
 * referenced by descriptors (in one or more files_struct tables, after dup or fork) and
 * by mappings, and released when the last reference goes. A files_struct is a
 * process's descriptor table; an fs_struct its root and working directory.
 */
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>

extern struct kmem_cache *files_cachep, *fs_cachep;
static struct kmem_cache *filp_cachep;
unsigned long nr_files;

void __init files_init(void)
{
	filp_cachep = kmem_cache_create("filp", sizeof(struct file), 8);
}

struct file *get_empty_filp(void)
{
	struct file *f = kmem_cache_alloc(filp_cachep);

	if (f) {
		f->f_count = 1;
		nr_files++;
	}
	return f;
}

void fput(struct file *f)
{
	if (--f->f_count > 0)
		return;
	if (f->f_op && f->f_op->release)
		f->f_op->release(f);
	kfree(f->f_path);
	if (f->f_inode && (f->f_mode & FMODE_WRITE))
		f->f_inode->i_writecount--;
	if (f->f_inode)
		iput(f->f_inode);
	nr_files--;
	kmem_cache_free(filp_cachep, f);
}

struct file *fget(int fd)
{
	struct files_struct *files = current->files;

	if (!files || fd < 0 || fd >= NR_OPEN)
		return NULL;
	return files->fd[fd];
}

static bool test_bit(const unsigned long *map, int nr) { return (map[nr / 32] >> (nr % 32)) & 1; }
static void set_bit(unsigned long *map, int nr) { map[nr / 32] |= 1UL << (nr % 32); }
static void clear_bit(unsigned long *map, int nr) { map[nr / 32] &= ~(1UL << (nr % 32)); }

int get_unused_fd(int start)
{
	struct files_struct *files = current->files;
	int fd;

	for (fd = start < 0 ? 0 : start; fd < NR_OPEN && (unsigned long)fd < rlimit(RLIMIT_NOFILE); fd++)
		if (!files->fd[fd])
			return fd;
	return -EMFILE;
}

void fd_install(int fd, struct file *f, bool cloexec)
{
	struct files_struct *files = current->files;

	files->fd[fd] = f;
	if (cloexec)
		set_bit(files->close_on_exec, fd);
	else
		clear_bit(files->close_on_exec, fd);
}

struct files_struct *alloc_files(void)
{
	struct files_struct *files = kmem_cache_alloc(files_cachep);

	if (files)
		files->count = 1;
	return files;
}

static void close_files(struct files_struct *files)
{
	int fd;

	for (fd = 0; fd < NR_OPEN; fd++)
		if (files->fd[fd]) {
			struct file *f = files->fd[fd];
			files->fd[fd] = NULL;
			fput(f);
		}
}

void put_files_struct(struct files_struct *files)
{
	if (--files->count == 0) {
		close_files(files);
		kmem_cache_free(files_cachep, files);
	}
}

void exit_files(struct task_struct *t)
{
	struct files_struct *files = t->files;

	if (files) {
		t->files = NULL;
		put_files_struct(files);
	}
}

void flush_old_files(struct files_struct *files)
{
	int fd;

	for (fd = 0; fd < NR_OPEN; fd++)
		if (test_bit(files->close_on_exec, fd)) {
			struct file *f = files->fd[fd];
			files->fd[fd] = NULL;
			clear_bit(files->close_on_exec, fd);
			if (f)
				fput(f);
		}
}

struct fs_struct *alloc_fs(struct inode *root)
{
	struct fs_struct *fs = kmem_cache_alloc(fs_cachep);

	if (fs) {
		fs->count = 1;
		fs->root = fs->pwd = root;
		iget(root);
		iget(root);
		fs->umask = 022;
	}
	return fs;
}

/* The working directory and root hold their inodes (a removed one stays until then). */
void set_fs_pwd(struct fs_struct *fs, struct inode *inode)
{
	struct inode *old = fs->pwd;

	iget(inode);
	fs->pwd = inode;
	iput(old);
}

void set_fs_root(struct fs_struct *fs, struct inode *inode)
{
	struct inode *old = fs->root;

	iget(inode);
	fs->root = inode;
	iput(old);
}

void exit_fs(struct task_struct *t)
{
	struct fs_struct *fs = t->fs;

	if (fs) {
		t->fs = NULL;
		if (--fs->count == 0) {
			iput(fs->root);
			iput(fs->pwd);
			kmem_cache_free(fs_cachep, fs);
		}
	}
}

/* ---- system calls on descriptors ---- */

long sys_close(unsigned int fd)
{
	struct files_struct *files = current->files;
	struct file *f;

	if (fd >= NR_OPEN || !(f = files->fd[fd]))
		return -EBADF;
	files->fd[fd] = NULL;
	clear_bit(files->close_on_exec, (int)fd);
	fput(f);
	return 0;
}

static long do_dup(struct file *f, int start, bool cloexec)
{
	int fd = get_unused_fd(start);

	if (fd < 0)
		return fd;
	fd_install(fd, get_file(f), cloexec);
	return fd;
}

long sys_dup(unsigned int fildes)
{
	struct file *f = fget((int)fildes);

	if (!f)
		return -EBADF;
	return do_dup(f, 0, false);
}

static long do_dup3(unsigned int oldfd, unsigned int newfd, bool cloexec)
{
	struct files_struct *files = current->files;
	struct file *f = fget((int)oldfd), *old;

	if (!f)
		return -EBADF;
	if (newfd >= NR_OPEN || newfd >= rlimit(RLIMIT_NOFILE))
		return -EBADF;
	if (oldfd == newfd)
		return newfd;
	old = files->fd[newfd];
	fd_install((int)newfd, get_file(f), cloexec);
	if (old)
		fput(old);
	return newfd;
}

long sys_dup2(unsigned int oldfd, unsigned int newfd)
{
	return do_dup3(oldfd, newfd, false);
}

long sys_dup3(unsigned int oldfd, unsigned int newfd, int flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	return do_dup3(oldfd, newfd, flags & O_CLOEXEC);
}

long sys_fcntl(unsigned int fd, unsigned int cmd, unsigned long arg)
{
	struct files_struct *files = current->files;
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg >= NR_OPEN || arg >= rlimit(RLIMIT_NOFILE))
			return -EINVAL;
		return do_dup(f, (int)arg, cmd == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return test_bit(files->close_on_exec, (int)fd) ? FD_CLOEXEC : 0;
	case F_SETFD:
		if (arg & FD_CLOEXEC)
			set_bit(files->close_on_exec, (int)fd);
		else
			clear_bit(files->close_on_exec, (int)fd);
		return 0;
	case F_GETFL:
		return f->f_flags & ~(unsigned int)O_CLOEXEC;
	case F_SETFL:
		/* Only O_NONBLOCK and O_APPEND change after open. */
		f->f_flags = (f->f_flags & ~(unsigned int)(O_NONBLOCK | O_APPEND)) |
			     (arg & (O_NONBLOCK | O_APPEND));
		return 0;
	}
	return -EINVAL;
}
