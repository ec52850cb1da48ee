/* libctest: checks of our own libc that need no kernel features beyond write, pipe,
 * brk and mmap: printf formatting, string and memory functions, number conversion,
 * sorting, malloc under churn, stdio reading and writing through a pipe, signal sets.
 * Prints one line per area with its number of checks, and the failures if any. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int checks, failures;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(int ok, const char *what, int line)
{
	checks++;
	if (!ok) {
		failures++;
		printf("libctest: FAIL line %d: %s\n", line, what);
	}
}

static void area_done(const char *area)
{
	printf("libctest: %s: %d checks\n", area, checks);
	checks = 0;
}

/* ---- printf ---- */

static void expect_format(int line, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void expect_format(int line, const char *want, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	checks++;
	if (strcmp(buf, want) != 0 || n != (int)strlen(want)) {
		failures++;
		printf("libctest: FAIL line %d: format \"%s\" gave \"%s\" (%d), want \"%s\"\n", line, fmt,
		       buf, n, want);
	}
}

#define F(want, ...) expect_format(__LINE__, want, __VA_ARGS__)

/* Some cases are deliberately odd (a 0 flag with a precision, a NULL string), which
 * gcc's format checker rightly warns about elsewhere. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-overflow"

static void test_printf(void)
{
	F("0", "%d", 0);
	F("-123", "%d", -123);
	F("-7", "%i", -7);
	F("   42", "%5d", 42);
	F("42   |", "%-5d|", 42);
	F("-0042", "%05d", -42);
	F("+5", "%+d", 5);
	F(" 5", "% d", 5);
	F("+0003", "%+05d", 3);
	F("007", "%.3d", 7);
	F("     007", "%8.3d", 7);
	F("     007", "%08.3d", 7); /* the 0 flag yields to a precision */
	F("", "%.0d", 0);
	F("-2147483648", "%d", INT_MIN);
	F("4294967295", "%u", 4294967295u);
	F("ff", "%x", 255);
	F("FF", "%X", 255);
	F("0xff", "%#x", 255);
	F("0XFF", "%#X", 255);
	F("0", "%#x", 0);
	F("0x0000ff", "%#08x", 255);
	F("0xff    |", "%-#8x|", 255);
	F("10", "%o", 8);
	F("010", "%#o", 8);
	F("0", "%#o", 0);
	F("0", "%#.0o", 0);
	F("-9223372036854775808", "%lld", LLONG_MIN);
	F("18446744073709551615", "%llu", ULLONG_MAX);
	F("123456789abcdef0", "%llx", 0x123456789abcdef0ULL);
	F("-1", "%ld", -1L);
	F("44", "%hhd", 300);
	F("4464", "%hd", 70000);
	F("255", "%hhu", -1);
	F("123", "%zu", (size_t)123);
	F("-5", "%zd", (ssize_t)-5);
	F("99", "%jd", (intmax_t)99);
	F("A", "%c", 'A');
	F("  A|", "%3c|", 'A');
	F("abc", "%s", "abc");
	F("ab", "%.2s", "abc");
	F("ab    |", "%-6s|", "ab");
	F("   ab", "%5.2s", "abcdef");
	F("(null)", "%s", (char *)NULL);
	F("   7", "%*d", 4, 7);
	F("7   |", "%-*d|", 4, 7);
	F("7   |", "%*d|", -4, 7);
	F("x", "%.*s", 1, "xyz");
	F("xyz", "%.*s", -1, "xyz");
	F("%", "%%");
	F("100%", "%d%%", 100);
	F("0x1234", "%p", (void *)0x1234);
	F("(nil)", "%p", (void *)0);
	F("a1b2c", "a%db%dc", 1, 2);

	char small[5];
	CHECK(snprintf(small, sizeof(small), "%s", "hello world") == 11 && strcmp(small, "hell") == 0);
	CHECK(snprintf(NULL, 0, "%d", 12345) == 5);
	char big[32];
	CHECK(sprintf(big, "%s-%d", "x", 9) == 3 && strcmp(big, "x-9") == 0);
	area_done("printf");
}
#pragma GCC diagnostic pop

/* ---- strings and memory ---- */

static void test_strings(void)
{
	char buf[32];

	CHECK(strlen("") == 0 && strlen("abc") == 3);
	CHECK(strnlen("abcdef", 3) == 3 && strnlen("ab", 9) == 2);
	CHECK(strcmp("abc", "abc") == 0 && strcmp("abc", "abd") < 0 && strcmp("b", "abc") > 0);
	CHECK(strcmp("a", "ab") < 0 && strcmp("\xff", "a") > 0); /* bytes compare unsigned */
	CHECK(strncmp("abcx", "abcy", 3) == 0 && strncmp("abcx", "abcy", 4) < 0);
	CHECK(strcasecmp("HeLLo", "hello") == 0 && strncasecmp("ABx", "aby", 2) == 0);
	const char *s = "hello, world";
	CHECK(strchr(s, 'o') == s + 4 && strrchr(s, 'o') == s + 8 && strchr(s, 'z') == NULL);
	CHECK(strchr(s, '\0') == s + 12);
	CHECK(strstr(s, "world") == s + 7 && strstr(s, "") == s && strstr(s, "worlds") == NULL);
	CHECK(strspn("aabbc", "ab") == 4 && strcspn("abc,d", ",") == 3);
	CHECK(strpbrk(s, ", ") == s + 5);

	strcpy(buf, "abc");
	strcat(buf, "def");
	CHECK(strcmp(buf, "abcdef") == 0);
	strncat(buf, "ghijk", 2);
	CHECK(strcmp(buf, "abcdefgh") == 0);
	memset(buf, 'x', sizeof(buf));
	strncpy(buf, "ab", 5);
	CHECK(memcmp(buf, "ab\0\0\0x", 6) == 0);

	strcpy(buf, "0123456789");
	memmove(buf + 2, buf, 5); /* overlapping, forwards */
	CHECK(strcmp(buf, "0101234789") == 0);
	strcpy(buf, "0123456789");
	memmove(buf, buf + 3, 5); /* overlapping, backwards */
	CHECK(strcmp(buf, "3456756789") == 0);
	CHECK(memchr("abc", 'c', 3) != NULL && memchr("abc", 'c', 2) == NULL);
	CHECK(memcmp("ab\x80", "ab\x01", 3) > 0);

	strcpy(buf, "  one,two;;three ");
	char *save, *t1 = strtok_r(buf, " ,;", &save), *t2 = strtok_r(NULL, " ,;", &save);
	char *t3 = strtok_r(NULL, " ,;", &save), *t4 = strtok_r(NULL, " ,;", &save);
	CHECK(t1 && t2 && t3 && strcmp(t1, "one") == 0 && strcmp(t2, "two") == 0 &&
	      strcmp(t3, "three") == 0 && t4 == NULL);

	char *d = strdup("copy");
	CHECK(d && strcmp(d, "copy") == 0);
	free(d);
	d = strndup("copy", 2);
	CHECK(d && strcmp(d, "co") == 0);
	free(d);

	CHECK(strcmp(strerror(ENOENT), "No such file or directory") == 0);
	CHECK(strcmp(strerror(9999), "Unknown error 9999") == 0);
	CHECK(ffs(0) == 0 && ffs(1) == 1 && ffs(0x80) == 8);

	CHECK(isdigit('7') && !isdigit('a') && isalpha('Q') && isspace('\n') && !isspace('x'));
	CHECK(isxdigit('f') && !isxdigit('g') && ispunct('!') && !ispunct('a') && !isprint('\n'));
	CHECK(toupper('a') == 'A' && tolower('A') == 'a' && toupper('1') == '1' && !isalpha(EOF));
	area_done("strings");
}

/* ---- number conversion ---- */

static void test_numbers(void)
{
	char *end;

	CHECK(strtol("  -42xyz", &end, 10) == -42 && strcmp(end, "xyz") == 0);
	CHECK(strtol("0x1F", NULL, 0) == 31 && strtol("077", NULL, 0) == 63 && strtol("0", NULL, 0) == 0);
	CHECK(strtol("z", NULL, 36) == 35 && strtol("101", NULL, 2) == 5);
	CHECK(strtol("ff", NULL, 16) == 255 && strtol("0xff", NULL, 16) == 255);
	CHECK(strtol("0x", &end, 16) == 0 && strcmp(end, "x") == 0);
	CHECK(strtol("", &end, 10) == 0 && *end == '\0');
	CHECK(strtol("abc", &end, 10) == 0 && strcmp(end, "abc") == 0);
	errno = 0;
	CHECK(strtol("2147483647", NULL, 10) == LONG_MAX && errno == 0);
	CHECK(strtol("2147483648", NULL, 10) == LONG_MAX && errno == ERANGE);
	errno = 0;
	CHECK(strtol("-2147483648", NULL, 10) == LONG_MIN && errno == 0);
	CHECK(strtol("-2147483649", NULL, 10) == LONG_MIN && errno == ERANGE);
	errno = 0;
	CHECK(strtoul("4294967295", NULL, 10) == ULONG_MAX && errno == 0);
	CHECK(strtoul("4294967296", NULL, 10) == ULONG_MAX && errno == ERANGE);
	CHECK(strtoul("-1", NULL, 10) == ULONG_MAX);
	errno = 0;
	CHECK(strtoll("-9223372036854775808", NULL, 10) == LLONG_MIN && errno == 0);
	CHECK(strtoull("18446744073709551615", NULL, 10) == ULLONG_MAX && errno == 0);
	CHECK(atoi("123abc") == 123 && atoi("  -9") == -9 && atol("+77") == 77 && atoll("5") == 5);
	CHECK(abs(-3) == 3 && labs(4) == 4 && llabs(-5LL) == 5);
	div_t q = div(-7, 2);
	CHECK(q.quot == -3 && q.rem == -1);
	area_done("numbers");
}

/* ---- sorting ---- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_sorting(void)
{
	enum { N = 2000 };
	static int v[N];
	srand(42);
	for (int i = 0; i < N; i++)
		v[i] = rand() % 500; /* many duplicates */
	qsort(v, N, sizeof(v[0]), cmp_int);
	int sorted = 1;
	for (int i = 1; i < N; i++)
		sorted &= v[i - 1] <= v[i];
	CHECK(sorted);
	for (int i = 0; i < N; i++)
		v[i] = N - i; /* reversed, then already sorted */
	qsort(v, N, sizeof(v[0]), cmp_int);
	qsort(v, N, sizeof(v[0]), cmp_int);
	sorted = 1;
	for (int i = 0; i < N; i++)
		sorted &= v[i] == i + 1;
	CHECK(sorted);
	int key = 777;
	int *found = bsearch(&key, v, N, sizeof(v[0]), cmp_int);
	CHECK(found && *found == 777);
	key = N + 1;
	CHECK(bsearch(&key, v, N, sizeof(v[0]), cmp_int) == NULL);

	const char *words[] = { "pear", "apple", "fig", "banana", "apple", "cherry" };
	qsort(words, 6, sizeof(words[0]), cmp_str);
	CHECK(strcmp(words[0], "apple") == 0 && strcmp(words[1], "apple") == 0 &&
	      strcmp(words[2], "banana") == 0 && strcmp(words[5], "pear") == 0);
	qsort(words, 0, sizeof(words[0]), cmp_str); /* nothing to do, must not crash */

	srand(1);
	int r1 = rand(), r2 = rand();
	srand(1);
	CHECK(rand() == r1 && rand() == r2 && r1 >= 0 && r1 <= RAND_MAX);
	area_done("sorting");
}

/* ---- malloc under churn ---- */

static void test_malloc(void)
{
	enum { SLOTS = 200, STEPS = 20000 };
	static unsigned char *p[SLOTS];
	static size_t len[SLOTS];
	int corrupt = 0, misaligned = 0, failed = 0;

	srand(7);
	for (int step = 0; step < STEPS; step++) {
		int i = rand() % SLOTS;
		if (p[i]) { /* verify, then free or resize */
			for (size_t k = 0; k < len[i]; k++)
				corrupt |= p[i][k] != (unsigned char)(i + k);
			if (rand() % 2) {
				free(p[i]);
				p[i] = NULL;
				continue;
			}
			size_t n = 1 + (size_t)rand() % (rand() % 10 ? 600 : 200000);
			unsigned char *q = realloc(p[i], n);
			if (!q) {
				failed = 1;
				continue;
			}
			p[i] = q;
			for (size_t k = 0; k < n; k++)
				q[k] = (unsigned char)(i + k);
			len[i] = n;
		} else {
			size_t n = (size_t)rand() % (rand() % 10 ? 600 : 200000);
			p[i] = malloc(n);
			if (!p[i]) {
				failed = 1;
				continue;
			}
			for (size_t k = 0; k < n; k++)
				p[i][k] = (unsigned char)(i + k);
			len[i] = n;
		}
		misaligned |= ((uintptr_t)p[i] & 15) != 0;
	}
	for (int i = 0; i < SLOTS; i++)
		free(p[i]);
	CHECK(!failed);
	CHECK(!corrupt);
	CHECK(!misaligned);
	void *z = calloc(1000, 4);
	int zero = 1;
	for (int i = 0; z && i < 4000; i++)
		zero &= ((unsigned char *)z)[i] == 0;
	CHECK(z && zero);
	free(z);
	errno = 0;
	CHECK(calloc(SIZE_MAX / 2, 4) == NULL && errno == ENOMEM);
	CHECK(realloc(NULL, 10) != NULL); /* leaks 10 bytes, deliberately harmless */
	free(NULL);
	area_done("malloc");
}

/* ---- stdio through a pipe ---- */

static void test_stdio(void)
{
	int fds[2];
	char line[64];

	CHECK(pipe(fds) == 0);
	FILE *w = fdopen(fds[1], "w");
	FILE *r = fdopen(fds[0], "r");
	CHECK(w && r);
	if (!w || !r)
		return;
	fprintf(w, "first %d\n", 1);
	fputs("second line\n", w);
	fputc('x', w);
	fwrite("yz\nlast", 1, 7, w);
	CHECK(fclose(w) == 0); /* flushes; the reader will see EOF after "last" */

	CHECK(fgets(line, sizeof(line), r) && strcmp(line, "first 1\n") == 0);
	CHECK(fgetc(r) == 's' && ungetc('S', r) == 'S' && fgetc(r) == 'S');
	CHECK(fgets(line, sizeof(line), r) && strcmp(line, "econd line\n") == 0);
	char three[4] = { 0 };
	CHECK(fread(three, 1, 3, r) == 3 && strcmp(three, "xyz") == 0);
	CHECK(fgets(line, 3, r) && strcmp(line, "\n") == 0);
	CHECK(fgets(line, 3, r) && strcmp(line, "la") == 0); /* size limits the line */
	CHECK(fgets(line, sizeof(line), r) && strcmp(line, "st") == 0 && feof(r));
	CHECK(fgetc(r) == EOF && feof(r) && !ferror(r));
	CHECK(fgets(line, sizeof(line), r) == NULL);
	fclose(r);

	FILE *bad = fdopen(1, "q");
	CHECK(bad == NULL && errno == EINVAL);
	area_done("stdio");
}

static void test_signal_sets(void)
{
	sigset_t s;
	sigemptyset(&s);
	CHECK(sigismember(&s, SIGINT) == 0);
	CHECK(sigaddset(&s, SIGINT) == 0 && sigaddset(&s, 64) == 0 && sigismember(&s, SIGINT) == 1);
	CHECK(s.sig[0] == 1u << (SIGINT - 1) && s.sig[1] == 0x80000000u); /* the kernel's layout */
	CHECK(sigdelset(&s, SIGINT) == 0 && sigismember(&s, SIGINT) == 0);
	CHECK(sigaddset(&s, 0) == -1 && errno == EINVAL && sigaddset(&s, 65) == -1);
	sigfillset(&s);
	CHECK(sigismember(&s, SIGKILL) == 1 && sigismember(&s, 33) == 1);
	CHECK(strcmp(strsignal(SIGSEGV), "Segmentation fault") == 0);
	area_done("signal sets");
}

int main(void)
{
	test_printf();
	test_strings();
	test_numbers();
	test_sorting();
	test_malloc();
	test_stdio();
	test_signal_sets();
	if (failures) {
		printf("libctest: %d failure(s)\n", failures);
		return 1;
	}
	printf("libctest: all ok\n");
	return 0;
}
