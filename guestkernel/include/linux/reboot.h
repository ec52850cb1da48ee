#ifndef _LINUX_REBOOT_H
#define _LINUX_REBOOT_H

#include <linux/compiler.h>

/* Stop the machine through the debug-exit port with the given status (see
 * FORKSCOPE_EXIT_* in <abi/forkscope.h>). Without the device, halt forever. */
void machine_exit(unsigned int status) __noreturn;

#endif
