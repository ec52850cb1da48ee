// Multiboot v1 loader: images are assembled in memory here. Expected addresses in the
// QEMU-layout tests were measured with qemu-system-i386 7.2 and a probe kernel that prints
// its multiboot_info (see the comments at each test).
#include "emulator/multiboot.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace forkscope {
namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint32_t kPfX = 1, kPfW = 2, kPfR = 4;

void put16(std::vector<uint8_t>& b, size_t off, uint16_t v) { std::memcpy(b.data() + off, &v, 2); }
void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) { std::memcpy(b.data() + off, &v, 4); }

struct Seg {
    uint32_t vaddr;
    uint32_t paddr;
    std::vector<uint8_t> data;  // p_filesz bytes
    uint32_t memsz;
    uint32_t flags = kPfR | kPfX;
    uint32_t type = 1;  // PT_LOAD
};

// Assembles ELF header + program headers + Multiboot header + segment data.
struct TestElf {
    uint32_t entry = 0x100000;
    uint8_t elf_class = 1, data_encoding = 1;
    uint16_t type = 2, machine = 3;
    std::vector<Seg> segs;
    bool with_header = true;
    uint32_t mb_flags = 0x3;
    bool bad_checksum = false;
    std::optional<size_t> header_offset;  // default: right after the program headers

    std::vector<uint8_t> build() const {
        const size_t phoff = 52;
        const size_t phdrs_end = phoff + 32 * segs.size();
        const size_t hoff = header_offset.value_or((phdrs_end + 3) & ~size_t{3});
        size_t data_off = with_header ? ((hoff + 12 + 15) & ~size_t{15}) : ((phdrs_end + 15) & ~size_t{15});
        std::vector<size_t> offsets;
        for (const Seg& s : segs) {
            offsets.push_back(data_off);
            data_off = (data_off + s.data.size() + 15) & ~size_t{15};
        }
        std::vector<uint8_t> f(std::max(data_off, hoff + 12), 0);
        f[0] = 0x7F, f[1] = 'E', f[2] = 'L', f[3] = 'F';
        f[4] = elf_class, f[5] = data_encoding, f[6] = 1;
        put16(f, 16, type);
        put16(f, 18, machine);
        put32(f, 20, 1);
        put32(f, 24, entry);
        put32(f, 28, static_cast<uint32_t>(phoff));
        put16(f, 40, 52);
        put16(f, 42, 32);
        put16(f, 44, static_cast<uint16_t>(segs.size()));
        for (size_t i = 0; i < segs.size(); ++i) {
            const Seg& s = segs[i];
            const size_t ph = phoff + 32 * i;
            put32(f, ph + 0, s.type);
            put32(f, ph + 4, static_cast<uint32_t>(offsets[i]));
            put32(f, ph + 8, s.vaddr);
            put32(f, ph + 12, s.paddr);
            put32(f, ph + 16, static_cast<uint32_t>(s.data.size()));
            put32(f, ph + 20, s.memsz);
            put32(f, ph + 24, s.flags);
            put32(f, ph + 28, 0x1000);
            std::copy(s.data.begin(), s.data.end(), f.begin() + static_cast<std::ptrdiff_t>(offsets[i]));
        }
        if (with_header) {
            put32(f, hoff, kMultibootHeaderMagic);
            put32(f, hoff + 4, mb_flags);
            put32(f, hoff + 8, 0u - kMultibootHeaderMagic - mb_flags + (bad_checksum ? 1 : 0));
        }
        return f;
    }
};

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
    return v;
}

// A kernel like the guest's: code at 1 MiB, data + bss after it.
TestElf simple_kernel() {
    TestElf e;
    e.entry = 0x100004;
    e.segs.push_back({0x100000, 0x100000, pattern(0x40, 1), 0x40, kPfR | kPfX});
    e.segs.push_back({0x102000, 0x102000, pattern(0x10, 2), 0x3000, kPfR | kPfW});
    return e;
}

Ram make_ram(uint64_t bytes = 128 * kMiB) {
    auto r = Ram::create(bytes);
    EXPECT_TRUE(r.ok());
    return std::move(r).value();
}

std::string read_string(const Ram& ram, uint32_t addr) {
    std::string s;
    while (addr < ram.size() && ram.data()[addr] != 0) s.push_back(static_cast<char>(ram.data()[addr++]));
    return s;
}

std::vector<uint8_t> read_bytes(const Ram& ram, uint64_t addr, size_t n) {
    std::vector<uint8_t> v(n);
    EXPECT_TRUE(ram.read(addr, v).ok());
    return v;
}

Result<MultibootImage> load(Ram& ram, const std::vector<uint8_t>& file,
                            std::string_view cmdline = "",
                            const std::vector<MultibootModule>& modules = {}) {
    return load_multiboot(ram, file, "kernel.elf", cmdline, modules);
}

// Expects a BadImage error whose one-line message contains `needle`.
void expect_bad_image(const Result<MultibootImage>& r, std::string_view needle) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::BadImage) << r.error().message;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
}

void expect_bad_image(const std::vector<uint8_t>& file, std::string_view needle) {
    Ram ram = make_ram();
    expect_bad_image(load(ram, file), needle);
    auto inspected = inspect_multiboot_kernel(file, "kernel.elf");
    ASSERT_FALSE(inspected.ok());
    EXPECT_EQ(inspected.error().kind, ErrorKind::BadImage);
    EXPECT_NE(inspected.error().message.find(needle), std::string::npos) << inspected.error().message;
}

// ---- loading ----

TEST(Multiboot, LoadsSegmentsAtPaddrAndZeroesBssAndGaps) {
    Ram ram = make_ram();
    ASSERT_TRUE(ram.fill(0, ram.size(), 0xCC).ok());  // dirty RAM, as after a reset
    TestElf e = simple_kernel();
    auto img = load(ram, e.build());
    ASSERT_TRUE(img.ok()) << img.error().message;

    EXPECT_EQ(read_bytes(ram, 0x100000, 0x40), e.segs[0].data);
    EXPECT_EQ(read_bytes(ram, 0x102000, 0x10), e.segs[1].data);
    EXPECT_EQ(read_bytes(ram, 0x100040, 0x102000 - 0x100040), std::vector<uint8_t>(0x102000 - 0x100040, 0));
    EXPECT_EQ(read_bytes(ram, 0x102010, 0x3000 - 0x10), std::vector<uint8_t>(0x3000 - 0x10, 0));
    EXPECT_EQ(img->kernel_start, 0x100000u);
    EXPECT_EQ(img->kernel_end, 0x105000u);
    EXPECT_EQ(ram.data()[0xFFFFF], 0xCC);  // nothing written below the kernel...
    EXPECT_EQ(ram.data()[img->placed_end], 0xCC);  // ...or after what was placed
}

TEST(Multiboot, EntryPointIsElfEntry) {
    Ram ram = make_ram();
    auto img = load(ram, simple_kernel().build());
    ASSERT_TRUE(img.ok()) << img.error().message;
    EXPECT_EQ(img->entry, 0x100004u);
    EXPECT_EQ(img->info_addr, 0x9500u);
}

TEST(Multiboot, HigherHalfEntryIsTranslatedLikeQemu) {
    // Linked at 0xC0100000, loaded at 1 MiB, e_entry virtual: QEMU's load_elf moves it
    // to the physical copy because the segment is executable and vaddr != paddr.
    TestElf e;
    e.entry = 0xC0100008;
    e.segs.push_back({0xC0100000, 0x100000, pattern(0x20, 3), 0x1000, kPfR | kPfX});
    Ram ram = make_ram();
    auto img = load(ram, e.build());
    ASSERT_TRUE(img.ok()) << img.error().message;
    EXPECT_EQ(img->entry, 0x100008u);
    EXPECT_EQ(read_bytes(ram, 0x100000, 0x20), e.segs[0].data);

    // Without PF_X QEMU keeps the virtual entry, which is then outside every segment.
    e.segs[0].flags = kPfR;
    expect_bad_image(e.build(), "entry point 0xc0100008 is not inside a loaded segment");
}

TEST(Multiboot, InfoStructureMatchesQemu) {
    // QEMU 7.2, -m 128: flags 0x24f, mem_lower 0x27f, mem_upper 0x1fb80,
    // boot_device 0x8000ffff, mmap at 0x9000 of 0x90 bytes, info at 0x9500.
    Ram ram = make_ram(128 * kMiB);
    auto img = load_multiboot(ram, simple_kernel().build(), "kernel.elf", "hello world", {});
    ASSERT_TRUE(img.ok()) << img.error().message;
    const uint32_t mbi = img->info_addr;
    EXPECT_EQ(ram.load32(mbi + 0), 0x24Fu);
    EXPECT_EQ(ram.load32(mbi + 4), 639u);
    EXPECT_EQ(ram.load32(mbi + 8), 0x1FB80u);
    EXPECT_EQ(img->mem_lower_kib, 639u);
    EXPECT_EQ(img->mem_upper_kib, 0x1FB80u);
    EXPECT_EQ(ram.load32(mbi + 12), 0x8000FFFFu);
    EXPECT_EQ(read_string(ram, ram.load32(mbi + 16)), "kernel.elf hello world");
    EXPECT_EQ(ram.load32(mbi + 20), 0u);                       // mods_count
    EXPECT_EQ(ram.load32(mbi + 24), 0x105000u);                // mods_addr: page after bss
    EXPECT_EQ(ram.load32(mbi + 44), 0x90u);                    // mmap_length
    EXPECT_EQ(ram.load32(mbi + 48), 0x9000u);                  // mmap_addr
    EXPECT_EQ(read_string(ram, ram.load32(mbi + 64)), "forkscope");
    for (uint32_t off = 28; off < 44; off += 4) EXPECT_EQ(ram.load32(mbi + off), 0u) << off;
    for (uint32_t off = 52; off < 64; off += 4) EXPECT_EQ(ram.load32(mbi + off), 0u) << off;
    for (uint32_t off = 68; off < 88; off += 4) EXPECT_EQ(ram.load32(mbi + off), 0u) << off;

    // The six entries QEMU + SeaBIOS report for 128 MiB, each with size field 20.
    struct Entry { uint64_t base, length; uint32_t type; };
    const Entry expected[] = {
        {0x0, 0x9FC00, 1},         {0x9FC00, 0x400, 2},        {0xF0000, 0x10000, 2},
        {0x100000, 0x7EE0000, 1}, {0x7FE0000, 0x20000, 2},    {0xFFFC0000, 0x40000, 2},
    };
    ASSERT_EQ(img->memory_map.size(), std::size(expected));
    for (size_t i = 0; i < std::size(expected); ++i) {
        const uint32_t at = 0x9000 + 24 * static_cast<uint32_t>(i);
        EXPECT_EQ(ram.load32(at), 20u) << i;
        EXPECT_EQ(ram.load32(at + 4) | uint64_t{ram.load32(at + 8)} << 32, expected[i].base) << i;
        EXPECT_EQ(ram.load32(at + 12) | uint64_t{ram.load32(at + 16)} << 32, expected[i].length) << i;
        EXPECT_EQ(ram.load32(at + 20), expected[i].type) << i;
        EXPECT_EQ(img->memory_map[i].base, expected[i].base);
        EXPECT_EQ(img->memory_map[i].length, expected[i].length);
        EXPECT_EQ(img->memory_map[i].type, expected[i].type);
    }
}

TEST(Multiboot, MemUpperMatchesQemuForOtherRamSizes) {
    // Measured: -m 8 -> 0x1b80, -m 16 -> 0x3b80, -m 100 -> 0x18b80 (always 128 KiB reserved
    // at the top of RAM).
    const std::pair<uint64_t, uint32_t> cases[] = {{8, 0x1B80}, {16, 0x3B80}, {100, 0x18B80}};
    for (auto [mib, upper] : cases) {
        Ram ram = make_ram(mib * kMiB);
        auto img = load(ram, simple_kernel().build());
        ASSERT_TRUE(img.ok()) << img.error().message;
        EXPECT_EQ(img->mem_upper_kib, upper) << mib;
        EXPECT_EQ(ram.load32(img->info_addr + 8), upper) << mib;
        EXPECT_EQ(img->memory_map[4].base, mib * kMiB - 0x20000) << mib;
    }
}

TEST(Multiboot, ModulesAndStringsMatchQemuLayout) {
    // The probe kernel: one segment at 1 MiB with memsz 0x4398. QEMU 7.2 with
    // -kernel probe.elf -append "hello world" -initrd "mod1.bin arg1,mod2.bin" gave:
    // mods_addr 0x105000; strings 0x105020 "mod1.bin arg1", 0x10502e "mod2.bin",
    // 0x105037 "probe.elf hello world", 0x10504d boot loader name; modules
    // 0x106000-0x107388 (5000 bytes) and 0x108000-0x108005 (5 bytes).
    TestElf e;
    e.entry = 0x10000C;
    e.segs.push_back({0x100000, 0x100000, pattern(0x398, 4), 0x4398, kPfR | kPfW | kPfX});
    std::vector<MultibootModule> mods = {
        {"mod1.bin", pattern(5000, 9), "mod1.bin arg1"},
        {"mod2.bin", bytes_of("hello"), "mod2.bin"},
    };
    Ram ram = make_ram();
    auto img = load_multiboot(ram, e.build(), "probe.elf", "hello world", mods);
    ASSERT_TRUE(img.ok()) << img.error().message;
    EXPECT_EQ(img->mods_addr, 0x105000u);
    EXPECT_EQ(img->cmdline_addr, 0x105037u);
    EXPECT_EQ(img->boot_loader_name_addr, 0x10504Du);
    ASSERT_EQ(img->modules.size(), 2u);
    EXPECT_EQ(img->modules[0].start, 0x106000u);
    EXPECT_EQ(img->modules[0].end, 0x107388u);
    EXPECT_EQ(img->modules[0].string_addr, 0x105020u);
    EXPECT_EQ(img->modules[1].start, 0x108000u);
    EXPECT_EQ(img->modules[1].end, 0x108005u);
    EXPECT_EQ(img->modules[1].string_addr, 0x10502Eu);
    EXPECT_EQ(img->placed_end, 0x109000u);

    const uint32_t mbi = img->info_addr;
    EXPECT_EQ(ram.load32(mbi + 20), 2u);
    EXPECT_EQ(ram.load32(mbi + 24), 0x105000u);
    EXPECT_EQ(read_string(ram, ram.load32(mbi + 16)), "probe.elf hello world");
    for (size_t i = 0; i < mods.size(); ++i) {
        const uint32_t entry = 0x105000 + 16 * static_cast<uint32_t>(i);
        const uint32_t start = ram.load32(entry), end = ram.load32(entry + 4);
        EXPECT_EQ(start, img->modules[i].start);
        EXPECT_EQ(end, img->modules[i].end);
        EXPECT_EQ(start % 4096, 0u);
        EXPECT_GE(start, img->kernel_end);
        EXPECT_EQ(read_bytes(ram, start, end - start), mods[i].bytes);
        EXPECT_EQ(read_string(ram, ram.load32(entry + 8)), mods[i].cmdline);
        EXPECT_EQ(ram.load32(entry + 12), 0u);
    }
    EXPECT_EQ(ram.data()[0x108005], 0);  // padding after the last module is zero
}

TEST(Multiboot, EmptyCommandLineKeepsTheSpaceLikeQemu) {
    // QEMU 7.2 with -kernel ./probe.elf -append "" passes "./probe.elf ".
    Ram ram = make_ram();
    auto img = load_multiboot(ram, simple_kernel().build(), "./probe.elf", "", {});
    ASSERT_TRUE(img.ok()) << img.error().message;
    EXPECT_EQ(read_string(ram, img->cmdline_addr), "./probe.elf ");
}

TEST(Multiboot, ModulesArePageAlignedAboveAnUnalignedKernel) {
    TestElf e;
    e.entry = 0x100020;
    e.segs.push_back({0x100020, 0x100020, pattern(0x10, 5), 0x123, kPfR | kPfX});
    std::vector<MultibootModule> mods = {{"a", pattern(1, 1), "a"}, {"b", pattern(4097, 2), "b"},
                                         {"c", {}, "c"}, {"d", pattern(3, 3), "d"}};
    Ram ram = make_ram();
    auto img = load(ram, e.build(), "", mods);
    ASSERT_TRUE(img.ok()) << img.error().message;
    EXPECT_EQ(img->mods_addr, 0x101000u);
    uint32_t previous_end = img->kernel_end;
    for (size_t i = 0; i < mods.size(); ++i) {
        const PlacedModule& m = img->modules[i];
        EXPECT_EQ(m.start % 4096, 0u) << i;
        EXPECT_GE(m.start, previous_end) << i;
        EXPECT_EQ(m.end - m.start, mods[i].bytes.size()) << i;
        EXPECT_EQ(read_bytes(ram, m.start, m.end - m.start), mods[i].bytes) << i;
        previous_end = m.end;
    }
}

TEST(Multiboot, InspectDescribesTheKernelWithoutRam) {
    auto info = inspect_multiboot_kernel(simple_kernel().build(), "kernel.elf");
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->format, KernelFileInfo::Format::Elf32);
    EXPECT_EQ(info->header_offset, 116u);  // after the ELF header and two program headers
    EXPECT_EQ(info->header_flags, 3u);
    EXPECT_EQ(info->entry, 0x100004u);
    EXPECT_EQ(info->load_start, 0x100000u);
    EXPECT_EQ(info->load_end, 0x105000u);
    ASSERT_EQ(info->segments.size(), 2u);
    EXPECT_EQ(info->segments[1].paddr, 0x102000u);
    EXPECT_EQ(info->segments[1].file_size, 0x10u);
    EXPECT_EQ(info->segments[1].mem_size, 0x3000u);
}

TEST(Multiboot, VideoModeFlagIsAcceptedAndIgnoredLikeQemu) {
    TestElf e = simple_kernel();
    e.mb_flags = 0x7;
    Ram ram = make_ram();
    auto img = load(ram, e.build());
    ASSERT_TRUE(img.ok()) << img.error().message;
    EXPECT_EQ(ram.load32(img->info_addr), 0x24Fu);  // no VBE info given
}

TEST(Multiboot, HeaderAtTheEndOfTheFirst8KiBIsFound) {
    TestElf e = simple_kernel();
    e.header_offset = 8192 - 12;
    Ram ram = make_ram();
    auto img = load(ram, e.build());
    EXPECT_TRUE(img.ok()) << img.error().message;
}

TEST(Multiboot, LoadsAoutKludgeFlatBinary) {
    // A flat binary whose header gives header_addr, load_addr, load_end_addr (0 = to the
    // end of the file), bss_end_addr and entry_addr.
    std::vector<uint8_t> f = pattern(0x200, 6);
    const uint32_t flags = 0x10003;
    put32(f, 0x40, kMultibootHeaderMagic);
    put32(f, 0x44, flags);
    put32(f, 0x48, 0u - kMultibootHeaderMagic - flags);
    put32(f, 0x4C, 0x100040);  // header_addr: the header sits 0x40 into the image
    put32(f, 0x50, 0x100000);  // load_addr: so the file is loaded from offset 0
    put32(f, 0x54, 0);         // load_end_addr
    put32(f, 0x58, 0x102000);  // bss_end_addr
    put32(f, 0x5C, 0x100060);  // entry_addr
    Ram ram = make_ram();
    ASSERT_TRUE(ram.fill(0, ram.size(), 0xCC).ok());
    auto img = load(ram, f);
    ASSERT_TRUE(img.ok()) << img.error().message;
    EXPECT_EQ(img->entry, 0x100060u);
    EXPECT_EQ(img->kernel_start, 0x100000u);
    EXPECT_EQ(img->kernel_end, 0x102000u);
    EXPECT_EQ(read_bytes(ram, 0x100000, f.size()), f);
    EXPECT_EQ(read_bytes(ram, 0x100200, 0x1E00), std::vector<uint8_t>(0x1E00, 0));
    auto info = inspect_multiboot_kernel(f);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->format, KernelFileInfo::Format::AoutKludge);

    put32(f, 0x4C, 0x0FFFFF);  // header_addr below load_addr
    put32(f, 0x48, 0u - kMultibootHeaderMagic - flags);
    expect_bad_image(f, "header_addr");
}

// ---- errors ----

TEST(MultibootErrors, EmptyFile) { expect_bad_image(std::vector<uint8_t>{}, "kernel.elf: file is empty"); }

TEST(MultibootErrors, RandomBytes) {
    std::mt19937 rng(1234);
    std::vector<uint8_t> f(20000);
    for (auto& b : f) b = static_cast<uint8_t>(rng());
    expect_bad_image(f, "not an ELF file and has no Multiboot header in its first 8 KiB");
}

TEST(MultibootErrors, ElfWithoutMultibootHeader) {
    TestElf e = simple_kernel();
    e.with_header = false;
    expect_bad_image(e.build(), "ELF file has no Multiboot header in its first 8 KiB");
}

TEST(MultibootErrors, HeaderPast8KiB) {
    TestElf e = simple_kernel();
    e.header_offset = 0x2010;
    expect_bad_image(e.build(), "Multiboot header at offset 0x2010 is past the first 8 KiB");
}

TEST(MultibootErrors, BadChecksum) {
    TestElf e = simple_kernel();
    e.bad_checksum = true;
    expect_bad_image(e.build(), "bad Multiboot header checksum at offset 0x74");
}

TEST(MultibootErrors, RawBinaryWithoutAoutKludge) {
    std::vector<uint8_t> f(64, 0x90);
    put32(f, 0, kMultibootHeaderMagic);
    put32(f, 4, 3);
    put32(f, 8, 0u - kMultibootHeaderMagic - 3);
    expect_bad_image(f, "not an ELF file, and its Multiboot header has no load addresses");
}

TEST(MultibootErrors, UnsupportedRequiredFlags) {
    TestElf e = simple_kernel();
    e.mb_flags = 0x3 | (1u << 3);
    expect_bad_image(e.build(), "requires features forkscope does not have (flags 0x8)");
}

TEST(MultibootErrors, Elf64) {
    TestElf e = simple_kernel();
    e.elf_class = 2;
    e.machine = 62;
    expect_bad_image(e.build(), "kernel.elf: is a 64-bit ELF; forkscope runs 32-bit x86 kernels");
}

TEST(MultibootErrors, WrongMachine) {
    TestElf e = simple_kernel();
    e.machine = 40;
    expect_bad_image(e.build(), "is an ELF for machine 40 (ARM), not i386 (EM_386)");
    e.machine = 62;
    expect_bad_image(e.build(), "machine 62 (x86-64)");
}

TEST(MultibootErrors, BigEndian) {
    TestElf e = simple_kernel();
    e.data_encoding = 2;
    expect_bad_image(e.build(), "is a big-endian ELF");
}

TEST(MultibootErrors, NotAnExecutable) {
    TestElf e = simple_kernel();
    e.type = 3;  // ET_DYN
    expect_bad_image(e.build(), "ELF type 3 is not an executable (ET_EXEC)");
}

TEST(MultibootErrors, NoLoadableSegment) {
    TestElf e = simple_kernel();
    for (Seg& s : e.segs) s.type = 4;  // PT_NOTE
    expect_bad_image(e.build(), "ELF has no loadable segment (PT_LOAD)");
    e.segs.clear();
    expect_bad_image(e.build(), "ELF has no program headers");
}

TEST(MultibootErrors, FileSizeLargerThanMemSize) {
    TestElf e = simple_kernel();
    e.segs[1].memsz = 8;
    expect_bad_image(e.build(), "segment 1: p_filesz 0x10 is larger than p_memsz 0x8");
}

TEST(MultibootErrors, SegmentBeyondRam) {
    TestElf e = simple_kernel();
    e.segs[1].paddr = 0x7FFF000;  // 128 MiB RAM; the top 128 KiB is reserved
    Ram ram = make_ram(128 * kMiB);
    expect_bad_image(load(ram, e.build()), "does not fit in RAM: available memory ends at 0x7fe0000");
    EXPECT_TRUE(inspect_multiboot_kernel(e.build()).ok());  // fine without RAM
    e.segs[1].paddr = 0x9000000;
    expect_bad_image(load(ram, e.build()), "does not fit in RAM");
}

TEST(MultibootErrors, SegmentWrappingPast4GiB) {
    TestElf e = simple_kernel();
    e.segs[1].paddr = 0xFFFFF000;
    expect_bad_image(e.build(), "segment 1 at physical 0xfffff000 + 0x3000 wraps past 4 GiB");
}

TEST(MultibootErrors, SegmentBelow1MiB) {
    TestElf e = simple_kernel();
    e.segs[1].paddr = 0;
    expect_bad_image(e.build(), "segment 1 at physical 0x0 is below 1 MiB");
    e.segs[1].paddr = 0x9000;  // where the boot information goes
    expect_bad_image(e.build(), "below 1 MiB");
}

TEST(MultibootErrors, OverlappingSegments) {
    TestElf e = simple_kernel();
    e.segs[1].paddr = 0x100020;
    expect_bad_image(e.build(), "segment 0 and segment 1 overlap at physical 0x100020");
}

TEST(MultibootErrors, Truncated) {
    const std::vector<uint8_t> good = simple_kernel().build();
    expect_bad_image(std::vector<uint8_t>(good.begin(), good.begin() + 40), "truncated ELF: the ELF header needs 52 bytes, the file has 40");
    expect_bad_image(std::vector<uint8_t>(good.begin(), good.begin() + 100), "truncated ELF: program headers end at offset 0x74, the file has 100 bytes");
    ASSERT_EQ(good.size(), 208u);  // segment 0 data at 0x80..0xc0, segment 1 at 0xc0..0xd0
    expect_bad_image(std::vector<uint8_t>(good.begin(), good.end() - 20), "truncated ELF: segment 0 data ends at offset 0xc0, the file has 188 bytes");
    expect_bad_image(std::vector<uint8_t>(good.begin(), good.end() - 4), "truncated ELF: segment 1 data ends at offset 0xd0, the file has 204 bytes");
}

TEST(MultibootErrors, ModuleTooBigForRam) {
    Ram ram = make_ram(8 * kMiB);
    std::vector<MultibootModule> mods = {{"initramfs.cpio", std::vector<uint8_t>(8 * kMiB), "initramfs.cpio"}};
    expect_bad_image(load(ram, simple_kernel().build(), "", mods),
                     "initramfs.cpio: module of 8388608 bytes does not fit in RAM");
}

TEST(MultibootErrors, RamTooSmall) {
    Ram ram = make_ram(1 * kMiB);
    auto img = load(ram, simple_kernel().build());
    ASSERT_FALSE(img.ok());
    EXPECT_EQ(img.error().kind, ErrorKind::Usage);
}

// Every prefix of a valid image must give an error or a valid load, never a crash (run
// this under the address+undefined sanitizer build).
TEST(MultibootErrors, EveryTruncationIsHandled) {
    std::vector<MultibootModule> mods = {{"m", pattern(100, 7), "m"}};
    for (const std::vector<uint8_t>& good : {simple_kernel().build(), [] {
             TestElf e = simple_kernel();
             e.mb_flags = 0x10003;  // a.out kludge fields past the 12-byte header
             return e.build();
         }()}) {
        Ram ram = make_ram(8 * kMiB);
        for (size_t n = 0; n <= good.size(); ++n) {
            std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
            auto img = load(ram, cut, "x", mods);
            if (!img.ok()) {
                EXPECT_EQ(img.error().kind, ErrorKind::BadImage) << n;
                EXPECT_FALSE(img.error().message.empty()) << n;
            }
        }
    }
}

// Random corruption of header fields: must never crash.
TEST(MultibootErrors, RandomCorruptionIsHandled) {
    const std::vector<uint8_t> good = simple_kernel().build();
    std::mt19937 rng(42);
    Ram ram = make_ram(8 * kMiB);
    int loaded = 0;
    for (int iter = 0; iter < 5000; ++iter) {
        std::vector<uint8_t> f = good;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < flips; ++k) {
            // Mostly the ELF header and program headers, where the pointers are.
            const size_t at = rng() % 2 ? rng() % 116 : rng() % f.size();
            f[at] = static_cast<uint8_t>(rng());
        }
        auto img = load(ram, f, "", {{"m", pattern(10, 1), "m"}});
        if (img.ok()) {
            ++loaded;
            EXPECT_LE(img->placed_end, ram.size());
        } else {
            EXPECT_EQ(img.error().kind, ErrorKind::BadImage);
        }
    }
    EXPECT_GT(loaded, 0);
}

// Random a.out kludge addresses, biased to edges (0, near load_addr, near 4 GiB): the
// header's arithmetic must never overflow into a bad copy.
TEST(MultibootErrors, RandomAoutKludgeFieldsAreHandled) {
    std::mt19937 rng(7);
    const uint32_t edges[] = {0, 1, 0x100000, 0x100040, 0x100200, 0x102000, 0x7FE0000,
                              0xFFFFF000, 0xFFFFFFFF, 0x80000000};
    const auto pick = [&] {
        const uint32_t base = edges[rng() % std::size(edges)];
        return rng() % 2 ? base : base + static_cast<uint32_t>(rng() % 0x400) - 0x200;
    };
    Ram ram = make_ram(8 * kMiB);
    int loaded = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        std::vector<uint8_t> f = pattern(0x200, 6);
        const uint32_t flags = 0x10003;
        put32(f, 0x40, kMultibootHeaderMagic);
        put32(f, 0x44, flags);
        put32(f, 0x48, 0u - kMultibootHeaderMagic - flags);
        for (size_t off = 0x4C; off <= 0x5C; off += 4) put32(f, off, pick());
        auto img = load(ram, f);
        if (img.ok()) {
            ++loaded;
            EXPECT_GE(img->entry, img->kernel_start);
            EXPECT_LT(img->entry, img->kernel_end);
            EXPECT_LE(img->placed_end, ram.size());
        } else {
            EXPECT_EQ(img.error().kind, ErrorKind::BadImage);
        }
    }
    EXPECT_GT(loaded, 0);
}

// ---- the real guest kernel ----

TEST(MultibootRealKernel, LoadsBuildImagesKernelElf) {
    std::vector<std::filesystem::path> candidates;
    if (const char* env = std::getenv("FORKSCOPE_KERNEL")) candidates.emplace_back(env);
    // meson test runs from the build directory; a manual run may start elsewhere.
    for (const char* p : {"images/kernel.elf", "build/images/kernel.elf", "../../images/kernel.elf",
                          "../images/kernel.elf"})
        candidates.emplace_back(p);
    std::optional<std::filesystem::path> found;
    for (const auto& c : candidates) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(c, ec)) {
            found = c;
            break;
        }
    }
    if (!found) GTEST_SKIP() << "no kernel.elf (set FORKSCOPE_KERNEL)";

    std::ifstream in(*found, std::ios::binary);
    std::vector<uint8_t> file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto info = inspect_multiboot_kernel(file, found->string());
    ASSERT_TRUE(info.ok()) << info.error().message;
    Ram ram = make_ram(128 * kMiB);
    std::vector<MultibootModule> mods = {{"initramfs.cpio", pattern(1000, 8), "initramfs.cpio"}};
    auto img = load_multiboot(ram, file, "kernel.elf", "quiet", mods);
    ASSERT_TRUE(img.ok()) << img.error().message;
    EXPECT_GE(img->entry, img->kernel_start);
    EXPECT_LT(img->entry, img->kernel_end);
    EXPECT_GE(img->kernel_start, 0x100000u);
    EXPECT_EQ(ram.load32(img->info_addr), 0x24Fu);
    EXPECT_EQ(read_string(ram, img->cmdline_addr), "kernel.elf quiet");
    EXPECT_EQ(img->modules[0].start % 4096, 0u);
    EXPECT_GE(img->modules[0].start, img->kernel_end);
}

}  // namespace
}  // namespace forkscope
