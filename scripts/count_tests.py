#!/usr/bin/env python3
"""Counts test results from meson's JUnit logs and prints 'N passed, N failed'.

usage: count_tests.py BUILDDIR [BUILDDIR ...]
GoogleTest executables (protocol 'gtest') count one per test case; other tests count
one each. Skipped tests are reported separately, including the skips inside a Python
test file that passed (unittest's "OK (skipped=N)"), each file named with its count.
Exits 1 if anything failed or if no test ran at all."""
import os
import re
import sys
import xml.etree.ElementTree as ET

UNITTEST_SUMMARY = re.compile(r'^(?:OK|FAILED) \((?:.*, )?skipped=(\d+)(?:, .*)?\)$', re.M)


def inner_skips(case):
    """The skips unittest reported inside one test file (its last summary line)."""
    found = UNITTEST_SUMMARY.findall((case.findtext('system-err') or '') + (case.findtext('system-out') or ''))
    return int(found[-1]) if found else 0


def count(builddir):
    path = os.path.join(builddir, 'meson-logs', 'testlog.junit.xml')
    passed = failed = skipped = 0
    if not os.path.exists(path):
        print('count_tests: no test log in %s' % builddir, file=sys.stderr)
        return 0, 1, 0
    root = ET.parse(path).getroot()
    for suite in root.iter('testsuite'):
        for case in suite.findall('testcase'):
            if case.find('failure') is not None or case.find('error') is not None:
                failed += 1
            elif case.find('skipped') is not None:
                skipped += 1
            else:
                passed += 1
                inner = inner_skips(case)
                if inner:
                    skipped += inner
                    print('%s: %s skipped %d inside (reasons in its log)' % (builddir, case.get('name'), inner))
    return passed, failed, skipped


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    passed = failed = skipped = 0
    for builddir in sys.argv[1:]:
        p, f, s = count(builddir)
        print('%s: %d passed, %d failed, %d skipped' % (builddir, p, f, s))
        passed, failed, skipped = passed + p, failed + f, skipped + s
    print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
    return 1 if failed or passed == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
