/* time.c: clocks and sleeping. */
#include <errno.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

time_t time(time_t *t)
{
	long r = syscall1(SYS_time, (long)t); /* stores through t too when non-NULL */
	return (time_t)__syscall_ret(r);
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
	return __syscall_ret(syscall2(SYS_clock_gettime, clock, (long)ts));
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return __syscall_ret(syscall2(SYS_nanosleep, (long)req, (long)rem));
}

/* Returns the seconds left if a signal handler cut the sleep short. */
unsigned int sleep(unsigned int seconds)
{
	struct timespec req = { (time_t)seconds, 0 }, rem;
	if (nanosleep(&req, &rem) < 0)
		return (unsigned int)rem.tv_sec + (rem.tv_nsec > 0);
	return 0;
}

int usleep(unsigned int usec)
{
	struct timespec req = { (time_t)(usec / 1000000), (long)(usec % 1000000) * 1000 };
	return nanosleep(&req, NULL);
}

int clock_getres(clockid_t clock, struct timespec *ts)
{
	return __syscall_ret(syscall2(SYS_clock_getres, clock, (long)ts));
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem)
{
	long r = syscall4(SYS_clock_nanosleep, clock, flags, (long)req, (long)rem);
	return r < 0 ? (int)-r : 0;
}

/* Processor time of the whole process, from the kernel's CPU-time clock. */
clock_t clock(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		return (clock_t)-1;
	return (clock_t)(ts.tv_sec * 1000000L + ts.tv_nsec / 1000);
}

double difftime(time_t end, time_t start)
{
	return (double)end - (double)start;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	return __syscall_ret(syscall2(SYS_gettimeofday, (long)tv, (long)tz));
}

int getitimer(int which, struct itimerval *value)
{
	return __syscall_ret(syscall2(SYS_getitimer, which, (long)value));
}

int setitimer(int which, const struct itimerval *restrict value, struct itimerval *restrict old)
{
	return __syscall_ret(syscall3(SYS_setitimer, which, (long)value, (long)old));
}

/* Returns the seconds left of the previous alarm (the kernel rounds them). */
unsigned int alarm(unsigned int seconds)
{
	return (unsigned int)syscall1(SYS_alarm, (long)seconds);
}

int pause(void)
{
	return __syscall_ret(syscall0(SYS_pause));
}
