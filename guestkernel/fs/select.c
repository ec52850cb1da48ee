/*
 * fs/select.c - poll, ppoll, select, pselect6: waiting for any of several files.
 *
 * Each pass asks every file's poll method which events are ready. The first pass also
 * puts the caller on each file's wait queue (poll_wait), so that whatever makes a file
 * ready (data into a pipe, a line typed at the console) wakes it for another pass.
 * The task marks itself sleeping before each pass, so a wake-up between the pass and
 * the sleep is not lost. The call ends when something is ready, at the deadline (a
 * CLOCK_MONOTONIC time; none means forever, zero means one pass and no sleep), or when
 * a signal is pending: -ERESTARTNOHAND, which becomes EINTR when a handler runs (as in
 * Linux; Linux's poll restarts through a restart block with the time left, here it
 * restarts with the whole timeout, which only matters when no handler runs).
 *
 * ppoll and pselect6 install a signal mask for the wait, as sigsuspend does: on
 * EINTR the handler runs under it and the old mask comes back after it. select,
 * pselect6 and ppoll write the time left back to the caller's timeout, as Linux does.
 */
#include <asm/irqflags.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/poll.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <linux/time.h>

/* The wait entries a call can hold: one kmalloc (at most 4 KiB). A call on more files
 * than that (each file needs one) re-checks them every tick instead of sleeping. */
#define MAX_POLL_ENTRIES (4096 / sizeof(struct poll_table_entry))

#define POLLIN_SET  (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET  (POLLPRI)

struct pollfd {
	int fd;
	short events, revents;
};

/* What a call waits for: the deadline, and the table its wait entries are in. */
struct poll_wqueues {
	poll_table pt;
	bool timed;            /* false: no deadline */
	s64 deadline;          /* CLOCK_MONOTONIC ns */
	bool overflow;         /* some file could not be waited on: poll each tick */
};

void poll_wait(struct file *filp, wait_queue_head_t *q, poll_table *p)
{
	struct poll_table_entry *e;
	unsigned long flags;

	if (!p || !q)
		return;
	if (p->nr >= p->max) {
		container_of(p, struct poll_wqueues, pt)->overflow = true;
		return;
	}
	e = &p->entries[p->nr++];
	e->filp = get_file(filp);
	e->wait_address = q;
	e->wait.task = current;
	INIT_LIST_HEAD(&e->wait.entry);
	flags = local_irq_save();
	list_add_tail(&e->wait.entry, &q->task_list);
	local_irq_restore(flags);
}

static int poll_initwait(struct poll_wqueues *w, unsigned int files)
{
	w->overflow = false;
	w->pt.nr = 0;
	w->pt.max = (int)min((unsigned long)files, (unsigned long)MAX_POLL_ENTRIES);
	w->pt.entries = NULL;
	if (!w->pt.max)
		return 0;
	w->pt.entries = kmalloc(w->pt.max * sizeof(struct poll_table_entry));
	if (!w->pt.entries)
		return -ENOMEM;
	current->poll_table = &w->pt;   /* check=vm counts its file references */
	return 0;
}

static void poll_freewait(struct poll_wqueues *w)
{
	int i;

	for (i = 0; i < w->pt.nr; i++) {
		struct poll_table_entry *e = &w->pt.entries[i];
		unsigned long flags = local_irq_save();

		list_del_init(&e->wait.entry);
		local_irq_restore(flags);
		fput(e->filp);
	}
	current->poll_table = NULL;
	kfree(w->pt.entries);
}

/* The timeout in ns from now (negative: none) as the call's deadline. */
static void set_timeout(struct poll_wqueues *w, s64 ns)
{
	w->timed = ns >= 0;
	w->deadline = ns > 0 ? ktime_get_ns() + ns : 0;
}

static bool zero_timeout(const struct poll_wqueues *w)
{
	return w->timed && w->deadline == 0;
}

/*
 * After a pass that found nothing ready: sleep until a wake-up or the deadline. True
 * when the deadline had already passed (the pass just made was the last, as in Linux).
 */
static bool poll_schedule_timeout(struct poll_wqueues *w)
{
	long ticks = w->overflow ? 1 : 0;   /* 0: until woken */
	s64 now;

	if (w->timed) {
		now = ktime_get_ns();
		if (now >= w->deadline)
			return true;
		if (!ticks || ns_to_ticks(w->deadline - now) < ticks)
			ticks = ns_to_ticks(w->deadline - now);
	}
	if (ticks)
		schedule_timeout(ticks);
	else
		schedule();
	return false;
}

static unsigned int file_poll(struct file *f, poll_table *pt)
{
	return f->f_op->poll ? f->f_op->poll(f, pt) : DEFAULT_POLLMASK;
}

/* ---- poll ---- */

static int do_poll(struct pollfd *fds, unsigned int nfds, struct poll_wqueues *w)
{
	poll_table *pt = zero_timeout(w) ? NULL : &w->pt;
	unsigned int i;
	int count;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		count = 0;
		for (i = 0; i < nfds; i++) {
			struct pollfd *p = &fds[i];
			struct file *f;
			unsigned int mask = 0;

			if (p->fd >= 0) {
				f = fget(p->fd);
				if (!f)
					mask = POLLNVAL;
				else
					mask = file_poll(f, pt) &
					       ((unsigned short)p->events | POLLERR | POLLHUP);
			}
			p->revents = (short)mask;
			if (mask)
				count++;
		}
		pt = NULL;   /* every queue is joined on the first pass */
		if (!count && signal_pending(current))
			count = -ERESTARTNOHAND;
		if (count || zero_timeout(w) || poll_schedule_timeout(w))
			break;
	}
	set_current_state(TASK_RUNNING);
	return count;
}

static long do_sys_poll(struct pollfd *ufds, unsigned int nfds, struct poll_wqueues *w)
{
	struct pollfd *fds = NULL;
	unsigned int i;
	long ret;

	if (nfds > rlimit(RLIMIT_NOFILE))
		return -EINVAL;
	if (nfds) {
		fds = kmalloc(nfds * sizeof(*fds));
		if (!fds)
			return -ENOMEM;
		if (copy_from_user(fds, ufds, nfds * sizeof(*fds))) {
			kfree(fds);
			return -EFAULT;
		}
	}
	ret = poll_initwait(w, nfds);
	if (!ret) {
		ret = do_poll(fds, nfds, w);
		poll_freewait(w);
	}
	/* revents go back even when a signal ended the wait. */
	for (i = 0; i < nfds && ret != -ENOMEM; i++)
		if (put_user(fds[i].revents, &ufds[i].revents)) {
			ret = -EFAULT;
			break;
		}
	kfree(fds);
	return ret;
}

long sys_poll(struct pollfd *ufds, unsigned int nfds, int timeout_msecs)
{
	struct poll_wqueues w;

	set_timeout(&w, timeout_msecs < 0 ? -1 : (s64)timeout_msecs * 1000000);
	return do_sys_poll(ufds, nfds, &w);
}

/* ---- the signal mask of ppoll and pselect6 ---- */

static long set_user_sigmask(const sigset_t *umask, size_t sigsetsize)
{
	sigset_t kmask;

	if (!umask)
		return 0;
	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&kmask, umask, sizeof(kmask)))
		return -EFAULT;
	current->saved_sigmask = current->blocked;
	current->tif |= TIF_RESTORE_SIGMASK;
	set_current_blocked(&kmask);
	return 0;
}

/* An interrupted wait keeps the temporary mask for the handler (do_signal puts the
 * old one back after it); any other ending restores it now. */
static void restore_saved_sigmask_unless(bool interrupted)
{
	if (interrupted || !(current->tif & TIF_RESTORE_SIGMASK))
		return;
	current->tif &= ~TIF_RESTORE_SIGMASK;
	set_current_blocked(&current->saved_sigmask);
}

enum poll_time_type { PT_TIMEVAL, PT_TIMESPEC, PT_TIMESPEC64 };

/* Writes the time left to the caller's timeout, unless it was zero. */
static long poll_select_finish(struct poll_wqueues *w, void *utimeout, enum poll_time_type kind,
			       long ret)
{
	s64 left;
	int err;

	restore_saved_sigmask_unless(ret == -ERESTARTNOHAND);
	if (!utimeout || !w->timed || !w->deadline)
		return ret;
	left = w->deadline - ktime_get_ns();
	if (left < 0)
		left = 0;
	if (kind == PT_TIMEVAL) {
		struct timeval tv = { (long)(left / NSEC_PER_SEC),
				      (long)(left % NSEC_PER_SEC / NSEC_PER_USEC) };

		err = copy_to_user(utimeout, &tv, sizeof(tv)) ? -EFAULT : 0;
	} else {
		err = put_user_timespec_ns(utimeout, kind == PT_TIMESPEC64, left);
	}
	/* A timeout in read-only memory: no restart can pick up the time left. */
	if (err && ret == -ERESTARTNOHAND)
		ret = -EINTR;
	return ret;
}

static long do_ppoll(struct pollfd *ufds, unsigned int nfds, void *tsp,
		     const sigset_t *sigmask, size_t sigsetsize, bool time64)
{
	struct poll_wqueues w;
	long ret;
	s64 ns = -1;

	if (tsp) {
		ret = get_user_timespec_ns(tsp, time64, &ns);
		if (ret)
			return ret;
	}
	set_timeout(&w, ns);
	ret = set_user_sigmask(sigmask, sigsetsize);
	if (ret)
		return ret;
	ret = do_sys_poll(ufds, nfds, &w);
	return poll_select_finish(&w, tsp, time64 ? PT_TIMESPEC64 : PT_TIMESPEC, ret);
}

long sys_ppoll(struct pollfd *ufds, unsigned int nfds, struct timespec *tsp,
	       const sigset_t *sigmask, size_t sigsetsize)
{
	return do_ppoll(ufds, nfds, tsp, sigmask, sigsetsize, false);
}

long sys_ppoll_time64(struct pollfd *ufds, unsigned int nfds, struct __kernel_timespec *tsp,
		      const sigset_t *sigmask, size_t sigsetsize)
{
	return do_ppoll(ufds, nfds, tsp, sigmask, sigsetsize, true);
}

/* ---- select ---- */

#define FDS_WORDS(n) (((n) + 31) / 32)

struct fd_sets {
	unsigned long in[NR_OPEN / 32], out[NR_OPEN / 32], ex[NR_OPEN / 32];
	unsigned long res_in[NR_OPEN / 32], res_out[NR_OPEN / 32], res_ex[NR_OPEN / 32];
};

static bool fd_isset(const unsigned long *set, int fd) { return (set[fd / 32] >> (fd % 32)) & 1; }
static void fd_set_bit(unsigned long *set, int fd) { set[fd / 32] |= 1UL << (fd % 32); }

static int get_fd_set(int n, const unsigned long *ufdset, unsigned long *fdset)
{
	memset(fdset, 0, NR_OPEN / 8);
	if (ufdset && copy_from_user(fdset, ufdset, FDS_WORDS(n) * sizeof(long)))
		return -EFAULT;
	/* Bits at or above n are not looked at. */
	if (n % 32)
		fdset[n / 32] &= (1UL << (n % 32)) - 1;
	return 0;
}

static int do_select(int n, struct fd_sets *fds, struct poll_wqueues *w)
{
	poll_table *pt = zero_timeout(w) ? NULL : &w->pt;
	int fd, retval;

	/* Every descriptor asked about must be open. */
	for (fd = 0; fd < n; fd++)
		if ((fd_isset(fds->in, fd) || fd_isset(fds->out, fd) || fd_isset(fds->ex, fd)) &&
		    !fget(fd))
			return -EBADF;
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		retval = 0;
		for (fd = 0; fd < n; fd++) {
			bool in = fd_isset(fds->in, fd), out = fd_isset(fds->out, fd);
			bool ex = fd_isset(fds->ex, fd);
			struct file *f;
			unsigned int mask;

			if (!(in || out || ex))
				continue;
			f = fget(fd);
			if (!f)   /* closed by another thread meanwhile */
				continue;
			mask = file_poll(f, pt);
			if (in && (mask & POLLIN_SET)) {
				fd_set_bit(fds->res_in, fd);
				retval++;
			}
			if (out && (mask & POLLOUT_SET)) {
				fd_set_bit(fds->res_out, fd);
				retval++;
			}
			if (ex && (mask & POLLEX_SET)) {
				fd_set_bit(fds->res_ex, fd);
				retval++;
			}
		}
		pt = NULL;
		if (retval)
			break;
		if (signal_pending(current)) {
			retval = -ERESTARTNOHAND;
			break;
		}
		if (zero_timeout(w) || poll_schedule_timeout(w))
			break;
	}
	set_current_state(TASK_RUNNING);
	return retval;
}

static long core_sys_select(int n, unsigned long *inp, unsigned long *outp, unsigned long *exp,
			    struct poll_wqueues *w)
{
	struct fd_sets *fds;
	size_t bytes;
	long ret;
	int fd, files = 0;

	if (n < 0)
		return -EINVAL;
	if (n > NR_OPEN)   /* the size of our descriptor table, as Linux clamps to its own */
		n = NR_OPEN;
	fds = kmalloc(sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	memset(fds, 0, sizeof(*fds));
	ret = get_fd_set(n, inp, fds->in);
	if (!ret)
		ret = get_fd_set(n, outp, fds->out);
	if (!ret)
		ret = get_fd_set(n, exp, fds->ex);
	for (fd = 0; fd < n; fd++)
		files += fd_isset(fds->in, fd) || fd_isset(fds->out, fd) || fd_isset(fds->ex, fd);
	if (!ret)
		ret = poll_initwait(w, (unsigned int)files);
	if (ret) {
		kfree(fds);
		return ret;
	}
	ret = do_select(n, fds, w);
	poll_freewait(w);
	bytes = FDS_WORDS(n) * sizeof(long);
	if (ret >= 0 && ((inp && copy_to_user(inp, fds->res_in, bytes)) ||
			 (outp && copy_to_user(outp, fds->res_out, bytes)) ||
			 (exp && copy_to_user(exp, fds->res_ex, bytes))))
		ret = -EFAULT;
	kfree(fds);
	return ret;
}

/* A timeval's microseconds may exceed a second (they carry over); negatives are EINVAL. */
long sys_select(int n, unsigned long *inp, unsigned long *outp, unsigned long *exp,
		struct timeval *tvp)
{
	struct poll_wqueues w;
	struct timeval tv;
	s64 ns = -1;
	long ret;

	if (tvp) {
		if (copy_from_user(&tv, tvp, sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		ns = (s64)tv.tv_sec * NSEC_PER_SEC + (s64)tv.tv_usec * NSEC_PER_USEC;
	}
	set_timeout(&w, ns);
	ret = core_sys_select(n, inp, outp, exp, &w);
	return poll_select_finish(&w, tvp, PT_TIMEVAL, ret);
}

/* i386's first select (82) takes its five arguments in one structure. */
struct sel_arg_struct {
	unsigned long n;
	unsigned long *inp, *outp, *exp;
	struct timeval *tvp;
};

long sys_old_select(struct sel_arg_struct *arg)
{
	struct sel_arg_struct a;

	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	return sys_select((int)a.n, a.inp, a.outp, a.exp, a.tvp);
}

/* pselect6's sixth argument: the mask and its size, in user memory. */
struct sigset_argpack {
	const sigset_t *p;
	size_t size;
};

static long do_pselect(int n, unsigned long *inp, unsigned long *outp, unsigned long *exp,
		       void *tsp, const struct sigset_argpack *sig, bool time64)
{
	struct sigset_argpack pack = { NULL, 0 };
	struct poll_wqueues w;
	s64 ns = -1;
	long ret;

	if (sig && copy_from_user(&pack, sig, sizeof(pack)))
		return -EFAULT;
	if (tsp) {
		ret = get_user_timespec_ns(tsp, time64, &ns);
		if (ret)
			return ret;
	}
	set_timeout(&w, ns);
	ret = set_user_sigmask(pack.p, pack.size);
	if (ret)
		return ret;
	ret = core_sys_select(n, inp, outp, exp, &w);
	return poll_select_finish(&w, tsp, time64 ? PT_TIMESPEC64 : PT_TIMESPEC, ret);
}

long sys_pselect6(int n, unsigned long *inp, unsigned long *outp, unsigned long *exp,
		  struct timespec *tsp, const struct sigset_argpack *sig)
{
	return do_pselect(n, inp, outp, exp, tsp, sig, false);
}

long sys_pselect6_time64(int n, unsigned long *inp, unsigned long *outp, unsigned long *exp,
			 struct __kernel_timespec *tsp, const struct sigset_argpack *sig)
{
	return do_pselect(n, inp, outp, exp, tsp, sig, true);
}
