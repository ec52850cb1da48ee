/* stdio.c: buffered streams. Each FILE has one buffer, used either for output
 * (wlen bytes waiting) or for input (bytes rpos..rlen not yet consumed).
 * Output policy, applied at the end of each call:
 *   _IOFBF  write when the buffer fills (and at fflush/fclose/exit);
 *   _IOLBF  also write when the call's data contained a newline;
 *   _IONBF  write before the call returns.
 * stdout picks _IOLBF or _IOFBF on first use, by asking whether fd 1 is a tty. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define F_READ 1      /* opened for reading */
#define F_WRITE 2     /* opened for writing */
#define F_EOF 4       /* end of file seen */
#define F_ERR 8       /* an I/O error happened */
#define F_OWNBUF 16   /* buf came from malloc */
#define F_OWNFILE 32  /* the FILE itself came from malloc */

#define MODE_UNSET (-1) /* decide between line and full buffering on first use */

struct libc_file {
	int fd;
	int flags;
	int mode;            /* _IOFBF, _IOLBF, _IONBF or MODE_UNSET */
	unsigned char *buf;
	size_t size;
	size_t wlen;         /* output bytes waiting in buf */
	size_t rpos, rlen;   /* input: next byte, end of valid data */
	int unget;           /* a character pushed back by ungetc, or EOF */
	unsigned char one;   /* the buffer of a stream that has none */
	struct libc_file *next; /* every open stream, for fflush(NULL) */
	int lock;            /* futex word (internal.h's __lock) ... */
	struct pthread *owner; /* ... held by this thread ... */
	int depth;           /* ... this many times (flockfile nests) */
};

static unsigned char stdin_buf[BUFSIZ], stdout_buf[BUFSIZ], stderr_buf[256];

static struct libc_file stderr_file = {
	.fd = 2, .flags = F_WRITE, .mode = _IONBF, .buf = stderr_buf,
	.size = sizeof(stderr_buf), .unget = EOF, .next = NULL,
};
static struct libc_file stdout_file = {
	.fd = 1, .flags = F_WRITE, .mode = MODE_UNSET, .buf = stdout_buf,
	.size = sizeof(stdout_buf), .unget = EOF, .next = &stderr_file,
};
static struct libc_file stdin_file = {
	.fd = 0, .flags = F_READ, .mode = _IOFBF, .buf = stdin_buf,
	.size = sizeof(stdin_buf), .unget = EOF, .next = &stdout_file,
};

FILE *const stdin = &stdin_file;
FILE *const stdout = &stdout_file;
FILE *const stderr = &stderr_file;

static FILE *all_files = &stdin_file;
static int files_lock; /* guards the all_files list */

/* ---- locking: every call on a stream holds its lock, so that threads writing to one
 * stream do not mix their bytes within a call (a printf's line stays whole). The lock
 * is recursive: flockfile around several calls, or a signal handler's printf while the
 * thread it interrupted is inside stdio (as before: unsafe, but no deadlock). ---- */

void flockfile(FILE *f)
{
	struct pthread *self = __pthread_self();
	if (f->owner == self) {
		f->depth++;
		return;
	}
	__lock(&f->lock);
	f->owner = self;
	f->depth = 1;
}

int ftrylockfile(FILE *f)
{
	struct pthread *self = __pthread_self();
	int c = 0;
	if (f->owner == self) {
		f->depth++;
		return 0;
	}
	if (!__atomic_compare_exchange_n(&f->lock, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return -1;
	f->owner = self;
	f->depth = 1;
	return 0;
}

void funlockfile(FILE *f)
{
	if (--f->depth == 0) {
		f->owner = NULL;
		__unlock(&f->lock);
	}
}

/* fork: hold every lock across it; in the child, whose only thread held them, reset. */
void __stdio_fork(int phase)
{
	if (phase == FORK_PREPARE) {
		__lock(&files_lock);
		for (FILE *f = all_files; f; f = f->next)
			flockfile(f);
	} else if (phase == FORK_PARENT) {
		for (FILE *f = all_files; f; f = f->next)
			funlockfile(f);
		__unlock(&files_lock);
	} else {
		for (FILE *f = all_files; f; f = f->next) {
			f->lock = 0;
			f->owner = NULL;
			f->depth = 0;
		}
		files_lock = 0;
	}
}

#define LOCKED(f, type, call) \
	do {                          \
		flockfile(f);         \
		type r_ = call;       \
		funlockfile(f);       \
		return r_;            \
	} while (0)

/* ---- opening and closing ---- */

static int parse_mode(const char *mode, int *flags)
{
	int oflags;
	switch (*mode) {
	case 'r': oflags = O_RDONLY; *flags = F_READ; break;
	case 'w': oflags = O_WRONLY | O_CREAT | O_TRUNC; *flags = F_WRITE; break;
	case 'a': oflags = O_WRONLY | O_CREAT | O_APPEND; *flags = F_WRITE; break;
	default: return -1;
	}
	for (mode++; *mode; mode++) {
		if (*mode == '+') {
			oflags = (oflags & ~O_ACCMODE) | O_RDWR;
			*flags = F_READ | F_WRITE;
		} else if (*mode == 'e') {
			oflags |= O_CLOEXEC;
		} /* 'b' and anything else: no meaning here */
	}
	return oflags;
}

FILE *fdopen(int fd, const char *mode)
{
	int flags;
	if (parse_mode(mode, &flags) < 0) {
		errno = EINVAL;
		return NULL;
	}
	FILE *f = malloc(sizeof(*f));
	unsigned char *buf = malloc(BUFSIZ);
	if (!f || !buf) {
		free(f);
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->flags = flags | F_OWNBUF | F_OWNFILE;
	f->mode = MODE_UNSET;
	f->buf = buf;
	f->size = BUFSIZ;
	f->unget = EOF;
	__lock(&files_lock);
	f->next = all_files;
	all_files = f;
	__unlock(&files_lock);
	return f;
}

FILE *fopen(const char *path, const char *mode)
{
	int flags;
	int oflags = parse_mode(mode, &flags);
	if (oflags < 0) {
		errno = EINVAL;
		return NULL;
	}
	int fd = open(path, oflags, 0666);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, mode);
	if (!f)
		close(fd);
	return f;
}

int fclose(FILE *f)
{
	int r = fflush(f);
	if (close(f->fd) < 0)
		r = EOF;
	__lock(&files_lock);
	for (FILE **p = &all_files; *p; p = &(*p)->next) {
		if (*p == f) {
			*p = f->next;
			break;
		}
	}
	__unlock(&files_lock);
	if (f->flags & F_OWNBUF)
		free(f->buf);
	if (f->flags & F_OWNFILE)
		free(f);
	return r;
}

int setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size)
{
	if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF) {
		errno = EINVAL;
		return -1;
	}
	if (buf && size) {
		if (f->flags & F_OWNBUF)
			free(f->buf);
		f->flags &= ~F_OWNBUF;
		f->buf = (unsigned char *)buf;
		f->size = size;
	}
	f->mode = mode;
	return 0;
}

void setbuf(FILE *restrict f, char *restrict buf)
{
	setvbuf(f, buf, buf ? _IOFBF : _IONBF, BUFSIZ);
}

int fileno(FILE *f) { return f->fd; }
int feof(FILE *f) { return (f->flags & F_EOF) != 0; }
int ferror(FILE *f) { return (f->flags & F_ERR) != 0; }
void clearerr(FILE *f) { f->flags &= ~(F_EOF | F_ERR); }

/* ---- output ---- */

static int write_out(FILE *f)
{
	size_t done = 0;
	while (done < f->wlen) {
		ssize_t n = write(f->fd, f->buf + done, f->wlen - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			f->flags |= F_ERR;
			f->wlen = 0; /* drop it: retrying a broken pipe forever helps nobody */
			return EOF;
		}
		done += (size_t)n;
	}
	f->wlen = 0;
	return 0;
}

static int start_writing(FILE *f)
{
	if (!(f->flags & F_WRITE)) {
		f->flags |= F_ERR;
		errno = EBADF;
		return EOF;
	}
	if (f->rlen > f->rpos) /* unread input: move the file offset back to it */
		lseek(f->fd, -(off_t)(f->rlen - f->rpos), SEEK_CUR);
	f->rpos = f->rlen = 0;
	f->unget = EOF;
	if (f->mode == MODE_UNSET)
		f->mode = isatty(f->fd) ? _IOLBF : _IOFBF;
	if (!f->buf) {
		f->buf = &f->one;
		f->size = 1;
	}
	return 0;
}

static int put_bytes(FILE *f, const void *data, size_t n)
{
	const unsigned char *p = data;
	if (start_writing(f) < 0)
		return EOF;
	while (n) {
		if (f->wlen == f->size && write_out(f) < 0)
			return EOF;
		size_t chunk = f->size - f->wlen;
		if (chunk > n)
			chunk = n;
		memcpy(f->buf + f->wlen, p, chunk);
		f->wlen += chunk;
		p += chunk;
		n -= chunk;
	}
	return 0;
}

/* The end of every output call: apply the buffering policy. */
static int end_put(FILE *f, int newline)
{
	if (f->mode == _IONBF || (f->mode == _IOLBF && newline))
		return write_out(f);
	return 0;
}

static int fflush_unlocked(FILE *f)
{
	return f->wlen ? write_out(f) : 0;
}

int fflush(FILE *f)
{
	if (!f) {
		int r = 0;
		__lock(&files_lock);
		for (FILE *g = all_files; g; g = g->next) {
			flockfile(g);
			if (g->wlen && write_out(g) < 0)
				r = EOF;
			funlockfile(g);
		}
		__unlock(&files_lock);
		return r;
	}
	LOCKED(f, int, fflush_unlocked(f));
}

int fputc_unlocked(int c, FILE *f)
{
	unsigned char ch = (unsigned char)c;
	if (put_bytes(f, &ch, 1) < 0 || end_put(f, ch == '\n') < 0)
		return EOF;
	return ch;
}

int fputc(int c, FILE *f) { LOCKED(f, int, fputc_unlocked(c, f)); }
int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }
int putc_unlocked(int c, FILE *f) { return fputc_unlocked(c, f); }
int putchar_unlocked(int c) { return fputc_unlocked(c, stdout); }

static int fputs_unlocked(const char *restrict s, FILE *restrict f)
{
	size_t n = strlen(s);
	if (put_bytes(f, s, n) < 0 || end_put(f, memchr(s, '\n', n) != NULL) < 0)
		return EOF;
	return 0;
}

int fputs(const char *restrict s, FILE *restrict f) { LOCKED(f, int, fputs_unlocked(s, f)); }

static int puts_unlocked(const char *s)
{
	if (put_bytes(stdout, s, strlen(s)) < 0 || put_bytes(stdout, "\n", 1) < 0 ||
	    end_put(stdout, 1) < 0)
		return EOF;
	return 0;
}

int puts(const char *s) { LOCKED(stdout, int, puts_unlocked(s)); }

size_t fwrite_unlocked(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	size_t bytes = size * n;
	if (bytes == 0)
		return 0;
	if (put_bytes(f, p, bytes) < 0 || end_put(f, memchr(p, '\n', bytes) != NULL) < 0)
		return 0;
	return n;
}

size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	LOCKED(f, size_t, fwrite_unlocked(p, size, n, f));
}

void perror(const char *s)
{
	const char *msg = strerror(errno);
	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, msg);
	else
		fprintf(stderr, "%s\n", msg);
}

/* ---- input ---- */

static int start_reading(FILE *f)
{
	if (!(f->flags & F_READ)) {
		f->flags |= F_ERR;
		errno = EBADF;
		return EOF;
	}
	if (f->wlen && write_out(f) < 0)
		return EOF;
	if (!f->buf || f->mode == _IONBF) {
		f->buf = f->buf ? f->buf : &f->one;
		if (f->mode == _IONBF)
			f->size = 1; /* read no further than asked */
	}
	return 0;
}

/* Fills the buffer; returns the byte count, 0 at end of file, EOF on error. */
static int refill(FILE *f)
{
	/* A prompt written to stdout must be visible before we wait for the answer. */
	if (f == stdin)
		fflush(stdout);
	ssize_t n;
	do
		n = read(f->fd, f->buf, f->size);
	while (n < 0 && errno == EINTR);
	f->rpos = 0;
	f->rlen = n > 0 ? (size_t)n : 0;
	if (n == 0)
		f->flags |= F_EOF;
	if (n < 0) {
		f->flags |= F_ERR;
		return EOF;
	}
	return (int)n;
}

int fgetc_unlocked(FILE *f)
{
	if (f->unget != EOF) {
		int c = f->unget;
		f->unget = EOF;
		return c;
	}
	if (f->rpos < f->rlen)
		return f->buf[f->rpos++];
	if (f->flags & F_EOF) /* end of file is sticky until clearerr() */
		return EOF;
	if (start_reading(f) < 0 || refill(f) <= 0)
		return EOF;
	return f->buf[f->rpos++];
}

int fgetc(FILE *f) { LOCKED(f, int, fgetc_unlocked(f)); }
int getc(FILE *f) { return fgetc(f); }
int getchar(void) { return fgetc(stdin); }
int getc_unlocked(FILE *f) { return fgetc_unlocked(f); }
int getchar_unlocked(void) { return fgetc_unlocked(stdin); }

static int ungetc_unlocked(int c, FILE *f)
{
	if (c == EOF || f->unget != EOF)
		return EOF; /* one character of push-back, as the standard guarantees */
	f->unget = (unsigned char)c;
	f->flags &= ~F_EOF;
	return f->unget;
}

int ungetc(int c, FILE *f) { LOCKED(f, int, ungetc_unlocked(c, f)); }

static char *fgets_unlocked(char *restrict s, int size, FILE *restrict f)
{
	int i = 0;
	if (size <= 0)
		return NULL;
	while (i < size - 1) {
		int c = fgetc_unlocked(f);
		if (c == EOF)
			break;
		s[i++] = (char)c;
		if (c == '\n')
			break;
	}
	if (i == 0)
		return NULL; /* nothing read: end of file or error */
	s[i] = '\0';
	return s;
}

char *fgets(char *restrict s, int size, FILE *restrict f) { LOCKED(f, char *, fgets_unlocked(s, size, f)); }

static size_t fread_unlocked(void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	unsigned char *d = p;
	size_t want = size * n, got = 0;
	if (want == 0)
		return 0;
	while (got < want) {
		int c = fgetc_unlocked(f); /* takes from the buffer; refills only when it runs dry */
		if (c == EOF)
			break;
		d[got++] = (unsigned char)c;
	}
	return got / size;
}

size_t fread(void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	LOCKED(f, size_t, fread_unlocked(p, size, n, f));
}
