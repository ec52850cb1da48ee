/*
 * fs/fifo.c - named pipes: opening a fifo (mknod S_IFIFO, mkfifo) as Linux's fs/fifo.c.
 *
 * The first open gives the inode a pipe (fs/pipe.c; i_private), the last close takes
 * it away with any bytes still in it. An open for reading waits until a writer opens
 * (and the other way round), so the two meet; with O_NONBLOCK a reader opens at once,
 * and a writer without a reader gets ENXIO. O_RDWR never waits. The counters say
 * whether a partner came while we slept (one that came and went also counts). A
 * signal ends the wait (ERESTARTSYS: restarted under SA_RESTART, else EINTR).
 */
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched.h>

static int wait_for_partner(struct pipe_inode_info *p, unsigned int *counter)
{
	unsigned int cur = *counter;

	return wait_event_interruptible(p->wait, cur != *counter);
}

/* Joins f (its f_mode set) to the pipe; the pipe goes if this was its only user. An
 * anonymous pipe reopened through /proc/PID/fd never waits (Linux's is_pipe). */
int fifo_open_pipe(struct pipe_inode_info *p, struct file *f)
{
	bool is_fifo = p->inode != NULL;
	int err = 0;

	f->private_data = p;
	switch (f->f_mode & (FMODE_READ | FMODE_WRITE)) {
	case FMODE_READ:
		p->r_counter++;
		if (p->readers++ == 0)
			wake_up(&p->wait);
		/* Without a writer yet, poll says POLLHUP only once one has come and gone. */
		if (is_fifo && !p->writers && (f->f_flags & O_NONBLOCK))
			f->f_version = p->w_counter;
		if (is_fifo && !p->writers && !(f->f_flags & O_NONBLOCK)) {
			err = wait_for_partner(p, &p->w_counter);
			if (err) {
				if (!--p->readers)
					wake_up(&p->wait);
				break;
			}
		}
		f->f_op = &pipe_read_fops;
		break;
	case FMODE_WRITE:
		if (is_fifo && (f->f_flags & O_NONBLOCK) && !p->readers) {
			err = -ENXIO;
			break;
		}
		p->w_counter++;
		if (p->writers++ == 0)
			wake_up(&p->wait);
		if (is_fifo && !p->readers) {
			err = wait_for_partner(p, &p->r_counter);
			if (err) {
				if (!--p->writers)
					wake_up(&p->wait);
				break;
			}
		}
		f->f_op = &pipe_write_fops;
		break;
	default:
		p->readers++;
		p->writers++;
		p->r_counter++;
		p->w_counter++;
		if (p->readers == 1 || p->writers == 1)
			wake_up(&p->wait);
		f->f_op = &pipe_rdwr_fops;
		break;
	}
	if (err && !p->readers && !p->writers)
		free_pipe_info(p);
	return err;
}

static int fifo_open(struct inode *inode, struct file *f)
{
	struct pipe_inode_info *p = inode->i_private;

	if (!p) {
		p = alloc_pipe_info();
		if (!p)
			return -ENOMEM;
		p->inode = inode;
		inode->i_private = p;
	}
	return fifo_open_pipe(p, f);
}

const struct file_operations def_fifo_fops = {
	.open = fifo_open,
};
