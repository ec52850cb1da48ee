// libFuzzer target: the initramfs reader and writer (frontend/initramfs.h) on an arbitrary
// archive. parse_cpio refuses it (BadImage, naming the problem) or returns entries that
// write_cpio writes back into an archive parse_cpio reads as the same entries; every
// program list_programs names, find_program finds; add_file gives an archive that
// holds the new file with its bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "frontend/initramfs.h"
#include "tests/fuzz/fuzz_require.h"

using namespace forkscope;

namespace {

bool same(const CpioEntry& a, const CpioEntry& b) {
    return a.name == b.name && a.ino == b.ino && a.mode == b.mode && a.uid == b.uid && a.gid == b.gid &&
           a.nlink == b.nlink && a.mtime == b.mtime && a.devmajor == b.devmajor && a.devminor == b.devminor &&
           a.rdevmajor == b.rdevmajor && a.rdevminor == b.rdevminor && a.data == b.data;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> archive(data, size);
    auto entries = parse_cpio(archive, "fuzz");
    if (!entries) {
        require(entries.error().kind == ErrorKind::BadImage && !entries.error().message.empty());
        return 0;
    }
    const std::vector<uint8_t> written = write_cpio(*entries);
    auto again = parse_cpio(written, "rewritten");
    require(again.ok() && again->size() == entries->size());
    for (size_t i = 0; i < entries->size(); ++i) require(same((*entries)[i], (*again)[i]));
    for (const std::string& program : list_programs(*entries)) {
        const CpioEntry* found = find_program(*entries, program);
        require(found && found->is_regular());
    }
    const std::vector<uint8_t> bytes = {'f', 'u', 'z', 'z'};
    auto added = add_file(archive, "etc/fuzz/file", 0644, bytes);
    require(added.ok());   // the archive is well formed and the path is fine
    auto with = parse_cpio(*added, "added");
    require(with.ok());
    bool found = false;
    for (const CpioEntry& e : *with)
        if (cpio_path(e.name) == "etc/fuzz/file") found = e.is_regular() && e.data == bytes;
    require(found);
    return 0;
}
