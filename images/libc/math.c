/* math.c: <math.h> on the x87. Each function loads its argument, runs the x87
 * instruction that does the work in 80-bit extended precision, and returns it rounded
 * to double. The special cases C99's Annex F lists (pow(x, 0) = 1, log(0) = -inf ...)
 * are handled here where the instructions do not give them by themselves. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---- rounding to an integer: frndint in a chosen rounding mode ---- */

#define RC_NEAREST 0x000
#define RC_DOWN 0x400
#define RC_UP 0x800
#define RC_ZERO 0xc00

static long double round_mode(long double x, unsigned short rc)
{
	unsigned short cw, tmp;
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	tmp = (unsigned short)((cw & ~0xc00) | rc);
	__asm__ volatile("fldcw %0" : : "m"(tmp));
	__asm__ volatile("frndint" : "+t"(x));
	__asm__ volatile("fldcw %0" : : "m"(cw));
	return x;
}

double fabs(double x) { return __builtin_fabs(x); }
double floor(double x) { return (double)round_mode(x, RC_DOWN); }
double ceil(double x) { return (double)round_mode(x, RC_UP); }
double trunc(double x) { return (double)round_mode(x, RC_ZERO); }

/* Halfway cases away from zero. x - trunc(x) is exact. */
double round(double x)
{
	long double t = round_mode(x, RC_ZERO);
	if (x - t >= 0.5L)
		t += 1;
	else if (t - x >= 0.5L)
		t -= 1;
	return (double)t;
}

double rint(double x)
{
	long double r = x;
	__asm__ volatile("frndint" : "+t"(r)); /* the current mode: to nearest, ties even */
	return (double)r;
}

double nearbyint(double x) { return rint(x); }
long lround(double x) { return (long)round(x); }
long lrint(double x) { return (long)rint(x); }
long long llround(double x) { return (long long)round(x); }

double modf(double x, double *ip)
{
	double t = trunc(x);
	*ip = t;
	if (isinf(x))
		return copysign(0.0, x);
	return copysign(x - t, x);
}

/* fprem until the reduction is complete (C2 clear): the exact remainder with the sign
 * of x, as fmod wants. */
double fmod(double x, double y)
{
	long double r;
	__asm__ volatile("1: fprem\n\t"
	                 "fnstsw %%ax\n\t"
	                 "testw $0x400, %%ax\n\t"
	                 "jnz 1b"
	                 : "=t"(r) : "0"((long double)x), "u"((long double)y) : "ax", "cc");
	return (double)r;
}

double remainder(double x, double y)
{
	long double r;
	__asm__ volatile("1: fprem1\n\t"
	                 "fnstsw %%ax\n\t"
	                 "testw $0x400, %%ax\n\t"
	                 "jnz 1b"
	                 : "=t"(r) : "0"((long double)x), "u"((long double)y) : "ax", "cc");
	return (double)r;
}

double frexp(double x, int *exp)
{
	*exp = 0;
	if (x == 0 || isnan(x) || isinf(x))
		return x;
	uint64_t bits;
	memcpy(&bits, &x, 8);
	int e = (int)(bits >> 52) & 0x7ff;
	if (e == 0) { /* subnormal: scale into the normal range first */
		x *= 0x1p64;
		memcpy(&bits, &x, 8);
		e = (int)(bits >> 52) & 0x7ff;
		*exp = -64;
	}
	*exp += e - 1022;
	bits = (bits & ~(0x7ffULL << 52)) | (1022ULL << 52); /* into [0.5, 1) */
	memcpy(&x, &bits, 8);
	return x;
}

double ldexp(double x, int exp)
{
	long double r = x, n = exp;
	__asm__ volatile("fscale" : "+t"(r) : "u"(n));
	return (double)r;
}

double scalbn(double x, int exp) { return ldexp(x, exp); }
double copysign(double x, double y) { return signbit(y) ? -__builtin_fabs(x) : __builtin_fabs(x); }
double nan(const char *tag) { (void)tag; return NAN; }
double fmin(double x, double y) { return isnan(x) ? y : isnan(y) ? x : x < y ? x : y; }
double fmax(double x, double y) { return isnan(x) ? y : isnan(y) ? x : x > y ? x : y; }
double fdim(double x, double y) { return isnan(x) || isnan(y) ? x + y : x > y ? x - y : 0; }
/* The product is exact in long double only up to 64 bits: close to, not exactly, a
 * fused multiply-add. */
double fma(double x, double y, double z) { return (double)((long double)x * y + z); }

/* ---- roots, powers, exponentials and logarithms ---- */

static long double sqrt_x87(long double x)
{
	__asm__("fsqrt" : "+t"(x));
	return x;
}

double sqrt(double x)
{
	if (x < 0)
		errno = EDOM;
	return (double)sqrt_x87(x);
}

double hypot(double x, double y)
{
	if (isinf(x) || isinf(y))
		return INFINITY;
	long double a = x, b = y; /* no overflow: long double's range is far wider */
	return (double)sqrt_x87(a * a + b * b);
}

/* 2^t for any finite t: fscale by the integer part, f2xm1 (|f| <= 1) for the rest. */
static long double exp2_x87(long double t)
{
	if (isinf(t))
		return t > 0 ? t : 0;
	long double i = round_mode(t, RC_NEAREST), f = t - i;
	__asm__("f2xm1" : "+t"(f));
	f += 1;
	__asm__("fscale" : "+t"(f) : "u"(i));
	return f;
}

/* y * log2(x) (x > 0) with fyl2x. */
static long double ylog2x(long double y, long double x)
{
	long double r;
	__asm__("fyl2x" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
	return r;
}

static long double log2e(void)
{
	long double r;
	__asm__("fldl2e" : "=t"(r));
	return r;
}

double exp(double x)
{
	if (isnan(x))
		return x;
	return (double)exp2_x87(x * log2e());
}

double exp2(double x)
{
	if (isnan(x))
		return x;
	return (double)exp2_x87(x);
}

/* e^x - 1 without the cancellation for small x: for |x| < 1/2 its Taylor series (until
 * the terms vanish in long double), not f2xm1, because emulated x87s (QEMU before 6.0,
 * which Unicorn is) compute f2xm1(t) as pow(2, t) - 1 in double and lose the digits
 * the subtraction cancels. */
static long double expm1_x87(long double x)
{
	if (__builtin_fabsl(x) < 0.5L) {
		long double sum = x, term = x;
		for (int n = 2; n < 40 && term != 0; n++) {
			term *= x / n;
			sum += term;
		}
		return sum;
	}
	return exp2_x87(x * log2e()) - 1;
}

double expm1(double x)
{
	if (isnan(x))
		return x;
	return (double)expm1_x87(x);
}

/* The x87's answer to an invalid operation: the default NaN, whose sign bit is set
 * (glibc's log(-1) prints as -nan for that reason). */
static double invalid(void)
{
	volatile double zero = 0;
	return zero / zero;
}

/* ln(1 + x) for |x| < 0.3 as 2 atanh(x / (2 + x)) = 2 (s + s^3/3 + s^5/5 + ...):
 * |s| < 0.18, so 20 terms reach long double's precision, with no fyl2x (which the
 * same emulators compute in double, losing the digits near 1). */
static long double log1p_series(long double x)
{
	long double s = x / (2 + x), s2 = s * s, term = s, sum = s;
	for (int k = 3; k < 60 && term != 0; k += 2) {
		term *= s2;
		sum += term / k;
	}
	return 2 * sum;
}

/* log base b of x, with ln(2)/log2(b) (fldln2, fldlg2 or 1) as the scale. */
static double log_scaled(double x, long double scale)
{
	if (isnan(x))
		return x;
	if (x < 0) {
		errno = EDOM;
		return invalid();
	}
	if (x == 0) {
		errno = ERANGE;
		return -HUGE_VAL;
	}
	if (isinf(x))
		return x;
	return (double)ylog2x(scale, x);
}

double log(double x)
{
	long double ln2;
	if (x > 0.75 && x < 1.3)
		return (double)log1p_series((long double)x - 1); /* x - 1 is exact here */
	__asm__("fldln2" : "=t"(ln2));
	return log_scaled(x, ln2);
}

double log10(double x)
{
	long double lg2;
	__asm__("fldlg2" : "=t"(lg2));
	if (x < 0) { /* glibc's log10 gives a positive NaN here */
		errno = EDOM;
		return NAN;
	}
	return log_scaled(x, lg2);
}

double log2(double x) { return log_scaled(x, 1); }

double log1p(double x)
{
	if (x > -0.3 && x < 0.3)
		return (double)log1p_series(x);
	return log(1 + (long double)x);
}

double cbrt(double x)
{
	if (x == 0 || isnan(x) || isinf(x))
		return x;
	long double a = __builtin_fabsl(x);
	long double r = exp2_x87(ylog2x(1.0L / 3, a));
	r -= (r * r * r - a) / (3 * r * r); /* one Newton step: exact cubes come out exact */
	return (double)(x < 0 ? -r : r);
}

static int is_integer(double y) { return trunc(y) == y; }
static int is_odd_integer(double y) { return is_integer(y) && fmod(y, 2.0) != 0; }

double pow(double x, double y)
{
	if (y == 0 || x == 1)
		return 1;
	if (isnan(x) || isnan(y))
		return x + y;
	if (isinf(y)) {
		double ax = __builtin_fabs(x);
		if (ax == 1)
			return 1;
		return (ax > 1) == (y > 0) ? INFINITY : 0;
	}
	if (x == 0 || isinf(x)) {
		/* 0^y and inf^y: a zero or an infinity, negative for an odd integer y */
		int odd = signbit(x) && is_odd_integer(y);
		double r = (x == 0) == (y < 0) ? INFINITY : 0;
		return odd ? -r : r;
	}
	if (x < 0 && !is_integer(y)) {
		errno = EDOM;
		return invalid();
	}
	long double r;
	if (is_integer(y) && __builtin_fabs(y) <= 65536) {
		/* Repeated squaring in long double: exact while the result fits 64 bits. */
		unsigned n = (unsigned)__builtin_fabs(y);
		long double b = x;
		for (r = 1; n; n >>= 1, b *= b)
			if (n & 1)
				r *= b;
		if (y < 0)
			r = 1 / r;
	} else {
		r = exp2_x87(ylog2x(y, __builtin_fabsl(x)));
		if (x < 0 && is_odd_integer(y))
			r = -r;
	}
	return (double)r;
}

/* ---- trigonometry ---- */

/* fsin, fcos and fptan take |x| < 2^63; past that (C2 set) reduce modulo 2*pi first. */
#define TRIG(insn, x)                                                       \
	__asm__(insn "\n\t"                                                 \
	        "fnstsw %%ax\n\t"                                           \
	        "testw $0x400, %%ax\n\t"                                    \
	        "jz 2f\n\t"                                                 \
	        "fldpi\n\t"                                                 \
	        "fadd %%st(0)\n\t"                                          \
	        "fxch %%st(1)\n"                                            \
	        "1:\tfprem1\n\t"                                            \
	        "fnstsw %%ax\n\t"                                           \
	        "testw $0x400, %%ax\n\t"                                    \
	        "jnz 1b\n\t"                                                \
	        "fstp %%st(1)\n\t" insn "\n"                                \
	        "2:"                                                        \
	        : "+t"(x) : : "ax", "cc")

double sin(double x)
{
	long double r = x;
	if (isinf(x))
		return NAN;
	TRIG("fsin", r);
	return (double)r;
}

double cos(double x)
{
	long double r = x;
	if (isinf(x))
		return NAN;
	TRIG("fcos", r);
	return (double)r;
}

double tan(double x)
{
	long double r = x;
	if (isinf(x))
		return NAN;
	/* fptan leaves tan(x) below a pushed 1.0: pop the 1.0. */
	TRIG("fptan\n\tfstp %%st(0)", r);
	return (double)r;
}

static long double atan2_x87(long double y, long double x)
{
	long double r;
	__asm__("fpatan" : "=t"(r) : "0"(x), "u"(y) : "st(1)");
	return r;
}

double atan2(double y, double x) { return (double)atan2_x87(y, x); }
double atan(double x) { return (double)atan2_x87(x, 1); }

double asin(double x)
{
	long double a = x;
	if (__builtin_fabs(x) > 1) {
		errno = EDOM;
		return NAN;
	}
	return (double)atan2_x87(a, sqrt_x87((1 - a) * (1 + a)));
}

double acos(double x)
{
	long double a = x;
	if (__builtin_fabs(x) > 1) {
		errno = EDOM;
		return NAN;
	}
	return (double)atan2_x87(sqrt_x87((1 - a) * (1 + a)), a);
}

double sinh(double x)
{
	if (isinf(x) || isnan(x))
		return x;
	long double u = expm1_x87(__builtin_fabsl(x));
	long double r = isinf(u) ? u : (u + u / (u + 1)) / 2;
	return (double)(x < 0 ? -r : r);
}

double cosh(double x)
{
	if (isnan(x))
		return x;
	long double e = exp2_x87(__builtin_fabsl(x) * log2e());
	return (double)((e + 1 / e) / 2);
}

double tanh(double x)
{
	if (isnan(x))
		return x;
	if (__builtin_fabs(x) > 40)
		return x > 0 ? 1 : -1;
	long double u = expm1_x87(2 * (long double)__builtin_fabs(x));
	long double r = u / (u + 2);
	return (double)(x < 0 ? -r : r);
}

/* ---- float and long double ---- */

float fabsf(float x) { return __builtin_fabsf(x); }
float floorf(float x) { return (float)floor(x); }
float ceilf(float x) { return (float)ceil(x); }
float truncf(float x) { return (float)trunc(x); }
float roundf(float x) { return (float)round(x); }
float fmodf(float x, float y) { return (float)fmod(x, y); }
float sqrtf(float x) { return (float)sqrt(x); }
float powf(float x, float y) { return (float)pow(x, y); }
float expf(float x) { return (float)exp(x); }
float logf(float x) { return (float)log(x); }
float log10f(float x) { return (float)log10(x); }
float sinf(float x) { return (float)sin(x); }
float cosf(float x) { return (float)cos(x); }
float tanf(float x) { return (float)tan(x); }
float atanf(float x) { return (float)atan(x); }
float atan2f(float y, float x) { return (float)atan2(y, x); }

long double fabsl(long double x) { return __builtin_fabsl(x); }
long double sqrtl(long double x) { return sqrt_x87(x); }
