/*
 * drivers/rtc.c - the CMOS real-time clock (MC146818-compatible).
 *
 * Two jobs: read the time of day once at boot, and run the periodic interrupt on
 * IRQ 8 as an independent clock against which the PIT tick can be checked.
 */
#include <abi/forkscope.h>
#include <asm/io.h>
#include <asm/irq.h>
#include <asm/irqflags.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/mc146818rtc.h>

#define RTC_PORT_INDEX  FORKSCOPE_CMOS_PORT
#define RTC_PORT_DATA   (FORKSCOPE_CMOS_PORT + 1)

#define RTC_SECONDS     0x00
#define RTC_MINUTES     0x02
#define RTC_HOURS       0x04
#define RTC_DAY         0x07
#define RTC_MONTH       0x08
#define RTC_YEAR        0x09
#define RTC_REG_A       0x0a
#define RTC_REG_B       0x0b
#define RTC_REG_C       0x0c

#define RTC_UIP         0x80    /* A: update in progress, time registers unstable */
#define RTC_DV_32KHZ    0x20    /* A: divider for the 32.768 kHz time base */
#define RTC_PIE         0x40    /* B: periodic interrupt enable */
#define RTC_24H         0x02    /* B: 24-hour mode (else 12-hour, bit 7 of hour = PM) */
#define RTC_DM_BINARY   0x04    /* B: binary (else BCD) */
#define RTC_PF          0x40    /* C: periodic interrupt flag */

struct rtc_time rtc_boot_time;
volatile unsigned long rtc_irq_ticks;

/* Bit 7 of the index port is the NMI mask on real hardware; we leave NMIs enabled. */
static u8 CMOS_READ(u8 reg)
{
	outb(reg, RTC_PORT_INDEX);
	return inb(RTC_PORT_DATA);
}

static void CMOS_WRITE(u8 val, u8 reg)
{
	outb(reg, RTC_PORT_INDEX);
	outb(val, RTC_PORT_DATA);
}

static int bcd2bin(u8 v) { return (v & 0x0f) + (v >> 4) * 10; }

static void read_raw(struct rtc_time *tm)
{
	/* An update takes under 2 ms; give up waiting after far more than that. */
	unsigned long spins = 1000000;

	while ((CMOS_READ(RTC_REG_A) & RTC_UIP) && --spins)
		;
	tm->tm_sec = CMOS_READ(RTC_SECONDS);
	tm->tm_min = CMOS_READ(RTC_MINUTES);
	tm->tm_hour = CMOS_READ(RTC_HOURS);
	tm->tm_mday = CMOS_READ(RTC_DAY);
	tm->tm_mon = CMOS_READ(RTC_MONTH);
	tm->tm_year = CMOS_READ(RTC_YEAR);
}

void rtc_read_time(struct rtc_time *tm)
{
	struct rtc_time again;
	unsigned long flags = local_irq_save();   /* the index port is shared with the irq handler */
	u8 status_b;
	bool pm;

	/* An update can still start between the UIP check and the reads: read until two
	 * passes agree. */
	read_raw(tm);
	for (;;) {
		read_raw(&again);
		if (again.tm_sec == tm->tm_sec && again.tm_min == tm->tm_min &&
		    again.tm_hour == tm->tm_hour && again.tm_mday == tm->tm_mday &&
		    again.tm_mon == tm->tm_mon && again.tm_year == tm->tm_year)
			break;
		*tm = again;
	}
	status_b = CMOS_READ(RTC_REG_B);
	local_irq_restore(flags);

	pm = !(status_b & RTC_24H) && (tm->tm_hour & 0x80);
	tm->tm_hour &= 0x7f;
	if (!(status_b & RTC_DM_BINARY)) {
		tm->tm_sec = bcd2bin(tm->tm_sec);
		tm->tm_min = bcd2bin(tm->tm_min);
		tm->tm_hour = bcd2bin(tm->tm_hour);
		tm->tm_mday = bcd2bin(tm->tm_mday);
		tm->tm_mon = bcd2bin(tm->tm_mon);
		tm->tm_year = bcd2bin(tm->tm_year);
	}
	if (!(status_b & RTC_24H)) {   /* 12 AM is 0h, 12 PM is 12h */
		tm->tm_hour %= 12;
		if (pm)
			tm->tm_hour += 12;
	}
	/* Two-digit year, no century register: 70-99 -> 19xx, else 20xx. */
	tm->tm_year += tm->tm_year < 70 ? 2000 : 1900;
}

static void rtc_interrupt(unsigned int irq, struct pt_regs *regs)
{
	(void)irq;
	(void)regs;
	/* Reading C acknowledges the RTC; until then it raises no further interrupt. */
	if (CMOS_READ(RTC_REG_C) & RTC_PF)
		rtc_irq_ticks++;
}

void __init rtc_init(void)
{
	rtc_read_time(&rtc_boot_time);

	CMOS_WRITE(RTC_DV_32KHZ | RTC_PERIODIC_RATE, RTC_REG_A);
	CMOS_WRITE(CMOS_READ(RTC_REG_B) | RTC_PIE, RTC_REG_B);
	(void)CMOS_READ(RTC_REG_C);   /* drop a flag left pending from before */
	request_irq(RTC_IRQ, rtc_interrupt, "rtc");
	printk(KERN_INFO "cmos: rtc periodic interrupt at %u Hz (rate %d), irq %d\n",
	       RTC_PERIODIC_HZ, RTC_PERIODIC_RATE, RTC_IRQ);
}
