/* cat: copy files (or stdin, also for "-") to stdout, with plain read and write. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[4096];

/* 0 on success, otherwise the errno of the failure. */
static int copy(int fd)
{
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		for (ssize_t done = 0; done < n;) { /* write may take less than asked */
			ssize_t w = write(1, buf + done, (size_t)(n - done));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return errno;
			}
			done += w;
		}
	}
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		int err = copy(0);
		if (err) {
			fprintf(stderr, "cat: -: %s\n", strerror(err));
			status = 1;
		}
		return status;
	}
	for (int i = 1; i < argc; i++) {
		int fd = strcmp(argv[i], "-") == 0 ? 0 : open(argv[i], O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		int err = copy(fd);
		if (err) {
			fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(err));
			status = 1;
		}
		if (fd != 0)
			close(fd);
	}
	return status;
}
