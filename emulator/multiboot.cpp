// Multiboot v1 loader. The layout follows QEMU 7.2 (see multiboot.h); the checks are
// stricter than QEMU's, which exits or boots garbage on bad input: every field read from
// the file is bounds-checked and all address arithmetic is done in uint64_t.
#include "emulator/multiboot.h"

#include "emulator/elf32.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace forkscope {
namespace {

using namespace elf32;

constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kOneMiB = 1ull << 20;
constexpr uint64_t k4GiB = 1ull << 32;

// Multiboot header (in the kernel file).
constexpr uint64_t kHeaderSearchLimit = 8192;  // the header lies within the first 8 KiB
constexpr uint64_t kHeaderMinSize = 12;        // magic, flags, checksum
constexpr uint64_t kHeaderAoutSize = 32;       // + header/load/load_end/bss_end/entry addr
constexpr uint32_t kHeaderFlagPageAlign = 1u << 0;    // modules page aligned: always done
constexpr uint32_t kHeaderFlagMemInfo = 1u << 1;      // mem_* and mmap: always given
constexpr uint32_t kHeaderFlagVideo = 1u << 2;        // accepted and ignored, as QEMU does
constexpr uint32_t kHeaderFlagAoutKludge = 1u << 16;  // load by the header's addresses
constexpr uint32_t kHeaderRequiredMask = 0xFFFF;      // bits 0-15: must be understood

// Multiboot info structure offsets (Multiboot 0.6.96, section 3.3).
constexpr uint32_t kMbiFlags = 0, kMbiMemLower = 4, kMbiMemUpper = 8, kMbiBootDevice = 12,
                   kMbiCmdline = 16, kMbiModsCount = 20, kMbiModsAddr = 24,
                   kMbiMmapLength = 44, kMbiMmapAddr = 48, kMbiBootLoaderName = 64;
constexpr uint32_t kModEntrySize = 16;   // mod_start, mod_end, string, reserved
constexpr uint32_t kMmapEntrySize = 24;  // size (= 20), base_addr, length, type
constexpr uint32_t kMemLowerKib = 639;   // SeaBIOS's int 0x12: 640 KiB minus the EBDA

uint64_t align_up(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }

void put32(std::vector<uint8_t>& buf, uint64_t off, uint32_t v) { std::memcpy(buf.data() + off, &v, 4); }
void put64(std::vector<uint8_t>& buf, uint64_t off, uint64_t v) { std::memcpy(buf.data() + off, &v, 8); }

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

Error bad_image(std::string_view name, std::string_view what) {
    return make_error(ErrorKind::BadImage, fmt::format("{}: {}", name, what));
}

struct HeaderLocation {
    uint64_t offset;
    uint32_t flags;
};

bool header_at(std::span<const uint8_t> file, uint64_t off) {
    return le32(file, off) == kMultibootHeaderMagic &&
           static_cast<uint32_t>(kMultibootHeaderMagic + le32(file, off + 4) + le32(file, off + 8)) == 0;
}

// The first 4-byte aligned Multiboot header with a good checksum that lies within the
// first 8 KiB. (QEMU 7.2 only looks below 8 KiB - 48 bytes; the spec, and this, allow the
// 12-byte header up to the 8 KiB boundary.) Failing that, an error that says why.
Result<HeaderLocation> find_header(std::span<const uint8_t> file, std::string_view name, bool is_elf) {
    const uint64_t limit = std::min<uint64_t>(file.size(), kHeaderSearchLimit);
    std::optional<uint64_t> bad_checksum_at;
    for (uint64_t off = 0; off + kHeaderMinSize <= limit; off += 4) {
        if (le32(file, off) != kMultibootHeaderMagic) continue;
        if (header_at(file, off)) return HeaderLocation{off, le32(file, off + 4)};
        if (!bad_checksum_at) bad_checksum_at = off;
    }
    if (bad_checksum_at) {
        uint64_t off = *bad_checksum_at;
        uint32_t sum = kMultibootHeaderMagic + le32(file, off + 4) + le32(file, off + 8);
        return bad_image(name, fmt::format("bad Multiboot header checksum at offset {}: magic + "
                                           "flags + checksum = {}, must be 0",
                                           hex(off), hex(sum)));
    }
    // A header further in is the classic linker-script mistake: say so.
    for (uint64_t off = (limit + 3) & ~uint64_t{3}; off + kHeaderMinSize <= file.size(); off += 4) {
        if (header_at(file, off))
            return bad_image(name, fmt::format("Multiboot header at offset {} is past the first "
                                               "8 KiB (discard .note* sections in the linker "
                                               "script?)",
                                               hex(off)));
    }
    return bad_image(name, is_elf ? "ELF file has no Multiboot header in its first 8 KiB"
                                  : "not an ELF file and has no Multiboot header in its first 8 KiB");
}

// The ELF identification and structure checks, done before the Multiboot header search so
// that a 64-bit, foreign or cut-off kernel gets the message that matters most.
Result<void> check_elf_identity(std::span<const uint8_t> file, std::string_view name) {
    if (file.size() > kEiClass && file[kEiClass] == kClass64)
        return bad_image(name, "is a 64-bit ELF; forkscope runs 32-bit x86 kernels");
    if (file.size() < kHeaderSize)
        return bad_image(name, fmt::format("truncated ELF: the ELF header needs {} bytes, the "
                                           "file has {}",
                                           kHeaderSize, file.size()));
    if (file[kEiClass] != kClass32)
        return bad_image(name, fmt::format("unknown ELF class {}", file[kEiClass]));
    if (file[kEiData] == kDataMsb)
        return bad_image(name, "is a big-endian ELF; forkscope runs little-endian i386 kernels");
    if (file[kEiData] != kDataLsb)
        return bad_image(name, fmt::format("unknown ELF data encoding {}", file[kEiData]));
    const Header h = read_header(file);
    const uint16_t machine = h.machine, type = h.type;
    if (machine != kEm386)
        return bad_image(name, fmt::format("is an ELF for machine {} ({}), not i386 (EM_386)",
                                           machine, machine_name(machine)));
    if (type != kEtExec)
        return bad_image(name, fmt::format("ELF type {} is not an executable (ET_EXEC)", type));
    // The program header table too: a cut file should say "truncated", not "no header".
    const uint64_t phoff = h.phoff, phentsize = h.phentsize, phnum = h.phnum;
    if (phnum == 0) return bad_image(name, "ELF has no program headers, so nothing to load (PT_LOAD)");
    if (phentsize < kPhdrSize)
        return bad_image(name, fmt::format("ELF program header size {} is smaller than {}",
                                           phentsize, kPhdrSize));
    const uint64_t table_end = phoff + phnum * phentsize;
    if (table_end > file.size())
        return bad_image(name, fmt::format("truncated ELF: program headers end at offset {}, the "
                                           "file has {} bytes",
                                           hex(table_end), file.size()));
    return {};
}

// Segment as read from the file, with a label for messages, before the common checks.
struct RawSegment {
    std::string label;
    uint64_t paddr;
    uint64_t file_offset;
    uint64_t file_size;
    uint64_t mem_size;
};

Result<std::vector<RawSegment>> elf_segments(std::span<const uint8_t> file, std::string_view name,
                                             uint32_t* entry) {
    // check_elf_identity has checked that the program header table is inside the file.
    const Header h = read_header(file);
    const uint32_t e_entry = h.entry;
    *entry = e_entry;
    std::vector<RawSegment> segments;
    for (uint64_t i = 0; i < h.phnum; ++i) {
        const ProgramHeader p = read_program_header(file, h, i);
        if (p.type != kPtLoad) continue;
        const uint64_t offset = p.offset, vaddr = p.vaddr, paddr = p.paddr, filesz = p.filesz,
                       memsz = p.memsz;
        const uint32_t flags = p.flags;
        const std::string label = fmt::format("segment {}", i);
        if (filesz > memsz)
            return bad_image(name, fmt::format("{}: p_filesz {} is larger than p_memsz {}", label,
                                               hex(filesz), hex(memsz)));
        if (offset + filesz > file.size())
            return bad_image(name, fmt::format("truncated ELF: {} data ends at offset {}, the "
                                               "file has {} bytes",
                                               label, hex(offset + filesz), file.size()));
        // QEMU's load_elf: an entry given as a virtual address inside an executable
        // segment whose vaddr differs from its paddr (a higher-half kernel) is moved to
        // the physical copy. The last such segment wins, as in QEMU.
        if (vaddr != paddr && (flags & kPfX) && e_entry >= vaddr && e_entry < vaddr + filesz)
            *entry = static_cast<uint32_t>(e_entry - vaddr + paddr);
        if (memsz == 0) continue;  // nothing to place (QEMU skips these too)
        segments.push_back({label, paddr, offset, filesz, memsz});
    }
    if (segments.empty()) return bad_image(name, "ELF has no loadable segment (PT_LOAD)");
    return segments;
}

// The a.out kludge (header flag 16): the header gives the load addresses, QEMU style.
// The file is loaded from the offset where load_addr lies, i.e. header offset minus
// (header_addr - load_addr).
Result<std::vector<RawSegment>> aout_segments(std::span<const uint8_t> file, std::string_view name,
                                              uint64_t off, uint32_t* entry) {
    if (off + kHeaderAoutSize > file.size())
        return bad_image(name, "truncated Multiboot header: the a.out kludge address fields run "
                               "past the end of the file");
    const uint64_t header_addr = le32(file, off + 12), load_addr = le32(file, off + 16),
                   load_end_addr = le32(file, off + 20), bss_end_addr = le32(file, off + 24);
    *entry = le32(file, off + 28);
    if (header_addr < load_addr || header_addr - load_addr > off)
        return bad_image(name, fmt::format("Multiboot a.out kludge: header_addr {} and load_addr "
                                           "{} do not match the header's file offset {}",
                                           hex(header_addr), hex(load_addr), hex(off)));
    const uint64_t text_offset = off - (header_addr - load_addr);
    uint64_t load_size;
    if (load_end_addr == 0) {
        load_size = file.size() - text_offset;  // load to the end of the file
    } else {
        if (load_end_addr < load_addr)
            return bad_image(name, fmt::format("Multiboot a.out kludge: load_end_addr {} is below "
                                               "load_addr {}",
                                               hex(load_end_addr), hex(load_addr)));
        load_size = load_end_addr - load_addr;
        if (text_offset + load_size > file.size())
            return bad_image(name, fmt::format("truncated kernel: the a.out kludge loads up to "
                                               "offset {}, the file has {} bytes",
                                               hex(text_offset + load_size), file.size()));
    }
    uint64_t mem_size = load_size;
    if (bss_end_addr != 0) {
        if (bss_end_addr < load_addr + load_size)
            return bad_image(name, fmt::format("Multiboot a.out kludge: bss_end_addr {} is below "
                                               "the end of the loaded data {}",
                                               hex(bss_end_addr), hex(load_addr + load_size)));
        mem_size = bss_end_addr - load_addr;
    }
    if (mem_size == 0) return bad_image(name, "Multiboot a.out kludge loads nothing");
    return std::vector<RawSegment>{{"a.out kludge image", load_addr, text_offset, load_size, mem_size}};
}

}  // namespace

std::vector<MemoryMapEntry> multiboot_memory_map(uint64_t ram_size) {
    const uint64_t usable_end = ram_size - kMultibootTopReserved;
    return {
        {0x0, 0x9FC00, 1},
        {0x9FC00, 0x400, 2},
        {0xF0000, 0x10000, 2},
        {kOneMiB, usable_end - kOneMiB, 1},
        {usable_end, kMultibootTopReserved, 2},
        {0xFFFC0000, 0x40000, 2},
    };
}

Result<KernelFileInfo> inspect_multiboot_kernel(std::span<const uint8_t> file, std::string_view name) {
    if (file.empty()) return bad_image(name, "file is empty");
    const bool is_elf = file.size() >= 4 && file[0] == 0x7F && file[1] == 'E' && file[2] == 'L' &&
                        file[3] == 'F';
    if (is_elf) {
        if (auto r = check_elf_identity(file, name); !r) return r.error();
    }

    auto header = find_header(file, name, is_elf);
    if (!header) return header.error();
    const uint32_t flags = header->flags;
    const uint32_t unsupported =
        flags & kHeaderRequiredMask & ~(kHeaderFlagPageAlign | kHeaderFlagMemInfo | kHeaderFlagVideo);
    if (unsupported != 0)
        return bad_image(name, fmt::format("Multiboot header requires features forkscope does not "
                                           "have (flags {})",
                                           hex(unsupported)));

    // Like QEMU and GRUB: with the a.out kludge flag the header's addresses win, ELF or not.
    uint32_t entry = 0;
    Result<std::vector<RawSegment>> raw = std::vector<RawSegment>{};
    KernelFileInfo::Format format;
    if (flags & kHeaderFlagAoutKludge) {
        format = KernelFileInfo::Format::AoutKludge;
        raw = aout_segments(file, name, header->offset, &entry);
    } else if (is_elf) {
        format = KernelFileInfo::Format::Elf32;
        raw = elf_segments(file, name, &entry);
    } else {
        return bad_image(name, "not an ELF file, and its Multiboot header has no load addresses "
                               "(a.out kludge, flag bit 16)");
    }
    if (!raw) return raw.error();
    std::vector<RawSegment>& segs = raw.value();

    // Common checks. Multiboot kernels live at or above 1 MiB (GRUB legacy refused lower
    // loads too); below it are the IVT, QEMU's boot information at 0x9000 and the BIOS.
    for (const RawSegment& s : segs) {
        if (s.paddr + s.mem_size > k4GiB)
            return bad_image(name, fmt::format("{} at physical {} + {} wraps past 4 GiB", s.label,
                                               hex(s.paddr), hex(s.mem_size)));
        if (s.paddr < kOneMiB)
            return bad_image(name, fmt::format("{} at physical {} is below 1 MiB; Multiboot "
                                               "kernels load at 1 MiB or above",
                                               s.label, hex(s.paddr)));
    }
    std::sort(segs.begin(), segs.end(),
              [](const RawSegment& a, const RawSegment& b) { return a.paddr < b.paddr; });
    for (size_t i = 1; i < segs.size(); ++i) {
        if (segs[i - 1].paddr + segs[i - 1].mem_size > segs[i].paddr)
            return bad_image(name, fmt::format("{} and {} overlap at physical {}", segs[i - 1].label,
                                               segs[i].label, hex(segs[i].paddr)));
    }
    const bool entry_inside = std::any_of(segs.begin(), segs.end(), [&](const RawSegment& s) {
        return entry >= s.paddr && entry < s.paddr + s.mem_size;
    });
    if (!entry_inside)
        return bad_image(name, fmt::format("entry point {} is not inside a loaded segment", hex(entry)));

    KernelFileInfo info;
    info.format = format;
    info.header_offset = static_cast<uint32_t>(header->offset);
    info.header_flags = flags;
    info.entry = entry;
    info.load_start = static_cast<uint32_t>(segs.front().paddr);
    info.load_end = segs.back().paddr + segs.back().mem_size;
    for (const RawSegment& s : segs)
        info.segments.push_back({static_cast<uint32_t>(s.paddr), static_cast<uint32_t>(s.file_offset),
                                 static_cast<uint32_t>(s.file_size), static_cast<uint32_t>(s.mem_size)});
    return info;
}

Result<MultibootImage> load_multiboot(Ram& ram, std::span<const uint8_t> kernel_file,
                                      std::string_view kernel_name, std::string_view cmdline,
                                      std::span<const MultibootModule> modules) {
    if (ram.size() < kMultibootMinRam)
        return make_error(ErrorKind::Usage,
                          fmt::format("{} KiB of RAM is too little for a Multiboot kernel (at least "
                                      "{} MiB)",
                                      ram.size() >> 10, kMultibootMinRam >> 20));
    auto inspected = inspect_multiboot_kernel(kernel_file, kernel_name);
    if (!inspected) return inspected.error();
    const KernelFileInfo& kernel = inspected.value();

    // Everything goes into the available memory above 1 MiB that the memory map reports.
    const uint64_t usable_end = ram.size() - kMultibootTopReserved;
    const auto ram_note = [&] {
        return fmt::format("available memory ends at {} with {} MiB of RAM", hex(usable_end),
                           ram.size() >> 20);
    };
    if (kernel.load_end > usable_end)
        return bad_image(kernel_name, fmt::format("kernel at physical {}-{} does not fit in RAM: {}",
                                                  hex(kernel.load_start), hex(kernel.load_end),
                                                  ram_note()));

    // Placement, as QEMU computes it: module list, module strings, kernel command line,
    // boot loader name, then the modules, each on a fresh page. QEMU aligns relative to the
    // load address; aligning absolute addresses gives the same result for a page-aligned
    // kernel and page-aligned modules for any kernel.
    MultibootImage img{};
    img.kernel_start = kernel.load_start;
    img.kernel_end = static_cast<uint32_t>(kernel.load_end);
    const uint64_t mods_addr = align_up(kernel.load_end);
    uint64_t cursor = mods_addr + uint64_t{kModEntrySize} * modules.size();
    std::vector<uint64_t> module_strings;
    for (const MultibootModule& m : modules) {
        module_strings.push_back(cursor);
        cursor += m.cmdline.size() + 1;
    }
    const std::string kernel_cmdline = fmt::format("{} {}", kernel_name, cmdline);
    const uint64_t cmdline_addr = cursor;
    cursor += kernel_cmdline.size() + 1;
    const uint64_t loader_addr = cursor;
    cursor += kMultibootBootLoaderName.size() + 1;
    const uint64_t strings_end = cursor;
    uint64_t next = align_up(strings_end);
    if (next > usable_end)
        return bad_image(kernel_name, fmt::format("boot information (module list and command "
                                                  "lines) ends at {} and does not fit in RAM: {}",
                                                  hex(next), ram_note()));
    std::vector<uint64_t> module_starts;
    for (size_t i = 0; i < modules.size(); ++i) {
        const MultibootModule& m = modules[i];
        const uint64_t end = next + m.bytes.size();
        const std::string label = !m.name.empty() ? m.name
                                  : !m.cmdline.empty() ? m.cmdline
                                                       : fmt::format("module {}", i);
        if (end > usable_end)
            return bad_image(label, fmt::format("module of {} bytes does not fit in RAM: it "
                                                "would end at {}; {}",
                                                m.bytes.size(), hex(end), ram_note()));
        module_starts.push_back(next);
        next = align_up(end);
    }

    // Everything fits below usable_end (< 3 GiB): the narrowing casts below are exact.
    const auto u32 = [](uint64_t v) { return static_cast<uint32_t>(v); };
    img.mods_addr = u32(mods_addr);
    img.cmdline_addr = u32(cmdline_addr);
    img.boot_loader_name_addr = u32(loader_addr);
    img.placed_end = u32(next);
    img.entry = kernel.entry;
    for (size_t i = 0; i < modules.size(); ++i)
        img.modules.push_back({u32(module_starts[i]), u32(module_starts[i] + modules[i].bytes.size()),
                               u32(module_strings[i])});

    // Write. Zero first so bss, gaps between segments and padding are zero even in reused RAM.
    const auto write = [&](uint64_t paddr, std::span<const uint8_t> bytes) { return ram.write(paddr, bytes); };
    if (auto r = ram.fill(img.kernel_start, next - img.kernel_start, 0); !r) return r.error();
    for (const LoadSegment& s : kernel.segments) {
        if (auto r = write(s.paddr, kernel_file.subspan(s.file_offset, s.file_size)); !r) return r.error();
    }

    std::vector<uint8_t> info_block(strings_end - mods_addr, 0);
    const auto put_string = [&](uint64_t addr, std::string_view s) {
        std::memcpy(info_block.data() + (addr - mods_addr), s.data(), s.size());  // NUL: zeroed
    };
    for (size_t i = 0; i < modules.size(); ++i) {
        const PlacedModule& p = img.modules[i];
        put32(info_block, i * kModEntrySize + 0, p.start);
        put32(info_block, i * kModEntrySize + 4, p.end);
        put32(info_block, i * kModEntrySize + 8, p.string_addr);
        put_string(p.string_addr, modules[i].cmdline);
    }
    put_string(cmdline_addr, kernel_cmdline);
    put_string(loader_addr, kMultibootBootLoaderName);
    if (auto r = write(mods_addr, info_block); !r) return r.error();
    for (size_t i = 0; i < modules.size(); ++i) {
        if (auto r = write(img.modules[i].start, modules[i].bytes); !r) return r.error();
    }

    // The memory map at 0x9000 and struct multiboot_info at 0x9500, as QEMU's ROM leaves them.
    img.memory_map = multiboot_memory_map(ram.size());
    img.mmap_addr = kMultibootMmapAddr;
    img.mmap_length = u32(img.memory_map.size() * kMmapEntrySize);
    img.mem_lower_kib = kMemLowerKib;
    img.mem_upper_kib = u32((usable_end - kOneMiB) >> 10);
    img.info_addr = kMultibootInfoAddr;

    std::vector<uint8_t> low(kMultibootInfoAddr + kMultibootInfoSize - kMultibootMmapAddr, 0);
    for (size_t i = 0; i < img.memory_map.size(); ++i) {
        const MemoryMapEntry& e = img.memory_map[i];
        put32(low, i * kMmapEntrySize + 0, kMmapEntrySize - 4);  // size excludes itself
        put64(low, i * kMmapEntrySize + 4, e.base);
        put64(low, i * kMmapEntrySize + 12, e.length);
        put32(low, i * kMmapEntrySize + 20, e.type);
    }
    const uint64_t mbi = kMultibootInfoAddr - kMultibootMmapAddr;
    put32(low, mbi + kMbiFlags,
          kMbiFlagMem | kMbiFlagBootDevice | kMbiFlagCmdline | kMbiFlagMods | kMbiFlagMmap |
              kMbiFlagBootLoaderName);
    put32(low, mbi + kMbiMemLower, img.mem_lower_kib);
    put32(low, mbi + kMbiMemUpper, img.mem_upper_kib);
    put32(low, mbi + kMbiBootDevice, kMultibootBootDevice);
    put32(low, mbi + kMbiCmdline, img.cmdline_addr);
    put32(low, mbi + kMbiModsCount, u32(modules.size()));
    put32(low, mbi + kMbiModsAddr, img.mods_addr);
    put32(low, mbi + kMbiMmapLength, img.mmap_length);
    put32(low, mbi + kMbiMmapAddr, img.mmap_addr);
    put32(low, mbi + kMbiBootLoaderName, img.boot_loader_name_addr);
    if (auto r = write(kMultibootMmapAddr, low); !r) return r.error();
    return img;
}

}  // namespace forkscope
