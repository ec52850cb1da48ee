/* Two files that each define a static function `helper`: a kernel symbol table can hold
 * the same local name twice, and a lookup by that name must say it is ambiguous. */
static __attribute__((noinline, used)) int helper(int x) { return x + 1; }

int first(int x) { return helper(x); }
