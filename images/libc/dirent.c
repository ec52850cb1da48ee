/* dirent.c: opendir/readdir/closedir on getdents64. A DIR holds a buffer of raw
 * linux_dirent64 records; readdir hands them out one by one and refills when empty. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

struct libc_dir {
	int fd;
	size_t pos, len; /* next record, bytes in buf */
	char buf[4096] __attribute__((aligned(8)));
};

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *dir = malloc(sizeof(*dir));
	if (!dir) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	dir->fd = fd;
	dir->pos = dir->len = 0;
	return dir;
}

struct dirent *readdir(DIR *dir)
{
	if (dir->pos >= dir->len) {
		ssize_t n = getdents64(dir->fd, dir->buf, sizeof(dir->buf));
		if (n <= 0) /* 0: end of the directory (errno untouched); <0: error */
			return NULL;
		dir->len = (size_t)n;
		dir->pos = 0;
	}
	struct dirent *d = (struct dirent *)(dir->buf + dir->pos);
	dir->pos += d->d_reclen;
	return d;
}

int closedir(DIR *dir)
{
	int r = close(dir->fd);
	free(dir);
	return r;
}

int dirfd(DIR *dir)
{
	return dir->fd;
}

void rewinddir(DIR *dir)
{
	lseek(dir->fd, 0, SEEK_SET);
	dir->pos = dir->len = 0;
}
