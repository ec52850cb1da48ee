/*
 * init/cmdline.c - the kernel command line.
 *
 * Multiboot loaders (QEMU -kernel, GRUB) pass "<image> <arguments>": like argv[0], the
 * first word names the kernel image and is not an option. The rest is a list of
 * space-separated words; those of the form key=value that we know are recorded here,
 * the others are ignored. Everything after a "--" word is init's arguments
 * (<abi/forkscope.h>): words separated by blanks, where double quotes group words
 * (and are removed).
 */
#include <abi/forkscope.h>
#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/selfdump.h>
#include <linux/string.h>

char boot_command_line[COMMAND_LINE_SIZE];
char saved_command_line[COMMAND_LINE_SIZE];

/* Parsed copies of the words, so values can point into it as C strings. */
static char param_buf[COMMAND_LINE_SIZE];
static char init_args_buf[COMMAND_LINE_SIZE];

const char *init_args[MAX_INIT_ARGS + 1];
int nr_init_args;

const char *execute_command;
bool vm_check_enabled;
bool fork_cow = true;
bool fork_tlb_flush = true;
bool fpu_nofxsr;
bool vdso_option = true;
const char *test_fault;
const char *bench_workload;
unsigned int bench_scale;
unsigned int bench_ws_kb;

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

static int parse_uint(const char *s)
{
	int v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

/* One word, "key" or "key=value". */
static void handle_param(char *word)
{
	char *eq = strchr(word, '=');
	const char *val = "";

	if (eq) {
		*eq = '\0';
		val = eq + 1;
	}
	if (!strcmp(word, "loglevel"))
		console_loglevel = parse_uint(val);
	else if (!strcmp(word, "quiet"))   /* a later loglevel= still wins, as in Linux */
		console_loglevel = CONSOLE_LOGLEVEL_QUIET;
	else if (!strcmp(word, "init"))
		execute_command = val;
	else if (!strcmp(word, "check") && !strcmp(val, "vm"))
		vm_check_enabled = true;
	else if (!strcmp(word, "cow"))
		fork_cow = parse_uint(val) != 0;
	else if (!strcmp(word, "fork_tlb_flush"))
		fork_tlb_flush = parse_uint(val) != 0;
	else if (!strcmp(word, "nofxsr"))
		fpu_nofxsr = true;
	else if (!strcmp(word, "vdso"))
		vdso_option = parse_uint(val) != 0;
	else if (!strcmp(word, "fail_nth"))
		fail_nth = parse_uint(val);
	else if (!strcmp(word, "fail_site"))
		fault_inject_set_site(val);
	else if (!strcmp(word, "test_fault"))
		test_fault = val;
	else if (!strcmp(word, "bench"))
		bench_workload = val;
	else if (!strcmp(word, "bench_scale"))
		bench_scale = parse_uint(val);
	else if (!strcmp(word, "bench_ws_kb"))
		bench_ws_kb = parse_uint(val);
	else if (!strcmp(word, "selfdump") || !strcmp(word, "selfhalt"))
		selfdump_setup(val, word[4] == 'h');
}

static void parse_init_args(const char *s)
{
	char *out = init_args_buf;

	for (;;) {
		bool quoted = false;

		while (is_space(*s))
			s++;
		if (!*s || nr_init_args == MAX_INIT_ARGS)
			break;
		init_args[nr_init_args++] = out;
		while (*s && (quoted || !is_space(*s))) {
			if (*s == '"')
				quoted = !quoted;
			else
				*out++ = *s;
			s++;
		}
		*out++ = '\0';
	}
	init_args[nr_init_args] = NULL;
}

void __init parse_cmdline(const char *loader_cmdline)
{
	const char *args = loader_cmdline;
	char *p;

	strlcpy(boot_command_line, loader_cmdline, sizeof(boot_command_line));

	/* Skip the image name, then the blanks after it. */
	while (*args && !is_space(*args))
		args++;
	while (is_space(*args))
		args++;
	strlcpy(saved_command_line, args, sizeof(saved_command_line));
	/* No trailing blanks in what we print. */
	for (p = saved_command_line + strlen(saved_command_line); p > saved_command_line && is_space(p[-1]); )
		*--p = '\0';

	strlcpy(param_buf, saved_command_line, sizeof(param_buf));
	p = param_buf;
	for (;;) {
		char *word;

		while (is_space(*p))
			p++;
		if (!*p)
			break;
		word = p;
		while (*p && !is_space(*p))
			p++;
		if (*p)
			*p++ = '\0';
		if (!strcmp(word, FORKSCOPE_INIT_ARGS_MARK)) {
			/* The rest, unparsed, from the same place in the original. */
			parse_init_args(saved_command_line + (p - param_buf));
			break;
		}
		handle_param(word);
	}
}
