#ifndef _ASM_TRAPS_H
#define _ASM_TRAPS_H

/* Exception vectors. */
#define X86_TRAP_DE   0   /* divide error */
#define X86_TRAP_DB   1   /* debug */
#define X86_TRAP_NMI  2
#define X86_TRAP_BP   3   /* int3 */
#define X86_TRAP_OF   4   /* into */
#define X86_TRAP_BR   5   /* bound */
#define X86_TRAP_UD   6   /* invalid opcode */
#define X86_TRAP_NM   7   /* device not available */
#define X86_TRAP_DF   8   /* double fault */
#define X86_TRAP_TS  10   /* invalid TSS */
#define X86_TRAP_NP  11   /* segment not present */
#define X86_TRAP_SS  12   /* stack segment */
#define X86_TRAP_GP  13   /* general protection */
#define X86_TRAP_PF  14   /* page fault */
#define X86_TRAP_MF  16   /* x87 error */
#define X86_TRAP_AC  17   /* alignment check */
#define X86_TRAP_MC  18   /* machine check */
#define X86_TRAP_XF  19   /* SIMD error */
#define NR_EXCEPTIONS 32

/* Page-fault error code bits. */
#define PF_PROT  0x01     /* 0: page not present, 1: protection violation */
#define PF_WRITE 0x02
#define PF_USER  0x04
#define PF_RSVD  0x08
#define PF_INSTR 0x10

#ifndef __ASSEMBLER__
struct pt_regs;
void do_trap(struct pt_regs *regs);      /* arch/traps.c */
void do_iret_error(struct pt_regs *regs); /* arch/traps.c, from entry.S's iret_exc */
void die(struct pt_regs *regs) __attribute__((noreturn));   /* the oops */
void do_page_fault(struct pt_regs *regs);   /* mm/fault.c */
void do_syscall(struct pt_regs *regs);   /* kernel/syscall.c */

/* arch/entry.S: entry points, indexed by vector / IRQ number. */
extern const unsigned long exception_stubs[NR_EXCEPTIONS];
extern const unsigned long irq_stubs[16];
extern const char system_call[];
#endif

#endif
