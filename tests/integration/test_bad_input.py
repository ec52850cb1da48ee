"""Bad input: every wrong flag, value or file gives the documented exit status (2 usage,
3 missing or malformed image), exactly one line on stderr that starts 'forkscope: ' and
names the problem, and never a crash (a negative return code is a signal)."""

import os
import random
import struct
import subprocess
import threading
import unittest

from forkscope_testlib import (EXIT7_CODE, EXIT_BAD_IMAGE, EXIT_MACHINE_FAULT, EXIT_USAGE, FORKSCOPE, KERNEL,
                               ForkscopeTestCase, RUN_TIMEOUT, TempDir, elf32, elf32_load_segments, elf64, forkscope,
                               multiboot_elf, multiboot_header, qemu, qemu_path, run_command)


class CraftedElfSanityTest(ForkscopeTestCase):
    """The crafted files below differ from a bootable one in one thing each: check that the
    bootable one really boots, under forkscope and QEMU."""

    def test_crafted_multiboot_elf_boots_and_exits_7(self):
        with TempDir() as d:
            path = d.write("exit7.elf", multiboot_elf())
            run = forkscope("--kernel", path, "--max-instructions", "100000")
            self.assertExit(run, 7)
            self.assertEqual(run.stderr, "")
            for flags in (0, 1, 2, 3):
                with self.subTest(multiboot_flags=flags):
                    path = d.write("exit7-%d.elf" % flags, multiboot_elf(flags=flags))
                    self.assertExit(forkscope("--kernel", path, "--max-instructions", "100000"), 7)

    @unittest.skipUnless(qemu_path(), "qemu-system-i386 is not installed")
    def test_crafted_multiboot_elf_boots_under_qemu(self):
        with TempDir() as d:
            run = qemu(d.write("exit7.elf", multiboot_elf()))
        self.assertEqual(run.returncode, (7 << 1) | 1, run.describe())


class BadUsageTest(ForkscopeTestCase):

    def test_ram_zero(self):
        self.assertErrorLine(forkscope("--ram", "0"), EXIT_USAGE, "--ram")

    def test_ram_too_large(self):
        for mib in ("3073", "100000", "18446744073709551615"):
            with self.subTest(ram=mib):
                self.assertErrorLine(forkscope("--ram", mib), EXIT_USAGE, "--ram")

    def test_ram_too_small_for_multiboot(self):
        self.assertErrorLine(forkscope("--ram", "1"), EXIT_USAGE, "too little")

    def test_ram_not_a_number(self):
        for value in ("abc", "12MiB", "", "1.5"):
            with self.subTest(ram=value):
                self.assertErrorLine(forkscope("--ram", value), EXIT_USAGE, "--ram")

    def test_ram_negative(self):
        # CLI11 converts "-5" to 2^64 - 5; the error still has to be a usage error.
        self.assertErrorLine(forkscope("--ram", "-5"), EXIT_USAGE, "--ram")

    def test_unknown_flag(self):
        self.assertErrorLine(forkscope("--no-such-flag"), EXIT_USAGE, "--no-such-flag")

    def test_unexpected_positional_argument(self):
        self.assertErrorLine(forkscope("extra"), EXIT_USAGE, "extra")

    def test_missing_subcommand(self):
        self.assertErrorLine(run_command([FORKSCOPE]), EXIT_USAGE, "subcommand")

    def test_unknown_subcommand(self):
        # CLI11 reports "A subcommand is required" rather than naming the word.
        self.assertErrorLine(run_command([FORKSCOPE, "frobnicate"]), EXIT_USAGE, "subcommand")

    def test_bad_trace_value(self):
        for value in ("foo", "int,foo", "INT"):
            with self.subTest(trace=value):
                self.assertErrorLine(forkscope("--trace", value), EXIT_USAGE, "--trace")

    def test_bad_log_level(self):
        self.assertErrorLine(run_command([FORKSCOPE, "--log-level", "loud", "run"]), EXIT_USAGE, "--log-level")

    def test_bad_rtc_time(self):
        self.assertErrorLine(forkscope("--rtc-time", "yesterday"), EXIT_USAGE, "--rtc-time")

    def test_bad_max_instructions(self):
        self.assertErrorLine(forkscope("--max-instructions", "lots"), EXIT_USAGE, "--max-instructions")

    def test_option_missing_its_value(self):
        self.assertErrorLine(forkscope("--kernel"), EXIT_USAGE, "--kernel")


class BadFileTest(ForkscopeTestCase):

    def test_missing_kernel_file(self):
        with TempDir() as d:
            path = d.path("no-such-kernel.elf")
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, "kernel", path)

    def test_missing_initrd_file(self):
        with TempDir() as d:
            path = d.path("no-such-initrd.cpio")
            self.assertErrorLine(forkscope("--initrd", path), EXIT_BAD_IMAGE, "initrd", path)

    def test_missing_input_file(self):
        with TempDir() as d:
            path = d.path("no-such-input.txt")
            self.assertErrorLine(forkscope("--input", path), EXIT_BAD_IMAGE, "input", path)

    def test_kernel_is_a_directory(self):
        with TempDir() as d:
            self.assertErrorLine(forkscope("--kernel", d.path("")), EXIT_BAD_IMAGE, "kernel")

    def test_initrd_is_a_directory(self):
        with TempDir() as d:
            self.assertErrorLine(forkscope("--initrd", d.path("")), EXIT_BAD_IMAGE, "initrd")

    def test_fifo_as_kernel_initrd_or_program_is_refused_at_once(self):
        # Opening a FIFO for reading waits for a writer: the file type is looked at first.
        with TempDir() as d:
            fifo = d.path("fifo")
            os.mkfifo(fifo)
            for what, args in (("kernel", ("--kernel", fifo)), ("initrd", ("--initrd", fifo)),
                               ("program", (fifo,))):
                with self.subTest(what=what):
                    run = forkscope(*args, timeout=30)
                    self.assertErrorLine(run, EXIT_BAD_IMAGE, what, fifo, "not a regular file")

    def test_file_larger_than_guest_ram_is_refused_before_it_is_read(self):
        # A sparse 64 GiB file: refused by its size (it would not fit in RAM), not read
        # into host memory first (that aborted with std::bad_alloc).
        with TempDir() as d:
            big = d.path("sparse64")
            with open(big, "wb") as f:
                f.truncate(64 << 30)
            for what, args in (("kernel", ("--kernel", big)), ("initrd", ("--initrd", big)), ("program", (big,))):
                with self.subTest(what=what):
                    run = forkscope(*args, timeout=30)
                    self.assertErrorLine(run, EXIT_BAD_IMAGE, what, big, "68719476736 bytes", "128 MiB")

    def test_empty_kernel_file(self):
        with TempDir() as d:
            path = d.write("empty.elf", b"")
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, path)

    def test_random_bytes_are_not_a_kernel(self):
        rng = random.Random(1)
        with TempDir() as d:
            for size in (1, 51, 4096, 20000):
                with self.subTest(size=size):
                    data = bytes(rng.randrange(256) for _ in range(size))
                    path = d.write("random-%d.bin" % size, data)
                    self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, path)

    def test_text_file_is_not_a_kernel(self):
        with TempDir() as d:
            path = d.write("readme.txt", b"This is not a kernel.\n" * 100)
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, "Multiboot")

    def test_elf_without_multiboot_header(self):
        with TempDir() as d:
            path = d.write("no-header.elf", elf32(EXIT7_CODE, entry=0x100000))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, "Multiboot header")

    def test_multiboot_header_with_bad_checksum(self):
        with TempDir() as d:
            payload = multiboot_header(checksum_delta=1) + EXIT7_CODE
            path = d.write("bad-checksum.elf", elf32(payload, entry=0x10000c))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, "checksum")

    def test_multiboot_header_past_8_kib(self):
        with TempDir() as d:
            payload = EXIT7_CODE + bytes(9000) + multiboot_header()
            path = d.write("late-header.elf", elf32(payload))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, "8 KiB")

    def test_multiboot_header_with_unsupported_required_flag(self):
        with TempDir() as d:
            path = d.write("flag8.elf", multiboot_elf(flags=1 << 8))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, path)

    def test_truncated_kernel(self):
        with open(KERNEL, "rb") as f:
            kernel = f.read()
        loads_end = max(off + size for off, size, _, _ in elf32_load_segments(kernel))
        cuts = sorted({0, 1, 4, 16, 51, 52, 53, 100, 147, 148, 1000, 4095, 4096, 4100, 5000, 8192,
                       loads_end // 2, loads_end - 1})
        with TempDir() as d:
            for n in cuts:
                with self.subTest(length=n):
                    path = d.write("cut-%d.elf" % n, kernel[:n])
                    self.assertErrorLine(forkscope("--kernel", path, "--max-instructions", "10000000"),
                                         EXIT_BAD_IMAGE, path)
            # Cut after the last loaded byte (section headers, symbols gone): still boots.
            path = d.write("cut-after-loads.elf", kernel[:loads_end])
            run = forkscope("--kernel", path, "--rtc-time", "0", "--max-instructions", "100000000")
            self.assertExit(run, 0)
            self.assertIn("selfcheck: ok", run.lines)

    def test_host_64_bit_executable(self):
        path = "/bin/true"
        if not os.path.exists(path):
            self.skipTest("no /bin/true")
        with open(path, "rb") as f:
            head = f.read(5)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            self.skipTest("/bin/true is not a 64-bit ELF here")
        self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, "64-bit")

    def test_crafted_64_bit_multiboot_elf(self):
        with TempDir() as d:
            path = d.write("x86-64.elf", elf64(multiboot_header() + EXIT7_CODE))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, "64-bit")

    def test_elf_for_another_machine(self):
        with TempDir() as d:
            path = d.write("arm.elf", multiboot_elf(machine=40))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, path)

    def test_big_endian_elf(self):
        with TempDir() as d:
            path = d.write("msb.elf", multiboot_elf(data_encoding=2))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, "big-endian")

    def test_elf_shared_object(self):
        with TempDir() as d:
            path = d.write("dyn.elf", multiboot_elf(etype=3))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, path)

    def test_segment_outside_ram(self):
        with TempDir() as d:
            path = d.write("high.elf", multiboot_elf(paddr=0x40000000))
            self.assertErrorLine(forkscope("--kernel", path, "--ram", "32"), EXIT_BAD_IMAGE, "0x40000000", "RAM")

    def test_segment_ending_past_ram(self):
        # Starts inside 32 MiB of RAM, its bss runs past the end.
        with TempDir() as d:
            path = d.write("big-bss.elf", multiboot_elf(memsz=64 << 20))
            self.assertErrorLine(forkscope("--kernel", path, "--ram", "32"), EXIT_BAD_IMAGE, "RAM")

    def test_segment_wrapping_past_4_gib(self):
        with TempDir() as d:
            path = d.write("wrap.elf", multiboot_elf(paddr=0xFFFFF000, memsz=0x2000))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, path)

    def test_segment_below_1_mib(self):
        with TempDir() as d:
            path = d.write("low.elf", multiboot_elf(paddr=0x8000))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, path)

    def test_entry_outside_every_segment(self):
        with TempDir() as d:
            data = bytearray(multiboot_elf())
            struct.pack_into("<I", data, 24, 0x200000)  # e_entry
            path = d.write("entry.elf", bytes(data))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, "entry")

    def test_segment_data_past_end_of_file(self):
        with TempDir() as d:
            data = bytearray(multiboot_elf())
            struct.pack_into("<I", data, 52 + 16, 0x100000)  # p_filesz of PH 0
            path = d.write("filesz.elf", bytes(data))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, path)

    def test_program_headers_past_end_of_file(self):
        with TempDir() as d:
            data = bytearray(multiboot_elf())
            struct.pack_into("<H", data, 44, 0xFFFF)  # e_phnum
            path = d.write("phnum.elf", bytes(data))
            self.assertErrorLine(forkscope("--kernel", path), EXIT_BAD_IMAGE, path)

    def test_initrd_that_does_not_fit_in_ram(self):
        with TempDir() as d:
            path = d.write("big.cpio", bytes(3 << 20))
            self.assertErrorLine(forkscope("--initrd", path, "--ram", "4"), EXIT_BAD_IMAGE, "big.cpio")

    def test_corrupted_kernel_headers_never_crash(self):
        """Random byte changes in the ELF and program headers and the Multiboot header of
        the real kernel: each run ends with a clear status and never a signal or a hang."""
        with open(KERNEL, "rb") as f:
            kernel = f.read()
        phoff = struct.unpack_from("<I", kernel, 28)[0]
        phnum = struct.unpack_from("<H", kernel, 44)[0]
        header_end = phoff + 32 * phnum
        mb = kernel.find(struct.pack("<I", 0x1BADB002))
        positions = list(range(0, header_end)) + list(range(mb, mb + 12))
        rng = random.Random(20240601)
        with TempDir() as d:
            for i in range(60):
                data = bytearray(kernel)
                for _ in range(rng.choice((1, 1, 2, 4))):
                    data[rng.choice(positions)] = rng.randrange(256)
                path = d.write("mutant-%d.elf" % i, bytes(data))
                with self.subTest(mutant=i):
                    run = forkscope("--kernel", path, "--rtc-time", "0", "--max-instructions", "20000000")
                    self.assertGreaterEqual(run.returncode, 0, "killed by a signal\n" + run.describe())
                    if any(l.startswith("forkscope: ") for l in run.stderr_lines):
                        # forkscope refused the file or stopped the machine: one clear line.
                        self.assertIn(run.returncode, (EXIT_USAGE, EXIT_BAD_IMAGE, EXIT_MACHINE_FAULT),
                                      run.describe())
                        self.assertErrorLine(run, run.returncode, allow_log_lines=True)
                    # Otherwise the guest ran and chose its exit status (0 when the change
                    # was harmless).


class FloodedInputTest(ForkscopeTestCase):
    """Input that never stops, or far more than the program reads: the UART takes bytes
    no faster than its baud rate (and only while its FIFO has room), so the guest gets
    on with the program. Before, the receive interrupts came back to back: `yes |
    forkscope run --input - hello` never printed hello, and a 5 MB --input file was all
    taken in before hello ran."""

    def test_endless_input_on_stdin(self):
        p = subprocess.Popen([FORKSCOPE, "run", "--input", "-", "hello"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = []
        threads = [threading.Thread(target=self.flood, args=(p.stdin,), daemon=True),
                   threading.Thread(target=lambda: out.append(p.stdout.read() + p.stderr.read()), daemon=True)]
        for t in threads:
            t.start()
        try:
            p.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            self.fail("hello never ended under endless input")
        threads[1].join(RUN_TIMEOUT)
        self.assertEqual(p.returncode, 0, out)
        self.assertIn(b"hello, world\r\n", out[0])

    @staticmethod
    def flood(pipe):
        try:
            while True:
                pipe.write(b"y\n" * 4096)
        except (BrokenPipeError, ValueError, OSError):
            pass

    def test_large_input_file(self):
        with TempDir() as d:
            data = b"".join(b"line %07d of input that hello never reads\n" % i for i in range(120000))
            path = d.write("input.txt", data)   # 5 MiB
            run = forkscope("--stats", "--input", path, "hello")
            self.assertEqual(run.returncode, 0, run.describe())
            self.assertIn(b"hello, world", run.stdout)
            # Hello's 200 ms of guest time let about 2,000 characters through at the
            # kernel's 115200 baud: a few hundred receive interrupts (before: 209,000, as
            # the FIFO was refilled at every stop).
            stats = [l for l in run.stderr_lines if l.startswith("stats: ")]
            self.assertEqual(len(stats), 1, run.describe())
            interrupts = int(stats[0].split("interrupts ")[1].split(",")[0])
            self.assertLess(interrupts, 5000, run.describe())


if __name__ == "__main__":
    unittest.main()
