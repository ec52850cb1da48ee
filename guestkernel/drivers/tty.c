/*
 * drivers/tty.c - the serial console as a terminal.
 *
 * Input arrives byte by byte from the UART's receive interrupt and goes through a small
 * line discipline: in canonical mode (the default) a line is edited (backspace erases,
 * ^U kills the line) and echoed, and becomes readable when it ends (Enter, or ^D which
 * ends it without a newline; ^D on an empty line reads as end of file). ^C and ^\ send
 * SIGINT and SIGQUIT to the foreground process group. With ICANON off (tcsetattr),
 * every byte is readable at once. Output goes to the console as it is written, '\n'
 * as "\r\n" (OPOST | ONLCR).
 */
#include <asm/irqflags.h>
#include <asm/uaccess.h>
#include <linux/console.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/serial.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <uapi/asm/ioctls.h>

#define NCCS 19
struct termios {
	u32 c_iflag, c_oflag, c_cflag, c_lflag;
	u8 c_line;
	u8 c_cc[NCCS];
};
BUILD_BUG_ON(sizeof(struct termios) != 36);

struct winsize {
	u16 ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* c_cc indexes */
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VMIN 6
/* c_iflag */
#define IGNCR 0000200
#define ICRNL 0000400
#define INLCR 0000100
/* c_oflag */
#define OPOST 0000001
#define ONLCR 0000004
/* c_lflag */
#define ISIG   0000001
#define ICANON 0000002
#define ECHO   0000010
#define ECHOE  0000020
#define ECHOK  0000040
#define ECHOCTL 0001000
#define ECHOKE 0004000
#define IEXTEN 0100000

#define TTY_BUF 1024          /* power of two */
#define TTY_EOF 0x100         /* in the read queue: ^D */

static struct tty_struct {
	struct termios termios;
	struct winsize winsize;
	u16 queue[TTY_BUF];                 /* readable input; TTY_EOF marks a ^D */
	unsigned int head, tail;            /* head: written by the interrupt */
	unsigned int lines;                 /* complete lines (or ^Ds) in the queue */
	char line[TTY_BUF];                 /* the line being edited (canonical mode) */
	unsigned int line_len;
	int pgrp;                           /* foreground process group */
	int session;                        /* the session it is the controlling tty of; 0: none */
	wait_queue_head_t read_wait;
	unsigned long overruns;
} console_tty;

static void tty_put_queue(struct tty_struct *tty, u16 c)
{
	if (tty->head - tty->tail < TTY_BUF) {
		tty->queue[tty->head % TTY_BUF] = c;
		tty->head++;
	} else {
		tty->overruns++;
	}
}

static void tty_echo(struct tty_struct *tty, const char *s, size_t n)
{
	if (tty->termios.c_lflag & ECHO)
		console_write(s, n);
}

static void tty_echo_char(struct tty_struct *tty, u8 c)
{
	char buf[2];

	if (!(tty->termios.c_lflag & ECHO))
		return;
	if (c < 0x20 && c != '\n' && c != '\t' && (tty->termios.c_lflag & ECHOCTL)) {
		buf[0] = '^';
		buf[1] = (char)(c + '@');
		console_write(buf, 2);
		return;
	}
	buf[0] = (char)c;
	console_write(buf, 1);
}

/* End of a canonical line: it moves to the read queue. */
static void tty_commit_line(struct tty_struct *tty, int terminator)
{
	unsigned int i;

	for (i = 0; i < tty->line_len; i++)
		tty_put_queue(tty, (u8)tty->line[i]);
	tty->line_len = 0;
	if (terminator >= 0)
		tty_put_queue(tty, (u16)terminator);
	tty->lines++;
	wake_up(&tty->read_wait);
}

/* The UART's receive interrupt, one byte at a time (interrupts off). */
static void tty_receive_char(u8 c)
{
	struct tty_struct *tty = &console_tty;
	struct termios *t = &tty->termios;

	if (c == '\r') {
		if (t->c_iflag & IGNCR)
			return;
		if (t->c_iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (t->c_iflag & INLCR)) {
		c = '\r';
	}

	if (t->c_lflag & ISIG) {
		int sig = c == t->c_cc[VINTR] ? SIGINT : c == t->c_cc[VQUIT] ? SIGQUIT : 0;

		if (sig) {
			tty_echo_char(tty, c);
			tty_echo(tty, "\n", 1);
			tty->line_len = 0;
			kill_pgrp(tty->pgrp, sig, true);
			return;
		}
	}

	if (!(t->c_lflag & ICANON)) {
		tty_put_queue(tty, c);
		tty->lines++;
		tty_echo_char(tty, c);
		wake_up(&tty->read_wait);
		return;
	}

	if (c == t->c_cc[VERASE] || c == '\b') {
		if (tty->line_len) {
			tty->line_len--;
			if (t->c_lflag & ECHOE)
				tty_echo(tty, "\b \b", 3);
		}
		return;
	}
	if (c == t->c_cc[VKILL]) {
		while (tty->line_len) {
			tty->line_len--;
			tty_echo(tty, "\b \b", 3);
		}
		return;
	}
	if (c == t->c_cc[VEOF]) {
		tty_commit_line(tty, TTY_EOF);
		return;
	}
	if (c == '\n') {
		tty_echo_char(tty, c);
		tty_commit_line(tty, '\n');
		return;
	}
	if (tty->line_len < TTY_BUF - 1) {
		tty->line[tty->line_len++] = (char)c;
		tty_echo_char(tty, c);
	}
}

/* After a mode change: what is readable counts in the new mode's units (every byte
 * without ICANON, whole lines and ^Ds with it), so input typed ahead in one mode is
 * all readable in the other. */
static void tty_recount_lines(struct tty_struct *tty)
{
	unsigned int i;

	if (!(tty->termios.c_lflag & ICANON)) {
		tty->lines = tty->head - tty->tail;
		return;
	}
	tty->lines = 0;
	for (i = tty->tail; i != tty->head; i++)
		if (tty->queue[i % TTY_BUF] == '\n' || tty->queue[i % TTY_BUF] == TTY_EOF)
			tty->lines++;
}

static bool tty_input_ready(struct tty_struct *tty)
{
	return tty->lines > 0;
}

static long tty_read(struct file *f, char *buf, size_t count, loff_t *pos)
{
	struct tty_struct *tty = &console_tty;
	bool canon = tty->termios.c_lflag & ICANON;
	char kbuf[64];
	size_t done = 0, k = 0;
	unsigned long flags;

	(void)pos;
	if (!count)
		return 0;
	if (!tty_input_ready(tty)) {
		int err;

		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(tty->read_wait, tty_input_ready(tty));
		if (err)
			return err;
	}
	flags = local_irq_save();
	while (done + k < count && tty->tail != tty->head) {
		u16 c = tty->queue[tty->tail % TTY_BUF];

		if (c == TTY_EOF) {
			if (done + k == 0) {   /* ^D at the start: end of file */
				tty->tail++;
				tty->lines--;
			}
			break;
		}
		tty->tail++;
		kbuf[k++] = (char)c;
		if (!canon || c == '\n')
			tty->lines--;
		if (k == sizeof(kbuf)) {
			local_irq_restore(flags);
			if (copy_to_user(buf + done, kbuf, k))
				return done ? (long)done : -EFAULT;
			done += k;
			k = 0;
			flags = local_irq_save();
		}
		if (canon && c == '\n')
			break;
	}
	/* A ^D that ended a non-empty line: consume it with the line. */
	if (canon && done + k > 0 && tty->tail != tty->head && tty->queue[tty->tail % TTY_BUF] == TTY_EOF &&
	    (k == 0 || kbuf[k - 1] != '\n')) {
		tty->tail++;
		tty->lines--;
	}
	local_irq_restore(flags);
	if (k && copy_to_user(buf + done, kbuf, k))
		return done ? (long)done : -EFAULT;
	return (long)(done + k);
}

static long tty_write(struct file *f, const char *buf, size_t count, loff_t *pos)
{
	struct tty_struct *tty = &console_tty;
	char kbuf[256];
	size_t done = 0;

	(void)f;
	(void)pos;
	while (done < count) {
		size_t n = min(count - done, sizeof(kbuf)), i;

		if (copy_from_user(kbuf, buf + done, n))
			return done ? (long)done : -EFAULT;
		if ((tty->termios.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR)) {
			console_write(kbuf, n);
		} else {
			for (i = 0; i < n; i++)
				serial_putc(kbuf[i]);
		}
		done += n;
	}
	return (long)done;
}

static long tty_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct tty_struct *tty = &console_tty;
	unsigned long flags;
	struct termios t;
	int pgrp, avail;

	(void)f;
	switch (cmd) {
	case TCGETS:
		return copy_to_user((void *)arg, &tty->termios, sizeof(tty->termios)) ? -EFAULT : 0;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		if (copy_from_user(&t, (const void *)arg, sizeof(t)))
			return -EFAULT;
		flags = local_irq_save();
		if (cmd == TCSETSF) {
			tty->head = tty->tail = tty->lines = 0;
			tty->line_len = 0;
		}
		/* Leaving canonical mode makes a half-edited line readable at once. */
		if ((tty->termios.c_lflag & ICANON) && !(t.c_lflag & ICANON) && tty->line_len)
			tty_commit_line(tty, -1);
		tty->termios = t;
		tty_recount_lines(tty);
		local_irq_restore(flags);
		return 0;
	case TIOCGWINSZ:
		return copy_to_user((void *)arg, &tty->winsize, sizeof(tty->winsize)) ? -EFAULT : 0;
	case TIOCSWINSZ:
		return copy_from_user(&tty->winsize, (const void *)arg, sizeof(tty->winsize)) ? -EFAULT : 0;
	case TIOCGPGRP:
		return put_user(tty->pgrp, (int *)arg);
	case TIOCSPGRP:
		if (get_user(pgrp, (const int *)arg))
			return -EFAULT;
		if (pgrp < 0)
			return -EINVAL;
		tty->pgrp = pgrp;
		return 0;
	case TIOCSCTTY:
		/* A session leader without a terminal takes this one, if no session has it
		 * (root may take it away from another with arg 1), as Linux's tiocsctty. */
		if (current->session == tty->session)
			return 0;
		if (current->pid != current->session)
			return -EPERM;
		if (tty->session && (arg != 1 || current->euid != 0))
			return -EPERM;
		tty->session = current->session;
		tty->pgrp = current->pgrp;
		return 0;
	case TIOCNOTTY:
		if (current->session != tty->session)
			return -ENOTTY;
		if (current->pid == current->session)
			tty->session = 0;        /* the leader lets go for its whole session */
		return 0;
	case FIONREAD:
		avail = (int)(tty->head - tty->tail);
		return put_user(avail, (int *)arg);
	}
	return -ENOTTY;
}

/* Readable when a read would not wait (a whole line in canonical mode, or a ^D);
 * output never waits. */
static unsigned int tty_poll(struct file *f, poll_table *pt)
{
	struct tty_struct *tty = &console_tty;
	unsigned int mask = POLLOUT | POLLWRNORM;

	poll_wait(f, &tty->read_wait, pt);
	if (tty_input_ready(tty))
		mask |= POLLIN | POLLRDNORM;
	return mask;
}

static int tty_open(struct inode *inode, struct file *f);

static const struct file_operations tty_fops = {
	.open = tty_open,
	.read = tty_read,
	.write = tty_write,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
};

bool is_console_file(const struct file *f)
{
	return f->f_op == &tty_fops;
}

struct file *console_open(void)
{
	struct file *f = get_empty_filp();

	if (!f)
		return NULL;
	f->f_mode = FMODE_READ | FMODE_WRITE;
	f->f_flags = O_RDWR;
	f->f_op = &tty_fops;
	return f;
}

/*
 * /dev/tty (5, 0) is the caller's controlling terminal: the console when the caller's
 * session is the one the console belongs to (init's, from boot; or one whose leader
 * took it with TIOCSCTTY), else ENXIO. /dev/console (5, 1) and /dev/ttyS0 (4, 64) are
 * the serial console itself. Other numbers (virtual consoles, more serial ports): ENXIO.
 */
static int tty_open(struct inode *inode, struct file *f)
{
	unsigned int major = MAJOR(inode->i_rdev), minor = MINOR(inode->i_rdev);

	(void)f;
	if (major == TTYAUX_MAJOR && minor == 0)
		return console_tty.session && current->session == console_tty.session ? 0 : -ENXIO;
	if ((major == TTYAUX_MAJOR && minor == 1) || (major == TTY_MAJOR && minor == 64))
		return 0;
	return -ENXIO;
}

void tty_dev_init(void)
{
	register_chrdev(TTY_MAJOR, "tty", &tty_fops);
	register_chrdev(TTYAUX_MAJOR, "/dev/tty", &tty_fops);
}

void tty_set_pgrp(int pgrp)
{
	console_tty.pgrp = pgrp;
}

void __init tty_init(void)
{
	static const u8 cc[NCCS] = {
		[VINTR] = 3, [VQUIT] = 0x1c, [VERASE] = 0x7f, [VKILL] = 0x15, [VEOF] = 4,
		[VMIN] = 1, [8] = 0x11, [9] = 0x13, [10] = 0x1a, [12] = 0x12, [13] = 0x0f,
		[14] = 0x17, [15] = 0x16,
	};
	struct tty_struct *tty = &console_tty;

	tty->termios.c_iflag = ICRNL | 0002000 /* IXON */;
	tty->termios.c_oflag = OPOST | ONLCR;
	tty->termios.c_cflag = 0010002 /* B115200 */ | 0000060 /* CS8 */ | 0000200 /* CREAD */ |
			       0002000 /* HUPCL */ | 0004000 /* CLOCAL */;
	tty->termios.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	memcpy(tty->termios.c_cc, cc, sizeof(cc));
	tty->winsize.ws_row = 24;
	tty->winsize.ws_col = 80;
	init_waitqueue_head(&tty->read_wait);
	tty->pgrp = 1;
	tty->session = 1;                   /* init's session: the console is its terminal */
	serial_set_rx_handler(tty_receive_char);
}
