/*
 * init/bench.c - guest workloads for benchmarks and differential tests.
 *
 * bench=cpu and bench=io on the kernel command line run one of these after the boot
 * self-check (init/main.c); bench_scale=N sets the number of work units. Each workload
 * prints exactly one line, "bench: <name> checksum 0x........ scale N", that depends only
 * on the work done: the same on every run and on every correct emulator (tests compare
 * it against QEMU). Nothing here reads a clock; interrupts stay enabled, as for a real
 * program, and touch none of the state the checksums are computed from.
 *
 * cpu: a CPU- and memory-bound program with paging on. A 1 MiB working set, mapped
 *      here with 4 KiB pages just above the boot mapping (virtual 0xC0400000 ->
 *      physical 4 MiB), gets per unit: 256 Ki random read-modify-writes through a
 *      called hash function, a recursive quicksort of a 64 KiB window, and a linear
 *      pass over the whole working set. About 14 M guest instructions a unit; the
 *      default of 30 units is ~430 M instructions, about 2 s under qemu-system-i386 7.2
 *      (whose softmmu TLB misses often on random accesses over 256 pages: with
 *      bench_ws_kb=256 the same work runs several times faster there). bench_ws_kb=N
 *      (a power of two, 16-1024) shrinks the working set; the result line then says so.
 * io:  a port-I/O-bound loop. Per iteration: write and read back the 16550 scratch
 *      register, read a CMOS register (index/data pair with interrupts off, as the RTC
 *      interrupt handler shares the index port) and read the master and slave PIC
 *      masks. 10,000 iterations a unit; the default of 100 units is 1,000,000
 *      iterations (6 million port accesses). Only registers with deterministic
 *      contents are read: the CMOS time registers, register C and the UIP bit of A
 *      depend on wall time and are left out.
 */
#include <abi/forkscope.h>
#include <asm/io.h>
#include <asm/irqflags.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/setup.h>
#include <linux/bench.h>
#include <linux/kernel.h>
#include <linux/string.h>

/* ---- hashing shared by both workloads ------------------------------------------- */

#define FNV_OFFSET 0x811c9dc5u
#define FNV_PRIME  0x01000193u

static inline u32 xorshift32(u32 x)
{
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* Out of line on purpose: the cpu workload is meant to make calls. */
static __noinline u32 mix32(u32 h, u32 v)
{
	h ^= v;
	h *= FNV_PRIME;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

/* ---- bench=cpu --------------------------------------------------------------------- */

#define WS_PHYS   BOOT_MAP_SIZE                     /* physical 4 MiB */
#define WS_VIRT   (PAGE_OFFSET + BOOT_MAP_SIZE)     /* 0xC0400000, next page table */
#define WS_SIZE   (1u << 20)
#define WS_WORDS  (WS_SIZE / sizeof(u32))

#define UPDATES_PER_UNIT  (256u * 1024)             /* random read-modify-writes */
#define SORT_WORDS        (16u * 1024)              /* 64 KiB window */

/* The page table for the working set: the boot page table pg0 covers only 0-4 MiB. */
static pte_t bench_pt[PTRS_PER_PTE] __section(".bss.page_aligned") __aligned(PAGE_SIZE);

/* Map the working set; NULL when the machine has too little RAM for it. */
static u32 *map_working_set(void)
{
	unsigned long need_kb = (WS_PHYS + WS_SIZE) / 1024 - 1024;  /* above 1 MiB */
	unsigned long i;

	if (boot_params.mem_upper_kb < need_kb)
		return NULL;
	for (i = 0; i < WS_SIZE / PAGE_SIZE; i++)
		bench_pt[i] = (WS_PHYS + i * PAGE_SIZE) | _PAGE_PRESENT | _PAGE_RW;
	swapper_pg_dir[pgd_index(WS_VIRT)] = __pa(bench_pt) | _PAGE_PRESENT | _PAGE_RW;
	__flush_tlb_all();
	return (u32 *)WS_VIRT;
}

static inline void swap_u32(u32 *a, u32 *b)
{
	u32 t = *a;
	*a = *b;
	*b = t;
}

/* Sort a[lo..hi] (inclusive): median-of-three quicksort, insertion sort for short runs,
 * recursion on the smaller part so the stack stays shallow. */
static __noinline void quicksort(u32 *a, int lo, int hi)
{
	while (hi - lo > 16) {
		int mid = lo + (hi - lo) / 2, i = lo, j = hi;
		u32 pivot;

		if (a[mid] < a[lo])
			swap_u32(&a[mid], &a[lo]);
		if (a[hi] < a[lo])
			swap_u32(&a[hi], &a[lo]);
		if (a[hi] < a[mid])
			swap_u32(&a[hi], &a[mid]);
		pivot = a[mid];

		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				swap_u32(&a[i], &a[j]);
				i++;
				j--;
			}
		}
		if (j - lo < hi - i) {
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
	for (int i = lo + 1; i <= hi; i++) {
		u32 v = a[i];
		int j = i - 1;

		while (j >= lo && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

/* One unit of work over ws[0..words), words a power of two; returns its contribution
 * to the checksum. */
static __noinline u32 cpu_unit(u32 *ws, unsigned long words, unsigned int unit)
{
	unsigned long mask = words - 1, win_words = min(words, (unsigned long)SORT_WORDS);
	u32 x = 0x9e3779b9u ^ (unit * 0x85ebca6bu);
	u32 acc = FNV_OFFSET, prev;
	u32 *win;
	unsigned long i;

	if (!x)
		x = 1;
	/* Random read-modify-writes over the whole working set. */
	for (i = 0; i < UPDATES_PER_UNIT; i++) {
		u32 idx;

		x = xorshift32(x);
		idx = x & mask;
		ws[idx] = mix32(ws[idx], x);
		acc += ws[(idx + 1021) & mask];
	}

	/* Sort a window that moves with the unit, then hash it and check the order. */
	win = ws + (((unit * 5 + (x & 3)) * win_words) & mask);
	quicksort(win, 0, (int)win_words - 1);
	for (i = 0; i < win_words; i++) {
		if (i && win[i - 1] > win[i])
			acc ^= 0xdead0000u;   /* cannot happen unless the CPU is wrong */
		acc = (acc ^ win[i]) * FNV_PRIME;
	}

	/* A linear pass: each word depends on the one before it. */
	prev = acc;
	for (i = 0; i < words; i++) {
		u32 v = ws[i] + (prev ^ (prev >> 7));

		ws[i] = v;
		prev = v;
	}
	return mix32(acc, prev);
}

static bool bench_cpu(unsigned int scale, unsigned int ws_kb)
{
	u32 *ws = map_working_set();
	u32 sum = FNV_OFFSET, x = 0x12345678u;
	unsigned long i, words;
	unsigned int unit;

	if (ws_kb < 16 || ws_kb > WS_SIZE / 1024 || (ws_kb & (ws_kb - 1))) {
		printk("bench: cpu bench_ws_kb=%u: want a power of two from 16 to %u\n",
		       ws_kb, WS_SIZE / 1024);
		return false;
	}
	words = ws_kb * 1024 / sizeof(u32);

	if (!ws) {
		printk("bench: cpu needs %u MiB of RAM, have %u KiB above 1 MiB\n",
		       (WS_PHYS + WS_SIZE) >> 20, boot_params.mem_upper_kb);
		return false;
	}
	/* Fill it: RAM contents at boot are not ours to rely on. */
	for (i = 0; i < words; i++) {
		x = xorshift32(x);
		ws[i] = x;
	}
	for (unit = 0; unit < scale; unit++)
		sum = mix32(sum, cpu_unit(ws, words, unit));
	/* And the whole final state. */
	for (i = 0; i < words; i++)
		sum = (sum ^ ws[i]) * FNV_PRIME;

	if (ws_kb == WS_SIZE / 1024)
		printk("bench: cpu checksum 0x%08x scale %u\n", sum, scale);
	else
		printk("bench: cpu checksum 0x%08x scale %u ws %u KiB\n", sum, scale, ws_kb);
	return true;
}

/* ---- bench=io ---------------------------------------------------------------------- */

#define IO_ITERATIONS_PER_UNIT 10000u

#define UART_SCR   (FORKSCOPE_COM1_PORT + 7)
#define CMOS_INDEX FORKSCOPE_CMOS_PORT
#define CMOS_DATA  (FORKSCOPE_CMOS_PORT + 1)
#define PIC1_IMR   (FORKSCOPE_PIC_MASTER_PORT + 1)
#define PIC2_IMR   (FORKSCOPE_PIC_SLAVE_PORT + 1)

/* CMOS registers whose contents do not change with time: A (without UIP: divider and
 * rate), B, D, and the PC's base and extended memory sizes. */
static const u8 cmos_regs[8] = { 0x0a, 0x0b, 0x0d, 0x15, 0x16, 0x17, 0x18, 0x0b };

static bool bench_io(unsigned int scale)
{
	unsigned long n = (unsigned long)scale * IO_ITERATIONS_PER_UNIT, i;
	u32 sum = FNV_OFFSET;

	for (i = 0; i < n; i++) {
		u8 reg = cmos_regs[i & 7], scr, cmos, imr1, imr2;
		unsigned long flags;

		outb((u8)(i * 37 + 11), UART_SCR);
		scr = inb(UART_SCR);

		flags = local_irq_save();   /* the RTC interrupt handler moves the index */
		outb(reg, CMOS_INDEX);
		cmos = inb(CMOS_DATA);
		local_irq_restore(flags);
		if (reg == 0x0a)
			cmos &= 0x7f;       /* UIP follows the wall clock */

		imr1 = inb(PIC1_IMR);
		imr2 = inb(PIC2_IMR);

		sum = (sum ^ ((u32)scr | (u32)cmos << 8 | (u32)imr1 << 16 | (u32)imr2 << 24)) * FNV_PRIME;
	}
	printk("bench: io checksum 0x%08x scale %u\n", sum, scale);
	return true;
}

/* ---- entry ------------------------------------------------------------------------- */

bool bench_run(const char *name, unsigned int scale, unsigned int ws_kb)
{
	if (!strcmp(name, "cpu"))
		return bench_cpu(scale ? scale : BENCH_CPU_DEFAULT_SCALE,
				 ws_kb ? ws_kb : WS_SIZE / 1024);
	if (!strcmp(name, "io"))
		return bench_io(scale ? scale : BENCH_IO_DEFAULT_SCALE);
	printk("bench: unknown workload '%s'\n", name);
	return false;
}
