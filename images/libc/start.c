/* start.c: process start-up state: the environment and the auxiliary vector. */
#include <errno.h>
#include <stddef.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "internal.h"

char **environ;
static unsigned long *auxv; /* type/value pairs, ending with AT_NULL */

void __libc_init(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	environ = envp;

	/* The auxiliary vector starts right after envp's NULL terminator. */
	char **p = envp;
	while (*p)
		p++;
	auxv = (unsigned long *)(p + 1);
}

unsigned long getauxval(unsigned long type)
{
	for (unsigned long *a = auxv; a && a[0] != AT_NULL; a += 2)
		if (a[0] == type)
			return a[1];
	errno = ENOENT;
	return 0;
}
