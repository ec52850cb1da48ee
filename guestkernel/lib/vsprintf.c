/*
 * lib/vsprintf.c - a small vsnprintf.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%.
 * Flags: - 0 + space #.  Width and precision: digits or *.  Lengths: hh h l ll z t.
 * Like C's: returns the length the full output would have, writes at most size - 1
 * characters and a NUL.
 */
#include <linux/kernel.h>
#include <linux/string.h>

#define F_LEFT    0x01
#define F_ZEROPAD 0x02
#define F_PLUS    0x04
#define F_SPACE   0x08
#define F_SPECIAL 0x10   /* '#' */
#define F_UPPER   0x20

struct out {
	char *buf;
	size_t size;
	size_t len;          /* characters produced so far, stored or not */
};

struct spec {
	unsigned int flags;
	int width;
	int precision;       /* -1: not given */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_number(struct out *o, unsigned long long num, unsigned int base, bool negative,
		       const struct spec *s)
{
	const char *digits = (s->flags & F_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	const char *prefix = "";
	char sign = 0;
	int n = 0, prec, total;

	/* 32-bit values avoid libgcc's 64-bit division. */
	if (num <= 0xffffffffu) {
		unsigned long v = (unsigned long)num;
		while (v) {
			tmp[n++] = digits[v % base];
			v /= base;
		}
	} else {
		while (num) {
			tmp[n++] = digits[num % base];
			num /= base;
		}
	}
	if (n == 0 && s->precision != 0)
		tmp[n++] = '0';

	if (negative)
		sign = '-';
	else if (s->flags & F_PLUS)
		sign = '+';
	else if (s->flags & F_SPACE)
		sign = ' ';

	if ((s->flags & F_SPECIAL) && !(n == 1 && tmp[0] == '0')) {
		if (base == 16)
			prefix = (s->flags & F_UPPER) ? "0X" : "0x";
		else if (base == 8)
			prefix = "0";
	}

	prec = s->precision > n ? s->precision : n;
	total = (sign ? 1 : 0) + (int)strlen(prefix) + prec;

	if (!(s->flags & F_LEFT) && !((s->flags & F_ZEROPAD) && s->precision < 0))
		pad(o, ' ', s->width - total);
	if (sign)
		put(o, sign);
	while (*prefix)
		put(o, *prefix++);
	if (!(s->flags & F_LEFT) && (s->flags & F_ZEROPAD) && s->precision < 0)
		pad(o, '0', s->width - total);
	pad(o, '0', prec - n);
	while (n)
		put(o, tmp[--n]);
	if (s->flags & F_LEFT)
		pad(o, ' ', s->width - total);
}

static void put_string(struct out *o, const char *str, const struct spec *s)
{
	int len;

	if (!str)
		str = "(null)";
	len = (int)strnlen(str, s->precision < 0 ? (size_t)-1 : (size_t)s->precision);
	if (!(s->flags & F_LEFT))
		pad(o, ' ', s->width - len);
	for (int i = 0; i < len; i++)
		put(o, str[i]);
	if (s->flags & F_LEFT)
		pad(o, ' ', s->width - len);
}

static int parse_int(const char **fmt)
{
	int v = 0;

	while (**fmt >= '0' && **fmt <= '9')
		v = v * 10 + (*(*fmt)++ - '0');
	return v;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		struct spec s = { 0, 0, -1 };
		int length = 0;   /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
		unsigned long long num;
		bool negative = false;
		unsigned int base = 10;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;

		for (;; fmt++) {
			if (*fmt == '-')      s.flags |= F_LEFT;
			else if (*fmt == '0') s.flags |= F_ZEROPAD;
			else if (*fmt == '+') s.flags |= F_PLUS;
			else if (*fmt == ' ') s.flags |= F_SPACE;
			else if (*fmt == '#') s.flags |= F_SPECIAL;
			else break;
		}

		if (*fmt == '*') {
			s.width = va_arg(args, int);
			if (s.width < 0) {
				s.flags |= F_LEFT;
				s.width = -s.width;
			}
			fmt++;
		} else {
			s.width = parse_int(&fmt);
		}

		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				s.precision = va_arg(args, int);
				fmt++;
			} else {
				s.precision = parse_int(&fmt);
			}
			if (s.precision < 0)
				s.precision = -1;
		}

		for (;; fmt++) {
			if (*fmt == 'h')                  length = length == -1 ? -2 : -1;
			else if (*fmt == 'l')             length = length == 1 ? 2 : 1;
			else if (*fmt == 'z' || *fmt == 't') length = 1;   /* size_t, ptrdiff_t: 32-bit */
			else break;
		}

		switch (*fmt) {
		case '%':
			put(&o, '%');
			continue;
		case 'c':
			pad(&o, ' ', (s.flags & F_LEFT) ? 0 : s.width - 1);
			put(&o, (char)va_arg(args, int));
			pad(&o, ' ', (s.flags & F_LEFT) ? s.width - 1 : 0);
			continue;
		case 's':
			put_string(&o, va_arg(args, const char *), &s);
			continue;
		case 'p':
			s.flags |= F_SPECIAL | F_ZEROPAD;
			s.width = 10;
			s.precision = -1;
			put_number(&o, (unsigned long)va_arg(args, void *), 16, false, &s);
			continue;
		case 'd':
		case 'i': {
			long long v;
			if (length == 2)
				v = va_arg(args, long long);
			else if (length == 1)
				v = va_arg(args, long);
			else
				v = va_arg(args, int);
			if (length == -1)
				v = (short)v;
			else if (length == -2)
				v = (signed char)v;
			negative = v < 0;
			num = negative ? 0ull - (unsigned long long)v : (unsigned long long)v;
			put_number(&o, num, 10, negative, &s);
			continue;
		}
		case 'X':
			s.flags |= F_UPPER;
			/* fall through */
		case 'x':
			base = 16;
			break;
		case 'o':
			base = 8;
			break;
		case 'u':
			break;
		case '\0':
			fmt--;    /* a lone '%' at the end */
			continue;
		default:      /* unknown: print it as it was */
			put(&o, '%');
			put(&o, *fmt);
			continue;
		}

		/* unsigned conversions */
		if (length == 2)
			num = va_arg(args, unsigned long long);
		else if (length == 1)
			num = va_arg(args, unsigned long);
		else
			num = va_arg(args, unsigned int);
		if (length == -1)
			num = (unsigned short)num;
		else if (length == -2)
			num = (unsigned char)num;
		put_number(&o, num, base, false, &s);
	}

	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(buf, size, fmt, args);
	va_end(args);
	return n;
}
