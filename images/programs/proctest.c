/*
 * proctest: /proc as programs use it. `proctest [DIR]` (a writable directory, default
 * the current one): /proc/self is a link to the process's directory; /proc/self/exe
 * names the program and executing it runs the program again (BusyBox does this);
 * cmdline holds the arguments; status and stat name the process; maps shows the
 * program's text and the stack; fd/N links to an open file; a zombie child has a
 * directory until it is reaped; getcwd inside /proc; /proc is another file system
 * (st_dev, statfs type, EXDEV, EBUSY, ENODEV for mmap). Only what Linux also shows is
 * checked, so the transcript is the same natively.
 */
#include <dirent.h>
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
#include <sched.h>
#include <unistd.h>

#define NR_chmod 15
#define NR_truncate 92
#define NR_rename 38
#define NR_readlink 85
#define NR_statfs64 268
#define PROC_SUPER_MAGIC 0x9fa0

static int failures;

static void check(int ok, const char *what)
{
	printf("proctest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static long readlink_(const char *path, char *buf, size_t size)
{
	long n = syscall(NR_readlink, path, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* A whole /proc file (up to 4 KiB) as a string, NULs included; its length. */
static long slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	long n, total = 0;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + total, size - 1 - total)) > 0)
		total += n;
	buf[total] = '\0';
	close(fd);
	return total;
}

int main(int argc, char **argv)
{
	static char buf[8192];
	char path[256], want[256], cwd[256];
	struct stat st, root;
	int pid = getpid();

	if (argc == 2 && !strcmp(argv[1], "--again")) {
		printf("proctest: run again through /proc/self/exe\n");
		return 0;
	}
	if (argc > 1 && chdir(argv[1])) {
		perror(argv[1]);
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);

	snprintf(want, sizeof(want), "%d", pid);
	check(readlink_("/proc/self", path, sizeof(path)) > 0 && !strcmp(path, want), "/proc/self links to our pid");
	check(stat("/proc/self", &st) == 0 && S_ISDIR(st.st_mode), "and is a directory");
	check(readlink_("/proc/self/exe", path, sizeof(path)) > 0 && path[0] == '/' &&
	      !strcmp(strrchr(path, '/'), "/proctest"), "/proc/self/exe names the program");
	check(stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111), "and that file is there");

	/* cmdline: the arguments, each with its NUL. */
	long n = slurp("/proc/self/cmdline", buf, sizeof(buf)), len = 0;
	for (int i = 0; i < argc; i++)
		len += (long)strlen(argv[i]) + 1;
	check(n == len && !strcmp(buf, argv[0]) && (argc < 2 || !strcmp(buf + strlen(argv[0]) + 1, argv[1])),
	      "cmdline holds the arguments");

	snprintf(want, sizeof(want), "\nPid:\t%d\n", pid);
	check(slurp("/proc/self/status", buf, sizeof(buf)) > 0 && strstr(buf, want), "status has our Pid line");
	snprintf(want, sizeof(want), "%d (", pid);
	check(slurp("/proc/self/stat", buf, sizeof(buf)) > 0 && !strncmp(buf, want, strlen(want)) &&
	      strstr(buf, ") R "), "stat: pid (name) R ...");

	/* maps: the program's text, and the stack. */
	readlink_("/proc/self/exe", path, sizeof(path));
	check(slurp("/proc/self/maps", buf, sizeof(buf)) > 0, "maps can be read");
	int text = 0, stack = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		size_t l = strlen(line), p = strlen(path);
		if (strstr(line, " r-xp ") && l > p && !strcmp(line + l - p, path) && line[l - p - 1] == ' ')
			text++;
		if (l > 8 && !strcmp(line + l - 8, " [stack]"))
			stack++;
	}
	check(text == 1 && stack == 1, "maps: one text line for the program, one [stack]");

	/* fd/N links to what is open there. */
	int fd = open("proc.f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	getcwd(cwd, sizeof(cwd));
	readlink_(want, path, sizeof(path));
	snprintf(want, sizeof(want), "%s/proc.f", strcmp(cwd, "/") ? cwd : "");
	check(!strcmp(path, want), "fd/N links to the open file's name");
	int fds[2];
	pipe(fds);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fds[0]);
	check(readlink_(want, path, sizeof(path)) > 0 && !strncmp(path, "pipe:[", 6), "a pipe's link: pipe:[N]");
	fstat(fds[0], &st);
	snprintf(want, sizeof(want), "pipe:[%llu]", (unsigned long long)st.st_ino);
	check(!strcmp(path, want), "N is the pipe's inode number");
	close(fds[0]);
	close(fds[1]);
	check(unlink("proc.f") == 0, "unlink");
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	readlink_(want, path, sizeof(path));
	check(strlen(path) > 10 && !strcmp(path + strlen(path) - 10, " (deleted)"), "a removed file: (deleted)");
	close(fd);

	/* A child: a directory while it lives and while it is a zombie, none after. */
	int p[2];
	pipe(p);
	pid_t child = fork();
	if (child == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	snprintf(want, sizeof(want), "/proc/%d", child);
	check(stat(want, &st) == 0 && S_ISDIR(st.st_mode), "a child has a directory");
	DIR *d = opendir("/proc");
	struct dirent *e;
	int listed = 0;
	snprintf(path, sizeof(path), "%d", child);
	while ((e = readdir(d)))
		listed += !strcmp(e->d_name, path);
	closedir(d);
	check(listed == 1, "and is listed in /proc");
	/* getdents64's d_ino is the inode number stat gives for the same name (C
	 * libraries and ls rely on it), in /proc, /proc/self and /proc/self/fd. */
	{
		static const char *const dirs[] = { "/proc", "/proc/self", "/proc/self/fd" };
		int same = 1, seen = 0;

		for (size_t k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
			struct stat est;
			char name[300];

			d = opendir(dirs[k]);
			while (d && (e = readdir(d))) {
				if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
					continue;
				snprintf(name, sizeof(name), "%s/%s", dirs[k], e->d_name);
				if (lstat(name, &est) == 0) {   /* the reading descriptor itself may be gone */
					seen++;
					if (est.st_ino != e->d_ino) {
						printf("proctest: %s: d_ino %llu, st_ino %llu\n", name,
						       (unsigned long long)e->d_ino, (unsigned long long)est.st_ino);
						same = 0;
					}
				}
			}
			if (d)
				closedir(d);
		}
		check(same && seen > 10, "getdents64's d_ino equals stat's st_ino for /proc entries");
	}
	close(p[1]);
	for (int i = 0; i < 1000; i++) {   /* until it has exited (a zombie) */
		snprintf(path, sizeof(path), "/proc/%d/stat", child);
		if (slurp(path, buf, sizeof(buf)) > 0 && strstr(buf, ") Z "))
			break;
		sched_yield();
	}
	check(strstr(buf, ") Z ") != NULL, "a zombie: state Z");
	waitpid(child, NULL, 0);
	check(stat(want, &st) == -1 && errno == ENOENT, "reaped: its directory is gone");

	/* Inside /proc. */
	check(chdir("/proc/self") == 0 && getcwd(cwd, sizeof(cwd)) != NULL, "chdir into /proc/self");
	snprintf(want, sizeof(want), "/proc/%d", pid);
	check(!strcmp(cwd, want), "getcwd there: /proc/PID");
	check(stat("maps", &st) == 0 && S_ISREG(st.st_mode) && chdir("..") == 0 && getcwd(cwd, sizeof(cwd)) &&
	      !strcmp(cwd, "/proc"), "relative names, and .. to /proc");
	check(chdir("/") == 0, "chdir /");

	/* Another file system. */
	struct {
		unsigned type, bsize;
		unsigned long long blocks, bfree, bavail, files, ffree;
		int fsid[2];
		unsigned namelen, frsize, flags, spare[4];
	} __attribute__((packed)) sfs;
	check(stat("/proc", &st) == 0 && stat("/", &root) == 0 && st.st_dev != root.st_dev, "/proc has its own st_dev");
	check(syscall(NR_statfs64, "/proc", sizeof(sfs), &sfs) == 0 && sfs.type == PROC_SUPER_MAGIC,
	      "statfs: PROC_SUPER_MAGIC");
	check(rmdir("/proc") == -1 && errno == EBUSY, "rmdir /proc: EBUSY");
	fd = open("/proc/self/stat", O_RDONLY);
	check(fd >= 0 && mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == ENODEV,
	      "mmap of a /proc/PID file: ENODEV");
	close(fd);
	fd = open("/proc/meminfo", O_RDONLY);
	check(read(fd, buf, 9) == 9 && !memcmp(buf, "MemTotal:", 9), "meminfo starts with MemTotal:");
	close(fd);
	if (argc > 1) {
		snprintf(path, sizeof(path), "%s/proc.r", argv[1]);
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		close(fd);
		check(syscall(NR_rename, path, "/proc/x") == -1 && errno == EXDEV, "rename into /proc: EXDEV");
		unlink(path);
	}
	check(slurp("/proc/uptime", buf, sizeof(buf)) > 0 && strchr(buf, '.') && buf[strlen(buf) - 1] == '\n',
	      "uptime: seconds with a fraction");
	check(slurp("/proc/loadavg", buf, sizeof(buf)) > 0 && strchr(buf, '/'), "loadavg: running/total");

	/* BusyBox's way back to itself. */
	fflush(stdout);
	pid_t again = fork();
	if (again == 0) {
		char *args[] = { "proctest", "--again", NULL };
		execve("/proc/self/exe", args, NULL);
		perror("execve /proc/self/exe");
		_exit(127);
	}
	int status;
	waitpid(again, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "execve of /proc/self/exe");

	/* A running program's file cannot be written, nor a file open for writing run. */
	check(open("/proc/self/exe", O_WRONLY) == -1 && errno == ETXTBSY, "writing our own program: ETXTBSY");
	readlink_("/proc/self/exe", path, sizeof(path));
	check(syscall(NR_truncate, path, 0) == -1 && errno == ETXTBSY, "truncating it: ETXTBSY");
	if (argc > 1) {
		int in = open("/proc/self/exe", O_RDONLY), copy;
		snprintf(path, sizeof(path), "%s/proctest.copy", argv[1]);
		copy = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
		while ((n = read(in, buf, sizeof(buf))) > 0)
			write(copy, buf, n);
		close(in);
		syscall(NR_chmod, path, 0755);
		char *args[] = { "proctest", "--again", NULL };
		check(execve(path, args, NULL) == -1 && errno == ETXTBSY, "running a file open for writing: ETXTBSY");
		close(copy);
		fflush(stdout);
		if ((again = fork()) == 0) {
			execve(path, args, NULL);
			_exit(127);
		}
		waitpid(again, &status, 0);
		check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "closed, it runs");
		unlink(path);
	}

	printf("proctest: %s\n", failures ? "FAILED" : "all ok");
	return failures != 0;
}
