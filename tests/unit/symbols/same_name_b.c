/* The second `helper` (see same_name_a.c). */
static __attribute__((noinline, used)) int helper(int x) { return x * 2; }

int second(int x) { return helper(x); }
