/*
 * drivers/mem.c - the memory devices, major 1: null (3), zero (5), full (7),
 * random (8) and urandom (9), as Linux's drivers/char/mem.c has them.
 *
 * null reads end of file and swallows writes; zero reads zeros and swallows writes,
 * and mapping it gives anonymous memory (private, or shared between the processes
 * that inherit the mapping; Linux makes the shared kind a shmem file); full reads
 * zeros and refuses writes with ENOSPC; random and urandom read the getrandom
 * generator (drivers/random.c) and accept writes (Linux mixes them into the pool; here
 * the generator is not reseeded, so the bytes are dropped). Seeking any of them puts
 * the position at 0. Minors 1 (mem), 2 (kmem) and 4 (port) are not provided: ENXIO.
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/syscalls.h>

static loff_t null_lseek(struct file *f, loff_t offset, int whence)
{
	(void)offset, (void)whence;
	return f->f_pos = 0;
}

static long read_null(struct file *f, char *buf, size_t count, loff_t *pos)
{
	(void)f, (void)buf, (void)count, (void)pos;
	return 0;
}

static long write_null(struct file *f, const char *buf, size_t count, loff_t *pos)
{
	(void)f, (void)buf, (void)pos;
	return (long)count;   /* read_write.c caps counts at MAX_RW_COUNT */
}

/* Zeros, a page at a time from a zeroed buffer; a signal ends a long read early. */
static long read_zero(struct file *f, char *buf, size_t count, loff_t *pos)
{
	static const char zeros[256];
	size_t done = 0;

	(void)f, (void)pos;
	while (done < count) {
		size_t n = min(count - done, sizeof(zeros));

		if (done && !(done % PAGE_SIZE) && signal_pending(current))
			break;
		if (copy_to_user(buf + done, zeros, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)done;
}

static int mmap_zero(struct file *f)
{
	(void)f;
	return 0;
}

static long write_full(struct file *f, const char *buf, size_t count, loff_t *pos)
{
	(void)f, (void)buf, (void)count, (void)pos;
	return -ENOSPC;
}

static long random_read(struct file *f, char *buf, size_t count, loff_t *pos)
{
	(void)f, (void)pos;
	return sys_getrandom(buf, count, 0);
}

static long random_write(struct file *f, const char *buf, size_t count, loff_t *pos)
{
	(void)f, (void)buf, (void)pos;
	return (long)count;   /* read_write.c caps counts at MAX_RW_COUNT */
}

static const struct file_operations null_fops = {
	.llseek = null_lseek, .read = read_null, .write = write_null,
};
static const struct file_operations zero_fops = {
	.llseek = null_lseek, .read = read_zero, .write = write_null, .mmap = mmap_zero,
};
static const struct file_operations full_fops = {
	.llseek = null_lseek, .read = read_zero, .write = write_full,
};
static const struct file_operations random_fops = {
	.llseek = null_lseek, .read = random_read, .write = random_write,
};

/* The major's open: the minor chooses the device. */
static int memory_open(struct inode *inode, struct file *f)
{
	switch (MINOR(inode->i_rdev)) {
	case 3:
		f->f_op = &null_fops;
		return 0;
	case 5:
		f->f_op = &zero_fops;
		return 0;
	case 7:
		f->f_op = &full_fops;
		return 0;
	case 8:
	case 9:
		f->f_op = &random_fops;
		return 0;
	}
	return -ENXIO;
}

static const struct file_operations memory_fops = {
	.open = memory_open,
};

void mem_devices_init(void)
{
	register_chrdev(MEM_MAJOR, "mem", &memory_fops);
}
