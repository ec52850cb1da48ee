#!/usr/bin/env python3
"""Links kernel-layout-test.elf so that it ends exactly where kernel.elf ends.

The loader puts the boot information and the initramfs right after the kernel image,
and the kernel puts mem_map after those, so the page the image ends on decides every
frame handed out later. kernel.elf keeps a page of slack at its end (linker.ld,
forkscope_end_slack); the layout-test kernel's code is a little larger (its moved
offsets need longer displacements), so it is linked once without slack, and again with
the slack that makes its _end equal kernel.elf's.

usage: link_layout_test.py LD LINKER_SCRIPT REFERENCE_ELF OUTPUT INPUT...
(INPUT: the objects and libgcc, as ld takes them)
"""

import subprocess
import sys


def symbol(path, name):
    out = subprocess.run(["nm", path], check=True, stdout=subprocess.PIPE, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == name:
            return int(f[0], 16)
    sys.exit(f"link_layout_test.py: {path} has no symbol {name}")


def link(ld, script, output, inputs, slack):
    subprocess.run([ld, "-m", "elf_i386", "-T", script, f"--defsym=forkscope_end_slack={slack}",
                    "-o", output] + inputs, check=True)
    return symbol(output, "_end")


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    ld, script, reference, output, inputs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    want = symbol(reference, "_end")
    natural = link(ld, script, output, inputs, 0)
    if natural > want:
        sys.exit(f"link_layout_test.py: {output} ends at {natural:#x} without slack, past "
                 f"{reference}'s end {want:#x}: give kernel.elf more slack at its end "
                 f"(forkscope_end_slack in guestkernel/linker.ld)")
    end = link(ld, script, output, inputs, want - natural)
    if end != want:
        sys.exit(f"link_layout_test.py: {output} ends at {end:#x}, not at {want:#x}")


if __name__ == "__main__":
    main()
