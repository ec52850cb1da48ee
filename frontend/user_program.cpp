// The checks follow the order that gives the most useful message first: what kind of
// file, which machine, what kind of ELF, then the details. Every field read from the
// file is bounds-checked; address arithmetic is done in uint64_t.
#include "frontend/user_program.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "base/hex.h"
#include "emulator/elf32.h"
#include "guestkernel/include/abi/forkscope.h"

namespace forkscope {

namespace {

using namespace elf32;

constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kUserEnd = FORKSCOPE_KERNEL_BASE;

// Commands that make a program the guest runs (tests/integration/test_cli_programs.py
// runs both as written).
constexpr const char* kBuildHint =
    "build a static program: forkscope cc prog.c -o prog, or gcc -m32 -static prog.c -o prog";

Error refuse(std::string_view name, const std::string& what) {
    return make_error(ErrorKind::BadImage, std::string(name) + " " + what);
}

}  // namespace

Result<void> check_static_i386_executable(std::span<const uint8_t> f, std::string_view name) {
    if (f.size() >= 2 && f[0] == '#' && f[1] == '!')
        return refuse(name, "is a script (#!), not an ELF executable; forkscope runs static i386 ELF programs");
    if (f.size() < 4 || f[0] != 0x7F || f[1] != 'E' || f[2] != 'L' || f[3] != 'F')
        return refuse(name, "is not an ELF file; forkscope runs static i386 ELF programs (e.g. from forkscope cc)");
    if (f.size() < kHeaderSize)
        return refuse(name, "is a truncated ELF file (the ELF header needs 52 bytes, the file has " +
                                std::to_string(f.size()) + ")");
    if (f[kEiClass] == kClass64) return refuse(name, "is a 64-bit ELF; " + std::string(kBuildHint));
    if (f[kEiClass] != kClass32) return refuse(name, "has an unknown ELF class " + std::to_string(f[kEiClass]));
    if (f[kEiData] == kDataMsb) return refuse(name, "is a big-endian ELF; the guest is little-endian i386");
    if (f[kEiData] != kDataLsb)
        return refuse(name, "has an unknown ELF data encoding " + std::to_string(f[kEiData]));
    const Header h = read_header(f);
    const uint16_t machine = h.machine, type = h.type;
    if (machine != kEm386)
        return refuse(name, "is an ELF for machine " + std::to_string(machine) + " (" +
                                std::string(machine_name(machine)) + "), not i386 (EM_386); " + kBuildHint);
    if (type == kEtRel) return refuse(name, "is an object file (ET_REL), not an executable; link it (forkscope cc does)");
    if (type == kEtCore) return refuse(name, "is a core dump (ET_CORE), not an executable");
    if (type != kEtExec && type != kEtDyn)
        return refuse(name, "has ELF type " + std::to_string(type) + ", not an executable (ET_EXEC)");

    const uint64_t phoff = h.phoff, phentsize = h.phentsize, phnum = h.phnum;
    if (phnum == 0) return refuse(name, "has no program headers, so nothing to load");
    if (phentsize < kPhdrSize)
        return refuse(name, "has program headers of " + std::to_string(phentsize) + " bytes; ELF32 needs 32");
    if (phoff + phnum * phentsize > f.size())
        return refuse(name, "is a truncated ELF file (its program headers end at offset " +
                                hex(phoff + phnum * phentsize) + ", the file has " + std::to_string(f.size()) + " bytes)");
    for (uint64_t i = 0; i < phnum; ++i)
        if (read_program_header(f, h, i).type == kPtInterp)
            return refuse(name, "is dynamically linked (has PT_INTERP) and the guest has no dynamic loader; " +
                                    std::string(kBuildHint));
    if (type == kEtDyn)
        return refuse(name, "is position-independent (ET_DYN), not a fixed-address executable (ET_EXEC); " +
                                std::string(kBuildHint));

    const uint64_t entry = h.entry;
    bool any_load = false, entry_ok = false;
    for (uint64_t i = 0; i < phnum; ++i) {
        const ProgramHeader p = read_program_header(f, h, i);
        if (p.type != kPtLoad) continue;
        const uint64_t offset = p.offset, vaddr = p.vaddr, filesz = p.filesz, memsz = p.memsz, flags = p.flags;
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
