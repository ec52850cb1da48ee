/* mmtest: madvise (DONTNEED on private and shared memory, FREE, WIPEONFORK,
 * DONTFORK, the errors), mremap (shrink, grow in place, MREMAP_MAYMOVE,
 * MREMAP_FIXED, the errors) and shared memory across fork (anonymous and /dev/zero:
 * pages either side touches first after the fork). Each check prints one line; the transcript is Linux's.
 * (qemu-i386 differs in both calls: tests/i386_runner.py's DEVIATIONS.) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_mremap 163
#define NR_madvise 219
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MADV_DONTFORK 10
#define MADV_WIPEONFORK 18
#define PAGE 4096

long __syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);
#define raw(n, a, b, c, d, e) __syscall(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

static int failures;

static void check(int ok, const char *what)
{
	printf("mmtest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static int dontfork_child_check(void) { return 0; }

static void test_madvise(void)
{
	char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;

	memset(m, 'a', 4 * PAGE);
	check(raw(NR_madvise, m + PAGE, 2 * PAGE, MADV_DONTNEED, 0, 0) == 0, "madvise(MADV_DONTNEED) on two pages");
	check(m[0] == 'a' && m[PAGE] == 0 && m[2 * PAGE + 100] == 0 && m[3 * PAGE] == 'a',
	      "MADV_DONTNEED: those pages read zeros, the others keep their bytes");
	s[0] = 's';
	check(raw(NR_madvise, s, PAGE, MADV_DONTNEED, 0, 0) == 0 && s[0] == 's',
	      "MADV_DONTNEED on shared memory: its bytes stay");
	check(raw(NR_madvise, m, 4 * PAGE, MADV_FREE, 0, 0) == 0, "madvise(MADV_FREE) on private memory: 0");
	check(raw(NR_madvise, m, PAGE, 0, 0, 0) == 0, "madvise(MADV_NORMAL): 0");
	check(raw(NR_madvise, m + 1, PAGE, MADV_DONTNEED, 0, 0) == -EINVAL, "madvise, unaligned: EINVAL");
	check(raw(NR_madvise, m, PAGE, 12345, 0, 0) == -EINVAL, "madvise, unknown advice: EINVAL");
	check(raw(NR_madvise, m, 0, MADV_DONTNEED, 0, 0) == 0, "madvise, length 0: 0");
	munmap(m + 2 * PAGE, PAGE);
	check(raw(NR_madvise, m, 4 * PAGE, MADV_DONTNEED, 0, 0) == -ENOMEM, "madvise over a hole: ENOMEM");

	/* MADV_WIPEONFORK: the child's copy is zero; MADV_DONTFORK: the child has none. */
	m[0] = 'w';
	check(raw(NR_madvise, m, PAGE, MADV_WIPEONFORK, 0, 0) == 0, "madvise(MADV_WIPEONFORK)");
	pid_t pid = fork();
	if (pid == 0)
		_exit(m[0] == 0 ? 0 : 1);
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 && m[0] == 'w',
	      "after fork the child's page reads zero, the parent's is kept");
	check(raw(NR_madvise, s, PAGE, MADV_WIPEONFORK, 0, 0) == -EINVAL, "MADV_WIPEONFORK on shared memory: EINVAL");
	m[3 * PAGE] = 'd';
	check(raw(NR_madvise, m + 3 * PAGE, PAGE, MADV_DONTFORK, 0, 0) == 0, "madvise(MADV_DONTFORK)");
	pid = fork();
	if (pid == 0) {
		/* The page is not mapped in the child: touching it would be SIGSEGV. */
		volatile char c = m[3 * PAGE];
		(void)c;
		_exit(dontfork_child_check());
	}
	check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	      "the child of fork has no such page: SIGSEGV");
	munmap(m, 4 * PAGE);
	munmap(s, PAGE);
}

static void test_mremap(void)
{
	char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *n, *f;
	long r;

	for (int i = 0; i < 4; i++)
		m[i * PAGE] = (char)('0' + i);
	check((char *)raw(NR_mremap, m, 4 * PAGE, 2 * PAGE, 0, 0) == m && m[PAGE] == '1',
	      "mremap shrink 4 to 2 pages: same address");
	/* The freed tail is mappable again at its address. */
	n = mmap(m + 2 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(n == m + 2 * PAGE, "the tail is gone: mapped anew with MAP_FIXED");
	r = raw(NR_mremap, m, 2 * PAGE, 4 * PAGE, 0, 0);
	check(r == -ENOMEM, "mremap grow into a mapping, no MREMAP_MAYMOVE: ENOMEM");
	munmap(m + 2 * PAGE, PAGE);
	check((char *)raw(NR_mremap, m, 2 * PAGE, 3 * PAGE, 0, 0) == m && m[2 * PAGE] == 0 && m[PAGE] == '1',
	      "mremap grow in place 2 to 3 pages: new page zero, old kept");
	/* Block growth in place, then move. */
	f = mmap(m + 3 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	n = (char *)raw(NR_mremap, m, 3 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, 0);
	check(n != m && (long)n > 0 && n[0] == '0' && n[PAGE] == '1' && n[2 * PAGE] == 0 && n[7 * PAGE] == 0,
	      "mremap MREMAP_MAYMOVE 3 to 8 pages: moved, contents kept, the rest zero");
	n[5 * PAGE] = 'z';
	check(raw(NR_madvise, m, PAGE, 0, 0, 0) == -ENOMEM, "the old address is unmapped");
	munmap(f, PAGE);
	check((char *)raw(NR_mremap, n, 8 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, m) == m &&
	      m[0] == '0' && m[PAGE] == '1', "mremap MREMAP_FIXED to the first address, shrunk to 2 pages");
	check(raw(NR_mremap, m, 2 * PAGE, 2 * PAGE, MREMAP_FIXED, m + 8 * PAGE) == -EINVAL,
	      "MREMAP_FIXED without MREMAP_MAYMOVE: EINVAL");
	check(raw(NR_mremap, m, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, m + PAGE) == -EINVAL,
	      "MREMAP_FIXED onto an overlapping range: EINVAL");
	check(raw(NR_mremap, m + 1, PAGE, 2 * PAGE, 0, 0) == -EINVAL, "mremap, unaligned: EINVAL");
	check(raw(NR_mremap, m, PAGE, 0, 0, 0) == -EINVAL, "mremap to length 0: EINVAL");
	check(raw(NR_mremap, m, PAGE, 2 * PAGE, 0x40, 0) == -EINVAL, "mremap, unknown flag: EINVAL");
	check(raw(NR_mremap, m, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE, 0) == -EFAULT,
	      "mremap of a range beyond its mapping: EFAULT");
	munmap(m, 2 * PAGE);
	check(raw(NR_mremap, m, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0) == -EFAULT, "mremap of unmapped memory: EFAULT");
}

/* A private, writable mapping of a file (this program) moves with its written page
 * and keeps mapping the file's bytes as it grows, moved or in place. */
static void test_mremap_file(const char *self)
{
	int fd = open(self, O_RDONLY);
	char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *all = mmap(NULL, 8 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	char *block, *n;

	m[0] = 'X';
	block = mmap(m + 2 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	n = (char *)raw(NR_mremap, m, 2 * PAGE, 6 * PAGE, MREMAP_MAYMOVE, 0);
	check(n != m && (long)n > 0 && n[0] == 'X' && memcmp(n + PAGE, all + PAGE, PAGE) == 0,
	      "mremap MREMAP_MAYMOVE of a file mapping: the written page and the file's bytes move");
	check(memcmp(n + 4 * PAGE, all + 4 * PAGE, PAGE) == 0, "the grown part maps the file further");
	check((char *)raw(NR_mremap, n, 6 * PAGE, 7 * PAGE, 0, 0) == n && memcmp(n + 6 * PAGE, all + 6 * PAGE, PAGE) == 0,
	      "grown in place: the file further still");
	munmap(block, PAGE);
	munmap(n, 7 * PAGE);
	munmap(all, 8 * PAGE);
	close(fd);
}

/* A page of shared memory that one side of a fork touches first is the other's too:
 * written by the child before the parent ever touched it, and by the parent after the
 * fork, while the child waits on a pipe to read it. */
static void test_shared_first_touch(const char *what, int fd)
{
	int flags = fd < 0 ? MAP_SHARED | MAP_ANONYMOUS : MAP_SHARED;
	volatile char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, flags, fd, 0);
	int go[2], status = -1;
	char line[128];
	pid_t pid;

	if (m == MAP_FAILED || pipe(go) < 0) {
		check(0, what);
		return;
	}
	pid = fork();
	if (pid == 0) {
		char c;

		m[0] = 'c';
		_exit(read(go[0], &c, 1) == 1 && m[PAGE] == 'p' ? 0 : 1);
	}
	m[PAGE] = 'p';
	write(go[1], "x", 1);
	waitpid(pid, &status, 0);
	snprintf(line, sizeof line, "%s: a page the child touched first holds its byte", what);
	check(m[0] == 'c', line);
	snprintf(line, sizeof line, "%s: the child read what the parent wrote after fork", what);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, line);
	munmap((void *)m, 2 * PAGE);
	close(go[0]);
	close(go[1]);
}

int main(int argc, char **argv)
{
	(void)argc;
	setvbuf(stdout, NULL, _IONBF, 0);
	test_madvise();
	test_mremap();
	test_mremap_file(argv[0]);
	test_shared_first_touch("MAP_SHARED | MAP_ANONYMOUS", -1);
	{
		int zero = open("/dev/zero", O_RDWR);

		test_shared_first_touch("/dev/zero, MAP_SHARED", zero);
		close(zero);
	}
	printf("mmtest: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}
