// A `forkscope debug` session: runs the command lines of debug_parse.h against the
// debugger core and prints what gdb would print, in the same words where gdb has them
// ("Breakpoint 1, copy_process at guestkernel/kernel/fork.c:463", "Run till exit from
// #0 ...", "Value returned is $1 = ..."). Everything it prints is a function of the
// guest's run and the commands, so a transcript can be compared in tests.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/debug/code_map.h"
#include "emulator/debug/debugger.h"
#include "emulator/debug/disassembler.h"

namespace forkscope {
class DebugInfo;
class KernelInfo;
class KernelSymbols;
class Machine;
class SourceMap;
}  // namespace forkscope

namespace forkscope::cli {

struct DebugSessionOptions {
    AsmSyntax syntax = AsmSyntax::Intel;
    const DebugInfo* debug_info = nullptr;  // the kernel's variables (null: none: print sees symbols only)
    StopConstants constants;
    std::string source_note;  // why there are no source lines (a kernel without -g), if so
    // User programs' files by guest path, and the folders of their full copies (null:
    // user code has neither symbols nor lines). program: the one being debugged.
    CodeMap::FileReader user_files;
    std::vector<std::string> debug_dirs;
    std::string program;
};

class DebugSession {
public:
    // `out` receives everything the session prints. source may be null.
    DebugSession(Machine& machine, const KernelSymbols& symbols, const SourceMap* source, const KernelInfo& info,
                 DebugSessionOptions options, std::function<void(std::string_view)> out);
    ~DebugSession();
    DebugSession(const DebugSession&) = delete;
    DebugSession& operator=(const DebugSession&) = delete;

    // Runs one command line. Returns false once the session should end (quit). An error
    // is printed as one line and remembered (failed()).
    bool execute(std::string_view line);
    // Whether any command so far failed.
    bool failed() const { return failed_; }
    Debugger& debugger();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    bool failed_ = false;
};

}  // namespace forkscope::cli
