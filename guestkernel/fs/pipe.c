/*
 * fs/pipe.c - pipes.
 *
 * One page of ring buffer between a read end and a write end. A reader waits while the
 * pipe is empty and a writer exists, and sees EOF (0) once none is left; a writer waits
 * while there is no room, and a write of at most PIPE_BUF bytes goes in whole, never
 * interleaved with another. Writing with no reader left fails with EPIPE and raises
 * SIGPIPE. O_NONBLOCK turns every wait into EAGAIN (or a short count).
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>

#define PIPE_SIZE PAGE_SIZE
#define FIONREAD 0x541B

LIST_HEAD(pipe_list);

static long pipe_read(struct file *f, char *buf, size_t count, loff_t *pos)
{
	struct pipe_inode_info *p = f->private_data;
	size_t done = 0;

	(void)pos;
	if (!count)
		return 0;
	for (;;) {
		if (p->len) {
			while (done < count && p->len) {
				size_t n = min(count - done, min((size_t)p->len, (size_t)(PIPE_SIZE - p->start)));

				if (copy_to_user(buf + done, p->base + p->start, n))
					return done ? (long)done : -EFAULT;
				p->start = (p->start + n) % PIPE_SIZE;
				p->len -= n;
				done += n;
			}
			if (!p->len)
				p->start = 0;
			wake_up(&p->wait);   /* room for writers */
			return (long)done;
		}
		if (!p->writers)
			return 0;
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		{
			int err = wait_event_interruptible(p->wait, p->len || !p->writers);
			if (err)
				return err;
		}
	}
}

static long pipe_write(struct file *f, const char *buf, size_t count, loff_t *pos)
{
	struct pipe_inode_info *p = f->private_data;
	size_t done = 0;

	(void)pos;
	while (done < count) {
		size_t room, want;

		if (!p->readers) {
			send_sig(SIGPIPE, current, false);
			return done ? (long)done : -EPIPE;
		}
		room = PIPE_SIZE - p->len;
		/* A small write waits for room for all of it: it must not be split. */
		want = count - done <= PIPE_BUF ? count - done : 1;
		if (room >= want) {
			size_t n = min(room, count - done);

			while (n) {
				size_t end = (p->start + p->len) % PIPE_SIZE;
				size_t c = min(n, (size_t)PIPE_SIZE - end);

				if (copy_from_user(p->base + end, buf + done, c)) {
					wake_up(&p->wait);
					return done ? (long)done : -EFAULT;
				}
				p->len += c;
				done += c;
				n -= c;
			}
			wake_up(&p->wait);   /* data for readers */
			continue;
		}
		if (f->f_flags & O_NONBLOCK)
			return done ? (long)done : -EAGAIN;
		{
			int err = wait_event_interruptible(p->wait,
				PIPE_SIZE - p->len >= want || !p->readers);
			if (err)
				return done ? (long)done : err;
		}
	}
	return (long)done;
}

static long pipe_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct pipe_inode_info *p = f->private_data;

	if (cmd == FIONREAD)
		return put_user((int)p->len, (int *)arg);
	return -ENOTTY;
}

/* Readable with data in the pipe, hung up once no writer is left (a fifo's reader: once
 * a writer has come and gone since it opened); writable while there is room, an error
 * once no reader is left. */
static unsigned int pipe_poll(struct file *f, poll_table *pt)
{
	struct pipe_inode_info *p = f->private_data;
	unsigned int mask = 0;

	poll_wait(f, &p->wait, pt);
	if (f->f_mode & FMODE_READ) {
		if (p->len)
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers && f->f_version != p->w_counter)
			mask |= POLLHUP;
	}
	if (f->f_mode & FMODE_WRITE) {
		if (p->len < PIPE_SIZE)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	return mask;
}

static void pipe_release(struct file *f)
{
	struct pipe_inode_info *p = f->private_data;

	if (f->f_mode & FMODE_READ)
		p->readers--;
	if (f->f_mode & FMODE_WRITE)
		p->writers--;
	wake_up(&p->wait);
	if (!p->readers && !p->writers)
		free_pipe_info(p);
}

/* The last reader and writer have gone: a named pipe's bytes go with it, as on Linux. */
void free_pipe_info(struct pipe_inode_info *p)
{
	if (p->inode)
		p->inode->i_private = NULL;
	list_del_init(&p->list);
	free_pages(p->base, 0);
	kfree(p);
}

static unsigned long last_pipe_ino;

struct pipe_inode_info *alloc_pipe_info(void)
{
	struct pipe_inode_info *p = kmalloc(sizeof(*p));

	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->base = __get_free_pages(PG_KERNEL, 0);
	if (!p->base) {
		kfree(p);
		return NULL;
	}
	init_waitqueue_head(&p->wait);
	p->ino = ++last_pipe_ino;
	list_add_tail(&p->list, &pipe_list);
	return p;
}

const struct file_operations pipe_read_fops = {
	.read = pipe_read,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
	.poll = pipe_poll,
};

const struct file_operations pipe_write_fops = {
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
	.poll = pipe_poll,
};

/* Both ends in one file: a fifo opened O_RDWR (Linux allows it; it never waits). */
const struct file_operations pipe_rdwr_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
	.poll = pipe_poll,
};

/*
 * /proc/PID/fd/N of a pipe opens the pipe itself (Linux opens the pipe's inode, whose
 * open is the fifo's): a new file on the same pipe, for reading or writing as asked.
 */
struct file *pipe_reopen(struct file *old, unsigned int flags, int *err)
{
	struct pipe_inode_info *p = old->private_data;
	struct file *f = get_empty_filp();

	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	f->f_flags = flags;
	f->f_mode = (flags & O_ACCMODE) == O_RDONLY ? FMODE_READ
		  : (flags & O_ACCMODE) == O_WRONLY ? FMODE_WRITE : FMODE_READ | FMODE_WRITE;
	current->opening_file = f;       /* check=vm: the open may sleep */
	*err = fifo_open_pipe(p, f);
	current->opening_file = NULL;
	if (*err) {
		fput(f);                /* f_op not set yet: nothing to release */
		return NULL;
	}
	return f;
}

int do_pipe(struct file **files)
{
	struct pipe_inode_info *p = alloc_pipe_info();
	struct file *r, *w;

	if (!p)
		return -ENOMEM;
	r = get_empty_filp();
	w = get_empty_filp();
	if (!r || !w) {
		if (r)
			fput(r);
		if (w)
			fput(w);
		free_pipe_info(p);
		return -ENOMEM;
	}
	p->readers = p->writers = 1;
	p->r_counter = p->w_counter = 1;
	r->f_mode = FMODE_READ;
	r->f_flags = O_RDONLY;
	r->f_op = &pipe_read_fops;
	r->private_data = p;
	w->f_mode = FMODE_WRITE;
	w->f_flags = O_WRONLY;
	w->f_op = &pipe_write_fops;
	w->private_data = p;
	files[0] = r;
	files[1] = w;
	return 0;
}

long sys_pipe2(int *fildes, int flags)
{
	struct file *files[2];
	int fd[2], err;

	if (flags & ~(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	err = do_pipe(files);
	if (err)
		return err;
	files[0]->f_flags |= (unsigned int)flags & O_NONBLOCK;
	files[1]->f_flags |= (unsigned int)flags & O_NONBLOCK;
	fd[0] = get_unused_fd(0);
	if (fd[0] >= 0) {
		fd_install(fd[0], files[0], flags & O_CLOEXEC);
		fd[1] = get_unused_fd(0);
		if (fd[1] < 0) {
			current->files->fd[fd[0]] = NULL;
			err = fd[1];
		}
	} else {
		err = fd[0];
	}
	if (err) {
		fput(files[0]);
		fput(files[1]);
		return err;
	}
	fd_install(fd[1], files[1], flags & O_CLOEXEC);
	if (copy_to_user(fildes, fd, sizeof(fd))) {
		sys_close((unsigned int)fd[0]);
		sys_close((unsigned int)fd[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(int *fildes)
{
	return sys_pipe2(fildes, 0);
}
