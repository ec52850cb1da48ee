// The initramfs on the host side: a reader and a writer for cpio "newc" archives (the
// format Linux unpacks and images/mkinitramfs.py writes), and the two questions the CLI
// asks of one: which programs are in bin/, and "this archive plus my program".
//
// newc, per entry: a 110-byte ASCII header "070701" (or "070702": the same with a
// checksum) and 13 fields of 8 hex digits (ino, mode, uid, gid, nlink, mtime, filesize,
// devmajor, devminor, rdevmajor, rdevminor, namesize with the NUL, check); the name and
// its NUL, padded to a multiple of 4 from the start of the header; the data, padded to a
// multiple of 4. The archive ends with an entry named "TRAILER!!!"; anything after it
// (padding, a second archive) is ignored here.
//
// The reader never trusts a field: every size is checked against the bytes that are
// there, and a malformed archive is an ErrorKind::BadImage error naming the offset.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace forkscope {

inline constexpr std::string_view kCpioTrailerName = "TRAILER!!!";
inline constexpr uint32_t kCpioModeTypeMask = 0170000;
inline constexpr uint32_t kCpioModeDirectory = 0040000;
inline constexpr uint32_t kCpioModeRegular = 0100000;

struct CpioEntry {
    std::string name;  // as stored: "bin/hello", "." or "./bin/hello"
    uint32_t ino = 0;
    uint32_t mode = 0;  // file type and permission bits, as in st_mode
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t nlink = 1;
    uint32_t mtime = 0;
    uint32_t devmajor = 0;
    uint32_t devminor = 0;
    uint32_t rdevmajor = 0;
    uint32_t rdevminor = 0;
    std::vector<uint8_t> data;

    bool is_regular() const { return (mode & kCpioModeTypeMask) == kCpioModeRegular; }
    bool is_directory() const { return (mode & kCpioModeTypeMask) == kCpioModeDirectory; }
};

// The entries up to (not including) the trailer, in archive order. `name` prefixes the
// error messages ("initramfs 'x.cpio': ..."). Errors: ErrorKind::BadImage.
Result<std::vector<CpioEntry>> parse_cpio(std::span<const uint8_t> archive, std::string_view name = "initramfs");

// A newc archive ("070701", check 0) of `entries` followed by the trailer.
std::vector<uint8_t> write_cpio(std::span<const CpioEntry> entries);

// "bin/ls", "./bin/ls" and "/bin/ls" all name bin/ls: the path without leading "/" and
// "./" parts, which is how the guest kernel sees it below its root.
std::string cpio_path(std::string_view stored_name);

// The names of the regular files directly in bin/, sorted: the programs
// `forkscope run NAME` can run.
std::vector<std::string> list_programs(std::span<const CpioEntry> entries);

// The regular file bin/<program>, if there is one.
const CpioEntry* find_program(std::span<const CpioEntry> entries, std::string_view program);

// `archive` with the regular file `path` ("etc/x" or "/etc/x"; permission bits `mode`)
// added: the archive's entries minus the trailer and minus any earlier entry of that
// path, each of its directories that the archive lacks (mode 0755, parents first), the
// file, the trailer. Errors: ErrorKind::BadImage for a malformed archive, Usage for an
// empty path or one that ends in '/'.
Result<std::vector<uint8_t>> add_file(std::span<const uint8_t> archive, std::string_view path, uint32_t mode,
                                      std::span<const uint8_t> bytes, std::string_view name = "initramfs");

// `archive` with bin/<program> (mode 0100755, `bytes`) added: the archive's entries minus
// the trailer and minus any earlier entry of that path, a "bin" directory if it had none,
// the program, the trailer. `program` is a plain file name (no '/', not "." or "..").
// Errors: ErrorKind::BadImage for a malformed archive, Usage for a bad program name.
Result<std::vector<uint8_t>> add_program(std::span<const uint8_t> archive, std::string_view program,
                                         std::span<const uint8_t> bytes, std::string_view name = "initramfs");

}  // namespace forkscope
