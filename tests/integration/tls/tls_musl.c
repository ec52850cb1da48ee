/* musl's thread-local storage (its own %gs TLS block, set up at start-up) across the
 * ways a process blocks: each check reads and writes a __thread variable. */
#include <errno.h>
#define FUTEX_WAIT 0
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static __thread int tv = 42;

static int tls_ok(int want)
{
	int ok = tv == want;
	tv = want + 1;
	tv = want;
	return ok;
}

int main(void)
{
	struct timespec t = { 0, 30 * 1000 * 1000 };
	int fds[2], status = -1, word = 0, ok;
	char c = 0;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("musl tls: start %d\n", tls_ok(42));
	nanosleep(&t, NULL);
	printf("musl tls: after nanosleep %d\n", tls_ok(42));
	pipe(fds);
	pid = fork();
	if (pid == 0) {
		tv = 7;
		nanosleep(&t, NULL);
		_exit(tls_ok(7) && write(fds[1], "x", 1) == 1 ? 0 : 1);
	}
	ok = read(fds[0], &c, 1) == 1 && tls_ok(42);
	printf("musl tls: after a read that waited %d (%c)\n", ok, c);
	waitpid(pid, &status, 0);
	printf("musl tls: the sleeping writer's own tls %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pid = fork();
	if (pid == 0) {
		sleep(1);
		_exit(tls_ok(42) ? 5 : 1);
	}
	ok = waitpid(pid, &status, 0) == pid && tls_ok(42);
	printf("musl tls: after wait4 for a child in sleep(1) %d, its status %d\n", ok, WEXITSTATUS(status));
	printf("musl tls: after a futex wait that timed out %d\n",
	       syscall(SYS_futex, &word, FUTEX_WAIT, 0, &t) == -1 && errno == ETIMEDOUT && tls_ok(42));
	return 0;
}
