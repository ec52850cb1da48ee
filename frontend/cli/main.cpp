// forkscope: a 32-bit x86 machine on Unicorn that makes fork visible.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "emulator/cpu.h"
#include "frontend/cli/commands.h"

int main(int argc, char** argv) {
    using namespace forkscope::cli;
    CLI::App app{"forkscope: a 32-bit x86 emulator that makes fork visible", "forkscope"};
    app.require_subcommand(1);
    std::string log_level = "warn";
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    app.set_version_flag("--version", [] { return "forkscope 0.1.0 (" + forkscope::Cpu::engine_description() + ")"; });

    // One line per subcommand; each lives in its own file.
    std::vector<CommandRunner> commands = {
        add_run_command(app),
        add_cc_command(app),
        add_pt_command(app),
        add_ps_command(app),
        add_maps_command(app),
        add_frames_command(app),
        add_debug_command(app),
        add_gui_command(app),
    };

    // Name an unknown command rather than CLI11's "a subcommand is required".
    if (argc > 1 && argv[1][0] != '-') {
        bool known = false;
        for (const CLI::App* sub : app.get_subcommands({})) known = known || sub->check_name(argv[1]);
        if (!known) {
            std::fprintf(stderr, "forkscope: unknown subcommand '%s' (see --help)\n", argv[1]);
            return 2;
        }
    }
    // gdb spells -ex with one dash; CLI11 gives one-dash names one letter. Among the
    // debug command's options (before PROGRAM), -ex becomes --ex.
    std::vector<std::string> words(argv, argv + argc);
    if (argc > 1 && words[1] == "debug") {
        const CLI::App* debug = app.get_subcommand("debug");
        for (size_t i = 2; i < words.size() && words[i] != "--"; ++i) {
            if (words[i] == "-ex") words[i] = "--ex";
            if (!words[i].starts_with("-")) break;  // PROGRAM
            const CLI::Option* opt = debug->get_option_no_throw(words[i]);
            if (opt && opt->get_items_expected_min() > 0 && words[i].find('=') == std::string::npos) ++i;  // its value
        }
    }
    std::vector<char*> args;
    for (std::string& w : words) args.push_back(w.data());
    argv = args.data();
    // Parse the words before the first "--"; the command gets the rest (commands.h).
    TrailingWords trailing;
    int parsed_argc = argc;
    for (int i = 1; i < argc; i++) {
        if (std::string(argv[i]) == "--") {
            trailing.present = true;
            trailing.words.assign(argv + i + 1, argv + argc);
            parsed_argc = i;
            break;
        }
    }
    try {
        app.parse(parsed_argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "forkscope: %s (see --help)\n", e.what());
        return 2;
    }
    spdlog::set_level(spdlog::level::from_str(log_level));
    for (auto& command : commands) {
        int status = command(trailing);
        if (status >= 0) return status;
    }
    return 2;
}
