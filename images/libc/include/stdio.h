/* stdio.h: buffered streams on file descriptors (stdio.c) and formatted output
 * (printf.c). stdout is line buffered on a terminal and fully buffered otherwise;
 * stderr is unbuffered. */
#ifndef _STDIO_H
#define _STDIO_H

#include <stddef.h>
#include <stdarg.h>
#include <sys/types.h>

typedef struct libc_file FILE; /* opaque; defined in stdio.c */

extern FILE *const stdin;
extern FILE *const stdout;
extern FILE *const stderr;

#define EOF (-1)
#define BUFSIZ 4096

#define _IOFBF 0 /* full buffering */
#define _IOLBF 1 /* line buffering */
#define _IONBF 2 /* no buffering */

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

FILE *fopen(const char *path, const char *mode);
FILE *fdopen(int fd, const char *mode);
int fclose(FILE *f);
int fflush(FILE *f); /* fflush(NULL) flushes every open stream */
int setvbuf(FILE *__restrict f, char *__restrict buf, int mode, size_t size);
void setbuf(FILE *__restrict f, char *__restrict buf);
int fileno(FILE *f);
int feof(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);

int fgetc(FILE *f);
int getc(FILE *f);
int getchar(void);
int ungetc(int c, FILE *f);
char *fgets(char *__restrict s, int size, FILE *__restrict f);
size_t fread(void *__restrict p, size_t size, size_t n, FILE *__restrict f);

int fputc(int c, FILE *f);
int putc(int c, FILE *f);
int putchar(int c);
int fputs(const char *__restrict s, FILE *__restrict f);
int puts(const char *s);
size_t fwrite(const void *__restrict p, size_t size, size_t n, FILE *__restrict f);

int printf(const char *__restrict fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *__restrict f, const char *__restrict fmt, ...)
	__attribute__((format(printf, 2, 3)));
int dprintf(int fd, const char *__restrict fmt, ...) __attribute__((format(printf, 2, 3)));
int sprintf(char *__restrict s, const char *__restrict fmt, ...)
	__attribute__((format(printf, 2, 3)));
int snprintf(char *__restrict s, size_t n, const char *__restrict fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vprintf(const char *__restrict fmt, va_list ap);
int vfprintf(FILE *__restrict f, const char *__restrict fmt, va_list ap);
int vdprintf(int fd, const char *__restrict fmt, va_list ap);
int vsprintf(char *__restrict s, const char *__restrict fmt, va_list ap);
int vsnprintf(char *__restrict s, size_t n, const char *__restrict fmt, va_list ap);

int scanf(const char *__restrict fmt, ...) __attribute__((format(scanf, 1, 2)));
int fscanf(FILE *__restrict f, const char *__restrict fmt, ...) __attribute__((format(scanf, 2, 3)));
int sscanf(const char *__restrict s, const char *__restrict fmt, ...) __attribute__((format(scanf, 2, 3)));
int vscanf(const char *__restrict fmt, va_list ap);
int vfscanf(FILE *__restrict f, const char *__restrict fmt, va_list ap);
int vsscanf(const char *__restrict s, const char *__restrict fmt, va_list ap);

void perror(const char *s);
int rename(const char *old, const char *new);

/* Every call locks its stream (a thread's printf line is never split by another's);
 * flockfile holds the lock across several calls. The _unlocked calls skip it. */
void flockfile(FILE *f);
int ftrylockfile(FILE *f);
void funlockfile(FILE *f);
int fgetc_unlocked(FILE *f);
int getc_unlocked(FILE *f);
int getchar_unlocked(void);
int fputc_unlocked(int c, FILE *f);
int putc_unlocked(int c, FILE *f);
int putchar_unlocked(int c);
size_t fwrite_unlocked(const void *__restrict p, size_t size, size_t n, FILE *__restrict f);

#endif
