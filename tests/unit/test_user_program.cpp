// The check of a user's program before the machine boots (frontend/user_program.h):
// every refusal reason, with a one-line message that names the file, and never a crash.
// Real files, when meson passes them:
//   FORKSCOPE_TEST_PROGRAM  build/images/programs/hello (must pass)
//   FORKSCOPE_TEST_KERNEL   build/images/kernel.elf (an i386 executable, but linked at 0xc0100000)
#include "frontend/user_program.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace forkscope {
namespace {

constexpr uint32_t kPtLoad = 1, kPtInterp = 3, kPtNote = 4;
constexpr uint32_t kPfX = 1, kPfW = 2, kPfR = 4;

void put16(std::vector<uint8_t>& b, size_t off, uint16_t v) { std::memcpy(b.data() + off, &v, 2); }
void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) { std::memcpy(b.data() + off, &v, 4); }

struct Phdr {
    uint32_t type = kPtLoad;
    uint32_t offset = 0;
    uint32_t vaddr = 0x08048000;
    uint32_t filesz = 0;  // 0: up to the end of the file
    uint32_t memsz = 0;   // 0: filesz
    uint32_t flags = kPfR | kPfX;
};

// A static i386 executable like the ones ld -m elf_i386 -static writes: the ELF and
// program headers inside the first (text) segment, which starts at file offset 0.
struct TestElf {
    uint8_t elf_class = 1, data_encoding = 1;
    uint16_t type = 2, machine = 3;
    uint32_t entry = 0x08048100;
    uint16_t phentsize = 32;
    std::vector<Phdr> phdrs = {Phdr{}, Phdr{kPtLoad, 0x200, 0x08049200, 0x10, 0x2000, kPfR | kPfW}};
    size_t size = 0x400;

    std::vector<uint8_t> build() const {
        std::vector<uint8_t> f(size, 0);
        f[0] = 0x7F, f[1] = 'E', f[2] = 'L', f[3] = 'F';
        f[4] = elf_class, f[5] = data_encoding, f[6] = 1;
        put16(f, 16, type);
        put16(f, 18, machine);
        put32(f, 20, 1);
        put32(f, 24, entry);
        put32(f, 28, 52);
        put16(f, 40, 52);
        put16(f, 42, phentsize);
        put16(f, 44, static_cast<uint16_t>(phdrs.size()));
        for (size_t i = 0; i < phdrs.size(); i++) {
            const Phdr& p = phdrs[i];
            const size_t ph = 52 + 32 * i;
            if (ph + 32 > f.size()) break;
            const uint32_t filesz = p.filesz ? p.filesz : static_cast<uint32_t>(size - p.offset);
            put32(f, ph + 0, p.type);
            put32(f, ph + 4, p.offset);
            put32(f, ph + 8, p.vaddr);
            put32(f, ph + 12, p.vaddr);
            put32(f, ph + 16, filesz);
            put32(f, ph + 20, p.memsz ? p.memsz : filesz);
            put32(f, ph + 24, p.flags);
            put32(f, ph + 28, 0x1000);
        }
        return f;
    }
};

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

void expect_refused(const std::vector<uint8_t>& file, std::string_view needle) {
    auto r = check_static_i386_executable(file, "./prog");
    ASSERT_FALSE(r.ok()) << "accepted; expected: " << needle;
    EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
    const std::string& m = r.error().message;
    EXPECT_EQ(m.rfind("./prog ", 0), 0u) << "the message names the file first: " << m;
    EXPECT_NE(m.find(needle), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

std::vector<uint8_t> read_env_file(const char* var) {
    const char* path = std::getenv(var);
    if (!path) return {};
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(UserProgram, AStaticI386ExecutablePasses) {
    auto r = check_static_i386_executable(TestElf{}.build(), "./prog");
    EXPECT_TRUE(r.ok()) << r.error().message;
}

TEST(UserProgram, NotAnElfFile) {
    expect_refused({}, "is not an ELF file");
    expect_refused(bytes_of("\x7f" "EL"), "is not an ELF file");
    expect_refused(bytes_of("hello, world\n"), "is not an ELF file");
    expect_refused(bytes_of("MZ\x90\x00"), "is not an ELF file");
}

TEST(UserProgram, AScript) { expect_refused(bytes_of("#!/bin/sh\necho hi\n"), "is a script (#!)"); }

TEST(UserProgram, TruncatedElfHeader) {
    auto f = TestElf{}.build();
    f.resize(40);
    expect_refused(f, "truncated ELF file (the ELF header needs 52 bytes, the file has 40)");
}

TEST(UserProgram, SixtyFourBit) {
    TestElf e;
    e.elf_class = 2;
    expect_refused(e.build(), "is a 64-bit ELF; build a static program: forkscope cc");
}

TEST(UserProgram, UnknownClassAndEncoding) {
    for (uint8_t c : {0, 3, 0xff}) {
        TestElf e;
        e.elf_class = c;
        expect_refused(e.build(), "unknown ELF class " + std::to_string(c));
    }
    TestElf be;
    be.data_encoding = 2;
    expect_refused(be.build(), "big-endian");
    TestElf unknown;
    unknown.data_encoding = 7;
    expect_refused(unknown.build(), "unknown ELF data encoding 7");
}

TEST(UserProgram, OtherMachines) {
    TestElf e;
    e.machine = 62;
    expect_refused(e.build(), "machine 62 (x86-64), not i386");
    e.machine = 40;
    expect_refused(e.build(), "machine 40 (ARM)");
    e.machine = 0;
    expect_refused(e.build(), "machine 0 (unknown)");
}

TEST(UserProgram, NotAnExecutableType) {
    TestElf rel;
    rel.type = 1;
    expect_refused(rel.build(), "object file (ET_REL)");
    TestElf core;
    core.type = 4;
    expect_refused(core.build(), "core dump");
    for (uint16_t t : {0, 5, 0xfe00}) {
        TestElf e;
        e.type = t;
        expect_refused(e.build(), "ELF type " + std::to_string(t));
    }
}

TEST(UserProgram, ProgramHeaderTable) {
    TestElf none;
    none.phdrs.clear();
    expect_refused(none.build(), "no program headers");
    TestElf small;
    small.phentsize = 16;
    expect_refused(small.build(), "program headers of 16 bytes");
    TestElf cut;
    cut.phdrs.resize(40);  // 52 + 40 * 32 bytes: past the end of a 0x400-byte file
    expect_refused(cut.build(), "truncated ELF file (its program headers end at offset 0x534");
}

TEST(UserProgram, DynamicallyLinked) {
    TestElf e;
    e.phdrs.insert(e.phdrs.begin(), Phdr{kPtInterp, 0x300, 0x08048300, 0x13, 0x13, kPfR});
    expect_refused(e.build(), "is dynamically linked (has PT_INTERP) and the guest has no dynamic loader; "
                              "build a static program: forkscope cc prog.c -o prog, or gcc -m32 -static prog.c -o prog");
    e.type = 3;  // a PIE with an interpreter (gcc's default): the interpreter is the news
    expect_refused(e.build(), "dynamically linked");
}

TEST(UserProgram, PositionIndependentWithoutInterpreter) {
    TestElf e;
    e.type = 3;
    expect_refused(e.build(), "position-independent (ET_DYN)");
}

TEST(UserProgram, SegmentFileSizeLargerThanMemorySize) {
    TestElf e;
    e.phdrs[1].memsz = 0x8;
    expect_refused(e.build(), "segment 1 has p_filesz 0x10 larger than p_memsz 0x8");
}

TEST(UserProgram, SegmentPastTheEndOfTheFile) {
    TestElf e;
    e.phdrs[1].filesz = 0x300;  // 0x200 + 0x300 > 0x400
    e.phdrs[1].memsz = 0x300;
    expect_refused(e.build(), "truncated ELF file (segment 1 ends at offset 0x500");
    TestElf wrap;
    wrap.phdrs[1].offset = 0xFFFFFE00;  // offset + filesz wraps in 32 bits
    wrap.phdrs[1].vaddr = 0x08049E00;
    expect_refused(wrap.build(), "truncated ELF file");
}

TEST(UserProgram, SegmentInTheKernelHalf) {
    TestElf e;
    e.phdrs[1].vaddr = 0xBFFFF200;
    e.phdrs[1].memsz = 0x2000;
    expect_refused(e.build(), "reaches into the kernel's addresses (0xc0000000 and up)");
    TestElf top;
    top.phdrs[1].vaddr = 0xFFFFF200;  // vaddr + memsz past 4 GiB
    expect_refused(top.build(), "kernel's addresses");
}

TEST(UserProgram, SegmentMisalignedWithItsOffset) {
    TestElf e;
    e.phdrs[1].vaddr = 0x08049300;  // offset 0x200
    expect_refused(e.build(), "differ modulo the page size");
}

TEST(UserProgram, NoLoadableSegment) {
    TestElf e;
    e.phdrs = {Phdr{kPtNote, 0x100, 0x08048100, 0x10, 0x10, kPfR}};
    expect_refused(e.build(), "no loadable segment (PT_LOAD)");
    TestElf empty;
    empty.phdrs = {Phdr{kPtLoad, 0, 0x08048000, 0, 0, kPfR | kPfX}};
    empty.phdrs[0].filesz = 0;
    // filesz 0 in Phdr means "to the end of the file"; build a true empty one by hand.
    auto f = empty.build();
    put32(f, 52 + 16, 0);
    put32(f, 52 + 20, 0);
    expect_refused(f, "no loadable segment");
}

TEST(UserProgram, EntryOutsideAnExecutableSegment) {
    TestElf outside;
    outside.entry = 0x01000000;
    expect_refused(outside.build(), "entry point 0x1000000 is not in an executable segment");
    TestElf data;
    data.entry = 0x08049210;  // inside the writable, not executable, data segment
    expect_refused(data.build(), "entry point 0x8049210");
}

TEST(UserProgram, RealGuestProgramPasses) {
    auto hello = read_env_file("FORKSCOPE_TEST_PROGRAM");
    if (hello.empty()) GTEST_SKIP() << "FORKSCOPE_TEST_PROGRAM is not set (run through meson test)";
    auto r = check_static_i386_executable(hello, "hello");
    EXPECT_TRUE(r.ok()) << r.error().message;
}

TEST(UserProgram, RealKernelIsRefusedForItsAddresses) {
    auto kernel = read_env_file("FORKSCOPE_TEST_KERNEL");
    if (kernel.empty()) GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL is not set (run through meson test)";
    auto r = check_static_i386_executable(kernel, "kernel.elf");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("kernel's addresses"), std::string::npos) << r.error().message;
}

TEST(UserProgram, HostBinaryIsRefused) {
    std::ifstream in("/bin/true", std::ios::binary);
    std::vector<uint8_t> f{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (f.empty()) GTEST_SKIP() << "no /bin/true";
    auto r = check_static_i386_executable(f, "/bin/true");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
}

TEST(UserProgram, RandomDamageNeverCrashes) {
    const auto good = TestElf{}.build();
    std::mt19937 rng(7);
    int refused = 0;
    for (int round = 0; round < 50000; round++) {
        auto f = good;
        const int flips = 1 + static_cast<int>(rng() % 3);
        for (int i = 0; i < flips; i++) {
            // Mostly the headers: that is where the structure is.
            size_t at = rng() % 4 ? rng() % (52 + 64) : rng() % f.size();
            f[at] = static_cast<uint8_t>(rng());
        }
        if (rng() % 8 == 0) f.resize(rng() % f.size());
        auto r = check_static_i386_executable(f, "./prog");
        if (!r.ok()) {
            refused++;
            EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
            EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
        }
    }
    EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace forkscope
