/*
 * fs/namei.c - from path names to inodes.
 *
 * Absolute names start at the process's root, relative ones at its working directory.
 * "." and ".." are understood; ".." at the root stays there. Errors are Linux's:
 * ENOENT for a missing component (or an empty name), ENOTDIR for a component (or a
 * trailing slash) that is not a directory, ENAMETOOLONG for a name over PATH_MAX or a
 * component over NAME_MAX, EFAULT for a bad user pointer.
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

static struct inode *lookup_one(struct inode *dir, const char *name, unsigned int len)
{
	struct inode *c;

	if (len == 1 && name[0] == '.')
		return dir;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return dir == (current->fs ? current->fs->root : root_inode) ? dir : dir->i_parent;
	list_for_each_entry(c, &dir->i_children, i_sibling)
		if (c->i_namelen == len && !memcmp(c->i_name, name, len))
			return c;
	return NULL;
}

struct inode *path_lookup(const char *path, int *err)
{
	struct inode *inode;
	bool trailing_slash = false;

	if (!root_inode) {
		*err = -ENOENT;
		return NULL;
	}
	if (!*path) {
		*err = -ENOENT;
		return NULL;
	}
	if (*path == '/')
		inode = current->fs ? current->fs->root : root_inode;
	else
		inode = current->fs ? current->fs->pwd : root_inode;

	for (;;) {
		const char *comp;
		unsigned int len;
		struct inode *next;

		while (*path == '/')
			path++;
		if (!*path)
			break;
		comp = path;
		while (*path && *path != '/')
			path++;
		len = (unsigned int)(path - comp);
		if (len > NAME_MAX) {
			*err = -ENAMETOOLONG;
			return NULL;
		}
		if (!S_ISDIR(inode->i_mode)) {
			*err = -ENOTDIR;
			return NULL;
		}
		next = lookup_one(inode, comp, len);
		if (!next) {
			*err = -ENOENT;
			return NULL;
		}
		inode = next;
		trailing_slash = *path == '/';
	}
	if (trailing_slash && !S_ISDIR(inode->i_mode)) {
		*err = -ENOTDIR;
		return NULL;
	}
	*err = 0;
	return inode;
}

/* Copies a user path into buf (PATH_MAX bytes). Returns its length or -errno. */
long getname(const char *upath, char *buf)
{
	long len = strncpy_from_user(buf, upath, PATH_MAX);

	if (len < 0)
		return len;
	if (len == PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0)
		return -ENOENT;
	return len;
}

int user_path_lookup(const char *upath, struct inode **res)
{
	char *buf = kmalloc(PATH_MAX);
	long len;
	int err;

	if (!buf)
		return -ENOMEM;
	len = getname(upath, buf);
	if (len < 0) {
		kfree(buf);
		return (int)len;
	}
	*res = path_lookup(buf, &err);
	kfree(buf);
	return err;
}

/* The absolute path of inode into buf; returns its length (with the NUL) or -ERANGE. */
int inode_path(struct inode *inode, char *buf, size_t size)
{
	struct inode *root = current->fs ? current->fs->root : root_inode;
	size_t pos = size;

	if (size < 2)
		return -ERANGE;
	buf[--pos] = '\0';
	if (inode == root) {
		buf[--pos] = '/';
	}
	while (inode != root && inode->i_parent != inode) {
		if (inode->i_namelen + 1 > pos)
			return -ERANGE;
		pos -= inode->i_namelen;
		memcpy(buf + pos, inode->i_name, inode->i_namelen);
		buf[--pos] = '/';
		inode = inode->i_parent;
	}
	memmove(buf, buf + pos, size - pos);
	return (int)(size - pos);
}
