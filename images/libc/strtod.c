/* strtod.c: strtod, strtof, atof, correctly rounded (ties to even) like glibc's.
 *
 * The decimal string is read as D * 10^x with up to 800 significant digits (more are
 * folded into a "sticky" bit, enough for exact halfway decisions: a double's halfway
 * points have at most 767 significant digits). Then, in big binary integers:
 *   x >= 0: the value D * 10^x is an integer; its top 64 bits are the significand.
 *   x < 0:  D / 10^-x = (D * 2^s / 5^-x) * 2^(-s+x): a long division gives a 64-66 bit
 *           quotient, and a nonzero remainder sets the sticky bit.
 * A 64-bit significand with its sticky bit is then rounded once to the target's width
 * (53 or 24 bits, fewer for subnormals). Hexadecimal input (0x1.8p3), inf, infinity,
 * nan and nan(...) are read as C says. strtold is not provided (its 64-bit significand
 * would need a wider intermediate). */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIGITS 800
#define WORDS 128 /* 4096 bits: D (< 2^2658) shifted past 5^1130 (< 2^2624) */

struct big {
	uint32_t w[WORDS]; /* little-endian */
	int n;             /* words in use, no leading zero word */
};

static void big_trim(struct big *a)
{
	while (a->n > 0 && a->w[a->n - 1] == 0)
		a->n--;
}

static void big_mul_add(struct big *a, uint32_t mul, uint32_t add)
{
	uint32_t carry = add;
	for (int i = 0; i < a->n; i++) {
		uint64_t t = (uint64_t)a->w[i] * mul + carry;
		a->w[i] = (uint32_t)t;
		carry = (uint32_t)(t >> 32);
	}
	if (carry && a->n < WORDS)
		a->w[a->n++] = carry;
}

static int big_bits(const struct big *a)
{
	if (a->n == 0)
		return 0;
	return 32 * (a->n - 1) + 32 - __builtin_clz(a->w[a->n - 1]);
}

static void big_shl(struct big *a, int bits)
{
	int words = bits / 32, b = bits % 32;
	if (a->n == 0 || bits <= 0)
		return;
	int n = a->n + words + 1;
	if (n > WORDS)
		n = WORDS;
	for (int i = n - 1; i >= 0; i--) {
		int src = i - words;
		uint32_t hi = src >= 0 && src < a->n ? a->w[src] : 0;
		uint32_t lo = src - 1 >= 0 && src - 1 < a->n ? a->w[src - 1] : 0;
		a->w[i] = b ? (hi << b) | (lo >> (32 - b)) : hi;
	}
	a->n = n;
	big_trim(a);
}

static void big_shr1(struct big *a)
{
	for (int i = 0; i < a->n; i++)
		a->w[i] = (a->w[i] >> 1) | (i + 1 < a->n ? a->w[i + 1] << 31 : 0);
	big_trim(a);
}

static int big_cmp(const struct big *a, const struct big *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (int i = a->n - 1; i >= 0; i--)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

static void big_sub(struct big *a, const struct big *b) /* a >= b */
{
	uint32_t borrow = 0;
	for (int i = 0; i < a->n; i++) {
		uint64_t t = (uint64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;
		a->w[i] = (uint32_t)t;
		borrow = (uint32_t)(t >> 63);
	}
	big_trim(a);
}

/* Bits [from, from + 64) of a (from may be negative: zeros below bit 0). */
static uint64_t big_bits64(const struct big *a, int from)
{
	uint64_t r = 0;
	for (int i = 63; i >= 0; i--) {
		int bit = from + i;
		r <<= 1;
		if (bit >= 0 && bit / 32 < a->n)
			r |= (a->w[bit / 32] >> (bit % 32)) & 1;
	}
	return r;
}

static int big_any_below(const struct big *a, int bit)
{
	for (int i = 0; i < bit && i / 32 < a->n; i++)
		if ((a->w[i / 32] >> (i % 32)) & 1)
			return 1;
	return 0;
}

/* The number being converted: q * 2^e2 (q's top bit set) plus a sticky bit for what
 * lies below q's last bit. */
struct binary {
	uint64_t q;
	int e2;
	int sticky;
};

/* Normalizes v to the top bit of q. */
static void normalize(struct binary *v)
{
	while (!(v->q >> 63)) {
		v->q <<= 1;
		v->e2--;
	}
}

static void decimal_to_binary(struct binary *v, const char *digits, int nd, int x, int sticky)
{
	struct big a = { { 0 }, 0 };
	for (int i = 0; i < nd; i++) {
		if (a.n == 0) {
			a.w[0] = (uint32_t)(digits[i] - '0');
			a.n = a.w[0] != 0;
		} else {
			big_mul_add(&a, 10, (uint32_t)(digits[i] - '0'));
		}
	}
	if (x >= 0) {
		for (; x > 0; x--)
			big_mul_add(&a, 10, 0);
		int bits = big_bits(&a);
		v->q = big_bits64(&a, bits - 64);
		v->e2 = bits - 64;
		v->sticky = sticky || big_any_below(&a, bits - 64);
		return;
	}
	struct big b = { { 1 }, 1 };
	for (int m = -x; m > 0; m -= 13) { /* b = 5^-x, 5^13 at a time */
		uint32_t p5 = 1;
		for (int i = 0; i < (m < 13 ? m : 13); i++)
			p5 *= 5;
		big_mul_add(&b, p5, 0);
	}
	/* a * 2^s / b lies in (2^64, 2^66) */
	int s = 65 + big_bits(&b) - big_bits(&a);
	if (s > 0)
		big_shl(&a, s);
	else
		big_shl(&b, -s);
	/* Restoring division: a / b has at most 66 bits. */
	big_shl(&b, 65);
	uint32_t quot[3] = { 0, 0, 0 };
	for (int i = 65; i >= 0; i--) {
		if (big_cmp(&a, &b) >= 0) {
			big_sub(&a, &b);
			quot[i / 32] |= 1u << (i % 32);
		}
		big_shr1(&b);
	}
	int drop = 32 - __builtin_clz(quot[2]); /* 1 or 2 bits below a 64-bit q */
	uint64_t lo = quot[0] | (uint64_t)quot[1] << 32;
	v->q = (lo >> drop) | (drop ? (uint64_t)quot[2] << (64 - drop) : 0);
	v->sticky = sticky || a.n != 0 || (lo & ((1ULL << drop) - 1));
	v->e2 = drop - s + x;
}

/* Does v, rounded to nearest with `mant` bits, become the next power of two? */
static int rounds_to_next_power(const struct binary *v, int mant)
{
	int shift = 64 - mant;
	uint64_t kept = v->q >> shift;
	uint64_t half = (v->q >> (shift - 1)) & 1;
	uint64_t rest = (v->q & ((1ULL << (shift - 1)) - 1)) | (uint64_t)v->sticky;
	return kept == (1ULL << mant) - 1 && half && (rest || (kept & 1));
}

/* Rounds v to a binary format with `mant` significand bits (the leading one
 * included), exponents emin..emax, and returns its bit pattern without the sign. */
static uint64_t round_binary(const struct binary *v, int mant, int emin, int emax, int *range_error)
{
	int x = v->e2 + 63; /* the value is 1.xxx * 2^x */
	int frac_bits = mant - 1;
	uint64_t inf = (uint64_t)(emax + emax + 1) << frac_bits; /* all-ones exponent */

	int bits = x >= emin ? mant : mant - (emin - x); /* significand bits that fit */
	int shift = 64 - bits;
	uint64_t kept, half, rest;
	if (shift > 64) {
		*range_error = 1;
		return 0;
	}
	if (shift == 64) {
		kept = 0;
		half = v->q >> 63;
		rest = (v->q << 1) | (uint64_t)v->sticky;
	} else {
		kept = v->q >> shift;
		half = (v->q >> (shift - 1)) & 1;
		rest = (v->q & ((1ULL << (shift - 1)) - 1)) | (uint64_t)v->sticky;
	}
	if (half && (rest || (kept & 1)))
		kept++;
	if (x < emin) { /* subnormal: the pattern is the significand (2^frac_bits: the smallest normal) */
		/* Underflow: inexact and tiny, which (as on x86) is judged after rounding to
		 * `mant` bits with an unbounded exponent: just below 2^emin it may round up to
		 * 2^emin and not be tiny. */
		if ((half || rest) && !(x == emin - 1 && rounds_to_next_power(v, mant)))
			*range_error = 1;
		return kept;
	}
	if (kept >> mant) { /* carried into a new bit */
		kept >>= 1;
		x++;
	}
	if (x > emax) {
		*range_error = 1;
		return inf;
	}
	return (uint64_t)(x + emax) << frac_bits | (kept & ((1ULL << frac_bits) - 1));
}

enum kind { FINITE, ZERO, INFINITE, NOT_A_NUMBER };

static int match(const char *s, const char *word)
{
	size_t i = 0;
	for (; word[i]; i++)
		if (tolower((unsigned char)s[i]) != word[i])
			return 0;
	return (int)i;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parses s; returns the kind and fills v (FINITE) and *end. */
static enum kind parse(const char *s, char **end, int *negative, struct binary *v)
{
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	*negative = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	if (match(p, "inf")) {
		p += match(p, "infinity") ? 8 : 3;
		*end = (char *)p;
		return INFINITE;
	}
	if (match(p, "nan")) {
		p += 3;
		if (*p == '(') { /* nan(n-char-sequence) */
			const char *q = p + 1;
			while (isalnum((unsigned char)*q) || *q == '_')
				q++;
			if (*q == ')')
				p = q + 1;
		}
		*end = (char *)p;
		return NOT_A_NUMBER;
	}

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    (hex_value((unsigned char)p[2]) >= 0 || (p[2] == '.' && hex_value((unsigned char)p[3]) >= 0))) {
		uint64_t q = 0;
		int e2 = 0, sticky = 0, any = 0, seen_point = 0;
		for (p += 2;; p++) {
			int h = hex_value((unsigned char)*p);
			if (*p == '.' && !seen_point) {
				seen_point = 1;
				continue;
			}
			if (h < 0)
				break;
			any |= h;
			if (q >> 60) { /* full: further digits only count for the exponent and sticky */
				sticky |= h != 0;
				e2 += seen_point ? 0 : 4;
			} else {
				q = q << 4 | (uint64_t)h;
				e2 -= seen_point ? 4 : 0;
			}
		}
		if ((*p == 'p' || *p == 'P')) {
			const char *q2 = p + 1;
			int eneg = *q2 == '-';
			if (*q2 == '-' || *q2 == '+')
				q2++;
			if (isdigit((unsigned char)*q2)) {
				long ex = 0;
				for (; isdigit((unsigned char)*q2); q2++)
					if (ex < 100000)
						ex = ex * 10 + (*q2 - '0');
				e2 += eneg ? -(int)ex : (int)ex;
				p = q2;
			}
		}
		*end = (char *)p;
		if (!any && !sticky)
			return ZERO;
		v->q = q;
		v->e2 = e2;
		v->sticky = sticky;
		normalize(v);
		return FINITE;
	}

	char digits[MAX_DIGITS];
	int nd = 0, x = 0, sticky = 0, any_digit = 0, seen_point = 0;
	for (;; p++) {
		if (*p == '.' && !seen_point) {
			seen_point = 1;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			break;
		any_digit = 1;
		if (nd == 0 && *p == '0') { /* leading zeros: only the exponent counts them */
			x -= seen_point;
			continue;
		}
		if (nd < MAX_DIGITS) {
			digits[nd++] = *p;
			x -= seen_point;
		} else {
			sticky |= *p != '0';
			x += !seen_point;
		}
	}
	if (!any_digit) {
		*end = (char *)s; /* no conversion */
		*negative = 0;
		return ZERO;
	}
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;
		int eneg = *q == '-';
		if (*q == '-' || *q == '+')
			q++;
		if (isdigit((unsigned char)*q)) {
			long ex = 0;
			for (; isdigit((unsigned char)*q); q++)
				if (ex < 100000)
					ex = ex * 10 + (*q - '0');
			x += eneg ? -(int)ex : (int)ex;
			p = q;
		}
	}
	*end = (char *)p;
	while (nd > 0 && digits[nd - 1] == '0') { /* trailing zeros: into the exponent */
		nd--;
		x++;
	}
	if (nd == 0)
		return ZERO;
	if (nd + x > 311) { /* at least 10^310: beyond every format */
		v->q = 1ULL << 63;
		v->e2 = 100000;
		v->sticky = 0;
		return FINITE;
	}
	if (nd + x < -330) { /* below 10^-330: under half the smallest subnormal */
		v->q = 1ULL << 63;
		v->e2 = -100000;
		v->sticky = 0;
		return FINITE;
	}
	decimal_to_binary(v, digits, nd, x, sticky);
	return FINITE;
}

double strtod(const char *restrict s, char **restrict end)
{
	char *e;
	int negative, range_error = 0;
	struct binary v;
	uint64_t bits;
	enum kind k = parse(s, &e, &negative, &v);
	if (end)
		*end = e;
	if (k == FINITE)
		bits = (uint64_t)negative << 63 | round_binary(&v, 53, -1022, 1023, &range_error);
	else
		bits = (uint64_t)negative << 63 |
		       (k == INFINITE ? 0x7ffULL << 52 : k == NOT_A_NUMBER ? 0x7ff8ULL << 48 : 0);
	if (range_error)
		errno = ERANGE;
	double d;
	memcpy(&d, &bits, sizeof(d));
	return d;
}

float strtof(const char *restrict s, char **restrict end)
{
	char *e;
	int negative, range_error = 0;
	struct binary v;
	uint32_t bits;
	enum kind k = parse(s, &e, &negative, &v);
	if (end)
		*end = e;
	if (k == FINITE)
		bits = (uint32_t)negative << 31 | (uint32_t)round_binary(&v, 24, -126, 127, &range_error);
	else
		bits = (uint32_t)negative << 31 |
		       (k == INFINITE ? 0xffu << 23 : k == NOT_A_NUMBER ? 0x7fc00000u : 0);
	if (range_error)
		errno = ERANGE;
	float f;
	memcpy(&f, &bits, sizeof(f));
	return f;
}

double atof(const char *s)
{
	return strtod(s, NULL);
}
