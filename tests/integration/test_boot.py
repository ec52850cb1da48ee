"""Boot: forkscope runs the real guest kernel (embedded or from --kernel) to a passing
self-check, with the options every run shares."""

import re
import unittest

from forkscope_testlib import (EXIT_MACHINE_FAULT, KERNEL, ForkscopeTestCase, TempDir, forkscope,
                               run_command, FORKSCOPE)

RTC = "1000000000"  # 2001-09-09 01:46:40 UTC: fixed, so that runs are reproducible


class BootTest(ForkscopeTestCase):

    def test_embedded_kernel_boots_and_passes_its_selfcheck(self):
        run = forkscope()  # host time for the RTC: the default
        self.assertBooted(run)
        self.assertRegex(run.lines[0], r"^forkscope kernel 0\.1 \(i386, higher half at 0xc0000000\)$")
        self.assertIn("exit: status 0", run.lines)

    def test_kernel_option_boots_the_same_image_with_the_same_transcript(self):
        # With a program, --kernel still gets the built-in initramfs.
        embedded = forkscope("--rtc-time", RTC, "-v", "hello")
        from_file = forkscope("--kernel", KERNEL, "--rtc-time", RTC, "--boot-log", "hello")
        self.assertBooted(embedded)
        self.assertBooted(from_file)
        self.assertEqual(from_file.stdout, embedded.stdout)

    def test_a_program_runs_quietly(self):
        # "quiet" on the command line: only what the program prints, as a distribution
        # boots; its status is forkscope's exit status.
        run = forkscope("--rtc-time", RTC, "hello")
        self.assertExit(run, 0)
        self.assertEqual(run.stdout, b"hello, world\r\n", run.describe())
        self.assertEqual(run.stderr, "")
        failed = forkscope("--rtc-time", RTC, "cat", "/nonexistent")
        self.assertExit(failed, 1)
        self.assertEqual(failed.text, "cat: /nonexistent: No such file or directory\n", failed.describe())

    def test_boot_log_shows_the_boot_lines_and_the_exit_line(self):
        quiet = forkscope("--rtc-time", RTC, "hello")
        for flag in ("-v", "--boot-log"):
            with self.subTest(flag=flag):
                run = forkscope("--rtc-time", RTC, flag, "hello")
                self.assertBooted(run)
                self.assertIn("cmdline: -- /bin/hello", run.lines)
                self.assertEqual(run.lines[-2:], ["hello, world", "exit: status 0"], run.describe())
                self.assertEqual(run.lines[-2], quiet.lines[0])

    def test_a_loglevel_in_append_comes_after_quiet_and_wins(self):
        run = forkscope("--rtc-time", RTC, "--append", "loglevel=7", "hello")
        self.assertBooted(run)
        self.assertIn("cmdline: quiet loglevel=7 -- /bin/hello", run.lines)
        self.assertIn("Run /bin/init as init process", run.lines)
        self.assertEqual(run.lines[-1], "exit: status 0")

    def test_check_vm_and_signals_still_show_when_quiet(self):
        run = forkscope("--rtc-time", RTC, "--append", "check=vm", "segv")
        self.assertExit(run, 139)
        self.assertEqual(run.lines[0], "segv: reading 0xc0000000")
        self.assertEqual(run.lines[1], "init: /bin/segv killed by signal 11 (Segmentation fault)")
        self.assertRegex(run.lines[2], r"^check=vm: \d+ system calls checked, 0 violations$")
        self.assertEqual(len(run.lines), 3, run.describe())

    def test_append_shows_up_in_the_cmdline_line(self):
        run = forkscope("--append", "hello world", "--rtc-time", RTC)
        self.assertBooted(run)
        self.assertIn("cmdline: hello world", run.lines)

    def test_without_append_the_cmdline_is_none(self):
        for args in ([], ["--append", ""]):
            with self.subTest(args=args):
                run = forkscope(*args, "--rtc-time", RTC)
                self.assertBooted(run)
                self.assertIn("cmdline: (none)", run.lines)

    def test_ram_sizes_boot_and_the_kernel_sees_the_size(self):
        # mem_upper = RAM - 1 MiB - 128 KiB (the loader's memory map, as QEMU + SeaBIOS).
        for mib in (2, 32, 128, 512):
            with self.subTest(ram=mib):
                run = forkscope("--kernel", KERNEL, "--ram", str(mib), "--rtc-time", RTC)
                self.assertBooted(run)
                self.assertIn("multiboot: mem_lower 639 KiB, mem_upper %d KiB" % (mib * 1024 - 1024 - 128), run.lines)

    def test_built_in_initramfs_needs_more_than_2_mib(self):
        run = forkscope("--ram", "2", "--rtc-time", RTC)
        self.assertErrorLine(run, 3, "does not fit in RAM")

    def test_stats_prints_one_line_on_stderr(self):
        plain = forkscope("--rtc-time", RTC)
        run = forkscope("--stats", "--rtc-time", RTC)
        self.assertExit(run, 0)
        self.assertEqual(len(run.stderr_lines), 1, run.describe())
        self.assertRegex(run.stderr_lines[0],
                         r"^stats: instructions \d+, interrupts \d+, exceptions \d+ "
                         r"\(page faults \d+, system calls \d+\), sysenter \d+, guest time [0-9.]+ ms, "
                         r"wall time [0-9.]+ ms, guest MIPS [0-9.]+")
        s = run.stats()
        self.assertIsNotNone(s, run.describe())
        self.assertGreater(s["instructions"], 1000)
        # The self-check waits for 20 timer ticks and some RTC ticks, and makes a syscall.
        self.assertGreaterEqual(s["interrupts"], 20)
        self.assertGreaterEqual(s["exceptions"], 1)
        self.assertGreaterEqual(s["system_calls"] + s["sysenters"], 1)
        self.assertLessEqual(s["page_faults"] + s["system_calls"], s["exceptions"])
        # Unicorn 2.1's CPU state is found and written in place: events are delivered
        # inside runs (the other path is the fallback for builds where it is not found).
        self.assertEqual(s["delivery"], "in place")
        self.assertGreaterEqual(s["in_run"], 1)
        self.assertLessEqual(s["in_run"], s["exceptions"])
        # 20 ticks at HZ=100 take 200 ms of guest time.
        self.assertGreaterEqual(s["guest_ms"], 190.0)
        # --stats changes nothing the guest sees.
        self.assertEqual(run.stdout, plain.stdout)

    def test_initrd_module_boots(self):
        with TempDir() as d:
            path = d.write("initramfs.bin", bytes(range(256)) * 64)
            run = forkscope("--initrd", path, "--rtc-time", RTC)
        self.assertBooted(run)

    def test_max_instructions_stops_the_real_kernel(self):
        run = forkscope("--max-instructions", "5000", "--rtc-time", RTC)
        self.assertErrorLine(run, EXIT_MACHINE_FAULT, "--max-instructions 5000")

    def test_realtime_boots(self):
        run = forkscope("--realtime", "--rtc-time", RTC)
        self.assertBooted(run)

    def test_trace_io_logs_port_accesses_on_stderr_and_leaves_stdout_alone(self):
        plain = forkscope("--rtc-time", RTC)
        run = forkscope("--trace", "io", "--rtc-time", RTC)
        self.assertExit(run, 0)
        self.assertEqual(run.stdout, plain.stdout)
        self.assertTrue(any(re.search(r"out8 0x0020 <- 0x11", l) for l in run.stderr_lines), run.describe()[:3000])

    def test_trace_int_and_exc_log_deliveries_on_stderr(self):
        # DESIGN.md: "--trace int,syscall,fault,io turns on event tracing". Machine logs
        # deliveries at info level on the 'int' and 'exc' loggers.
        run = forkscope("--trace", "int,exc", "--rtc-time", RTC)
        self.assertExit(run, 0)
        self.assertTrue(any("vector 0x20" in l for l in run.stderr_lines),
                        "--trace int printed no timer interrupt (vector 0x20)\n" + run.describe())
        self.assertTrue(any("vector 0x80" in l for l in run.stderr_lines),
                        "--trace exc printed no int 0x80\n" + run.describe())

    def test_run_help_lists_the_machine_options(self):
        run = forkscope("--help")
        self.assertExit(run, 0)
        for option in ("--kernel", "--initrd", "--append", "--ram", "--realtime", "--max-instructions",
                       "--trace", "--rtc-time", "--input", "--stats"):
            self.assertIn(option, run.text)

    def test_version(self):
        run = run_command([FORKSCOPE, "--version"])
        self.assertExit(run, 0)
        # The version, the Unicorn in use and the delivery path (the fast one on Debian's 2.1).
        self.assertRegex(run.text.strip(),
                         r"^forkscope \d+\.\d+\.\d+ \(Unicorn 2\.\d+\.\d+, CPU state in place "
                         r"\(events delivered inside runs\)\)$")


if __name__ == "__main__":
    unittest.main()
