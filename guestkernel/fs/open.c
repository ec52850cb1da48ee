/*
 * fs/open.c - opening and creating files, truncation, attributes (chmod, chown,
 * utimes), access checks, working and root directories.
 *
 * open follows Linux's order: a free descriptor first (EMFILE), then the name. With
 * O_CREAT a missing last component is created (mode & ~umask) in its directory, also
 * through a dangling symbolic link; O_EXCL fails on anything there (a link too, which
 * it does not follow). O_NOFOLLOW refuses a link in the last component (ELOOP),
 * O_DIRECTORY anything but a directory (ENOTDIR); a directory opens only for reading
 * (EISDIR). O_TRUNC empties a regular file, once permission to write it is checked.
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

static int acc_mask(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return MAY_READ;
	case O_WRONLY:
		return MAY_WRITE;
	}
	return MAY_READ | MAY_WRITE;
}

struct file *dentry_open(struct inode *inode, unsigned int flags, int *err)
{
	struct file *f;

	if (!inode->i_fop) {
		*err = -ENXIO;
		return NULL;
	}
	f = get_empty_filp();
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	f->f_flags = flags;
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		f->f_mode = FMODE_READ;
		break;
	case O_WRONLY:
		f->f_mode = FMODE_WRITE;
		break;
	default:
		f->f_mode = FMODE_READ | FMODE_WRITE;
		break;
	}
	f->f_op = inode->i_fop;
	f->f_inode = inode;
	iget(inode);
	if (f->f_mode & FMODE_WRITE)
		inode->i_writecount++;
	if (f->f_op->open) {           /* devices and fifos: the driver's open */
		current->opening_file = f;   /* check=vm: a fifo's open may sleep */
		*err = f->f_op->open(inode, f);
		current->opening_file = NULL;
		if (*err) {
			f->f_op = inode->i_fop;   /* nothing to release */
			fput(f);
			return NULL;
		}
	}
	*err = 0;
	return f;
}

/* An open by the kernel (init's console), with the caller's permissions. */
struct file *filp_open(const char *path, unsigned int flags, int *err)
{
	struct nameidata nd;
	struct file *f;

	*err = path_walk_at(AT_FDCWD, path, LOOKUP_FOLLOW, &nd);
	if (*err)
		return NULL;
	*err = permission(nd.inode, acc_mask((int)flags));
	if (*err)
		return NULL;
	f = dentry_open(nd.inode, flags, err);
	if (f)
		f->f_path = nd_path(&nd);
	return f;
}

int do_truncate(struct inode *inode, loff_t length)
{
	struct iattr attr = { .ia_valid = ATTR_SIZE | ATTR_MTIME | ATTR_CTIME };

	if (length < 0)
		return -EINVAL;
	attr.ia_size = length;
	attr.ia_mtime = current_fs_time();
	return notify_change(inode, &attr);
}

static char *kstrdup(const char *s)
{
	char *p = s ? kmalloc(strlen(s) + 1) : NULL;

	if (p)
		memcpy(p, s, strlen(s) + 1);
	return p;
}

static long do_sys_open(int dfd, const char *kname, int flags, int mode)
{
	struct nameidata nd;
	struct inode *inode;
	struct file *f;
	bool created = false;
	unsigned int lookup = LOOKUP_PARENT;
	int err, fd;

	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	fd = get_unused_fd(0);
	if (fd < 0)
		return fd;
	if (!(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL))
		lookup |= LOOKUP_FOLLOW;
	err = path_walk_at(dfd, kname, lookup, &nd);
	if (err)
		return err;
	inode = nd.inode;
	if (nd.file && !inode) {       /* /proc/PID/fd/N of a pipe or the nameless console */
		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			return -EEXIST;
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		flags &= ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
		if (is_console_file(nd.file)) {
			f = console_open();
			err = -ENOMEM;
			if (f)
				f->f_flags = (unsigned int)flags;
		} else {
			f = pipe_reopen(nd.file, (unsigned int)flags, &err);
		}
		if (!f)
			return err;
		fd_install(fd, f, flags & O_CLOEXEC);
		return fd;
	}
	if (flags & O_CREAT) {
		if (nd.last_type != LAST_NORM)
			return -EISDIR;
		if (inode && (flags & O_EXCL))
			return -EEXIST;
		if (!inode) {
			if (nd.trailing_slash)
				return -EISDIR;
			err = nd.dir->i_nlink ? permission(nd.dir, MAY_WRITE | MAY_EXEC) : -ENOENT;
			if (!err && (!nd.dir->i_op || !nd.dir->i_op->create))
				err = -EACCES;
			if (!err)
				err = nd.dir->i_op->create(nd.dir, nd.last, nd.last_len,
							   S_IFREG | ((unsigned int)mode & 07777 & ~current->fs->umask),
							   &inode);
			if (err)
				return err;
			created = true;
		}
	} else if (!inode) {
		return -ENOENT;
	}
	if (S_ISLNK(inode->i_mode))
		return -ELOOP;             /* O_NOFOLLOW */
	if ((flags & O_DIRECTORY) && !S_ISDIR(inode->i_mode))
		return -ENOTDIR;
	if (S_ISDIR(inode->i_mode) && ((flags & O_CREAT) || (flags & O_ACCMODE) != O_RDONLY))
		return -EISDIR;
	if (!created) {
		err = permission(inode, acc_mask(flags) | ((flags & O_TRUNC) ? MAY_WRITE : 0));
		if (err)
			return err;
		if (((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) && S_ISREG(inode->i_mode) &&
		    inode_is_executing(inode))
			return -ETXTBSY;       /* a running program's file */
	}
	f = dentry_open(inode, (unsigned int)flags & ~(unsigned int)(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY), &err);
	if (!f)
		return err;
	nd.inode = inode;
	/* for /proc (maps, fd); none when out of memory */
	f->f_path = nd.file ? kstrdup(nd.file->f_path) : nd_path(&nd);
	if ((flags & O_TRUNC) && S_ISREG(inode->i_mode) && !created && inode->i_size) {
		err = do_truncate(inode, 0);
		if (err) {
			fput(f);
			return err;
		}
	}
	fd_install(fd, f, flags & O_CLOEXEC);
	return fd;
}

long sys_openat(int dfd, const char *filename, int flags, int mode)
{
	long ret;
	char *buf = getname_alloc(filename, &ret);

	if (!buf)
		return ret;
	ret = do_sys_open(dfd, buf, flags, mode);
	kfree(buf);
	return ret;
}

long sys_open(const char *filename, int flags, int mode)
{
	return sys_openat(AT_FDCWD, filename, flags, mode);
}

long sys_creat(const char *pathname, int mode)
{
	return sys_open(pathname, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* ---- truncate ---- */

static long do_sys_truncate(const char *path, loff_t length)
{
	struct inode *inode;
	int err;

	if (length < 0)
		return -EINVAL;
	err = user_path_lookup(path, &inode);
	if (err)
		return err;
	if (S_ISDIR(inode->i_mode))
		return -EISDIR;
	if (!S_ISREG(inode->i_mode))
		return -EINVAL;
	err = permission(inode, MAY_WRITE);
	if (!err && inode_is_executing(inode))
		err = -ETXTBSY;
	return err ? err : do_truncate(inode, length);
}

static long do_sys_ftruncate(unsigned int fd, loff_t length)
{
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	if (length < 0 || !f->f_inode || !S_ISREG(f->f_inode->i_mode) || !(f->f_mode & FMODE_WRITE))
		return -EINVAL;
	return do_truncate(f->f_inode, length);
}

long sys_truncate(const char *path, long length)
{
	return do_sys_truncate(path, length);
}

long sys_ftruncate(unsigned int fd, long length)
{
	return do_sys_ftruncate(fd, length);
}

/* i386: the 64-bit length comes in two registers, low word first. */
long sys_truncate64(const char *path, unsigned long lo, unsigned long hi)
{
	return do_sys_truncate(path, (loff_t)(((u64)hi << 32) | lo));
}

long sys_ftruncate64(unsigned int fd, unsigned long lo, unsigned long hi)
{
	return do_sys_ftruncate(fd, (loff_t)(((u64)hi << 32) | lo));
}

/* ---- chmod, chown ---- */

static long chmod_inode(struct inode *inode, unsigned int mode)
{
	struct iattr attr = { .ia_valid = ATTR_MODE | ATTR_CTIME, .ia_mode = mode & 07777 };

	return notify_change(inode, &attr);
}

long sys_fchmodat(int dfd, const char *filename, unsigned int mode)
{
	struct inode *inode;
	int err = user_path_at(dfd, filename, LOOKUP_FOLLOW, &inode);

	return err ? err : chmod_inode(inode, mode);
}

long sys_chmod(const char *filename, unsigned int mode)
{
	return sys_fchmodat(AT_FDCWD, filename, mode);
}

long sys_fchmod(unsigned int fd, unsigned int mode)
{
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	if (!f->f_inode)
		return -EINVAL;   /* a pipe or the console: nothing here to change */
	return chmod_inode(f->f_inode, mode);
}

/* (unsigned)-1 leaves the owner or group as it is. */
static long chown_inode(struct inode *inode, unsigned int uid, unsigned int gid)
{
	struct iattr attr = { .ia_valid = ATTR_CTIME };

	if (uid != (unsigned int)-1) {
		attr.ia_valid |= ATTR_UID;
		attr.ia_uid = uid;
	}
	if (gid != (unsigned int)-1) {
		attr.ia_valid |= ATTR_GID;
		attr.ia_gid = gid;
	}
	return notify_change(inode, &attr);
}

long sys_fchownat(int dfd, const char *filename, unsigned int uid, unsigned int gid, int flag)
{
	struct inode *inode;
	int err;

	if (flag & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = user_path_at(dfd, filename, ((flag & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
			   ((flag & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &inode);
	return err ? err : chown_inode(inode, uid, gid);
}

long sys_chown32(const char *filename, unsigned int uid, unsigned int gid)
{
	return sys_fchownat(AT_FDCWD, filename, uid, gid, 0);
}

long sys_lchown32(const char *filename, unsigned int uid, unsigned int gid)
{
	return sys_fchownat(AT_FDCWD, filename, uid, gid, AT_SYMLINK_NOFOLLOW);
}

long sys_fchown32(unsigned int fd, unsigned int uid, unsigned int gid)
{
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	if (!f->f_inode)
		return -EINVAL;
	return chown_inode(f->f_inode, uid, gid);
}

/* The old calls take 16-bit ids; 0xffff is -1. */
static unsigned int low2high(unsigned int id)
{
	id &= 0xffff;
	return id == 0xffff ? (unsigned int)-1 : id;
}

long sys_chown16(const char *filename, unsigned int uid, unsigned int gid)
{
	return sys_chown32(filename, low2high(uid), low2high(gid));
}

long sys_lchown16(const char *filename, unsigned int uid, unsigned int gid)
{
	return sys_lchown32(filename, low2high(uid), low2high(gid));
}

long sys_fchown16(unsigned int fd, unsigned int uid, unsigned int gid)
{
	return sys_fchown32(fd, low2high(uid), low2high(gid));
}

/* ---- utimes ---- */

#define UTIME_NOW  ((1L << 30) - 1L)
#define UTIME_OMIT ((1L << 30) - 2L)
#define NSEC_PER_SEC_L 1000000000L

struct kstamp {
	s64 sec;
	long nsec;
};

/*
 * times NULL: both now, which the owner or anyone who may write the file may do.
 * Explicit times need the owner (or root): EPERM.
 */
static long utimes_inode(struct inode *inode, const struct kstamp *times)
{
	struct iattr attr = { .ia_valid = ATTR_CTIME };
	s64 now = current_fs_time();
	int i;

	if (times && times[0].nsec == UTIME_OMIT && times[1].nsec == UTIME_OMIT)
		return 0;
	if (!times || (times[0].nsec == UTIME_NOW && times[1].nsec == UTIME_NOW)) {
		if (!is_owner_or_root(inode) && permission(inode, MAY_WRITE))
			return -EACCES;
		times = NULL;
	} else if (!is_owner_or_root(inode)) {
		return -EPERM;
	}
	for (i = 0; i < 2; i++) {
		s64 t = now;

		if (times && times[i].nsec == UTIME_OMIT)
			continue;
		if (times && times[i].nsec != UTIME_NOW)
			t = times[i].sec * NSEC_PER_SEC_L + times[i].nsec;
		if (i == 0) {
			attr.ia_valid |= ATTR_ATIME;
			attr.ia_atime = t;
		} else {
			attr.ia_valid |= ATTR_MTIME;
			attr.ia_mtime = t;
		}
	}
	return notify_change(inode, &attr);
}

static bool bad_nsec(long nsec)
{
	return (nsec < 0 || nsec >= NSEC_PER_SEC_L) && nsec != UTIME_NOW && nsec != UTIME_OMIT;
}

/* filename NULL: the descriptor itself (futimens). */
static long do_utimes(int dfd, const char *filename, const struct kstamp *times, int flags)
{
	struct inode *inode;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (times && (bad_nsec(times[0].nsec) || bad_nsec(times[1].nsec)))
		return -EINVAL;
	if (!filename) {
		struct file *f;

		if (dfd == AT_FDCWD)
			return -EFAULT;
		f = fget(dfd);
		if (!f)
			return -EBADF;
		if (!f->f_inode)
			return -EINVAL;
		return utimes_inode(f->f_inode, times);
	}
	err = user_path_at(dfd, filename, ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
			   ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &inode);
	return err ? err : utimes_inode(inode, times);
}

long sys_utimensat(int dfd, const char *filename, const s32 *utimes, int flags)
{
	struct kstamp t[2];
	s32 u[4];

	if (utimes) {
		if (copy_from_user(u, utimes, sizeof(u)))
			return -EFAULT;
		t[0].sec = u[0];
		t[0].nsec = u[1];
		t[1].sec = u[2];
		t[1].nsec = u[3];
	}
	return do_utimes(dfd, filename, utimes ? t : NULL, flags);
}

/* struct __kernel_timespec: 64-bit seconds, then nanoseconds in a 64-bit slot. */
long sys_utimensat_time64(int dfd, const char *filename, const s64 *utimes, int flags)
{
	struct kstamp t[2];
	s64 u[4];

	if (utimes) {
		if (copy_from_user(u, utimes, sizeof(u)))
			return -EFAULT;
		t[0].sec = u[0];
		t[0].nsec = (long)u[1];
		t[1].sec = u[2];
		t[1].nsec = (long)u[3];
	}
	return do_utimes(dfd, filename, utimes ? t : NULL, flags);
}

/* utimes, futimesat: struct timeval pairs (microseconds, checked). */
long sys_futimesat(int dfd, const char *filename, const s32 *utimes)
{
	struct kstamp t[2];
	s32 u[4];
	int i;

	if (utimes) {
		if (copy_from_user(u, utimes, sizeof(u)))
			return -EFAULT;
		for (i = 0; i < 2; i++) {
			if (u[2 * i + 1] < 0 || u[2 * i + 1] >= 1000000)
				return -EINVAL;
			t[i].sec = u[2 * i];
			t[i].nsec = u[2 * i + 1] * 1000L;
		}
	}
	return do_utimes(dfd, filename, utimes ? t : NULL, 0);
}

long sys_utimes(const char *filename, const s32 *utimes)
{
	return sys_futimesat(AT_FDCWD, filename, utimes);
}

/* utime: struct utimbuf { actime, modtime } in whole seconds. */
long sys_utime(const char *filename, const s32 *times)
{
	struct kstamp t[2];
	s32 u[2];

	if (times) {
		if (copy_from_user(u, times, sizeof(u)))
			return -EFAULT;
		t[0].sec = u[0];
		t[1].sec = u[1];
		t[0].nsec = t[1].nsec = 0;
	}
	return do_utimes(AT_FDCWD, filename, times ? t : NULL, 0);
}

/* ---- working and root directory ---- */

/* The directory a user path names, if the caller may search it (chdir, chroot). */
static int user_path_dir(const char *filename, struct inode **res)
{
	int err = user_path_lookup(filename, res);

	if (err)
		return err;
	if (!S_ISDIR((*res)->i_mode))
		return -ENOTDIR;
	return permission(*res, MAY_EXEC);
}

long sys_chdir(const char *filename)
{
	struct inode *inode;
	int err = user_path_dir(filename, &inode);

	if (err)
		return err;
	set_fs_pwd(current->fs, inode);
	return 0;
}

long sys_fchdir(unsigned int fd)
{
	struct file *f = fget((int)fd);
	int err;

	if (!f)
		return -EBADF;
	if (!f->f_inode || !S_ISDIR(f->f_inode->i_mode))
		return -ENOTDIR;
	err = permission(f->f_inode, MAY_EXEC);
	if (err)
		return err;
	set_fs_pwd(current->fs, f->f_inode);
	return 0;
}

/* Only root; the working directory stays where it is, as on Linux. */
long sys_chroot(const char *filename)
{
	struct inode *inode;
	int err = user_path_dir(filename, &inode);

	if (err)
		return err;
	if (current->euid != 0)
		return -EPERM;
	set_fs_root(current->fs, inode);
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

/* ---- access ---- */

#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

/* With the real uid, unless AT_EACCESS. */
long sys_faccessat2(int dfd, const char *filename, int mode, int flags)
{
	struct inode *inode;
	int err;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = user_path_at(dfd, filename, ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
			   ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &inode);
	if (err || !mode)
		return err;
	return generic_permission(inode, mode, (flags & AT_EACCESS) ? current->euid : current->uid);
}

long sys_faccessat(int dfd, const char *filename, int mode)
{
	return sys_faccessat2(dfd, filename, mode, 0);
}

long sys_access(const char *filename, int mode)
{
	return sys_faccessat2(AT_FDCWD, filename, mode, 0);
}
