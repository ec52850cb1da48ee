#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H

#include <linux/compiler.h>
#include <linux/types.h>

#define COMMAND_LINE_SIZE 2048
#define MAX_INIT_ARGS     128   /* words after "--" */

/* init/cmdline.c */
extern char boot_command_line[COMMAND_LINE_SIZE]; /* as the loader gave it */
extern char saved_command_line[COMMAND_LINE_SIZE]; /* without the image name */
extern const char *execute_command;  /* init=, NULL when not given */
extern bool vm_check_enabled;        /* check=vm */
extern bool fork_cow;                /* cow=0: fork copies private pages at once */
extern bool fork_tlb_flush;          /* fork_tlb_flush=0: a deliberate bug, for tests (not in init) */
extern bool vdso_option;               /* vdso=0: no vsyscall page, int 0x80 only, as on Linux */
extern bool fpu_nofxsr;              /* nofxsr: x87 state only (fnsave), no SSE, as on Linux */
extern const char *test_fault;       /* test_fault=pf|wp|ud|gp|de|bp: oops on purpose */
extern const char *bench_workload;   /* bench=cpu|io: run a workload (init/bench.c) */
extern unsigned int bench_scale;     /* bench_scale=N: its units of work, 0 = default */
extern unsigned int bench_ws_kb;     /* bench_ws_kb=N: bench=cpu working set, 0 = 1 MiB */
extern const char *init_args[MAX_INIT_ARGS + 1];   /* after "--": init's argv[1..], NULL-ended */
extern int nr_init_args;
void parse_cmdline(const char *loader_cmdline);

/* init/main.c */
void kmain(unsigned long mbi_phys) __noreturn;

#endif
