#include "frontend/initramfs.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace forkscope {

namespace {

constexpr size_t kHeaderSize = 110;
constexpr size_t kMagicSize = 6;
constexpr size_t kFieldCount = 13;
constexpr const char* kFieldNames[kFieldCount] = {
    "ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
    "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check",
};
enum Field { kIno, kMode, kUid, kGid, kNlink, kMtime, kFileSize, kDevMajor, kDevMinor, kRdevMajor, kRdevMinor,
             kNameSize, kCheck };

constexpr uint64_t pad4(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// An entry name for a one-line message: control bytes escaped, at most 60 characters.
std::string shown(std::string_view entry_name) {
    std::string out;
    for (unsigned char c : entry_name.substr(0, 60)) {
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    return entry_name.size() > 60 ? out + "..." : out;
}

Error bad(std::string_view name, uint64_t offset, const std::string& what) {
    return make_error(ErrorKind::BadImage,
                      std::string(name) + ": " + what + " at offset " + hex(offset) + " (not a valid cpio \"newc\" archive)");
}

std::optional<uint32_t> parse_hex8(std::span<const uint8_t> digits) {
    uint32_t v = 0;
    for (uint8_t c : digits) {
        uint32_t d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return std::nullopt;
        v = (v << 4) | d;
    }
    return v;
}

void put_header(std::vector<uint8_t>& out, const CpioEntry& e, uint32_t filesize, uint32_t namesize) {
    const uint32_t fields[kFieldCount] = {e.ino, e.mode, e.uid, e.gid, e.nlink, e.mtime, filesize,
                                          e.devmajor, e.devminor, e.rdevmajor, e.rdevminor, namesize, 0};
    char buf[kHeaderSize + 1];
    int n = std::snprintf(buf, sizeof buf, "070701");
    for (uint32_t f : fields) n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), "%08X", f);
    out.insert(out.end(), buf, buf + kHeaderSize);
}

void pad_to_4(std::vector<uint8_t>& out) { out.resize(pad4(out.size()), 0); }

}  // namespace

Result<std::vector<CpioEntry>> parse_cpio(std::span<const uint8_t> archive, std::string_view name) {
    std::vector<CpioEntry> entries;
    uint64_t off = 0;
    const uint64_t size = archive.size();
    for (;;) {
        if (off == size)
            return make_error(ErrorKind::BadImage, std::string(name) + ": the archive ends at offset " + hex(off) +
                                                       " without a TRAILER!!! entry (truncated?)");
        if (size - off < kHeaderSize)
            return bad(name, off, "truncated header (" + std::to_string(size - off) + " of 110 bytes)");
        auto header = archive.subspan(off, kHeaderSize);
        const std::string_view magic(reinterpret_cast<const char*>(header.data()), kMagicSize);
        if (magic != "070701" && magic != "070702") return bad(name, off, "bad magic");
        uint32_t f[kFieldCount];
        for (size_t i = 0; i < kFieldCount; i++) {
            auto v = parse_hex8(header.subspan(kMagicSize + 8 * i, 8));
            if (!v) return bad(name, off, std::string("field ") + kFieldNames[i] + " is not 8 hex digits");
            f[i] = *v;
        }
        const uint64_t name_off = off + kHeaderSize;
        const uint64_t namesize = f[kNameSize];
        if (namesize == 0) return bad(name, off, "entry with an empty name (namesize 0)");
        if (namesize > size - name_off)
            return bad(name, off, "name (namesize " + std::to_string(namesize) + ") runs past the end of the archive");
        auto raw_name = archive.subspan(name_off, namesize);
        if (raw_name.back() != 0) return bad(name, off, "name is not NUL-terminated");
        std::string entry_name(reinterpret_cast<const char*>(raw_name.data()), namesize - 1);
        if (entry_name.find('\0') != std::string::npos) return bad(name, off, "name contains a NUL byte");

        const uint64_t data_off = pad4(name_off + namesize);
        const uint64_t filesize = f[kFileSize];
        if (data_off > size) return bad(name, off, "'" + shown(entry_name) + "' is cut off after its name");
        if (filesize > size - data_off)
            return bad(name, off, "data of '" + shown(entry_name) + "' (" + std::to_string(filesize) +
                                      " bytes) runs past the end of the archive");
        if (entry_name == kCpioTrailerName) return entries;

        CpioEntry e;
        e.name = std::move(entry_name);
        e.ino = f[kIno], e.mode = f[kMode], e.uid = f[kUid], e.gid = f[kGid], e.nlink = f[kNlink];
        e.mtime = f[kMtime], e.devmajor = f[kDevMajor], e.devminor = f[kDevMinor];
        e.rdevmajor = f[kRdevMajor], e.rdevminor = f[kRdevMinor];
        auto data = archive.subspan(data_off, filesize);
        e.data.assign(data.begin(), data.end());
        entries.push_back(std::move(e));
        // The last entry's data padding may be missing only if a trailer cannot follow;
        // min() keeps the offset inside the archive so the next round reports that.
        off = std::min(pad4(data_off + filesize), size);
    }
}

std::vector<uint8_t> write_cpio(std::span<const CpioEntry> entries) {
    std::vector<uint8_t> out;
    auto write_one = [&out](const CpioEntry& e) {
        put_header(out, e, static_cast<uint32_t>(e.data.size()), static_cast<uint32_t>(e.name.size() + 1));
        out.insert(out.end(), e.name.begin(), e.name.end());
        out.push_back(0);
        pad_to_4(out);
        out.insert(out.end(), e.data.begin(), e.data.end());
        pad_to_4(out);
    };
    for (const CpioEntry& e : entries) write_one(e);
    CpioEntry trailer;
    trailer.name = std::string(kCpioTrailerName);
    write_one(trailer);
    return out;
}

std::string cpio_path(std::string_view stored) {
    for (;;) {
        if (stored.starts_with("/")) stored.remove_prefix(1);
        else if (stored.starts_with("./")) stored.remove_prefix(2);
        else break;
    }
    return std::string(stored);
}

std::vector<std::string> list_programs(std::span<const CpioEntry> entries) {
    // The last entry of a path is what the kernel leaves there (as in find_program).
    std::map<std::string, const CpioEntry*> last;
    for (const CpioEntry& e : entries) {
        const std::string path = cpio_path(e.name);
        if (path.starts_with("bin/")) last[path.substr(4)] = &e;
    }
    std::vector<std::string> names;  // sorted: the map's order
    for (const auto& [program, e] : last)
        if (!program.empty() && program.find('/') == std::string::npos && e->is_regular()) names.push_back(program);
    return names;
}

const CpioEntry* find_program(std::span<const CpioEntry> entries, std::string_view program) {
    const CpioEntry* found = nullptr;
    const std::string want = "bin/" + std::string(program);
    for (const CpioEntry& e : entries)  // the last one wins, as when the kernel unpacks
        if (cpio_path(e.name) == want) found = &e;
    return found && found->is_regular() ? found : nullptr;
}

Result<std::vector<uint8_t>> add_file(std::span<const uint8_t> archive, std::string_view path, uint32_t mode,
                                      std::span<const uint8_t> bytes, std::string_view name) {
    const std::string file_path = cpio_path(path);
    if (file_path.empty() || file_path.ends_with('/') || file_path.find('\0') != std::string::npos)
        return make_error(ErrorKind::Usage, "'" + std::string(path) + "' is not a valid file path");
    if (bytes.size() > UINT32_MAX)
        return make_error(ErrorKind::BadImage, "'" + file_path + "' is too large for a cpio archive");
    auto parsed = parse_cpio(archive, name);
    if (!parsed) return parsed.error();
    std::vector<CpioEntry> entries = std::move(*parsed);
    std::erase_if(entries, [&](const CpioEntry& e) { return cpio_path(e.name) == file_path; });
    uint32_t max_ino = 0;
    for (const CpioEntry& e : entries) max_ino = std::max(max_ino, e.ino);
    // Its directories, parents first, where the archive has none: Linux's unpacker
    // creates no missing parents (ours does), and the archive should suit both.
    for (size_t slash = file_path.find('/'); slash != std::string::npos; slash = file_path.find('/', slash + 1)) {
        const std::string dir_path = file_path.substr(0, slash);
        if (std::any_of(entries.begin(), entries.end(),
                        [&](const CpioEntry& e) { return e.is_directory() && cpio_path(e.name) == dir_path; }))
            continue;
        CpioEntry dir;
        dir.name = dir_path;
        dir.ino = ++max_ino;
        dir.mode = kCpioModeDirectory | 0755;
        dir.nlink = 2;
        entries.push_back(std::move(dir));
    }
    CpioEntry file;
    file.name = file_path;
    file.ino = ++max_ino;
    file.mode = kCpioModeRegular | (mode & 07777);
    file.data.assign(bytes.begin(), bytes.end());
    entries.push_back(std::move(file));
    return write_cpio(entries);
}

Result<std::vector<uint8_t>> add_program(std::span<const uint8_t> archive, std::string_view program,
                                         std::span<const uint8_t> bytes, std::string_view name) {
    if (program.empty() || program == "." || program == ".." || program.find('/') != std::string_view::npos ||
        program.find('\0') != std::string_view::npos)
        return make_error(ErrorKind::Usage, "'" + std::string(program) + "' is not a valid program name");
    return add_file(archive, "bin/" + std::string(program), 0755, bytes, name);
}

}  // namespace forkscope
