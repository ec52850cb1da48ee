/* Initialised globals of every kind the value printer handles, for test_expression:
 * gdb prints them from this file with no process running, and forkscope's printer,
 * reading the same file, must print them the same. Built -O0 -g for i386. */
struct bits {
	unsigned a : 3;
	signed b : 5;
	unsigned c : 1;
	int d : 20;
	unsigned char e : 4;
};
struct bits bits = { 5, -3, 1, -1000, 9 };

struct anon {
	int x;
	union {
		int y;
		char z[4];
	};
	struct {
		short s1, s2;
	};
};
struct anon anon = { 1, { 0x41424344 }, { 7, -8 } };

enum color { RED, GREEN = 5, BLUE = -2 };
enum color colors[4] = { RED, GREEN, BLUE, (enum color)3 };
enum flag { F_ONE = 1, F_TWO = 2, F_FOUR = 4 };
enum flag flag_values[5] = { F_TWO, (enum flag)3, (enum flag)8, (enum flag)9, (enum flag)0 };

char text[40] = "hello, world\n\t\"quoted\" \\ 'single'";
char zeros[30];
char run[32] = "aaaaaaaaaaaaaaaaaaaaaaaab";
char digits_after_nul[8] = { 'a', 0, '1', '2', 0, 0x1b, 'z' };
unsigned char high[4] = { 0xff, 0x80, 'A', 0 };
signed char negative_chars[3] = { -1, -128, 127 };
char full[4] = { 'a', 'b', 'c', 'd' };
char empty[1];

int big[300] = { [0] = 1, [1] = 2, [150] = 7, [299] = 9 };
int grid[2][3] = { { 1, 2, 3 }, { 4, 5, 6 } };
int almost_repeats[12] = { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5 };
int repeats[12] = { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5 };

const char *names[3] = { "one", 0, "three" };
const char *long_string = "0123456789012345678901234567890123456789012345678901234567890123456789"
			  "0123456789012345678901234567890123456789012345678901234567890123456789"
			  "0123456789012345678901234567890123456789012345678901234567890123456789";
const char *bad_string = (const char *)0x10;

_Bool yes = 1, no = 0;
signed char sc = -5;
unsigned short us = 65535;
short ss = -300;
long long ll = -1234567890123LL;
unsigned long long ull = 18446744073709551615ULL;
long neg = -1;
unsigned long ul = 4000000000UL;
char ch = 'x', nl = '\n', nul = 0, quote = '\'';

static int square(int x)
{
	return x * x;
}
int (*fnptr)(int) = square;
int (*null_fnptr)(int);

struct node {
	int v;
	struct node *next;
};
struct node n2 = { 2, 0 }, n1 = { 1, &n2 };
struct bits *nullp;
void *vp = &n1;
int *ip = &grid[1][1];

struct with_array {
	int n;
	char name[8];
	struct node nodes[2];
	const char *label;
};
struct with_array wa = { 2, "ab", { { 1, 0 }, { 2, &n1 } }, "label" };

typedef struct node node_t;
typedef unsigned int u32;
node_t typed = { 3, &n2 };
u32 typed_int = 7;
const int const_int = 11;
volatile int volatile_int = 12;

struct flex {
	int n;
	char name[];
};
struct flex flex = { 3, "abc" };
struct int_flex {
	int n;
	int v[];
};
struct int_flex int_flex = { 2, { 7, 8 } };

/* Symbols without debug information, as assembly code defines them. */
__asm__(".data\n.globl nodebug_word\n.type nodebug_word, @object\n.size nodebug_word, 4\n"
	"nodebug_word: .long 42\n"
	".text\n.globl nodebug_fn\n.type nodebug_fn, @function\nnodebug_fn: ret\n.size nodebug_fn, 1\n");

void _start(void)
{
	for (;;)
		fnptr(square(3));
}
