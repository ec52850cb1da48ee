/* tty.c: terminal attributes through the TCGETS/TCSETS ioctls. */
#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int tcgetattr(int fd, struct termios *t)
{
	return ioctl(fd, TCGETS, t);
}

int tcsetattr(int fd, int action, const struct termios *t)
{
	if (action < TCSANOW || action > TCSAFLUSH) {
		errno = EINVAL;
		return -1;
	}
	/* TCSETS, TCSETSW and TCSETSF are consecutive, like the actions. */
	return ioctl(fd, TCSETS + action, t);
}

/* A terminal is whatever answers TCGETS. */
int isatty(int fd)
{
	struct termios t;
	return tcgetattr(fd, &t) == 0;
}
