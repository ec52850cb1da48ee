#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H

#define __packed        __attribute__((packed))
#define __aligned(x)    __attribute__((aligned(x)))
#define __section(s)    __attribute__((section(s)))
#define __noreturn      __attribute__((noreturn))
#define __printf(a, b)  __attribute__((format(printf, a, b)))
#define __used          __attribute__((used))
#define __noinline      __attribute__((__noinline__))
/* Linux's name: a function that must stay a function of its own in the image (stop
 * points, breakpoints and backtraces name it), whatever -O2 would inline. */
#define noinline        __attribute__((__noinline__))
#define __maybe_unused  __attribute__((unused))

/* Boot-only code and data. Kept resident for now; a later stage may free .init.*. */
#define __init
#define __initdata

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Stop the compiler from caching memory across this point. */
#define barrier() __asm__ __volatile__("" ::: "memory")

/* Read a variable an interrupt handler may change behind our back. */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))

#endif
