/* sleep: pause for N seconds; N may have a fraction ("0.25"). Uses nanosleep and
 * sleeps again for the remainder if a signal interrupts it. */
#include <errno.h>
#include <stdio.h>
#include <time.h>

/* "12.5" -> 12 s + 500000000 ns, without floating point. -1 if malformed. */
static int parse_seconds(const char *s, struct timespec *ts)
{
	long sec = 0, nsec = 0, scale = 100000000;
	int digits = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (sec > 100000000)
			return -1; /* more than three years: surely a typo */
		sec = sec * 10 + (*s - '0');
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			nsec += (*s - '0') * scale; /* digits past nanoseconds add 0 */
			scale /= 10;
		}
	if (*s || digits == 0)
		return -1;
	ts->tv_sec = sec;
	ts->tv_nsec = nsec;
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec req, rem;

	if (argc != 2 || parse_seconds(argv[1], &req) < 0) {
		fprintf(stderr, "usage: sleep SECONDS[.FRACTION]\n");
		return 1;
	}
	while (nanosleep(&req, &rem) < 0) {
		if (errno != EINTR) {
			perror("sleep: nanosleep");
			return 1;
		}
		req = rem;
	}
	return 0;
}
