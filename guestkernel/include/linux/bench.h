#ifndef _LINUX_BENCH_H
#define _LINUX_BENCH_H

#include <linux/types.h>

/*
 * init/bench.c: guest workloads for benchmarks and differential tests, chosen with
 * bench=cpu|io on the kernel command line; bench_scale=N sets how many units of work
 * run (0 or absent: the workload's default, sized for about 1-3 s under
 * qemu-system-i386); bench_ws_kb=N shrinks bench=cpu's 1 MiB working set. Each prints
 * one deterministic line, "bench: <name> checksum ...".
 */
#define BENCH_CPU_DEFAULT_SCALE 30    /* units of ~14 M guest instructions */
#define BENCH_IO_DEFAULT_SCALE  100   /* units of 10,000 port I/O iterations */

/* Runs the workload and prints its result line; false for an unknown name. */
bool bench_run(const char *name, unsigned int scale, unsigned int ws_kb);

#endif
