/*
 * drivers/random.c - getrandom(2).
 *
 * The bytes come from ChaCha20 (RFC 8439's block function, as Linux's generator uses)
 * keyed once, on first use, from the CMOS clock's reading at boot and the monotonic
 * time of that first use. Under the default instruction-counted clock, with the same
 * --rtc-time, every run of the same image and input therefore gets the same bytes:
 * runs stay reproducible. That makes them unpredictable to no one who knows the boot
 * time: fine for hash seeds and stack guards in an emulator, not for secrets. The
 * generator never blocks, so GRND_NONBLOCK and GRND_RANDOM change nothing.
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <linux/time.h>

#define GRND_NONBLOCK 0x0001
#define GRND_RANDOM   0x0002
#define GRND_INSECURE 0x0004

#define MAX_RW_COUNT (0x7fffffff & PAGE_MASK)

long boot_time_seconds(void);   /* kernel/time.c */

static u32 chacha_state[16];
static bool seeded;

static u32 rotl(u32 v, int n) { return (v << n) | (v >> (32 - n)); }

#define QR(a, b, c, d) (                                  \
	a += b, d ^= a, d = rotl(d, 16),                  \
	c += d, b ^= c, b = rotl(b, 12),                  \
	a += b, d ^= a, d = rotl(d, 8),                   \
	c += d, b ^= c, b = rotl(b, 7))

/* One 64-byte block of the key stream; the block counter (word 12) advances. */
static void chacha20_block(u32 out[16])
{
	u32 x[16];
	int i;

	memcpy(x, chacha_state, sizeof(x));
	for (i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]); QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]); QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]); QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]); QR(x[3], x[4], x[9], x[14]);
	}
	for (i = 0; i < 16; i++)
		out[i] = x[i] + chacha_state[i];
	if (++chacha_state[12] == 0)
		chacha_state[13]++;
}

static void seed(void)
{
	static const char sigma[16] = "expand 32-byte k";
	s64 now = ktime_get_ns();
	long boot = boot_time_seconds();

	memcpy(chacha_state, sigma, sizeof(sigma));
	/* Key: the boot time and the first use's time, spread over the 8 key words. */
	chacha_state[4] = (u32)boot;
	chacha_state[5] = (u32)now;
	chacha_state[6] = (u32)(now >> 32);
	chacha_state[7] = 0x666f726b;   /* "fork" */
	chacha_state[8] = 0x73636f70;   /* "scop" */
	chacha_state[9] = ~(u32)boot;
	chacha_state[10] = ~(u32)now;
	chacha_state[11] = 0x9e3779b9;
	seeded = true;
}

long sys_getrandom(char *buf, size_t count, unsigned int flags)
{
	u32 block[16];
	size_t done = 0;

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM))
		return -EINVAL;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	if (!seeded)
		seed();
	while (done < count) {
		size_t n = min(count - done, sizeof(block));

		/* A long request stops at a page boundary when a signal waits, as Linux's. */
		if (done && !(done % PAGE_SIZE) && signal_pending(current))
			break;
		chacha20_block(block);
		if (copy_to_user(buf + done, block, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	memset(block, 0, sizeof(block));
	return (long)done;
}
