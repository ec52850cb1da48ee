/* stdlib.h: memory (malloc.c), process exit and conversions (stdlib.c). */
#ifndef _STDLIB_H
#define _STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 32767

typedef struct { int quot, rem; } div_t;
typedef struct { long quot, rem; } ldiv_t;

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);

_Noreturn void exit(int status);  /* atexit handlers, stdio flush, then _exit */
_Noreturn void _Exit(int status); /* straight to exit_group */
_Noreturn void abort(void);       /* SIGABRT */
int atexit(void (*fn)(void));

int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);
long strtol(const char *__restrict s, char **__restrict end, int base);
unsigned long strtoul(const char *__restrict s, char **__restrict end, int base);
long long strtoll(const char *__restrict s, char **__restrict end, int base);
unsigned long long strtoull(const char *__restrict s, char **__restrict end, int base);
/* Correctly rounded (strtod.c); no strtold. */
double strtod(const char *__restrict s, char **__restrict end);
float strtof(const char *__restrict s, char **__restrict end);
double atof(const char *s);

int abs(int x);
long labs(long x);
long long llabs(long long x);
div_t div(int num, int den);
ldiv_t ldiv(long num, long den);

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t n, size_t size,
              int (*cmp)(const void *, const void *));

char *getenv(const char *name);

/* The template's last six characters, XXXXXX, become a name that did not exist: a new
 * directory (mode 0700) or file (0600, opened O_RDWR | O_CREAT | O_EXCL). */
char *mkdtemp(char *template);
int mkstemp(char *template);

int rand(void);
void srand(unsigned int seed);

#endif
