// A stand-in for libFuzzer's main, for targets built by the project's own compiler
// (gcc, no coverage instrumentation): runs every input of the corpus directories, then
// mutates them (byte flips, insertions, deletions, splices with a seeded generator) for
// a bounded time. Usage: fuzz_driver [-max_total_time=SECONDS] [-seed=N] DIR...
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

using Input = std::vector<uint8_t>;

Input mutate(const std::vector<Input>& corpus, std::mt19937& rng) {
    Input in = corpus[rng() % corpus.size()];
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
        const unsigned kind = rng() % 5;
        const size_t at = in.empty() ? 0 : rng() % (in.size() + 1);
        if (kind == 0 && !in.empty()) {
            in[at % in.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        } else if (kind == 1) {
            in.insert(in.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
        } else if (kind == 2 && !in.empty()) {
            in.erase(in.begin() + static_cast<long>(at % in.size()));
        } else if (kind == 3) {
            // Splice a piece of another input: packets recombine.
            const Input& other = corpus[rng() % corpus.size()];
            if (!other.empty()) {
                const size_t from = rng() % other.size();
                const size_t n = 1 + rng() % (other.size() - from);
                in.insert(in.begin() + static_cast<long>(at), other.begin() + static_cast<long>(from),
                          other.begin() + static_cast<long>(from + n));
            }
        } else if (!in.empty()) {
            // A byte gdb's protocol cares about.
            static const char kSpecial[] = "$#}*+-\x03:,;=0123456789abcdefxX\n";
            in[at % in.size()] = static_cast<uint8_t>(kSpecial[rng() % (sizeof kSpecial - 1)]);
        }
    }
    if (in.size() > 4096) in.resize(4096);
    return in;
}

}  // namespace

int main(int argc, char** argv) {
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    double seconds = 10;
    unsigned seed = 1;
    std::vector<Input> corpus;
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "-max_total_time=", 16) == 0) {
            seconds = std::atof(argv[i] + 16);
        } else if (std::strncmp(argv[i], "-seed=", 6) == 0) {
            seed = static_cast<unsigned>(std::atoi(argv[i] + 6));
        } else if (argv[i][0] != '-') {
            for (const auto& entry : std::filesystem::directory_iterator(argv[i])) {
                if (!entry.is_regular_file()) continue;
                std::ifstream f(entry.path(), std::ios::binary);
                corpus.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
            }
        }
    }
    if (corpus.empty()) corpus.emplace_back();
    for (const Input& in : corpus) LLVMFuzzerTestOneInput(in.data(), in.size());
    std::mt19937 rng(seed);
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    unsigned long runs = corpus.size();
    while (std::chrono::steady_clock::now() < end) {
        const Input in = mutate(corpus, rng);
        LLVMFuzzerTestOneInput(in.data(), in.size());
        ++runs;
    }
    std::printf("fuzz_driver: %lu inputs (%zu from the corpus), seed %u, no crash\n", runs, corpus.size(), seed);
    return 0;
}
