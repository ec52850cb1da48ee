// The options every subcommand that boots a machine shares (--kernel, --initrd,
// --append, --ram, --realtime, --max-instructions, --trace, --rtc-time), and their
// translation into a MachineConfig.
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "emulator/machine.h"

namespace forkscope::cli {

// MultibootModule::name of the embedded initramfs (the one used without --initrd).
inline constexpr std::string_view kBuiltInInitramfsName = "built-in initramfs.cpio";

struct MachineOptions {
    std::string kernel;                // empty: the embedded default image
    std::vector<std::string> initrd;   // each becomes a Multiboot module
    std::string append;
    uint64_t ram_mib = 128;
    bool realtime = false;
    std::string delivery = "in-place";  // or saved-contexts
    uint64_t max_instructions = 0;
    std::vector<std::string> trace;    // int, exc, io, syscall, syscall=NAME[,NAME...]
    std::string trace_file;            // the system call trace's file; empty: stderr
    std::optional<int64_t> rtc_time;
    std::string input;                 // "-" for stdin, a file, or empty for none
};

void add_machine_options(CLI::App& app, MachineOptions& options);

// What --trace asks of the system call trace: whether to trace, and which calls (empty:
// all). "syscall" traces every call; "syscall=fork" and the words after it that are
// not other trace kinds ("syscall=fork,clone,execve") name the calls.
struct SyscallTraceRequest {
    bool enabled = false;
    std::set<uint32_t> only;
};
// Errors (ErrorKind::Usage): an unknown trace kind or system call name.
Result<SyscallTraceRequest> syscall_trace_request(const std::vector<std::string>& trace);

// Reads the files the options name. The modules are the --initrd files; with neither
// --kernel nor --initrd, the built-in initramfs. A --kernel alone boots without modules,
// exactly as `qemu-system-i386 -kernel K` does (the differential tests rely on that).
// Errors: ErrorKind::BadImage for files, Usage for values.
Result<MachineConfig> make_machine_config(const MachineOptions& options);

// The embedded initramfs as a module: its string "initramfs.cpio", its name
// kBuiltInInitramfsName.
MultibootModule built_in_initramfs();

// A whole host file that is to go into guest RAM: at most max_bytes (the RAM's size).
// Errors (ErrorKind::BadImage): "cannot open <what> '<path>': ...", not a regular file
// (found before opening: a FIFO would block), larger than max_bytes (found before
// reading), short read; ErrorKind::Host when the host cannot hold it.
Result<std::vector<uint8_t>> read_host_file(const std::string& path, const char* what, uint64_t max_bytes);

// Writes a whole host file (created, or truncated), mode 0644 before the umask. Errors
// (ErrorKind::BadImage): "cannot write <what> '<path>': ...".
Result<void> write_host_file(const std::string& path, std::span<const uint8_t> bytes, const char* what);

// Exit status for an error kind: 2 usage, 3 bad image or file, 4 machine fault, 5 a
// stop point the guest never reached.
int exit_status_for(ErrorKind kind);

// Prints "forkscope: <message>" on stderr and returns exit_status_for(error.kind).
int report_error(const Error& error);

}  // namespace forkscope::cli
