// libFuzzer target: the kernel command line that starts a program
// (frontend/guest_command_line.h). The input is split at NUL bytes into the --append
// text and init's words. init_command_line refuses them (Usage) or builds a line that,
// read the way the guest kernel reads it (kernel_view), gives back the --append words as
// options, then "--", then exactly the words given.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/guest_command_line.h"
#include "tests/fuzz/fuzz_require.h"

using namespace forkscope;

namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// How guestkernel/init/cmdline.c reads a command line: words separated by blanks up to
// a "--" word (no quoting there); after it init's words, where double quotes group
// blanks into a word and are removed.
struct KernelView {
    std::vector<std::string> options;
    bool marked = false;
    std::vector<std::string> init_words;
};

KernelView kernel_view(std::string_view line) {
    KernelView v;
    size_t i = 0;
    while (!v.marked) {
        while (i < line.size() && blank(line[i])) ++i;
        if (i == line.size()) return v;
        const size_t start = i;
        while (i < line.size() && !blank(line[i])) ++i;
        const std::string_view word = line.substr(start, i - start);
        if (word == "--")
            v.marked = true;
        else
            v.options.emplace_back(word);
    }
    while (i < line.size()) {
        while (i < line.size() && blank(line[i])) ++i;
        if (i == line.size()) break;
        std::string word;
        bool quoted = false;
        for (; i < line.size() && (quoted || !blank(line[i])); ++i) {
            if (line[i] == '"')
                quoted = !quoted;
            else
                word += line[i];
        }
        v.init_words.push_back(word);
    }
    return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> parts(1);
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == 0)
            parts.emplace_back();
        else
            parts.back() += static_cast<char>(data[i]);
    }
    const std::string append = parts.front();
    const std::vector<std::string> words(parts.begin() + 1, parts.end());
    for (const std::string& w : words) {
        auto word = guest_word(w, "word");
        require(word.ok() == fits_command_line(w));
        if (word) require(kernel_view("-- " + *word).init_words == std::vector<std::string>{w});
    }
    auto line = init_command_line(append, words);
    if (!line) {
        require(line.error().kind == ErrorKind::Usage);
        return 0;
    }
    const KernelView seen = kernel_view(*line), appended = kernel_view(append);
    require(!appended.marked && seen.marked);
    require(seen.options == appended.options && seen.init_words == words);
    (void)check_command_line_length("kernel", *line);
    return 0;
}
