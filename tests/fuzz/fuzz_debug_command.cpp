// libFuzzer target: the command language of `forkscope debug` (frontend/cli/
// debug_parse.h and the session that carries commands out) on the real guest, stopped
// once inside copy_process with the kernel's line table and DWARF variables loaded
// (FORKSCOPE_TEST_KERNEL and FORKSCOPE_TEST_INITRAMFS name the image). Each input is a
// list of command lines: breakpoints and watchpoints on arbitrary locations, x/FMT and
// xp on arbitrary addresses, print with arbitrary expressions, frames, the dumps.
// Nothing may crash. Commands that run the guest (continue, step, reverse-*, kill,
// quit...) are parsed but not carried out, so every input sees the same stop.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "emulator/debug/source_map.h"
#include "emulator/debug/variables.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/machine.h"
#include "emulator/symbols.h"
#include "frontend/cli/debug_parse.h"
#include "frontend/cli/debug_session.h"
#include "tests/unit/image_fixture.h"

using namespace forkscope;

namespace {

struct Stopped {
    std::vector<uint8_t> kernel;
    std::unique_ptr<Machine> machine;
    std::optional<KernelInfo> info;
    std::optional<KernelSymbols> symbols;
    std::optional<SourceMap> source;
    std::optional<DebugInfo> debug_info;
    std::unique_ptr<cli::DebugSession> session;
    size_t printed = 0;
};

Stopped* stopped = nullptr;

bool boot() {
    auto s = std::make_unique<Stopped>();
    s->kernel = testing::read_file("FORKSCOPE_TEST_KERNEL");
    auto m = testing::boot_image("/bin/forktest");
    if (s->kernel.empty() || !m) return false;
    s->machine = std::move(*m);
    auto info = KernelInfo::read(s->kernel);
    auto symbols = KernelSymbols::read(s->kernel);
    auto source = SourceMap::read(s->kernel, "kernel.elf");
    auto debug_info = DebugInfo::read(s->kernel, "kernel.elf");
    if (!info || !symbols || !source || !debug_info) return false;
    auto vm_fault_ok = info->get("NUMBER(VM_FAULT_OK)");
    if (!vm_fault_ok) return false;
    s->info.emplace(std::move(*info));
    s->symbols.emplace(std::move(*symbols));
    s->source.emplace(std::move(*source));
    s->debug_info.emplace(std::move(*debug_info));
    cli::DebugSessionOptions options;
    options.constants.vm_fault_ok = *vm_fault_ok;
    options.debug_info = &*s->debug_info;
    Stopped* raw = s.get();
    s->session = std::make_unique<cli::DebugSession>(*s->machine, *s->symbols, &*s->source, *s->info, options,
                                                     [raw](std::string_view text) { raw->printed += text.size(); });
    // The program's first fork: inside copy_process, with a frame, arguments and locals.
    for (const char* line : {"break copy_process", "ignore 1 1", "continue", "next", "next", "delete"})
        if (!s->session->execute(line)) return false;
    if (s->session->failed()) return false;
    stopped = s.release();
    return true;
}

// The commands that run the guest: parsed, never carried out here.
bool runs_the_guest(const std::string& name) {
    static const std::set<std::string> running = {
        "run", "continue", "next", "step", "nexti", "stepi", "finish", "until", "advance", "kill", "quit",
        "reverse-continue", "reverse-next", "reverse-step", "reverse-nexti", "reverse-stepi", "reverse-finish",
    };
    return running.count(name) != 0;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (!boot()) {
        std::fprintf(stderr, "fuzz_debug_command: cannot stop the test image in copy_process "
                             "(FORKSCOPE_TEST_KERNEL/INITRAMFS)\n");
        std::exit(1);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    cli::DebugSession& session = *stopped->session;
    const MachinePosition before = stopped->machine->position();
    size_t at = 0;
    while (at <= text.size()) {
        size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        const std::string line = text.substr(at, nl - at);
        at = nl + 1;
        auto cmd = cli::parse_debug_command(line);
        if (!cmd) continue;  // an unknown or ambiguous command: its message, nothing else
        if (!cmd->format.empty()) (void)cli::parse_examine_format(cmd->format, cli::ExamineFormat{});
        if (runs_the_guest(cmd->name)) continue;
        (void)session.execute(line);
    }
    // The next input starts from the same stop: no breakpoint, watchpoint or display left.
    (void)session.execute("delete");
    (void)session.execute("frame 0");
    if (stopped->machine->position() != before) std::abort();  // nothing here may run the guest
    return 0;
}
