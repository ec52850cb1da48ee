/*
 * fs/initramfs.c - the root file system: the initramfs archive, read in place.
 *
 * The archive is the first Multiboot module, a cpio "newc" file as Linux's initramfs
 * uses: for each entry a 110-byte ASCII header ("070701" and 13 eight-digit hex
 * fields), the name (NUL-terminated, padded to 4 bytes), the data (padded to 4 bytes);
 * "TRAILER!!!" ends it. Names have no leading '/'; "." is the root. The tree of inodes
 * points into the archive (names and file bytes are not copied), and the archive's
 * frames stay as page cache (PG_CACHE) for the life of the system.
 *
 * A damaged archive is reported with its offset and what is wrong; the entries before
 * the damage stay usable.
 */
#include <asm/page.h>
#include <asm/setup.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

struct inode *root_inode;
LIST_HEAD(inode_list);
static unsigned long last_ino;
static unsigned long nr_inodes;

#define CPIO_HDR_LEN 110

struct cpio_hdr {
	unsigned long ino, mode, uid, gid, nlink, mtime, filesize;
	unsigned long devmajor, devminor, rdevmajor, rdevminor, namesize, check;
};

static long initramfs_read(struct file *f, char *buf, size_t count, loff_t *pos);
static loff_t initramfs_llseek(struct file *f, loff_t offset, int whence);
long initramfs_readdir(struct file *f, void *dirent, size_t count);

static const struct file_operations initramfs_fops = {
	.llseek = initramfs_llseek,
	.read = initramfs_read,
	.readdir = initramfs_readdir,
};

const struct file_operations *initramfs_file_ops(void)
{
	return &initramfs_fops;
}

static struct inode *new_inode(unsigned int mode, const char *name, unsigned int namelen,
			       struct inode *parent)
{
	struct inode *inode = kmalloc(sizeof(*inode));

	if (!inode)
		return NULL;
	inode->i_ino = ++last_ino;
	inode->i_mode = mode;
	inode->i_nlink = S_ISDIR(mode) ? 2 : 1;
	inode->i_name = name;
	inode->i_namelen = namelen;
	inode->i_parent = parent ? parent : inode;
	inode->i_fop = &initramfs_fops;
	INIT_LIST_HEAD(&inode->i_children);
	INIT_LIST_HEAD(&inode->i_sibling);
	list_add_tail(&inode->i_list, &inode_list);
	if (parent)
		list_add_tail(&inode->i_sibling, &parent->i_children);
	nr_inodes++;
	return inode;
}

static struct inode *find_child(struct inode *dir, const char *name, unsigned int len)
{
	struct inode *c;

	list_for_each_entry(c, &dir->i_children, i_sibling)
		if (c->i_namelen == len && !memcmp(c->i_name, name, len))
			return c;
	return NULL;
}

static int parse_hex(const char *s, unsigned long *val)
{
	unsigned long v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned long)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned long)(c - 'A' + 10);
		else
			return -1;
	}
	*val = v;
	return 0;
}

/* Adds (or replaces) one archive entry; missing parent directories are created. */
static const char *add_entry(const char *name, unsigned long namelen, const struct cpio_hdr *h,
			     const char *data)
{
	struct inode *dir = root_inode, *inode;
	const char *p = name, *end = name + namelen, *comp;

	while (p < end && *p == '/')
		p++;
	for (;;) {
		unsigned int len;

		while (p < end && *p == '/')
			p++;
		if (p == end) {             /* "." or "" : the root itself */
			if (S_ISDIR(h->mode))
				root_inode->i_mode = (unsigned int)h->mode;
			return NULL;
		}
		comp = p;
		while (p < end && *p != '/')
			p++;
		len = (unsigned int)(p - comp);
		if (len > NAME_MAX)
			return "name component longer than 255 bytes";
		while (p < end && *p == '/')
			p++;
		if (len == 1 && comp[0] == '.')
			continue;
		if (len == 2 && comp[0] == '.' && comp[1] == '.')
			return "name contains \"..\"";
		inode = find_child(dir, comp, len);
		if (p < end) {              /* an intermediate directory */
			if (!inode) {
				inode = new_inode(S_IFDIR | 0755, comp, len, dir);
				if (!inode)
					return "out of memory";
			} else if (!S_ISDIR(inode->i_mode)) {
				return "a path goes through a file";
			}
			dir = inode;
			continue;
		}
		if (!inode) {
			inode = new_inode((unsigned int)h->mode, comp, len, dir);
			if (!inode)
				return "out of memory";
		} else if (S_ISDIR(inode->i_mode) && !S_ISDIR(h->mode) && !list_empty(&inode->i_children)) {
			return "a file replaces a directory that has entries";
		}
		inode->i_mode = (unsigned int)h->mode;
		inode->i_nlink = S_ISDIR(h->mode) ? 2 : 1;
		inode->i_mtime = h->mtime;
		if (!S_ISDIR(h->mode)) {
			inode->i_data = data;
			inode->i_size = h->filesize;
		}
		return NULL;
	}
}

int __init populate_rootfs(void)
{
	const char *base = __va(boot_params.initrd_start);
	unsigned long size = boot_params.initrd_end - boot_params.initrd_start, off = 0;
	unsigned long files = 0, dirs = 0, bytes = 0;
	const char *why = NULL;

	root_inode = new_inode(S_IFDIR | 0755, "", 0, NULL);
	if (!root_inode)
		return -ENOMEM;

	for (;;) {
		struct cpio_hdr h;
		unsigned long *fields = &h.ino, name_off, data_off, i;
		const char *name;

		if (size - off < CPIO_HDR_LEN) {
			why = off == size ? "no TRAILER!!! entry" : "truncated header";
			break;
		}
		if (memcmp(base + off, "070701", 6) && memcmp(base + off, "070702", 6)) {
			why = "bad magic (not a cpio newc header)";
			break;
		}
		for (i = 0; i < 13; i++)
			if (parse_hex(base + off + 6 + i * 8, &fields[i]))
				break;
		if (i < 13) {
			why = "a header field is not hexadecimal";
			break;
		}
		name_off = off + CPIO_HDR_LEN;
		if (h.namesize == 0 || h.namesize > size - name_off) {
			why = "name runs past the end of the archive";
			break;
		}
		name = base + name_off;
		if (name[h.namesize - 1] != '\0' || strnlen(name, h.namesize) != h.namesize - 1) {
			why = "name is not NUL-terminated where its size says";
			break;
		}
		data_off = ALIGN(name_off + h.namesize, 4UL);
		if (data_off > size || h.filesize > size - data_off) {
			why = "data runs past the end of the archive";
			break;
		}
		if (!strcmp(name, "TRAILER!!!"))
			break;
		if (S_ISDIR(h.mode) && h.filesize) {
			why = "a directory with data";
			break;
		}
		why = add_entry(name, h.namesize - 1, &h, base + data_off);
		if (why)
			break;
		if (S_ISDIR(h.mode)) {
			dirs++;
		} else {
			files++;
			bytes += h.filesize;
		}
		off = ALIGN(data_off + h.filesize, 4UL);
	}
	if (why) {
		printk(KERN_ERR "initramfs: corrupt archive at offset %lu: %s\n", off, why);
		if (off == 0)
			return -EINVAL;
	}
	printk(KERN_DEBUG "initramfs: %lu files (%lu bytes), %lu directories, %lu inodes\n",
	       files, bytes, dirs, nr_inodes);
	return 0;
}

static long initramfs_read(struct file *f, char *buf, size_t count, loff_t *pos)
{
	struct inode *inode = f->f_inode;
	unsigned long n;

	if (S_ISDIR(inode->i_mode))
		return -EISDIR;
	if (*pos >= (loff_t)inode->i_size)
		return 0;
	n = min((unsigned long)count, inode->i_size - (unsigned long)*pos);
	if (copy_to_user(buf, inode->i_data + *pos, n))
		return -EFAULT;
	*pos += n;
	return (long)n;
}

static loff_t initramfs_llseek(struct file *f, loff_t offset, int whence)
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
		if (S_ISDIR(f->f_inode->i_mode))
			return -EINVAL;
		base = (loff_t)f->f_inode->i_size;
		break;
	default:
		return -EINVAL;
	}
	if (base + offset < 0)
		return -EINVAL;
	f->f_pos = base + offset;
	return f->f_pos;
}
