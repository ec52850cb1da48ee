/* sys/time.h: struct timeval, gettimeofday and the interval timers (time.c). */
#ifndef _SYS_TIME_H
#define _SYS_TIME_H

#include <sys/types.h>

struct timeval {
	time_t tv_sec;
	suseconds_t tv_usec;
};

struct timezone {
	int tz_minuteswest;
	int tz_dsttime;
};

#define ITIMER_REAL 0    /* wall clock: SIGALRM */
#define ITIMER_VIRTUAL 1 /* user time: SIGVTALRM */
#define ITIMER_PROF 2    /* user and system time: SIGPROF */

struct itimerval {
	struct timeval it_interval; /* reload value; 0: one shot */
	struct timeval it_value;    /* time left; 0: disarmed */
};

int gettimeofday(struct timeval *__restrict tv, void *__restrict tz);
int getitimer(int which, struct itimerval *value);
int setitimer(int which, const struct itimerval *__restrict value, struct itimerval *__restrict old);

#define timerisset(tv) ((tv)->tv_sec || (tv)->tv_usec)
#define timerclear(tv) ((tv)->tv_sec = (tv)->tv_usec = 0)
#define timercmp(a, b, CMP) \
	((a)->tv_sec == (b)->tv_sec ? (a)->tv_usec CMP (b)->tv_usec : (a)->tv_sec CMP (b)->tv_sec)
#define timeradd(a, b, res)                                         \
	do {                                                        \
		(res)->tv_sec = (a)->tv_sec + (b)->tv_sec;          \
		(res)->tv_usec = (a)->tv_usec + (b)->tv_usec;       \
		if ((res)->tv_usec >= 1000000) {                    \
			(res)->tv_sec++;                            \
			(res)->tv_usec -= 1000000;                  \
		}                                                   \
	} while (0)
#define timersub(a, b, res)                                         \
	do {                                                        \
		(res)->tv_sec = (a)->tv_sec - (b)->tv_sec;          \
		(res)->tv_usec = (a)->tv_usec - (b)->tv_usec;       \
		if ((res)->tv_usec < 0) {                           \
			(res)->tv_sec--;                            \
			(res)->tv_usec += 1000000;                  \
		}                                                   \
	} while (0)

#endif
