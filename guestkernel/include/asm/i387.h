#ifndef _ASM_I387_H
#define _ASM_I387_H

/*
 * The floating-point and SIMD state of a task (arch/i387.c): x87 through fnsave/frstor
 * on a CPU without FXSR, else x87 + MXCSR + xmm0-7 through fxsave/fxrstor. Saved in
 * thread_struct at every switch, copied by fork, reset by exec, put in signal frames.
 */
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/types.h>

/* The fnsave image (108 bytes); status is where Linux keeps the status word for the
 * signal frame's _fpstate.status. */
struct i387_fsave_struct {
	u32 cwd, swd, twd, fip, fcs, foo, fos;
	u32 st_space[20];          /* 8 registers of 10 bytes */
	u32 status;
};

/* The fxsave image: 512 bytes, 16-byte aligned. */
struct i387_fxsave_struct {
	u16 cwd, swd, twd, fop;    /* twd is the abridged tag: 1 bit per register, 1 = used */
	u32 fip, fcs, foo, fos;
	u32 mxcsr, mxcsr_mask;
	u32 st_space[32];          /* 8 registers in 16-byte slots */
	u32 xmm_space[32];         /* xmm0-7 */
	u32 padding[56];
} __aligned(16);

union i387_union {
	struct i387_fsave_struct fsave;
	struct i387_fxsave_struct fxsave;
};

BUILD_BUG_ON(sizeof(struct i387_fxsave_struct) != 512);

#define MXCSR_DEFAULT 0x1f80   /* every SIMD exception masked, round to nearest */

/* The signal frame's FPU area: Linux i386's struct _fpstate, 624 bytes. The first 112
 * bytes are the fnsave layout every program understands; with FXSR, magic is
 * X86_FXSR_MAGIC and the fxsave image follows (it holds MXCSR and xmm0-7). */
struct _fpreg { u16 significand[4]; u16 exponent; };
struct _fpxreg { u16 significand[4]; u16 exponent; u16 padding[3]; };
struct _xmmreg { u32 element[4]; };

struct _fpstate {
	u32 cw, sw, tag, ipoff, cssel, dataoff, datasel;
	struct _fpreg _st[8];
	u16 status;
	u16 magic;                 /* 0xffff: fnsave data only; 0x0000: the fxsave part is there */
	u32 _fxsr_env[6];
	u32 mxcsr;
	u32 reserved;
	struct _fpxreg _fxsr_st[8];
	struct _xmmreg _xmm[8];
	u32 padding[56];
};

#define X86_FXSR_MAGIC 0x0000

BUILD_BUG_ON(sizeof(struct _fpstate) != 624);

struct task_struct;
struct pt_regs;

extern bool cpu_has_fxsr, cpu_has_xmm;

void fpu_init(void);
void init_fpu(struct task_struct *tsk);           /* the state a new program starts with */
void unlazy_fpu(struct task_struct *tsk);         /* current's live registers -> its thread struct */
void restore_fpu(struct task_struct *tsk);        /* its thread struct -> the registers */
void fpu_switch(struct task_struct *prev, struct task_struct *next);
void fpu_copy(struct task_struct *dst, struct task_struct *src);
void fpu_reset_current(void);                     /* the registers to the initial state */
int save_i387(struct _fpstate *buf);              /* signal frame (kernel copy); 0 ok */
int restore_i387(const struct _fpstate *ubuf);    /* sigreturn, from user memory; 0 or -EFAULT */
void math_error(struct pt_regs *regs, int trapnr); /* #MF and #XM from user mode */

#endif
