// SourceMap on the real guest kernel: the lines of copy_process in kernel/fork.c, read
// from the kernel's DWARF line table and checked against the source file itself.
// FORKSCOPE_TEST_KERNEL names the kernel, FORKSCOPE_TEST_STRIPPED_KERNEL the same kernel
// without symbols or debug information.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "emulator/debug/source_map.h"
#include "emulator/symbols.h"
#include "tests/unit/image_fixture.h"

namespace forkscope::testing {
namespace {

class SourceMapTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL")) GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL is not set (run through meson test)";
        const std::vector<uint8_t> kernel = read_file("FORKSCOPE_TEST_KERNEL");
        auto map = SourceMap::read(kernel, "kernel.elf");
        ASSERT_TRUE(map.ok()) << map.error().message;
        source = std::make_unique<SourceMap>(std::move(*map));
        auto syms = KernelSymbols::read(kernel);
        ASSERT_TRUE(syms.ok()) << syms.error().message;
        auto sym = syms->lookup("copy_process");
        ASSERT_TRUE(sym.ok()) << sym.error().message;
        copy_process = *sym;
    }

    std::unique_ptr<SourceMap> source;
    KernelSymbol copy_process;
};

// At copy_process's first instruction the line table has rows for the opening brace,
// the declarations and the first statement, all at one address (the compiler moved the
// prologue's work): as gdb, the line shown is the last statement there, the body's
// first `if`, not the brace.
TEST_F(SourceMapTest, TheFirstInstructionOfCopyProcessShowsItsFirstStatementAsGdbDoes) {
    auto at = source->line_of(copy_process.address);
    ASSERT_TRUE(at);
    EXPECT_TRUE(at->file.ends_with("/guestkernel/kernel/fork.c")) << at->file;
    const int definition = line_containing(at->file, "*copy_process(unsigned long clone_flags");
    const int first_if = line_containing(at->file, "if ((clone_flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))");
    ASSERT_GT(definition, 0);
    ASSERT_GT(first_if, definition);
    EXPECT_EQ(at->line, first_if) << at->file << ":" << at->line << ": " << source_line(at->file, at->line);
    const auto functions = source->functions_at(copy_process.address);
    ASSERT_FALSE(functions.empty());
    EXPECT_EQ(functions.back(), "copy_process");
}

TEST_F(SourceMapTest, InlinedFunctionsAreNamedInnermostFirst) {
    bool inlined = false;
    for (uint32_t a = copy_process.address; a < copy_process.address + copy_process.size && !inlined; ++a) {
        const auto functions = source->functions_at(a);
        ASSERT_FALSE(functions.empty()) << std::hex << a;
        EXPECT_EQ(functions.back(), "copy_process") << std::hex << a;
        inlined = functions.size() >= 2;
    }
    EXPECT_TRUE(inlined) << "no inlined call in copy_process (static inline helpers are expected there)";
}

TEST_F(SourceMapTest, ALineOfCopyProcessHasCodeInsideIt) {
    auto first = source->line_of(copy_process.address);
    ASSERT_TRUE(first);
    const int line = line_containing(first->file, "p = dup_task_struct(current);");
    ASSERT_GT(line, first->line);
    for (const char* name : {"fork.c", "kernel/fork.c"}) {
        auto addrs = source->addresses_of(name, line);
        ASSERT_TRUE(addrs.ok()) << addrs.error().message;
        ASSERT_FALSE(addrs->empty());
        for (uint32_t a : *addrs) {
            EXPECT_GE(a, copy_process.address);
            EXPECT_LT(a, copy_process.address + copy_process.size);
            auto back = source->line_of(a);
            ASSERT_TRUE(back);
            EXPECT_EQ(back->line, line);
        }
    }
}

TEST_F(SourceMapTest, LinesWithoutCodeAndUnknownFilesAreNamed) {
    auto none = source->addresses_of("fork.c", 1);  // the file's opening comment
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().kind, ErrorKind::Usage);
    EXPECT_NE(none.error().message.find("no code at fork.c:1 (the nearest lines with code: "), std::string::npos)
        << none.error().message;
    auto missing = source->addresses_of("nosuch.c", 5);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "no source file 'nosuch.c' in kernel.elf");
    EXPECT_FALSE(source->has_file("nosuch.c"));
    EXPECT_TRUE(source->has_file("fork.c"));
    EXPECT_TRUE(source->has_file("kernel/fork.c"));
    EXPECT_FALSE(source->has_file("ork.c"));
    auto partial = source->addresses_of("ork.c", 500);  // whole path components only
    EXPECT_FALSE(partial.ok());
    EXPECT_FALSE(source->line_of(0x1000));
    EXPECT_TRUE(source->functions_at(0x1000).empty());
}

TEST(SourceMapInput, KernelsWithoutDebugInformationAreRefused) {
    auto junk = SourceMap::read(std::vector<uint8_t>(64, 0), "junk");
    ASSERT_FALSE(junk.ok());
    EXPECT_EQ(junk.error().message, "junk: not an ELF file");
    if (!std::getenv("FORKSCOPE_TEST_STRIPPED_KERNEL")) GTEST_SKIP() << "FORKSCOPE_TEST_STRIPPED_KERNEL is not set";
    auto stripped = SourceMap::read(read_file("FORKSCOPE_TEST_STRIPPED_KERNEL"), "kernel-stripped.elf");
    ASSERT_FALSE(stripped.ok());
    EXPECT_EQ(stripped.error().kind, ErrorKind::BadImage);
    EXPECT_NE(stripped.error().message.find("has no debug information"), std::string::npos) << stripped.error().message;
}

}  // namespace
}  // namespace forkscope::testing
