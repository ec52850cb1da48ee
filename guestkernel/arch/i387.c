/*
 * arch/i387.c - the x87, MXCSR and xmm state of tasks.
 *
 * fpu_init turns FXSR and SSE on (CR4.OSFXSR, CR4.OSXMMEXCPT) when CPUID reports them;
 * then a task's state is the 512-byte fxsave image (x87, MXCSR, xmm0-7), else the
 * 108-byte fnsave one (x87 only). The kernel never uses the unit itself
 * (-mgeneral-regs-only), so the registers always hold the running task's state:
 * switch_to saves prev's and loads next's (no lazy switching, CR0.TS stays clear).
 * fork copies the parent's live state; exec and signal handlers start from the initial
 * state (fninit's x87, MXCSR 0x1f80, xmm zero); the interrupted state travels in the
 * signal frame's struct _fpstate and sigreturn puts it back.
 */
#include <asm/i387.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/string.h>

#define X86_FEATURE_FXSR (1u << 24)   /* CPUID.1:EDX */
#define X86_FEATURE_XMM  (1u << 25)

bool cpu_has_fxsr, cpu_has_xmm;

/* The MXCSR bits this CPU accepts: fxrstor raises #GP on any other, so a value from a
 * signal frame is masked with this first. */
static u32 mxcsr_feature_mask = 0xffffffffu;

/* What fninit (and MXCSR's reset value) give: every new program starts from this. */
static union i387_union init_fpu_state __aligned(16);

static inline void fxsave(struct i387_fxsave_struct *fx)
{
	__asm__ __volatile__("fxsave %0" : "=m"(*fx));
}

static inline void fxrstor(const struct i387_fxsave_struct *fx)
{
	__asm__ __volatile__("fxrstor %0" :: "m"(*fx));
}

/* fnsave also reinitialises the unit. */
static inline void fnsave(struct i387_fsave_struct *f)
{
	__asm__ __volatile__("fnsave %0" : "=m"(*f));
}

/* frstor waits for pending x87 exceptions of the state it replaces: clear them first,
 * or a user's unmasked exception would fault in the kernel. */
static inline void frstor(const struct i387_fsave_struct *f)
{
	__asm__ __volatile__("fnclex; frstor %0" :: "m"(*f));
}

void __init fpu_init(void)
{
	u32 eax = 1, ebx, ecx, edx;
	unsigned long cr0 = read_cr0();

	__asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
	cpu_has_fxsr = (edx & X86_FEATURE_FXSR) && !fpu_nofxsr;   /* nofxsr: the fallback, as on Linux */
	cpu_has_xmm = cpu_has_fxsr && (edx & X86_FEATURE_XMM);

	/* x87 on, native error reporting (#MF), no lazy switching (TS stays clear). */
	cr0 &= ~(X86_CR0_EM | X86_CR0_TS);
	cr0 |= X86_CR0_MP | X86_CR0_NE;
	write_cr0(cr0);
	if (cpu_has_fxsr)
		write_cr4(read_cr4() | X86_CR4_OSFXSR | (cpu_has_xmm ? X86_CR4_OSXMMEXCPT : 0));
	__asm__ __volatile__("fninit");

	if (cpu_has_fxsr) {
		struct i387_fxsave_struct *fx = &init_fpu_state.fxsave;

		memset(fx, 0, sizeof(*fx));
		fxsave(fx);   /* for the mxcsr_mask field; 0 there means the original 0xffbf */
		mxcsr_feature_mask = fx->mxcsr_mask ? fx->mxcsr_mask : 0x0000ffbfu;
		memset(fx, 0, sizeof(*fx));
		fx->cwd = 0x37f;   /* fninit's control word; status 0, all registers empty */
		if (cpu_has_xmm)
			fx->mxcsr = MXCSR_DEFAULT;
		fxrstor(fx);
	} else {
		fnsave(&init_fpu_state.fsave);
	}
	init_task.thread.i387 = init_fpu_state;
	printk(KERN_INFO "fpu: x87%s%s, state saved with %s\n", cpu_has_fxsr ? ", FXSR" : "",
	       cpu_has_xmm ? ", SSE" : "", cpu_has_fxsr ? "fxsave" : "fnsave");
}

void init_fpu(struct task_struct *tsk)
{
	tsk->thread.i387 = init_fpu_state;
}

void unlazy_fpu(struct task_struct *tsk)
{
	if (cpu_has_fxsr) {
		fxsave(&tsk->thread.i387.fxsave);
	} else {
		fnsave(&tsk->thread.i387.fsave);
		frstor(&tsk->thread.i387.fsave);
	}
}

void restore_fpu(struct task_struct *tsk)
{
	if (cpu_has_fxsr)
		fxrstor(&tsk->thread.i387.fxsave);
	else
		frstor(&tsk->thread.i387.fsave);
}

void fpu_switch(struct task_struct *prev, struct task_struct *next)
{
	if (cpu_has_fxsr)
		fxsave(&prev->thread.i387.fxsave);
	else
		fnsave(&prev->thread.i387.fsave);
	restore_fpu(next);
}

/* fork and clone: the child starts with what the parent has in its registers now. */
void fpu_copy(struct task_struct *dst, struct task_struct *src)
{
	if (src == current)
		unlazy_fpu(src);
	dst->thread.i387 = src->thread.i387;
}

void fpu_reset_current(void)
{
	init_fpu(current);
	restore_fpu(current);
}

/* ---- the signal frame's struct _fpstate ---- */

/* fxsave keeps one "used" bit per physical register; the fnsave tag word has two
 * (0 valid, 1 zero, 2 special, 3 empty), worked out from the register's value. */
static u32 twd_fxsr_to_i387(const struct i387_fxsave_struct *fx)
{
	unsigned int tos = (fx->swd >> 11) & 7, i;
	u32 ret = 0xffff0000u;

	for (i = 0; i < 8; i++) {
		u32 tag = 3;

		if (fx->twd & (1u << i)) {
			const struct _fpxreg *st =
				(const struct _fpxreg *)((const u8 *)fx->st_space + ((i - tos) & 7) * 16);
			unsigned int exp = st->exponent & 0x7fff;

			if (exp == 0x7fff)
				tag = 2;
			else if (exp == 0)
				tag = (st->significand[0] | st->significand[1] | st->significand[2] |
				       st->significand[3]) ? 2 : 1;
			else
				tag = (st->significand[3] & 0x8000) ? 0 : 2;
		}
		ret |= tag << (2 * i);
	}
	return ret;
}

static u16 twd_i387_to_fxsr(u32 twd)
{
	u16 ret = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (((twd >> (2 * i)) & 3) != 3)
			ret |= (u16)(1u << i);
	return ret;
}

/* Fills *buf (a kernel copy of the frame's area) with current's state, as Linux i386
 * does: the fnsave layout first, then, with FXSR, magic 0 and the fxsave image. */
int save_i387(struct _fpstate *buf)
{
	struct task_struct *tsk = current;
	const struct i387_fxsave_struct *fx = &tsk->thread.i387.fxsave;
	unsigned int i;

	unlazy_fpu(tsk);
	memset(buf, 0, sizeof(*buf));
	if (!cpu_has_fxsr) {
		memcpy(buf, &tsk->thread.i387.fsave, 108);
		buf->status = (u16)tsk->thread.i387.fsave.swd;
		buf->magic = 0xffff;
		return 0;
	}
	buf->cw = fx->cwd | 0xffff0000u;
	buf->sw = fx->swd | 0xffff0000u;
	buf->tag = twd_fxsr_to_i387(fx);
	buf->ipoff = fx->fip;
	buf->cssel = (fx->fcs & 0xffff) | ((u32)fx->fop << 16);
	buf->dataoff = fx->foo;
	buf->datasel = fx->fos | 0xffff0000u;
	for (i = 0; i < 8; i++)
		memcpy(&buf->_st[i], (const u8 *)fx->st_space + i * 16, sizeof(struct _fpreg));
	buf->status = fx->swd;
	buf->magic = X86_FXSR_MAGIC;
	memcpy(buf->_fxsr_env, fx, sizeof(*fx));
	return 0;
}

/* sigreturn: current's state from a user frame's _fpstate, into the registers. Any
 * bytes are safe: MXCSR's reserved bits are cleared, and the x87 part comes from the
 * fnsave layout (which a handler may have edited), as on Linux. */
int restore_i387(const struct _fpstate *ubuf)
{
	struct task_struct *tsk = current;
	struct i387_fxsave_struct *fx = &tsk->thread.i387.fxsave;
	struct _fpstate env;   /* its first 112 bytes */
	unsigned int i;

	if (!cpu_has_fxsr) {
		if (copy_from_user(&tsk->thread.i387.fsave, ubuf, 108))
			return -EFAULT;
		restore_fpu(tsk);
		return 0;
	}
	if (copy_from_user(&env, ubuf, offsetof(struct _fpstate, _fxsr_env)) ||
	    copy_from_user(fx, ubuf->_fxsr_env, sizeof(*fx)))
		return -EFAULT;
	fx->mxcsr &= mxcsr_feature_mask;
	fx->cwd = (u16)env.cw;
	fx->swd = (u16)env.sw;
	fx->twd = twd_i387_to_fxsr(env.tag);
	fx->fop = (u16)(env.cssel >> 16);
	fx->fip = env.ipoff;
	fx->fcs = env.cssel & 0xffff;
	fx->foo = env.dataoff;
	fx->fos = env.datasel;
	for (i = 0; i < 8; i++)
		memcpy((u8 *)fx->st_space + i * 16, &env._st[i], sizeof(struct _fpreg));
	restore_fpu(tsk);
	return 0;
}

/* ---- #MF and #XM ---- */

/* Which exception the unit reports, from its unmasked flags (x87: status & ~control;
 * SSE: MXCSR's flags under its cleared mask bits). One at a time in this order, as
 * Linux reports them; 0 when no unmasked flag is set. */
static int fpu_exception_code(u32 err)
{
	if (err & 0x001)
		return FPE_FLTINV;   /* invalid operation (x87 stack faults too) */
	if (err & 0x004)
		return FPE_FLTDIV;
	if (err & 0x008)
		return FPE_FLTOVF;
	if (err & 0x012)
		return FPE_FLTUND;   /* denormal, underflow */
	if (err & 0x020)
		return FPE_FLTRES;   /* precision */
	return 0;
}

void math_error(struct pt_regs *regs, int trapnr)
{
	struct task_struct *tsk = current;
	struct ksiginfo info = { 0 };
	u32 err;

	unlazy_fpu(tsk);
	if (trapnr == X86_TRAP_MF) {
		u16 cwd = cpu_has_fxsr ? tsk->thread.i387.fxsave.cwd : (u16)tsk->thread.i387.fsave.cwd;
		u16 swd = cpu_has_fxsr ? tsk->thread.i387.fxsave.swd : (u16)tsk->thread.i387.fsave.swd;

		err = swd & ~cwd;
	} else {
		u32 mxcsr = tsk->thread.i387.fxsave.mxcsr;

		err = ~(mxcsr >> 7) & mxcsr;
	}
	tsk->thread.trap_no = (unsigned long)trapnr;
	tsk->thread.error_code = 0;
	info.code = fpu_exception_code(err);
	printk(KERN_DEBUG "traps: %s[%d] %s ip:%08x sp:%08x code:%d\n", tsk->comm, tsk->pid,
	       trapnr == X86_TRAP_MF ? "x87 floating-point error" : "SIMD floating-point error",
	       regs->eip, regs->esp, info.code);
	if (!info.code)
		return;   /* nothing unmasked is set: spurious, as Linux treats it */
	info.signo = SIGFPE;
	info.addr = regs->eip;
	force_sig_info(SIGFPE, &info, tsk);
}
