/* stdio with floating point: printf's %f %e %g with widths and precisions, strtod and
 * atof, a little <math.h>; the child computes too, so the x87/SSE state is its own. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static double series(int n)
{
	double s = 0;
	for (int k = 0; k < n; k++)
		s += (k % 2 ? -4.0 : 4.0) / (2 * k + 1);
	return s;
}

int main(void)
{
	static const double values[] = {0.0, 1.0, -2.5, 3.14159265358979, 1e-5, 123456.789,
					1e21, 6.02214076e23, 0.1, 2.0 / 3.0};

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned i = 0; i < sizeof values / sizeof values[0]; i++) {
		double v = values[i];
		printf("[%f] [%.2f] [%10.3f] [%-10.1f|] [%e] [%.3E] [%g] [%G] [%+.4g]\n",
		       v, v, v, v, v, v, v, v, v);
	}
	printf("strtod: %.10f %.6e %g\n", strtod("2.718281828459045", NULL),
	       strtod("-1.5e-3", NULL), atof("  42.25xyz"));
	char *end;
	double d = strtod("12.5kg", &end);
	printf("strtod stops at: %s (%.1f)\n", end, d);
	printf("math: sqrt(2) %.12f, pow(2,0.5) %.12f, exp(1) %.12f, log(10) %.12f\n",
	       sqrt(2.0), pow(2.0, 0.5), exp(1.0), log(10.0));
	printf("math: sin(1) %.12f, cos(1) %.12f, atan2(1,1) %.12f, floor(-2.5) %.1f, "
	       "ceil(-2.5) %.1f, fabs(-3) %.1f, fmod(7,3) %.1f\n",
	       sin(1.0), cos(1.0), atan2(1.0, 1.0), floor(-2.5), ceil(-2.5), fabs(-3.0),
	       fmod(7.0, 3.0));

	pid_t p = fork();
	if (p == 0) {
		printf("child: pi ~ %.9f\n", series(200000));
		_exit(0);
	}
	double mine = series(100000);
	waitpid(p, NULL, 0);
	printf("parent: pi ~ %.9f\n", mine);
	return 0;
}
