/* The small ABI shared by the guest kernel (C11, freestanding) and the host (C++20).
 * Plain #defines only, so both languages can include it. */
#ifndef FORKSCOPE_ABI_H
#define FORKSCOPE_ABI_H

/* QEMU isa-debug-exit compatible: a write of V ends the machine. forkscope exits with
 * status V; QEMU exits with (V << 1) | 1. */
#define FORKSCOPE_DEBUG_EXIT_PORT 0xf4

/* Legacy PC I/O map used by the kernel's drivers. */
#define FORKSCOPE_PIC_MASTER_PORT 0x20
#define FORKSCOPE_PIC_SLAVE_PORT  0xa0
#define FORKSCOPE_PIT_PORT        0x40
#define FORKSCOPE_CMOS_PORT       0x70
#define FORKSCOPE_COM1_PORT       0x3f8

#define FORKSCOPE_PIT_HZ      1193182u
#define FORKSCOPE_KERNEL_HZ   100u

/* The kernel's higher-half base: virtual = physical + FORKSCOPE_KERNEL_BASE. */
#define FORKSCOPE_KERNEL_BASE 0xC0000000u

/* Where the kernel image is loaded (physical) and linked (virtual). The ELF entry point
 * is physical: paging is off when the Multiboot loader jumps to it. */
#define FORKSCOPE_KERNEL_LOAD_PHYS 0x00100000
#define FORKSCOPE_KERNEL_LINK_VIRT 0xC0100000

/* Multiboot v1. The loader must pass the info structure, its command line and memory
 * map below FORKSCOPE_BOOT_MAP_SIZE (the kernel reaches them through its boot mapping).
 * As with QEMU and GRUB, the command line's first word is the image name. */
#define FORKSCOPE_MULTIBOOT_HEADER_MAGIC     0x1BADB002
#define FORKSCOPE_MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define FORKSCOPE_BOOT_MAP_SIZE              0x00400000

/* Segment selectors of the kernel's GDT. */
#define FORKSCOPE_KERNEL_CS 0x08
#define FORKSCOPE_KERNEL_DS 0x10
#define FORKSCOPE_USER_CS   0x1b
#define FORKSCOPE_USER_DS   0x23
#define FORKSCOPE_TSS_SEL   0x28

/* IDT layout: exceptions 0-31, PIC IRQ 0-15 at 0x20-0x2f, Linux system calls at 0x80
 * (a DPL 3 trap gate). #BP (3) and #OF (4) are DPL 3 interrupt gates; the others are
 * DPL 0 interrupt gates. Every other vector is not present. */
#define FORKSCOPE_IRQ_BASE_VECTOR 0x20
#define FORKSCOPE_SYSCALL_VECTOR  0x80

/* The vsyscall page (the vDSO, arch/vsyscall.c): user code above the kernel, at the
 * same address in every process, when the CPU has sysenter and the command line does
 * not say vdso=0. Programs enter the kernel there with sysenter, which comes back to
 * the page's vdso_sysenter_return (the kernel ELF's symbol table has its address). */
#define FORKSCOPE_VDSO_BASE 0xffffe000u

/* Exit statuses the kernel writes to the debug-exit port. Values stay below 0x80 so
 * QEMU's (V << 1) | 1 fits in a process exit status. */
#define FORKSCOPE_EXIT_OK         0x00 /* boot self-check passed */
#define FORKSCOPE_EXIT_SELFCHECK  0x01 /* boot self-check failed */
#define FORKSCOPE_EXIT_PANIC      0x02 /* panic() */
#define FORKSCOPE_EXIT_BAD_BOOT   0x03 /* EAX was not the Multiboot magic */
#define FORKSCOPE_EXIT_OOPS_BASE  0x40 /* + vector: unhandled CPU exception (0x40-0x5f) */

/*
 * How the host starts a program ("forkscope run PROGRAM ARGS..."), the same way under
 * QEMU (-kernel K -initrd initramfs.cpio -append ...):
 *  - the initramfs, a cpio "newc" archive, is the first Multiboot module;
 *  - the command line is "<options> -- /bin/PROGRAM ARG ...": the words after "--"
 *    become init's argv[1..]; a word in double quotes may contain spaces (and what
 *    cannot be carried that way goes in a file: see FORKSCOPE_ARGV_FILE);
 *    "init=PATH" replaces FORKSCOPE_INIT_PATH;
 *  - init runs its arguments and exits with the program's status (128 + N when a
 *    signal N killed it);
 *  - when init (pid 1) exits, the kernel writes its exit status (0-255) to the
 *    DebugExit port, and that becomes forkscope's exit status.
 */
#define FORKSCOPE_INIT_PATH       "/bin/init"
#define FORKSCOPE_INIT_ARGS_MARK  "--"
#define FORKSCOPE_PROGRAM_DIR     "/bin/"

/*
 * What the command line cannot carry (a double quote, a newline, more words or bytes
 * than the kernel's limits) goes to init in files of the initramfs, which init's own
 * options name ("-- -a FILE", "-- -e FILE /bin/PROGRAM ARG ..."):
 *  - "-a FILE": FILE holds the whole argv, argv[0] first, naming the program;
 *  - "-e FILE": FILE's entries change init's environment before it runs the program:
 *    NAME=VALUE sets NAME, a NAME without '=' removes it.
 * Both files are lists of NUL-terminated strings, like /proc/PID/cmdline and
 * /proc/PID/environ. The host writes them at these paths.
 */
#define FORKSCOPE_ARGV_FILE       "/etc/forkscope/argv"
#define FORKSCOPE_ENV_FILE        "/etc/forkscope/environ"

/*
 * The kernel-info table, like Linux's VMCOREINFO: the symbol addresses, structure
 * offsets and sizes and the constants the host needs to read the kernel's state
 * (emulator/introspect/), so that it never hard-codes them. The kernel ELF carries the
 * table in the section FORKSCOPE_KINFO_SECTION (not loaded): entries of
 * FORKSCOPE_KINFO_ENTRY_SIZE bytes, a NUL-terminated name in the first
 * FORKSCOPE_KINFO_NAME_LEN bytes and a little-endian 32-bit value after it. The first
 * entry is (FORKSCOPE_KINFO_HEADER, FORKSCOPE_KINFO_VERSION). Names say what the value is,
 * as VMCOREINFO's do: "SYMBOL(current_task)", "OFFSET(task_struct.pid)",
 * "SIZE(page)", "LENGTH(files_struct.fd)", "NUMBER(PG_ANON)". Within a version names are
 * only ever added; a reader skips names it does not know and refuses another version.
 */
#define FORKSCOPE_KINFO_SECTION    ".forkscope_info"
#define FORKSCOPE_KINFO_HEADER     "FORKSCOPE_KINFO"
#define FORKSCOPE_KINFO_VERSION    2
#define FORKSCOPE_KINFO_NAME_LEN   44
#define FORKSCOPE_KINFO_ENTRY_SIZE 48

#endif
