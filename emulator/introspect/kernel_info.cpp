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

Result<KernelInfo> KernelInfo::read(std::span<const uint8_t> f) {
    auto s = find_section(f, FORKSCOPE_KINFO_SECTION);
    if (!s) return s.error();
    constexpr uint64_t kEntry = FORKSCOPE_KINFO_ENTRY_SIZE, kName = FORKSCOPE_KINFO_NAME_LEN;
    if (s->size < kEntry || s->size % kEntry != 0)
        return bad("section " FORKSCOPE_KINFO_SECTION " is " + std::to_string(s->size) + " bytes, not a whole number of entries");
    KernelInfo info;
    for (uint64_t at = s->offset; at < s->offset + s->size; at += kEntry) {
        const char* name = reinterpret_cast<const char*>(f.data() + at);
        const size_t len = strnlen(name, kName);
        if (len == 0 || len == kName) return bad("an entry's name is empty or not terminated");
        const uint32_t value = elf32::le32(f, at + kName);
        if (at == s->offset) {
            if (std::string(name, len) != FORKSCOPE_KINFO_HEADER) return bad("the table does not start with " FORKSCOPE_KINFO_HEADER);
            if (value != FORKSCOPE_KINFO_VERSION)
                return bad("version " + std::to_string(value) + "; this forkscope reads version " +
                           std::to_string(FORKSCOPE_KINFO_VERSION));
            continue;
        }
        if (!info.entries_.emplace(std::string(name, len), value).second)
            return bad(std::string("entry ") + name + " appears twice");
    }
    for (auto [field, name] : {std::pair{&info.current_task, "SYMBOL(current_task)"},
                               {&info.task_pid, "OFFSET(task_struct.pid)"},
                               {&info.task_tgid, "OFFSET(task_struct.tgid)"},
                               {&info.task_comm, "OFFSET(task_struct.comm)"},
                               {&info.task_comm_len, "LENGTH(task_struct.comm)"}}) {
        auto v = info.get(name);
        if (!v) return v.error();
        *field = *v;
    }
    return info;
}

std::optional<uint32_t> KernelInfo::find(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
}

Result<uint32_t> KernelInfo::get(const std::string& name) const {
    if (auto v = find(name)) return *v;
    return bad("the kernel does not export " + name + " (a kernel older or newer than this forkscope?)");
}

}  // namespace forkscope
