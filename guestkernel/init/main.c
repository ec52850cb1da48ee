/*
 * init/main.c - kmain: bring the machine up, check it, start init.
 *
 * arch/boot.S calls kmain on the boot stack with paging on, interrupts off and the
 * physical address of the Multiboot information. Every line printed here, apart from
 * "selfcheck: rtc ticks" and "rtc:", must be the same on every run and every emulator:
 * tests compare transcripts. bench=cpu|io (init/bench.c) adds one line, "bench: ...",
 * after the self-check, and the machine stops after it.
 *
 * Then, with an initramfs, the kernel starts FORKSCOPE_INIT_PATH (or init=) as pid 1
 * with the words after "--" as its arguments and becomes the idle task; the machine
 * stops when pid 1 exits (kernel/exit.c). Without one, it stops here as it always did.
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
#include <asm/vsyscall.h>
#include <linux/bench.h>
#include <linux/binfmts.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mc146818rtc.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/serial.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <linux/selfdump.h>

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
	printk(KERN_INFO "selfcheck: int 0x80 (nr -1) returned %ld\n", ret);
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

	printk(KERN_INFO "selfcheck: timer ticks %lu\n", ticks);
	printk(KERN_INFO "selfcheck: rtc ticks %lu\n", rtc);

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

/* pid 1: a kernel thread until its execve succeeds, then init in user mode. */
static int kernel_init(void *unused)
{
	static const char *argv[MAX_INIT_ARGS + 2];
	static const char *const envp[] = { "HOME=/", "TERM=linux", NULL };
	struct task_struct *tsk = current;
	const char *path = execute_command ? execute_command : FORKSCOPE_INIT_PATH;
	struct file *console;
	int i, err;

	(void)unused;
	child_reaper = tsk;
	tsk->pgrp = tsk->session = tsk->pid;
	tty_set_pgrp(tsk->pgrp);
	tsk->fs = alloc_fs(root_inode);
	tsk->files = alloc_files();
	/* As Linux's init opens /dev/console; an image without the node still gets the
	 * console, without a name. */
	console = filp_open("/dev/console", O_RDWR, &err);
	if (!console)
		console = console_open();
	if (!tsk->fs || !tsk->files || !console)
		panic("init: out of memory before the first program");
	/* stdin, stdout, stderr: the console. */
	fd_install(0, console, false);
	fd_install(1, get_file(console), false);
	fd_install(2, get_file(console), false);

	argv[0] = path;
	for (i = 0; i < nr_init_args; i++)
		argv[i + 1] = init_args[i];
	argv[i + 1] = NULL;
	printk(KERN_DEBUG "Run %s as init process\n", path);
	err = do_execve(path, argv, envp, true, task_pt_regs(tsk));
	selfdump_exec(err);   /* the exec stop point */
	if (err) {
		printk(KERN_ERR "init: cannot run %s: error %d\n", path, err);
		do_exit(127 << 8);
	}
	tsk->flags &= ~PF_KTHREAD;
	ret_to_user(task_pt_regs(tsk));
}

/* No program to run: stop the machine the way the first-stage kernel did. */
static void __noreturn stop(bool ok)
{
	printk(KERN_INFO "exit: status %d\n", ok ? FORKSCOPE_EXIT_OK : FORKSCOPE_EXIT_SELFCHECK);
	machine_exit(ok ? FORKSCOPE_EXIT_OK : FORKSCOPE_EXIT_SELFCHECK);
}

void __init kmain(unsigned long mbi_phys)
{
	struct rtc_time *tm = &rtc_boot_time;
	bool ok;

	gdt_init();
	trap_init();
	serial_init();
	printk(KERN_INFO "forkscope kernel 0.1 (i386, higher half at 0x%08lx)\n", PAGE_OFFSET);

	setup_arch(mbi_phys);
	console_enable();   /* the command line may have said quiet or loglevel= */
	paging_init();
	mem_init();
	kmem_cache_init();
	fork_init();
	files_init();
	sched_init();
	fpu_init();
	vsyscall_init();

	init_IRQ();
	serial_init_irq();
	pit_init();
	rtc_init();
	time_init();

	local_irq_enable();
	ok = selfcheck();
	printk(KERN_INFO "selfcheck: %s\n", ok ? "ok" : "FAILED");
	printk(KERN_INFO "rtc: %04d-%02d-%02d %02d:%02d:%02d\n",
	       tm->tm_year, tm->tm_mon, tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec);

	/* bench=: a workload for benchmarks and differential tests (init/bench.c). */
	if (bench_workload && !bench_run(bench_workload, bench_scale, bench_ws_kb))
		ok = false;

	if (test_fault)
		fault_selftest(test_fault);

	if (!ok || bench_workload)
		stop(ok);
	if (boot_params.initrd_end <= boot_params.initrd_start) {
		printk("init: no initramfs (no Multiboot module), nothing to run\n");
		stop(ok);
	}
	if (populate_rootfs()) {
		printk("init: no usable initramfs, nothing to run\n");
		stop(ok);
	}
	tty_init();
	chr_dev_init();
	if (kernel_thread(kernel_init, NULL) < 0)
		panic("cannot create the init task");
	cpu_idle();
}
