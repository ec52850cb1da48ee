#include "frontend/cli/debug_target.h"

#include "frontend/cli/program_launch.h"
#include "frontend/guest_debug_dir.h"

namespace forkscope::cli {

Result<DebugTarget> boot_debug_target(const DebugTargetOptions& o, const std::vector<std::string>& words) {
    if (words.empty()) return make_error(ErrorKind::Usage, "a PROGRAM to debug is needed (forkscope run --list shows them)");
    auto config = program_machine_config(o.machine, o.env, words);
    if (!config) return config.error();
    DebugTarget t;
    auto info = KernelInfo::read(config->kernel);
    if (!info) return info.error();
    t.info = std::move(*info);
    auto symbols = KernelSymbols::read(config->kernel);
    if (!symbols) return symbols.error();
    t.symbols = std::move(*symbols);
    auto vm_fault_ok = t.info->get("NUMBER(VM_FAULT_OK)");
    if (!vm_fault_ok) return vm_fault_ok.error();
    t.constants.vm_fault_ok = *vm_fault_ok;
    // A kernel without debug information still debugs, by symbols and instructions.
    if (auto source = SourceMap::read(config->kernel, config->kernel_name)) t.source = std::move(*source);
    else t.source_note = source.error().message;
    if (auto debug_info = DebugInfo::read(config->kernel, config->kernel_name)) t.debug_info = std::move(*debug_info);
    auto user_files = initramfs_files(*config);
    if (!user_files) return user_files.error();
    t.user_files = std::move(*user_files);
    t.debug_dirs = o.debug_dirs;
    t.debug_dirs.push_back(kGuestProgramsDebugDir);
    t.program = program_guest_path(words.front());
    config->console = o.console;
    if (o.input_fd >= 0) config->input_fd = o.input_fd;
    auto machine = Machine::create(std::move(*config));
    if (!machine) return machine.error();
    t.machine = std::move(*machine);
    if (o.history_mb > 0) {
        HistoryOptions ho;
        ho.max_bytes = o.history_mb << 20;
        ho.interval = HistoryOptions::kDebugInterval;
        ho.max_overhead = o.history_overhead;
        auto h = History::attach(*t.machine, ho);
        if (!h) return h.error();
        t.history = std::move(*h);
    }
    return t;
}

}  // namespace forkscope::cli
