/*
 * fs/namei.c - from path names to inodes, and the calls that change names: mkdir,
 * rmdir, unlink, rename, link, symlink, readlink and their *at forms.
 *
 * Absolute names start at the process's root, relative ones at its working directory
 * or at the directory a descriptor names (the *at calls). "." and ".." are understood;
 * ".." at the root stays there. Symbolic links are followed in every component but
 * the last, and in the last one when the call follows links (and always before a
 * trailing slash): at most 8 nested and 40 in all, else ELOOP. Searching a directory
 * needs its x permission. Errors are Linux's: ENOENT for a missing component (or an
 * empty name), ENOTDIR for a component (or a trailing slash) that is not a directory,
 * ENAMETOOLONG for a name over PATH_MAX or a component over NAME_MAX, EFAULT for a
 * bad user pointer.
 *
 * The checks every file system shares happen here, in Linux's order (may_create,
 * may_delete, the rename traps); the file system's inode_operations then only change
 * its tree.
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>

#define MAX_NESTED_LINKS 8
#define MAX_LINKS 40

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE  2
#define RENAME_WHITEOUT  4

static struct inode *fs_root(void)
{
	return current->fs ? current->fs->root : root_inode;
}

static int walk(const char *name, struct inode *dir, struct nameidata *nd, int depth);
static int lookup_last(struct nameidata *nd, bool follow, int depth);

/* A symbolic link's target, in the link's own memory (ramfs) or nd's buffer. */
static int follow_link(struct inode *link, struct inode *dir, struct nameidata *nd, int depth)
{
	bool slash = nd->trailing_slash;
	int err;

	if (++nd->links > MAX_LINKS || depth >= MAX_NESTED_LINKS)
		return -ELOOP;
	if (!link->i_link)
		return -ENOENT;
	link->i_atime = current_fs_time();
	err = walk(link->i_link, dir, nd, depth + 1);
	if (err)
		return err;
	err = lookup_last(nd, true, depth + 1);
	nd->trailing_slash |= slash;
	return err;
}

/*
 * Resolves every component of name but the last, starting at dir (or the root for
 * "/..."); nd gets the last component and the directory that holds it.
 */
static int walk(const char *name, struct inode *dir, struct nameidata *nd, int depth)
{
	if (*name == '/')
		dir = fs_root();
	for (;;) {
		const char *comp;
		unsigned int len;
		struct inode *inode;
		int err;

		while (*name == '/')
			name++;
		if (!*name) {               /* "/" or "//": the directory itself */
			nd->dir = dir;
			nd->last = ".";
			nd->last_len = 1;
			nd->last_type = LAST_ROOT;
			nd->trailing_slash = false;
			return 0;
		}
		comp = name;
		while (*name && *name != '/')
			name++;
		len = (unsigned int)(name - comp);
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		nd->trailing_slash = *name == '/';
		while (*name == '/')
			name++;
		nd->dir = dir;
		nd->last = comp;
		nd->last_len = len;
		nd->last_type = len == 1 && comp[0] == '.' ? LAST_DOT
			      : len == 2 && comp[0] == '.' && comp[1] == '.' ? LAST_DOTDOT : LAST_NORM;
		if (!*name)
			return 0;
		/* An intermediate component: it must be a directory (maybe through links). */
		err = lookup_last(nd, true, depth);
		if (err)
			return err;
		inode = nd->inode;
		if (!inode)
			return -ENOENT;
		if (!S_ISDIR(inode->i_mode))
			return -ENOTDIR;
		dir = inode;
	}
}

/* Looks up nd->last in nd->dir: nd->inode (NULL if there is none) and nd->dentry. */
static int lookup_last(struct nameidata *nd, bool follow, int depth)
{
	struct inode *dir = nd->dir, *inode = NULL;
	int err;

	nd->dentry = NULL;
	nd->inode = NULL;
	nd->file = NULL;
	if (!S_ISDIR(dir->i_mode))
		return -ENOTDIR;
	err = permission(dir, MAY_EXEC);
	if (err)
		return err;
	switch (nd->last_type) {
	case LAST_ROOT:
	case LAST_DOT:
		nd->inode = dir;
		return 0;
	case LAST_DOTDOT:
		if (dir == fs_root())
			nd->inode = dir;
		else if (dir->i_nlink)      /* a removed directory has no parent any more */
			nd->inode = dir->i_parent;
		return 0;
	}
	if (!dir->i_nlink)
		return 0;
	nd->dentry = d_find(dir, nd->last, nd->last_len);
	if (nd->dentry)
		inode = nd->dentry->d_inode;
	else if (dir->i_op && dir->i_op->lookup)
		inode = dir->i_op->lookup(dir, nd->last, nd->last_len);
	if (inode && S_ISLNK(inode->i_mode) && (follow || nd->trailing_slash)) {
		if (inode->i_op && inode->i_op->follow_link) {
			if (++nd->links > MAX_LINKS)
				return -ELOOP;
			return inode->i_op->follow_link(inode, nd);
		}
		return follow_link(inode, dir, nd, depth);
	}
	if (inode && inode->i_mount)
		inode = inode->i_mount;    /* a mount point: the mounted root instead */
	nd->inode = inode;
	return 0;
}

/*
 * The whole lookup. flags: LOOKUP_FOLLOW (the last component's link too),
 * LOOKUP_PARENT (a missing last component is fine: nd says where it would go),
 * LOOKUP_EMPTY ("" names the directory descriptor itself, AT_EMPTY_PATH).
 */
int path_walk_at(int dfd, const char *name, unsigned int flags, struct nameidata *nd)
{
	struct inode *start;
	int err;

	memset(nd, 0, sizeof(*nd));
	if (!root_inode)
		return -ENOENT;
	if (*name == '/' || (dfd == AT_FDCWD && *name)) {
		start = *name == '/' ? fs_root() : current->fs ? current->fs->pwd : root_inode;
	} else {
		struct file *f = dfd == AT_FDCWD ? NULL : fget(dfd);

		if (dfd != AT_FDCWD && !f)
			return -EBADF;
		if (!*name) {
			if (!(flags & LOOKUP_EMPTY))
				return -ENOENT;
			start = f ? f->f_inode : current->fs->pwd;
			if (!start)
				return -EBADF;      /* a pipe or the console: no inode to name */
			nd->dir = nd->inode = start;
			nd->last_type = LAST_ROOT;
			return 0;
		}
		if (!f->f_inode || !S_ISDIR(f->f_inode->i_mode))
			return -ENOTDIR;
		start = f->f_inode;
	}
	err = walk(name, start, nd, 0);
	if (!err)
		err = lookup_last(nd, flags & LOOKUP_FOLLOW, 0);
	if (err)
		return err;
	if (!nd->inode)
		return (flags & LOOKUP_PARENT) ? 0 : -ENOENT;
	if (nd->trailing_slash && !S_ISDIR(nd->inode->i_mode))
		return -ENOTDIR;
	return 0;
}

struct inode *path_lookup(const char *path, int *err)
{
	struct nameidata nd;

	*err = path_walk_at(AT_FDCWD, path, LOOKUP_FOLLOW, &nd);
	return *err ? NULL : nd.inode;
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

/* The same into a new kmalloc'd buffer ("" allowed: the callers decide). */
char *getname_alloc(const char *upath, long *err)
{
	char *buf = kmalloc(PATH_MAX);
	long len;

	if (!buf) {
		*err = -ENOMEM;
		return NULL;
	}
	len = strncpy_from_user(buf, upath, PATH_MAX);
	if (len == PATH_MAX)
		len = -ENAMETOOLONG;
	if (len < 0) {
		kfree(buf);
		*err = len;
		return NULL;
	}
	*err = 0;
	return buf;
}

int user_path_at(int dfd, const char *upath, unsigned int flags, struct inode **res)
{
	struct nameidata nd;
	long err;
	char *name = getname_alloc(upath, &err);

	if (!name)
		return (int)err;
	err = path_walk_at(dfd, name, flags, &nd);
	kfree(name);
	*res = err ? NULL : nd.inode;
	return (int)err;
}

int user_path_lookup(const char *upath, struct inode **res)
{
	return user_path_at(AT_FDCWD, upath, LOOKUP_FOLLOW, res);
}

/* The absolute path of a directory into buf; returns its length (with the NUL),
 * -ERANGE, or -ENOENT for a directory that has been removed. */
int inode_path(struct inode *inode, char *buf, size_t size)
{
	struct inode *root = fs_root();
	size_t pos = size;

	if (!inode->i_nlink)
		return -ENOENT;
	if (size < 2)
		return -ERANGE;
	buf[--pos] = '\0';
	if (inode == root)
		buf[--pos] = '/';
	while (inode != root && inode->i_dentry) {
		struct dentry *d = inode->i_dentry;

		if (d->d_namelen + 1 > pos)
			return -ERANGE;
		pos -= d->d_namelen;
		memcpy(buf + pos, d->d_name, d->d_namelen);
		buf[--pos] = '/';
		inode = inode->i_parent;
	}
	memmove(buf, buf + pos, size - pos);
	return (int)(size - pos);
}

/* The absolute name of what nd found: its directory's path and the last component
 * (a directory's own path). NULL when out of memory or when it has none. */
char *nd_path(const struct nameidata *nd)
{
	char *buf = kmalloc(PATH_MAX), *res;
	int len;

	if (!buf)
		return NULL;
	if (nd->inode && S_ISDIR(nd->inode->i_mode)) {
		len = inode_path(nd->inode, buf, PATH_MAX);
	} else {
		len = inode_path(nd->dir, buf, PATH_MAX);
		if (len > 0 && (size_t)len + nd->last_len + 1 <= PATH_MAX) {
			if (len > 2)
				buf[len - 1] = '/';
			else
				len--;              /* the root: "/" + name */
			memcpy(buf + len, nd->last, nd->last_len);
			len += (int)nd->last_len;
			buf[len++] = '\0';
		} else {
			len = -ENAMETOOLONG;
		}
	}
	res = len > 0 ? kmalloc((size_t)len) : NULL;
	if (res)
		memcpy(res, buf, (size_t)len);
	kfree(buf);
	return res;
}

/* ---- checks every change of a name goes through ---- */

static int may_create(struct inode *dir)
{
	if (!dir->i_nlink)
		return -ENOENT;            /* the directory has been removed */
	if (!dir->i_op || !dir->i_op->create)
		return -EACCES;
	return permission(dir, MAY_WRITE | MAY_EXEC);
}

static int may_delete(struct inode *dir, struct inode *victim, bool isdir)
{
	int err = permission(dir, MAY_WRITE | MAY_EXEC);

	if (err)
		return err;
	if ((dir->i_mode & S_ISVTX) && current->euid != 0 && current->euid != victim->i_uid &&
	    current->euid != dir->i_uid)
		return -EPERM;             /* /tmp: only the owner removes a file */
	if (isdir && !S_ISDIR(victim->i_mode))
		return -ENOTDIR;
	if (!isdir && S_ISDIR(victim->i_mode))
		return -EISDIR;
	if (victim == fs_root() || victim == victim->i_sb->s_root || victim->i_mount)
		return -EBUSY;             /* a root, or a mount point */
	return 0;
}

static bool dir_empty(struct inode *dir)
{
	return list_empty(&dir->i_subdirs);
}

/* Is a an ancestor of b (or b itself)? */
static bool is_subdir(struct inode *b, struct inode *a)
{
	for (;;) {
		if (b == a)
			return true;
		if (b == root_inode || !b->i_dentry)
			return false;
		b = b->i_parent;
	}
}

/*
 * The parent of a name to be made: nd->dir, and nd->inode if the name is taken.
 * EEXIST for a taken name, ENOENT for a trailing slash unless making a directory.
 */
static int filename_create(int dfd, const char *name, bool is_dir, struct nameidata *nd)
{
	int err = path_walk_at(dfd, name, LOOKUP_PARENT, nd);

	if (err)
		return err;
	if (nd->last_type != LAST_NORM || nd->inode)
		return -EEXIST;
	if (nd->trailing_slash && !is_dir)
		return -ENOENT;
	return may_create(nd->dir);
}

/* ---- mkdir, mknod, removal ---- */

long sys_mkdirat(int dfd, const char *pathname, int mode)
{
	struct nameidata nd;
	long err;
	char *name = getname_alloc(pathname, &err);

	if (!name)
		return err;
	err = filename_create(dfd, name, true, &nd);
	if (!err)
		err = nd.dir->i_op->mkdir(nd.dir, nd.last, nd.last_len,
					  (unsigned int)mode & 01777 & ~current->fs->umask);
	kfree(name);
	return err;
}

long sys_mkdir(const char *pathname, int mode)
{
	return sys_mkdirat(AT_FDCWD, pathname, mode);
}

/*
 * mknod: a regular file (type 0 too), a device node (root only: CAP_MKNOD), a fifo or
 * a socket's name. A directory is EPERM and an unknown type EINVAL, before the name
 * is looked at, as Linux's may_mknod.
 */
long sys_mknodat(int dfd, const char *filename, int mode, unsigned int dev)
{
	unsigned int umode = (unsigned int)mode, type = umode & S_IFMT;
	struct nameidata nd;
	struct inode *inode;
	long err;
	char *name;

	if (type == S_IFDIR)
		return -EPERM;
	if (type != 0 && type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
	    type != S_IFSOCK)
		return -EINVAL;
	name = getname_alloc(filename, &err);
	if (!name)
		return err;
	err = filename_create(dfd, name, false, &nd);
	umode = (type ? type : S_IFREG) | (umode & 07777 & ~current->fs->umask);
	if (!err && type != 0 && type != S_IFREG) {
		if ((type == S_IFCHR || type == S_IFBLK) && current->euid != 0)
			err = -EPERM;
		else if (!nd.dir->i_op->mknod)
			err = -EPERM;
		else
			err = nd.dir->i_op->mknod(nd.dir, nd.last, nd.last_len, umode,
						  type == S_IFCHR || type == S_IFBLK ? new_decode_dev(dev) : 0);
	} else if (!err) {
		err = nd.dir->i_op->create(nd.dir, nd.last, nd.last_len, umode, &inode);
	}
	kfree(name);
	return err;
}

long sys_mknod(const char *filename, int mode, unsigned int dev)
{
	return sys_mknodat(AT_FDCWD, filename, mode, dev);
}

static long do_rmdir(int dfd, const char *name)
{
	struct nameidata nd;
	int err = path_walk_at(dfd, name, LOOKUP_PARENT, &nd);

	if (err)
		return err;
	switch (nd.last_type) {
	case LAST_DOTDOT:
		return -ENOTEMPTY;
	case LAST_DOT:
		return -EINVAL;
	case LAST_ROOT:
		return -EBUSY;
	}
	if (!nd.inode)
		return -ENOENT;
	err = may_delete(nd.dir, nd.inode, true);
	if (err)
		return err;
	if (!dir_empty(nd.inode))
		return -ENOTEMPTY;
	if (!nd.dir->i_op->rmdir || !nd.dentry)
		return -EPERM;
	return nd.dir->i_op->rmdir(nd.dir, nd.dentry);
}

static long do_unlink(int dfd, const char *name)
{
	struct nameidata nd;
	int err = path_walk_at(dfd, name, LOOKUP_PARENT, &nd);

	if (err)
		return err;
	if (nd.last_type != LAST_NORM)
		return -EISDIR;
	if (!nd.inode)
		return -ENOENT;
	if (nd.trailing_slash)
		return S_ISDIR(nd.inode->i_mode) ? -EISDIR : -ENOTDIR;
	err = may_delete(nd.dir, nd.inode, false);
	if (err)
		return err;
	if (!nd.dir->i_op->unlink || !nd.dentry)
		return -EPERM;
	return nd.dir->i_op->unlink(nd.dir, nd.dentry);
}

long sys_unlinkat(int dfd, const char *pathname, int flag)
{
	long err;
	char *name;

	if (flag & ~AT_REMOVEDIR)
		return -EINVAL;
	name = getname_alloc(pathname, &err);
	if (!name)
		return err;
	err = (flag & AT_REMOVEDIR) ? do_rmdir(dfd, name) : do_unlink(dfd, name);
	kfree(name);
	return err;
}

long sys_unlink(const char *pathname)
{
	return sys_unlinkat(AT_FDCWD, pathname, 0);
}

long sys_rmdir(const char *pathname)
{
	return sys_unlinkat(AT_FDCWD, pathname, AT_REMOVEDIR);
}

/* ---- symlink, link, readlink ---- */

long sys_symlinkat(const char *oldname, int newdfd, const char *newname)
{
	struct nameidata nd;
	long err;
	char *target = getname_alloc(oldname, &err), *name;

	if (!target)
		return err;
	name = getname_alloc(newname, &err);
	if (name) {
		err = *target ? filename_create(newdfd, name, false, &nd) : -ENOENT;
		if (!err)
			err = nd.dir->i_op->symlink(nd.dir, nd.last, nd.last_len, target);
		kfree(name);
	}
	kfree(target);
	return err;
}

long sys_symlink(const char *oldname, const char *newname)
{
	return sys_symlinkat(oldname, AT_FDCWD, newname);
}

long sys_linkat(int olddfd, const char *oldname, int newdfd, const char *newname, int flags)
{
	struct nameidata nd;
	struct inode *old;
	long err;
	char *name;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	err = user_path_at(olddfd, oldname, ((flags & AT_SYMLINK_FOLLOW) ? LOOKUP_FOLLOW : 0) |
			   ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &old);
	if (err)
		return err;
	name = getname_alloc(newname, &err);
	if (!name)
		return err;
	err = filename_create(newdfd, name, false, &nd);
	if (!err && old->i_sb != nd.dir->i_sb)
		err = -EXDEV;
	if (!err && S_ISDIR(old->i_mode))
		err = -EPERM;
	if (!err && !old->i_nlink)
		err = -ENOENT;              /* an open file that has lost its last name */
	if (!err && !nd.dir->i_op->link)
		err = -EPERM;
	if (!err)
		err = nd.dir->i_op->link(old, nd.dir, nd.last, nd.last_len);
	kfree(name);
	return err;
}

long sys_link(const char *oldname, const char *newname)
{
	return sys_linkat(AT_FDCWD, oldname, AT_FDCWD, newname, 0);
}

/* A link's target into a kernel buffer; its length. */
int vfs_readlink(struct inode *inode, char *buf, size_t size)
{
	size_t n;

	if (!inode->i_link)
		return -EINVAL;
	n = min(size, strlen(inode->i_link));
	memcpy(buf, inode->i_link, n);
	return (int)n;
}

long sys_readlinkat(int dfd, const char *pathname, char *buf, int bufsiz)
{
	struct inode *inode;
	char *kbuf;
	long err;

	if (bufsiz <= 0)
		return -EINVAL;
	err = user_path_at(dfd, pathname, LOOKUP_EMPTY, &inode);
	if (err)
		return err;
	if (!S_ISLNK(inode->i_mode))
		return -EINVAL;
	kbuf = kmalloc(PATH_MAX);
	if (!kbuf)
		return -ENOMEM;
	err = vfs_readlink(inode, kbuf, min((size_t)bufsiz, (size_t)PATH_MAX));
	if (err > 0 && copy_to_user(buf, kbuf, (unsigned long)err))
		err = -EFAULT;
	if (err >= 0)
		inode->i_atime = current_fs_time();
	kfree(kbuf);
	return err;
}

long sys_readlink(const char *path, char *buf, int bufsiz)
{
	return sys_readlinkat(AT_FDCWD, path, buf, bufsiz);
}

/* ---- rename ---- */

/* RENAME_EXCHANGE: both names exist and swap what they name. */
static long do_exchange(struct nameidata *o, struct nameidata *n)
{
	struct inode *a = o->inode, *b = n->inode;
	int err;

	if (!b)
		return -ENOENT;
	if (!S_ISDIR(b->i_mode) && (o->trailing_slash || n->trailing_slash))
		return -ENOTDIR;
	if (S_ISDIR(b->i_mode) && is_subdir(o->dir, b))
		return -EINVAL;            /* the other way round: into its own subtree */
	if (a == b)
		return 0;
	err = may_delete(o->dir, a, S_ISDIR(a->i_mode));
	if (!err)
		err = may_delete(n->dir, b, S_ISDIR(b->i_mode));
	if (!err && o->dir != n->dir && S_ISDIR(a->i_mode))
		err = permission(a, MAY_WRITE);
	if (!err && o->dir != n->dir && S_ISDIR(b->i_mode))
		err = permission(b, MAY_WRITE);
	if (err)
		return err;
	if (!o->dir->i_op->exchange || !o->dentry || !n->dentry)
		return -EINVAL;
	return o->dir->i_op->exchange(o->dentry, n->dentry);
}

static long do_rename(int olddfd, const char *oldname, int newdfd, const char *newname,
		      unsigned int flags)
{
	struct nameidata o, n;
	struct inode *old;
	bool isdir;
	int err;

	err = path_walk_at(olddfd, oldname, LOOKUP_PARENT, &o);
	if (err)
		return err;
	err = path_walk_at(newdfd, newname, LOOKUP_PARENT, &n);
	if (err)
		return err;
	if (o.last_type != LAST_NORM)
		return -EBUSY;
	if (n.last_type != LAST_NORM)
		return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	old = o.inode;
	if (!old)
		return -ENOENT;
	isdir = S_ISDIR(old->i_mode);
	if (!isdir && (o.trailing_slash || n.trailing_slash))
		return -ENOTDIR;
	if (old->i_sb != n.dir->i_sb)
		return -EXDEV;
	if (isdir && is_subdir(n.dir, old))
		return -EINVAL;            /* into its own subtree */
	if (flags & RENAME_EXCHANGE)
		return do_exchange(&o, &n);
	if (n.inode && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (n.inode && S_ISDIR(n.inode->i_mode) && is_subdir(o.dir, n.inode))
		return -ENOTEMPTY;         /* the target holds the source */
	if (n.inode == old)
		return 0;                  /* two names of one file: nothing to do */
	err = may_delete(o.dir, old, isdir);
	if (err)
		return err;
	if (n.inode) {
		err = may_delete(n.dir, n.inode, isdir);
		if (!err && isdir && !dir_empty(n.inode))
			err = -ENOTEMPTY;
	} else {
		err = may_create(n.dir);
	}
	if (!err && isdir && o.dir != n.dir)
		err = permission(old, MAY_WRITE);   /* its ".." changes */
	if (err)
		return err;
	if (!o.dir->i_op->rename || !o.dentry)
		return -EPERM;
	return o.dir->i_op->rename(o.dir, o.dentry, n.dir, n.last, n.last_len, n.dentry);
}

long sys_renameat2(int olddfd, const char *oldname, int newdfd, const char *newname,
		   unsigned int flags)
{
	char *from, *to;
	long err;

	/* RENAME_WHITEOUT (for overlay file systems) is not implemented: EINVAL, as a
	 * file system without it answers. */
	if (flags & ~(unsigned int)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	from = getname_alloc(oldname, &err);
	if (!from)
		return err;
	to = getname_alloc(newname, &err);
	if (to) {
		err = *from && *to ? do_rename(olddfd, from, newdfd, to, flags) : -ENOENT;
		kfree(to);
	}
	kfree(from);
	return err;
}

long sys_renameat(int olddfd, const char *oldname, int newdfd, const char *newname)
{
	return sys_renameat2(olddfd, oldname, newdfd, newname, 0);
}

long sys_rename(const char *oldname, const char *newname)
{
	return sys_renameat2(AT_FDCWD, oldname, AT_FDCWD, newname, 0);
}
