/* printf.c: the printf family. One formatter writes into a "sink": either a string
 * (snprintf: keep what fits, count everything) or a stream (collect a chunk, hand it
 * to fwrite). Conversions: d i u o x X c s p %, flags - + space # 0, width and
 * precision (also as *), length hh h l ll z j t; floating point f F e E g G (with L for
 * long double) in printf_fp.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct sink {
	char *str;         /* string sink: destination ... */
	size_t cap;        /* ... and its size including the NUL */
	FILE *file;        /* stream sink */
	char chunk[256];
	size_t fill;
	size_t count;      /* characters produced, whether stored or not */
};

static void drain(struct sink *s)
{
	if (s->fill)
		fwrite(s->chunk, 1, s->fill, s->file);
	s->fill = 0;
}

static void emit(struct sink *s, const char *p, size_t n)
{
	if (s->file) {
		while (n) {
			size_t room = sizeof(s->chunk) - s->fill;
			size_t k = n < room ? n : room;
			memcpy(s->chunk + s->fill, p, k);
			s->fill += k;
			p += k;
			n -= k;
			if (s->fill == sizeof(s->chunk))
				drain(s);
		}
	} else if (s->cap) {
		for (size_t i = 0; i < n; i++)
			if (s->count + i < s->cap - 1)
				s->str[s->count + i] = p[i];
	}
	s->count += n;
}

static void pad(struct sink *s, char c, int n)
{
	for (; n > 0; n--)
		emit(s, &c, 1);
}

struct spec {
	int left, plus, space, alt, zero; /* flags */
	int width;
	int precision; /* -1: none given */
};

/* Sign or base prefix, zeros up to the precision (or the width, with the 0 flag),
 * the digits, and spaces on the side the - flag says. */
static void put_number(struct sink *s, const struct spec *sp, unsigned long long v, int negative,
                       unsigned base, int upper)
{
	const char *digit_chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24]; /* 22 octal digits cover 64 bits */
	int nd = 0;

	if (!(v == 0 && sp->precision == 0)) /* "%.0d" of 0 prints no digits */
		do {
			digits[nd++] = digit_chars[v % base];
			v /= base;
		} while (v);

	char prefix[3];
	int np = 0;
	if (negative)
		prefix[np++] = '-';
	else if (sp->plus)
		prefix[np++] = '+';
	else if (sp->space)
		prefix[np++] = ' ';
	if (sp->alt && base == 16 && nd > 0 && !(nd == 1 && digits[0] == '0')) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}

	int zeros = sp->precision > nd ? sp->precision - nd : 0;
	if (sp->alt && base == 8 && zeros == 0 && (nd == 0 || digits[nd - 1] != '0'))
		zeros = 1; /* "%#o" always starts with a 0 */
	if (sp->zero && !sp->left && sp->precision < 0 && sp->width > np + nd + zeros)
		zeros = sp->width - np - nd;

	int total = np + zeros + nd;
	if (!sp->left)
		pad(s, ' ', sp->width - total);
	emit(s, prefix, (size_t)np);
	pad(s, '0', zeros);
	while (nd)
		emit(s, &digits[--nd], 1);
	if (sp->left)
		pad(s, ' ', sp->width - total);
}

static void put_text(struct sink *s, const struct spec *sp, const char *text, size_t n)
{
	if (!sp->left)
		pad(s, ' ', sp->width - (int)n);
	emit(s, text, n);
	if (sp->left)
		pad(s, ' ', sp->width - (int)n);
}

enum length { LEN_HH, LEN_H, LEN_INT, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T, LEN_LD };

static void emit_fp(void *ctx, const char *p, size_t n)
{
	emit(ctx, p, n);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	while (*fmt) {
		if (*fmt != '%') {
			const char *start = fmt;
			while (*fmt && *fmt != '%')
				fmt++;
			emit(s, start, (size_t)(fmt - start));
			continue;
		}
		const char *conv_start = fmt++;
		struct spec sp = { 0, 0, 0, 0, 0, 0, -1 };

		for (;; fmt++) {
			if (*fmt == '-') sp.left = 1;
			else if (*fmt == '+') sp.plus = 1;
			else if (*fmt == ' ') sp.space = 1;
			else if (*fmt == '#') sp.alt = 1;
			else if (*fmt == '0') sp.zero = 1;
			else break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) { /* a negative width means left-justify */
				sp.left = 1;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.precision = 0;
			if (*fmt == '*') {
				sp.precision = va_arg(ap, int); /* negative: as if none */
				if (sp.precision < 0)
					sp.precision = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.precision = sp.precision * 10 + (*fmt++ - '0');
			}
		}

		enum length len = LEN_INT;
		if (*fmt == 'h') {
			len = LEN_H;
			if (*++fmt == 'h') { len = LEN_HH; fmt++; }
		} else if (*fmt == 'l') {
			len = LEN_L;
			if (*++fmt == 'l') { len = LEN_LL; fmt++; }
		} else if (*fmt == 'z') { len = LEN_Z; fmt++; }
		else if (*fmt == 'j') { len = LEN_J; fmt++; }
		else if (*fmt == 't') { len = LEN_T; fmt++; }
		else if (*fmt == 'L') { len = LEN_LD; fmt++; }

		char conv = *fmt;
		if (conv)
			fmt++;
		switch (conv) {
		case 'd':
		case 'i': {
			long long v;
			switch (len) {
			case LEN_HH: v = (signed char)va_arg(ap, int); break;
			case LEN_H: v = (short)va_arg(ap, int); break;
			case LEN_L: v = va_arg(ap, long); break;
			case LEN_LL: case LEN_J: v = va_arg(ap, long long); break;
			case LEN_Z: case LEN_T: v = va_arg(ap, ptrdiff_t); break;
			default: v = va_arg(ap, int); break;
			}
			/* Negate in unsigned arithmetic: -LLONG_MIN does not fit a long long. */
			unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
			put_number(s, &sp, mag, v < 0, 10, 0);
			break;
		}
		case 'u':
		case 'o':
		case 'x':
		case 'X': {
			unsigned long long v;
			switch (len) {
			case LEN_HH: v = (unsigned char)va_arg(ap, unsigned int); break;
			case LEN_H: v = (unsigned short)va_arg(ap, unsigned int); break;
			case LEN_L: v = va_arg(ap, unsigned long); break;
			case LEN_LL: case LEN_J: v = va_arg(ap, unsigned long long); break;
			case LEN_Z: case LEN_T: v = va_arg(ap, size_t); break;
			default: v = va_arg(ap, unsigned int); break;
			}
			sp.plus = sp.space = 0; /* signs belong to signed conversions */
			put_number(s, &sp, v, 0, conv == 'u' ? 10 : conv == 'o' ? 8 : 16, conv == 'X');
			break;
		}
		case 'p': {
			void *p = va_arg(ap, void *);
			if (!p) {
				put_text(s, &sp, "(nil)", 5);
			} else {
				sp.alt = 1;
				put_number(s, &sp, (uintptr_t)p, 0, 16, 0);
			}
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_text(s, &sp, &c, 1);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			size_t n = sp.precision >= 0 ? strnlen(str, (size_t)sp.precision) : strlen(str);
			put_text(s, &sp, str, n);
			break;
		}
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': {
			struct fp_value v;
			struct fp_spec fs = { sp.left, sp.plus, sp.space, sp.alt, sp.zero,
			                      sp.width, sp.precision, conv };
			if (len == LEN_LD)
				__fp_from_long_double(&v, va_arg(ap, long double));
			else
				__fp_from_double(&v, va_arg(ap, double));
			__format_fp(&v, &fs, emit_fp, s);
			break;
		}
		case '%':
			emit(s, "%", 1);
			break;
		default:
			/* Unknown or unfinished: print it as written. */
			emit(s, conv_start, (size_t)(fmt - conv_start));
			break;
		}
	}
}

int vsnprintf(char *restrict str, size_t n, const char *restrict fmt, va_list ap)
{
	struct sink s;
	s.str = str;
	s.cap = n;
	s.file = NULL;
	s.fill = 0;
	s.count = 0;
	format(&s, fmt, ap);
	if (n)
		str[s.count < n - 1 ? s.count : n - 1] = '\0';
	return (int)s.count;
}

int vsprintf(char *restrict str, const char *restrict fmt, va_list ap)
{
	return vsnprintf(str, SIZE_MAX, fmt, ap);
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	struct sink s;
	s.str = NULL;
	s.cap = 0;
	s.file = f;
	s.fill = 0;
	s.count = 0;
	flockfile(f); /* the whole output of one call stays together */
	format(&s, fmt, ap);
	drain(&s);
	int err = ferror(f);
	funlockfile(f);
	return err ? -1 : (int)s.count;
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

/* Straight to the descriptor, no FILE: safe in places stdio is not, like a child of
 * vfork or a signal handler. */
int vdprintf(int fd, const char *restrict fmt, va_list ap)
{
	char buf[512];
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(buf, sizeof(buf), fmt, copy);
	va_end(copy);
	if (n < 0)
		return n;
	size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return n;
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int dprintf(int fd, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vdprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

int sprintf(char *restrict str, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(str, SIZE_MAX, fmt, ap);
	va_end(ap);
	return n;
}

int snprintf(char *restrict str, size_t n, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(str, n, fmt, ap);
	va_end(ap);
	return r;
}
