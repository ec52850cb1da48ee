/*
 * arch/reboot.c - stopping the machine.
 */
#include <abi/forkscope.h>
#include <asm/io.h>
#include <linux/reboot.h>

void machine_exit(unsigned int status)
{
	/* QEMU isa-debug-exit / forkscope DebugExit: the write ends the machine. */
	outl(status, FORKSCOPE_DEBUG_EXIT_PORT);

	/* Still here: no such device (plain QEMU). Stop for good. */
	for (;;)
		__asm__ __volatile__("cli; hlt");
}
