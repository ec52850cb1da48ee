#ifndef _LINUX_BINFMTS_H
#define _LINUX_BINFMTS_H

#include <linux/types.h>

struct pt_regs;

/* Limits on what execve copies to the new stack (E2BIG beyond them). */
#define MAX_ARG_STRLEN   (32 * 4096)   /* one argument or environment string */
#define MAX_ARG_BYTES    (128 * 1024)  /* all strings plus their pointers */

/*
 * fs/exec.c. argv and envp are user pointers, or kernel pointers when kernel_args
 * (the kernel starting init). On success the task runs the new program from regs
 * (its pt_regs) when it returns to user mode; on failure nothing changed.
 */
int do_execve(const char *filename, const char *const *argv, const char *const *envp,
	      bool kernel_args, struct pt_regs *regs);

#endif
