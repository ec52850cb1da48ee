#ifndef _ASM_TIMER_H
#define _ASM_TIMER_H

#include <abi/forkscope.h>

/* drivers/pit.c: the 8254 PIT, channel 0 at HZ on IRQ 0. */
#define PIT_LATCH ((FORKSCOPE_PIT_HZ + FORKSCOPE_KERNEL_HZ / 2) / FORKSCOPE_KERNEL_HZ)

void pit_init(void);

#endif
