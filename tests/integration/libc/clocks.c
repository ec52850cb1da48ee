/* Clocks and timers through the libc: gettimeofday agrees with time(), clock() counts
 * the processor time of a busy loop, and alarm + pause deliver SIGALRM to a handler
 * and return -1 with EINTR. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { alarms += sig == SIGALRM; }

int main(void)
{
	struct timeval tv;
	time_t before = time(NULL);
	int r = gettimeofday(&tv, NULL);
	time_t after = time(NULL);
	printf("gettimeofday: %s\n", r == 0 && tv.tv_sec >= before && tv.tv_sec <= after &&
	                             tv.tv_usec >= 0 && tv.tv_usec < 1000000 ? "ok" : "FAIL");
	clock_t c0 = clock();
	volatile unsigned long spin = 0;
	while (clock() - c0 < CLOCKS_PER_SEC / 20) /* 50 ms of processor time */
		spin++;
	printf("clock: %s\n", c0 >= 0 && spin > 0 ? "ok" : "FAIL");
	printf("difftime: %s\n", difftime(before + 90, before) == 90.0 ? "ok" : "FAIL");

	signal(SIGALRM, on_alarm);
	alarm(1);
	fflush(stdout);
	errno = 0;
	r = pause();
	printf("pause: %s\n", r == -1 && errno == EINTR && alarms == 1 ? "ok" : "FAIL");
	printf("alarm cancelled: %s\n", alarm(5) == 0 && alarm(0) >= 4 ? "ok" : "FAIL");
	return 0;
}
