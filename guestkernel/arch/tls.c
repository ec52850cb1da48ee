/*
 * arch/tls.c - set_thread_area / get_thread_area: per-thread segments (for %gs-based
 * thread-local storage) in GDT slots 6-8, reloaded on every context switch. clone with
 * CLONE_SETTLS sets one slot of the new thread the same way (do_set_thread_area).
 */
#include <asm/desc.h>
#include <asm/segment.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/syscalls.h>

/* struct user_desc: the flags word packs seg_32bit:1 contents:2 read_exec_only:1
 * limit_in_pages:1 seg_not_present:1 useable:1. */
struct user_desc {
	u32 entry_number;
	u32 base_addr;
	u32 limit;
	u32 flags;
};

#define UD_SEG_32BIT(f)       ((f) & 1)
#define UD_CONTENTS(f)        (((f) >> 1) & 3)
#define UD_READ_EXEC_ONLY(f)  (((f) >> 3) & 1)
#define UD_LIMIT_IN_PAGES(f)  (((f) >> 4) & 1)
#define UD_SEG_NOT_PRESENT(f) (((f) >> 5) & 1)
#define UD_USEABLE(f)         (((f) >> 6) & 1)

static bool desc_empty(const struct desc_struct *d)
{
	return !d->limit0 && !d->base0 && !d->base1 && !d->access && !d->limit1_flags && !d->base2;
}

/* Linux's "clear this slot" encodings. */
static bool user_desc_empty(const struct user_desc *u)
{
	return (!u->base_addr && !u->limit && !UD_CONTENTS(u->flags) &&
		UD_READ_EXEC_ONLY(u->flags) && !UD_SEG_32BIT(u->flags) &&
		!UD_LIMIT_IN_PAGES(u->flags) && UD_SEG_NOT_PRESENT(u->flags) &&
		!UD_USEABLE(u->flags)) ||
	       (!u->base_addr && !u->limit && !u->flags);
}

static void fill_desc(struct desc_struct *d, const struct user_desc *u)
{
	u8 type = (u8)(((UD_READ_EXEC_ONLY(u->flags) ^ 1) << 1) | (UD_CONTENTS(u->flags) << 2) | 1);

	d->limit0 = u->limit & 0xffff;
	d->base0 = u->base_addr & 0xffff;
	d->base1 = (u->base_addr >> 16) & 0xff;
	d->access = (u8)(type | 0x10 /* S */ | 0x60 /* DPL 3 */ |
			 ((UD_SEG_NOT_PRESENT(u->flags) ^ 1) << 7));
	d->limit1_flags = (u8)(((u->limit >> 16) & 0x0f) | (UD_USEABLE(u->flags) << 4) |
			       (UD_SEG_32BIT(u->flags) << 6) | (UD_LIMIT_IN_PAGES(u->flags) << 7));
	d->base2 = (u->base_addr >> 24) & 0xff;
}

/* Sets one of t's TLS slots from *u_info. Only set_thread_area itself may ask for a
 * free slot (entry_number -1, the chosen one written back); clone must name one. */
int do_set_thread_area(struct task_struct *t, struct user_desc *u_info, bool can_allocate)
{
	struct user_desc info;
	int idx;

	if (copy_from_user(&info, u_info, sizeof(info)))
		return -EFAULT;
	idx = (int)info.entry_number;
	if (idx == -1 && can_allocate) {
		for (idx = GDT_ENTRY_TLS_MIN; idx <= GDT_ENTRY_TLS_MAX; idx++)
			if (desc_empty(&t->thread.tls_array[idx - GDT_ENTRY_TLS_MIN]))
				break;
		if (idx > GDT_ENTRY_TLS_MAX)
			return -ESRCH;
		if (put_user((u32)idx, &u_info->entry_number))
			return -EFAULT;
	}
	if (idx < GDT_ENTRY_TLS_MIN || idx > GDT_ENTRY_TLS_MAX)
		return -EINVAL;
	/* Only 32-bit present data segments, as Linux allows (tls_desc_okay): a code segment or
	 * one marked not present would let a program load a selector (CS by lret, SS) that
	 * is then refused where the kernel reloads it. Clearing a slot stays possible. */
	if (!user_desc_empty(&info) &&
	    (!UD_SEG_32BIT(info.flags) || UD_CONTENTS(info.flags) > 1 || UD_SEG_NOT_PRESENT(info.flags)))
		return -EINVAL;
	if (user_desc_empty(&info))
		memset(&t->thread.tls_array[idx - GDT_ENTRY_TLS_MIN], 0, sizeof(struct desc_struct));
	else
		fill_desc(&t->thread.tls_array[idx - GDT_ENTRY_TLS_MIN], &info);
	if (t == current) {
		unsigned int fs, gs;

		/* A register that names the slot is reloaded, as Linux does: null while the
		 * descriptor changes (an interrupt saves and reloads the registers, and must
		 * never meet one it cannot reload), then the selector again, null should it
		 * no longer load. The user's own copies in pt_regs are reloaded on the way
		 * out, null likewise. */
		savesegment(fs, fs);
		savesegment(gs, gs);
		if ((fs >> 3) == (unsigned int)idx)
			loadsegment(fs, 0);
		if ((gs >> 3) == (unsigned int)idx)
			loadsegment(gs, 0);
		load_tls(t);
		if ((fs >> 3) == (unsigned int)idx)
			loadsegment(fs, fs);
		if ((gs >> 3) == (unsigned int)idx)
			loadsegment(gs, gs);
	}
	return 0;
}

long sys_set_thread_area(struct user_desc *u_info)
{
	return do_set_thread_area(current, u_info, true);
}

long sys_get_thread_area(struct user_desc *u_info)
{
	struct user_desc info;
	const struct desc_struct *d;
	int idx;

	if (get_user(idx, (int *)&u_info->entry_number))
		return -EFAULT;
	if (idx < GDT_ENTRY_TLS_MIN || idx > GDT_ENTRY_TLS_MAX)
		return -EINVAL;
	d = &current->thread.tls_array[idx - GDT_ENTRY_TLS_MIN];
	memset(&info, 0, sizeof(info));
	info.entry_number = (u32)idx;
	info.base_addr = d->base0 | ((u32)d->base1 << 16) | ((u32)d->base2 << 24);
	info.limit = d->limit0 | ((u32)(d->limit1_flags & 0x0f) << 16);
	info.flags = ((d->limit1_flags >> 6) & 1) | (((d->access >> 2) & 3) << 1) |
		     ((((d->access >> 1) & 1) ^ 1) << 3) | (((d->limit1_flags >> 7) & 1) << 4) |
		     ((((d->access >> 7) & 1) ^ 1) << 5) | (((d->limit1_flags >> 4) & 1) << 6);
	return copy_to_user(u_info, &info, sizeof(info)) ? -EFAULT : 0;
}
