#ifndef _LINUX_PIPE_FS_I_H
#define _LINUX_PIPE_FS_I_H

#include <linux/list.h>
#include <linux/wait.h>

#define PIPE_BUF 4096   /* writes up to this size are atomic */

/* fs/pipe.c: one pipe, shared by its read and write files. */
struct pipe_inode_info {
	wait_queue_head_t wait;       /* readers and writers both wait here */
	char *base;                   /* one page (PG_KERNEL) */
	unsigned int start, len;      /* ring buffer contents */
	unsigned int readers, writers;
	struct list_head list;        /* on pipe_list, for check=vm */
	unsigned long ino;            /* fstat's st_ino, /proc's "pipe:[N]" */
	unsigned int r_counter, w_counter;   /* opens so far: a fifo's open waits for a change */
	struct inode *inode;          /* a named pipe's inode (i_private points back); else NULL */
};

extern struct list_head pipe_list;
extern const struct file_operations pipe_read_fops, pipe_write_fops, pipe_rdwr_fops;
struct pipe_inode_info *alloc_pipe_info(void);
void free_pipe_info(struct pipe_inode_info *p);
int fifo_open_pipe(struct pipe_inode_info *p, struct file *f);   /* fs/fifo.c */

#endif
