/* time.h: seconds since the epoch, POSIX clocks (time.c) and calendar time
 * (calendar.c). There is no zoneinfo in the guest: local time is UTC (TZ is not read),
 * so localtime is gmtime and mktime is timegm. */
#ifndef _TIME_H
#define _TIME_H

#include <stddef.h>
#include <sys/types.h>

struct timespec {
	time_t tv_sec;
	long tv_nsec;
};

struct tm {
	int tm_sec;   /* 0-60 */
	int tm_min;   /* 0-59 */
	int tm_hour;  /* 0-23 */
	int tm_mday;  /* 1-31 */
	int tm_mon;   /* 0-11 */
	int tm_year;  /* years since 1900 */
	int tm_wday;  /* 0-6, Sunday 0 */
	int tm_yday;  /* 0-365 */
	int tm_isdst; /* always 0: UTC */
	long tm_gmtoff;      /* seconds east of UTC: 0 */
	const char *tm_zone; /* "UTC" */
};

typedef long clock_t;
#define CLOCKS_PER_SEC 1000000L

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

#define TIMER_ABSTIME 1

time_t time(time_t *t);
int clock_gettime(clockid_t clock, struct timespec *ts);
int clock_getres(clockid_t clock, struct timespec *ts);
int nanosleep(const struct timespec *req, struct timespec *rem);
/* clock_nanosleep returns the error number (not -1 and errno), as POSIX says. */
int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem);
clock_t clock(void); /* processor time used, in CLOCKS_PER_SEC units */
double difftime(time_t end, time_t start);

struct tm *gmtime(const time_t *t);
struct tm *gmtime_r(const time_t *__restrict t, struct tm *__restrict tm);
struct tm *localtime(const time_t *t);
struct tm *localtime_r(const time_t *__restrict t, struct tm *__restrict tm);
time_t mktime(struct tm *tm);
time_t timegm(struct tm *tm);
size_t strftime(char *__restrict s, size_t max, const char *__restrict fmt, const struct tm *__restrict tm);
char *asctime(const struct tm *tm);
char *asctime_r(const struct tm *__restrict tm, char *__restrict buf);
char *ctime(const time_t *t);
char *ctime_r(const time_t *t, char *buf);
void tzset(void);
extern char *tzname[2];
extern long timezone;
extern int daylight;

#endif
