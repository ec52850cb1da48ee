#ifndef _LINUX_WAIT_H
#define _LINUX_WAIT_H

#include <linux/list.h>

/*
 * Wait queues: a task that must wait for something puts itself on the thing's queue,
 * marks itself sleeping, re-checks the condition, and calls schedule(); whoever makes
 * the condition true calls wake_up(). Interrupt handlers may call wake_up(), so queue
 * changes run with interrupts off.
 */
struct task_struct;

typedef struct wait_queue_head {
	struct list_head task_list;
} wait_queue_head_t;

typedef struct wait_queue {
	struct task_struct *task;
	struct list_head entry;
} wait_queue_t;

#define DECLARE_WAIT_QUEUE_HEAD(name) wait_queue_head_t name = { LIST_HEAD_INIT(name.task_list) }
#define DEFINE_WAIT(name) wait_queue_t name = { current, LIST_HEAD_INIT(name.entry) }

static inline void init_waitqueue_head(wait_queue_head_t *q) { INIT_LIST_HEAD(&q->task_list); }

void prepare_to_wait(wait_queue_head_t *q, wait_queue_t *wait, long state);
void finish_wait(wait_queue_head_t *q, wait_queue_t *wait);
void wake_up(wait_queue_head_t *q);

/*
 * Sleep until cond is true. Returns 0, or -ERESTARTSYS when a signal arrived first
 * (the system call is then restarted or fails with EINTR, as the handler's SA_RESTART
 * says).
 */
#define wait_event_interruptible(wq, cond)                                     \
({                                                                             \
	int __ret = 0;                                                         \
	DEFINE_WAIT(__wait);                                                   \
	for (;;) {                                                             \
		prepare_to_wait(&(wq), &__wait, TASK_INTERRUPTIBLE);           \
		if (cond)                                                      \
			break;                                                 \
		if (signal_pending(current)) {                                 \
			__ret = -ERESTARTSYS;                                  \
			break;                                                 \
		}                                                              \
		schedule();                                                    \
	}                                                                      \
	finish_wait(&(wq), &__wait);                                           \
	__ret;                                                                 \
})

#endif
