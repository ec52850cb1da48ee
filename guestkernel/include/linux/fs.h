#ifndef _LINUX_FS_H
#define _LINUX_FS_H

#include <linux/list.h>
#include <linux/types.h>

#include <uapi/asm/fcntl.h>   /* open flags, fcntl commands */

#define FMODE_READ  0x1
#define FMODE_WRITE 0x2

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define S_IFMT   0170000
#define S_IFDIR  0040000
#define S_IFREG  0100000
#define S_IFLNK  0120000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)

#define PATH_MAX 4096
#define NAME_MAX 255
#define NR_OPEN  256          /* descriptors per process */

typedef long long loff_t;
typedef unsigned int dev_t;

/* Device numbers, as Linux keeps them inside the kernel (12-bit major, 20-bit minor),
 * and the 32-bit form the system calls use (new_encode_dev: mknod's argument, stat's
 * st_rdev). */
#define MINORBITS 20
#define MINORMASK ((1U << MINORBITS) - 1)
#define MAJOR(dev) ((unsigned int)((dev) >> MINORBITS))
#define MINOR(dev) ((unsigned int)((dev) & MINORMASK))
#define MKDEV(ma, mi) (((dev_t)(ma) << MINORBITS) | (dev_t)(mi))
static inline u32 new_encode_dev(dev_t dev)
{
	return (MINOR(dev) & 0xff) | (MAJOR(dev) << 8) | ((MINOR(dev) & ~0xffU) << 12);
}
static inline dev_t new_decode_dev(u32 dev)
{
	return MKDEV((dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00));
}
#define S_ISCHR(m)  (((m) & S_IFMT) == S_IFCHR)
#define S_ISBLK(m)  (((m) & S_IFMT) == S_IFBLK)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)

struct file;
struct page;
struct poll_table_struct;
struct task_struct;

#define S_IFSOCK 0140000
#define S_IFBLK  0060000
#define S_ISUID  0004000
#define S_ISGID  0002000
#define S_ISVTX  0001000
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)

#define MAY_EXEC  1
#define MAY_WRITE 2
#define MAY_READ  4

/* The *at calls' directory and flags (uapi fcntl.h). */
#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR        0x200
#define AT_EACCESS          0x200
#define AT_SYMLINK_FOLLOW   0x400
#define AT_NO_AUTOMOUNT     0x800
#define AT_EMPTY_PATH       0x1000
#define AT_STATX_SYNC_TYPE  0x6000

/* i_pages is one kmalloc object (4 KiB) of page pointers: files up to 4 MiB (EFBIG). */
#define MAX_FILE_PAGES 1024
#define MAX_FILE_SIZE  ((loff_t)MAX_FILE_PAGES << 12)

struct super_block {
	unsigned long s_magic;         /* statfs f_type */
	unsigned long s_dev;           /* st_dev */
	unsigned long s_nr_inodes;     /* inodes alive */
	unsigned long s_blocks;        /* page-cache frames its files hold */
	unsigned long s_max_blocks;    /* the limit (tmpfs: half of RAM); 0: none */
	struct inode *s_root;          /* held for good */
	/* /proc: inodes are made by lookups and live only while something holds them
	 * (they go at the end of the system call otherwise); a directory holds its
	 * parent, and its name is its own (i_dentry, on no list). */
	bool s_transient;
};

/*
 * An inode: a file, directory or symbolic link of a file system (the ramfs root, or
 * /proc). Its names are dentries in directories: a file has i_nlink of them (hard
 * links), a directory exactly one (i_dentry; NULL for the root and once removed).
 * i_count counts the references that keep it alive without a name: open files and the
 * root or working directory of fs_structs. The inode and its pages go when both are 0.
 */
struct inode {
	unsigned long i_ino;
	unsigned int i_mode;
	unsigned int i_nlink;
	unsigned int i_uid, i_gid;
	int i_count;
	int i_writecount;              /* open files that may write it */
	loff_t i_size;
	s64 i_atime, i_mtime, i_ctime; /* nanoseconds since 1970 */
	struct super_block *i_sb;
	const struct inode_operations *i_op;
	const struct file_operations *i_fop;
	struct dentry *i_dentry;       /* directories: their name in the parent */
	struct inode *i_parent;        /* directories: the parent (the root: itself) */
	struct inode *i_mount;         /* a mount point: the root mounted on it */
	struct list_head i_subdirs;    /* directories: dentries, oldest first */
	loff_t i_next_pos;             /* directories: readdir position of the next entry */
	char *i_link;                  /* symbolic links: the target (kmalloc) */
	struct page **i_pages;         /* page cache: the file's pages (NULL: a hole) */
	unsigned long i_nrpages;       /* slots in i_pages */
	void *i_private;               /* the file system's own; a fifo's pipe while open */
	dev_t i_rdev;                  /* device nodes: the device (MKDEV) */
	struct list_head i_list;       /* on inode_list */
	unsigned int i_check_gen;      /* check=vm scratch: which check counted ... */
	int i_check_refs, i_check_names, i_check_writers;   /* ... these references */
};

/* A name in a directory. */
struct dentry {
	struct inode *d_inode;
	struct inode *d_dir;           /* the directory holding it */
	struct list_head d_child;      /* on d_dir->i_subdirs */
	loff_t d_pos;                  /* readdir position (stable while others go) */
	unsigned int d_namelen;
	char d_name[];                 /* NUL-terminated */
};

extern struct list_head inode_list;   /* every inode, for check=vm */
extern unsigned long nr_dentries;

struct iattr;
struct nameidata;

/*
 * What a file system does with names and attributes. dir operations get the
 * directory and the last name; the caller has checked permissions, types and that the
 * name is free (or taken, for unlink/rmdir).
 */
struct inode_operations {
	struct inode *(*lookup)(struct inode *dir, const char *name, unsigned int len);
	int (*create)(struct inode *dir, const char *name, unsigned int len, unsigned int mode,
		      struct inode **res);
	int (*mkdir)(struct inode *dir, const char *name, unsigned int len, unsigned int mode);
	int (*mknod)(struct inode *dir, const char *name, unsigned int len, unsigned int mode,
		     dev_t rdev);
	int (*symlink)(struct inode *dir, const char *name, unsigned int len, const char *target);
	int (*link)(struct inode *old, struct inode *dir, const char *name, unsigned int len);
	int (*unlink)(struct inode *dir, struct dentry *d);
	int (*rmdir)(struct inode *dir, struct dentry *d);
	int (*rename)(struct inode *old_dir, struct dentry *old, struct inode *new_dir,
		      const char *name, unsigned int len, struct dentry *target);
	int (*exchange)(struct dentry *a, struct dentry *b);   /* RENAME_EXCHANGE */
	int (*setattr)(struct inode *inode, const struct iattr *attr);
	/* A link that names an open file rather than a path (/proc/PID/fd/N): sets
	 * nd->file, and nd->inode to its inode (NULL for a pipe or a nameless console). */
	int (*follow_link)(struct inode *link, struct nameidata *nd);
};

#define ATTR_MODE  0x001
#define ATTR_UID   0x002
#define ATTR_GID   0x004
#define ATTR_SIZE  0x008
#define ATTR_ATIME 0x010
#define ATTR_MTIME 0x020
#define ATTR_CTIME 0x040

struct iattr {
	unsigned int ia_valid;
	unsigned int ia_mode, ia_uid, ia_gid;
	loff_t ia_size;
	s64 ia_atime, ia_mtime;
};

/* readdir: iterate calls actor for each entry from ctx->pos on, and stops when it
 * returns false (the buffer is full); ctx->pos is then the next entry's position. */
struct dir_context {
	bool (*actor)(struct dir_context *ctx, const char *name, unsigned int len, loff_t next,
		      u64 ino, unsigned int type);
	loff_t pos;
};
int dcache_readdir(struct file *f, struct dir_context *ctx);

struct file_operations {
	loff_t (*llseek)(struct file *f, loff_t offset, int whence);
	long (*read)(struct file *f, char *buf, size_t count, loff_t *pos);
	long (*write)(struct file *f, const char *buf, size_t count, loff_t *pos);
	int (*iterate)(struct file *f, struct dir_context *ctx);      /* getdents(64) */
	long (*ioctl)(struct file *f, unsigned int cmd, unsigned long arg);
	void (*release)(struct file *f);
	/* Called by dentry_open once f is set up (f_op may change: char_dev.c); an error
	 * undoes the open. */
	int (*open)(struct inode *inode, struct file *f);
	/* mmap of something without pages of its own: 0 maps anonymous memory instead
	 * (/dev/zero, as Linux's mmap_zero); NULL: ENODEV unless a ramfs file. */
	int (*mmap)(struct file *f);
	/* POLL* events ready now (fs/select.c); NULL: always ready for reading and writing */
	unsigned int (*poll)(struct file *f, struct poll_table_struct *pt);
};

struct file {
	int f_count;
	unsigned int f_flags;          /* O_* as opened (O_NONBLOCK may change) */
	unsigned int f_mode;           /* FMODE_* */
	loff_t f_pos;
	const struct file_operations *f_op;
	struct inode *f_inode;         /* NULL for pipes and the console */
	char *f_path;                  /* the name it was opened by, absolute (kmalloc) */
	void *private_data;
	unsigned int f_version;        /* a fifo reader: the writers' open count it saw (poll) */
	unsigned int f_check_gen;      /* check=vm's marks for its walk */
	int f_check_refs;
};

struct files_struct {
	int count;
	struct file *fd[NR_OPEN];
	unsigned long close_on_exec[NR_OPEN / 32];
};

struct fs_struct {
	int count;
	struct inode *root, *pwd;
	unsigned int umask;
};

/* fs/file.c */
void files_init(void);
struct file *get_empty_filp(void);            /* f_count 1; NULL when out of memory */
void fput(struct file *f);
static inline struct file *get_file(struct file *f) { f->f_count++; return f; }
struct file *fget(int fd);                    /* no new reference: valid during the call */
int get_unused_fd(int start);                 /* -EMFILE when full */
void fd_install(int fd, struct file *f, bool cloexec);
struct files_struct *alloc_files(void);
void put_files_struct(struct files_struct *files);
void exit_files(struct task_struct *t);
void flush_old_files(struct files_struct *files);   /* exec: close O_CLOEXEC */
struct fs_struct *alloc_fs(struct inode *root);   /* root and cwd: root */
void set_fs_pwd(struct fs_struct *fs, struct inode *inode);
void set_fs_root(struct fs_struct *fs, struct inode *inode);
void exit_fs(struct task_struct *t);
extern unsigned long nr_files;                /* open struct files */

/* fs/inode.c: inodes, names, permissions */
struct inode *new_inode(struct super_block *sb, unsigned int mode);   /* nlink 0, count 0 */
void iget(struct inode *inode);
void iput(struct inode *inode);                /* frees it when unnamed and unused */
void inode_maybe_free(struct inode *inode);
void prune_transient_inodes(void);             /* end of a system call: unused /proc inodes */
extern unsigned long nr_transient_inodes;
struct dentry *d_add(struct inode *dir, const char *name, unsigned int len, struct inode *inode);
void d_delete(struct dentry *d);                /* unhooks and frees the name only */
struct dentry *d_find(struct inode *dir, const char *name, unsigned int len);
int permission(struct inode *inode, int mask);  /* 0 or -EACCES, for the euid */
int generic_permission(struct inode *inode, int mask, unsigned int uid);
bool is_owner_or_root(struct inode *inode);
bool inode_is_executing(struct inode *inode);   /* some process runs it: ETXTBSY */
s64 current_fs_time(void);
void inode_touch(struct inode *inode, bool mtime);   /* mtime (if asked) and ctime: now */
int notify_change(struct inode *inode, const struct iattr *attr);
extern unsigned long nr_inodes;

/* fs/ramfs.c: the root file system */
extern struct super_block ramfs_sb;
struct inode *ramfs_get_inode(unsigned int mode);
extern const struct inode_operations ramfs_dir_inode_operations;
extern const struct file_operations ramfs_file_operations;
int ramfs_truncate(struct inode *inode, loff_t size);
long ramfs_kernel_write(struct inode *inode, const char *buf, size_t count, loff_t pos);
long kernel_read(struct inode *inode, loff_t pos, void *buf, size_t count);

/* fs/initramfs.c */
extern struct inode *root_inode;
int populate_rootfs(void);                    /* 0, or -errno with nothing usable */

/* fs/namei.c */
struct nameidata {
	struct inode *dir;             /* the directory that holds (or would hold) last */
	struct inode *inode;           /* what the name names; NULL if the last is missing */
	struct dentry *dentry;         /* its name in dir, when there is one */
	const char *last;              /* the last component (points into the path) */
	unsigned int last_len;
	int last_type;                 /* LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT */
	bool trailing_slash;
	int links;                     /* symbolic links followed so far */
	struct file *file;             /* the open file a /proc/PID/fd link led to */
};
#define LAST_NORM   0
#define LAST_ROOT   1
#define LAST_DOT    2
#define LAST_DOTDOT 3
#define LOOKUP_FOLLOW    1         /* follow a symbolic link in the last component */
#define LOOKUP_PARENT    2         /* only the directory: the last may be missing */
#define LOOKUP_EMPTY     4         /* "" names the directory descriptor (AT_EMPTY_PATH) */

int path_walk_at(int dfd, const char *name, unsigned int flags, struct nameidata *nd);
struct inode *path_lookup(const char *path, int *err);   /* kernel path, follows links */
int user_path_at(int dfd, const char *upath, unsigned int flags, struct inode **res);
int user_path_lookup(const char *upath, struct inode **res);
long getname(const char *upath, char *buf);             /* copies, checks length */
char *getname_alloc(const char *upath, long *err);       /* kmalloc'd copy or NULL */
int inode_path(struct inode *inode, char *buf, size_t size);   /* absolute path */
int vfs_readlink(struct inode *inode, char *buf, size_t size);  /* kernel buffer */
char *nd_path(const struct nameidata *nd);      /* absolute name of nd's result (kmalloc) */

/* mm/filemap.c: the page cache. A file's bytes live in PG_CACHE frames that
 * inode->i_pages owns (one reference each; mappings add theirs). */
struct page *find_get_page(struct inode *inode, unsigned long index);   /* NULL: a hole */
struct page *find_or_create_page(struct inode *inode, unsigned long index, int *err);
struct page *find_or_read_page(struct inode *inode, unsigned long index);   /* mmap */
void truncate_inode_pages(struct inode *inode, loff_t size);
long generic_file_read(struct inode *inode, char *buf, size_t count, loff_t *pos);
long generic_file_write(struct inode *inode, const char *buf, size_t count, loff_t *pos,
			bool user);

/* fs/open.c */
struct file *dentry_open(struct inode *inode, unsigned int flags, int *err);
struct file *filp_open(const char *path, unsigned int flags, int *err);   /* kernel path */
int do_truncate(struct inode *inode, loff_t length);

/* fs/proc.c */
extern struct super_block proc_sb;
int proc_root_init(void);                       /* mounts /proc */
const char *file_name_for(struct file *f, char *buf, size_t size);   /* fd links */

/* fs/stat.c */
long vfs_fstat_file(struct file *f, void *ubuf);   /* struct stat64 */

/* fs/pipe.c */
int do_pipe(struct file **files);             /* [0] read end, [1] write end */
extern const struct file_operations def_fifo_fops;   /* named pipes: fifo_open */
struct file *pipe_reopen(struct file *f, unsigned int flags, int *err);   /* /proc/PID/fd */

/* fs/char_dev.c: character devices by major number (register_chrdev) */
#define MEM_MAJOR    1
#define TTY_MAJOR    4
#define TTYAUX_MAJOR 5
int register_chrdev(unsigned int major, const char *name, const struct file_operations *fops);
void init_special_inode(struct inode *inode, unsigned int mode, dev_t rdev);
void chr_dev_init(void);                      /* drivers/mem.c and the ttys register */
void mem_devices_init(void);                  /* drivers/mem.c */

/* drivers/tty.c */
struct file *console_open(void);
void tty_init(void);
bool is_console_file(const struct file *f);
void tty_dev_init(void);                      /* registers /dev/tty, console, ttyS0 */

#endif
