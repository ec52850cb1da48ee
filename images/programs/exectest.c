/* exectest: execve.
 *  - re-executes itself CHAIN times, counting levels in argv[1] and passing the same
 *    count in a fresh environment (EXECTEST_LEVEL), which each level checks;
 *  - checks the auxiliary vector (AT_PAGESZ);
 *  - execve of a missing file fails with ENOENT, of an executable non-ELF file
 *    ("notelf", next to this program) with ENOEXEC;
 *  - finally becomes /bin/echo with a new argv and envp; echo's output and exit
 *    status (0) end the test. A failed check exits 1 instead. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#define CHAIN 3

static int failures;

static void check(int ok, const char *what)
{
	printf("exectest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

int main(int argc, char **argv)
{
	/* Our own path: argv[0] when it is one (init and the tests pass a full path). */
	const char *self = argc > 0 && strchr(argv[0], '/') ? argv[0] : "/bin/exectest";
	int level = argc > 1 ? atoi(argv[1]) : 0;

	if (level == 0) {
		printf("exectest: level 0\n");
	} else {
		const char *env = getenv("EXECTEST_LEVEL");
		printf("exectest: level %d, EXECTEST_LEVEL=%s\n", level, env ? env : "(unset)");
		check(env && strcmp(env, argv[1]) == 0 && getenv("PATH") == NULL,
		      "argv and the new environment arrived");
	}

	if (level < CHAIN) {
		char next[16], envvar[32];
		snprintf(next, sizeof(next), "%d", level + 1);
		snprintf(envvar, sizeof(envvar), "EXECTEST_LEVEL=%d", level + 1);
		char *const args[] = { (char *)self, next, NULL };
		char *const envs[] = { envvar, NULL };
		fflush(stdout); /* the new image starts with empty buffers */
		execve(self, args, envs);
		printf("exectest: execve %s: %s\n", self, strerror(errno));
		return 1;
	}

	check(getauxval(AT_PAGESZ) == 4096, "auxv AT_PAGESZ is 4096");

	char *const no_args[] = { "nothing", NULL };
	char *const no_env[] = { NULL };
	errno = 0;
	check(execve("/nonexistent/program", no_args, no_env) == -1 && errno == ENOENT,
	      "execve of a missing file: ENOENT");

	char notelf[256];
	const char *slash = strrchr(self, '/');
	snprintf(notelf, sizeof(notelf), "%.*s/notelf", (int)(slash - self), self);
	errno = 0;
	int r = execve(notelf, no_args, no_env);
	check(r == -1 && errno == ENOEXEC, "execve of a non-ELF file: ENOEXEC");
	if (r == -1 && errno != ENOEXEC)
		printf("exectest: (%s: %s)\n", notelf, strerror(errno));

	if (failures) {
		printf("exectest: FAILED\n");
		return 1;
	}
	char *const echo_args[] = { "echo", "exectest:", "now", "running", "/bin/echo", NULL };
	char *const echo_env[] = { "FROM=exectest", NULL };
	fflush(stdout);
	execve("/bin/echo", echo_args, echo_env);
	printf("exectest: execve /bin/echo: %s\n", strerror(errno));
	return 1;
}
