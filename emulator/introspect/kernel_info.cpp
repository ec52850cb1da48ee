#include "emulator/introspect/kernel_info.h"

#include <cstring>
#include <string>

#include "emulator/elf32.h"
#include "guestkernel/include/abi/forkscope.h"

namespace forkscope {

namespace {

struct Section {
    uint64_t offset = 0, size = 0;
};

Error bad(const std::string& what) { return make_error(ErrorKind::BadImage, "kernel-info table: " + what); }

// The section named `name`, through the section header table and its string table.
Result<Section> find_section(std::span<const uint8_t> f, const char* name) {
    using namespace elf32;
    if (f.size() < kHeaderSize || std::memcmp(f.data(), "\x7f" "ELF", 4) != 0 || f[kEiClass] != kClass32)
        return bad("the kernel is not an ELF32 file");
    const uint64_t shoff = le32(f, 32), shentsize = le16(f, 46), shnum = le16(f, 48), shstrndx = le16(f, 50);
    if (shentsize < 40 || shstrndx >= shnum || shoff + shnum * shentsize > f.size())
        return bad("the kernel's section header table is malformed");
    auto header = [&](uint64_t i) {
        const uint64_t sh = shoff + i * shentsize;
        return std::pair<uint32_t, Section>{le32(f, sh), Section{le32(f, sh + 16), le32(f, sh + 20)}};
    };
    const Section strtab = header(shstrndx).second;
    if (strtab.offset + strtab.size > f.size()) return bad("the kernel's section names are outside the file");
    const size_t want = std::strlen(name) + 1;
    for (uint64_t i = 0; i < shnum; ++i) {
        auto [name_off, s] = header(i);
        if (name_off + want > strtab.size) continue;
        if (std::memcmp(f.data() + strtab.offset + name_off, name, want) != 0) continue;
        if (s.offset + s.size > f.size()) return bad(std::string("section ") + name + " is outside the file");
        return s;
    }
    return bad(std::string("the kernel has no ") + name + " section (built before the table existed?)");
}

}  // namespace

Result<KernelInfo> read_kernel_info(std::span<const uint8_t> f) {
    auto s = find_section(f, FORKSCOPE_KINFO_SECTION);
    if (!s) return s.error();
    const uint64_t pairs = s->size / 8;
    if (pairs < 1 || elf32::le32(f, s->offset) != FORKSCOPE_KINFO_MAGIC)
        return bad("bad magic in " FORKSCOPE_KINFO_SECTION);
    const uint32_t count = elf32::le32(f, s->offset + 4);
    if (count < 1 || count > pairs) return bad("bad entry count " + std::to_string(count));

    KernelInfo info;
    uint32_t* fields[] = {nullptr, &info.current_task, &info.task_pid, &info.task_tgid, &info.task_comm,
                          &info.task_comm_len};
    constexpr uint32_t kNeeded = sizeof fields / sizeof fields[0];
    bool seen[kNeeded] = {};
    for (uint32_t i = 1; i < count; ++i) {
        const uint32_t key = elf32::le32(f, s->offset + 8 * i), value = elf32::le32(f, s->offset + 8 * i + 4);
        if (key == 0 || key >= kNeeded) continue;  // a newer kernel's key
        *fields[key] = value;
        seen[key] = true;
    }
    for (uint32_t key = 1; key < kNeeded; ++key)
        if (!seen[key]) return bad("key " + std::to_string(key) + " is missing");
    return info;
}

}  // namespace forkscope
