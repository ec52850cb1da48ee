/*
 * sh: a small POSIX-like shell. Every command runs in a child made by fork, wired to
 * its neighbours with pipe and dup2, started with execve and waited for with wait4.
 *
 *   sh                commands from stdin; on a terminal with the prompt "$ "
 *   sh -c COMMANDS    the lines of the string
 *   sh FILE           the lines of the file
 *
 * One line at a time is parsed, then run:
 *   line      := [ and_or { ';' and_or } [ ';' ] ]
 *   and_or    := pipeline { ( '&&' | '||' ) pipeline }
 *   pipeline  := command { '|' command }
 *   command   := { word | redirect }, at least one of them
 *   redirect  := [N] ( '<' | '>' | '>>' | '<&' | '>&' ) word
 * In a word, '...' quotes everything, "..." everything but $ and the \ before $ " \,
 * and \ the next character. $? is the last status, $NAME an environment variable.
 * # starts a comment. Not here: field splitting, globbing, variables of its own,
 * background jobs, job control, lines continued by a quote or an operator.
 *
 * Status: the last command of the last pipeline run; 128 + N when signal N killed
 * it; 127 for a command not found, 126 for one that cannot run, 1 for a failed
 * redirection, 2 for a syntax error (which also ends a shell that is not interactive).
 *
 * An interactive shell (stdin a terminal) catches SIGINT and ignores SIGQUIT: ^C on
 * the console signals the whole foreground process group, which the shell shares with
 * its commands (no job control), so ^C kills the command but not the shell. A caught
 * signal goes back to its default action at execve, an ignored one does not, so each
 * child puts both back to the default itself.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LINE 4096      /* bytes in a line, with its NUL */
#define MAX_WORDS 128      /* words in a command */
#define MAX_REDIRECTS 16   /* redirections in a command */
#define MAX_COMMANDS 64    /* commands in a line */
#define EXPANDED_MAX 16384 /* bytes of expanded words in a pipeline */

static int last_status;                   /* $? */
static bool interactive;
static volatile sig_atomic_t interrupted; /* ^C since the line was read */

/* ---- the parsed line ------------------------------------------------------------- */

enum redirect_kind { R_IN, R_OUT, R_APPEND, R_DUP };

struct redirect {
	enum redirect_kind kind;
	int fd;       /* the descriptor it changes */
	char *target; /* a file name, or for R_DUP a descriptor number or "-" */
};

struct command {
	char *words[MAX_WORDS + 1]; /* as typed (quotes in) until expanded; NULL-terminated */
	int nwords;
	struct redirect redirects[MAX_REDIRECTS];
	int nredirects;
};

/* When a pipeline runs, given the status before it: ';' or the start of the line,
 * '&&', '||'. */
enum condition { ALWAYS, IF_SUCCESS, IF_FAILURE };

struct pipeline {
	enum condition when;
	int first, count; /* commands[first .. first + count) */
};

static struct parsed_line {
	struct command commands[MAX_COMMANDS];
	int ncommands;
	struct pipeline pipelines[MAX_COMMANDS];
	int npipelines;
	char words[2 * MAX_LINE]; /* each word's text and NUL */
} parsed;

/* ---- lexer: the line into words and operators ------------------------------------ */

enum token_kind { T_WORD, T_REDIRECT, T_PIPE, T_AND, T_OR, T_SEMI, T_UNSUPPORTED, T_END };

struct token {
	enum token_kind kind;
	const char *text; /* where it starts in the line, and its length, for messages */
	int len;
	char *word;       /* T_WORD: its text, quotes still in */
	enum redirect_kind redirect;
	int fd;           /* T_REDIRECT */
};

struct lexer {
	const char *p; /* the rest of the line */
	char *out;     /* where the next word's text goes */
};

static bool is_operator_char(char c)
{
	return c && strchr("|&;<>()", c);
}

/* The next token; false (after the message) for an unterminated quote. */
static bool next_token(struct lexer *lx, struct token *t)
{
	const char *p = lx->p;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#')
		p += strlen(p);
	t->text = p;
	t->len = 1;
	if (!*p) {
		t->kind = T_END;
		t->len = 0;
		return true;
	}

	/* [N]< [N]> [N]>> [N]<& [N]>&: digits right before the operator name the fd. */
	const char *q = p;
	int fd = -1;
	while (isdigit((unsigned char)*q) && q - p < 4)
		q++;
	if (q > p && (*q == '<' || *q == '>'))
		fd = atoi(p);
	else
		q = p;
	if (*q == '<' || *q == '>') {
		bool in = *q++ == '<';
		t->kind = T_REDIRECT;
		t->fd = fd >= 0 ? fd : in ? 0 : 1;
		t->redirect = in ? R_IN : R_OUT;
		if (*q == '&') {
			t->redirect = R_DUP;
			q++;
		} else if (!in && *q == '>') {
			t->redirect = R_APPEND;
			q++;
		}
		t->len = (int)(q - p);
		lx->p = q;
		return true;
	}

	if (is_operator_char(*p)) {
		bool twice = p[1] == p[0];
		if (*p == '|')
			t->kind = twice ? T_OR : T_PIPE;
		else if (*p == '&')
			t->kind = twice ? T_AND : T_UNSUPPORTED;
		else if (*p == ';')
			t->kind = T_SEMI;
		else
			t->kind = T_UNSUPPORTED; /* ( ) */
		if (twice && (t->kind == T_OR || t->kind == T_AND))
			t->len = 2;
		lx->p = p + t->len;
		return true;
	}

	/* A word runs to the first blank or operator outside quotes. */
	t->kind = T_WORD;
	t->word = lx->out;
	while (*p && *p != ' ' && *p != '\t' && !is_operator_char(*p)) {
		if (*p == '\\' && p[1]) {
			*lx->out++ = *p++;
		} else if (*p == '\'' || *p == '"') {
			char quote = *p;
			const char *end = p + 1;
			while (*end && *end != quote) {
				if (quote == '"' && *end == '\\' && end[1])
					end++;
				end++;
			}
			if (!*end) {
				fprintf(stderr, "sh: syntax error: unterminated quoted string\n");
				return false;
			}
			while (p < end)
				*lx->out++ = *p++;
		}
		*lx->out++ = *p++;
	}
	*lx->out++ = '\0';
	t->len = (int)(p - t->text);
	lx->p = p;
	return true;
}

/* ---- parser: tokens into pipelines of commands ----------------------------------- */

static int syntax_error(const struct token *t)
{
	if (t->kind == T_END)
		fprintf(stderr, "sh: syntax error: unexpected end of line\n");
	else
		fprintf(stderr, "sh: syntax error: unexpected '%.*s'\n", t->len, t->text);
	return -1;
}

static int too_many(const char *what)
{
	fprintf(stderr, "sh: too many %s in a line\n", what);
	return -1;
}

/* Fills `parsed`; -1 (after the message) on a syntax error. */
static int parse_line(const char *line)
{
	struct lexer lx = { line, parsed.words };
	struct token t;
	enum condition when = ALWAYS;

	parsed.ncommands = parsed.npipelines = 0;
	if (!next_token(&lx, &t))
		return -1;
	if (t.kind == T_END)
		return 0;
	for (;;) {
		if (parsed.ncommands == MAX_COMMANDS) /* a pipeline has a command at least */
			return too_many("commands");
		struct pipeline *pl = &parsed.pipelines[parsed.npipelines++];
		pl->when = when;
		pl->first = parsed.ncommands;
		pl->count = 0;
		for (;;) {
			if (parsed.ncommands == MAX_COMMANDS)
				return too_many("commands");
			struct command *c = &parsed.commands[parsed.ncommands++];
			c->nwords = c->nredirects = 0;
			while (t.kind == T_WORD || t.kind == T_REDIRECT) {
				if (t.kind == T_WORD) {
					if (c->nwords == MAX_WORDS)
						return too_many("words");
					c->words[c->nwords++] = t.word;
				} else {
					if (c->nredirects == MAX_REDIRECTS)
						return too_many("redirections");
					struct redirect *r = &c->redirects[c->nredirects++];
					r->kind = t.redirect;
					r->fd = t.fd;
					if (!next_token(&lx, &t))
						return -1;
					if (t.kind != T_WORD)
						return syntax_error(&t);
					r->target = t.word;
				}
				if (!next_token(&lx, &t))
					return -1;
			}
			c->words[c->nwords] = NULL;
			if (c->nwords == 0 && c->nredirects == 0)
				return syntax_error(&t);
			pl->count++;
			if (t.kind != T_PIPE)
				break;
			if (!next_token(&lx, &t))
				return -1;
		}

		if (t.kind == T_END)
			return 0;
		if (t.kind == T_SEMI)
			when = ALWAYS;
		else if (t.kind == T_AND)
			when = IF_SUCCESS;
		else if (t.kind == T_OR)
			when = IF_FAILURE;
		else
			return syntax_error(&t);
		if (!next_token(&lx, &t))
			return -1;
		if (t.kind == T_END && when == ALWAYS)
			return 0; /* a ';' may end the line */
	}
}

/* ---- expansion: quotes out, $? and $NAME in -------------------------------------- */

static char expanded[EXPANDED_MAX];
static size_t expanded_used;

struct builder {
	size_t start;
	bool full;
};

static void put_char(struct builder *b, char c)
{
	if (expanded_used < sizeof(expanded))
		expanded[expanded_used++] = c;
	else
		b->full = true;
}

static void put_string(struct builder *b, const char *s)
{
	while (*s)
		put_char(b, *s++);
}

/* $? or $NAME at p (just past the '$'); returns how much of p it used. */
static size_t put_dollar(struct builder *b, const char *p)
{
	if (*p == '?') {
		char num[12];
		snprintf(num, sizeof(num), "%d", last_status);
		put_string(b, num);
		return 1;
	}
	if (isalpha((unsigned char)*p) || *p == '_') {
		char name[256];
		size_t n = 0;
		while ((isalnum((unsigned char)p[n]) || p[n] == '_') && n + 1 < sizeof(name)) {
			name[n] = p[n];
			n++;
		}
		name[n] = '\0';
		const char *value = getenv(name);
		if (value)
			put_string(b, value);
		return n;
	}
	put_char(b, '$'); /* a '$' that starts nothing stays itself */
	return 0;
}

/* The word as the command gets it, in `expanded`; NULL (after the message) when that
 * is full. */
static char *expand(const char *raw)
{
	struct builder b = { expanded_used, false };
	bool in_double = false;

	for (const char *p = raw; *p;) {
		if (*p == '\'' && !in_double) {
			for (p++; *p != '\''; p++)
				put_char(&b, *p);
			p++;
		} else if (*p == '"') {
			in_double = !in_double;
			p++;
		} else if (*p == '\\' && p[1] && (!in_double || strchr("$\"\\", p[1]))) {
			put_char(&b, p[1]);
			p += 2;
		} else if (*p == '$') {
			p++;
			p += put_dollar(&b, p);
		} else {
			put_char(&b, *p++);
		}
	}
	put_char(&b, '\0');
	if (b.full) {
		fprintf(stderr, "sh: expanded words too long\n");
		return NULL;
	}
	return expanded + b.start;
}

static int expand_command(struct command *c)
{
	for (int i = 0; i < c->nwords; i++)
		if (!(c->words[i] = expand(c->words[i])))
			return -1;
	for (int i = 0; i < c->nredirects; i++)
		if (!(c->redirects[i].target = expand(c->redirects[i].target)))
			return -1;
	return 0;
}

/* ---- redirections ----------------------------------------------------------------- */

/* The descriptors a builtin's redirections changed in the shell itself, with copies of
 * what they were (-1: it was closed), to put back afterwards. */
struct saved_fds {
	int fd[MAX_REDIRECTS], copy[MAX_REDIRECTS];
	int count;
};

/* Makes `to` what `from` is, and closes `from`; -1 if `to` cannot be that. */
static int move_fd(int from, int to)
{
	int ret = 0;

	if (from != to) {
		ret = dup2(from, to);
		close(from);
	}
	return ret < 0 ? -1 : 0;
}

static bool parse_fd(const char *s, int *fd)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!isdigit((unsigned char)*s) || *end || v > 1023)
		return false;
	*fd = (int)v;
	return true;
}

/* Applies c's redirections in order; -1 (after the message) if one fails. With saved,
 * each descriptor is copied first (close-on-exec, above the ones users name). */
static int apply_redirects(const struct command *c, struct saved_fds *saved)
{
	for (int i = 0; i < c->nredirects; i++) {
		const struct redirect *r = &c->redirects[i];
		int fd = -1;

		if (r->kind == R_DUP && strcmp(r->target, "-") != 0 && !parse_fd(r->target, &fd)) {
			fprintf(stderr, "sh: %s: bad file descriptor\n", r->target);
			return -1;
		}
		if (saved) {
			saved->fd[saved->count] = r->fd;
			saved->copy[saved->count++] = fcntl(r->fd, F_DUPFD_CLOEXEC, 10);
		}
		if (r->kind == R_DUP) {
			if (fd < 0) {
				close(r->fd); /* >&- */
			} else if (fd != r->fd && dup2(fd, r->fd) < 0) {
				fprintf(stderr, "sh: %d: %s\n", fd, strerror(errno));
				return -1;
			}
			continue;
		}
		int flags = r->kind == R_IN ? O_RDONLY
			  : r->kind == R_OUT ? O_WRONLY | O_CREAT | O_TRUNC
			  : O_WRONLY | O_CREAT | O_APPEND;
		fd = open(r->target, flags, 0666);
		if (fd < 0) {
			fprintf(stderr, "sh: cannot %s %s: %s\n", r->kind == R_IN ? "open" : "create",
				r->target, strerror(errno));
			return -1;
		}
		if (move_fd(fd, r->fd) < 0) {
			fprintf(stderr, "sh: %d: %s\n", r->fd, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void restore_fds(struct saved_fds *saved)
{
	while (saved->count > 0) {
		int i = --saved->count;
		if (saved->copy[i] >= 0)
			move_fd(saved->copy[i], saved->fd[i]);
		else
			close(saved->fd[i]);
	}
}

/* ---- builtins: what must happen in the shell itself ------------------------------- */

static int builtin_cd(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("HOME");

	if (argc > 2) {
		fprintf(stderr, "sh: cd: too many arguments\n");
		return 1;
	}
	if (!dir || !*dir)
		dir = "/";
	if (chdir(dir) < 0) {
		fprintf(stderr, "sh: cd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	return 0;
}

static int builtin_exit(int argc, char **argv)
{
	int status = last_status;

	if (argc > 2) {
		fprintf(stderr, "sh: exit: too many arguments\n");
		return 2;
	}
	if (argc == 2) {
		if (!*argv[1] || strspn(argv[1], "0123456789") != strlen(argv[1])) {
			fprintf(stderr, "sh: exit: %s: numeric argument required\n", argv[1]);
			return 2;
		}
		status = atoi(argv[1]) & 0xff;
	}
	exit(status);
}

static int builtin_true(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int builtin_false(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 1;
}

static const struct builtin {
	const char *name;
	int (*run)(int argc, char **argv);
} builtins[] = {
	{ "cd", builtin_cd },
	{ "exit", builtin_exit },
	{ "true", builtin_true },
	{ ":", builtin_true },
	{ "false", builtin_false },
};

static const struct builtin *find_builtin(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

/* ---- executor: fork, pipe, dup2, execve, wait4 ------------------------------------ */

/* The child's side of a command: execve through PATH (default /bin). */
_Noreturn static void exec_command(char **argv)
{
	const char *name = argv[0];
	int err = ENOENT;

	if (strchr(name, '/')) {
		execve(name, argv, environ);
		err = errno;
	} else {
		const char *dirs = getenv("PATH");
		char path[MAX_LINE];

		if (!dirs)
			dirs = "/bin";
		for (;;) {
			size_t len = strcspn(dirs, ":");
			/* An empty entry is the current directory. */
			if (len + 1 + strlen(name) < sizeof(path)) {
				snprintf(path, sizeof(path), "%.*s/%s", len ? (int)len : 1, len ? dirs : ".", name);
				execve(path, argv, environ);
				if (errno == EACCES)
					err = EACCES; /* remember it, keep looking */
				else if (errno != ENOENT && errno != ENOTDIR) {
					err = errno;
					break;
				}
			}
			if (!dirs[len])
				break;
			dirs += len + 1;
		}
	}
	if (err == ENOENT) {
		fprintf(stderr, "sh: %s: not found\n", name);
		_exit(127);
	}
	fprintf(stderr, "sh: %s: %s\n", name, strerror(err));
	_exit(126);
}

/* The child's side: SIGINT (blocked across fork, see run_pipeline) gets its default
 * action back before it is unblocked, so a ^C that came meanwhile kills the child. */
_Noreturn static void run_in_child(struct command *c, const sigset_t *mask)
{
	if (interactive) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
	}
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (apply_redirects(c, NULL) < 0)
		_exit(1);
	if (c->nwords == 0)
		_exit(0); /* only redirections: done */
	const struct builtin *b = find_builtin(c->words[0]);
	if (b) {
		int status = b->run(c->nwords, c->words);
		fflush(NULL);
		_exit(status);
	}
	exec_command(c->words);
}

/* Waits for pid (again after a ^C interrupted the wait); its status as $? sees it. */
static int wait_for(pid_t pid, bool last)
{
	int ws;

	while (wait4(pid, &ws, 0, NULL) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "sh: wait: %s\n", strerror(errno));
			return 1;
		}
	}
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	int sig = WTERMSIG(ws);
	if (last && sig != SIGINT && sig != SIGPIPE)
		fprintf(stderr, "%s\n", strsignal(sig));
	return 128 + sig;
}

static int run_builtin_here(const struct builtin *b, struct command *c)
{
	struct saved_fds saved = { .count = 0 };
	int status = 1;

	if (apply_redirects(c, &saved) == 0)
		status = b->run(c->nwords, c->words);
	restore_fds(&saved);
	return status;
}

/* Has ^C come (SIGINT handled, or pending while blocked)? */
static bool interrupt_pending(void)
{
	sigset_t pending;

	return interrupted || (sigpending(&pending) == 0 && sigismember(&pending, SIGINT) == 1);
}

/* Runs count commands as a pipeline: each one's stdout is the next one's stdin. An
 * interactive shell blocks SIGINT while it starts them: a child forked with the shell's
 * handler would otherwise run that handler for an early ^C and live on, and after a ^C
 * no further command starts. */
static int run_pipeline(struct command *commands, int count)
{
	pid_t pids[MAX_COMMANDS];
	int started = 0, input = -1, status = 0;
	sigset_t sigint, mask;

	expanded_used = 0;
	for (int i = 0; i < count; i++)
		if (expand_command(&commands[i]) < 0)
			return 1;
	if (count == 1 && commands[0].nwords > 0) {
		const struct builtin *b = find_builtin(commands[0].words[0]);
		if (b)
			return run_builtin_here(b, &commands[0]);
	}

	fflush(NULL); /* children must not inherit (and repeat) buffered output */
	sigemptyset(&sigint);
	if (interactive)
		sigaddset(&sigint, SIGINT);
	sigprocmask(SIG_BLOCK, &sigint, &mask);
	for (int i = 0; i < count; i++) {
		int p[2] = { -1, -1 };
		if (interactive && interrupt_pending())
			break;
		if (i + 1 < count && pipe(p) < 0) {
			fprintf(stderr, "sh: pipe: %s\n", strerror(errno));
			break;
		}
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "sh: fork: %s\n", strerror(errno));
			if (p[0] >= 0) {
				close(p[0]);
				close(p[1]);
			}
			break;
		}
		if (pid == 0) {
			if (input >= 0)
				move_fd(input, 0);
			if (p[1] >= 0) {
				close(p[0]);
				move_fd(p[1], 1);
			}
			run_in_child(&commands[i], &mask);
		}
		pids[started++] = pid;
		if (input >= 0)
			close(input);
		if (p[1] >= 0)
			close(p[1]);
		input = p[0];
	}
	if (input >= 0)
		close(input);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	for (int i = 0; i < started; i++)
		status = wait_for(pids[i], i == count - 1);
	if (started < count)
		return interrupted ? 128 + SIGINT : 2;
	return status;
}

/* Parses and runs one line; -1 for a syntax error. */
static int run_line(const char *line)
{
	if (parse_line(line) < 0) {
		last_status = 2;
		return -1;
	}
	for (int i = 0; i < parsed.npipelines; i++) {
		const struct pipeline *pl = &parsed.pipelines[i];
		if ((pl->when == IF_SUCCESS && last_status != 0) || (pl->when == IF_FAILURE && last_status == 0))
			continue;
		last_status = run_pipeline(&parsed.commands[pl->first], pl->count);
		if (interrupted)
			break; /* ^C stops the rest of the line too */
	}
	return 0;
}

/* ---- input: lines from a string, a file or stdin ---------------------------------- */

struct input {
	int fd;             /* -1: only the string in data */
	const char *data;
	size_t len, pos;
	bool byte_at_a_time; /* stdin that is not a terminal: leave the rest to the commands */
	char storage[4096];
};

enum { INPUT_EOF = -1, INPUT_INTERRUPTED = -2, INPUT_TOO_LONG = -3, INPUT_ERROR = -4 };

/* The next line, without its '\n', into line; its length or an INPUT_* value. */
static int read_line(struct input *in, char *line, size_t size)
{
	size_t n = 0;
	bool any = false, too_long = false;

	for (;;) {
		if (in->pos == in->len) {
			ssize_t got = 0;
			if (interactive && interrupted)
				return INPUT_INTERRUPTED; /* ^C just before the read */
			if (in->fd >= 0) {
				got = read(in->fd, in->storage, in->byte_at_a_time ? 1 : sizeof(in->storage));
				if (got < 0 && errno == EINTR)
					return INPUT_INTERRUPTED; /* the terminal dropped the line too */
				if (got < 0) {
					fprintf(stderr, "sh: read: %s\n", strerror(errno));
					return INPUT_ERROR;
				}
			}
			if (got <= 0) {
				if (!any)
					return INPUT_EOF;
				break; /* a last line without '\n' */
			}
			in->data = in->storage;
			in->len = (size_t)got;
			in->pos = 0;
		}
		char c = in->data[in->pos++];
		any = true;
		if (c == '\n')
			break;
		if (n + 1 < size)
			line[n++] = c;
		else
			too_long = true;
	}
	line[n] = '\0';
	return too_long ? INPUT_TOO_LONG : (int)n;
}

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int run_input(struct input *in)
{
	static char line[MAX_LINE];

	for (;;) {
		if (interactive) {
			interrupted = 0;
			write(2, "$ ", 2);
		}
		int n = read_line(in, line, sizeof(line));
		if (n == INPUT_EOF)
			break;
		if (n == INPUT_ERROR)
			return 2;
		if (n == INPUT_INTERRUPTED) {
			last_status = 128 + SIGINT;
			continue;
		}
		bool bad = n == INPUT_TOO_LONG;
		if (bad) {
			fprintf(stderr, "sh: line too long (at most %d bytes)\n", MAX_LINE - 1);
			last_status = 2;
		} else {
			bad = run_line(line) < 0;
		}
		if (bad && !interactive)
			return 2; /* a syntax error ends a script */
	}
	if (interactive)
		write(2, "\n", 1);
	return last_status;
}

int main(int argc, char **argv)
{
	static struct input in = { .fd = -1 };

	if (argc > 1 && strcmp(argv[1], "-c") == 0) {
		if (argc < 3) {
			fprintf(stderr, "sh: -c needs an argument\n");
			return 2;
		}
		in.data = argv[2];
		in.len = strlen(argv[2]);
	} else if (argc > 1 && argv[1][0] == '-') {
		fprintf(stderr, "sh: unknown option %s\nusage: sh [-c COMMANDS | FILE]\n", argv[1]);
		return 2;
	} else if (argc > 1) {
		in.fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (in.fd < 0) {
			fprintf(stderr, "sh: cannot open %s: %s\n", argv[1], strerror(errno));
			return 127;
		}
	} else {
		in.fd = 0;
		interactive = isatty(0);
		in.byte_at_a_time = !interactive;
	}

	if (interactive) {
		struct sigaction sa = { .sa_handler = on_interrupt }; /* no SA_RESTART: ^C ends read */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		signal(SIGQUIT, SIG_IGN);
	}
	return run_input(&in);
}
