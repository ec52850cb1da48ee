// ELF32 as forkscope reads it, for the i386 executables it boots (Multiboot kernels,
// emulator/multiboot.cpp) and runs (users' programs, frontend/user_program.cpp): the
// constants and the field reads (System V gABI, i386 supplement). Each reader makes
// its own checks, in its own words, before it reads: these functions only read.
#pragma once
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace forkscope::elf32 {

constexpr uint64_t kHeaderSize = 52;
constexpr uint64_t kPhdrSize = 32;
constexpr size_t kEiClass = 4, kEiData = 5;
constexpr uint8_t kClass32 = 1, kClass64 = 2;
constexpr uint8_t kDataLsb = 1, kDataMsb = 2;
constexpr uint16_t kEtRel = 1, kEtExec = 2, kEtDyn = 3, kEtCore = 4;
constexpr uint16_t kEm386 = 3;
constexpr uint32_t kPtLoad = 1, kPtInterp = 3;
constexpr uint32_t kPfX = 1;

// Little-endian reads; the caller has checked that [off, off + n) is inside `bytes`.
inline uint16_t le16(std::span<const uint8_t> bytes, uint64_t off) {
    return static_cast<uint16_t>(bytes[off] | bytes[off + 1] << 8);
}
inline uint32_t le32(std::span<const uint8_t> bytes, uint64_t off) {
    uint32_t v;
    std::memcpy(&v, bytes.data() + off, 4);  // the host is little endian, like the guest
    return v;
}

struct Header {
    uint16_t type, machine;
    uint32_t entry;
    uint64_t phoff, phentsize, phnum;  // 64-bit: table-end arithmetic cannot wrap
};

// The file holds at least kHeaderSize bytes.
inline Header read_header(std::span<const uint8_t> f) {
    return Header{le16(f, 16), le16(f, 18), le32(f, 24), le32(f, 28), le16(f, 42), le16(f, 44)};
}

struct ProgramHeader {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz;
};

// Entry i of the program header table, which the caller has checked lies in the file.
inline ProgramHeader read_program_header(std::span<const uint8_t> f, const Header& h, uint64_t i) {
    const uint64_t ph = h.phoff + i * h.phentsize;
    return ProgramHeader{le32(f, ph),      le32(f, ph + 24), le32(f, ph + 4), le32(f, ph + 8),
                         le32(f, ph + 12), le32(f, ph + 16), le32(f, ph + 20)};
}

// For "is an ELF for machine N (NAME)" messages: the machines people mistake for i386.
inline std::string_view machine_name(uint16_t m) {
    switch (m) {
        case 40: return "ARM";
        case 62: return "x86-64";
        case 183: return "AArch64";
        case 243: return "RISC-V";
        default: return "unknown";
    }
}

}  // namespace forkscope::elf32
