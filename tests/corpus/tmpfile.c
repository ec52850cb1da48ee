/* Files in /tmp: create, write, append, seek past the end (a hole reads as zeros),
 * truncate, rename, hard link, unlink while open; parent and child share one open
 * file description after fork, so their writes do not overwrite each other. */
/* 64-bit inode numbers and offsets, as the host file systems of the reference have. */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/corpus-fileXXXXXX";

static const char *at(const char *name)
{
	static char path[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
	return path[k];
}

static void show(const char *name)
{
	char buf[256];
	int fd = open(at(name), O_RDONLY);
	if (fd < 0) {
		printf("%s: cannot open (%s)\n", name, errno == ENOENT ? "ENOENT" : "other");
		return;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 0)
			buf[i] = '.';
		else if (buf[i] == '\n')
			buf[i] = '|';
	printf("%s (%zd bytes): %s\n", name, n, buf);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	int fd = open(at("a"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, "hello\n", 6);
	close(fd);
	fd = open(at("a"), O_WRONLY | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	write(fd, "world\n", 6);   /* O_APPEND: at the end whatever the offset */
	close(fd);
	show("a");
	printf("O_EXCL on an existing file: %s\n",
	       open(at("a"), O_WRONLY | O_CREAT | O_EXCL, 0644) < 0 && errno == EEXIST ? "EEXIST" : "opened");

	fd = open(at("holes"), O_RDWR | O_CREAT, 0600);
	lseek(fd, 10, SEEK_SET);
	write(fd, "end", 3);
	struct stat st;
	fstat(fd, &st);
	printf("holes: size %lld after writing 3 bytes at 10\n", (long long)st.st_size);
	ftruncate(fd, 5);
	fstat(fd, &st);
	printf("holes: size %lld after ftruncate 5\n", (long long)st.st_size);
	ftruncate(fd, 8);
	close(fd);
	show("holes");

	rename(at("a"), at("b"));
	show("a");
	show("b");
	link(at("b"), at("c"));
	stat(at("b"), &st);
	printf("b has %ld links\n", (long)st.st_nlink);
	fd = open(at("c"), O_RDONLY);
	unlink(at("b"));
	unlink(at("c"));
	char buf[16] = {0};
	printf("unlinked but open: read %zd bytes\n", read(fd, buf, 5));
	close(fd);

	fd = open(at("shared"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t p = fork();
	if (p == 0) {
		for (int i = 0; i < 3; i++)
			write(fd, "child\n", 6);
		_exit(0);
	}
	waitpid(p, NULL, 0);
	for (int i = 0; i < 2; i++)
		write(fd, "parent\n", 7);
	printf("shared offset after both: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
	close(fd);
	show("shared");

	unlink(at("holes"));
	unlink(at("shared"));
	printf("rmdir: %s\n", rmdir(dir) == 0 ? "ok" : "failed");
	return 0;
}
