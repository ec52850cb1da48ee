#include "frontend/cli/machine_options.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "emulator/introspect/syscall_decode.h"
#include "frontend/embedded_image.h"

namespace forkscope::cli {

// CLI11 would read "-5" into an unsigned option as a huge number.
static const CLI::Validator kWholeNumber(
    [](std::string& text) {
        return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : "'" + text + "' is not a whole number";
    },
    "N");

void add_machine_options(CLI::App& app, MachineOptions& o) {
    app.add_option("--kernel", o.kernel, "Multiboot kernel ELF (default: the built-in image)");
    // One value per occurrence: a vector option would otherwise swallow `run`'s PROGRAM.
    app.add_option("--initrd", o.initrd,
                   "a Multiboot module, repeatable; the first is the initramfs (default: the built-in "
                   "initramfs.cpio, except for a --kernel run without a program, as with qemu -kernel)")
        ->allow_extra_args(false);
    app.add_option("--append", o.append, "kernel command line");
    app.add_option("--ram", o.ram_mib, "guest RAM in MiB")->capture_default_str()->check(kWholeNumber);
    app.add_flag("--realtime", o.realtime, "guest time follows the host clock (default: instruction-counted)");
    app.add_option("--delivery", o.delivery,
                   "how the host writes Unicorn's CPU state: in-place (events delivered inside runs, where "
                   "the state is found) or saved-contexts (the slower path, for comparison)")
        ->check(CLI::IsMember({"in-place", "saved-contexts"}))
        ->capture_default_str();
    app.add_option("--max-instructions", o.max_instructions,
                   "stop with a machine fault after N guest instructions (0: no limit)")
        ->check(kWholeNumber);
    app.add_option("--trace", o.trace,
                   "event tracing on stderr, comma separated: int, exc, io, syscall (every system call, as "
                   "strace -f prints it), syscall=NAME,NAME... (only those calls)")
        ->delimiter(',')
        ->allow_extra_args(false);
    app.add_option("--trace-file", o.trace_file, "write the system call trace to FILE instead of stderr");
    app.add_option("--rtc-time", o.rtc_time, "CMOS clock at boot, in seconds since 1970 (default: host time)");
    app.add_option("--input", o.input, "feed the serial console from FILE ('-' for stdin; default: the terminal, when stdin is one, in raw mode: Ctrl-A x quits)");
}

Result<void> write_host_file(const std::string& path, std::span<const uint8_t> bytes, const char* what) {
    auto failed = [&](int err) {
        return make_error(ErrorKind::BadImage, std::string("cannot write ") + what + " '" + path + "': " + std::strerror(err));
    };
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return failed(errno);
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            ::close(fd);
            return failed(err);
        }
        done += static_cast<size_t>(n);
    }
    if (::close(fd) != 0) return failed(errno);
    return {};
}

Result<std::vector<uint8_t>> read_host_file(const std::string& path, const char* what, uint64_t max_bytes) {
    auto bad = [&](const std::string& why) {
        return make_error(ErrorKind::BadImage, std::string(what) + " '" + path + "' " + why);
    };
    // Looked at before it is opened: opening a FIFO for reading waits for a writer.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return make_error(ErrorKind::BadImage, std::string("cannot open ") + what + " '" + path + "': " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return bad("is not a regular file");
    // Whatever is read goes into guest RAM: a larger file cannot be loaded, and reading
    // it first would only cost time and host memory (a sparse file can claim 64 GiB).
    if (static_cast<uint64_t>(st.st_size) > max_bytes)
        return bad("is " + std::to_string(st.st_size) + " bytes, more than the guest's " +
                   std::to_string(max_bytes >> 20) + " MiB of RAM can hold");
    // O_NONBLOCK: should a FIFO have taken the file's place since, open does not wait.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return make_error(ErrorKind::BadImage, std::string("cannot open ") + what + " '" + path + "': " + std::strerror(errno));
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) > max_bytes) {
        ::close(fd);
        return bad("changed while it was being opened");
    }
    std::vector<uint8_t> bytes;
    try {
        bytes.resize(static_cast<size_t>(st.st_size));
    } catch (const std::bad_alloc&) {
        ::close(fd);
        return make_error(ErrorKind::Host, std::string("not enough host memory to read ") + what + " '" + path + "'");
    }
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
    ::close(fd);
    if (done != bytes.size())
        return make_error(ErrorKind::BadImage, std::string("cannot read ") + what + " '" + path + "'");
    return bytes;
}

static std::string base_name(const std::string& path) {
    auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

MultibootModule built_in_initramfs() {
    auto m = embedded_initramfs();
    return MultibootModule{std::string(kBuiltInInitramfsName), {m.begin(), m.end()}, "initramfs.cpio"};
}

Result<SyscallTraceRequest> syscall_trace_request(const std::vector<std::string>& trace) {
    SyscallTraceRequest req;
    bool naming = false;  // after "syscall=NAME": plain words name more calls
    for (const std::string& word : trace) {
        std::string name;
        if (word == "int" || word == "exc" || word == "io") {
            naming = false;
            continue;
        }
        if (word == "syscall") {
            req.enabled = true;
            naming = false;
            continue;
        }
        if (word.starts_with("syscall=")) {
            req.enabled = true;
            naming = true;
            name = word.substr(8);
        } else if (naming) {
            name = word;
        } else {
            return make_error(ErrorKind::Usage,
                              "--trace: unknown kind '" + word + "' (int, exc, io, syscall, syscall=NAME,...)");
        }
        auto nr = syscall_number(name);
        if (!nr) return make_error(ErrorKind::Usage, "--trace: '" + name + "' is not a Linux i386 system call");
        req.only.insert(*nr);
    }
    return req;
}

Result<MachineConfig> make_machine_config(const MachineOptions& o) {
    MachineConfig c;
    if (auto t = syscall_trace_request(o.trace); !t) return t.error();
    if (o.ram_mib == 0) return make_error(ErrorKind::Usage, "--ram must be at least 1 MiB");
    if (o.ram_mib > (Ram::kMaxBytes >> 20))
        return make_error(ErrorKind::Usage, "--ram " + std::to_string(o.ram_mib) + " is more than a 32-bit guest can use (at most " +
                                                std::to_string(Ram::kMaxBytes >> 20) + " MiB)");
    c.ram_bytes = o.ram_mib << 20;
    if (o.kernel.empty()) {
        auto k = embedded_kernel();
        c.kernel.assign(k.begin(), k.end());
        c.kernel_name = "kernel.elf";
    } else {
        auto k = read_host_file(o.kernel, "kernel", c.ram_bytes);
        if (!k) return k.error();
        c.kernel = std::move(*k);
        c.kernel_name = o.kernel;
    }
    for (const std::string& path : o.initrd) {
        auto m = read_host_file(path, "initrd", c.ram_bytes);
        if (!m) return m.error();
        c.modules.push_back(MultibootModule{path, std::move(*m), base_name(path)});
    }
    if (o.initrd.empty() && o.kernel.empty()) c.modules.push_back(built_in_initramfs());
    c.cmdline = o.append;
    c.realtime = o.realtime;
    c.cpu_state_in_place = o.delivery == "in-place";
    c.max_instructions = o.max_instructions;
    c.rtc_unix_time = o.rtc_time;
    for (const std::string& t : o.trace) {
        if (t == "int") c.trace.interrupts = true;
        if (t == "exc") c.trace.exceptions = true;
        if (t == "io") c.trace.io = true;
    }
    if (o.input == "-") {
        c.input_fd = STDIN_FILENO;
    } else if (!o.input.empty()) {
        int fd = ::open(o.input.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return make_error(ErrorKind::BadImage, "cannot open input '" + o.input + "': " + std::strerror(errno));
        c.input_fd = fd;
    }
    return c;
}

int exit_status_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage: return 2;
        case ErrorKind::BadImage: return 3;
        case ErrorKind::MachineFault:
        case ErrorKind::Host: return 4;
        case ErrorKind::NotReached: return 5;
    }
    return 4;
}

int report_error(const Error& error) {
    std::fprintf(stderr, "forkscope: %s\n", error.message.c_str());
    return exit_status_for(error.kind);
}

}  // namespace forkscope::cli
