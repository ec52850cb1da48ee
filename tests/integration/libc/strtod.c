/* strtod and strtof: bit patterns, errno and end pointers for a table of inputs
 * (halfway cases, subnormals, overflow, hex floats, inf and nan), then round trips of
 * pseudo-random doubles; the test compares with the host glibc. (NaN payloads,
 * nan(123), are not kept.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
static const char *cases[] = { "0", "-0", "1", "0.1", "0.3", "1e23", "8.988465674311579e307", "2.2250738585072011e-308",
 "2.2250738585072012e-308", "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400", "1e400",
 "-1e400", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "3.14159265358979323846264338327950288419716939937510",
 "123456789012345678901234567890", "0x1.8p3", "0X1P-1074", "0x.8p1", "0x1.fffffffffffffp1023", "0x1.fffffffffffff8p1023", "inf", "-Infinity", "nan", "nan()", "  +12.5e+2xyz", ".5", "5.", "e5", "1e", "1e+", "0x", "0xg", "-.e1",
 "9007199254740993", "9007199254740993.0000000000000000000000000000001", "1.00000000000000011102230246251565404236316680908203125",
 "1.00000000000000011102230246251565404236316680908203124", "1.00000000000000011102230246251565404236316680908203126",
 "7.0e-10", "1.5e-45", "3.4028235e38", "3.4028236e38", "1.17549435e-38", "0.000000000000000000000000000000000000000000001401298464324817",
 "2.225073858507201136057409796709131975934819546351645648e-308", "100000000000000000000000000000000000000000000000000000000000000000000001e-70",
 NULL };
int main(void)
{
	for (int i = 0; cases[i]; i++) {
		char *e; errno = 0;
		double d = strtod(cases[i], &e);
		int e1 = errno; errno = 0;
		float f = strtof(cases[i], &e);
		unsigned long long b; unsigned fb; memcpy(&b, &d, 8); memcpy(&fb, &f, 4);
		printf("%-40.40s %016llx %d %08x %d end=%d %.17g\n", cases[i], b, e1, fb, errno, (int)(e - cases[i]), d);
	}
	/* pseudo-random round trips */
	unsigned long long x = 88172645463325252ULL; int bad = 0;
	for (int i = 0; i < 600; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		double d; memcpy(&d, &x, 8);
		if (d != d) continue;
		char buf[64]; snprintf(buf, sizeof buf, "%.17g", d);
		double r = strtod(buf, NULL);
		if (memcmp(&r, &d, 8)) bad++;
		snprintf(buf, sizeof buf, "%.*e", (int)(x % 20), d);
		r = strtod(buf, NULL); unsigned long long rb; memcpy(&rb, &r, 8);
		printf("%s %016llx\n", buf, rb);
	}
	printf("bad roundtrips %d\n", bad);
	return 0;
}
