/* The scanf family: sscanf over a table of inputs and formats (integers in every base
 * and length, floats, strings, scansets, %c, %n, suppression, widths, literal
 * matching, early failures and EOF), then fscanf from a pipe; the test compares with the
 * host glibc. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	int a = -1, b = -1, c = -1, n = -1, r;
	long l = -1;
	long long ll = -1;
	unsigned u = 0;
	short h = -1;
	signed char hh = -1;
	double d = -1;
	float f = -1;
	long double ld = -1;
	char s1[32], s2[32], ch[4];
	void *p = NULL;

	r = sscanf("  42 -17 +8", "%d %d %d", &a, &b, &c);
	printf("1: r=%d %d %d %d\n", r, a, b, c);
	r = sscanf("0x1f 017 99 ff", "%i %i %i %x", &a, &b, &c, &u);
	printf("2: r=%d %d %d %d %u\n", r, a, b, c, u);
	r = sscanf("123456789012 -5 70000 300", "%lld %ld %hd %hhd", &ll, &l, &h, &hh);
	printf("3: r=%d %lld %ld %d %d\n", r, ll, l, h, hh);
	r = sscanf("3.25 -1e3 .5e-2 inf", "%lf %f %Lf %lf", &d, &f, &ld, &d);
	printf("4: r=%d %g %g %Lg\n", r, d, f, ld);
	r = sscanf("hello world", "%s %3s", s1, s2);
	printf("5: r=%d [%s] [%s]\n", r, s1, s2);
	r = sscanf("key=value;rest", "%[^=]=%[a-z]%n", s1, s2, &n);
	printf("6: r=%d [%s] [%s] n=%d\n", r, s1, s2, n);
	r = sscanf("abc", "%2c", ch);
	ch[2] = 0;
	printf("7: r=%d [%s]\n", r, ch);
	r = sscanf("12:34:56", "%d:%*d:%d", &a, &b);
	printf("8: r=%d %d %d\n", r, a, b);
	r = sscanf("12345", "%2d%3d", &a, &b);
	printf("9: r=%d %d %d\n", r, a, b);
	a = b = -1;
	r = sscanf("x12", "%d", &a);
	printf("10: r=%d %d\n", r, a);
	r = sscanf("", "%d", &a);
	printf("11: r=%d\n", r);
	r = sscanf("   ", "%d", &a);
	printf("12: r=%d\n", r);
	r = sscanf("5 apples", "%d %s %d", &a, s1, &b);
	printf("13: r=%d %d [%s]\n", r, a, s1);
	r = sscanf("100%", "%d%%", &a);
	printf("14: r=%d %d\n", r, a);
	r = sscanf("0x10", "%p", &p);
	printf("15: r=%d %p\n", r, p);
	r = sscanf("-0.0 1e400 -12.5e+1x", "%lf %lf %lf%s", &d, &d, &d, s1);
	printf("16: r=%d %g [%s]\n", r, d, s1);
	r = sscanf("[abc]", "[%[^]]]", s1);
	printf("17: r=%d [%s]\n", r, s1);

	/* A stream: fscanf from the read end of a pipe. */
	int fds[2], sum = 0, x;
	char word[16];
	if (pipe(fds) != 0 || write(fds[1], "1 2 3\n 4 end\n", 13) != 13)
		return 1;
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");
	while (fscanf(in, "%d", &x) == 1)
		sum += x;
	r = fscanf(in, "%15s", word);
	printf("18: sum %d, then r=%d [%s]", sum, r, r == 1 ? word : "");
	r = fscanf(in, "%d", &x);
	printf(", then r=%d at the end\n", r);
	return 0;
}
