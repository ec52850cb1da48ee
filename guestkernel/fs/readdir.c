/*
 * fs/readdir.c - getdents64 on initramfs directories.
 *
 * A directory's position counts entries: 0 is ".", 1 is "..", then the children in
 * archive order. Each record is a linux_dirent64 padded to 8 bytes; d_off is the
 * position after it, so lseek(fd, d_off, SEEK_SET) resumes there.
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

#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10
#define DT_CHR 2
#define DT_FIFO 1
#define DT_UNKNOWN 0

static u8 dtype(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return DT_DIR;
	case S_IFREG: return DT_REG;
	case S_IFLNK: return DT_LNK;
	case S_IFCHR: return DT_CHR;
	case S_IFIFO: return DT_FIFO;
	}
	return DT_UNKNOWN;
}

long initramfs_readdir(struct file *f, void *dirent, size_t count)
{
	struct inode *dir = f->f_inode, *child = NULL;
	char rec[sizeof(struct linux_dirent64) + NAME_MAX + 1 + 8] __aligned(8);
	struct linux_dirent64 *d = (struct linux_dirent64 *)rec;
	size_t done = 0;
	loff_t pos = f->f_pos, i;
	struct list_head *l;

	if (!S_ISDIR(dir->i_mode))
		return -ENOTDIR;
	/* Find the child at pos (positions 0 and 1 are "." and ".."). */
	l = dir->i_children.next;
	for (i = 2; i < pos && l != &dir->i_children; i++)
		l = l->next;

	for (;;) {
		const char *name;
		unsigned int len, reclen;
		struct inode *inode;

		if (pos == 0) {
			name = ".";
			len = 1;
			inode = dir;
		} else if (pos == 1) {
			name = "..";
			len = 2;
			inode = dir->i_parent;
		} else {
			if (l == &dir->i_children)
				break;
			child = list_entry(l, struct inode, i_sibling);
			name = child->i_name;
			len = child->i_namelen;
			inode = child;
		}
		reclen = ALIGN((unsigned int)sizeof(*d) + len + 1, 8u);
		if (reclen > count - done) {
			if (!done)
				return -EINVAL;   /* not even one record fits */
			break;
		}
		memset(rec, 0, reclen);
		d->d_ino = inode->i_ino;
		d->d_off = pos + 1;
		d->d_reclen = (u16)reclen;
		d->d_type = dtype(inode->i_mode);
		memcpy(d->d_name, name, len);
		if (copy_to_user((char *)dirent + done, rec, reclen))
			return done ? (long)done : -EFAULT;
		done += reclen;
		if (pos >= 2)
			l = l->next;
		pos++;
		f->f_pos = pos;
	}
	return (long)done;
}

long sys_getdents64(unsigned int fd, void *dirent, unsigned int count)
{
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	if (!f->f_op->readdir || !f->f_inode)
		return -ENOTDIR;
	if (!access_ok(dirent, count))
		return -EFAULT;
	return f->f_op->readdir(f, dirent, count);
}
