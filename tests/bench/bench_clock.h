// What the C++ benchmark helpers (history_seek, debug_steps) share: reading an image
// file and the process's CPU time and the wall clock, in milliseconds.
#pragma once
#include <time.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <vector>

namespace forkscope::bench {

inline std::vector<uint8_t> read_file(const char* path) {
    std::ifstream f(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

inline double clock_ms(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

inline double cpu_ms() { return clock_ms(CLOCK_PROCESS_CPUTIME_ID); }
inline double wall_ms() { return clock_ms(CLOCK_MONOTONIC); }

}  // namespace forkscope::bench
