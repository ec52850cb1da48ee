/* <math.h> on a table of values, errno for domain and range errors, the constants;
 * the test compares with the host glibc's libm (to 12 significant digits). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
int main(void)
{
	static const double xs[] = { 0.0, 0.5, 1.0, 2.0, 2.5, -2.5, 3.7, -3.7, 10.0, 100.0, 1e-3, 0.1, 1e6, 12345.678 };
	for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		double x = xs[i];
		printf("x=%g fabs=%g floor=%g ceil=%g round=%g trunc=%g fmod=%.12g sqrt=%.12g exp=%.12g\n", x, fabs(x), floor(x),
		       ceil(x), round(x), trunc(x), fmod(x, 0.75), sqrt(fabs(x)), exp(x / 10));
		printf("  log=%.12g log10=%.12g log2=%.12g sin=%.12g cos=%.12g tan=%.12g atan=%.12g atan2=%.12g pow=%.12g pow2=%.12g\n",
		       log(x + 1), log10(x + 1), log2(x + 1), sin(x), cos(x), tan(x), atan(x), atan2(x, -1.5), pow(fabs(x), 1.5), pow(x, 3));
		printf("  sinh=%.12g cosh=%.12g tanh=%.12g asin=%.12g acos=%.12g hypot=%.12g cbrt=%.12g expm1=%.12g log1p=%.12g\n",
		       sinh(x / 10), cosh(x / 10), tanh(x / 10), asin(x / 1e7), acos(x / 1e7), hypot(x, 3), cbrt(x), expm1(x / 100), log1p(x / 100));
	}
	printf("pow(2,10)=%g pow(10,-2)=%g pow(-8,1/3.)=%g pow(0,-1)=%g pow(-0.,-3)=%g pow(-1,inf)=%g pow(nan,0)=%g\n",
	       pow(2, 10), pow(10, -2), pow(-8, 1 / 3.), pow(0, -1), pow(-0., -3), pow(-1, INFINITY), pow(NAN, 0));
	printf("HUGE_VAL=%f INFINITY=%f -INFINITY=%f NAN isnan=%d isinf=%d/%d/%d isfinite=%d signbit=%d\n", HUGE_VAL, INFINITY, -INFINITY,
	       isnan(NAN) != 0, isinf(INFINITY), isinf(-INFINITY), isinf(1.0), isfinite(1.0) != 0, signbit(-0.0) != 0);
	errno = 0; double r = sqrt(-1); printf("sqrt(-1)=%f isnan %d errno EDOM %d\n", fabs(r), isnan(r) != 0, errno == EDOM);
	errno = 0; r = log(0); printf("log(0)=%f errno ERANGE %d\n", r, errno == ERANGE);
	int e; double m = frexp(48.0, &e); printf("frexp(48)=%g,%d ldexp(0.75,6)=%g modf(-3.25)=", m, e, ldexp(0.75, 6));
	double ip; double fp = modf(-3.25, &ip); printf("%g,%g\n", fp, ip);
	printf("M_PI=%.15f M_E=%.15f sin(M_PI/6)=%.15f cos(M_PI/3)=%.15f\n", M_PI, M_E, sin(M_PI / 6), cos(M_PI / 3));
	return 0;
}
