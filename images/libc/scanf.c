/* scanf.c: the scanf family. One scanner reads from a stream (under its lock) or a
 * string, with one character of look-ahead (pushed back with ungetc, the one character
 * C guarantees). Conversions: d i u o x X p n c s [ f e g E G a %, assignment
 * suppression (*), widths, lengths hh h l ll L j z t. Numbers are read as text and
 * converted by strtoll, strtoull and strtod. */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct source {
	FILE *f;
	const char *s;
	int count; /* characters consumed, for %n */
};

static int get(struct source *in)
{
	int c = in->f ? fgetc_unlocked(in->f) : (*in->s ? (unsigned char)*in->s++ : EOF);
	if (c != EOF)
		in->count++;
	return c;
}

static void unget(struct source *in, int c)
{
	if (c == EOF)
		return;
	in->count--;
	if (in->f)
		ungetc(c, in->f);
	else
		in->s--;
}

static int skip_space(struct source *in)
{
	int c;
	while ((c = get(in)) != EOF && isspace(c))
		;
	unget(in, c);
	return c;
}

enum length { L_HH, L_H, L_INT, L_L, L_LL, L_LD, L_SIZE };

static void store_int(void *p, enum length len, unsigned long long v)
{
	switch (len) {
	case L_HH: *(char *)p = (char)v; break;
	case L_H: *(short *)p = (short)v; break;
	case L_L: *(long *)p = (long)v; break;
	case L_LL: *(long long *)p = (long long)v; break;
	case L_SIZE: *(size_t *)p = (size_t)v; break;
	default: *(int *)p = (int)v; break;
	}
}

/* Reads an integer's text (sign, 0x prefix, digits of the base) into buf. */
static int read_integer(struct source *in, char *buf, int width, int base)
{
	int n = 0, c = get(in);
	if ((c == '+' || c == '-') && n < width) {
		buf[n++] = (char)c;
		c = get(in);
	}
	if ((base == 0 || base == 16) && c == '0' && n < width) {
		buf[n++] = (char)c;
		c = get(in);
		if ((c == 'x' || c == 'X') && n < width) {
			buf[n++] = (char)c;
			c = get(in);
			base = 16;
		} else if (base == 0) {
			base = 8;
		}
	}
	if (base == 0)
		base = 10;
	while (c != EOF && n < width && n < 63 &&
	       (base == 16 ? isxdigit(c) : c >= '0' && c < '0' + (base < 10 ? base : 10))) {
		buf[n++] = (char)c;
		c = get(in);
	}
	unget(in, c);
	buf[n] = '\0';
	return n;
}

/* Reads a floating-point number's text: sign, digits, point, exponent; inf, nan. */
static int read_float(struct source *in, char *buf, int width)
{
	int n = 0, c = get(in), digits = 0;
	if ((c == '+' || c == '-') && n < width) {
		buf[n++] = (char)c;
		c = get(in);
	}
	if (c == 'i' || c == 'I' || c == 'n' || c == 'N') {
		while (c != EOF && isalpha(c) && n < width && n < 63) {
			buf[n++] = (char)c;
			c = get(in);
		}
		unget(in, c);
		buf[n] = '\0';
		return n;
	}
	int point = 0;
	while (c != EOF && n < width && n < 126 && (isdigit(c) || (c == '.' && !point))) {
		point |= c == '.';
		digits += c != '.';
		buf[n++] = (char)c;
		c = get(in);
	}
	if (digits && (c == 'e' || c == 'E') && n < width) {
		buf[n++] = (char)c;
		c = get(in);
		if ((c == '+' || c == '-') && n < width) {
			buf[n++] = (char)c;
			c = get(in);
		}
		while (c != EOF && isdigit(c) && n < width && n < 126) {
			buf[n++] = (char)c;
			c = get(in);
		}
	}
	unget(in, c);
	buf[n] = '\0';
	return digits || n > 1 ? n : 0;
}

/* Parses a %[ set at fmt (after the '['); returns the position after its ']'. */
static const char *scanset(const char *fmt, unsigned char set[256])
{
	int invert = *fmt == '^';
	if (invert)
		fmt++;
	memset(set, 0, 256);
	if (*fmt == ']')
		set[(unsigned char)*fmt++] = 1;
	for (; *fmt && *fmt != ']'; fmt++) {
		if (fmt[1] == '-' && fmt[2] && fmt[2] != ']') {
			for (int c = (unsigned char)fmt[0]; c <= (unsigned char)fmt[2]; c++)
				set[c] = 1;
			fmt += 2;
		} else {
			set[(unsigned char)*fmt] = 1;
		}
	}
	if (invert)
		for (int c = 0; c < 256; c++)
			set[c] = !set[c];
	return *fmt ? fmt + 1 : fmt;
}

static int scan(struct source *in, const char *fmt, va_list ap)
{
	int assigned = 0, any_input = 0;
	char buf[128];
	while (*fmt) {
		if (isspace((unsigned char)*fmt)) {
			skip_space(in);
			fmt++;
			continue;
		}
		if (*fmt != '%' || fmt[1] == '%') {
			if (*fmt == '%') {
				fmt++;
				skip_space(in);
			}
			int c = get(in);
			if (c != (unsigned char)*fmt) {
				unget(in, c);
				return c == EOF && !any_input ? EOF : assigned;
			}
			any_input = 1;
			fmt++;
			continue;
		}
		fmt++;
		int suppress = *fmt == '*';
		if (suppress)
			fmt++;
		int width = 0;
		while (isdigit((unsigned char)*fmt))
			width = width * 10 + (*fmt++ - '0');
		enum length len = L_INT;
		if (*fmt == 'h') {
			len = fmt[1] == 'h' ? L_HH : L_H;
			fmt += fmt[1] == 'h' ? 2 : 1;
		} else if (*fmt == 'l') {
			len = fmt[1] == 'l' ? L_LL : L_L;
			fmt += fmt[1] == 'l' ? 2 : 1;
		} else if (*fmt == 'L' || *fmt == 'q') {
			len = L_LD;
			fmt++;
		} else if (*fmt == 'j') {
			len = L_LL;
			fmt++;
		} else if (*fmt == 'z' || *fmt == 't') {
			len = L_SIZE;
			fmt++;
		}
		char conv = *fmt++;
		if (conv == 'n') {
			if (!suppress)
				store_int(va_arg(ap, void *), len, (unsigned long long)in->count);
			continue;
		}
		if (conv != 'c' && conv != '[' && skip_space(in) == EOF)
			return assigned || any_input ? assigned : EOF;
		int max = width ? width : (conv == 'c' ? 1 : 0x7fffffff);

		if (conv == 'c' || conv == 's' || conv == '[') {
			unsigned char set[256];
			if (conv == '[')
				fmt = scanset(fmt, set);
			char *out = suppress ? NULL : va_arg(ap, char *);
			int n = 0, c = EOF;
			while (n < max && (c = get(in)) != EOF) {
				if ((conv == 's' && isspace(c)) || (conv == '[' && !set[c])) {
					unget(in, c);
					break;
				}
				if (out)
					out[n] = (char)c;
				n++;
			}
			if (n == 0 || (conv == 'c' && n < max))
				return n == 0 && c == EOF && !any_input ? EOF : assigned;
			if (out && conv != 'c')
				out[n] = '\0';
			any_input = 1;
			assigned += out != NULL;
			continue;
		}

		int base;
		switch (conv) {
		case 'd': case 'u': base = 10; break;
		case 'i': base = 0; break;
		case 'o': base = 8; break;
		case 'x': case 'X': case 'p': base = 16; break;
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A': base = -1; break;
		default: return assigned; /* unknown conversion */
		}
		if (base < 0) {
			if (read_float(in, buf, max) == 0)
				return assigned;
			char *end;
			double v = strtod(buf, &end);
			if (*end)
				return assigned;
			any_input = 1;
			if (!suppress) {
				if (len == L_LD)
					*va_arg(ap, long double *) = v;
				else if (len == L_L)
					*va_arg(ap, double *) = v;
				else
					*va_arg(ap, float *) = (float)v;
				assigned++;
			}
			continue;
		}
		int n = read_integer(in, buf, max, base);
		char *end;
		unsigned long long v = conv == 'd' || conv == 'i' ? (unsigned long long)strtoll(buf, &end, base)
		                                                  : strtoull(buf, &end, base);
		if (n == 0 || end == buf || *end)
			return assigned;
		any_input = 1;
		if (!suppress) {
			if (conv == 'p')
				*va_arg(ap, void **) = (void *)(uintptr_t)v;
			else
				store_int(va_arg(ap, void *), len, v);
			assigned++;
		}
	}
	return assigned;
}

int vfscanf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	struct source in = { f, NULL, 0 };
	flockfile(f);
	int r = scan(&in, fmt, ap);
	funlockfile(f);
	return r;
}

int vsscanf(const char *restrict s, const char *restrict fmt, va_list ap)
{
	struct source in = { NULL, s, 0 };
	return scan(&in, fmt, ap);
}

int vscanf(const char *restrict fmt, va_list ap)
{
	return vfscanf(stdin, fmt, ap);
}

int scanf(const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfscanf(stdin, fmt, ap);
	va_end(ap);
	return r;
}

int fscanf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfscanf(f, fmt, ap);
	va_end(ap);
	return r;
}

int sscanf(const char *restrict s, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsscanf(s, fmt, ap);
	va_end(ap);
	return r;
}
