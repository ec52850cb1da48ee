#include "frontend/bundle_cache.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "frontend/initramfs.h"

namespace forkscope {

namespace fs = std::filesystem;

namespace {

Error host_error(const std::string& what, int err) {
    return make_error(ErrorKind::Host, what + ": " + std::strerror(err));
}

Result<void> write_file(const fs::path& path, std::span<const uint8_t> data, uint32_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 0777);
    if (fd < 0) return host_error("cannot create '" + path.string() + "'", errno);
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = n < 0 ? errno : EIO;
            ::close(fd);
            return host_error("cannot write '" + path.string() + "'", err);
        }
        done += static_cast<size_t>(n);
    }
    if (::close(fd) != 0) return host_error("cannot write '" + path.string() + "'", errno);
    return {};
}

// mkdtemp on "<prefix>XXXXXX".
std::optional<std::string> make_dir_like(const std::string& prefix) {
    std::vector<char> templ(prefix.begin(), prefix.end());
    const char x[] = "XXXXXX";
    templ.insert(templ.end(), x, x + sizeof x);
    if (::mkdtemp(templ.data()) == nullptr) return std::nullopt;
    return std::string(templ.data());
}

Result<UnpackedBundle> unpack_temporary(std::span<const uint8_t> bundle, std::string_view stem) {
    auto dir = make_temp_dir(stem);
    if (!dir) return dir.error();
    if (auto r = unpack_bundle(bundle, *dir); !r) {
        remove_tree(*dir);
        return r.error();
    }
    return UnpackedBundle{*dir, true};
}

}  // namespace

std::string content_hash(std::span<const uint8_t> bytes) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::optional<std::string> default_cache_root() {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    if (xdg && xdg[0] == '/') return std::string(xdg) + "/forkscope";
    const char* home = std::getenv("HOME");
    if (home && home[0] != '\0') return std::string(home) + "/.cache/forkscope";
    return std::nullopt;
}

Result<void> unpack_bundle(std::span<const uint8_t> bundle, const std::string& dir) {
    auto entries = parse_cpio(bundle, "embedded bundle");
    if (!entries) return entries.error();
    for (const CpioEntry& e : *entries) {
        const fs::path rel(e.name);
        bool safe = !e.name.empty() && rel.is_relative();
        for (const auto& part : rel) safe = safe && part != "..";
        if (!safe) return make_error(ErrorKind::BadImage, "embedded bundle: unsafe path '" + e.name + "'");
        const fs::path target = fs::path(dir) / rel;
        std::error_code ec;
        if (e.is_directory()) {
            fs::create_directories(target, ec);
            if (ec) return make_error(ErrorKind::Host, "cannot make '" + target.string() + "': " + ec.message());
        } else if (e.is_regular()) {
            fs::create_directories(target.parent_path(), ec);
            if (ec) return make_error(ErrorKind::Host, "cannot make '" + target.parent_path().string() + "': " + ec.message());
            if (auto r = write_file(target, e.data, e.mode); !r) return r;
        } else {
            return make_error(ErrorKind::BadImage, "embedded bundle: '" + e.name + "' is neither a file nor a directory");
        }
    }
    return {};
}

Result<UnpackedBundle> unpack_cached(std::span<const uint8_t> bundle, std::string_view stem,
                                     const std::optional<std::string>& cache_root) {
    if (!cache_root) return unpack_temporary(bundle, stem);
    const std::string final_dir = *cache_root + "/" + std::string(stem) + "-" + content_hash(bundle);
    std::error_code ec;
    if (fs::is_directory(final_dir, ec)) return UnpackedBundle{final_dir, false};
    fs::create_directories(*cache_root, ec);
    auto staging = make_dir_like(final_dir + ".tmp-");
    if (!staging) return unpack_temporary(bundle, stem);
    if (auto r = unpack_bundle(bundle, *staging); !r) {
        remove_tree(*staging);
        if (r.error().kind == ErrorKind::BadImage) return r.error();
        return unpack_temporary(bundle, stem);
    }
    if (::rename(staging->c_str(), final_dir.c_str()) != 0) {
        const int err = errno;
        remove_tree(*staging);
        // Another forkscope got there first: its copy is as good as ours.
        if ((err == EEXIST || err == ENOTEMPTY) && fs::is_directory(final_dir, ec)) return UnpackedBundle{final_dir, false};
        return unpack_temporary(bundle, stem);
    }
    return UnpackedBundle{final_dir, false};
}

Result<std::string> make_temp_dir(std::string_view stem) {
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string base = tmpdir && tmpdir[0] == '/' ? tmpdir : "/tmp";
    auto dir = make_dir_like(base + "/forkscope-" + std::string(stem) + "-");
    if (!dir) return host_error("cannot make a temporary directory in " + base, errno);
    return *dir;
}

void remove_tree(const std::string& path) {
    std::error_code ec;
    fs::remove_all(path, ec);
}

}  // namespace forkscope
