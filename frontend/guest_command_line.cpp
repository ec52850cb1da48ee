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

Result<std::string> program_command_line(std::string_view append, std::string_view program,
                                         std::span<const std::string> args) {
    if (has_word(append, "--"))
        return make_error(ErrorKind::Usage, "--append must not contain the word '--' when a program is given "
                                            "(the kernel would take what follows it for the program)");
    if (1 + args.size() > kMaxProgramWords)
        return make_error(ErrorKind::Usage, "too many arguments (" + std::to_string(args.size()) +
                                                "); the kernel passes at most " + std::to_string(kMaxProgramWords - 1) +
                                                " to a program");
    std::string line(append);
    if (!line.empty()) line += ' ';
    line += "--";
    auto word = guest_word(program, "the program name");
    if (!word) return word.error();
    line += ' ' + *word;
    for (size_t i = 0; i < args.size(); i++) {
        word = guest_word(args[i], "argument " + std::to_string(i + 1));
        if (!word) return word.error();
        line += ' ' + *word;
    }
    return line;
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
