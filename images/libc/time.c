/* time.c: clocks and sleeping. */
#include <errno.h>
#include <sys/syscall.h>
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
