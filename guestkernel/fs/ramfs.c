/*
 * fs/ramfs.c - the root file system: files in the page cache and nothing else, as
 * Linux's ramfs/tmpfs root is. The initramfs is unpacked into it at boot
 * (fs/initramfs.c); from then on programs create, write, rename and remove files in it
 * like anywhere else. It reports itself as tmpfs (statfs) and, like tmpfs without a
 * size= option, its files may hold up to half of RAM: past that, or when no frame is
 * free, a write fails with ENOSPC (and the rest of memory stays for the programs).
 *
 * The directory operations here only change the tree: fs/namei.c has already resolved
 * the names and checked permissions, types and emptiness, so that every file system
 * behind the same seam gets the same errors.
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#define TMPFS_MAGIC 0x01021994
#define ROOT_DEV 1              /* st_dev (0, 1): like Linux's rootfs */

const struct inode_operations ramfs_dir_inode_operations;
static const struct inode_operations ramfs_file_inode_operations;
static const struct file_operations ramfs_dir_operations;

struct super_block ramfs_sb = {
	.s_magic = TMPFS_MAGIC,
	.s_dev = ROOT_DEV,
};

loff_t generic_file_llseek(struct file *f, loff_t offset, int whence);

struct inode *ramfs_get_inode(unsigned int mode)
{
	struct inode *inode = new_inode(&ramfs_sb, mode);

	if (!inode)
		return NULL;
	switch (mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &ramfs_dir_inode_operations;
		inode->i_fop = &ramfs_dir_operations;
		break;
	case S_IFREG:
		inode->i_op = &ramfs_file_inode_operations;
		inode->i_fop = &ramfs_file_operations;
		break;
	case S_IFLNK:
		inode->i_op = &ramfs_file_inode_operations;
		break;
	default:                    /* device nodes, fifos, sockets (i_rdev: the caller) */
		inode->i_op = &ramfs_file_inode_operations;
		init_special_inode(inode, mode, 0);
		break;
	}
	return inode;
}

static struct inode *ramfs_lookup(struct inode *dir, const char *name, unsigned int len)
{
	struct dentry *d = d_find(dir, name, len);

	return d ? d->d_inode : NULL;
}

/* Gives a new inode its first name; frees it if that fails. */
static int ramfs_mknod(struct inode *dir, const char *name, unsigned int len, struct inode *inode)
{
	if (!inode)
		return -ENOSPC;
	if (!d_add(dir, name, len, inode)) {
		inode_maybe_free(inode);
		return -ENOSPC;
	}
	inode->i_nlink = S_ISDIR(inode->i_mode) ? 2 : 1;
	if (S_ISDIR(inode->i_mode))
		dir->i_nlink++;
	inode_touch(dir, true);
	return 0;
}

static int ramfs_create(struct inode *dir, const char *name, unsigned int len, unsigned int mode,
			struct inode **res)
{
	struct inode *inode = ramfs_get_inode(mode);
	int err = ramfs_mknod(dir, name, len, inode);

	*res = err ? NULL : inode;
	return err;
}

static int ramfs_mknod_op(struct inode *dir, const char *name, unsigned int len, unsigned int mode,
			  dev_t rdev)
{
	struct inode *inode = ramfs_get_inode(mode);

	if (inode)
		init_special_inode(inode, mode, rdev);
	return ramfs_mknod(dir, name, len, inode);
}

static int ramfs_mkdir(struct inode *dir, const char *name, unsigned int len, unsigned int mode)
{
	return ramfs_mknod(dir, name, len, ramfs_get_inode(S_IFDIR | (mode & 07777)));
}

static int ramfs_symlink(struct inode *dir, const char *name, unsigned int len, const char *target)
{
	struct inode *inode = ramfs_get_inode(S_IFLNK | 0777);
	size_t n = strlen(target);

	if (!inode)
		return -ENOSPC;
	inode->i_link = kmalloc(n + 1);
	if (!inode->i_link) {
		inode_maybe_free(inode);
		return -ENOSPC;
	}
	memcpy(inode->i_link, target, n + 1);
	inode->i_size = (loff_t)n;
	return ramfs_mknod(dir, name, len, inode);
}

static int ramfs_link(struct inode *old, struct inode *dir, const char *name, unsigned int len)
{
	if (!d_add(dir, name, len, old))
		return -ENOSPC;
	old->i_nlink++;
	inode_touch(old, false);
	inode_touch(dir, true);
	return 0;
}

static int ramfs_unlink(struct inode *dir, struct dentry *d)
{
	struct inode *inode = d->d_inode;

	d_delete(d);
	inode->i_nlink--;
	inode_touch(inode, false);
	inode_touch(dir, true);
	inode_maybe_free(inode);
	return 0;
}

static int ramfs_rmdir(struct inode *dir, struct dentry *d)
{
	struct inode *inode = d->d_inode;

	d_delete(d);
	inode->i_nlink = 0;
	dir->i_nlink--;
	inode_touch(dir, true);
	inode_maybe_free(inode);
	return 0;
}

/* The new name is made first, so running out of memory changes nothing. */
static int ramfs_rename(struct inode *old_dir, struct dentry *old, struct inode *new_dir,
			const char *name, unsigned int len, struct dentry *target)
{
	struct inode *inode = old->d_inode;

	if (!d_add(new_dir, name, len, inode))
		return -ENOSPC;
	if (target) {
		if (S_ISDIR(target->d_inode->i_mode))
			ramfs_rmdir(new_dir, target);
		else
			ramfs_unlink(new_dir, target);
	}
	d_delete(old);
	if (S_ISDIR(inode->i_mode) && old_dir != new_dir) {
		old_dir->i_nlink--;
		new_dir->i_nlink++;
	}
	inode_touch(inode, false);
	inode_touch(old_dir, true);
	inode_touch(new_dir, true);
	return 0;
}

/* Two names swap their inodes; a directory that changes parent moves a link. */
static int ramfs_exchange(struct dentry *a, struct dentry *b)
{
	struct inode *ia = a->d_inode, *ib = b->d_inode;

	a->d_inode = ib;
	b->d_inode = ia;
	if (S_ISDIR(ia->i_mode)) {
		ia->i_dentry = b;
		ia->i_parent = b->d_dir;
	}
	if (S_ISDIR(ib->i_mode)) {
		ib->i_dentry = a;
		ib->i_parent = a->d_dir;
	}
	if (a->d_dir != b->d_dir && S_ISDIR(ia->i_mode) != S_ISDIR(ib->i_mode)) {
		struct inode *gains = S_ISDIR(ia->i_mode) ? b->d_dir : a->d_dir;
		struct inode *loses = S_ISDIR(ia->i_mode) ? a->d_dir : b->d_dir;

		gains->i_nlink++;
		loses->i_nlink--;
	}
	inode_touch(ia, false);
	inode_touch(ib, false);
	inode_touch(a->d_dir, true);
	inode_touch(b->d_dir, true);
	return 0;
}

int ramfs_truncate(struct inode *inode, loff_t size)
{
	if (size > MAX_FILE_SIZE)
		return -EFBIG;
	if (size < inode->i_size)
		truncate_inode_pages(inode, size);
	inode->i_size = size;
	inode_touch(inode, true);
	return 0;
}

static int ramfs_setattr(struct inode *inode, const struct iattr *attr)
{
	if (attr->ia_valid & ATTR_SIZE) {
		if (!S_ISREG(inode->i_mode))
			return -EINVAL;
		return ramfs_truncate(inode, attr->ia_size);
	}
	return 0;
}

const struct inode_operations ramfs_dir_inode_operations = {
	.lookup = ramfs_lookup,
	.create = ramfs_create,
	.mkdir = ramfs_mkdir,
	.mknod = ramfs_mknod_op,
	.symlink = ramfs_symlink,
	.link = ramfs_link,
	.unlink = ramfs_unlink,
	.rmdir = ramfs_rmdir,
	.rename = ramfs_rename,
	.exchange = ramfs_exchange,
	.setattr = ramfs_setattr,
};

static const struct inode_operations ramfs_file_inode_operations = {
	.setattr = ramfs_setattr,
};

/* ---- file operations ---- */

loff_t generic_file_llseek(struct file *f, loff_t offset, int whence)
{
	loff_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->f_pos;
		break;
	case SEEK_END:
		base = f->f_inode->i_size;
		break;
	default:
		return -EINVAL;
	}
	if (base + offset < 0 || base + offset > MAX_FILE_SIZE)
		return -EINVAL;
	f->f_pos = base + offset;
	return f->f_pos;
}

/* relatime: the access time moves when it is older than the last change. */
static void touch_atime(struct inode *inode)
{
	if (inode->i_atime <= inode->i_mtime || inode->i_atime <= inode->i_ctime)
		inode->i_atime = current_fs_time();
}

static long ramfs_read(struct file *f, char *buf, size_t count, loff_t *pos)
{
	long ret = generic_file_read(f->f_inode, buf, count, pos);

	if (ret >= 0)
		touch_atime(f->f_inode);
	return ret;
}

static long ramfs_write(struct file *f, const char *buf, size_t count, loff_t *pos)
{
	if (f->f_flags & O_APPEND)
		*pos = f->f_inode->i_size;
	if (!count)
		return 0;
	return generic_file_write(f->f_inode, buf, count, pos, true);
}

static long ramfs_dir_read(struct file *f, char *buf, size_t count, loff_t *pos)
{
	(void)f, (void)buf, (void)count, (void)pos;
	return -EISDIR;
}

static loff_t ramfs_dir_llseek(struct file *f, loff_t offset, int whence)
{
	if (whence == SEEK_END)
		return -EINVAL;
	return generic_file_llseek(f, offset, whence);
}

const struct file_operations ramfs_file_operations = {
	.llseek = generic_file_llseek,
	.read = ramfs_read,
	.write = ramfs_write,
};

static const struct file_operations ramfs_dir_operations = {
	.llseek = ramfs_dir_llseek,
	.read = ramfs_dir_read,
	.iterate = dcache_readdir,
};

/* For exec: bytes of a file into kernel memory; holes are zeros. */
long kernel_read(struct inode *inode, loff_t pos, void *buf, size_t count)
{
	size_t done = 0;

	if (pos >= inode->i_size)
		return 0;
	if ((loff_t)count > inode->i_size - pos)
		count = (size_t)(inode->i_size - pos);
	while (done < count) {
		unsigned long off = (unsigned long)pos & ~PAGE_MASK;
		unsigned long n = min(PAGE_SIZE - off, (unsigned long)(count - done));
		struct page *page = find_get_page(inode, (unsigned long)(pos >> PAGE_SHIFT));

		if (page)
			memcpy((char *)buf + done, (char *)page_address(page) + off, n);
		else
			memset((char *)buf + done, 0, n);
		done += n;
		pos += (loff_t)n;
	}
	return (long)done;
}

long ramfs_kernel_write(struct inode *inode, const char *buf, size_t count, loff_t pos)
{
	return generic_file_write(inode, buf, count, &pos, false);
}
