/*
 * fs/char_dev.c - character devices by number, and the inodes of special files.
 *
 * A driver registers a major number with its file operations (register_chrdev, as in
 * Linux 2.6: every minor of that major); opening a character-device inode looks the
 * major up (chrdev_open) and hands the file to the driver, whose own open then picks
 * the minor (drivers/mem.c: null, zero, ...; drivers/tty.c: tty, console, ttyS0).
 * A number nobody registered opens with ENXIO, as do block devices (there are no
 * block drivers) and sockets bound to a name (no sockets here; Linux says ENXIO too).
 */
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>

#define CHRDEV_MAJOR_MAX 256

static struct char_device_struct {
	const char *name;
	const struct file_operations *fops;
} chrdevs[CHRDEV_MAJOR_MAX];

int register_chrdev(unsigned int major, const char *name, const struct file_operations *fops)
{
	if (major == 0 || major >= CHRDEV_MAJOR_MAX)
		return -EINVAL;
	if (chrdevs[major].fops)
		return -EBUSY;
	chrdevs[major].name = name;
	chrdevs[major].fops = fops;
	return 0;
}

static int chrdev_open(struct inode *inode, struct file *f)
{
	unsigned int major = MAJOR(inode->i_rdev);

	if (major >= CHRDEV_MAJOR_MAX || !chrdevs[major].fops)
		return -ENXIO;
	f->f_op = chrdevs[major].fops;
	return f->f_op->open ? f->f_op->open(inode, f) : 0;
}

static const struct file_operations def_chr_fops = {
	.open = chrdev_open,
};

static int no_device_open(struct inode *inode, struct file *f)
{
	(void)inode, (void)f;
	return -ENXIO;
}

/* Block devices without a driver and sockets: ENXIO. */
static const struct file_operations bad_special_fops = {
	.open = no_device_open,
};

/* A device node, fifo or socket: which file operations an open starts from. */
void init_special_inode(struct inode *inode, unsigned int mode, dev_t rdev)
{
	inode->i_mode = mode;
	if (S_ISCHR(mode)) {
		inode->i_fop = &def_chr_fops;
		inode->i_rdev = rdev;
	} else if (S_ISBLK(mode)) {
		inode->i_fop = &bad_special_fops;
		inode->i_rdev = rdev;
	} else if (S_ISFIFO(mode)) {
		inode->i_fop = &def_fifo_fops;
	} else if (S_ISSOCK(mode)) {
		inode->i_fop = &bad_special_fops;
	}
}

void chr_dev_init(void)
{
	mem_devices_init();
	tty_dev_init();
}
