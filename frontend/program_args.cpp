#include "frontend/program_args.h"

#include <algorithm>

#include "frontend/guest_command_line.h"
#include "frontend/initramfs.h"
#include "guestkernel/include/abi/forkscope.h"

namespace forkscope {

namespace {

std::string_view env_name(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// A string for a one-line message: at most 40 bytes of it, newlines shown as \n.
std::string shown(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 40)) out += c == '\n' ? std::string("\\n") : std::string(1, c);
    return s.size() > 40 ? out + "..." : out;
}

Result<void> check_env_change(std::string_view change) {
    if (change.find('\0') != std::string_view::npos)
        return make_error(ErrorKind::Usage, "an environment entry contains a NUL byte");
    if (env_name(change).empty())
        return make_error(ErrorKind::Usage, "environment entry '" + shown(change) + "' has no NAME (NAME=VALUE)");
    return {};
}

}  // namespace

std::vector<uint8_t> nul_terminated(std::span<const std::string> strings) {
    std::vector<uint8_t> out;
    for (const std::string& s : strings) {
        out.insert(out.end(), s.begin(), s.end());
        out.push_back(0);
    }
    return out;
}

std::vector<std::string> changed_environment(std::vector<std::string> env, std::span<const std::string> changes) {
    for (const std::string& change : changes) {
        const std::string_view name = env_name(change);
        const bool set = change.find('=') != std::string::npos;
        auto same = [&](const std::string& e) { return env_name(e) == name; };
        auto it = std::find_if(env.begin(), env.end(), same);
        if (set && it != env.end()) {
            *it = change;
            env.erase(std::remove_if(it + 1, env.end(), same), env.end());
        } else if (set) {
            env.push_back(change);
        } else {
            std::erase_if(env, same);
        }
    }
    return env;
}

Result<void> check_exec_limits(std::string_view filename, std::span<const std::string> argv,
                               std::span<const std::string> envp) {
    size_t total = filename.size() + 1;
    auto count = [&](const std::string& s, const std::string& what) -> Result<void> {
        if (s.size() >= kMaxArgStrlen)
            return make_error(ErrorKind::Usage, what + " is " + std::to_string(s.size()) +
                                                    " bytes; the guest's execve takes strings of at most " +
                                                    std::to_string(kMaxArgStrlen - 1) + " (MAX_ARG_STRLEN)");
        total += s.size() + 1 + 4;  // the string, its NUL, its pointer in argv[] or envp[]
        return {};
    };
    for (size_t i = 0; i < argv.size(); i++)
        if (auto ok = count(argv[i], i == 0 ? "the program name" : "argument " + std::to_string(i)); !ok) return ok;
    for (const std::string& e : envp)
        if (auto ok = count(e, "environment entry '" + shown(e) + "'"); !ok) return ok;
    if (total > kMaxArgBytes)
        return make_error(ErrorKind::Usage,
                          "the arguments and environment take " + std::to_string(total) +
                              " bytes (each string, its NUL and a 4-byte pointer, and the program's path); the guest's "
                              "execve takes at most " +
                              std::to_string(kMaxArgBytes) + " (MAX_ARG_BYTES, the ARG_MAX of Linux 2.6)");
    return {};
}

Result<ProgramLaunch> plan_program_launch(std::string_view append, std::string_view kernel_name,
                                          std::string_view program, std::span<const std::string> args,
                                          std::span<const std::string> env_changes) {
    for (const std::string& change : env_changes)
        if (auto ok = check_env_change(change); !ok) return ok.error();
    std::vector<std::string> argv{std::string(program)};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> base(kInitEnvironment.begin(), kInitEnvironment.end());
    if (auto ok = check_exec_limits(program, argv, changed_environment(base, env_changes)); !ok) return ok.error();

    ProgramLaunch launch;
    std::vector<std::string> words;  // init's, after "--"
    if (!env_changes.empty()) {
        words = {"-e", FORKSCOPE_ENV_FILE};
        launch.files.emplace_back(cpio_path(FORKSCOPE_ENV_FILE), nul_terminated(env_changes));
    }
    // On the command line when every word fits it, as before; in a file otherwise.
    if (words.size() + argv.size() <= kMaxProgramWords && std::all_of(argv.begin(), argv.end(), [](const std::string& a) {
            return fits_command_line(a);
        })) {
        std::vector<std::string> all = words;
        all.insert(all.end(), argv.begin(), argv.end());
        auto line = init_command_line(append, all);
        if (!line) return line.error();
        if (check_command_line_length(kernel_name, *line)) {
            launch.cmdline = std::move(*line);
            return launch;
        }
    }
    words.insert(words.end(), {"-a", FORKSCOPE_ARGV_FILE});
    launch.files.emplace_back(cpio_path(FORKSCOPE_ARGV_FILE), nul_terminated(argv));
    auto line = init_command_line(append, words);
    if (!line) return line.error();
    if (auto ok = check_command_line_length(kernel_name, *line); !ok) return ok.error();
    launch.cmdline = std::move(*line);
    return launch;
}

}  // namespace forkscope
