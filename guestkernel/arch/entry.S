/*
 * arch/entry.S - the ways into the kernel: CPU exceptions, PIC interrupts, int 0x80.
 *
 * (sysenter, from the vDSO, builds the same frame by hand: see sysenter_entry.)
 *
 * Every entry builds the same struct pt_regs (<asm/ptrace.h>) on the kernel stack:
 *
 *     ss, esp             CPU, only when coming from ring 3
 *     eflags, cs, eip     CPU
 *     error_code          CPU for vectors 8, 10-14, 17, 21, 29, 30; else the stub
 *                         pushes 0 (or EAX, the system call number, for int 0x80)
 *     vector              stub
 *     gs fs es ds eax ebp edi esi edx ecx ebx    SAVE_ALL  <- ESP = struct pt_regs *
 *
 * then calls a C handler with a pointer to it and leaves through ret_from_intr, which
 * restores every register from the frame (so a handler may change them, e.g. EAX for a
 * system call's return value) and irets.
 */
#include <asm/segment.h>
#include <asm/irq.h>
#include <asm/irqflags.h>
#include <asm/page.h>

/* offsetof(struct pt_regs, ...) */
#define PT_EBP    20
#define PT_EAX    24
#define PT_DS     28
#define PT_ES     32
#define PT_FS     36
#define PT_GS     40
#define PT_EIP    52
#define PT_CS     56
#define PT_EFLAGS 60
#define PT_ESP    64
#define PT_SS     68
#include <linux/errno.h>

/* Loads __USER_DS into a data segment register that does not hold it already. */
.macro LOAD_USER_DS seg
	movw %\seg, %dx
	cmpw $__USER_DS, %dx
	je .Lloaded\@
	movl $__USER_DS, %edx
	movl %edx, %\seg
.Lloaded\@:
.endm

.macro SAVE_ALL
	cld
	pushl %gs
	pushl %fs
	pushl %es
	pushl %ds
	pushl %eax
	pushl %ebp
	pushl %edi
	pushl %esi
	pushl %edx
	pushl %ecx
	pushl %ebx
	/* The kernel's data accesses go through the user's flat data segment, as on
	 * Linux 2.6 i386 (it is the same 4 GiB at base 0): a return to ring 3 then finds
	 * DS and ES loaded already, and a segment load is costly (under emulation most of
	 * all: a descriptor read and its checks). */
	LOAD_USER_DS ds
	LOAD_USER_DS es
.endm

/* Jumps to `target` unless %seg holds the selector in the frame's slot. */
.macro UNLESS_LOADED seg, slot, target
	movw %\seg, %cx
	cmpw %cx, \slot(%esp)
	jne \target
.endm

.macro POP_GPRS
	popl %ebx
	popl %ecx
	popl %edx
	popl %esi
	popl %edi
	popl %ebp
	popl %eax
.endm

/* Pops SAVE_ALL's registers and the vector and error code slots: ESP is left at the
 * CPU's part of the frame (EIP). The data segment registers are loaded only when the
 * frame holds other selectors than they do (a sigreturn, a program that loaded its
 * own): SAVE_ALL left DS and ES on the user's data segment, and the kernel changes FS
 * and GS only where it reloads them itself (switch_to, set_thread_area). A user
 * selector that cannot be loaded (a sigreturn frame may hold anything, a TLS slot may
 * have been cleared) faults here in ring 0; the fixup replaces it with the null
 * selector and tries again, as Linux does. */
.macro RESTORE_REGS
	UNLESS_LOADED ds, PT_DS, 9f
	UNLESS_LOADED es, PT_ES, 9f
	UNLESS_LOADED fs, PT_FS, 9f
	UNLESS_LOADED gs, PT_GS, 9f
	POP_GPRS
	addl $24, %esp          /* ds es fs gs (loaded already), vector, error_code */
	jmp 10f
9:	POP_GPRS
1:	popl %ds
2:	popl %es
3:	popl %fs
4:	popl %gs
	addl $8, %esp           /* vector, error_code */
	.pushsection .text.fixup, "ax"
5:	movl $0, (%esp)
	jmp 1b
6:	movl $0, (%esp)
	jmp 2b
7:	movl $0, (%esp)
	jmp 3b
8:	movl $0, (%esp)
	jmp 4b
	.popsection
	.pushsection __ex_table, "a"
	.long 1b, 5b
	.long 2b, 6b
	.long 3b, 7b
	.long 4b, 8b
	.popsection
10:
.endm

/* iret back to ring 3 loads the frame's CS and SS, which a user may have made
 * unloadable (a TLS slot it loaded into SS, cleared since): the fault goes to
 * iret_exc, and the user gets its signal, not the kernel an oops. */
.macro RESTORE_ALL
	RESTORE_REGS
1:	iret
	.pushsection __ex_table, "a"
	.long 1b, iret_exc
	.popsection
.endm

/* fn(struct pt_regs *regs), with the frame SAVE_ALL built at ESP. */
.macro CALL_WITH_REGS fn
	movl %esp, %eax
	pushl %eax
	call \fn
	addl $4, %esp
.endm

/* A system call's frame: orig_eax (the number) and the vector, then SAVE_ALL. */
.macro SYSCALL_FRAME
	pushl %eax              /* orig_eax */
	pushl $SYSCALL_VECTOR
	SAVE_ALL
.endm

	.text

/* Exceptions: vector 0-31. */
.macro EXCEPTION vec, has_error_code
	.p2align 3
exception_\vec:
	.if \has_error_code == 0
	pushl $0
	.endif
	pushl $\vec
	jmp exception_common
	.pushsection .rodata
	.long exception_\vec
	.popsection
.endm

	.pushsection .rodata
	.p2align 2
	.globl exception_stubs
exception_stubs:                /* unsigned long exception_stubs[32] */
	.popsection

	EXCEPTION  0, 0         /* #DE */
	EXCEPTION  1, 0         /* #DB */
	EXCEPTION  2, 0         /* NMI */
	EXCEPTION  3, 0         /* #BP */
	EXCEPTION  4, 0         /* #OF */
	EXCEPTION  5, 0         /* #BR */
	EXCEPTION  6, 0         /* #UD */
	EXCEPTION  7, 0         /* #NM */
	EXCEPTION  8, 1         /* #DF (error code 0) */
	EXCEPTION  9, 0         /* coprocessor segment overrun */
	EXCEPTION 10, 1         /* #TS */
	EXCEPTION 11, 1         /* #NP */
	EXCEPTION 12, 1         /* #SS */
	EXCEPTION 13, 1         /* #GP */
	EXCEPTION 14, 1         /* #PF */
	EXCEPTION 15, 0
	EXCEPTION 16, 0         /* #MF */
	EXCEPTION 17, 1         /* #AC */
	EXCEPTION 18, 0         /* #MC */
	EXCEPTION 19, 0         /* #XM */
	EXCEPTION 20, 0         /* #VE */
	EXCEPTION 21, 1         /* #CP */
	EXCEPTION 22, 0
	EXCEPTION 23, 0
	EXCEPTION 24, 0
	EXCEPTION 25, 0
	EXCEPTION 26, 0
	EXCEPTION 27, 0
	EXCEPTION 28, 0         /* #HV */
	EXCEPTION 29, 1         /* #VC */
	EXCEPTION 30, 1         /* #SX */
	EXCEPTION 31, 0

exception_common:
	SAVE_ALL
	CALL_WITH_REGS do_trap
	jmp ret_from_intr

/* PIC interrupts: IRQ 0-15 at vectors 0x20-0x2f. */
.macro IRQ num
	.p2align 3
irq_\num:
	pushl $0
	pushl $(FIRST_EXTERNAL_VECTOR + \num)
	jmp irq_common
	.pushsection .rodata
	.long irq_\num
	.popsection
.endm

	.pushsection .rodata
	.p2align 2
	.globl irq_stubs
irq_stubs:                      /* unsigned long irq_stubs[16] */
	.popsection

	IRQ 0
	IRQ 1
	IRQ 2
	IRQ 3
	IRQ 4
	IRQ 5
	IRQ 6
	IRQ 7
	IRQ 8
	IRQ 9
	IRQ 10
	IRQ 11
	IRQ 12
	IRQ 13
	IRQ 14
	IRQ 15

irq_common:
	SAVE_ALL
	CALL_WITH_REGS do_IRQ
	jmp ret_from_intr

/* int 0x80: Linux i386 system calls. EAX = number, EBX ECX EDX ESI EDI EBP = arguments,
 * the result goes back in EAX (do_syscall stores it in regs->eax). */
	.p2align 3
	.globl system_call
	.type system_call, @function
system_call:
	SYSCALL_FRAME
	CALL_WITH_REGS do_syscall
	/* fall through */

/* Every way out of the kernel. Going back to ring 3, first do the pending work
 * (reschedule, deliver signals); exit_to_user_mode returns with interrupts off, and
 * iret restores the user's IF. A return to ring 0 (an interrupt of kernel code) does
 * no work: the kernel is not preemptible. */
	.globl ret_from_intr
ret_from_intr:
	testl $3, PT_CS(%esp)
	jz restore_all
	CALL_WITH_REGS exit_to_user_mode
restore_all:
	RESTORE_ALL
	.size system_call, . - system_call

/* iret faulted (arch/traps.c sent it here with the fault's own frame gone): ESP is at
 * the frame iret was popping, the top of the user's pt_regs, and the registers hold
 * the user's values. The rest of the frame is built here as an entry from ring 3 would
 * build it, and the fault becomes the user's own (do_iret_error), as x86-64 Linux's
 * fixup_bad_iret makes it: its signal is delivered on the way out, or ends the process. */
	.type iret_exc, @function
iret_exc:
	pushl $0                /* error_code: do_iret_error takes the fault's */
	pushl $0                /* vector: likewise */
	SAVE_ALL
	CALL_WITH_REGS do_iret_error
	jmp ret_from_intr
	.size iret_exc, . - iret_exc

/* sysenter, from the vDSO's __kernel_vsyscall (arch/vsyscall.c): ring 0, interrupts
 * off, ESP at the top of this task's kernel stack (switch_to keeps SYSENTER_ESP
 * there), EBP = the user's ESP, where the vDSO saved EBP, EDX and ECX. This builds the
 * frame int 0x80 would have built, returning to vdso_sysenter_return with that ESP,
 * and takes the sixth argument, which EBP cannot carry, from the user's stack. */
.macro SYSENTER_FRAME user_flags=0
	sti
	pushl $__USER_DS        /* ss */
	pushl %ebp              /* esp */
	pushfl
	/* sysenter keeps NT (it clears only VM, IF and RF): with it set, the iret this
	 * call may return through would be a task return. The frame keeps the user's. */
	testl $X86_EFLAGS_NT, (%esp)
	jz 1f
	pushl (%esp)
	andl $~X86_EFLAGS_NT, (%esp)
	popfl
1:
	.if \user_flags
	orl $\user_flags, (%esp)
	.endif
	pushl $__USER_CS
	pushl $vdso_sysenter_return
.endm

	.p2align 3
	.globl sysenter_entry
	.type sysenter_entry, @function
sysenter_entry:
	SYSENTER_FRAME
sysenter_frame_built:
	cmpl $(__PAGE_OFFSET - 3), %ebp
	jae sysenter_bad_stack
sysenter_sixth_arg:
	movl (%ebp), %ebp       /* the user's EBP: the sixth argument */
	SYSCALL_FRAME
	CALL_WITH_REGS do_syscall
sysenter_exit:
	CALL_WITH_REGS exit_to_user_mode  /* returns with interrupts off */
	/* sysexit returns to EDX with ESP = ECX, flat user segments, and leaves EFLAGS
	 * alone: only right for a return to where sysenter came from, with registers the
	 * vDSO does not need back (it pops ECX and EDX) and flags popfl may restore here.
	 * Anything else (a signal handler, exec's new program, a restart, a single-step
	 * trap to come) goes back through iret. */
	cmpl $vdso_sysenter_return, PT_EIP(%esp)
	jne restore_all
	cmpw $__USER_CS, PT_CS(%esp)
	jne restore_all
	cmpw $__USER_DS, PT_SS(%esp)
	jne restore_all
	movl PT_EFLAGS(%esp), %ecx
	andl $(X86_EFLAGS_TF | X86_EFLAGS_IF | X86_EFLAGS_NT | X86_EFLAGS_VM), %ecx
	cmpl $X86_EFLAGS_IF, %ecx
	jne restore_all
	RESTORE_REGS            /* ESP -> eip, cs, eflags, esp, ss */
	movl 0(%esp), %edx
	movl 12(%esp), %ecx
	andl $~X86_EFLAGS_IF, 8(%esp)
	addl $8, %esp
	popfl                   /* the user's flags, IF still off */
	sti                     /* takes effect after sysexit: no interrupt in between */
	sysexit

	/* The user's ESP (in EBP) is not a readable user address: as Linux, EFAULT. */
	.pushsection __ex_table, "a"
	.long sysenter_sixth_arg, sysenter_bad_stack
	.popsection
sysenter_bad_stack:
	SYSCALL_FRAME
	movl $-EFAULT, PT_EAX(%esp)
	jmp sysenter_exit
	.size sysenter_entry, . - sysenter_entry

/* A single-step trap taken at sysenter_entry (a program with TF set called the vDSO:
 * sysenter keeps TF) resumes here: arch/traps.c cleared TF in the kernel and sends the
 * entry on with TF in the user's saved flags, so stepping goes on after the return
 * (which then goes through iret). Only the first instruction differs. */
	.globl sysenter_entry_traced
	.type sysenter_entry_traced, @function
sysenter_entry_traced:
	SYSENTER_FRAME X86_EFLAGS_TF
	jmp sysenter_frame_built
	.size sysenter_entry_traced, . - sysenter_entry_traced

/* struct task_struct *__switch_to_asm(unsigned long *save_esp, unsigned long new_esp,
 *                                     struct task_struct *prev)
 * Saves the callee-saved registers on this stack, parks ESP in *save_esp, and resumes
 * the stack new_esp was parked from. Returns (in the resumed task) the prev argument of
 * whoever switched to it. */
	.globl __switch_to_asm
	.type __switch_to_asm, @function
__switch_to_asm:
	movl 4(%esp), %ecx
	movl 8(%esp), %edx
	movl 12(%esp), %eax
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, (%ecx)
	movl %edx, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret
	.size __switch_to_asm, . - __switch_to_asm

/* A new task's first return from __switch_to_asm lands here (EAX = the previous task);
 * its pt_regs sit right above. */
	.globl ret_from_fork
	.type ret_from_fork, @function
ret_from_fork:
	pushl %eax
	call schedule_tail_fork
	addl $4, %esp
	jmp ret_from_intr
	.size ret_from_fork, . - ret_from_fork

/* A new kernel thread: EBX = fn, ESI = arg (arch/process.c set up the frame). */
	.globl kernel_thread_start
	.type kernel_thread_start, @function
kernel_thread_start:
	pushl %eax
	call schedule_tail
	addl $4, %esp
	sti
	xorl %ebp, %ebp         /* end of the frame-pointer chain */
	pushl %esi
	call *%ebx
	addl $4, %esp
	pushl %eax
	call kernel_thread_exit
	ud2
	.size kernel_thread_start, . - kernel_thread_start

/* void ret_to_user(struct pt_regs *regs): a kernel thread that has exec'd a program
 * leaves for ring 3 through the pt_regs at the top of its stack. */
	.globl ret_to_user
	.type ret_to_user, @function
ret_to_user:
	movl 4(%esp), %esp
	jmp ret_from_intr
	.size ret_to_user, . - ret_to_user

	.section .note.GNU-stack, "", @progbits
