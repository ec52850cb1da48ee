/* start.c: process start-up state: the environment and the auxiliary vector. */
#include <errno.h>
#include <stddef.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "internal.h"

char **environ;
static unsigned long *auxv; /* type/value pairs, ending with AT_NULL */

/* The program's PT_TLS segment: the initial image of its __thread variables. */
struct tls_image {
	const void *data;
	size_t filesz, memsz, align;
} __tls_image;

/* ELF32 program headers, as the kernel's exec passes them (AT_PHDR, AT_PHNUM). */
struct elf32_phdr {
	unsigned int p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};
#define PT_TLS 7

static void find_tls_image(void)
{
	const struct elf32_phdr *ph = (const struct elf32_phdr *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);
	for (unsigned long i = 0; ph && i < n; i++) {
		if (ph[i].p_type == PT_TLS && ph[i].p_memsz) {
			__tls_image.data = (const void *)ph[i].p_vaddr;
			__tls_image.filesz = ph[i].p_filesz;
			__tls_image.memsz = ph[i].p_memsz;
			__tls_image.align = ph[i].p_align ? ph[i].p_align : 1;
		}
	}
}

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
	for (unsigned long *a = auxv; a[0] != AT_NULL; a += 2)
		if (a[0] == AT_SYSINFO)
			__vsyscall = a[1];   /* the vDSO's entry: sysenter (syscall.S) */

	/* __thread variables need %gs from the start; without them it waits for the first
	 * pthread_create. */
	find_tls_image();
	__libc_tls_init();
}

unsigned long getauxval(unsigned long type)
{
	for (unsigned long *a = auxv; a && a[0] != AT_NULL; a += 2)
		if (a[0] == type)
			return a[1];
	errno = ENOENT;
	return 0;
}
