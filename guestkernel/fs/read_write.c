/*
 * fs/read_write.c - read, write, their vector forms, lseek.
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/syscalls.h>

#define MAX_RW_COUNT (0x7ffff000UL)   /* INT_MAX rounded down to a page, as Linux */
#define UIO_MAXIOV 1024

struct iovec {
	void *iov_base;
	size_t iov_len;
};

static long do_read(struct file *f, char *buf, size_t count)
{
	if (!(f->f_mode & FMODE_READ))
		return -EBADF;
	if (!f->f_op->read)
		return -EINVAL;
	if (!access_ok(buf, count))
		return -EFAULT;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	return f->f_op->read(f, buf, count, &f->f_pos);
}

static long do_write(struct file *f, const char *buf, size_t count)
{
	if (!(f->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!f->f_op->write)
		return -EINVAL;
	if (!access_ok(buf, count))
		return -EFAULT;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	return f->f_op->write(f, buf, count, &f->f_pos);
}

long sys_read(unsigned int fd, char *buf, size_t count)
{
	struct file *f = fget((int)fd);

	return f ? do_read(f, buf, count) : -EBADF;
}

long sys_write(unsigned int fd, const char *buf, size_t count)
{
	struct file *f = fget((int)fd);

	return f ? do_write(f, buf, count) : -EBADF;
}

/* One vector at a time: stops at the first short transfer, reports what was done. */
static long do_rw_vec(unsigned int fd, const struct iovec *uvec, unsigned long vlen, bool write)
{
	struct file *f = fget((int)fd);
	struct iovec iov[16];
	unsigned long i, total = 0, chunk;
	long ret = 0;

	if (!f)
		return -EBADF;
	if (!(f->f_mode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	if (vlen > UIO_MAXIOV)
		return -EINVAL;
	/* First pass: the total must fit in a ssize_t and every vector must be readable. */
	for (i = 0; i < vlen; i += chunk) {
		unsigned long j;

		chunk = min(vlen - i, (unsigned long)ARRAY_SIZE(iov));
		if (copy_from_user(iov, uvec + i, chunk * sizeof(iov[0])))
			return -EFAULT;
		for (j = 0; j < chunk; j++) {
			if (iov[j].iov_len > 0x7fffffffUL - total)
				return -EINVAL;
			total += iov[j].iov_len;
		}
	}
	total = 0;
	for (i = 0; i < vlen; i += chunk) {
		unsigned long j;

		chunk = min(vlen - i, (unsigned long)ARRAY_SIZE(iov));
		if (copy_from_user(iov, uvec + i, chunk * sizeof(iov[0])))
			return total ? (long)total : -EFAULT;
		for (j = 0; j < chunk; j++) {
			if (!iov[j].iov_len)
				continue;
			ret = write ? do_write(f, iov[j].iov_base, iov[j].iov_len)
				    : do_read(f, iov[j].iov_base, iov[j].iov_len);
			if (ret < 0)
				return total ? (long)total : ret;
			total += (unsigned long)ret;
			if ((unsigned long)ret < iov[j].iov_len)
				return (long)total;
		}
	}
	return (long)total;
}

long sys_readv(unsigned int fd, const struct iovec *vec, unsigned long vlen)
{
	return do_rw_vec(fd, vec, vlen, false);
}

long sys_writev(unsigned int fd, const struct iovec *vec, unsigned long vlen)
{
	return do_rw_vec(fd, vec, vlen, true);
}

long sys_lseek(unsigned int fd, long offset, unsigned int whence)
{
	struct file *f = fget((int)fd);
	loff_t r;

	if (!f)
		return -EBADF;
	if (!f->f_op->llseek)
		return -ESPIPE;
	if (whence > SEEK_END)
		return -EINVAL;
	r = f->f_op->llseek(f, offset, (int)whence);
	if (r < 0)
		return (long)r;
	if (r > 0x7fffffffLL)
		return -EOVERFLOW;
	return (long)r;
}

long sys_llseek(unsigned int fd, unsigned long offset_high, unsigned long offset_low,
		loff_t *result, unsigned int whence)
{
	struct file *f = fget((int)fd);
	loff_t r;

	if (!f)
		return -EBADF;
	if (!f->f_op->llseek)
		return -ESPIPE;
	if (whence > SEEK_END)
		return -EINVAL;
	r = f->f_op->llseek(f, (loff_t)(((u64)offset_high << 32) | offset_low), (int)whence);
	if (r < 0)
		return (long)r;
	return copy_to_user(result, &r, sizeof(r)) ? -EFAULT : 0;
}

long sys_ioctl(unsigned int fd, unsigned int cmd, unsigned long arg)
{
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	if (!f->f_op->ioctl)
		return -ENOTTY;
	return f->f_op->ioctl(f, cmd, arg);
}

/* ---- positioned reads and writes, sendfile, fsync ---- */

static long do_pread(unsigned int fd, char *buf, size_t count, loff_t pos, bool write)
{
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	if (!(f->f_mode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	if (pos < 0)
		return -EINVAL;
	if (!f->f_op->llseek)
		return -ESPIPE;             /* pipes and the console have no positions */
	if (!access_ok(buf, count))
		return -EFAULT;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	if (write)
		return f->f_op->write ? f->f_op->write(f, buf, count, &pos) : -EINVAL;
	return f->f_op->read ? f->f_op->read(f, buf, count, &pos) : -EINVAL;
}

/* i386: the 64-bit offset in two registers, low word first. */
long sys_pread64(unsigned int fd, char *buf, size_t count, unsigned long lo, unsigned long hi)
{
	return do_pread(fd, buf, count, (loff_t)(((u64)hi << 32) | lo), false);
}

long sys_pwrite64(unsigned int fd, const char *buf, size_t count, unsigned long lo, unsigned long hi)
{
	return do_pread(fd, (char *)buf, count, (loff_t)(((u64)hi << 32) | lo), true);
}

/*
 * sendfile: from a regular file (its page cache, through a kernel bounce page, so a
 * writer that blocks never holds a frame the file may drop) to any writable file: a
 * pipe, the console, another file. The destination's write copies "from user" with
 * PF_KERNEL_DS set, as Linux's kernel_write did with set_fs(KERNEL_DS).
 */
static long do_sendfile(unsigned int out_fd, unsigned int in_fd, loff_t *ppos, size_t count)
{
	struct file *in = fget((int)in_fd), *out = fget((int)out_fd);
	loff_t pos;
	size_t done = 0;
	char *bounce;
	long ret = 0;

	if (!in || !out)
		return -EBADF;
	if (!(in->f_mode & FMODE_READ) || !(out->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!in->f_inode || in->f_op != &ramfs_file_operations || !out->f_op->write)
		return -EINVAL;   /* only files with pages (not pipes, not /proc) */
	if (out->f_flags & O_APPEND)
		return -EINVAL;
	pos = ppos ? *ppos : in->f_pos;
	if (pos < 0)
		return -EINVAL;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	bounce = kmalloc(PAGE_SIZE);
	if (!bounce)
		return -ENOMEM;
	while (done < count) {
		size_t n = min((size_t)PAGE_SIZE, count - done);
		long r = kernel_read(in->f_inode, pos, bounce, n);
		unsigned long was = current->flags & PF_KERNEL_DS;

		if (r <= 0)
			break;
		current->flags |= PF_KERNEL_DS;
		ret = out->f_op->write(out, bounce, (size_t)r, &out->f_pos);
		current->flags = (current->flags & ~(unsigned long)PF_KERNEL_DS) | was;
		if (ret <= 0)
			break;
		done += (size_t)ret;
		pos += ret;
		if (ret < r)
			break;
	}
	kfree(bounce);
	if (ppos)
		*ppos = pos;
	else
		in->f_pos = pos;
	if (done)
		in->f_inode->i_atime = current_fs_time();
	return done ? (long)done : ret;
}

long sys_sendfile(unsigned int out_fd, unsigned int in_fd, long *offset, size_t count)
{
	loff_t pos;
	long off, ret;

	if (!offset)
		return do_sendfile(out_fd, in_fd, NULL, count);
	if (get_user(off, offset))
		return -EFAULT;
	pos = off;
	ret = do_sendfile(out_fd, in_fd, &pos, count);
	if (ret >= 0 && pos > 0x7fffffffLL)
		return -EOVERFLOW;
	if (ret >= 0 && put_user((long)pos, offset))
		return -EFAULT;
	return ret;
}

long sys_sendfile64(unsigned int out_fd, unsigned int in_fd, loff_t *offset, size_t count)
{
	loff_t pos;
	long ret;

	if (!offset)
		return do_sendfile(out_fd, in_fd, NULL, count);
	if (copy_from_user(&pos, offset, sizeof(pos)))
		return -EFAULT;
	ret = do_sendfile(out_fd, in_fd, &pos, count);
	if (ret >= 0 && copy_to_user(offset, &pos, sizeof(pos)))
		return -EFAULT;
	return ret;
}

/* Memory is the only storage: nothing to write back, as tmpfs. Pipes, fifos and
 * devices cannot be synced (EINVAL). */
long sys_fsync(unsigned int fd)
{
	struct file *f = fget((int)fd);

	if (!f)
		return -EBADF;
	return f->f_inode && (S_ISREG(f->f_inode->i_mode) || S_ISDIR(f->f_inode->i_mode)) ? 0 : -EINVAL;
}

long sys_fdatasync(unsigned int fd)
{
	return sys_fsync(fd);
}

long sys_sync(void)
{
	return 0;
}
