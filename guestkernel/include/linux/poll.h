#ifndef _LINUX_POLL_H
#define _LINUX_POLL_H

#include <linux/fs.h>
#include <linux/wait.h>

/* poll(2) event bits (Linux's, the same on every architecture but these). */
#define POLLIN     0x0001
#define POLLPRI    0x0002
#define POLLOUT    0x0004
#define POLLERR    0x0008
#define POLLHUP    0x0010
#define POLLNVAL   0x0020
#define POLLRDNORM 0x0040
#define POLLRDBAND 0x0080
#define POLLWRNORM 0x0100
#define POLLWRBAND 0x0200

/* A file without a poll method is always ready (regular files, directories). */
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

/*
 * fs/select.c: a file's poll method says which events are ready now and, given a
 * table, puts the caller on the wait queue that its next event will wake
 * (poll_wait). The table keeps a reference to each file it waits on, so a descriptor
 * closed meanwhile (by another thread) cannot free the queue under it.
 */
struct poll_table_entry {
	struct file *filp;
	wait_queue_t wait;
	wait_queue_head_t *wait_address;
};

typedef struct poll_table_struct {
	struct poll_table_entry *entries;
	int nr, max;
} poll_table;

void poll_wait(struct file *filp, wait_queue_head_t *q, poll_table *p);

#endif
