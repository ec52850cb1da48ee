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
};

extern struct list_head pipe_list;

#endif
