/*
 * fs/inode.c - inodes, their names (dentries), permissions and attributes.
 *
 * There is no dentry cache to speak of: a directory keeps its names on a list, oldest
 * first, and each name points at its inode. A file may have several names (hard
 * links, i_nlink); a directory has one, which i_dentry remembers, and i_parent is the
 * directory holding it. An inode without names stays while something still uses it
 * (i_count: open files, the root and working directories of processes) and goes, with
 * its page-cache frames, when the last of those does.
 */
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

LIST_HEAD(inode_list);
unsigned long nr_inodes, nr_dentries, nr_transient_inodes;
static unsigned long last_ino;
static struct kmem_cache *inode_cachep;

struct inode *new_inode(struct super_block *sb, unsigned int mode)
{
	struct inode *inode;

	if (!inode_cachep)
		inode_cachep = kmem_cache_create("inode_cache", sizeof(struct inode), 8);
	inode = inode_cachep ? kmem_cache_alloc(inode_cachep) : NULL;
	if (!inode)
		return NULL;
	inode->i_ino = ++last_ino;
	inode->i_mode = mode;
	inode->i_uid = current->euid;
	inode->i_sb = sb;
	inode->i_atime = inode->i_mtime = inode->i_ctime = current_fs_time();
	INIT_LIST_HEAD(&inode->i_subdirs);
	inode->i_next_pos = 2;          /* 0 and 1 are "." and ".." */
	inode->i_parent = inode;
	list_add_tail(&inode->i_list, &inode_list);
	nr_inodes++;
	sb->s_nr_inodes++;
	if (sb->s_transient && sb->s_root)   /* the root (made first) is kept: not counted */
		nr_transient_inodes++;
	return inode;
}

void iget(struct inode *inode)
{
	inode->i_count++;
}

static void destroy_inode(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;

	truncate_inode_pages(inode, 0);
	kfree(inode->i_pages);
	kfree(inode->i_link);
	list_del(&inode->i_list);
	nr_inodes--;
	sb->s_nr_inodes--;
	if (sb->s_transient) {
		nr_transient_inodes--;
		kfree(inode->i_dentry);                /* its own name */
		if (S_ISDIR(inode->i_mode) && inode->i_parent != inode)
			iput(inode->i_parent);
	}
	kmem_cache_free(inode_cachep, inode);
}

/* Frees an inode nobody names or uses any more: its pages, its link, itself. */
void inode_maybe_free(struct inode *inode)
{
	if (inode->i_nlink || inode->i_count || inode->i_sb->s_transient)
		return;
	destroy_inode(inode);
}

/* The /proc inodes this system call looked up and nobody holds. Freeing a directory
 * lets its parent go too, hence the rounds. */
void prune_transient_inodes(void)
{
	bool freed;

	do {
		struct inode *inode;

		freed = false;
		list_for_each_entry(inode, &inode_list, i_list)
			if (inode->i_sb->s_transient && !inode->i_count && inode != inode->i_sb->s_root) {
				destroy_inode(inode);
				freed = true;
				break;
			}
	} while (freed);
}

void iput(struct inode *inode)
{
	if (inode->i_count <= 0) {
		printk(KERN_ERR "BUG: iput of inode %lu with count %d\n", inode->i_ino, inode->i_count);
		return;
	}
	inode->i_count--;
	inode_maybe_free(inode);
}

/* A new name for inode in dir (the caller counts the link). NULL when out of memory. */
struct dentry *d_add(struct inode *dir, const char *name, unsigned int len, struct inode *inode)
{
	struct dentry *d = kmalloc(sizeof(*d) + len + 1);

	if (!d)
		return NULL;
	d->d_inode = inode;
	d->d_dir = dir;
	d->d_pos = dir->i_next_pos++;
	d->d_namelen = len;
	memcpy(d->d_name, name, len);
	d->d_name[len] = '\0';
	list_add_tail(&d->d_child, &dir->i_subdirs);
	if (S_ISDIR(inode->i_mode)) {
		inode->i_dentry = d;
		inode->i_parent = dir;
	}
	nr_dentries++;
	return d;
}

void d_delete(struct dentry *d)
{
	if (d->d_inode->i_dentry == d)
		d->d_inode->i_dentry = NULL;
	list_del(&d->d_child);
	nr_dentries--;
	kfree(d);
}

struct dentry *d_find(struct inode *dir, const char *name, unsigned int len)
{
	struct dentry *d;

	list_for_each_entry(d, &dir->i_subdirs, d_child)
		if (d->d_namelen == len && !memcmp(d->d_name, name, len))
			return d;
	return NULL;
}

/*
 * The classic Unix check, on the effective uid (there is one group, 0). Root may read
 * and write anything, and execute what has an x bit somewhere (or search a directory).
 */
int generic_permission(struct inode *inode, int mask, unsigned int uid)
{
	unsigned int mode = inode->i_mode;

	if (uid == 0) {
		if (!(mask & MAY_EXEC) || S_ISDIR(mode) || (mode & 0111))
			return 0;
		return -EACCES;
	}
	if (uid == inode->i_uid)
		mode >>= 6;
	else if (inode->i_gid == 0)
		mode >>= 3;
	return ((int)mode & mask & 7) == (mask & 7) ? 0 : -EACCES;
}

int permission(struct inode *inode, int mask)
{
	return generic_permission(inode, mask, current->euid);
}

/* Is the file a running program (exec's mappings, VM_EXECUTABLE, of any process)? */
bool inode_is_executing(struct inode *inode)
{
	struct mm_struct *mm;
	struct vm_area_struct *vma;

	list_for_each_entry(mm, &mm_list, mmlist)
		for (vma = mm->mmap; vma; vma = vma->vm_next)
			if ((vma->vm_flags & VM_EXECUTABLE) && vma->vm_file->f_inode == inode)
				return true;
	return false;
}

bool is_owner_or_root(struct inode *inode)
{
	return current->euid == 0 || current->euid == inode->i_uid;
}

void inode_touch(struct inode *inode, bool mtime)
{
	s64 now = current_fs_time();

	inode->i_ctime = now;
	if (mtime)
		inode->i_mtime = now;
}

/*
 * chmod, chown, truncate, utimes. Permission is checked here, as Linux's
 * inode_change_ok does: the owner (or root) may change the mode and times; only root
 * may give a file away; a chown by root clears set-user-ID and set-group-ID.
 */
int notify_change(struct inode *inode, const struct iattr *attr)
{
	unsigned int valid = attr->ia_valid;
	int err;

	if ((valid & (ATTR_UID | ATTR_GID)) && current->euid != 0) {
		if ((valid & ATTR_UID) && attr->ia_uid != inode->i_uid)
			return -EPERM;
		if ((valid & ATTR_GID) && (!is_owner_or_root(inode) || attr->ia_gid != inode->i_gid))
			return -EPERM;
	}
	if ((valid & ATTR_MODE) && !is_owner_or_root(inode))
		return -EPERM;
	if (valid & ATTR_SIZE) {
		if (!inode->i_op || !inode->i_op->setattr)
			return -EPERM;
	}
	if (inode->i_op && inode->i_op->setattr) {
		err = inode->i_op->setattr(inode, attr);
		if (err)
			return err;
	}
	if (valid & ATTR_MODE)
		inode->i_mode = (inode->i_mode & S_IFMT) | (attr->ia_mode & 07777);
	if (valid & (ATTR_UID | ATTR_GID)) {
		if (valid & ATTR_UID)
			inode->i_uid = attr->ia_uid;
		if (valid & ATTR_GID)
			inode->i_gid = attr->ia_gid;
		if (!S_ISDIR(inode->i_mode))
			inode->i_mode &= ~(unsigned int)(S_ISUID | ((inode->i_mode & 010) ? S_ISGID : 0));
	}
	if (valid & ATTR_ATIME)
		inode->i_atime = attr->ia_atime;
	if (valid & ATTR_MTIME)
		inode->i_mtime = attr->ia_mtime;
	inode->i_ctime = current_fs_time();
	return 0;
}
