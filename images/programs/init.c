/* init: the first process. "init PROGRAM ARGS..." runs PROGRAM (a name without '/'
 * means /bin/PROGRAM) and exits with its exit status, or 128 + the signal that
 * killed it, like a shell. As process 1 it also reaps orphans it inherits while
 * waiting. Without arguments it says so and exits 0.
 *
 * What the kernel command line cannot carry comes in files (<abi/forkscope.h>), named
 * by init's options before PROGRAM, each a list of NUL-terminated strings:
 *   -a FILE   the program's whole argv, argv[0] first (it names the program, as
 *             PROGRAM does); no PROGRAM or ARGS follow;
 *   -e FILE   changes to init's environment, which the program inherits: NAME=VALUE
 *             sets NAME, NAME alone removes it.
 * Those bytes reach execve as they are: nothing is split, unquoted or cut.
 *
 * The normal path is fork, exec in the child, wait in the parent. A kernel without
 * fork (fork fails with ENOSYS) gets plain execve instead: init becomes PROGRAM. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[4096];

_Noreturn static void run(char **argv, char **envp)
{
	execve(path, argv, envp);
	fprintf(stderr, "init: cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

/* FILE's NUL-terminated strings as a NULL-ended array, their number in *count (a last
 * string without its NUL counts too). NULL with errno set when FILE cannot be read. */
static char **read_strings(const char *file, int *count)
{
	size_t size = 0, cap = 4096;
	char *buf = malloc(cap + 1);   /* + 1: room for a missing last NUL */
	int fd = open(file, O_RDONLY);

	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		if (!buf) {
			close(fd);
			errno = ENOMEM;
			return NULL;
		}
		ssize_t n = read(fd, buf + size, cap - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			free(buf);
			close(fd);
			errno = err;
			return NULL;
		}
		if (n == 0)
			break;
		size += (size_t)n;
		if (size == cap) {
			char *bigger = realloc(buf, 2 * cap + 1);
			if (!bigger)
				free(buf);
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	if (size > 0 && buf[size - 1] != '\0')
		buf[size++] = '\0';

	int n = 0;
	for (size_t i = 0; i < size; i++)
		n += buf[i] == '\0';
	char **list = malloc((size_t)(n + 1) * sizeof(*list));
	if (!list) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0, k = 0; i < size; i += strlen(buf + i) + 1)
		list[k++] = buf + i;
	list[n] = NULL;
	*count = n;
	return list;
}

/* envp with the changes applied: NAME=VALUE takes the place of NAME's entry (or goes at
 * the end), NAME removes it. NULL when out of memory. */
static char **changed_environment(char **envp, char **changes, int nchanges)
{
	int n = 0;

	while (envp[n])
		n++;
	char **env = malloc((size_t)(n + nchanges + 1) * sizeof(*env));
	if (!env)
		return NULL;
	memcpy(env, envp, (size_t)n * sizeof(*env));
	for (int c = 0; c < nchanges; c++) {
		const char *change = changes[c];
		size_t len = strcspn(change, "=");
		bool set = change[len] == '=', placed = false;
		int out = 0;

		if (len == 0)
			continue;   /* no NAME: nothing to change */
		for (int i = 0; i < n; i++) {
			if (strncmp(env[i], change, len) == 0 && (env[i][len] == '=' || env[i][len] == '\0')) {
				if (set && !placed)
					env[out++] = (char *)change;
				placed = true;
				continue;
			}
			env[out++] = env[i];
		}
		if (set && !placed)
			env[out++] = (char *)change;
		n = out;
	}
	env[n] = NULL;
	return env;
}

int main(int argc, char **argv, char **envp)
{
	char **args = argv + 1; /* the program's argv: ours without "init" */
	int nargs = argc - 1;
	const char *argv_file = NULL, *env_file = NULL;

	while (nargs >= 2 && (strcmp(args[0], "-a") == 0 || strcmp(args[0], "-e") == 0)) {
		if (args[0][1] == 'a')
			argv_file = args[1];
		else
			env_file = args[1];
		args += 2;
		nargs -= 2;
	}
	if (argv_file && nargs > 0) {
		fprintf(stderr, "init: -a %s takes no program after it (%s)\n", argv_file, args[0]);
		return 2;
	}
	if (argv_file && !(args = read_strings(argv_file, &nargs))) {
		fprintf(stderr, "init: cannot read %s: %s\n", argv_file, strerror(errno));
		return 127;
	}
	if (nargs == 0 && argv_file) {
		fprintf(stderr, "init: %s names no program\n", argv_file);
		return 127;
	}
	if (nargs == 0) {
		printf("init: no program given\n");
		return 0;
	}
	if (env_file) {
		int nchanges;
		char **changes = read_strings(env_file, &nchanges);
		if (!changes) {
			fprintf(stderr, "init: cannot read %s: %s\n", env_file, strerror(errno));
			return 127;
		}
		if (!(envp = changed_environment(envp, changes, nchanges))) {
			fprintf(stderr, "init: %s: %s\n", env_file, strerror(ENOMEM));
			return 127;
		}
	}
	int len = strchr(args[0], '/') ? snprintf(path, sizeof(path), "%s", args[0])
				      : snprintf(path, sizeof(path), "/bin/%s", args[0]);
	if (len < 0 || (size_t)len >= sizeof(path)) {
		fprintf(stderr, "init: cannot run %.40s...: %s\n", args[0], strerror(ENAMETOOLONG));
		return 127;
	}
	if (!argv_file)
		args[0] = path; /* the path it runs from as argv[0]; a file's argv[0] stays */

	fflush(stdout); /* a child must not inherit (and repeat) buffered output */
	pid_t pid = fork();
	if (pid < 0 && errno == ENOSYS)
		run(args, envp); /* no fork yet: become the program */
	if (pid < 0) {
		fprintf(stderr, "init: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0)
		run(args, envp);

	int status;
	for (;;) {
		pid_t w = wait(&status);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "init: wait: %s\n", strerror(errno));
			return 1;
		}
		/* another child (an orphan we inherited): reaped, keep waiting */
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	int sig = WTERMSIG(status);
	printf("init: %s killed by signal %d (%s)\n", path, sig, strsignal(sig));
	return 128 + sig;
}
