/* printf_fp.c: the floating-point conversions of printf (%f %F %e %E %g %G, with L for
 * long double), correctly rounded like glibc's.
 *
 * The value m * 2^e2 (m the 64-bit significand, read from the bits: no FPU arithmetic)
 * is expanded exactly into a big decimal integer N with value = N * 10^q: N = m * 2^e2
 * (q = 0) when e2 >= 0, else N = m * 5^-e2 (q = e2, as 2^-k = 5^k / 10^k). N lives in
 * base-10^9 limbs. Rounding looks at the exact digits: ties go to the even digit, as
 * glibc does in the default rounding mode. The largest N (a long double subnormal,
 * m * 5^16445) has about 11,500 digits: 1,290 limbs, 5 KiB of stack. */
#include <stdint.h>
#include <string.h>

#include "internal.h"

#define BILLION 1000000000u
#define MAX_LIMBS 1290

struct decimal {
	uint32_t limb[MAX_LIMBS]; /* little-endian, each < 10^9 */
	int n;                    /* limbs in use; 0 for the value zero */
	int ndigits;              /* digits of N */
	int exp10;                /* value = 0.d0 d1 d2 ... * 10^exp10 */
};

static const uint32_t pow10_table[10] = { 1, 10, 100, 1000, 10000, 100000, 1000000,
	                                  10000000, 100000000, 1000000000 };

static void mul_small(struct decimal *d, uint32_t mul)
{
	uint32_t carry = 0;
	for (int i = 0; i < d->n; i++) {
		uint64_t t = (uint64_t)d->limb[i] * mul + carry;
		d->limb[i] = (uint32_t)(t % BILLION);
		carry = (uint32_t)(t / BILLION);
	}
	while (carry) { /* up to 2^31 * 10^9 / 10^9: may need two new limbs */
		d->limb[d->n++] = carry % BILLION;
		carry /= BILLION;
	}
}

static void expand(struct decimal *d, uint64_t m, int e2)
{
	d->n = 0;
	while (m) {
		d->limb[d->n++] = (uint32_t)(m % BILLION);
		m /= BILLION;
	}
	if (d->n == 0) {
		d->ndigits = 0;
		d->exp10 = 1;
		return;
	}
	for (int k = e2; k > 0; k -= 29)
		mul_small(d, 1u << (k < 29 ? k : 29));
	for (int k = -e2; k > 0; k -= 13) {
		uint32_t p5 = 1;
		for (int i = 0; i < (k < 13 ? k : 13); i++)
			p5 *= 5;
		mul_small(d, p5);
	}
	int top = 1;
	while (top < 10 && d->limb[d->n - 1] >= pow10_table[top])
		top++;
	d->ndigits = 9 * (d->n - 1) + top;
	d->exp10 = d->ndigits + (e2 < 0 ? e2 : 0);
}

/* Digit i of N, 0 the most significant; 0 past the end. */
static int digit(const struct decimal *d, int i)
{
	int p = d->ndigits - 1 - i; /* position from the least significant digit */
	if (i < 0 || p < 0)
		return 0;
	return (int)(d->limb[p / 9] / pow10_table[p % 9] % 10);
}

/* Is any digit from index i on nonzero? */
static int nonzero_from(const struct decimal *d, int i)
{
	int p = d->ndigits - 1 - i;
	if (p < 0)
		return 0;
	if (i <= 0)
		return d->n > 0;
	if (d->limb[p / 9] % pow10_table[p % 9 + 1])
		return 1;
	for (int j = p / 9 - 1; j >= 0; j--)
		if (d->limb[j])
			return 1;
	return 0;
}

/* The value rounded to its first `keep` digits (which may be <= 0: then everything is
 * rounded away). rounded_digit reads the result; exp10 is the result's exponent. */
struct rounded {
	const struct decimal *d;
	int keep;
	int up;    /* add one in the last kept place ... */
	int stop;  /* ... which turns digit `stop` up by one and the nines after it to 0 */
	int one;   /* all nines carried out: the result is 1 * 10^exp10 */
	int zero;  /* nothing left */
	int exp10;
};

static void round_to(struct rounded *r, const struct decimal *d, int keep)
{
	r->d = d;
	r->keep = keep;
	r->up = r->one = r->zero = 0;
	r->stop = -1;
	r->exp10 = d->exp10;
	if (d->n == 0 || keep < 0) {
		r->zero = 1;
		return;
	}
	if (keep >= d->ndigits)
		return;
	int next = digit(d, keep);
	r->up = next > 5 ||
	        (next == 5 && (nonzero_from(d, keep + 1) || (keep > 0 && digit(d, keep - 1) % 2)));
	if (!r->up) {
		r->zero = keep == 0;
		return;
	}
	r->stop = keep - 1;
	while (r->stop >= 0 && digit(d, r->stop) == 9)
		r->stop--;
	if (r->stop < 0) {
		r->one = 1;
		r->exp10++;
	}
}

static int rounded_digit(const struct rounded *r, int i)
{
	if (r->zero || i < 0)
		return 0;
	if (r->one)
		return i == 0;
	if (i >= r->keep)
		return 0;
	if (!r->up || i < r->stop)
		return digit(r->d, i);
	return i == r->stop ? digit(r->d, i) + 1 : 0;
}

/* Output through the caller's emit, in small chunks. */
struct out {
	void (*emit)(void *ctx, const char *p, size_t n);
	void *ctx;
	char buf[64];
	size_t fill;
};

static void put(struct out *o, char c)
{
	o->buf[o->fill++] = c;
	if (o->fill == sizeof(o->buf)) {
		o->emit(o->ctx, o->buf, o->fill);
		o->fill = 0;
	}
}

static void put_repeat(struct out *o, char c, int n)
{
	for (; n > 0; n--)
		put(o, c);
}

static void put_str(struct out *o, const char *s)
{
	while (*s)
		put(o, *s++);
}

/* Pads to the width around a body of `len` characters that starts after `sign`. */
static void pad_before(struct out *o, const struct fp_spec *sp, char sign, int len, int zeros_ok)
{
	int total = len + (sign != 0);
	if (!sp->left && !(sp->zero && zeros_ok))
		put_repeat(o, ' ', sp->width - total);
	if (sign)
		put(o, sign);
	if (!sp->left && sp->zero && zeros_ok)
		put_repeat(o, '0', sp->width - total);
}

static void pad_after(struct out *o, const struct fp_spec *sp, char sign, int len)
{
	if (sp->left)
		put_repeat(o, ' ', sp->width - len - (sign != 0));
}

static int exponent_len(int x)
{
	int n = 2; /* at least two digits, as C requires */
	for (int a = x < 0 ? -x : x; a >= 100; a /= 10)
		n++;
	return 2 + n;
}

static void put_exponent(struct out *o, char e, int x)
{
	char digits[8];
	int n = 0;
	put(o, e);
	put(o, x < 0 ? '-' : '+');
	for (unsigned a = (unsigned)(x < 0 ? -x : x); a || n < 2; a /= 10)
		digits[n++] = (char)('0' + a % 10);
	while (n)
		put(o, digits[--n]);
}

/* f style: every digit of the integer part, then `frac` digits after the point. */
static void style_f(struct out *o, const struct fp_spec *sp, char sign, const struct rounded *r,
                    int frac)
{
	int int_digits = r->exp10 > 0 ? r->exp10 : 1;
	int point = frac > 0 || sp->alt;
	int len = int_digits + point + frac;
	pad_before(o, sp, sign, len, 1);
	if (r->exp10 > 0)
		for (int i = 0; i < r->exp10; i++)
			put(o, (char)('0' + rounded_digit(r, i)));
	else
		put(o, '0');
	if (point)
		put(o, '.');
	for (int j = 0; j < frac; j++)
		put(o, (char)('0' + rounded_digit(r, r->exp10 + j)));
	pad_after(o, sp, sign, len);
}

/* e style: one digit, the point, `frac` digits, the exponent. */
static void style_e(struct out *o, const struct fp_spec *sp, char sign, const struct rounded *r,
                    int frac, int upper)
{
	int x = r->zero ? 0 : r->exp10 - 1;
	int point = frac > 0 || sp->alt;
	int len = 1 + point + frac + exponent_len(x);
	pad_before(o, sp, sign, len, 1);
	put(o, (char)('0' + rounded_digit(r, 0)));
	if (point)
		put(o, '.');
	for (int j = 1; j <= frac; j++)
		put(o, (char)('0' + rounded_digit(r, j)));
	put_exponent(o, upper ? 'E' : 'e', x);
	pad_after(o, sp, sign, len);
}

void __format_fp(const struct fp_value *v, const struct fp_spec *sp,
                 void (*emit)(void *ctx, const char *p, size_t n), void *ctx)
{
	struct out o = { emit, ctx, { 0 }, 0 };
	char conv = sp->conv;
	int upper = conv == 'F' || conv == 'E' || conv == 'G';
	char sign = v->negative ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;

	if (v->inf || v->nan) {
		const char *text = v->nan ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
		pad_before(&o, sp, sign, 3, 0);
		put_str(&o, text);
		pad_after(&o, sp, sign, 3);
	} else {
		struct decimal d;
		struct rounded r;
		int p = sp->precision < 0 ? 6 : sp->precision;
		expand(&d, v->mantissa, v->exp2);
		if (conv == 'f' || conv == 'F') {
			round_to(&r, &d, d.exp10 + p);
			style_f(&o, sp, sign, &r, p);
		} else if (conv == 'e' || conv == 'E') {
			round_to(&r, &d, p + 1);
			style_e(&o, sp, sign, &r, p, upper);
		} else { /* g G: P significant digits, style by the exponent X */
			if (p == 0)
				p = 1;
			round_to(&r, &d, p);
			int x = r.zero ? 0 : r.exp10 - 1;
			int f_style = p > x && x >= -4;
			int frac = f_style ? p - 1 - x : p - 1;
			if (!sp->alt) { /* drop trailing zeros (and then the point) */
				int first = f_style ? r.exp10 : 1; /* index of the first fraction digit */
				while (frac > 0 && rounded_digit(&r, first + frac - 1) == 0)
					frac--;
			}
			if (f_style)
				style_f(&o, sp, sign, &r, frac);
			else
				style_e(&o, sp, sign, &r, frac, upper);
		}
	}
	if (o.fill)
		emit(ctx, o.buf, o.fill);
}

void __fp_from_double(struct fp_value *v, double x)
{
	uint64_t bits;
	memcpy(&bits, &x, sizeof(bits));
	uint64_t frac = bits & ((1ULL << 52) - 1);
	int biased = (int)(bits >> 52) & 0x7ff;
	v->negative = (int)(bits >> 63);
	v->inf = biased == 0x7ff && frac == 0;
	v->nan = biased == 0x7ff && frac != 0;
	v->mantissa = biased ? frac | 1ULL << 52 : frac;
	v->exp2 = (biased ? biased : 1) - 1075;
}

void __fp_from_long_double(struct fp_value *v, long double x)
{
	struct {
		uint64_t mantissa;
		uint16_t sign_exp;
	} bits;
	memcpy(&bits, &x, 10);
	int biased = bits.sign_exp & 0x7fff;
	v->negative = bits.sign_exp >> 15;
	/* All ones in the exponent: infinity with only the integer bit, else NaN (the
	 * x87's pseudo-infinities and pseudo-NaNs print as nan, as glibc's do). */
	v->inf = biased == 0x7fff && bits.mantissa == 1ULL << 63;
	v->nan = biased == 0x7fff && bits.mantissa != 1ULL << 63;
	v->mantissa = bits.mantissa;
	v->exp2 = (biased ? biased : 1) - 16383 - 63;
}
