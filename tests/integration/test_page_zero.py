"""Code at linear address 0: a program maps page 0 (mmap MAP_FIXED at 0, which the guest
kernel allows, as Linux does for a privileged process), writes `ret` there and calls it.
The CPU must run it like code anywhere else, as QEMU does; Unicorn's `until` address 0
once made forkscope stop there and fault instead.
"""

import unittest

from forkscope_testlib import TempDir
from test_programs import CompiledPrograms, boot

PAGE_ZERO_C = r"""
#include <stdio.h>
#include <sys/mman.h>

int main(void)
{
	unsigned char *p = mmap((void *)0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p != (unsigned char *)0) {
		printf("page_zero: mmap at 0 failed\n");
		return 1;
	}
	__asm__("" : "+r"(p));	/* the compiler must not know p is null (a call through null is UB) */
	p[0] = 0xb8; p[1] = 42; p[2] = 0; p[3] = 0; p[4] = 0;	/* mov eax, 42 */
	p[5] = 0xc3;						/* ret */
	int (*fn)(void) = (int (*)(void))p;
	printf("page_zero: returned %d from page 0\n", fn());
	return 0;
}
"""


class PageZeroTest(CompiledPrograms):

    def test_code_at_address_zero_runs(self):
        with TempDir() as d:
            path = self.archive(d, "page_zero", self.build(d, "page_zero", PAGE_ZERO_C))
            b = boot("/bin/page_zero", options="check=vm", initrd=path)
            self.assertProgram(b, "page_zero: returned 42 from page 0\n")
            self.assertEqual(b.violations, 0, b.run.describe())


if __name__ == "__main__":
    unittest.main()
