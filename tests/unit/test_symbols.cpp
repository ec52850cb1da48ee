// KernelSymbols on the real guest kernel (FORKSCOPE_TEST_KERNEL), checked against the
// host's nm, and on malformed input: not ELF, truncated, stripped (FORKSCOPE_TEST_
// STRIPPED_KERNEL), and a small i386 program with two static functions of the same name
// (FORKSCOPE_TEST_SAME_NAME_ELF).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "emulator/symbols.h"

namespace forkscope::testing {
namespace {

std::vector<uint8_t> read_file(const char* path) {
    std::ifstream f(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

struct NmSymbol {
    uint32_t address = 0;
    char type = 0;
};

// Every symbol of the file as binutils' nm sees it (an independent reader).
std::multimap<std::string, NmSymbol> nm(const char* path) {
    std::multimap<std::string, NmSymbol> out;
    std::string cmd = std::string("nm ") + path;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    char line[512];
    while (std::fgets(line, sizeof line, p)) {
        unsigned long addr = 0;
        char type = 0, sym[400] = {};
        if (std::sscanf(line, "%lx %c %399s", &addr, &type, sym) == 3)
            out.emplace(sym, NmSymbol{static_cast<uint32_t>(addr), type});
    }
    ::pclose(p);
    return out;
}

class KernelSymbolsTest : public ::testing::Test {
protected:
    void SetUp() override {
        path = std::getenv("FORKSCOPE_TEST_KERNEL");
        if (!path) GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL is not set (run through meson test)";
        auto s = KernelSymbols::read(read_file(path));
        ASSERT_TRUE(s.ok()) << s.error().message;
        symbols = std::move(*s);
        by_nm = nm(path);
        ASSERT_FALSE(by_nm.empty());
    }

    uint32_t nm_address(const std::string& name) {
        auto it = by_nm.find(name);
        return it == by_nm.end() ? 0 : it->second.address;
    }

    const char* path = nullptr;
    KernelSymbols symbols;
    std::multimap<std::string, NmSymbol> by_nm;
};

TEST_F(KernelSymbolsTest, StaticFunctionHasNmsAddressASizeAndItsFile) {
    auto s = symbols.lookup("copy_process");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->address, nm_address("copy_process"));
    EXPECT_EQ(by_nm.find("copy_process")->second.type, 't');  // static: nm's lower case
    EXPECT_TRUE(s->function);
    EXPECT_FALSE(s->global);
    EXPECT_GT(s->size, 16u);
    EXPECT_EQ(s->file, "fork.c");
}

TEST_F(KernelSymbolsTest, GlobalFunctionAndObject) {
    auto fork = symbols.lookup("do_fork");
    ASSERT_TRUE(fork.ok()) << fork.error().message;
    EXPECT_EQ(fork->address, nm_address("do_fork"));
    EXPECT_TRUE(fork->function);
    EXPECT_TRUE(fork->global);
    EXPECT_TRUE(fork->file.empty());

    auto current = symbols.lookup("current_task");
    ASSERT_TRUE(current.ok()) << current.error().message;
    EXPECT_EQ(current->address, nm_address("current_task"));
    EXPECT_FALSE(current->function);
    EXPECT_EQ(current->size, 4u);  // a pointer
}

// Every FUNC and OBJECT symbol of the kernel agrees with nm, and nm's text and data
// symbols are all found (the ones nm shows that are no FUNC or OBJECT: assembler labels).
TEST_F(KernelSymbolsTest, EveryFunctionAndObjectAgreesWithNm) {
    ASSERT_GT(symbols.all().size(), 200u);
    for (const KernelSymbol& s : symbols.all()) {
        bool found = false;
        auto [lo, hi] = by_nm.equal_range(s.name);
        for (auto it = lo; it != hi; ++it) found = found || it->second.address == s.address;
        EXPECT_TRUE(found) << s.name << " at " << std::hex << s.address;
    }
}

TEST_F(KernelSymbolsTest, SymbolizeNamesTheFunctionAndTheOffset) {
    const uint32_t at = nm_address("copy_process");
    ASSERT_NE(at, 0u);
    EXPECT_EQ(symbols.symbolize(at), "copy_process");
    EXPECT_EQ(symbols.symbolize(at + 0x1c), "copy_process+0x1c");
    auto s = symbols.lookup("copy_process");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(symbols.symbolize(at + s->size - 1).rfind("copy_process+0x", 0), 0u);
    EXPECT_NE(symbols.symbolize(at + s->size).rfind("copy_process", 0), 0u);  // the next one
    EXPECT_EQ(symbols.symbolize(0x10), "0x00000010");                         // nothing there
    const uint32_t current = nm_address("current_task");
    EXPECT_EQ(symbols.symbolize(current + 2), "current_task+0x2");
}

TEST_F(KernelSymbolsTest, UnknownNameSuggestsTheCloseOne) {
    auto s = symbols.lookup("copy_proces");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::Usage);
    EXPECT_EQ(s.error().message, "unknown kernel symbol 'copy_proces' (did you mean copy_process?)");

    s = symbols.lookup("do_forc");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("(did you mean do_fork"), std::string::npos) << s.error().message;
}

TEST_F(KernelSymbolsTest, SuggestionsAreAtMostFourAndStartWithTheClosest) {
    // "copy_" starts a dozen names: four are offered.
    auto s = symbols.lookup("copy_");
    ASSERT_FALSE(s.ok());
    const std::string& m = s.error().message;
    ASSERT_NE(m.find("did you mean "), std::string::npos) << m;
    const std::string list = m.substr(m.find("did you mean ") + 13);
    size_t names = 1;
    for (size_t i = 0; i < list.size(); ++i)
        if (list[i] == ',' || list.compare(i, 4, " or ") == 0) ++names;
    EXPECT_LE(names, 4u) << m;
    EXPECT_GE(names, 2u) << m;

    s = symbols.lookup("zzzz_no_such_thing_qqqq");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, "unknown kernel symbol 'zzzz_no_such_thing_qqqq'");
}

TEST(KernelSymbolsMalformed, NotAnElfFile) {
    const std::string text = "this is not an ELF file at all, just some text";
    auto s = KernelSymbols::read(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::BadImage);
    EXPECT_NE(s.error().message.find("not an ELF file"), std::string::npos) << s.error().message;

    s = KernelSymbols::read({});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::BadImage);
}

TEST(KernelSymbolsMalformed, SixtyFourBitElfIsRefused) {
    // This test executable is an ELF64 file on the x86-64 host.
    auto self = read_file("/proc/self/exe");
    ASSERT_GT(self.size(), 64u);
    auto s = KernelSymbols::read(self);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::BadImage);
    EXPECT_NE(s.error().message.find("not an ELF32 file"), std::string::npos) << s.error().message;
}

TEST(KernelSymbolsMalformed, TruncatedKernel) {
    const char* path = std::getenv("FORKSCOPE_TEST_KERNEL");
    if (!path) GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL is not set";
    auto bytes = read_file(path);
    ASSERT_GT(bytes.size(), 8192u);
    for (size_t keep : {size_t{20}, size_t{52}, size_t{4096}, bytes.size() / 2, bytes.size() - 100}) {
        std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(keep));
        auto s = KernelSymbols::read(cut);
        ASSERT_FALSE(s.ok()) << "kept " << keep << " bytes";
        EXPECT_EQ(s.error().kind, ErrorKind::BadImage);
        EXPECT_FALSE(s.error().message.empty());
    }
}

TEST(KernelSymbolsMalformed, StrippedKernelHasNoSymtab) {
    const char* path = std::getenv("FORKSCOPE_TEST_STRIPPED_KERNEL");
    if (!path) GTEST_SKIP() << "FORKSCOPE_TEST_STRIPPED_KERNEL is not set";
    auto s = KernelSymbols::read(read_file(path));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::BadImage);
    EXPECT_EQ(s.error().message, "kernel symbols: the kernel image has no .symtab (stripped?)");
}

TEST(KernelSymbolsAmbiguous, TwoStaticFunctionsOfOneNameAreListed) {
    const char* path = std::getenv("FORKSCOPE_TEST_SAME_NAME_ELF");
    if (!path) GTEST_SKIP() << "FORKSCOPE_TEST_SAME_NAME_ELF is not set";
    auto symbols = KernelSymbols::read(read_file(path));
    ASSERT_TRUE(symbols.ok()) << symbols.error().message;
    auto by_nm = nm(path);
    ASSERT_EQ(by_nm.count("helper"), 2u);
    auto [lo, hi] = by_nm.equal_range("helper");
    char a[16], b[16];
    std::snprintf(a, sizeof a, "0x%08x", lo->second.address);
    std::snprintf(b, sizeof b, "0x%08x", std::next(lo)->second.address);
    (void)hi;

    auto s = symbols->lookup("helper");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().kind, ErrorKind::Usage);
    const std::string& m = s.error().message;
    EXPECT_EQ(m.rfind("kernel symbol 'helper' is ambiguous: ", 0), 0u) << m;
    EXPECT_NE(m.find(a), std::string::npos) << m;
    EXPECT_NE(m.find(b), std::string::npos) << m;
    EXPECT_NE(m.find("(same_name_a.c)"), std::string::npos) << m;
    EXPECT_NE(m.find("(same_name_b.c)"), std::string::npos) << m;

    // The functions that call them are unique; a helper's address symbolizes to it.
    auto first = symbols->lookup("first");
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ(first->address, by_nm.find("first")->second.address);
    EXPECT_EQ(symbols->symbolize(lo->second.address + 1), "helper+0x1");
}

}  // namespace
}  // namespace forkscope::testing
