#include "frontend/guest_command_line.h"

namespace forkscope {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool has_word(std::string_view text, std::string_view word) {
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (is_blank(text[i]) || text[i] == '\n')) i++;
        size_t start = i;
        while (i < text.size() && !is_blank(text[i]) && text[i] != '\n') i++;
        if (i > start && text.substr(start, i - start) == word) return true;
    }
    return false;
}

}  // namespace

Result<std::string> guest_word(std::string_view arg, std::string_view what) {
    const std::string shown = std::string(what) + " '" +
                              (arg.size() > 60 ? std::string(arg.substr(0, 57)) + "..." : std::string(arg)) + "'";
    if (arg.find('"') != std::string_view::npos)
        return make_error(ErrorKind::Usage, shown + " contains a double quote, which the kernel command line cannot carry");
    if (arg.find('\n') != std::string_view::npos)
        return make_error(ErrorKind::Usage, std::string(what) + " contains a newline, which the kernel command line cannot carry");
    if (arg.find('\0') != std::string_view::npos)
        return make_error(ErrorKind::Usage, std::string(what) + " contains a NUL byte");
    bool quote = arg.empty();
    for (char c : arg) quote = quote || is_blank(c);
    return quote ? "\"" + std::string(arg) + "\"" : std::string(arg);
}

bool fits_command_line(std::string_view arg) {
    return arg.find_first_of(std::string_view("\"\n\0", 3)) == std::string_view::npos;
}

namespace {

// "<append> -- <words...>"; what(i) names word i in an error message.
template <class Name>
Result<std::string> line_of_words(std::string_view append, std::span<const std::string> words, Name what) {
    if (has_word(append, "--"))
        return make_error(ErrorKind::Usage, "--append must not contain the word '--' when a program is given "
                                            "(the kernel would take what follows it for the program)");
    std::string line(append);
    if (!line.empty()) line += ' ';
    line += "--";
    for (size_t i = 0; i < words.size(); i++) {
        auto word = guest_word(words[i], what(i));
        if (!word) return word.error();
        line += ' ' + *word;
    }
    return line;
}

}  // namespace

Result<std::string> init_command_line(std::string_view append, std::span<const std::string> words) {
    if (words.size() > kMaxProgramWords)
        return make_error(ErrorKind::Usage, "too many words for init (" + std::to_string(words.size()) +
                                                "); the kernel passes at most " + std::to_string(kMaxProgramWords));
    return line_of_words(append, words, [](size_t i) { return "word " + std::to_string(i + 1); });
}

Result<void> check_command_line_length(std::string_view kernel_name, std::string_view cmdline) {
    const size_t bytes = kernel_name.size() + 1 + cmdline.size() + 1;
    if (bytes > kMaxKernelCommandLine)
        return make_error(ErrorKind::Usage, "the kernel command line would be " + std::to_string(bytes) +
                                                " bytes; the kernel takes at most " +
                                                std::to_string(kMaxKernelCommandLine) +
                                                " (image name, arguments and the final NUL)");
    return {};
}

}  // namespace forkscope
