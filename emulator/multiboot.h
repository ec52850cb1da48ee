// The Multiboot v1 loader: puts a kernel, its modules and the boot information into guest
// RAM the way `qemu-system-i386 -kernel K -initrd M -append C` does (QEMU 7.2:
// hw/i386/multiboot.c, its multiboot.bin option ROM and SeaBIOS's E820 map), so that a
// kernel sees the same addresses, strings and memory map under forkscope as under QEMU.
//
// What the loader writes (all checked against RAM; kernel at L, image end E = its bss end):
//   0x9000            memory map (mmap_addr), 6 entries, as SeaBIOS reports it to QEMU's ROM
//   0x9500            struct multiboot_info (88 bytes) = EBX
//   L .. E            the kernel's loadable segments; gaps and bss zeroed
//   align4k(E)        module list, 16 bytes per module (mod_start, mod_end, string, 0)
//   then              the module strings in order, the kernel command line
//                     "<kernel_name> <cmdline>", the boot loader name "forkscope"
//   next page         module 0, each following module at the next page boundary
//
// Memory map for R bytes of RAM (QEMU 7.2 + SeaBIOS report exactly this for every -m):
//   0x00000000 +0x9FC00        available   (mem_lower = 639 KiB; the EBDA follows)
//   0x0009FC00 +0x400          reserved    (EBDA)
//   0x000F0000 +0x10000        reserved    (BIOS)
//   0x00100000 +R-1MiB-128KiB  available   (mem_upper = (R - 1 MiB - 128 KiB) / 1 KiB)
//   R-128KiB   +0x20000        reserved    (where SeaBIOS keeps its tables; unused here)
//   0xFFFC0000 +0x40000        reserved    (BIOS ROM alias below 4 GiB; not backed here)
//
// Rules (stricter than QEMU, which exits or boots garbage; same result for sane kernels):
//   - header: 4-byte aligned, its 12 bytes within the first 8 KiB (QEMU 7.2 stops 48 bytes
//     short of 8 KiB). Header flags 0 (page-align modules) and 1 (memory info) are always
//     honoured, 2 (video mode) is accepted and ignored as QEMU does (no VBE info; the
//     caller may warn), any other bit in 0-15 is refused as the spec requires.
//   - flag 16 (a.out kludge) loads by the header's addresses even for an ELF file, as QEMU
//     and GRUB do; otherwise the file must be an ELF32 i386 ET_EXEC, loaded by PT_LOAD at
//     p_paddr. The entry is e_entry, except QEMU's higher-half rule: if e_entry lies in
//     [p_vaddr, p_vaddr + p_filesz) of an executable segment with p_vaddr != p_paddr, it
//     becomes e_entry - p_vaddr + p_paddr. The entry must lie inside a loaded segment.
//   - segments at or above 1 MiB (GRUB legacy's rule; below are the IVT, the boot
//     information at 0x9000 and the BIOS), not overlapping, not wrapping past 4 GiB.
//   - the kernel, boot strings and modules must end at or below R - 128 KiB, the end of
//     the available memory the map reports.
// Differences from QEMU: the boot loader name is "forkscope" (QEMU: "qemu"), so module
// placement can differ when QEMU's 5 bytes shorter name crosses a page boundary; modules
// are page aligned in absolute terms (QEMU aligns relative to a kernel that may not start
// on a page); PT_LOAD segments with p_memsz 0 are ignored entirely.
//
// The caller (Machine) sets the CPU state that Multiboot promises before running `entry`:
//   EAX = 0x2BADB002 (kMultibootBootMagic), EBX = info_addr, EIP = entry;
//   CR0.PE = 1, CR0.PG = 0; EFLAGS.IF = 0, EFLAGS.VM = 0; A20 on;
//   CS = flat 32-bit code (base 0, limit 4 GiB), DS/ES/FS/GS/SS = flat 32-bit data.
//   QEMU's ROM uses selectors CS = 0x08, data = 0x10, and leaves ECX = entry; copy these
//   when register dumps are compared with QEMU. ESP, GDTR and IDTR are undefined: the
//   kernel sets its own.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "emulator/ram.h"

namespace forkscope {

inline constexpr uint32_t kMultibootHeaderMagic = 0x1BADB002;  // in the kernel file
inline constexpr uint32_t kMultibootBootMagic = 0x2BADB002;    // in EAX at entry

// multiboot_info.flags bits that the loader sets (the same set as QEMU).
inline constexpr uint32_t kMbiFlagMem = 1u << 0;
inline constexpr uint32_t kMbiFlagBootDevice = 1u << 1;
inline constexpr uint32_t kMbiFlagCmdline = 1u << 2;
inline constexpr uint32_t kMbiFlagMods = 1u << 3;
inline constexpr uint32_t kMbiFlagMmap = 1u << 6;
inline constexpr uint32_t kMbiFlagBootLoaderName = 1u << 9;

// Fixed addresses, as QEMU's option ROM uses them.
inline constexpr uint32_t kMultibootMmapAddr = 0x9000;
inline constexpr uint32_t kMultibootInfoAddr = 0x9500;
inline constexpr uint32_t kMultibootInfoSize = 88;  // through the VBE fields
inline constexpr uint32_t kMultibootBootDevice = 0x8000FFFF;  // QEMU's "first BIOS disk"
inline constexpr std::string_view kMultibootBootLoaderName = "forkscope";  // QEMU: "qemu"

// A module as the user gives it (QEMU: one comma-separated item of -initrd).
struct MultibootModule {
    std::string name;             // host-side name, used in error messages only
    std::vector<uint8_t> bytes;   // the file's contents
    std::string cmdline;          // the module's string in the guest; QEMU passes the
                                  // -initrd item as typed: "initramfs.cpio" or "f.bin args"
};

// One piece of the kernel file to copy into RAM: file_size bytes from file_offset to
// paddr, then zeroes up to mem_size.
struct LoadSegment {
    uint32_t paddr;
    uint32_t file_offset;
    uint32_t file_size;
    uint32_t mem_size;
};

// What a kernel file says about itself, checked without RAM (for the CLI's early check).
struct KernelFileInfo {
    enum class Format { Elf32, AoutKludge };
    Format format;
    uint32_t header_offset;   // file offset of the Multiboot header
    uint32_t header_flags;
    uint32_t entry;           // physical
    uint32_t load_start;      // lowest physical address loaded
    uint64_t load_end;        // one past the highest (bss included); <= 4 GiB
    std::vector<LoadSegment> segments;  // non-empty, sorted by paddr, non-overlapping
};

struct MemoryMapEntry {
    uint64_t base;
    uint64_t length;
    uint32_t type;  // 1 available, 2 reserved
};

struct PlacedModule {
    uint32_t start;        // mod_start, page aligned
    uint32_t end;          // mod_end: one past the last byte
    uint32_t string_addr;  // the module's string
};

// Where everything went: what the Machine needs (entry, info_addr) and what tests and the
// frame map want to know.
struct MultibootImage {
    uint32_t entry;         // EIP
    uint32_t info_addr;     // EBX: struct multiboot_info
    uint32_t kernel_start;  // physical, lowest loaded byte
    uint32_t kernel_end;    // physical, one past the bss
    uint32_t mods_addr;     // module list
    uint32_t cmdline_addr;
    uint32_t boot_loader_name_addr;
    uint32_t placed_end;    // page-aligned end of everything placed from kernel_start on
    std::vector<PlacedModule> modules;
    uint32_t mem_lower_kib;
    uint32_t mem_upper_kib;
    uint32_t mmap_addr;
    uint32_t mmap_length;   // bytes, 24 per entry (size field + 20)
    std::vector<MemoryMapEntry> memory_map;
};

// The memory map the loader reports for ram_size bytes of RAM (see the table above).
// ram_size must be at least kMultibootMinRam.
inline constexpr uint64_t kMultibootMinRam = 2ull << 20;
inline constexpr uint64_t kMultibootTopReserved = 128u << 10;
std::vector<MemoryMapEntry> multiboot_memory_map(uint64_t ram_size);

// Checks a kernel file: Multiboot header, ELF32 i386 executable (or a.out kludge),
// segments inside the file, at or above 1 MiB, below 4 GiB, not overlapping; the entry
// inside a segment. `name` only prefixes error messages. Errors are ErrorKind::BadImage.
Result<KernelFileInfo> inspect_multiboot_kernel(std::span<const uint8_t> file,
                                                std::string_view name = "kernel");

// Loads kernel and modules into RAM and writes the boot information. kernel_name is what
// QEMU calls kernel_filename (the -kernel argument as typed): the guest sees the command
// line "<kernel_name> <cmdline>", with the space even when cmdline is empty.
// Errors: ErrorKind::BadImage for the files (and anything that does not fit in RAM),
// ErrorKind::Usage for RAM smaller than kMultibootMinRam.
Result<MultibootImage> load_multiboot(Ram& ram, std::span<const uint8_t> kernel_file,
                                      std::string_view kernel_name, std::string_view cmdline,
                                      std::span<const MultibootModule> modules);

}  // namespace forkscope
