/*
 * arch/signal.c - signal frames on the user stack, the Linux i386 way.
 *
 * A handler without SA_SIGINFO gets the old-style frame
 *     pretcode, sig, struct sigcontext, extramask, retcode      (ESP -> pretcode)
 * and returns through its restorer's sigreturn(119), which finds the frame at ESP - 8
 * (the handler's ret popped pretcode, the restorer popped sig). An SA_SIGINFO handler
 * gets the rt frame
 *     pretcode, sig, &info, &uc, siginfo_t, struct ucontext, retcode
 * and returns through rt_sigreturn(173), frame at ESP - 4. Both end with Linux's struct
 * _fpstate (sigcontext.fpstate points to it): the x87 state in fnsave layout, then,
 * with FXSR, magic 0 and the fxsave image with MXCSR and xmm0-7 (arch/i387.c). The
 * handler starts with the initial FPU state. The registers, the mask and the FPU state
 * come back from the frame, so a handler may edit them (sigtest does).
 */
#include <asm/i387.h>
#include <asm/irqflags.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/uaccess.h>
#include <asm/vsyscall.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/string.h>

struct sigcontext {
	u16 gs, __gsh, fs, __fsh, es, __esh, ds, __dsh;
	u32 edi, esi, ebp, esp, ebx, edx, ecx, eax;
	u32 trapno, err, eip;
	u16 cs, __csh;
	u32 eflags, esp_at_signal;
	u16 ss, __ssh;
	u32 fpstate, oldmask, cr2;
};

struct ucontext {
	u32 uc_flags;
	u32 uc_link;
	struct { u32 ss_sp; int ss_flags; u32 ss_size; } uc_stack;
	struct sigcontext uc_mcontext;
	sigset_t uc_sigmask;
};

struct sigframe {
	u32 pretcode;
	int sig;
	struct sigcontext sc;
	u32 extramask[_NSIG_WORDS - 1];
	u8 retcode[8];
	struct _fpstate fpstate;
};

struct rt_sigframe {
	u32 pretcode;
	int sig;
	u32 pinfo;
	u32 puc;
	siginfo_t info;
	struct ucontext uc;
	u8 retcode[8];
	struct _fpstate fpstate;
};

BUILD_BUG_ON(sizeof(struct sigcontext) != 88);
BUILD_BUG_ON(sizeof(siginfo_t) != 128);

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ 2048
/* EFLAGS bits a handler may change through the frame: the arithmetic flags, TF, DF,
 * AC and RF. Never IF, IOPL, VM or NT. */
#define FIX_EFLAGS 0x00050dd5u

static void setup_sigcontext(struct sigcontext *sc, const struct pt_regs *regs,
			     unsigned long mask0, u32 fpstate_uaddr)
{
	struct thread_struct *t = &current->thread;

	memset(sc, 0, sizeof(*sc));
	sc->gs = regs->gs;
	sc->fs = regs->fs;
	sc->es = regs->es;
	sc->ds = regs->ds;
	sc->edi = regs->edi;
	sc->esi = regs->esi;
	sc->ebp = regs->ebp;
	sc->esp = regs->esp;
	sc->ebx = regs->ebx;
	sc->edx = regs->edx;
	sc->ecx = regs->ecx;
	sc->eax = regs->eax;
	sc->trapno = t->trap_no;
	sc->err = t->error_code;
	sc->eip = regs->eip;
	sc->cs = regs->cs;
	sc->eflags = regs->eflags;
	sc->esp_at_signal = regs->esp;
	sc->ss = regs->ss;
	sc->fpstate = fpstate_uaddr;
	sc->oldmask = mask0;
	sc->cr2 = t->cr2;
}

static void copy_siginfo(siginfo_t *to, const struct ksiginfo *from)
{
	memset(to, 0, sizeof(*to));
	to->si_signo = from->signo;
	to->si_code = from->code;
	if (from->signo == SIGCHLD) {
		to->_sifields.child.pid = from->pid;
		to->_sifields.child.uid = (unsigned int)from->uid;
		to->_sifields.child.status = from->status;
	} else if (from->code > 0 && from->code != SI_KERNEL &&
		   (from->signo == SIGSEGV || from->signo == SIGBUS || from->signo == SIGILL ||
		    from->signo == SIGFPE || from->signo == SIGTRAP)) {
		to->_sifields.fault.addr = from->addr;
	} else {
		to->_sifields.kill.pid = from->pid;
		to->_sifields.kill.uid = (unsigned int)from->uid;
	}
}

/* stack_t, Linux i386 layout. */
struct user_stack {
	u32 ss_sp;
	int ss_flags;
	u32 ss_size;
};

static int on_sig_stack(unsigned long sp)
{
	return current->sas_ss_size && sp - current->sas_ss_sp < current->sas_ss_size;
}

static int sas_ss_flags(unsigned long sp)
{
	if (!current->sas_ss_size)
		return SS_DISABLE;
	return on_sig_stack(sp) ? SS_ONSTACK : 0;
}

/* Where a frame of `size` bytes goes: below ESP, or at the top of the alternate stack
 * for an SA_ONSTACK handler when we are not on it already; aligned so that ESP + 4 is
 * 16-byte aligned at the handler's first instruction (the i386 ABI's state at a
 * function entry). */
static unsigned long frame_address(const struct pt_regs *regs, const struct k_sigaction *ka,
				  unsigned long size)
{
	unsigned long sp = regs->esp;

	if ((ka->flags & SA_ONSTACK) && sas_ss_flags(sp) == 0)
		sp = current->sas_ss_sp + current->sas_ss_size;
	sp -= size;

	return ((sp + 4) & ~15UL) - 4;
}

static void enter_handler(struct pt_regs *regs, const struct k_sigaction *ka, unsigned long frame)
{
	regs->esp = frame;
	regs->eip = (u32)(unsigned long)ka->handler;
	regs->cs = __USER_CS;
	regs->ds = regs->es = regs->ss = __USER_DS;
	regs->eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_DF);
}

int setup_frame(int sig, const struct k_sigaction *ka, const struct ksiginfo *info,
		const sigset_t *oldset, struct pt_regs *regs)
{
	union {
		struct sigframe plain;
		struct rt_sigframe rt;
	} f;
	unsigned long uframe, size;

	if (ka->flags & SA_SIGINFO) {
		struct rt_sigframe *fr = &f.rt;

		size = sizeof(*fr);
		uframe = frame_address(regs, ka, size);
		memset(fr, 0, sizeof(*fr));
		fr->sig = sig;
		fr->pinfo = uframe + __builtin_offsetof(struct rt_sigframe, info);
		fr->puc = uframe + __builtin_offsetof(struct rt_sigframe, uc);
		copy_siginfo(&fr->info, info);
		fr->uc.uc_stack.ss_sp = current->sas_ss_sp;
		fr->uc.uc_stack.ss_flags = sas_ss_flags(regs->esp);
		fr->uc.uc_stack.ss_size = current->sas_ss_size;
		setup_sigcontext(&fr->uc.uc_mcontext, regs, oldset->sig[0],
				 uframe + __builtin_offsetof(struct rt_sigframe, fpstate));
		fr->uc.uc_sigmask = *oldset;
		/* movl $173, %eax; int $0x80 (for a handler without a restorer) */
		fr->retcode[0] = 0xb8;
		fr->retcode[1] = 173;
		fr->retcode[5] = 0xcd;
		fr->retcode[6] = 0x80;
		fr->pretcode = (ka->flags & SA_RESTORER) ? (u32)(unsigned long)ka->restorer
			       : vdso_enabled ? (u32)(unsigned long)__kernel_rt_sigreturn
			       : uframe + __builtin_offsetof(struct rt_sigframe, retcode);
		save_i387(&fr->fpstate);
		if (!access_ok((void *)uframe, size) || copy_to_user((void *)uframe, fr, size))
			return -EFAULT;   /* the registers still hold the state, for the SIGSEGV */
		enter_handler(regs, ka, uframe);
		regs->eax = (u32)sig;
		regs->edx = fr->pinfo;
		regs->ecx = fr->puc;
	} else {
		struct sigframe *fr = &f.plain;

		size = sizeof(*fr);
		uframe = frame_address(regs, ka, size);
		memset(fr, 0, sizeof(*fr));
		fr->sig = sig;
		setup_sigcontext(&fr->sc, regs, oldset->sig[0],
				 uframe + __builtin_offsetof(struct sigframe, fpstate));
		fr->extramask[0] = oldset->sig[1];
		/* popl %eax; movl $119, %eax; int $0x80 */
		fr->retcode[0] = 0x58;
		fr->retcode[1] = 0xb8;
		fr->retcode[2] = 119;
		fr->retcode[6] = 0xcd;
		fr->retcode[7] = 0x80;
		fr->pretcode = (ka->flags & SA_RESTORER) ? (u32)(unsigned long)ka->restorer
			       : vdso_enabled ? (u32)(unsigned long)__kernel_sigreturn
			       : uframe + __builtin_offsetof(struct sigframe, retcode);
		save_i387(&fr->fpstate);
		if (!access_ok((void *)uframe, size) || copy_to_user((void *)uframe, fr, size))
			return -EFAULT;
		enter_handler(regs, ka, uframe);
		regs->eax = (u32)sig;
		regs->edx = 0;
		regs->ecx = 0;
	}
	fpu_reset_current();
	return 0;
}

/* A data segment selector from a frame: null, ours, or a TLS slot; anything else
 * becomes null (entry.S also survives a selector that faults when loaded). */
static u16 user_data_selector(u16 sel)
{
	unsigned int idx = sel >> 3;

	if ((sel & 3) != 3 || idx == 0)
		return 0;
	if (idx == GDT_ENTRY_USER_CS || idx == GDT_ENTRY_USER_DS ||
	    (idx >= GDT_ENTRY_TLS_MIN && idx <= GDT_ENTRY_TLS_MAX))
		return sel;
	return 0;
}

/* Loads the registers from a frame's sigcontext; returns the EAX to resume with. */
static int restore_sigcontext(struct pt_regs *regs, const struct sigcontext *sc)
{
	regs->gs = user_data_selector(sc->gs);
	regs->fs = user_data_selector(sc->fs);
	regs->es = user_data_selector(sc->es);
	regs->ds = user_data_selector(sc->ds);
	regs->edi = sc->edi;
	regs->esi = sc->esi;
	regs->ebp = sc->ebp;
	regs->esp = sc->esp;
	regs->ebx = sc->ebx;
	regs->edx = sc->edx;
	regs->ecx = sc->ecx;
	regs->eax = sc->eax;
	regs->eip = sc->eip;
	/* The frame's CS and SS at CPL 3, as Linux: one that cannot be loaded faults in
	 * the iret to user mode, and the program gets that fault's signal (iret_exc). */
	regs->cs = (u16)(sc->cs | 3);
	regs->ss = (u16)(sc->ss | 3);
	regs->eflags = (regs->eflags & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS);
	regs->orig_eax = (u32)-1;   /* no system call to restart */
	/* No FPU area: the initial state, as Linux gives. */
	if (!sc->fpstate) {
		fpu_reset_current();
		return 0;
	}
	if (!access_ok((const void *)(unsigned long)sc->fpstate, sizeof(struct _fpstate)))
		return -EFAULT;
	return restore_i387((const struct _fpstate *)(unsigned long)sc->fpstate);
}

static long bad_frame(struct pt_regs *regs)
{
	printk(KERN_DEBUG "%s[%d]: bad signal frame at %08x\n", current->comm, current->pid,
	       regs->esp);
	force_sig(SIGSEGV, current);
	return 0;
}

/* Sets (or with SS_DISABLE removes) the alternate stack: not while running on it at sp
 * (EPERM), not smaller than MINSIGSTKSZ (ENOMEM). SS_AUTODISARM (Linux 4.7) is not
 * kept: it is refused with EINVAL. */
static int do_sigaltstack(const struct user_stack *ss, unsigned long sp)
{
	if (on_sig_stack(sp))
		return -EPERM;
	if (ss->ss_flags != SS_DISABLE && ss->ss_flags != SS_ONSTACK && ss->ss_flags != 0)
		return -EINVAL;
	if (ss->ss_flags == SS_DISABLE) {
		current->sas_ss_sp = current->sas_ss_size = 0;
		return 0;
	}
	if (ss->ss_size < MINSIGSTKSZ)
		return -ENOMEM;
	current->sas_ss_sp = ss->ss_sp;
	current->sas_ss_size = ss->ss_size;
	return 0;
}

/* sigaltstack(186): reports the alternate stack, then sets it when uss is given. */
long sys_sigaltstack(const void *uss, void *uoss)
{
	unsigned long sp = task_pt_regs(current)->esp;
	struct user_stack old, ss;
	int err;

	old.ss_sp = current->sas_ss_sp;
	old.ss_size = current->sas_ss_size;
	old.ss_flags = sas_ss_flags(sp);
	if (uss) {
		if (copy_from_user(&ss, uss, sizeof(ss)))
			return -EFAULT;
		err = do_sigaltstack(&ss, sp);
		if (err)
			return err;
	}
	if (uoss && copy_to_user(uoss, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_sigreturn(void)
{
	struct pt_regs *regs = task_pt_regs(current);
	struct sigframe frame;
	sigset_t set;

	if (copy_from_user(&frame, (const void *)(unsigned long)(regs->esp - 8), sizeof(frame)))
		return bad_frame(regs);
	set.sig[0] = frame.sc.oldmask;
	set.sig[1] = frame.extramask[0];
	set_current_blocked(&set);
	if (restore_sigcontext(regs, &frame.sc))
		return bad_frame(regs);
	return (long)regs->eax;
}

long sys_rt_sigreturn(void)
{
	struct pt_regs *regs = task_pt_regs(current);
	struct rt_sigframe frame;

	if (copy_from_user(&frame, (const void *)(unsigned long)(regs->esp - 4), sizeof(frame)))
		return bad_frame(regs);
	set_current_blocked(&frame.uc.uc_sigmask);
	if (restore_sigcontext(regs, &frame.uc.uc_mcontext))
		return bad_frame(regs);
	/* The frame's uc_stack becomes the alternate stack again, as a handler may have
	 * changed it; refused (on it, too small) it is left as it is, as Linux does. */
	do_sigaltstack((const struct user_stack *)&frame.uc.uc_stack, regs->esp);
	return (long)regs->eax;
}
