// The host's cpio "newc" reader and writer (frontend/initramfs.h): round trips, adding a
// program, listing, and every kind of corrupt archive giving a clear error, never a
// crash. Real archives come from images/mkinitramfs.py (meson passes their paths):
//   FORKSCOPE_TEST_SMALL_CPIO  a small archive (a few directories and files)
//   FORKSCOPE_TEST_INITRAMFS   build/images/initramfs.cpio
#include "frontend/initramfs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace forkscope {
namespace {

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> read_env_file(const char* var) {
    const char* path = std::getenv(var);
    if (!path) return {};
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

CpioEntry file_entry(std::string name, std::string_view data, uint32_t perm = 0644, uint32_t ino = 0) {
    CpioEntry e;
    e.name = std::move(name);
    e.mode = kCpioModeRegular | perm;
    e.ino = ino;
    e.data = bytes_of(data);
    return e;
}

CpioEntry dir_entry(std::string name, uint32_t ino = 0) {
    CpioEntry e;
    e.name = std::move(name);
    e.mode = kCpioModeDirectory | 0755;
    e.nlink = 2;
    e.ino = ino;
    return e;
}

// An archive written by write_cpio (for tests that need no real one).
std::vector<uint8_t> sample_archive() {
    std::vector<CpioEntry> entries = {dir_entry(".", 1), dir_entry("bin", 2), dir_entry("etc", 3),
                                      file_entry("bin/hello", "\x7f" "ELF hello", 0755, 4),
                                      file_entry("bin/ls", "\x7f" "ELF ls!", 0755, 5),
                                      file_entry("etc/motd", "welcome\n", 0644, 6)};
    return write_cpio(entries);
}

void expect_bad_image(const Result<std::vector<CpioEntry>>& r, std::string_view needle) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line: " << r.error().message;
}

void put_field(std::vector<uint8_t>& archive, size_t header_offset, int field, uint32_t value) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08X", value);
    std::memcpy(archive.data() + header_offset + 6 + 8 * field, buf, 8);
}

constexpr int kFieldFileSize = 6, kFieldNameSize = 11;

// ---- reading and writing ----

TEST(Cpio, WriteThenParseGivesTheSameEntries) {
    auto archive = sample_archive();
    EXPECT_EQ(archive.size() % 4, 0u);
    auto entries = parse_cpio(archive);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    ASSERT_EQ(entries->size(), 6u);
    EXPECT_EQ((*entries)[0].name, ".");
    EXPECT_TRUE((*entries)[1].is_directory());
    EXPECT_EQ((*entries)[3].name, "bin/hello");
    EXPECT_EQ((*entries)[3].mode, 0100755u);
    EXPECT_EQ((*entries)[3].ino, 4u);
    EXPECT_EQ((*entries)[3].data, bytes_of("\x7f" "ELF hello"));
    EXPECT_EQ((*entries)[5].data, bytes_of("welcome\n"));
    EXPECT_EQ(write_cpio(*entries), archive);
}

TEST(Cpio, EmptyArchiveIsJustTheTrailer) {
    auto archive = write_cpio({});
    EXPECT_EQ(archive.size(), 124u);  // 110 + "TRAILER!!!\0" (11) padded to 124
    EXPECT_EQ(std::string(archive.begin(), archive.begin() + 6), "070701");
    auto entries = parse_cpio(archive);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    EXPECT_TRUE(entries->empty());
}

TEST(Cpio, HeaderLayoutIsNewc) {
    std::vector<CpioEntry> one = {file_entry("a", "xyz", 0600, 9)};
    auto archive = write_cpio(one);
    const std::string header(archive.begin(), archive.begin() + 110);
    EXPECT_EQ(header, "070701" "00000009" "00008180" "00000000" "00000000" "00000001" "00000000"
                      "00000003" "00000000" "00000000" "00000000" "00000000" "00000002" "00000000");
    EXPECT_EQ(archive[110], 'a');
    EXPECT_EQ(archive[111], 0);
    EXPECT_EQ(archive[112], 'x');  // 112 is 4-aligned: no name padding here
    EXPECT_EQ(archive[115], 0);    // data padded to 4
}

TEST(Cpio, AcceptsTheCrcVariantAndLowercaseHexAndDataAfterTheTrailer) {
    auto archive = sample_archive();
    archive[5] = '2';  // 070702
    for (size_t i = 6; i < 110; i++) archive[i] = static_cast<uint8_t>(std::tolower(archive[i]));
    archive.insert(archive.end(), 512, 0);  // padding after the trailer, as cpio(1) writes
    auto entries = parse_cpio(archive);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    EXPECT_EQ(entries->size(), 6u);
}

TEST(Cpio, RealSmallArchiveRoundTripsByteForByte) {
    auto real = read_env_file("FORKSCOPE_TEST_SMALL_CPIO");
    if (real.empty()) GTEST_SKIP() << "FORKSCOPE_TEST_SMALL_CPIO is not set (run through meson test)";
    auto entries = parse_cpio(real);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    EXPECT_EQ(write_cpio(*entries), real);  // mkinitramfs.py writes exactly what we write
}

TEST(Cpio, RealInitramfsParsesListsAndRoundTrips) {
    auto real = read_env_file("FORKSCOPE_TEST_INITRAMFS");
    if (real.empty()) GTEST_SKIP() << "FORKSCOPE_TEST_INITRAMFS is not set (run through meson test)";
    auto entries = parse_cpio(real);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    EXPECT_EQ(write_cpio(*entries), real);
    auto programs = list_programs(*entries);
    for (const char* name : {"init", "hello", "echo", "cat", "ls", "sleep", "memtest", "segv", "pipes", "sigtest",
                             "exectest"})
        EXPECT_NE(std::find(programs.begin(), programs.end(), name), programs.end()) << name;
    EXPECT_TRUE(std::is_sorted(programs.begin(), programs.end()));
    const CpioEntry* hello = find_program(*entries, "hello");
    ASSERT_NE(hello, nullptr);
    ASSERT_GE(hello->data.size(), 4u);
    EXPECT_EQ(std::string(hello->data.begin(), hello->data.begin() + 4), "\x7f" "ELF");
}

// ---- listing and finding ----

TEST(Cpio, PathsIgnoreLeadingSlashesAndDots) {
    EXPECT_EQ(cpio_path("bin/ls"), "bin/ls");
    EXPECT_EQ(cpio_path("./bin/ls"), "bin/ls");
    EXPECT_EQ(cpio_path("/bin/ls"), "bin/ls");
    EXPECT_EQ(cpio_path(".//./bin/ls"), "bin/ls");
    EXPECT_EQ(cpio_path("."), ".");
}

TEST(Cpio, ListsOnlyRegularFilesDirectlyInBin) {
    std::vector<CpioEntry> entries = {
        dir_entry("bin"), file_entry("bin/zed", "z", 0755), file_entry("./bin/abc", "a", 0755),
        dir_entry("bin/sub"), file_entry("bin/sub/deep", "d", 0755), file_entry("etc/motd", "m"),
        file_entry("binary", "b", 0755), file_entry("bin/", "?"),
    };
    CpioEntry link = file_entry("bin/link", "zed");
    link.mode = 0120777;  // a symbolic link is not a program we can check
    entries.push_back(link);
    EXPECT_EQ(list_programs(entries), (std::vector<std::string>{"abc", "zed"}));
    EXPECT_NE(find_program(entries, "abc"), nullptr);
    EXPECT_EQ(find_program(entries, "sub"), nullptr);   // a directory
    EXPECT_EQ(find_program(entries, "link"), nullptr);  // not a regular file
    EXPECT_EQ(find_program(entries, "motd"), nullptr);
    EXPECT_EQ(find_program(entries, "nope"), nullptr);
}

TEST(Cpio, ListsWhatTheLastEntryOfAPathLeaves) {
    // The kernel unpacks in order: a later entry replaces an earlier one of that path.
    CpioEntry link = file_entry("bin/hello", "sh");
    link.mode = 0120777;
    const std::vector<CpioEntry> entries = {file_entry("bin/hello", "h", 0755), link,
                                            file_entry("bin/sh", "s", 0755), file_entry("./bin/sh", "t", 0755)};
    EXPECT_EQ(list_programs(entries), (std::vector<std::string>{"sh"}));
    EXPECT_EQ(find_program(entries, "hello"), nullptr);
    ASSERT_NE(find_program(entries, "sh"), nullptr);
    EXPECT_EQ(find_program(entries, "sh")->data, std::vector<uint8_t>{'t'});
}

// ---- adding a program ----

TEST(Cpio, AddProgramAppendsItBeforeTheTrailer) {
    auto archive = sample_archive();
    auto with = add_program(archive, "prog", bytes_of("\x7f" "ELF mine"));
    ASSERT_TRUE(with.ok()) << with.error().message;
    auto entries = parse_cpio(*with);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    ASSERT_EQ(entries->size(), 7u);
    const CpioEntry& added = entries->back();
    EXPECT_EQ(added.name, "bin/prog");
    EXPECT_EQ(added.mode, 0100755u);
    EXPECT_EQ(added.nlink, 1u);
    EXPECT_EQ(added.ino, 7u);  // after the largest inode number in the archive
    EXPECT_EQ(added.data, bytes_of("\x7f" "ELF mine"));
    // Everything before it is the original archive, byte for byte.
    EXPECT_TRUE(std::equal(archive.begin(), archive.end() - 124, with->begin()));
    EXPECT_EQ(list_programs(*entries), (std::vector<std::string>{"hello", "ls", "prog"}));
}

TEST(Cpio, AddProgramReplacesAProgramOfTheSameName) {
    auto with = add_program(sample_archive(), "hello", bytes_of("mine"));
    ASSERT_TRUE(with.ok()) << with.error().message;
    auto entries = parse_cpio(*with);
    ASSERT_TRUE(entries.ok());
    EXPECT_EQ(entries->size(), 6u);
    const CpioEntry* hello = find_program(*entries, "hello");
    ASSERT_NE(hello, nullptr);
    EXPECT_EQ(hello->data, bytes_of("mine"));
}

TEST(Cpio, AddProgramMakesBinWhenTheArchiveHasNone) {
    std::vector<CpioEntry> only = {file_entry("etc/motd", "hi")};
    auto with = add_program(write_cpio(only), "p", bytes_of("x"));
    ASSERT_TRUE(with.ok()) << with.error().message;
    auto entries = parse_cpio(*with);
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->size(), 3u);
    EXPECT_EQ((*entries)[1].name, "bin");
    EXPECT_TRUE((*entries)[1].is_directory());
    EXPECT_EQ((*entries)[2].name, "bin/p");
}

TEST(Cpio, AddProgramOfAnEmptyFileAndOfOddSizes) {
    for (size_t n : {0u, 1u, 2u, 3u, 4u, 5u, 4097u}) {
        std::vector<uint8_t> data(n, 0xAB);
        auto with = add_program(sample_archive(), "p", data);
        ASSERT_TRUE(with.ok()) << with.error().message;
        EXPECT_EQ(with->size() % 4, 0u);
        auto entries = parse_cpio(*with);
        ASSERT_TRUE(entries.ok()) << entries.error().message;
        EXPECT_EQ(find_program(*entries, "p")->data, data);
    }
}

TEST(Cpio, AddProgramRefusesBadNamesAndBadArchives) {
    for (const char* name : {"", ".", "..", "a/b", "/x"}) {
        auto r = add_program(sample_archive(), name, bytes_of("x"));
        ASSERT_FALSE(r.ok()) << name;
        EXPECT_EQ(r.error().kind, ErrorKind::Usage);
    }
    auto r = add_program(bytes_of("not an archive at all, but long enough to hold a header ....................."
                                  "........................................"),
                         "p", bytes_of("x"), "initrd 'x.bin'");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
    EXPECT_NE(r.error().message.find("initrd 'x.bin'"), std::string::npos) << r.error().message;
}

// ---- adding any file ----

TEST(Cpio, AddFileMakesTheDirectoriesItLacksParentsFirst) {
    std::vector<CpioEntry> only = {file_entry("etc/motd", "hi")};
    auto with = add_file(write_cpio(only), "/etc/forkscope/argv", 0644, bytes_of(std::string("a\0b\0", 4)));
    ASSERT_TRUE(with.ok()) << with.error().message;
    auto entries = parse_cpio(*with);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    ASSERT_EQ(entries->size(), 4u);
    EXPECT_EQ((*entries)[1].name, "etc");   // the archive had etc/motd but no "etc" entry
    EXPECT_TRUE((*entries)[1].is_directory());
    EXPECT_EQ((*entries)[2].name, "etc/forkscope");
    EXPECT_EQ((*entries)[2].mode, 040755u);
    EXPECT_EQ((*entries)[3].name, "etc/forkscope/argv");
    EXPECT_EQ((*entries)[3].mode, 0100644u);
    EXPECT_EQ((*entries)[3].data, bytes_of(std::string("a\0b\0", 4)));
}

TEST(Cpio, AddFileReusesDirectoriesAndReplacesTheFile) {
    auto once = add_file(sample_archive(), "etc/x", 0600, bytes_of("one"));
    ASSERT_TRUE(once.ok()) << once.error().message;
    auto twice = add_file(*once, "./etc/x", 0644, bytes_of("two"));
    ASSERT_TRUE(twice.ok()) << twice.error().message;
    auto before = parse_cpio(sample_archive());
    auto entries = parse_cpio(*twice);
    ASSERT_TRUE(before.ok() && entries.ok());
    EXPECT_EQ(entries->size(), before->size() + 1);  // etc was there already
    EXPECT_EQ(entries->back().name, "etc/x");
    EXPECT_EQ(entries->back().data, bytes_of("two"));
    for (const char* bad : {"", "/", "etc/"}) {
        auto r = add_file(sample_archive(), bad, 0644, bytes_of("x"));
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().kind, ErrorKind::Usage);
    }
}

// ---- corrupt archives ----

TEST(CpioCorrupt, EmptyInput) { expect_bad_image(parse_cpio({}), "TRAILER!!!"); }

TEST(CpioCorrupt, TruncatedHeader) {
    auto archive = sample_archive();
    archive.resize(50);
    expect_bad_image(parse_cpio(archive, "initramfs 'x'"), "truncated header (50 of 110 bytes) at offset 0x0");
    expect_bad_image(parse_cpio(archive, "initramfs 'x'"), "initramfs 'x'");
}

TEST(CpioCorrupt, BadMagic) {
    auto archive = sample_archive();
    archive[0] = '1';
    expect_bad_image(parse_cpio(archive), "bad magic at offset 0x0");
    // The old binary and "odc" cpio formats are not newc either.
    auto odc = sample_archive();
    odc[5] = '7';  // 070707
    expect_bad_image(parse_cpio(odc), "bad magic");
    std::vector<uint8_t> binary = {0xC7, 0x71};
    binary.resize(200);
    expect_bad_image(parse_cpio(binary), "bad magic");
}

TEST(CpioCorrupt, BadMagicInALaterEntry) {
    auto archive = sample_archive();
    // The second entry starts after the first ("." : 110 + 2 padded to 112, no data).
    archive[112 + 3] = 'X';
    expect_bad_image(parse_cpio(archive), "bad magic at offset 0x70");
}

TEST(CpioCorrupt, FieldThatIsNotHex) {
    auto archive = sample_archive();
    archive[6 + 8 * kFieldFileSize + 3] = 'g';
    expect_bad_image(parse_cpio(archive), "field filesize is not 8 hex digits");
    archive = sample_archive();
    archive[6 + 8 * kFieldNameSize] = ' ';
    expect_bad_image(parse_cpio(archive), "field namesize");
}

TEST(CpioCorrupt, NameSizePastTheEnd) {
    auto archive = sample_archive();
    put_field(archive, 0, kFieldNameSize, 0xFFFFFFFF);
    expect_bad_image(parse_cpio(archive), "name (namesize 4294967295) runs past the end of the archive");
    put_field(archive, 0, kFieldNameSize, static_cast<uint32_t>(archive.size() - 110 + 1));
    expect_bad_image(parse_cpio(archive), "runs past the end");
}

TEST(CpioCorrupt, NameSizeZeroOrWithoutItsNul) {
    auto archive = sample_archive();
    put_field(archive, 0, kFieldNameSize, 0);
    expect_bad_image(parse_cpio(archive), "empty name");
    archive = sample_archive();
    put_field(archive, 0, kFieldNameSize, 1);  // "." without its NUL: the byte is '.'
    expect_bad_image(parse_cpio(archive), "not NUL-terminated");
    std::vector<CpioEntry> nul_inside = {file_entry(std::string("a\0b", 3), "x")};
    expect_bad_image(parse_cpio(write_cpio(nul_inside)), "NUL byte");
}

TEST(CpioCorrupt, FileSizePastTheEnd) {
    std::vector<CpioEntry> one = {file_entry("bin/x", "0123456789")};
    auto archive = write_cpio(one);
    put_field(archive, 0, kFieldFileSize, 0x7FFFFFFF);
    expect_bad_image(parse_cpio(archive), "data of 'bin/x' (2147483647 bytes) runs past the end of the archive");
    put_field(archive, 0, kFieldFileSize, 0xFFFFFFFF);
    expect_bad_image(parse_cpio(archive), "runs past the end");
}

TEST(CpioCorrupt, MissingTrailer) {
    std::vector<CpioEntry> one = {file_entry("bin/x", "0123")};
    auto archive = write_cpio(one);
    archive.resize(archive.size() - 124);  // drop the trailer entry exactly
    expect_bad_image(parse_cpio(archive), "without a TRAILER!!! entry");
}

TEST(CpioCorrupt, EveryTruncationOfARealArchiveIsAClearError) {
    auto real = read_env_file("FORKSCOPE_TEST_SMALL_CPIO");
    if (real.empty()) real = sample_archive();
    for (size_t n = 0; n < real.size(); n++) {
        std::span<const uint8_t> cut(real.data(), n);
        auto r = parse_cpio(cut, "initramfs");
        ASSERT_FALSE(r.ok()) << "a truncation to " << n << " of " << real.size() << " bytes parsed";
        EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
        EXPECT_EQ(r.error().message.rfind("initramfs: ", 0), 0u) << r.error().message;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    }
}

TEST(CpioCorrupt, TruncationsOfTheRealInitramfsAreClearErrors) {
    auto real = read_env_file("FORKSCOPE_TEST_INITRAMFS");
    if (real.empty()) GTEST_SKIP() << "FORKSCOPE_TEST_INITRAMFS is not set (run through meson test)";
    // Every length in the first 16 KiB (headers, names, the first files), then a stride
    // that is prime to the 4-byte alignment, so cuts land everywhere in an entry.
    for (size_t n = 0; n < real.size(); n += n < 16384 ? 1 : 4093) {
        auto r = parse_cpio(std::span<const uint8_t>(real.data(), n));
        ASSERT_FALSE(r.ok()) << "a truncation to " << n << " bytes parsed";
        EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
    }
    for (size_t n = real.size() - 130; n < real.size(); n++)  // inside the trailer entry
        EXPECT_FALSE(parse_cpio(std::span<const uint8_t>(real.data(), n)).ok()) << n;
}

TEST(CpioCorrupt, RandomDamageNeverCrashes) {
    auto real = read_env_file("FORKSCOPE_TEST_SMALL_CPIO");
    if (real.empty()) real = sample_archive();
    std::mt19937 rng(12345);
    int parsed = 0, refused = 0;
    for (int round = 0; round < 20000; round++) {
        auto damaged = real;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < flips; i++) {
            size_t at = rng() % damaged.size();
            // Hex digits and header characters matter most: use them half of the time.
            static const char kChars[] = "0123456789ABCDEFabcdefXg\0\xff";
            damaged[at] = (rng() & 1) ? static_cast<uint8_t>(kChars[rng() % (sizeof kChars - 1)]) : static_cast<uint8_t>(rng());
        }
        if (rng() % 4 == 0) damaged.resize(rng() % damaged.size());
        auto r = parse_cpio(damaged);
        if (r.ok()) {
            parsed++;
            // Whatever parses, writes and parses again to the same entries.
            auto again = parse_cpio(write_cpio(*r));
            ASSERT_TRUE(again.ok()) << again.error().message;
            EXPECT_EQ(again->size(), r->size());
        } else {
            refused++;
            EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
            EXPECT_FALSE(r.error().message.empty());
        }
    }
    EXPECT_GT(refused, 0);
    EXPECT_GT(parsed, 0);  // data bytes can change without breaking the structure
}

}  // namespace
}  // namespace forkscope
