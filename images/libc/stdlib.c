/* stdlib.c: process exit, environment, number conversion, sorting, random numbers. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

/* ---- leaving ---- */

#define ATEXIT_MAX 32
static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_count;

int atexit(void (*fn)(void))
{
	if (atexit_count == ATEXIT_MAX)
		return -1;
	atexit_fns[atexit_count++] = fn;
	return 0;
}

_Noreturn void exit(int status)
{
	/* Handlers run last-registered first; a handler may register another. */
	while (atexit_count > 0)
		atexit_fns[--atexit_count]();
	fflush(NULL);
	_exit(status);
}

_Noreturn void _Exit(int status)
{
	_exit(status);
}

_Noreturn void abort(void)
{
	raise(SIGABRT);
	/* Still here: SIGABRT was caught or ignored. Take the default action anyway. */
	signal(SIGABRT, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGABRT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGABRT);
	_exit(127);
}

_Noreturn void __assert_fail(const char *expr, const char *file, int line, const char *func)
{
	fprintf(stderr, "%s:%d: %s: Assertion `%s' failed.\n", file, line, func, expr);
	abort();
}

/* ---- environment ---- */

char *getenv(const char *name)
{
	size_t n = strlen(name);
	if (!environ)
		return NULL;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* ---- numbers ---- */

int abs(int x) { return x < 0 ? -x : x; }
long labs(long x) { return x < 0 ? -x : x; }
long long llabs(long long x) { return x < 0 ? -x : x; }

div_t div(int num, int den)
{
	div_t d = { num / den, num % den };
	return d;
}

ldiv_t ldiv(long num, long den)
{
	ldiv_t d = { num / den, num % den };
	return d;
}

static int digit_value(int c)
{
	if (isdigit(c))
		return c - '0';
	if (islower(c))
		return c - 'a' + 10;
	if (isupper(c))
		return c - 'A' + 10;
	return 99;
}

/* The common core: optional space and sign, a base prefix for base 0 or 16, then
 * digits. The magnitude saturates at limit (ERANGE). *negative reports the sign;
 * *end is where parsing stopped (s itself if there were no digits). */
static unsigned long long parse(const char *s, char **end, int base, unsigned long long limit,
                                int *negative)
{
	const char *p = s;
	unsigned long long v = 0;
	int any = 0, overflow = 0;

	*negative = 0;
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		if (end)
			*end = (char *)s;
		return 0;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		*negative = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value((unsigned char)p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (;; p++) {
		int d = digit_value((unsigned char)*p);
		if (d >= base)
			break;
		any = 1;
		if (v > (limit - (unsigned)d) / (unsigned)base)
			overflow = 1;
		else
			v = v * (unsigned)base + (unsigned)d;
	}
	if (end)
		*end = (char *)(any ? p : s);
	if (overflow) {
		errno = ERANGE;
		return limit;
	}
	return v;
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	int neg;
	/* A negative value may reach one past LLONG_MAX. */
	unsigned long long v = parse(s, end, base, (unsigned long long)LLONG_MAX + 1, &neg);
	if (!neg && v > LLONG_MAX) {
		errno = ERANGE;
		return LLONG_MAX;
	}
	return neg ? (long long)(0ULL - v) : (long long)v;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	int neg;
	unsigned long long v = parse(s, end, base, (unsigned long long)LONG_MAX + 1, &neg);
	if (!neg && v > LONG_MAX) {
		errno = ERANGE;
		return LONG_MAX;
	}
	return neg ? (long)(0UL - (unsigned long)v) : (long)v;
}

/* As the standard says, a minus sign negates the result in unsigned arithmetic. */
unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
	int neg;
	unsigned long long v = parse(s, end, base, ULLONG_MAX, &neg);
	return neg ? 0ULL - v : v;
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	int neg;
	unsigned long v = (unsigned long)parse(s, end, base, ULONG_MAX, &neg);
	return neg ? 0UL - v : v;
}

int atoi(const char *s) { return (int)strtol(s, NULL, 10); }
long atol(const char *s) { return strtol(s, NULL, 10); }
long long atoll(const char *s) { return strtoll(s, NULL, 10); }

/* ---- sorting and searching ---- */

static void swap_bytes(char *a, char *b, size_t size)
{
	while (size--) {
		char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* Quicksort with the middle element as pivot (Lomuto partition), recursing into
 * the smaller side and looping on the larger, so the stack stays O(log n). */
static void sort(char *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	while (n > 1) {
		swap_bytes(base + (n / 2) * size, base + (n - 1) * size, size); /* pivot to the end */
		char *pivot = base + (n - 1) * size;
		size_t store = 0;
		for (size_t i = 0; i < n - 1; i++) {
			if (cmp(base + i * size, pivot) < 0) {
				if (i != store)
					swap_bytes(base + i * size, base + store * size, size);
				store++;
			}
		}
		swap_bytes(base + store * size, pivot, size);
		/* [0, store) < pivot, store = pivot, (store, n) >= pivot */
		size_t left = store, right = n - store - 1;
		if (left < right) {
			sort(base, left, size, cmp);
			base += (store + 1) * size;
			n = right;
		} else {
			sort(base + (store + 1) * size, right, size, cmp);
			n = left;
		}
	}
}

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	sort(base, n, size, cmp);
}

void *bsearch(const void *key, const void *base, size_t n, size_t size,
              int (*cmp)(const void *, const void *))
{
	const char *lo = base;
	while (n > 0) {
		const char *mid = lo + (n / 2) * size;
		int c = cmp(key, mid);
		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}

/* ---- random numbers: the portable LCG from the C standard's example ---- */

static unsigned long rand_state = 1;

int rand(void)
{
	rand_state = rand_state * 1103515245 + 12345;
	return (int)((rand_state / 65536) % 32768);
}

void srand(unsigned int seed)
{
	rand_state = seed;
}

/* ---- temporary names ---- */

/* Fills the template's XXXXXX from a counter mixed with the pid and the clock, and
 * retries on EEXIST: make() creates the directory or file. */
static int make_temp(char *template, int (*make)(const char *path))
{
	static unsigned int counter;
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t len = strlen(template);
	if (len < 6 || strcmp(template + len - 6, "XXXXXX") != 0) {
		errno = EINVAL;
		return -1;
	}
	for (int attempt = 0; attempt < 1000; attempt++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		unsigned long v = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16) ^
		                  (++counter * 2654435761u);
		for (int i = 0; i < 6; i++, v /= 62)
			template[len - 6 + i] = letters[v % 62];
		int r = make(template);
		if (r >= 0 || errno != EEXIST)
			return r;
	}
	errno = EEXIST;
	return -1;
}

static int make_dir(const char *path)
{
	return mkdir(path, 0700);
}

static int make_file(const char *path)
{
	return open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
}

char *mkdtemp(char *template)
{
	return make_temp(template, make_dir) < 0 ? NULL : template;
}

int mkstemp(char *template)
{
	return make_temp(template, make_file);
}
