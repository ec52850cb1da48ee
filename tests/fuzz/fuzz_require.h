// require(condition) for fuzz targets: a promise the code under test broke is printed
// (file, line, the condition) and ends in a crash, which the fuzzer records with its input.
#pragma once
#include <cstdio>
#include <cstdlib>

namespace forkscope::fuzz {

inline void require_at(bool ok, const char* what, const char* file, int line) {
    if (ok) return;
    std::fprintf(stderr, "%s:%d: %s does not hold\n", file, line, what);
    std::abort();
}

}  // namespace forkscope::fuzz

#define require(ok) ::forkscope::fuzz::require_at((ok), #ok, __FILE__, __LINE__)
