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

struct file;
struct page;
struct poll_table_struct;
struct task_struct;

/*
 * A node of the initramfs tree (there is no other file system): names and contents
 * point into the archive in memory, so nothing is copied and nothing is ever freed.
 */
struct inode {
	unsigned long i_ino;
	unsigned int i_mode;
	unsigned int i_nlink;
	unsigned long i_size;
	unsigned long i_mtime;
	const char *i_data;            /* regular files: the bytes */
	const char *i_name;            /* last path component ("" for the root) */
	unsigned int i_namelen;
	struct inode *i_parent;        /* the root is its own parent */
	struct list_head i_children;   /* directories: entries in archive order */
	struct list_head i_sibling;
	const struct file_operations *i_fop;
	struct page **i_pages;         /* page cache: the file's pages, filled on demand */
	unsigned long i_nrpages;       /* slots in i_pages */
	struct list_head i_list;       /* on inode_list */
};

extern struct list_head inode_list;   /* every inode, for check=vm */

struct file_operations {
	loff_t (*llseek)(struct file *f, loff_t offset, int whence);
	long (*read)(struct file *f, char *buf, size_t count, loff_t *pos);
	long (*write)(struct file *f, const char *buf, size_t count, loff_t *pos);
	long (*readdir)(struct file *f, void *dirent, size_t count);   /* getdents64 */
	long (*ioctl)(struct file *f, unsigned int cmd, unsigned long arg);
	void (*release)(struct file *f);
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
	void *private_data;
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
struct fs_struct *alloc_fs(struct inode *root);
void exit_fs(struct task_struct *t);
extern unsigned long nr_files;                /* open struct files */

/* fs/initramfs.c */
extern struct inode *root_inode;
int populate_rootfs(void);                    /* 0, or -errno with nothing usable */
const struct file_operations *initramfs_file_ops(void);

/* fs/namei.c */
struct inode *path_lookup(const char *path, int *err);   /* kernel path */
int user_path_lookup(const char *upath, struct inode **res);
long getname(const char *upath, char *buf);             /* copies, checks length */
int inode_path(struct inode *inode, char *buf, size_t size);   /* absolute path */

/* mm/filemap.c: the page-cache frame (PG_CACHE, page aligned, zero past the end of
 * the file) holding the file's bytes at index * PAGE_SIZE; NULL beyond the file or when
 * out of memory. The cache keeps its reference for good. */
struct page *find_or_read_page(struct inode *inode, unsigned long index);

/* fs/open.c */
struct file *dentry_open(struct inode *inode, unsigned int flags, int *err);

/* fs/pipe.c */
int do_pipe(struct file **files);             /* [0] read end, [1] write end */

/* drivers/tty.c */
struct file *console_open(void);
void tty_init(void);
bool is_console_file(const struct file *f);

#endif
