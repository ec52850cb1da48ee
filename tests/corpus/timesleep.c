/* Time and sleep: the clocks move forward, sleep and nanosleep take at least what
 * they ask (checked against CLOCK_MONOTONIC), gmtime/strftime format a fixed moment,
 * and a sleeping child does not stop its parent. Nothing printed depends on when it
 * runs. */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	time_t t0 = time(NULL);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	printf("time and gettimeofday agree: %s\n",
	       tv.tv_sec - t0 >= 0 && tv.tv_sec - t0 <= 1 ? "yes" : "no");
	printf("after 2020: %s\n", t0 > 1577836800 ? "yes" : "no");

	double m0 = now(CLOCK_MONOTONIC);
	struct timespec req = {0, 250 * 1000 * 1000};
	nanosleep(&req, NULL);
	double m1 = now(CLOCK_MONOTONIC);
	printf("nanosleep 250 ms took at least that: %s\n", m1 - m0 >= 0.249 ? "yes" : "no");

	pid_t p = fork();
	if (p == 0) {
		sleep(1);
		_exit(4);
	}
	double m2 = now(CLOCK_MONOTONIC);
	int status;
	waitpid(p, &status, 0);
	double m3 = now(CLOCK_MONOTONIC);
	printf("child slept 1 s: exit %d, waited at least 1 s: %s\n", WEXITSTATUS(status),
	       m3 - m2 >= 0.99 ? "yes" : "no");

	time_t fixed = 1000000000;
	struct tm tm;
	char buf[128];
	gmtime_r(&fixed, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %b %j", &tm);
	printf("gmtime(1000000000): %s, wday %d, yday %d\n", buf, tm.tm_wday, tm.tm_yday);
	printf("mktime back (UTC): %s\n", timegm(&tm) == fixed ? "same" : "different");
	printf("clock() runs: %s\n", clock() >= 0 ? "yes" : "no");
	return 0;
}
