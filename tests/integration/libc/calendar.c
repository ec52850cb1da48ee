/* struct tm, gmtime_r, localtime_r (UTC), mktime, strftime (every conversion),
 * asctime, difftime; the test compares with the host glibc under TZ=UTC. */
#include <stdio.h>
#include <time.h>
#include <string.h>
int main(void)
{
	time_t ts[] = { 0, 1, -1, 86399, 86400, 951782400, 951868800, 978307199, 1000000000, 1234567890, 1700000000, 2147483647, -2147483647 - 1, 68169600, 1104537600, 1230767999, 1230768000, 1609459199 };
	char buf[256];
	for (unsigned i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		struct tm tm, *p = gmtime_r(&ts[i], &tm);
		strftime(buf, sizeof buf, "%a %A %b %B %C %d %D %e %F %g %G %H %I %j %k %l %m %M %p %R %S %T %u %U %V %w %W %y %Y %z %Z %% %c|%x|%X|%r|%s", p);
		printf("%ld: %s wday=%d yday=%d\n", (long)ts[i], buf, tm.tm_wday, tm.tm_yday);
		struct tm l; localtime_r(&ts[i], &l);
		time_t back = mktime(&l);
		printf("  mktime=%ld asctime=%s", (long)back, asctime(&tm));
	}
	struct tm n = { .tm_year = 100, .tm_mon = 13, .tm_mday = 0, .tm_hour = 25, .tm_min = -1, .tm_sec = 61 };
	time_t t = mktime(&n);
	strftime(buf, sizeof buf, "%F %T %j %a", &n);
	printf("normalized %ld %s\n", (long)t, buf);
	printf("strftime small: %zu\n", strftime(buf, 5, "%Y-%m", &n));
	printf("difftime %.1f\n", difftime(10, 3));
	return 0;
}
