#!/usr/bin/env python3
"""Write an initramfs in the Linux "newc" cpio format (the one the kernel unpacks).

Usage:
  mkinitramfs.py -o initramfs.cpio [--dir PATH[:MODE]]... [--file PATH[:MODE] SOURCE]...
                 [--chardev PATH[:MODE] MAJOR,MINOR]... [--symlink PATH TARGET]...

PATH is the name inside the archive, relative, without a leading "/" (as
`cpio -H newc` writes it); the root directory is ".". MODE is octal permission bits
(directories default to 0755, files to 0644). Parent directories are added
automatically. --chardev makes a character-device node (mode defaults to 0666),
--symlink a symbolic link. Entries are written parents first, then by name, with zero
timestamps and owner 0:0, so the same inputs give a byte-identical archive.

newc layout, for each entry:
  a 110-byte ASCII header: "070701", then 13 fields of 8 hex digits:
    ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
    rdevmajor, rdevminor, namesize (with the NUL), check (0)
  the name and its NUL, padded with NULs to a multiple of 4 (header included)
  the file data, padded to a multiple of 4
The archive ends with an entry named "TRAILER!!!". Stdlib only.
"""

import argparse
import stat
import sys

MAGIC = b"070701"


def header(ino, mode, nlink, size, namesize, rdev=(0, 0)):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1], namesize, 0]
    return MAGIC + b"".join(b"%08X" % f for f in fields)


def pad4(n):
    return (4 - n % 4) % 4


def entry(ino, name, mode, nlink, data=b"", rdev=(0, 0)):
    raw_name = name.encode() + b"\0"
    out = header(ino, mode, nlink, len(data), len(raw_name), rdev) + raw_name
    out += b"\0" * pad4(len(out))
    out += data + b"\0" * pad4(len(data))
    return out


def split_mode(spec, default):
    """'bin/ls:0755' -> ('bin/ls', 0o755)."""
    name, sep, mode = spec.rpartition(":")
    if not sep:
        return spec, default
    return name, int(mode, 8)


def clean(name):
    name = name.strip("/")
    if not name or name == ".":
        return "."
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        sys.exit(f"mkinitramfs: bad archive path {name!r}")
    return name


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--dir", action="append", default=[], metavar="PATH[:MODE]")
    ap.add_argument("--file", action="append", nargs=2, default=[],
                    metavar=("PATH[:MODE]", "SOURCE"))
    ap.add_argument("--chardev", action="append", nargs=2, default=[],
                    metavar=("PATH[:MODE]", "MAJOR,MINOR"))
    ap.add_argument("--symlink", action="append", nargs=2, default=[],
                    metavar=("PATH", "TARGET"))
    args = ap.parse_args()

    dirs = {".": 0o755}    # name -> permission bits
    files = {}             # name -> (permission bits, source path)
    for spec in args.dir:
        name, mode = split_mode(spec, 0o755)
        dirs[clean(name)] = mode
    for spec, source in args.file:
        name, mode = split_mode(spec, 0o644)
        name = clean(name)
        if name in files:
            sys.exit(f"mkinitramfs: {name} given twice")
        files[name] = (mode, source)
    nodes = {}             # name -> (mode with type, data, rdev)
    for spec, numbers in args.chardev:
        name, mode = split_mode(spec, 0o666)
        major, _, minor = numbers.partition(",")
        nodes[clean(name)] = (stat.S_IFCHR | mode, b"", (int(major), int(minor)))
    for name, target in args.symlink:
        nodes[clean(name)] = (stat.S_IFLNK | 0o777, target.encode(), (0, 0))
    for name in nodes:
        if name in files:
            sys.exit(f"mkinitramfs: {name} given twice")

    # Every parent of every entry is a directory in the archive.
    for name in list(dirs) + list(files) + list(nodes):
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.setdefault("/".join(parts[:i]), 0o755)
    clash = set(dirs) & (set(files) | set(nodes))
    if clash:
        sys.exit(f"mkinitramfs: both file and directory: {sorted(clash)}")

    def order(name):  # parents before children; "." first
        return (0 if name == "." else name.count("/") + 1, name)

    out = bytearray()
    ino = 1
    for name in sorted(dirs, key=order):
        out += entry(ino, name, stat.S_IFDIR | dirs[name], 2)
        ino += 1
    for name in sorted(files, key=order):
        mode, source = files[name]
        with open(source, "rb") as f:
            data = f.read()
        out += entry(ino, name, stat.S_IFREG | mode, 1, data)
        ino += 1
    for name in sorted(nodes, key=order):
        mode, data, rdev = nodes[name]
        out += entry(ino, name, mode, 1, data, rdev)
        ino += 1
    out += entry(0, "TRAILER!!!", 0, 1)

    with open(args.output, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
