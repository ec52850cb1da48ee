// The checks follow the order that gives the most useful message first: what kind of
// file, which machine, what kind of ELF, then the details. Every field read from the
// file is bounds-checked; address arithmetic is done in uint64_t.
#include "frontend/user_program.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "guestkernel/include/abi/forkscope.h"

namespace forkscope {

namespace {

constexpr uint64_t kElfHeaderSize = 52;
constexpr uint64_t kElfPhdrSize = 32;
constexpr size_t kEiClass = 4, kEiData = 5;
constexpr uint8_t kElfClass32 = 1, kElfClass64 = 2;
constexpr uint8_t kElfDataLsb = 1, kElfDataMsb = 2;
constexpr uint16_t kEtRel = 1, kEtExec = 2, kEtDyn = 3, kEtCore = 4;
constexpr uint16_t kEm386 = 3;
constexpr uint32_t kPtLoad = 1, kPtInterp = 3;
constexpr uint32_t kPfX = 1;
constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kUserEnd = FORKSCOPE_KERNEL_BASE;

constexpr const char* kBuildHint = "build it with forkscope cc (or gcc -m32 -static)";

uint16_t le16(std::span<const uint8_t> b, uint64_t off) { return static_cast<uint16_t>(b[off] | b[off + 1] << 8); }
uint32_t le32(std::span<const uint8_t> b, uint64_t off) {
    uint32_t v;
    std::memcpy(&v, b.data() + off, 4);  // the host is little endian, like the guest
    return v;
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

const char* machine_name(uint16_t m) {
    switch (m) {
        case 40: return "ARM";
        case 62: return "x86-64";
        case 183: return "AArch64";
        case 243: return "RISC-V";
        default: return "unknown";
    }
}

Error refuse(std::string_view name, const std::string& what) {
    return make_error(ErrorKind::BadImage, std::string(name) + " " + what);
}

}  // namespace

Result<void> check_static_i386_executable(std::span<const uint8_t> f, std::string_view name) {
    if (f.size() >= 2 && f[0] == '#' && f[1] == '!')
        return refuse(name, "is a script (#!), not an ELF executable; forkscope runs static i386 ELF programs");
    if (f.size() < 4 || f[0] != 0x7F || f[1] != 'E' || f[2] != 'L' || f[3] != 'F')
        return refuse(name, "is not an ELF file; forkscope runs static i386 ELF programs (e.g. from forkscope cc)");
    if (f.size() < kElfHeaderSize)
        return refuse(name, "is a truncated ELF file (the ELF header needs 52 bytes, the file has " +
                                std::to_string(f.size()) + ")");
    if (f[kEiClass] == kElfClass64) return refuse(name, "is a 64-bit ELF; " + std::string(kBuildHint));
    if (f[kEiClass] != kElfClass32) return refuse(name, "has an unknown ELF class " + std::to_string(f[kEiClass]));
    if (f[kEiData] == kElfDataMsb) return refuse(name, "is a big-endian ELF; the guest is little-endian i386");
    if (f[kEiData] != kElfDataLsb)
        return refuse(name, "has an unknown ELF data encoding " + std::to_string(f[kEiData]));
    const uint16_t machine = le16(f, 18);
    if (machine != kEm386)
        return refuse(name, "is an ELF for machine " + std::to_string(machine) + " (" + machine_name(machine) +
                                "), not i386 (EM_386); " + kBuildHint);
    const uint16_t type = le16(f, 16);
    if (type == kEtRel) return refuse(name, "is an object file (ET_REL), not an executable; link it (forkscope cc does)");
    if (type == kEtCore) return refuse(name, "is a core dump (ET_CORE), not an executable");
    if (type != kEtExec && type != kEtDyn)
        return refuse(name, "has ELF type " + std::to_string(type) + ", not an executable (ET_EXEC)");

    const uint64_t phoff = le32(f, 28), phentsize = le16(f, 42), phnum = le16(f, 44);
    if (phnum == 0) return refuse(name, "has no program headers, so nothing to load");
    if (phentsize < kElfPhdrSize)
        return refuse(name, "has program headers of " + std::to_string(phentsize) + " bytes; ELF32 needs 32");
    if (phoff + phnum * phentsize > f.size())
        return refuse(name, "is a truncated ELF file (its program headers end at offset " +
                                hex(phoff + phnum * phentsize) + ", the file has " + std::to_string(f.size()) + " bytes)");
    for (uint64_t i = 0; i < phnum; ++i)
        if (le32(f, phoff + i * phentsize) == kPtInterp)
            return refuse(name, "is dynamically linked (has PT_INTERP); build it with forkscope cc or -static");
    if (type == kEtDyn)
        return refuse(name, "is position-independent (ET_DYN), not a fixed-address executable (ET_EXEC); build it "
                            "with forkscope cc (or gcc -m32 -static -no-pie)");

    const uint64_t entry = le32(f, 24);
    bool any_load = false, entry_ok = false;
    for (uint64_t i = 0; i < phnum; ++i) {
        const uint64_t ph = phoff + i * phentsize;
        if (le32(f, ph) != kPtLoad) continue;
        const uint64_t offset = le32(f, ph + 4), vaddr = le32(f, ph + 8), filesz = le32(f, ph + 16),
                       memsz = le32(f, ph + 20), flags = le32(f, ph + 24);
        const std::string seg = "segment " + std::to_string(i);
        if (filesz > memsz)
            return refuse(name, "is a malformed ELF: " + seg + " has p_filesz " + hex(filesz) + " larger than p_memsz " + hex(memsz));
        if (offset + filesz > f.size())
            return refuse(name, "is a truncated ELF file (" + seg + " ends at offset " + hex(offset + filesz) +
                                    ", the file has " + std::to_string(f.size()) + " bytes)");
        if (vaddr + memsz > kUserEnd)
            return refuse(name, "is not a user program: " + seg + " (" + hex(vaddr) + "-" + hex(vaddr + memsz) +
                                    ") reaches into the kernel's addresses (" + hex(kUserEnd) + " and up)");
        if (vaddr % kPageSize != offset % kPageSize)
            return refuse(name, "is a malformed ELF: " + seg + " has p_vaddr " + hex(vaddr) + " and p_offset " +
                                    hex(offset) + ", which differ modulo the page size");
        if (memsz == 0) continue;
        any_load = true;
        entry_ok = entry_ok || ((flags & kPfX) && entry >= vaddr && entry < vaddr + memsz);
    }
    if (!any_load) return refuse(name, "has no loadable segment (PT_LOAD)");
    if (!entry_ok) return refuse(name, "is a malformed ELF: its entry point " + hex(entry) + " is not in an executable segment");
    return {};
}

}  // namespace forkscope
