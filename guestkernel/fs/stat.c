/*
 * fs/stat.c - stat64, lstat64, fstat64, fstatat64, statx; statfs and fstatfs (32 and
 * 64-bit forms); the i386 layouts are Linux's.
 *
 * The console and pipes have no inode: fstat describes them as Linux does (a character
 * device ttyS0, a fifo). The file system reports itself as tmpfs with room for what is
 * free in memory.
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/syscalls.h>

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

struct statx_timestamp {
	s64 tv_sec;
	u32 tv_nsec;
	s32 __reserved;
};

struct statx {
	u32 stx_mask;
	u32 stx_blksize;
	u64 stx_attributes;
	u32 stx_nlink;
	u32 stx_uid;
	u32 stx_gid;
	u16 stx_mode;
	u16 __spare0;
	u64 stx_ino;
	u64 stx_size;
	u64 stx_blocks;
	u64 stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	u32 stx_rdev_major, stx_rdev_minor;
	u32 stx_dev_major, stx_dev_minor;
	u64 __spare2[14];
};

BUILD_BUG_ON(sizeof(struct statx) != 256);

#define STATX_BASIC_STATS 0x000007ffU
#define STATX__RESERVED   0x80000000U

/* What stat says, whatever the layout: an inode's attributes or a pipe's. */
struct kstat {
	u32 dev, rdev, mode, nlink, uid, gid, blksize;
	u64 ino, blocks;
	s64 size, atime, mtime, ctime;
};

static void fill_kstat(struct inode *inode, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = (u32)inode->i_sb->s_dev;
	st->ino = inode->i_ino;
	st->mode = inode->i_mode;
	st->nlink = inode->i_nlink;
	st->uid = inode->i_uid;
	st->gid = inode->i_gid;
	st->rdev = new_encode_dev(inode->i_rdev);
	st->size = S_ISDIR(inode->i_mode) ? 0 : inode->i_size;
	st->blksize = PAGE_SIZE;
	if (S_ISREG(inode->i_mode)) {   /* the frames the file holds, in 512-byte units */
		unsigned long i, pages = 0;

		for (i = 0; i < inode->i_nrpages; i++)
			pages += inode->i_pages[i] != NULL;
		st->blocks = (u64)pages * (PAGE_SIZE / 512);
	}
	st->atime = inode->i_atime;
	st->mtime = inode->i_mtime;
	st->ctime = inode->i_ctime;
}

/* A descriptor's attributes: its inode, or what Linux says of the console and pipes. */
static int fstat_kstat(struct file *f, struct kstat *st)
{
	if (f->f_inode) {
		fill_kstat(f->f_inode, st);
		return 0;
	}
	memset(st, 0, sizeof(*st));
	if (is_console_file(f)) {
		st->mode = S_IFCHR | 0620;
		st->rdev = (4 << 8) | 64;   /* ttyS0 */
		st->dev = 5;
	} else {
		st->mode = S_IFIFO | 0600;
		st->dev = 8;
		st->ino = ((struct pipe_inode_info *)f->private_data)->ino;
	}
	st->nlink = 1;
	st->blksize = PAGE_SIZE;
	return 0;
}

static u32 ns_sec(s64 ns) { return (u32)(ns / 1000000000LL); }
static u32 ns_nsec(s64 ns) { return (u32)(ns % 1000000000LL); }

static long cp_stat64(const struct kstat *k, struct stat64 *ubuf)
{
	struct stat64 st;

	memset(&st, 0, sizeof(st));
	st.st_dev = k->dev;
	st.__st_ino = (u32)k->ino;
	st.st_ino = k->ino;
	st.st_mode = k->mode;
	st.st_nlink = k->nlink;
	st.st_uid = k->uid;
	st.st_gid = k->gid;
	st.st_rdev = k->rdev;
	st.st_size = k->size;
	st.st_blksize = k->blksize;
	st.st_blocks = k->blocks;
	st.st_atime = ns_sec(k->atime);
	st.st_atime_nsec = ns_nsec(k->atime);
	st.st_mtime = ns_sec(k->mtime);
	st.st_mtime_nsec = ns_nsec(k->mtime);
	st.st_ctime = ns_sec(k->ctime);
	st.st_ctime_nsec = ns_nsec(k->ctime);
	return copy_to_user(ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

static void stamp(s64 ns, struct statx_timestamp *ts)
{
	ts->tv_sec = ns / 1000000000LL;
	ts->tv_nsec = (u32)(ns % 1000000000LL);
}

static long cp_statx(const struct kstat *k, struct statx *ubuf)
{
	struct statx sx;

	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = k->blksize;
	sx.stx_nlink = k->nlink;
	sx.stx_uid = k->uid;
	sx.stx_gid = k->gid;
	sx.stx_mode = (u16)k->mode;
	sx.stx_ino = k->ino;
	sx.stx_size = (u64)k->size;
	sx.stx_blocks = k->blocks;
	stamp(k->atime, &sx.stx_atime);
	stamp(k->ctime, &sx.stx_ctime);
	stamp(k->mtime, &sx.stx_mtime);
	sx.stx_rdev_major = MAJOR(new_decode_dev(k->rdev));
	sx.stx_rdev_minor = MINOR(new_decode_dev(k->rdev));
	sx.stx_dev_major = k->dev >> 8;
	sx.stx_dev_minor = k->dev & 0xff;
	return copy_to_user(ubuf, &sx, sizeof(sx)) ? -EFAULT : 0;
}

/* The attributes a (dfd, name, flags) triple names; "" with AT_EMPTY_PATH is dfd. */
static long vfs_statx(int dfd, const char *filename, int flags, struct kstat *st)
{
	struct inode *inode;
	char c;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_EMPTY_PATH) && !get_user(c, filename) && !c && dfd != AT_FDCWD) {
		struct file *f = fget(dfd);

		return f ? fstat_kstat(f, st) : -EBADF;
	}
	err = user_path_at(dfd, filename, ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
			   ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &inode);
	if (err)
		return err;
	fill_kstat(inode, st);
	return 0;
}

long sys_fstatat64(int dfd, const char *filename, struct stat64 *statbuf, int flag)
{
	struct kstat st;
	long err;

	if (flag & AT_STATX_SYNC_TYPE)
		return -EINVAL;
	err = vfs_statx(dfd, filename, flag, &st);
	return err ? err : cp_stat64(&st, statbuf);
}

long sys_stat64(const char *filename, struct stat64 *statbuf)
{
	return sys_fstatat64(AT_FDCWD, filename, statbuf, 0);
}

long sys_lstat64(const char *filename, struct stat64 *statbuf)
{
	return sys_fstatat64(AT_FDCWD, filename, statbuf, AT_SYMLINK_NOFOLLOW);
}

long sys_fstat64(unsigned int fd, struct stat64 *statbuf)
{
	struct file *f = fget((int)fd);
	struct kstat st;

	if (!f)
		return -EBADF;
	fstat_kstat(f, &st);
	return cp_stat64(&st, statbuf);
}

long vfs_fstat_file(struct file *f, void *ubuf)
{
	struct kstat st;

	fstat_kstat(f, &st);
	return cp_stat64(&st, ubuf);
}

long sys_statx(int dfd, const char *filename, unsigned int flags, unsigned int mask,
	       struct statx *buffer)
{
	struct kstat st;
	long err;

	if (mask & STATX__RESERVED)
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	err = vfs_statx(dfd, filename, (int)flags, &st);
	return err ? err : cp_statx(&st, buffer);
}

/* ---- statfs ---- */

struct statfs64 {
	u32 f_type;
	u32 f_bsize;
	u64 f_blocks;
	u64 f_bfree;
	u64 f_bavail;
	u64 f_files;
	u64 f_ffree;
	s32 f_fsid[2];
	u32 f_namelen;
	u32 f_frsize;
	u32 f_flags;
	u32 f_spare[4];
} __packed;

BUILD_BUG_ON(sizeof(struct statfs64) != 84);

struct statfs {
	u32 f_type;
	u32 f_bsize;
	u32 f_blocks;
	u32 f_bfree;
	u32 f_bavail;
	u32 f_files;
	u32 f_ffree;
	s32 f_fsid[2];
	u32 f_namelen;
	u32 f_frsize;
	u32 f_flags;
	u32 f_spare[4];
};

BUILD_BUG_ON(sizeof(struct statfs) != 64);

#define ST_VALID 0x0020

/*
 * As tmpfs without a size= option says: blocks are page frames, up to half of RAM,
 * less what the files hold (or less if memory itself runs shorter); inodes are
 * limited by memory too, one per free frame as a round figure.
 */
static void fill_statfs(struct super_block *sb, struct statfs64 *st)
{
	unsigned long max = sb->s_max_blocks ? sb->s_max_blocks : totalram_pages;
	unsigned long avail = max > sb->s_blocks ? max - sb->s_blocks : 0;

	memset(st, 0, sizeof(*st));
	st->f_type = (u32)sb->s_magic;
	st->f_bsize = PAGE_SIZE;
	st->f_frsize = PAGE_SIZE;
	st->f_blocks = max;
	st->f_bfree = st->f_bavail = min(avail, nr_free_pages);
	st->f_files = sb->s_nr_inodes + nr_free_pages;
	st->f_ffree = nr_free_pages;
	st->f_namelen = NAME_MAX;
	st->f_flags = ST_VALID;
}

static long statfs_of(struct inode *inode, struct file *f, void *buf, size_t size)
{
	struct statfs64 st;
	struct statfs old;

	if (!inode)   /* pipes (pipefs) and the console (devpts-like): Linux names them too */
		fill_statfs(&ramfs_sb, &st);
	else
		fill_statfs(inode->i_sb, &st);
	if (!inode && f && is_console_file(f))
		st.f_type = 0x1cd1;   /* DEVPTS_SUPER_MAGIC */
	else if (!inode)
		st.f_type = 0x50495045;   /* PIPEFS_MAGIC */
	if (size == sizeof(st))
		return copy_to_user(buf, &st, sizeof(st)) ? -EFAULT : 0;
	memset(&old, 0, sizeof(old));
	old.f_type = st.f_type;
	old.f_bsize = st.f_bsize;
	old.f_blocks = (u32)st.f_blocks;
	old.f_bfree = (u32)st.f_bfree;
	old.f_bavail = (u32)st.f_bavail;
	old.f_files = (u32)st.f_files;
	old.f_ffree = (u32)st.f_ffree;
	old.f_namelen = st.f_namelen;
	old.f_frsize = st.f_frsize;
	old.f_flags = st.f_flags;
	return copy_to_user(buf, &old, sizeof(old)) ? -EFAULT : 0;
}

long sys_statfs64(const char *path, size_t sz, struct statfs64 *buf)
{
	struct inode *inode;
	int err;

	if (sz != sizeof(struct statfs64))
		return -EINVAL;
	err = user_path_lookup(path, &inode);
	return err ? err : statfs_of(inode, NULL, buf, sz);
}

long sys_fstatfs64(unsigned int fd, size_t sz, struct statfs64 *buf)
{
	struct file *f = fget((int)fd);

	if (sz != sizeof(struct statfs64))
		return -EINVAL;
	if (!f)
		return -EBADF;
	return statfs_of(f->f_inode, f, buf, sz);
}

long sys_statfs(const char *path, struct statfs *buf)
{
	struct inode *inode;
	int err = user_path_lookup(path, &inode);

	return err ? err : statfs_of(inode, NULL, buf, sizeof(*buf));
}

long sys_fstatfs(unsigned int fd, struct statfs *buf)
{
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	return statfs_of(f->f_inode, f, buf, sizeof(*buf));
}
