"""Builds a C file into a static i386 program against musl, as a user of Debian's
musl-dev:i386 would, or against glibc (gcc -m32 -static) (Python 3 standard library only). scripts/fetch_i386.sh unpacks the
package into .deps/i386; meson passes its root as I386_ROOT. Without it, building fails
the test: a missing toolchain is not a skip.
"""

import os
import subprocess

I386_ROOT = os.environ.get("I386_ROOT", "")
TIMEOUT = 120


def _gcc_print(what):
    return subprocess.run(["gcc", "-m32", what], capture_output=True, text=True, check=True,
                          timeout=TIMEOUT).stdout.strip()


def build(src, out):
    """Compiles and links `src` into the executable `out`; raises AssertionError with
    the command and its messages when a step fails."""
    inc = os.path.join(I386_ROOT, "usr/include/i386-linux-musl")
    lib = os.path.join(I386_ROOT, "usr/lib/i386-linux-musl")
    if not os.path.isfile(os.path.join(lib, "libc.a")):
        raise AssertionError("musl i386 is missing from %r (I386_ROOT): run scripts/fetch_i386.sh "
                             "(scripts/setup.sh does)" % I386_ROOT)
    obj = out + ".o"
    # musl's libc.a has libm and libpthread in it; the linker needs -m elf_i386.
    steps = [["gcc", "-m32", "-O2", "-nostdinc", "-isystem", inc, "-isystem", _gcc_print("-print-file-name=include"),
              "-c", src, "-o", obj],
             ["ld", "-m", "elf_i386", "-static", "-o", out, os.path.join(lib, "crt1.o"),
              os.path.join(lib, "crti.o"), obj, os.path.join(lib, "libc.a"),
              _gcc_print("-print-libgcc-file-name"), os.path.join(lib, "crtn.o")]]
    for argv in steps:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
        if p.returncode != 0:
            raise AssertionError("%s: status %d\n%s%s" % (" ".join(argv), p.returncode, p.stdout, p.stderr))
    return out


def build_static(toolchain, src, out):
    """`src` built into the static i386 executable `out` with "glibc" (gcc -m32 -static
    -O1) or "musl" (build above); raises AssertionError as build does."""
    if toolchain == "musl":
        return build(src, out)
    argv = ["gcc", "-m32", "-static", "-O1", src, "-o", out]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
    if p.returncode != 0:
        raise AssertionError("%s: status %d\n%s" % (" ".join(argv), p.returncode, p.stderr))
    return out
