/*
 * fs/initramfs.c - unpacks the initramfs archive into the root file system (ramfs).
 *
 * The archive is the first Multiboot module, a cpio "newc" file as Linux's initramfs
 * uses: for each entry a 110-byte ASCII header ("070701" and 13 eight-digit hex
 * fields), the name (NUL-terminated, padded to 4 bytes), the data (padded to 4 bytes);
 * "TRAILER!!!" ends it. Names have no leading '/'; "." is the root. Directories,
 * regular files, symbolic links (the data is the target), device nodes (rdevmajor,
 * rdevminor), fifos and sockets become ramfs inodes with the archive's mode, owner
 * and mtime; a file's bytes are copied into page-cache
 * frames. Then the archive's own frames go back to the allocator: its file data sits
 * at 4-byte alignment, so it could never be mapped as file pages in place, and a
 * writable root must not share frames with a read-only archive anyway.
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
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

struct inode *root_inode;

#define CPIO_HDR_LEN 110

struct cpio_hdr {
	unsigned long ino, mode, uid, gid, nlink, mtime, filesize;
	unsigned long devmajor, devminor, rdevmajor, rdevminor, namesize, check;
};

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

/* The inode for one entry, with its data; NULL when out of memory. */
static struct inode *make_inode(const struct cpio_hdr *h, const char *data)
{
	struct inode *inode = ramfs_get_inode((unsigned int)h->mode);

	if (!inode)
		return NULL;
	inode->i_uid = (unsigned int)h->uid;
	inode->i_gid = (unsigned int)h->gid;
	if (S_ISCHR(h->mode) || S_ISBLK(h->mode))
		inode->i_rdev = MKDEV(h->rdevmajor, h->rdevminor);
	inode->i_atime = inode->i_mtime = inode->i_ctime = (s64)h->mtime * 1000000000LL;
	if (S_ISREG(h->mode) && h->filesize &&
	    ramfs_kernel_write(inode, data, h->filesize, 0) != (long)h->filesize) {
		inode_maybe_free(inode);
		return NULL;
	}
	if (S_ISLNK(h->mode)) {
		inode->i_link = kmalloc(h->filesize + 1);
		if (!inode->i_link || !h->filesize || h->filesize >= PATH_MAX) {
			inode_maybe_free(inode);
			return NULL;
		}
		memcpy(inode->i_link, data, h->filesize);
		inode->i_size = (loff_t)h->filesize;
	}
	inode->i_mtime = (s64)h->mtime * 1000000000LL;
	return inode;
}

/* Adds (or replaces) one archive entry; missing parent directories are created. */
static const char *add_entry(const char *name, unsigned long namelen, const struct cpio_hdr *h,
			     const char *data)
{
	struct inode *dir = root_inode, *inode;
	const char *p = name, *end = name + namelen, *comp;
	struct dentry *d;

	for (;;) {
		unsigned int len;

		while (p < end && *p == '/')
			p++;
		if (p == end) {             /* "." or "" : the root itself */
			if (S_ISDIR(h->mode)) {
				root_inode->i_mode = (unsigned int)h->mode;
				root_inode->i_mtime = (s64)h->mtime * 1000000000LL;
			}
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
		d = d_find(dir, comp, len);
		if (p < end) {              /* an intermediate directory */
			if (!d) {
				if (dir->i_op->mkdir(dir, comp, len, 0755))
					return "out of memory";
				d = d_find(dir, comp, len);
			} else if (!S_ISDIR(d->d_inode->i_mode)) {
				return "a path goes through a file";
			}
			dir = d->d_inode;
			continue;
		}
		if (d && S_ISDIR(d->d_inode->i_mode)) {
			if (!S_ISDIR(h->mode))
				return "a file replaces a directory";
			d->d_inode->i_mode = (unsigned int)h->mode;
			d->d_inode->i_uid = (unsigned int)h->uid;
			d->d_inode->i_gid = (unsigned int)h->gid;
			d->d_inode->i_mtime = (s64)h->mtime * 1000000000LL;
			return NULL;
		}
		if (S_ISLNK(h->mode) && (!h->filesize || h->filesize >= PATH_MAX))
			return "a symbolic link without a usable target";
		inode = make_inode(h, data);
		if (!inode)
			return "out of memory";
		if (d)
			dir->i_op->unlink(dir, d);   /* a later entry replaces an earlier one */
		if (!d_add(dir, comp, len, inode)) {
			inode_maybe_free(inode);
			return "out of memory";
		}
		inode->i_nlink = S_ISDIR(h->mode) ? 2 : 1;
		if (S_ISDIR(h->mode))
			dir->i_nlink++;
		return NULL;
	}
}

/* The archive has been copied: its frames go back to the allocator. */
static void __init free_initrd_mem(void)
{
	unsigned long pfn, start = boot_params.initrd_start >> PAGE_SHIFT;
	unsigned long end = PAGE_ALIGN(boot_params.initrd_end) >> PAGE_SHIFT;

	for (pfn = start; pfn < end; pfn++)
		__free_page(pfn_to_page(pfn));
	boot_params.initrd_start = boot_params.initrd_end = 0;
	printk(KERN_DEBUG "initramfs: freed %lu KiB of archive\n", (end - start) << 2);
}

int __init populate_rootfs(void)
{
	const char *base = __va(boot_params.initrd_start);
	unsigned long size = boot_params.initrd_end - boot_params.initrd_start, off = 0;
	unsigned long files = 0, dirs = 0, bytes = 0;
	const char *why = NULL;

	ramfs_sb.s_max_blocks = totalram_pages / 2;   /* tmpfs's default size */
	root_inode = ramfs_get_inode(S_IFDIR | 0755);
	if (!root_inode)
		return -ENOMEM;
	root_inode->i_nlink = 2;
	iget(root_inode);               /* the root is never freed */
	ramfs_sb.s_root = root_inode;

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
	free_initrd_mem();
	if (proc_root_init())
		printk(KERN_ERR "proc: cannot mount /proc\n");
	return 0;
}

