/* threads: threads that exit while others fork, exec or end the process, each case in a
 * run of its own (argv[1]):
 *
 *   fork-exit   four threads fork and reap 50 children each while the main thread
 *               starts 50 threads that exit at once: every fork and every join works
 *   exec        two threads fork and reap for ever while a third execs this program
 *               again ("execd"): exec ends the other threads first (their children go
 *               to init), and the new image runs alone
 *   exit-group  two threads fork and reap for ever while the main thread calls exit(5):
 *               the whole process ends with 5
 *
 * Built with gcc -m32 -static and musl, with pthreads. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FORKERS 4
#define FORKS 50
#define SHORT_LIVED 50

static char *self;
static volatile int forks_ok[FORKERS];

/* Forks `rounds` children (for ever if 0) that exit with 3, and reaps each. */
static void *forker(void *arg)
{
	int slot = (int)(long)arg, i, status;

	for (i = 0; ; i++) {
		pid_t pid;

		if (slot >= 0 && i == FORKS)
			break;
		pid = fork();
		if (pid == 0)
			_exit(3);
		if (pid < 0) {
			if (errno == EAGAIN)
				continue;
			printf("threads: fork: %s\n", strerror(errno));
			exit(1);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 3) {
			printf("threads: the child did not end with 3\n");
			exit(1);
		}
		if (slot >= 0)
			forks_ok[slot]++;
	}
	return NULL;
}

static void *exits_at_once(void *arg)
{
	return arg;
}

static void *execs(void *arg)
{
	char *argv[] = { self, "execd", NULL };

	(void)arg;
	usleep(20000);   /* while the forkers are busy */
	execv(self, argv);
	printf("threads: execv: %s\n", strerror(errno));
	exit(1);
}

static void start(pthread_t *t, void *(*fn)(void *), long arg)
{
	int e = pthread_create(t, NULL, fn, (void *)arg);

	if (e) {
		printf("threads: pthread_create: %s\n", strerror(e));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *c = argc == 2 ? argv[1] : "";
	pthread_t t[FORKERS], s;
	int i, joined = 0, total = 0;

	self = argv[0];
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(c, "fork-exit")) {
		for (i = 0; i < FORKERS; i++)
			start(&t[i], forker, i);
		for (i = 0; i < SHORT_LIVED; i++) {
			void *r;

			start(&s, exits_at_once, i);
			if (pthread_join(s, &r) == 0 && r == (void *)(long)i)
				joined++;
		}
		for (i = 0; i < FORKERS; i++)
			pthread_join(t[i], NULL);
		for (i = 0; i < FORKERS; i++)
			total += forks_ok[i];
		printf("threads fork-exit: %d forks reaped, %d short-lived threads joined\n", total, joined);
		return 0;
	}
	if (!strcmp(c, "exec")) {
		start(&t[0], forker, -1);
		start(&t[1], forker, -1);
		start(&t[2], execs, 0);
		pthread_join(t[2], NULL);   /* never returns: exec ends this thread too */
		printf("threads exec: the exec thread returned\n");
		return 1;
	}
	if (!strcmp(c, "execd")) {
		printf("threads exec: the new image runs\n");
		return 0;
	}
	if (!strcmp(c, "exit-group")) {
		start(&t[0], forker, -1);
		start(&t[1], forker, -1);
		usleep(20000);
		exit(5);
	}
	fprintf(stderr, "usage: threads fork-exit|exec|exit-group\n");
	return 2;
}
