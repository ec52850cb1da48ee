// The real image in unit tests: meson test names the kernel and the initramfs in
// FORKSCOPE_TEST_KERNEL and FORKSCOPE_TEST_INITRAMFS.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <iterator>
#include <string>
#include <vector>

#include "emulator/machine.h"

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

// Line `n` (from 1) of a text file (a guest source file the debug information names).
inline std::string source_line(const std::string& path, int n) {
    std::ifstream f(path);
    std::string line;
    for (int i = 0; i < n && std::getline(f, line); ++i) {
    }
    return line;
}

// The first line of the file that contains `text`, or 0.
inline int line_containing(const std::string& path, const std::string& text) {
    std::ifstream f(path);
    std::string line;
    for (int n = 1; std::getline(f, line); ++n)
        if (line.find(text) != std::string::npos) return n;
    return 0;
}

// A machine booting the test image, init running `program` (a path in the initramfs),
// on the tests' fixed clock; the console's bytes go to `console` (or nowhere).
inline Result<std::unique_ptr<Machine>> boot_image(const std::string& program,
                                                   std::function<void(uint8_t)> console = {},
                                                   uint64_t max_instructions = 2'000'000'000,
                                                   const std::string& kernel_options = "") {
    MachineConfig c;
    c.kernel = read_file("FORKSCOPE_TEST_KERNEL");
    c.modules.push_back(MultibootModule{"initramfs.cpio", read_file("FORKSCOPE_TEST_INITRAMFS"), "initramfs.cpio"});
    c.cmdline = (kernel_options.empty() ? "" : kernel_options + " ") + "-- " + program;
    c.rtc_unix_time = 1000000000;
    c.max_instructions = max_instructions;
    c.console = console ? std::move(console) : [](uint8_t) {};
    return Machine::create(std::move(c));
}

}  // namespace forkscope::testing
