/*
 * fs/open.c - opening files, working directories, stat.
 *
 * The root file system is read-only: opening for writing, creating, truncating,
 * making or removing anything fails with EROFS (or the error that comes first on
 * Linux, e.g. ENOENT for a missing parent, EEXIST for O_CREAT|O_EXCL of an existing
 * file).
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>

struct file *dentry_open(struct inode *inode, unsigned int flags, int *err)
{
	struct file *f;

	if (!S_ISREG(inode->i_mode) && !S_ISDIR(inode->i_mode)) {
		*err = -ENXIO;   /* device nodes and fifos in the archive lead nowhere */
		return NULL;
	}
	f = get_empty_filp();
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	f->f_flags = flags;
	f->f_mode = FMODE_READ;
	f->f_op = inode->i_fop;
	f->f_inode = inode;
	*err = 0;
	return f;
}

/* Is the directory that would hold the last component of kname there? */
static bool parent_exists(const char *kname)
{
	char *buf = kmalloc(PATH_MAX);
	char *slash;
	struct inode *dir;
	int err;

	if (!buf)
		return false;
	strlcpy(buf, kname, PATH_MAX);
	slash = buf + strlen(buf);
	while (slash > buf && slash[-1] == '/')   /* "dir/name/" names "name" */
		*--slash = '\0';
	while (slash > buf && slash[-1] != '/')
		slash--;
	if (slash == buf)
		strlcpy(buf, ".", PATH_MAX);
	else
		*slash = '\0';
	dir = path_lookup(buf[0] ? buf : "/", &err);
	kfree(buf);
	return dir && S_ISDIR(dir->i_mode);
}

static long do_open(const char *kname, int flags)
{
	struct inode *inode;
	struct file *f;
	int err, fd;

	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	inode = path_lookup(kname, &err);
	if (!inode) {
		/* Creating would need a writable file system, if the parent exists. */
		if (err == -ENOENT && (flags & O_CREAT) && parent_exists(kname))
			return -EROFS;
		return err;
	}
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if ((flags & O_DIRECTORY) && !S_ISDIR(inode->i_mode))
		return -ENOTDIR;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return S_ISDIR(inode->i_mode) ? -EISDIR : -EROFS;

	fd = get_unused_fd(0);
	if (fd < 0)
		return fd;
	f = dentry_open(inode, (unsigned int)flags & ~(unsigned int)(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY), &err);
	if (!f)
		return err;
	fd_install(fd, f, flags & O_CLOEXEC);
	return fd;
}

long sys_open(const char *filename, int flags, int mode)
{
	char *buf = kmalloc(PATH_MAX);
	long ret;

	(void)mode;
	if (!buf)
		return -ENOMEM;
	ret = getname(filename, buf);
	if (ret >= 0)
		ret = do_open(buf, flags);
	kfree(buf);
	return ret;
}

#define AT_FDCWD (-100)

long sys_openat(int dfd, const char *filename, int flags, int mode)
{
	/* Only what needs no directory descriptor: absolute names or the cwd. */
	if (dfd != AT_FDCWD) {
		char c;
		if (get_user(c, filename))
			return -EFAULT;
		if (c != '/')
			return fget(dfd) ? -ENOTDIR : -EBADF;
	}
	return sys_open(filename, flags, mode);
}

long sys_creat(const char *pathname, int mode)
{
	return sys_open(pathname, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* Everything that would change the file system. */
static long read_only_fs(const char *upath, bool must_exist)
{
	struct inode *inode;
	int err = user_path_lookup(upath, &inode);

	if (err == -ENOENT && !must_exist)
		return -EROFS;
	if (err)
		return err;
	return must_exist ? -EROFS : -EEXIST;
}

long sys_mkdir(const char *pathname, int mode)
{
	(void)mode;
	return read_only_fs(pathname, false);
}

long sys_rmdir(const char *pathname)
{
	return read_only_fs(pathname, true);
}

long sys_unlink(const char *pathname)
{
	return read_only_fs(pathname, true);
}

long sys_chdir(const char *filename)
{
	struct inode *inode;
	int err = user_path_lookup(filename, &inode);

	if (err)
		return err;
	if (!S_ISDIR(inode->i_mode))
		return -ENOTDIR;
	current->fs->pwd = inode;
	return 0;
}

long sys_fchdir(unsigned int fd)
{
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	if (!f->f_inode || !S_ISDIR(f->f_inode->i_mode))
		return -ENOTDIR;
	current->fs->pwd = f->f_inode;
	return 0;
}

/* Linux's getcwd returns the length including the NUL. */
long sys_getcwd(char *buf, unsigned long size)
{
	char *kbuf = kmalloc(PATH_MAX);
	int len;

	if (!kbuf)
		return -ENOMEM;
	len = inode_path(current->fs->pwd, kbuf, PATH_MAX);
	if (len >= 0 && (unsigned long)len > size)
		len = -ERANGE;
	if (len >= 0 && copy_to_user(buf, kbuf, (unsigned long)len))
		len = -EFAULT;
	kfree(kbuf);
	return len;
}

long sys_umask(int mask)
{
	unsigned int old = current->fs->umask;

	current->fs->umask = (unsigned int)mask & 0777;
	return old;
}

#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

long sys_access(const char *filename, int mode)
{
	struct inode *inode;
	int err;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	err = user_path_lookup(filename, &inode);
	if (err)
		return err;
	if (mode & W_OK)
		return -EROFS;
	/* We run as root: execute needs some x bit (or a directory). */
	if ((mode & X_OK) && !S_ISDIR(inode->i_mode) && !(inode->i_mode & 0111))
		return -EACCES;
	return 0;
}

long sys_readlink(const char *path, char *buf, int bufsiz)
{
	struct inode *inode;
	int err;

	(void)buf;
	if (bufsiz <= 0)
		return -EINVAL;
	err = user_path_lookup(path, &inode);
	if (err)
		return err;
	return -EINVAL;   /* no symbolic links are followed or kept */
}

/* ---- stat ---- */

struct stat64 {
	u64 st_dev;
	u8 __pad0[4];
	u32 __st_ino;
	u32 st_mode;
	u32 st_nlink;
	u32 st_uid;
	u32 st_gid;
	u64 st_rdev;
	u8 __pad3[4];
	s64 st_size;
	u32 st_blksize;
	u64 st_blocks;
	u32 st_atime, st_atime_nsec;
	u32 st_mtime, st_mtime_nsec;
	u32 st_ctime, st_ctime_nsec;
	u64 st_ino;
} __packed;

BUILD_BUG_ON(sizeof(struct stat64) != 96);

#define INITRAMFS_DEV 1            /* (0, 1): like Linux's rootfs */

static long stat_inode(struct inode *inode, struct stat64 *ubuf)
{
	struct stat64 st;

	memset(&st, 0, sizeof(st));
	st.st_dev = INITRAMFS_DEV;
	st.__st_ino = (u32)inode->i_ino;
	st.st_ino = inode->i_ino;
	st.st_mode = inode->i_mode;
	st.st_nlink = inode->i_nlink;
	st.st_size = S_ISDIR(inode->i_mode) ? 0 : (s64)inode->i_size;
	st.st_blksize = PAGE_SIZE;
	st.st_blocks = (inode->i_size + 511) / 512;
	st.st_atime = st.st_mtime = st.st_ctime = (u32)inode->i_mtime;
	return copy_to_user(ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

long sys_stat64(const char *filename, struct stat64 *statbuf)
{
	struct inode *inode;
	int err = user_path_lookup(filename, &inode);

	return err ? err : stat_inode(inode, statbuf);
}

long sys_lstat64(const char *filename, struct stat64 *statbuf)
{
	return sys_stat64(filename, statbuf);
}

long sys_fstat64(unsigned int fd, struct stat64 *statbuf)
{
	struct file *f = fget((int)fd);
	struct stat64 st;

	if (!f)
		return -EBADF;
	if (f->f_inode)
		return stat_inode(f->f_inode, statbuf);
	memset(&st, 0, sizeof(st));
	if (is_console_file(f)) {
		st.st_mode = S_IFCHR | 0620;
		st.st_rdev = (4 << 8) | 64;   /* ttyS0 */
		st.st_dev = 5;
	} else {
		st.st_mode = S_IFIFO | 0600;
		st.st_dev = 8;
	}
	st.st_nlink = 1;
	st.st_blksize = PAGE_SIZE;
	return copy_to_user(statbuf, &st, sizeof(st)) ? -EFAULT : 0;
}
