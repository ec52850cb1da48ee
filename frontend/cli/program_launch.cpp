#include "frontend/cli/program_launch.h"

#include <map>
#include <memory>

#include "frontend/cli/machine_options.h"
#include "frontend/guest_command_line.h"
#include "frontend/program_args.h"
#include "frontend/user_program.h"
#include "guestkernel/include/abi/forkscope.h"

namespace forkscope::cli {

namespace {

std::string base_name(const std::string& path) {
    auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string initramfs_label(const MultibootModule& m) {
    return m.name == kBuiltInInitramfsName ? m.name : "initrd '" + m.name + "'";
}

Result<std::vector<CpioEntry>> parse_initramfs(const MachineConfig& config) {
    const MultibootModule& m = config.modules.front();
    return parse_cpio(m.bytes, initramfs_label(m));
}

Result<std::vector<std::string>> environment_changes(const std::vector<std::pair<bool, std::string>>& options) {
    std::vector<std::string> changes;
    for (const auto& [unset, text] : options) {
        const size_t eq = text.find('=');
        if (unset && (text.empty() || eq != std::string::npos))
            return make_error(ErrorKind::Usage, "--unset takes a NAME without '=' (got '" + text + "')");
        if (!unset && (eq == std::string::npos || eq == 0))
            return make_error(ErrorKind::Usage, "--env takes NAME=VALUE (got '" + text.substr(0, 40) + "')");
        changes.push_back(text);
    }
    return changes;
}

Result<void> put_program_in(MachineConfig& config, const std::string& append, bool boot_log,
                            const std::vector<std::string>& words, const std::vector<std::string>& env_changes) {
    const std::string& program = words.front();
    const bool host_file = program.find('/') != std::string::npos;
    const std::string name = host_file ? base_name(program) : program;
    if (name.empty()) return make_error(ErrorKind::Usage, "'" + program + "' names a directory, not a program");
    if (host_file && FORKSCOPE_PROGRAM_DIR + name == FORKSCOPE_INIT_PATH)
        return make_error(ErrorKind::Usage, "'" + program + "' would replace the image's " FORKSCOPE_INIT_PATH
                                            ", which runs it; give it another name");
    const std::vector<std::string> args(words.begin() + 1, words.end());
    const std::string options = boot_log ? append : append.empty() ? "quiet" : "quiet " + append;
    auto launch = plan_program_launch(options, config.kernel_name, FORKSCOPE_PROGRAM_DIR + name, args, env_changes);
    if (!launch) return launch.error();

    MultibootModule& initramfs = config.modules.front();
    if (host_file) {
        auto bytes = read_host_file(program, "program", config.ram_bytes);
        if (!bytes) return bytes.error();
        if (auto ok = check_static_i386_executable(*bytes, program); !ok) return ok.error();
        auto with = add_program(initramfs.bytes, name, *bytes, initramfs_label(initramfs));
        if (!with) return with.error();
        initramfs.bytes = std::move(*with);
    } else {
        auto entries = parse_initramfs(config);
        if (!entries) return entries.error();
        if (!find_program(*entries, name))
            return make_error(ErrorKind::Usage, "no program '" + name + "' in the image (forkscope run --list shows them)");
    }
    for (const auto& [path, bytes] : launch->files) {
        auto with = add_file(initramfs.bytes, path, 0644, bytes, initramfs_label(initramfs));
        if (!with) return with.error();
        initramfs.bytes = std::move(*with);
    }
    config.cmdline = std::move(launch->cmdline);
    return {};
}

// The initramfs's regular files by guest path ("/bin/hello"): the user programs' images.
Result<CodeMap::FileReader> initramfs_files(const MachineConfig& config) {
    auto entries = parse_initramfs(config);
    if (!entries) return entries.error();
    auto files = std::make_shared<std::map<std::string, std::vector<uint8_t>>>();
    for (CpioEntry& e : *entries)  // the last one of a path wins, as when the kernel unpacks
        if (e.is_regular()) (*files)["/" + cpio_path(e.name)] = std::move(e.data);
        else files->erase("/" + cpio_path(e.name));
    return CodeMap::FileReader([files](const std::string& path) -> std::optional<std::vector<uint8_t>> {
        auto it = files->find(path);
        if (it == files->end()) return std::nullopt;
        return it->second;
    });
}

void add_environment_options(CLI::App& cmd, std::vector<std::pair<bool, std::string>>& env, const std::string& note) {
    cmd.add_option_function<std::string>(
           "-E,--env", [&env](const std::string& v) { env.emplace_back(false, v); },
           "set NAME=VALUE in the program's environment (repeatable" + note + ")")
        ->type_name("NAME=VALUE")
        ->trigger_on_parse();
    cmd.add_option_function<std::string>(
           "-U,--unset", [&env](const std::string& v) { env.emplace_back(true, v); },
           "remove NAME from the program's environment (repeatable" + note + ")")
        ->type_name("NAME")
        ->trigger_on_parse();
}

Result<MachineConfig> program_machine_config(const MachineOptions& machine,
                                             const std::vector<std::pair<bool, std::string>>& env,
                                             const std::vector<std::string>& words) {
    auto config = make_machine_config(machine);
    if (!config) return config.error();
    if (config->modules.empty()) config->modules.push_back(built_in_initramfs());
    auto env_changes = environment_changes(env);
    if (!env_changes) return env_changes.error();
    if (auto ok = put_program_in(*config, machine.append, false, words, *env_changes); !ok) return ok.error();
    if (auto ok = check_command_line_length(config->kernel_name, config->cmdline); !ok) return ok.error();
    return config;
}

std::string program_guest_path(const std::string& program) {
    const bool host_file = program.find('/') != std::string::npos;
    return FORKSCOPE_PROGRAM_DIR + (host_file ? base_name(program) : program);
}

std::vector<std::string> program_words(std::vector<std::string> words, const TrailingWords& trailing) {
    if (!trailing.present) return words;
    if (!words.empty()) words.push_back("--");
    words.insert(words.end(), trailing.words.begin(), trailing.words.end());
    return words;
}

}  // namespace forkscope::cli
