/*
 * init/main.c - kmain: bring the machine up, check it, stop.
 *
 * arch/boot.S calls kmain on the boot stack with paging on, interrupts off and the
 * physical address of the Multiboot information. Every line printed here, apart from
 * "selfcheck: rtc ticks" and "rtc:", must be the same on every run and every emulator:
 * tests compare transcripts. bench=cpu|io (init/bench.c) adds one line, "bench: ...",
 * after the self-check.
 */
#include <abi/forkscope.h>
#include <asm/desc.h>
#include <asm/irq.h>
#include <asm/irqflags.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/setup.h>
#include <asm/timer.h>
#include <linux/bench.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mc146818rtc.h>
#include <linux/reboot.h>
#include <linux/serial.h>
#include <linux/string.h>

#define SELFCHECK_TICKS 20   /* 200 ms at HZ = 100 */

/* A system call from ring 0 through the DPL 3 gate: exercises entry.S's syscall path. */
static long syscall_selftest(void)
{
	long ret;

	__asm__ __volatile__("int $0x80" : "=a"(ret) : "a"(-1L) : "memory");
	return ret;
}

/*
 * Let the PIT deliver SELFCHECK_TICKS ticks, counting RTC periodic interrupts in the
 * same window: two independent clocks that must agree. Starting on a tick edge makes
 * the window exactly SELFCHECK_TICKS periods long.
 */
static bool selfcheck(void)
{
	unsigned long start, ticks, rtc_start, rtc;
	long expected_x100, diff_x100;
	long ret;
	bool ok = true;

	ret = syscall_selftest();
	printk("selfcheck: int 0x80 (nr -1) returned %ld\n", ret);
	if (ret != -ENOSYS)
		ok = false;

	start = READ_ONCE(jiffies);
	while (READ_ONCE(jiffies) == start)
		halt();
	start = READ_ONCE(jiffies);
	rtc_start = READ_ONCE(rtc_irq_ticks);
	while (READ_ONCE(jiffies) - start < SELFCHECK_TICKS)
		halt();
	rtc = READ_ONCE(rtc_irq_ticks) - rtc_start;
	ticks = READ_ONCE(jiffies) - start;

	printk("selfcheck: timer ticks %lu\n", ticks);
	printk("selfcheck: rtc ticks %lu\n", rtc);

	/* Expected RTC count over the window, in hundredths: 64 Hz * 0.2 s = 12.80. */
	expected_x100 = (long)(RTC_PERIODIC_HZ * SELFCHECK_TICKS * 100 / HZ);
	diff_x100 = (long)rtc * 100 - expected_x100;
	if (ticks != SELFCHECK_TICKS) {
		printk("selfcheck: FAILED timer ticks %lu, expected %u\n", ticks, SELFCHECK_TICKS);
		ok = false;
	}
	if (diff_x100 < -200 || diff_x100 > 200) {
		printk("selfcheck: FAILED rtc ticks %lu, expected %ld.%02ld +- 2\n",
		       rtc, expected_x100 / 100, expected_x100 % 100);
		ok = false;
	}
	return ok;
}

/* test_fault=...: raise an exception on purpose, to test the oops path and the host's
 * exception delivery. Returns only for an unknown name. */
static void fault_selftest(const char *what)
{
	printk("test_fault: %s\n", what);
	if (!strcmp(what, "pf")) {          /* write to NULL: not mapped any more */
		*(volatile int *)0 = 1;
	} else if (!strcmp(what, "wp")) {   /* write to read-only kernel text */
		*(volatile u8 *)(void *)kmain = 0x90;
	} else if (!strcmp(what, "ud")) {
		__asm__ __volatile__("ud2");
	} else if (!strcmp(what, "gp")) {   /* a selector beyond the GDT */
		__asm__ __volatile__("movl %0, %%ds" :: "r"(0x1000) : "memory");
	} else if (!strcmp(what, "de")) {
		unsigned int zero = 0;
		__asm__ __volatile__("xorl %%edx, %%edx; divl %1" :: "a"(1), "r"(zero) : "edx");
	} else if (!strcmp(what, "bp")) {
		__asm__ __volatile__("int3");
	}
	printk("test_fault: unknown fault '%s'\n", what);
}

void __init kmain(unsigned long mbi_phys)
{
	struct rtc_time *tm = &rtc_boot_time;
	bool ok;

	gdt_init();
	trap_init();
	serial_init();
	printk("forkscope kernel 0.1 (i386, higher half at 0x%08lx)\n", PAGE_OFFSET);

	setup_arch(mbi_phys);
	paging_init();

	init_IRQ();
	serial_init_irq();
	pit_init();
	rtc_init();

	local_irq_enable();
	ok = selfcheck();
	printk("selfcheck: %s\n", ok ? "ok" : "FAILED");
	printk("rtc: %04d-%02d-%02d %02d:%02d:%02d\n",
	       tm->tm_year, tm->tm_mon, tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec);

	/* bench=: a workload for benchmarks and differential tests (init/bench.c). */
	if (bench_workload && !bench_run(bench_workload, bench_scale, bench_ws_kb))
		ok = false;

	if (test_fault)
		fault_selftest(test_fault);

	printk("exit: status %d\n", ok ? FORKSCOPE_EXIT_OK : FORKSCOPE_EXIT_SELFCHECK);
	machine_exit(ok ? FORKSCOPE_EXIT_OK : FORKSCOPE_EXIT_SELFCHECK);
}
