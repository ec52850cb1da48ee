// forkscope cc FILE.c... [-o OUT] [gcc flags]: compile a user's C (or assembly) files
// against the guest libc into a static i386 ELF that runs under `forkscope run ./OUT`
// and natively on the host. The flags and the link line are the image's own
// (images/libc/meson.build, images/programs/meson.build), without -Werror and -Wextra:
//   gcc <guest_user_cflags> -I<libc>/include <user flags> -c FILE.c -o FILE.o
//   ld -m elf_i386 -static -nostdlib -e _start -o OUT <libc>/lib/crt0.o FILE.o... <libc>/lib/libc.a <libgcc.a>
// As with cc, OUT is a.out when -o is not given (FILE.o for -c). The libc holds the math,
// time and pthread functions, so -lm, -lpthread, -pthread, -lrt and -lc need nothing more;
// any other -lNAME must be a guest archive found in a -L folder (ld's own search path
// holds the host's libraries, which must not be linked into a guest program).
// The libc (libc.a, crt0.o, headers) is embedded in forkscope and unpacked once into the
// cache (frontend/bundle_cache.h). gcc and ld come from PATH; their messages pass
// through and their exit status is ours.
#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "frontend/bundle_cache.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/machine_options.h"
#include "frontend/embedded_image.h"
#include "frontend/host_process.h"
#include "guest_cc_flags.h"

namespace forkscope::cli {

namespace {

constexpr const char* kNeedGcc = "forkscope cc needs gcc with 32-bit support (Debian: gcc-multilib)";
constexpr const char* kUsage = "usage: forkscope cc FILE.c... [-o OUT] [gcc flags]";

struct CcPlan {
    std::vector<std::string> sources;      // compiled by gcc
    std::vector<std::string> link_inputs;  // .o and .a files and -lNAME, given to ld as they are
    std::vector<std::string> gcc_flags;    // the user's, after ours
    std::vector<std::string> ld_flags;     // from -Wl,a,b and -LDIR
    std::vector<std::string> other_libs;   // -lNAME that is not part of our libc
    bool have_library_dir = false;         // some -LDIR given
    std::string output;
    bool compile_only = false;             // -c: each source to its object file
};

bool ends_with_any(const std::string& s, std::initializer_list<const char*> suffixes) {
    for (const char* suffix : suffixes)
        if (s.ends_with(suffix)) return true;
    return false;
}

// The libraries whose functions libc.a itself has, as in glibc 2.34 and later and musl.
bool part_of_libc(const std::string& name) {
    for (const char* n : {"c", "m", "pthread", "rt"})
        if (name == n) return true;
    return false;
}

// What gcc -c names the object of a source: its base name with .o for the suffix.
std::string object_name(const std::string& source) {
    std::string base = source.substr(source.find_last_of('/') + 1);
    const size_t dot = base.find_last_of('.');
    return base.substr(0, dot) + ".o";
}

// gcc options whose value is the next word.
bool takes_value(const std::string& flag) {
    for (const char* f : {"-I", "-D", "-U", "-include", "-isystem", "-iquote", "-x", "-MF", "-MT", "-MQ"})
        if (flag == f) return true;
    return false;
}

Result<CcPlan> plan(const std::vector<std::string>& words) {
    CcPlan p;
    for (size_t i = 0; i < words.size(); i++) {
        const std::string& w = words[i];
        if (w == "-o") {
            if (i + 1 == words.size()) return make_error(ErrorKind::Usage, "cc: -o needs a file name");
            p.output = words[++i];
        } else if (w.starts_with("-o")) {
            p.output = w.substr(2);
        } else if (w == "-c") {
            p.compile_only = true;
        } else if (w == "-S" || w == "-E") {
            return make_error(ErrorKind::Usage, "cc: " + w + " is not supported (forkscope cc makes programs; -c makes an object file)");
        } else if (w.starts_with("-Wl,")) {
            size_t start = 4;
            for (size_t comma; (comma = w.find(',', start)) != std::string::npos; start = comma + 1)
                p.ld_flags.push_back(w.substr(start, comma - start));
            p.ld_flags.push_back(w.substr(start));
        } else if (w == "-pthread") {
            p.gcc_flags.push_back(w);  // gcc defines _REENTRANT; the functions are in libc.a
        } else if (w.starts_with("-l") && w.size() > 2) {
            if (!part_of_libc(w.substr(2))) {
                p.link_inputs.push_back(w);  // in order, after the objects that need it
                p.other_libs.push_back(w);
            }
        } else if (w.starts_with("-L") && w.size() > 2) {
            p.ld_flags.push_back(w);
            p.have_library_dir = true;
        } else if (w.starts_with("-")) {
            p.gcc_flags.push_back(w);
            if (takes_value(w) && i + 1 < words.size()) p.gcc_flags.push_back(words[++i]);
        } else if (ends_with_any(w, {".c", ".S", ".s", ".i"})) {
            p.sources.push_back(w);
        } else if (ends_with_any(w, {".o", ".a"})) {
            p.link_inputs.push_back(w);
        } else {
            return make_error(ErrorKind::Usage, "cc: '" + w + "' is neither a source file (.c, .S, .s) nor an object "
                                                "or archive (.o, .a)");
        }
    }
    if (p.sources.empty() && p.link_inputs.empty()) return make_error(ErrorKind::Usage, std::string("cc: no input files (") + kUsage + ")");
    if (p.compile_only && (p.sources.empty() || !p.link_inputs.empty()))
        return make_error(ErrorKind::Usage, "cc: -c compiles source files only");
    if (p.compile_only && p.sources.size() > 1 && !p.output.empty())
        return make_error(ErrorKind::Usage, "cc: -o with -c names one object file: give one source file, or no -o");
    if (!p.other_libs.empty() && !p.have_library_dir)
        return make_error(ErrorKind::Usage,
                          "cc: " + p.other_libs.front() + ": forkscope cc links only the guest libc (it has the math, "
                          "time and pthread functions: -lm, -lpthread, -lrt need nothing); the host's libraries do "
                          "not run in the guest. For a library of your own built with forkscope cc, give its folder "
                          "with -L DIR (it links DIR/lib" + p.other_libs.front().substr(2) + ".a)");
    if (p.output.empty() && !p.compile_only) p.output = "a.out";
    return p;
}

// libgcc.a for -m32: it supplies the 64-bit division helpers, and its presence is how we
// know gcc can build 32-bit code at all.
Result<std::string> libgcc_path() {
    auto run = capture_host_program({"gcc", "-m32", "-print-libgcc-file-name"});
    if (!run || run->status != 0) return make_error(ErrorKind::Host, kNeedGcc);
    std::string path = run->output;
    while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
    struct stat st {};
    if (path.empty() || path.front() != '/' || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return make_error(ErrorKind::Host, kNeedGcc);
    return path;
}

std::vector<std::string> gcc_compile(const std::string& libc_dir, const CcPlan& p, const std::string& source,
                                     const std::string& object) {
    std::vector<std::string> argv = {"gcc"};
    for (const char* flag : kGuestUserCflags) argv.push_back(flag);
    argv.push_back("-I" + libc_dir + "/include");
    argv.insert(argv.end(), p.gcc_flags.begin(), p.gcc_flags.end());
    argv.insert(argv.end(), {"-c", source, "-o", object});
    return argv;
}

// A run's status as our exit status, or the error when it could not start.
int status_of(const Result<HostRun>& run) { return run ? run->status : report_error(run.error()); }

int compile_and_link(const CcPlan& p, const std::string& libc_dir, const std::string& libgcc,
                     const std::string& objects_dir) {
    std::vector<std::string> objects;
    for (size_t i = 0; i < p.sources.size(); i++) {
        const std::string& src = p.sources[i];
        const std::string base = src.substr(src.find_last_of('/') + 1);
        objects.push_back(objects_dir + "/" + std::to_string(i) + "-" + base + ".o");
        auto run = run_host_program(gcc_compile(libc_dir, p, src, objects.back()));
        if (!run || run->status != 0) return status_of(run);
    }
    // -nostdlib: only the folders named here are searched for -lNAME, never the host's.
    std::vector<std::string> ld = {"ld", "-m", "elf_i386", "-static", "-nostdlib", "-e", "_start"};
    ld.insert(ld.end(), p.ld_flags.begin(), p.ld_flags.end());
    ld.insert(ld.end(), {"-o", p.output, libc_dir + "/lib/crt0.o"});
    ld.insert(ld.end(), objects.begin(), objects.end());
    ld.insert(ld.end(), p.link_inputs.begin(), p.link_inputs.end());
    ld.insert(ld.end(), {libc_dir + "/lib/libc.a", libgcc});
    auto run = run_host_program(ld);
    if (!run)
        return report_error(make_error(ErrorKind::Host, "forkscope cc needs ld from GNU binutils (Debian: binutils): " +
                                                            run.error().message));
    return run->status;
}

int cc(const std::vector<std::string>& words) {
    auto p = plan(words);
    if (!p) return report_error(p.error());
    auto libgcc = libgcc_path();
    if (!libgcc) return report_error(libgcc.error());
    auto libc = unpack_cached(embedded_libc_bundle(), "libc", default_cache_root());
    if (!libc) return report_error(libc.error());

    int status;
    if (p->compile_only) {
        status = 0;
        for (const std::string& src : p->sources) {  // as gcc -c: FILE.c to FILE.o unless -o
            const std::string out = p->output.empty() ? object_name(src) : p->output;
            status = status_of(run_host_program(gcc_compile(libc->dir, *p, src, out)));
            if (status != 0) break;
        }
    } else {
        auto objects_dir = make_temp_dir("cc");
        if (!objects_dir) {
            status = report_error(objects_dir.error());
        } else {
            status = compile_and_link(*p, libc->dir, *libgcc, *objects_dir);
            remove_tree(*objects_dir);
        }
    }
    if (libc->temporary) remove_tree(libc->dir);
    return status;
}

}  // namespace

CommandRunner add_cc_command(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand("cc", "Compile C files against the guest libc into a static i386 program");
    // Every word is gcc's or ours to sort out: file names, -o, -Wl,..., gcc's flags.
    cmd->prefix_command();
    cmd->footer(std::string(kUsage) +
                "\nThe program (a.out without -o) runs in the guest (forkscope run ./OUT) and natively on the\n"
                "host. Flags are the image's (-O2 -g -std=c11 -Wall ...); yours come after them (e.g. -Werror).\n"
                "-c FILE.c [-o FILE.o] makes an object file; .o, .a, -L and -Wl,... go to ld. libc.a has the\n"
                "math, time and pthread functions: -lm, -lpthread, -pthread, -lrt need nothing; any other -lNAME\n"
                "must be a guest library in a -L folder.");
    return [cmd](const TrailingWords& trailing) -> int {
        if (!cmd->parsed()) return -1;
        std::vector<std::string> words = cmd->remaining();
        words.insert(words.end(), trailing.words.begin(), trailing.words.end());
        return cc(words);
    };
}

}  // namespace forkscope::cli
