// The real image in unit tests: meson test names the kernel and the initramfs in
// FORKSCOPE_TEST_KERNEL and FORKSCOPE_TEST_INITRAMFS.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace forkscope::testing {

// The whole file the environment variable `env` names; empty when it is not set.
inline std::vector<uint8_t> read_file(const char* env) {
    const char* path = std::getenv(env);
    if (!path) return {};
    std::ifstream f(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// A kernel symbol's address, from the host's nm (binutils builds the guest anyway): an
// oracle independent of the host's own symbol reader.
inline uint32_t kernel_symbol(const std::string& name) {
    std::string cmd = std::string("nm ") + std::getenv("FORKSCOPE_TEST_KERNEL");
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return 0;
    char line[256];
    uint32_t found = 0;
    while (std::fgets(line, sizeof line, p)) {
        unsigned long addr = 0;
        char type = 0, sym[200] = {};
        if (std::sscanf(line, "%lx %c %199s", &addr, &type, sym) == 3 && name == sym) found = static_cast<uint32_t>(addr);
    }
    ::pclose(p);
    return found;
}

}  // namespace forkscope::testing
