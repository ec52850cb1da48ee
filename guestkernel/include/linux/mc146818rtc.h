#ifndef _LINUX_MC146818RTC_H
#define _LINUX_MC146818RTC_H

/* drivers/rtc.c: the CMOS real-time clock (MC146818-compatible). */
struct rtc_time {
	int tm_sec, tm_min, tm_hour;   /* 24-hour */
	int tm_mday, tm_mon, tm_year;  /* mon 1-12, full year */
};

/* Periodic interrupt: rate r gives 32768 >> (r - 1) Hz; 10 -> 64 Hz. */
#define RTC_PERIODIC_RATE 10
#define RTC_PERIODIC_HZ   (32768u >> (RTC_PERIODIC_RATE - 1))

void rtc_init(void);
void rtc_read_time(struct rtc_time *tm);
extern struct rtc_time rtc_boot_time;         /* read by rtc_init() */
extern volatile unsigned long rtc_irq_ticks;  /* periodic interrupts seen */

#endif
