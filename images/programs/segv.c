/* segv: read a kernel address (0xC0000000, where the guest kernel lives) from user
 * mode. The program must die from SIGSEGV: in the guest because the page is a
 * supervisor page; natively because nothing is mapped there in an i386 process. */
#include <stdio.h>

int main(void)
{
	volatile int *kernel = (volatile int *)0xC0000000;

	printf("segv: reading %p\n", (void *)kernel);
	fflush(stdout); /* the output must get out before the fault kills us */
	int value = *kernel;
	printf("segv: read %#x and survived: FAIL\n", value);
	return 1;
}
