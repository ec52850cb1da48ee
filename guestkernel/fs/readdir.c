/*
 * fs/readdir.c - getdents64 and the old getdents.
 *
 * A directory's position is that of its next entry: 0 is ".", 1 is "..", then each
 * name has the position its directory gave it when it was made (i_next_pos counts up),
 * so removing names while reading skips nothing and repeats nothing; a name made after
 * reading started shows up at the end. lseek(fd, d_off, SEEK_SET) resumes after a
 * record. Records are linux_dirent64 (8-byte aligned) or the old linux_dirent (d_type
 * in the last byte, 4-byte aligned).
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/string.h>

struct linux_dirent64 {
	u64 d_ino;
	s64 d_off;
	u16 d_reclen;
	u8 d_type;
	char d_name[];
} __packed;

struct linux_dirent {
	u32 d_ino;
	u32 d_off;
	u16 d_reclen;
	char d_name[];
} __packed;

#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

static unsigned int dtype(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return DT_DIR;
	case S_IFREG: return DT_REG;
	case S_IFLNK: return DT_LNK;
	case S_IFCHR: return DT_CHR;
	case S_IFBLK: return DT_BLK;
	case S_IFIFO: return DT_FIFO;
	case S_IFSOCK: return DT_SOCK;
	}
	return DT_UNKNOWN;
}

/* The names of a directory kept on its list (ramfs). */
int dcache_readdir(struct file *f, struct dir_context *ctx)
{
	struct inode *dir = f->f_inode;
	struct dentry *d;

	if (ctx->pos == 0) {
		if (!ctx->actor(ctx, ".", 1, 1, dir->i_ino, DT_DIR))
			return 0;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		struct inode *parent = dir == current->fs->root ? dir : dir->i_parent;

		if (!ctx->actor(ctx, "..", 2, 2, parent->i_ino, DT_DIR))
			return 0;
		ctx->pos = 2;
	}
	list_for_each_entry(d, &dir->i_subdirs, d_child) {
		if (d->d_pos < ctx->pos)
			continue;
		if (!ctx->actor(ctx, d->d_name, d->d_namelen, d->d_pos + 1, d->d_inode->i_ino,
				dtype(d->d_inode->i_mode)))
			return 0;
		ctx->pos = d->d_pos + 1;
	}
	return 0;
}

struct getdents_callback {
	struct dir_context ctx;
	char *dirent;                   /* user buffer */
	size_t count, done;
	int error;
	bool old;                       /* linux_dirent, not linux_dirent64 */
};

static bool filldir(struct dir_context *ctx, const char *name, unsigned int len, loff_t next,
		    u64 ino, unsigned int type)
{
	struct getdents_callback *buf = (struct getdents_callback *)ctx;
	char rec[sizeof(struct linux_dirent64) + NAME_MAX + 2 + 8] __aligned(8);
	unsigned int reclen;

	if (buf->old) {
		struct linux_dirent *d = (struct linux_dirent *)rec;

		reclen = ALIGN((unsigned int)sizeof(*d) + len + 2, 4u);
		if (reclen > buf->count - buf->done) {
			buf->error = buf->done ? 0 : -EINVAL;
			return false;
		}
		if (ino > 0xffffffffULL || next > 0x7fffffffLL) {
			buf->error = -EOVERFLOW;
			return false;
		}
		memset(rec, 0, reclen);
		d->d_ino = (u32)ino;
		d->d_off = (u32)next;
		d->d_reclen = (u16)reclen;
		memcpy(d->d_name, name, len);
		rec[reclen - 1] = (char)type;
	} else {
		struct linux_dirent64 *d = (struct linux_dirent64 *)rec;

		reclen = ALIGN((unsigned int)sizeof(*d) + len + 1, 8u);
		if (reclen > buf->count - buf->done) {
			buf->error = buf->done ? 0 : -EINVAL;   /* not even one record fits */
			return false;
		}
		memset(rec, 0, reclen);
		d->d_ino = ino;
		d->d_off = next;
		d->d_reclen = (u16)reclen;
		d->d_type = (u8)type;
		memcpy(d->d_name, name, len);
	}
	if (copy_to_user(buf->dirent + buf->done, rec, reclen)) {
		buf->error = -EFAULT;
		return false;
	}
	buf->done += reclen;
	return true;
}

static long do_getdents(unsigned int fd, void *dirent, unsigned int count, bool old)
{
	struct file *f = fget((int)fd);
	struct getdents_callback buf = {
		.ctx.actor = filldir, .dirent = dirent, .count = count, .old = old,
	};
	int err;

	if (!f)
		return -EBADF;
	if (!f->f_op->iterate || !f->f_inode)
		return -ENOTDIR;
	if (!access_ok(dirent, count))
		return -EFAULT;
	if (!f->f_inode->i_nlink)
		return -ENOENT;             /* a removed directory, as Linux says */
	buf.ctx.pos = f->f_pos;
	err = f->f_op->iterate(f, &buf.ctx);
	f->f_pos = buf.ctx.pos;
	if (err)
		return err;
	if (buf.done)
		return (long)buf.done;
	return buf.error;
}

long sys_getdents64(unsigned int fd, void *dirent, unsigned int count)
{
	return do_getdents(fd, dirent, count, false);
}

long sys_getdents(unsigned int fd, void *dirent, unsigned int count)
{
	return do_getdents(fd, dirent, count, true);
}
