/*
 * devtest: /dev as programs use it. `devtest [DIR]` (a writable directory, default the
 * current one, where it makes and removes its own nodes and fifos): the nodes /dev
 * has (type, major, minor); null, zero (reads, writes, private and shared mappings),
 * full, random and urandom; /dev/tty without a controlling terminal; mknod of every
 * type and its errors; named pipes (opens that wait for the other side, O_NONBLOCK's
 * rules, a signal during the wait, bytes gone with the last close); /proc/self/fd/N
 * and /dev/fd/N opening the file itself (a pipe, a removed file). Only what Linux also
 * does is checked, so the transcript is the same under Linux (run as root).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_mknod 14
#define NR_setsid 66
#define NR_setuid32 213
#define NR_mknodat 297
#define NR_poll 168
#define POLLIN 0x001
#define POLLHUP 0x010
#define DEV(ma, mi) ((unsigned int)(((ma) << 8) | (mi)))   /* small numbers only */

static int failures;
static const char *dir = ".";

static void check(int ok, const char *what)
{
	printf("devtest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static const char *path(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static long mknod_(const char *p, unsigned int mode, unsigned int dev)
{
	return syscall(NR_mknod, p, mode, dev);
}

static void nodes(void)
{
	static const struct { const char *name; unsigned int major, minor; } devs[] = {
		{ "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
		{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
		{ "/dev/console", 5, 1 }, { "/dev/ttyS0", 4, 64 },
	};
	struct stat st;
	size_t i;
	char what[96];

	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		int ok = stat(devs[i].name, &st) == 0 && S_ISCHR(st.st_mode) &&
			 st.st_rdev == DEV(devs[i].major, devs[i].minor) && st.st_uid == 0;
		snprintf(what, sizeof(what), "%s is a character device %u, %u owned by root", devs[i].name,
			 devs[i].major, devs[i].minor);
		check(ok, what);
	}
	check(stat("/dev/null", &st) == 0 && (st.st_mode & 07777) == 0666, "/dev/null is rw for everyone");
}

static void memory_devices(void)
{
	char buf[300];
	int fd, i, zero = 1;
	long n;
	struct stat st;

	fd = open("/dev/null", O_RDWR);
	check(fd >= 0 && write(fd, "hello", 5) == 5, "/dev/null swallows a write");
	check(read(fd, buf, sizeof(buf)) == 0, "/dev/null reads end of file");
	check(lseek(fd, 100, SEEK_SET) == 0, "lseek on /dev/null gives 0");
	check(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == DEV(1, 3), "fstat of /dev/null");
	close(fd);

	fd = open("/dev/zero", O_RDWR);
	memset(buf, 'x', sizeof(buf));
	n = read(fd, buf, sizeof(buf));
	for (i = 0; i < (int)sizeof(buf); i++)
		zero &= buf[i] == 0;
	check(n == (long)sizeof(buf) && zero, "/dev/zero reads zeros");
	check(write(fd, buf, 10) == 10, "/dev/zero swallows a write");
	{
		char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		check(p != MAP_FAILED && p[0] == 0 && p[8191] == 0, "private mapping of /dev/zero: zeros");
		if (p != MAP_FAILED) {
			p[5] = 7;
			check(p[5] == 7, "private mapping of /dev/zero is writable");
			munmap(p, 8192);
		}
	}
	{
		volatile int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		pid_t pid;
		int status;

		check(p != MAP_FAILED && p[0] == 0, "shared mapping of /dev/zero: zeros");
		if (p != MAP_FAILED) {
			pid = fork();
			if (pid == 0) {
				p[1] = 4242;
				_exit(0);
			}
			waitpid(pid, &status, 0);
			check(p[1] == 4242, "shared mapping of /dev/zero: the child's store is seen");
			munmap((void *)p, 4096);
		}
	}
	close(fd);

	fd = open("/dev/zero", O_WRONLY);
	check(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EACCES,
	      "mapping /dev/zero opened write-only: EACCES");
	close(fd);

	fd = open("/dev/full", O_RDWR);
	errno = 0;
	check(write(fd, "x", 1) == -1 && errno == ENOSPC, "/dev/full: write fails with ENOSPC");
	buf[0] = 'x';
	check(read(fd, buf, 16) == 16 && buf[0] == 0, "/dev/full reads zeros");
	close(fd);

	for (i = 0; i < 2; i++) {
		const char *name = i ? "/dev/random" : "/dev/urandom";
		char a[32], b[32], what[64];
		int nonzero = 0, k;

		fd = open(name, O_RDONLY);
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		n = read(fd, a, sizeof(a)) + read(fd, b, sizeof(b));
		for (k = 0; k < 32; k++)
			nonzero |= a[k];
		snprintf(what, sizeof(what), "%s gives random bytes", name);
		check(n == 64 && nonzero && memcmp(a, b, sizeof(a)), what);
		close(fd);
		fd = open(name, O_WRONLY);
		snprintf(what, sizeof(what), "%s takes writes", name);
		check(write(fd, a, 8) == 8, what);
		close(fd);
	}
}

/* In a new session there is no controlling terminal: /dev/tty is ENXIO. */
static void no_tty(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd;

		if (syscall(NR_setsid) < 0)
			_exit(2);
		fd = open("/dev/tty", O_RDWR);
		_exit(fd < 0 && errno == ENXIO ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "/dev/tty without a controlling terminal: ENXIO");
}

static void mknods(void)
{
	struct stat st;
	int fd, status;
	pid_t pid;

	check(mknod_(path("reg"), S_IFREG | 0640, 0) == 0 && stat(path("reg"), &st) == 0 &&
	      S_ISREG(st.st_mode) && st.st_size == 0, "mknod S_IFREG makes an empty file");
	check(mknod_(path("reg0"), 0600, 0) == 0 && stat(path("reg0"), &st) == 0 && S_ISREG(st.st_mode),
	      "mknod with type 0 makes a regular file");
	errno = 0;
	check(mknod_(path("reg"), S_IFREG | 0600, 0) == -1 && errno == EEXIST, "mknod on a taken name: EEXIST");
	errno = 0;
	check(mknod_(path("d"), S_IFDIR | 0755, 0) == -1 && errno == EPERM, "mknod S_IFDIR: EPERM");
	errno = 0;
	check(mknod_(path("bad"), 0170000 | 0600, 0) == -1 && errno == EINVAL, "mknod of no known type: EINVAL");
	errno = 0;
	check(mknod_(path("no/such"), S_IFIFO | 0600, 0) == -1 && errno == ENOENT, "mknod in a missing directory: ENOENT");

	check(mknod_(path("mynull"), S_IFCHR | 0666, DEV(1, 3)) == 0 && stat(path("mynull"), &st) == 0 &&
	      S_ISCHR(st.st_mode) && st.st_rdev == DEV(1, 3), "mknod S_IFCHR 1, 3 as root");
	fd = open(path("mynull"), O_RDWR);
	check(fd >= 0 && write(fd, "abc", 3) == 3 && read(fd, &st, 1) == 0, "the new node is /dev/null");
	close(fd);
	check(syscall(NR_mknodat, AT_FDCWD, path("myzero"), S_IFCHR | 0666, DEV(1, 5)) == 0 &&
	      stat(path("myzero"), &st) == 0 && st.st_rdev == DEV(1, 5), "mknodat S_IFCHR 1, 5");
	check(mknod_(path("nodev"), S_IFCHR | 0600, DEV(240, 7)) == 0, "mknod of a number no driver has");
	errno = 0;
	check(open(path("nodev"), O_RDONLY) == -1 && errno == ENXIO, "opening it: ENXIO");
	check(mknod_(path("blk"), S_IFBLK | 0600, DEV(240, 1)) == 0 && stat(path("blk"), &st) == 0 &&
	      S_ISBLK(st.st_mode) && st.st_rdev == DEV(240, 1), "mknod S_IFBLK");
	errno = 0;
	check(open(path("blk"), O_RDONLY) == -1 && errno == ENXIO, "opening a block device without a driver: ENXIO");
	check(mknod_(path("sock"), S_IFSOCK | 0600, 0) == 0 && stat(path("sock"), &st) == 0 &&
	      S_ISSOCK(st.st_mode), "mknod S_IFSOCK makes a socket's name");
	errno = 0;
	check(open(path("sock"), O_RDONLY) == -1 && errno == ENXIO, "opening a socket's name: ENXIO");

	pid = fork();
	if (pid == 0) {
		if (syscall(NR_setuid32, 65534) < 0)
			_exit(2);
		errno = 0;
		if (mknod_(path("usernode"), S_IFCHR | 0600, DEV(1, 3)) != -1 || errno != EPERM)
			_exit(1);
		_exit(mknod_(path("userfifo"), S_IFIFO | 0600, 0) == 0 ? 0 : 3);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "a user: mknod S_IFCHR is EPERM, S_IFIFO is allowed");
	check(stat(path("userfifo"), &st) == 0 && st.st_uid == 65534 && S_ISFIFO(st.st_mode),
	      "the user's fifo is the user's");

	unlink(path("reg"));
	unlink(path("reg0"));
	unlink(path("mynull"));
	unlink(path("myzero"));
	unlink(path("nodev"));
	unlink(path("blk"));
	unlink(path("sock"));
	unlink(path("userfifo"));
}

struct pollfd { int fd; short events, revents; };

static long poll(struct pollfd *p, int n, int timeout)
{
	return syscall(NR_poll, p, n, timeout);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void fifos(void)
{
	const char *f = path("fifo");
	struct stat st;
	char buf[16];
	int r, w, status;
	pid_t pid;

	check(mknod_(f, S_IFIFO | 0644, 0) == 0 && stat(f, &st) == 0 && S_ISFIFO(st.st_mode) &&
	      (st.st_mode & 0777) == 0644, "mknod S_IFIFO");
	errno = 0;
	check(open(f, O_WRONLY | O_NONBLOCK) == -1 && errno == ENXIO, "fifo: O_WRONLY|O_NONBLOCK without a reader: ENXIO");
	r = open(f, O_RDONLY | O_NONBLOCK);
	check(r >= 0, "fifo: O_RDONLY|O_NONBLOCK opens without a writer");
	check(read(r, buf, sizeof(buf)) == 0, "fifo: reading with no writer: end of file");
	{
		struct pollfd pfd = { .fd = r, .events = POLLIN };
		check(poll(&pfd, 1, 0) == 0 && pfd.revents == 0, "fifo: poll before any writer: nothing, no POLLHUP");
	}
	w = open(f, O_WRONLY | O_NONBLOCK);
	check(w >= 0, "fifo: O_WRONLY|O_NONBLOCK opens with a reader");
	errno = 0;
	check(read(r, buf, sizeof(buf)) == -1 && errno == EAGAIN, "fifo: empty with a writer: EAGAIN");
	check(write(w, "abc", 3) == 3 && read(r, buf, sizeof(buf)) == 3 && !memcmp(buf, "abc", 3),
	      "fifo: bytes pass from writer to reader");
	check(fstat(w, &st) == 0 && S_ISFIFO(st.st_mode), "fstat of a fifo's descriptor");
	close(w);
	{
		struct pollfd pfd = { .fd = r, .events = POLLIN };
		check(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLHUP, "fifo: poll after the writer has gone: POLLHUP");
	}
	w = open(f, O_WRONLY | O_NONBLOCK);
	errno = 0;
	check(lseek(r, 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek on a fifo: ESPIPE");
	close(w);
	close(r);

	/* Blocking opens meet: the child writes, the parent reads until end of file. */
	pid = fork();
	if (pid == 0) {
		int fd = open(f, O_WRONLY);

		_exit(fd >= 0 && write(fd, "hello", 5) == 5 ? 0 : 1);
	}
	r = open(f, O_RDONLY);
	{
		long n, total = 0;

		while ((n = read(r, buf + total, sizeof(buf) - 1 - total)) > 0)
			total += n;
		check(r >= 0 && total == 5 && !memcmp(buf, "hello", 5),
		      "fifo: a blocking reader and writer meet; end of file after the writer closes");
	}
	close(r);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fifo: the blocking writer opened and wrote");

	pid = fork();
	if (pid == 0) {
		int fd = open(f, O_RDONLY);
		long n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

		_exit(n == 2 && !memcmp(buf, "hi", 2) ? 0 : 1);
	}
	w = open(f, O_WRONLY);
	check(w >= 0 && write(w, "hi", 2) == 2, "fifo: a blocking writer waits for the reader");
	close(w);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fifo: the blocking reader read it");

	/* O_RDWR never waits; the bytes go with the last close. */
	w = open(f, O_RDWR);
	check(w >= 0 && write(w, "xyz", 3) == 3, "fifo: O_RDWR opens at once");
	close(w);
	w = open(f, O_RDWR | O_NONBLOCK);
	errno = 0;
	check(read(w, buf, sizeof(buf)) == -1 && errno == EAGAIN, "fifo: bytes are gone after the last close");
	close(w);

	/* A signal ends the wait for a partner. */
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigaction(SIGALRM, &sa, NULL);
		alarm(1);
		errno = 0;
		r = open(f, O_RDONLY);
		check(r == -1 && errno == EINTR, "fifo: a signal ends a blocked open with EINTR");
		alarm(0);
	}
	check(unlink(f) == 0, "removing the fifo");
}

static void fd_links(void)
{
	char name[64], buf[16];
	int p[2], fd, status;
	pid_t pid;

	pipe(p);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", p[1]);
	fd = open(name, O_WRONLY);
	check(fd >= 0 && write(fd, "x", 1) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'x',
	      "/proc/self/fd/N of a pipe opens the pipe");
	close(fd);
	snprintf(name, sizeof(name), "/dev/fd/%d", p[0]);
	fd = open(name, O_RDONLY);
	check(fd >= 0 && write(p[1], "y", 1) == 1 && read(fd, buf, 1) == 1 && buf[0] == 'y',
	      "/dev/fd/N of a pipe's read end");
	close(fd);
	/* stdout as /dev/stdout when it is a pipe */
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		fd = open("/dev/stdout", O_WRONLY);
		_exit(fd >= 0 && write(fd, "z", 1) == 1 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0 && read(p[0], buf, 1) == 1 && buf[0] == 'z',
	      "/dev/stdout when fd 1 is a pipe");
	close(p[0]);
	close(p[1]);
	/* A pipe's read end whose writers have all gone opens at once (no fifo wait). */
	pipe(p);
	write(p[1], "q", 1);
	close(p[1]);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", p[0]);
	fd = open(name, O_RDONLY);
	check(fd >= 0 && read(fd, buf, 2) == 1 && buf[0] == 'q' && read(fd, buf, 1) == 0,
	      "/proc/self/fd/N of a pipe without writers: the data, then end of file");
	close(fd);
	close(p[0]);

	fd = open(path("gone"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(fd, "kept", 4);
	unlink(path("gone"));
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	{
		int again = open(name, O_RDONLY);

		memset(buf, 0, sizeof(buf));
		check(again >= 0 && read(again, buf, sizeof(buf)) == 4 && !memcmp(buf, "kept", 4),
		      "/proc/self/fd/N of a removed file opens the file");
		close(again);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		dir = argv[1];
	setvbuf(stdout, NULL, _IONBF, 0);
	nodes();
	memory_devices();
	no_tty();
	mknods();
	fifos();
	fd_links();
	if (failures) {
		printf("devtest: %d failures\n", failures);
		return 1;
	}
	printf("devtest: all ok\n");
	return 0;
}
