/* Directories and stat: make a tree under /tmp, list it with opendir/readdir (sorted,
 * since the order of entries is the file system's), stat each entry, then remove it
 * all; the errors Linux gives for the usual mistakes. */
/* 64-bit inode numbers and offsets, as the host file systems of the reference have. */
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *err(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case ENOTDIR: return "ENOTDIR";
	case ENOTEMPTY: return "ENOTEMPTY";
	case EISDIR: return "EISDIR";
	default: return "other";
	}
}

static const char *kind(mode_t m)
{
	return S_ISDIR(m) ? "dir" : S_ISREG(m) ? "file" : S_ISLNK(m) ? "symlink" : "other";
}

int main(void)
{
	char dir[] = "/tmp/corpus-dirXXXXXX";
	char path[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	const char *files[] = {"zeta", "alpha", "mid.txt", "Beta"};
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
		if (fd < 0) {
			perror("open");
			return 1;
		}
		for (int k = 0; k <= i; k++)
			write(fd, "0123456789", 10);
		close(fd);
	}
	snprintf(path, sizeof path, "%s/sub", dir);
	mkdir(path, 0750);
	snprintf(path, sizeof path, "%s/link", dir);
	symlink("alpha", path);

	DIR *d = opendir(dir);
	if (!d) {
		perror("opendir");
		return 1;
	}
	char *names[16];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 16)
		names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmp);
	for (int i = 0; i < n; i++) {
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (lstat(path, &st) < 0) {
			printf("%s: lstat %s\n", names[i], err(errno));
			continue;
		}
		/* A directory's size is the file system's own business: not printed. */
		printf("%-8s %-7s mode %04o", names[i], kind(st.st_mode), (unsigned)(st.st_mode & 07777));
		if (S_ISDIR(st.st_mode))
			printf("\n");
		else
			printf(" size %lld\n", (long long)st.st_size);
	}
	struct stat st;
	snprintf(path, sizeof path, "%s/link", dir);
	stat(path, &st);
	printf("stat through the link: %s, size %lld\n", kind(st.st_mode), (long long)st.st_size);

	snprintf(path, sizeof path, "%s/nothing", dir);
	printf("stat missing: %s\n", stat(path, &st) < 0 ? err(errno) : "found");
	snprintf(path, sizeof path, "%s/sub", dir);
	printf("mkdir existing: %s\n", mkdir(path, 0700) < 0 ? err(errno) : "made");
	printf("rmdir non-empty: %s\n", rmdir(dir) < 0 ? err(errno) : "removed");
	snprintf(path, sizeof path, "%s/alpha/x", dir);
	printf("file as a directory: %s\n", open(path, O_RDONLY) < 0 ? err(errno) : "opened");
	snprintf(path, sizeof path, "%s/sub", dir);
	printf("unlink a directory: %s\n", unlink(path) < 0 ? err(errno) : "unlinked");

	for (int i = 0; i < n; i++) {
		if (!strcmp(names[i], ".") || !strcmp(names[i], ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if ((!strcmp(names[i], "sub") ? rmdir(path) : unlink(path)) < 0)
			printf("remove %s: %s\n", names[i], err(errno));
	}
	printf("rmdir emptied: %s\n", rmdir(dir) == 0 ? "ok" : err(errno));
	return 0;
}
