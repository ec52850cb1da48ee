/*
 * kernel/futex.c - fast user-space locking.
 *
 * User space keeps its lock words in its own memory and enters the kernel only to
 * sleep ("FUTEX_WAIT: sleep while *uaddr still holds val") or to wake sleepers
 * ("FUTEX_WAKE: wake up to n of them"). A sleeper is a futex_q on its own kernel stack,
 * linked on one of a few hashed queues, keyed by (mm, uaddr): the threads of a process
 * share the mm, so they meet on the same key. A futex without FUTEX_PRIVATE_FLAG in a
 * MAP_SHARED mapping is keyed by its page frame and offset instead, as Linux keys it
 * by the page, so that processes sharing the memory (after fork) meet too. (Linux also
 * keeps private and shared futexes on private memory apart; here they meet.)
 *
 * The operations glibc's threads use: WAIT/WAKE and their _BITSET forms (a waiter
 * carries a 32-bit mask and a wake-up only takes waiters whose mask meets its own;
 * WAIT_BITSET's timeout is absolute, on CLOCK_MONOTONIC or, with FUTEX_CLOCK_REALTIME,
 * CLOCK_REALTIME), REQUEUE/CMP_REQUEUE (wake some, move the rest to another word:
 * condition variables) and WAKE_OP (pthread_cond_signal of old glibc). The
 * priority-inheritance operations are -ENOSYS. futex_time64 is the same call with a
 * 64-bit timespec. At exit (and exec) the robust list a thread registered with
 * set_robust_list is walked: locks it still held are marked FUTEX_OWNER_DIED and one
 * waiter of each is woken, as Linux does.
 *
 * The value check and the sleep cannot miss a wake-up: there is one CPU and the kernel
 * is not preemptible, so no other task runs between reading *uaddr and queueing, and
 * interrupt handlers never wake futexes. For the same reason WAKE_OP's read-modify-write
 * of the second word is atomic.
 */
#include <asm/irqflags.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/syscalls.h>
#include <linux/time.h>

#define FUTEX_WAIT            0
#define FUTEX_WAKE            1
#define FUTEX_REQUEUE         3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAKE_OP         5
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_PRIVATE_FLAG    128   /* the word is not shared with other processes */
#define FUTEX_CLOCK_REALTIME  256   /* WAIT_BITSET's deadline is on CLOCK_REALTIME */
#define FUTEX_CMD_MASK        (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* The robust-list lock word: owner tid, and two flags. */
#define FUTEX_WAITERS    0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK   0x3fffffffu
#define ROBUST_LIST_LIMIT 2048        /* entries walked at most: a cycle must end */

/* What waiters and wakers meet on: (mm, address), or (page frame, offset) for a
 * shared futex in shared memory. */
struct futex_key {
	void *ptr;                /* the mm, or the struct page */
	unsigned long word;       /* the user address, or the offset in the page */
};

/* One sleeping waiter. */
struct futex_q {
	struct list_head list;    /* on its hash queue while it waits */
	struct task_struct *task;
	struct futex_key key;
	u32 bitset;
	bool woken;               /* set by a waker as it takes q off the queue */
};

#define FUTEX_HASH_SIZE 16

static struct list_head futex_queues[FUTEX_HASH_SIZE];

static bool match_futex(const struct futex_key *a, const struct futex_key *b)
{
	return a->ptr == b->ptr && a->word == b->word;
}

static struct list_head *futex_queue(const struct futex_key *key)
{
	unsigned long h = (key->word >> 2) ^ ((unsigned long)key->ptr >> 6);
	struct list_head *q;

	h ^= h >> 4;
	h ^= h >> 8;
	q = &futex_queues[h % FUTEX_HASH_SIZE];
	if (!q->next)   /* static storage: set up on first use */
		INIT_LIST_HEAD(q);
	return q;
}

static void wake_futex(struct futex_q *q)
{
	list_del_init(&q->list);
	q->woken = true;
	wake_up_process(q->task);
}

/* Wakes up to nr_wake waiters on key whose bitset meets `bitset`, at least one if any
 * waits (as Linux does for 0); returns how many woke. */
static int futex_wake_key(const struct futex_key *key, int nr_wake, u32 bitset)
{
	struct list_head *head = futex_queue(key);
	struct futex_q *q, *n;
	unsigned long flags = local_irq_save();
	int woken = 0;

	list_for_each_entry_safe(q, n, head, list) {
		if (!match_futex(&q->key, key) || !(q->bitset & bitset))
			continue;
		wake_futex(q);
		if (++woken >= nr_wake)
			break;
	}
	local_irq_restore(flags);
	return woken;
}

/*
 * Linux's get_futex_key: a u32-aligned user address (-EINVAL), below the kernel
 * (-EFAULT). A shared futex in a VM_SHARED area is keyed by its frame, which is
 * brought in first if this mm does not map it yet (-EFAULT if it cannot be).
 */
static int get_futex_key(struct mm_struct *mm, u32 *uaddr, bool shared, struct futex_key *key)
{
	unsigned long addr = (unsigned long)uaddr;
	struct vm_area_struct *vma;
	pte_t *pte;
	u32 v;

	if (addr % sizeof(u32))
		return -EINVAL;
	if (!access_ok(uaddr, sizeof(u32)))
		return -EFAULT;
	if (!mm)
		return -EINVAL;
	key->ptr = mm;
	key->word = addr;
	if (!shared)
		return 0;
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr || !(vma->vm_flags & VM_SHARED))
		return 0;
	pte = pte_lookup(mm, addr);
	if (!pte || !pte_mapped(*pte)) {
		if (get_user(v, uaddr))
			return -EFAULT;
		pte = pte_lookup(mm, addr);
		if (!pte || !pte_mapped(*pte))
			return -EFAULT;
	}
	key->ptr = pfn_to_page(pte_pfn(*pte));
	key->word = addr & ~PAGE_MASK;
	return 0;
}

/* For the kernel's own wake-ups (a thread's exit: clear_child_tid, robust lists),
 * which Linux makes on shared keys. */
int futex_wake(struct mm_struct *mm, u32 *uaddr, int nr_wake)
{
	struct futex_key key;

	if (get_futex_key(mm, uaddr, true, &key))
		return 0;
	return futex_wake_key(&key, nr_wake, FUTEX_BITSET_MATCH_ANY);
}

/*
 * Sleeps while *uaddr == val, until a wake-up that matches bitset, a signal (-EINTR)
 * or, with a deadline (on `clock`; 0 = none), that time (-ETIMEDOUT).
 */
static long futex_wait(u32 *uaddr, bool shared, u32 val, bool timed, int clock, s64 deadline,
		       u32 bitset)
{
	struct futex_q q;
	unsigned long flags;
	long ret;
	s64 now;
	u32 uval;
	int err;

	if (!bitset)
		return -EINVAL;
	err = get_futex_key(current->mm, uaddr, shared, &q.key);
	if (err)
		return err;
	if (get_user(uval, uaddr))
		return -EFAULT;
	if (uval != val)
		return -EAGAIN;

	q.task = current;
	q.bitset = bitset;
	q.woken = false;
	flags = local_irq_save();
	list_add_tail(&q.list, futex_queue(&q.key));
	local_irq_restore(flags);

	for (;;) {
		flags = local_irq_save();
		set_current_state(TASK_INTERRUPTIBLE);
		local_irq_restore(flags);
		ret = 0;
		if (q.woken)
			break;
		ret = -EINTR;
		if (signal_pending(current))
			break;
		if (!timed) {
			schedule();
			continue;
		}
		ret = -ETIMEDOUT;
		clock_get_ns(clock, &now);
		if (now >= deadline)
			break;
		schedule_timeout(ns_to_ticks(deadline - now));
	}
	flags = local_irq_save();
	set_current_state(TASK_RUNNING);
	list_del_init(&q.list);   /* still queued unless a waker took it */
	local_irq_restore(flags);
	return ret;
}

/* Wakes nr_wake waiters on uaddr1 and moves up to nr_requeue more to uaddr2 (bitsets
 * do not matter here); with cmpval, only while *uaddr1 still holds it (-EAGAIN). */
static long futex_requeue(u32 *uaddr1, u32 *uaddr2, bool shared, int nr_wake, int nr_requeue,
			  bool cmp, u32 cmpval)
{
	struct futex_key key1, key2;
	struct list_head *head1, *head2;
	struct futex_q *q, *n;
	unsigned long flags;
	int count = 0, err;
	u32 curval;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	err = get_futex_key(current->mm, uaddr1, shared, &key1);
	if (!err)
		err = get_futex_key(current->mm, uaddr2, shared, &key2);
	if (err)
		return err;
	if (cmp) {
		if (get_user(curval, uaddr1))
			return -EFAULT;
		if (curval != cmpval)
			return -EAGAIN;
	}
	head1 = futex_queue(&key1);
	head2 = futex_queue(&key2);
	flags = local_irq_save();
	list_for_each_entry_safe(q, n, head1, list) {
		if (count - nr_wake >= nr_requeue)
			break;
		if (!match_futex(&q->key, &key1))
			continue;
		if (++count <= nr_wake) {
			wake_futex(q);
			continue;
		}
		q->key = key2;
		if (head1 != head2)
			list_move_tail(&q->list, head2);
	}
	local_irq_restore(flags);
	return count;
}

/* FUTEX_WAKE_OP's encoded operation: op 31-28, cmp 27-24, oparg 23-12, cmparg 11-0. */
#define FUTEX_OP_SET  0
#define FUTEX_OP_ADD  1
#define FUTEX_OP_OR   2
#define FUTEX_OP_ANDN 3
#define FUTEX_OP_XOR  4
#define FUTEX_OP_OPARG_SHIFT 8        /* with op: oparg is a shift count, 1 << oparg */

static long futex_wake_op(u32 *uaddr1, u32 *uaddr2, bool shared, int nr_wake, int nr_wake2,
			  u32 encoded)
{
	struct futex_key key1, key2;
	int op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
	int oparg = (int)(encoded << 8) >> 20, cmparg = (int)(encoded << 20) >> 20;
	int oldval, newval, ret;
	bool hit;

	ret = get_futex_key(current->mm, uaddr1, shared, &key1);
	if (!ret)
		ret = get_futex_key(current->mm, uaddr2, shared, &key2);
	if (ret)
		return ret;
	if (encoded & (FUTEX_OP_OPARG_SHIFT << 28))
		oparg = 1 << (oparg & 31);
	if (get_user(oldval, (int *)uaddr2))
		return -EFAULT;
	switch (op) {
	case FUTEX_OP_SET:  newval = oparg; break;
	case FUTEX_OP_ADD:  newval = oldval + oparg; break;
	case FUTEX_OP_OR:   newval = oldval | oparg; break;
	case FUTEX_OP_ANDN: newval = oldval & ~oparg; break;
	case FUTEX_OP_XOR:  newval = oldval ^ oparg; break;
	default: return -ENOSYS;
	}
	switch (cmp) {
	case 0: hit = oldval == cmparg; break;
	case 1: hit = oldval != cmparg; break;
	case 2: hit = oldval < cmparg; break;
	case 3: hit = oldval <= cmparg; break;
	case 4: hit = oldval > cmparg; break;
	case 5: hit = oldval >= cmparg; break;
	default: return -ENOSYS;
	}
	if (put_user(newval, (int *)uaddr2))
		return -EFAULT;
	ret = futex_wake_key(&key1, nr_wake, FUTEX_BITSET_MATCH_ANY);
	if (hit)
		ret += futex_wake_key(&key2, nr_wake2, FUTEX_BITSET_MATCH_ANY);
	return ret;
}

/*
 * Linux i386: futex(uaddr, op, val, timeout or val2, uaddr2, val3). The fourth argument
 * is a timeout only for the waits; REQUEUE and WAKE_OP read it as a count.
 */
static long do_futex(u32 *uaddr, int op, u32 val, const void *utime, u32 *uaddr2, u32 val3,
		     bool time64)
{
	int cmd = op & FUTEX_CMD_MASK;
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	struct futex_key key;
	int clock = (op & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	s64 t = 0, now;
	int err;

	if ((cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && utime) {
		err = get_user_timespec_ns(utime, time64, &t);
		if (err)
			return err;
	}
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		/* Relative, measured on the chosen clock from now. */
		clock_get_ns(clock, &now);
		return futex_wait(uaddr, shared, val, utime != NULL, clock, now + t,
				  FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAIT_BITSET:
		return futex_wait(uaddr, shared, val, utime != NULL, clock, t, val3);
	case FUTEX_WAKE:
		val3 = FUTEX_BITSET_MATCH_ANY;
		/* fall through */
	case FUTEX_WAKE_BITSET:
		if (!val3)
			return -EINVAL;
		err = get_futex_key(current->mm, uaddr, shared, &key);
		if (err)
			return err;
		return futex_wake_key(&key, (int)val, val3);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, uaddr2, shared, (int)val, (int)(unsigned long)utime,
				     false, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, uaddr2, shared, (int)val, (int)(unsigned long)utime,
				     true, val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(uaddr, uaddr2, shared, (int)val, (int)(unsigned long)utime, val3);
	default:
		return -ENOSYS;   /* FD (removed in Linux 2.6.26), the PI operations */
	}
}

long sys_futex(u32 *uaddr, int op, u32 val, const struct timespec *utime, u32 *uaddr2, u32 val3)
{
	return do_futex(uaddr, op, val, utime, uaddr2, val3, false);
}

long sys_futex_time64(u32 *uaddr, int op, u32 val, const struct __kernel_timespec *utime,
		      u32 *uaddr2, u32 val3)
{
	return do_futex(uaddr, op, val, utime, uaddr2, val3, true);
}

/* ---- robust futexes ---- */

/* struct robust_list_head in user memory: the list, the offset from an entry to its
 * lock word, and the entry being locked or unlocked right now (if any). */
struct robust_list_head {
	u32 next;
	long futex_offset;
	u32 list_op_pending;
};

long sys_set_robust_list(struct robust_list_head *head, size_t len)
{
	if (len != sizeof(*head))
		return -EINVAL;
	current->robust_list = head;
	return 0;
}

long sys_get_robust_list(int pid, struct robust_list_head **head_ptr, size_t *len_ptr)
{
	struct task_struct *p = pid ? find_task_by_pid(pid) : current;

	if (!p || (p->flags & PF_KTHREAD))
		return -ESRCH;
	if (put_user(sizeof(struct robust_list_head), len_ptr) ||
	    put_user(p->robust_list, head_ptr))
		return -EFAULT;
	return 0;
}

/* The lock word at uaddr belonged to the exiting thread: say so, wake one waiter. */
static int handle_futex_death(u32 *uaddr, struct task_struct *tsk, bool pi, bool pending)
{
	u32 uval, nval;

	if ((unsigned long)uaddr % sizeof(u32) || get_user(uval, uaddr))
		return -EFAULT;
	/* A pending op on a word no one owns: a waiter may still need waking. */
	if (pending && !pi && !uval) {
		futex_wake(tsk->mm, uaddr, 1);
		return 0;
	}
	if ((uval & FUTEX_TID_MASK) != (u32)tsk->pid)
		return 0;
	nval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
	if (put_user(nval, uaddr))
		return -EFAULT;
	if (!pi && (nval & FUTEX_WAITERS))   /* PI locks are not supported: no waiters */
		futex_wake(tsk->mm, uaddr, 1);
	return 0;
}

/* Entries are user pointers with bit 0 marking a PI lock; the list ends at the head. */
void exit_robust_list(struct task_struct *tsk)
{
	struct robust_list_head *head = tsk->robust_list, h;
	u32 entry, next, pending;
	unsigned int limit = ROBUST_LIST_LIMIT;

	tsk->robust_list = NULL;
	if (!head || copy_from_user(&h, head, sizeof(h)))
		return;
	entry = h.next;
	pending = h.list_op_pending;
	while (entry != (u32)head) {
		if (get_user(next, (u32 *)(entry & ~1u)))
			return;
		/* The pending entry is handled below, once. */
		if ((entry & ~1u) != (pending & ~1u) &&
		    handle_futex_death((u32 *)((entry & ~1u) + h.futex_offset), tsk, entry & 1, false))
			return;
		entry = next;
		if (!--limit)
			break;
	}
	if (pending)
		handle_futex_death((u32 *)((pending & ~1u) + h.futex_offset), tsk, pending & 1, true);
}
