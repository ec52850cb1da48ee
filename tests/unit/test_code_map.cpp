// CodeMap: a user program's symbols, lines and variables, read from its file or, for a
// file stripped of its debug information (the initramfs's), from a full copy in a
// debug folder that loads the same bytes; which program a user address belongs to in
// the running task; and breakpoints in a program that stop only in it (init and
// forktest both have main at the same address).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "emulator/cpu.h"
#include "emulator/debug/breakpoints.h"
#include "emulator/debug/code_map.h"
#include "emulator/debug/source_map.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/machine.h"
#include "emulator/symbols.h"
#include "tests/unit/image_fixture.h"

namespace forkscope::testing {
namespace {

class CodeMapTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* env : {"FORKSCOPE_TEST_KERNEL", "FORKSCOPE_TEST_INITRAMFS", "FORKSCOPE_TEST_FULL_FORKTEST",
                                "FORKSCOPE_TEST_STRIPPED_FORKTEST", "FORKSCOPE_TEST_FULL_INIT", "FORKSCOPE_TEST_PROGRAMS_DIR"})
            if (!std::getenv(env)) GTEST_SKIP() << env << " is not set (run through meson test)";
        kernel = read_file("FORKSCOPE_TEST_KERNEL");
        full = read_file("FORKSCOPE_TEST_FULL_FORKTEST");
        stripped = read_file("FORKSCOPE_TEST_STRIPPED_FORKTEST");
        init = read_file("FORKSCOPE_TEST_FULL_INIT");
        programs_dir = std::getenv("FORKSCOPE_TEST_PROGRAMS_DIR");
        auto syms = KernelSymbols::read(kernel);
        ASSERT_TRUE(syms.ok()) << syms.error().message;
        kernel_symbols = std::make_unique<KernelSymbols>(std::move(*syms));
    }

    // A map whose guest files are `files`, with these debug folders.
    std::unique_ptr<CodeMap> map_of(std::map<std::string, std::vector<uint8_t>> files, std::vector<std::string> dirs) {
        auto map = std::make_unique<CodeMap>("kernel.elf", *kernel_symbols, nullptr, 0xc0000000u);
        map->set_user_files(
            [files = std::move(files)](const std::string& path) -> std::optional<std::vector<uint8_t>> {
                auto it = files.find(path);
                if (it == files.end()) return std::nullopt;
                return it->second;
            },
            std::move(dirs));
        return map;
    }

    std::vector<uint8_t> kernel, full, stripped, init;
    std::string programs_dir;
    std::unique_ptr<KernelSymbols> kernel_symbols;
};

TEST_F(CodeMapTest, StrippedAndFullFilesLoadTheSameBytes) {
    ASSERT_LT(stripped.size(), full.size());  // the initramfs's copy really is stripped
    EXPECT_TRUE(same_loaded_bytes(full, stripped));
    EXPECT_TRUE(same_loaded_bytes(stripped, full));
    EXPECT_FALSE(same_loaded_bytes(full, init));
    EXPECT_FALSE(same_loaded_bytes(full, std::vector<uint8_t>(full.begin(), full.begin() + 100)));
    EXPECT_FALSE(same_loaded_bytes(full, std::vector<uint8_t>(64, 0)));
    std::vector<uint8_t> patched = stripped;  // one byte of code changed
    patched[patched.size() / 3] ^= 0xff;
    EXPECT_FALSE(same_loaded_bytes(full, patched));
}

TEST_F(CodeMapTest, AStrippedProgramGetsItsLinesFromTheDebugFolder) {
    auto without = map_of({{"/bin/forktest", stripped}}, {});
    auto bare = without->image("/bin/forktest");
    ASSERT_TRUE(bare);
    EXPECT_TRUE(bare->user);
    ASSERT_NE(bare->symbols, nullptr);  // --strip-debug keeps the symbol table
    EXPECT_EQ(bare->source, nullptr);
    EXPECT_EQ(bare->debug_info, nullptr);
    EXPECT_NE(bare->note.find("/bin/forktest: has no debug information"), std::string::npos) << bare->note;

    auto with = map_of({{"/bin/forktest", stripped}}, {"/nonexistent", programs_dir});
    auto image = with->image("/bin/forktest");
    ASSERT_TRUE(image);
    ASSERT_NE(image->source, nullptr);
    EXPECT_NE(image->debug_info, nullptr);
    EXPECT_TRUE(image->note.empty());
    auto main_fn = image->symbols->lookup("main");
    ASSERT_TRUE(main_fn.ok()) << main_fn.error().message;
    auto line = image->source->line_of(main_fn->address);
    ASSERT_TRUE(line);
    EXPECT_TRUE(line->file.ends_with("images/programs/forktest.c")) << line->file;
    EXPECT_TRUE(image->source->has_file("forktest.c"));
}

TEST_F(CodeMapTest, ADebugFileThatLoadsOtherBytesIsNotUsed) {
    const auto dir = std::filesystem::temp_directory_path() / ("forkscope-code-map-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        std::ofstream f(dir / "forktest", std::ios::binary);  // init's full file, under forktest's name
        f.write(reinterpret_cast<const char*>(init.data()), static_cast<std::streamsize>(init.size()));
    }
    auto map = map_of({{"/bin/forktest", stripped}}, {dir.string()});
    auto image = map->image("/bin/forktest");
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(image);
    EXPECT_EQ(image->source, nullptr);
}

TEST_F(CodeMapTest, UnreadableAndNonElfFilesHaveNoImage) {
    auto map = map_of({{"/etc/motd", {'h', 'i', '\n'}}}, {programs_dir});
    EXPECT_FALSE(map->image("/bin/nosuch"));
    EXPECT_FALSE(map->image("/etc/motd"));
    EXPECT_FALSE(map->image("/etc/motd"));  // asked again: still none, from what was kept
}

// Both init and forktest have main at the same address: what the running task maps
// there says whose it is, and a breakpoint in forktest's main lets init's pass.
TEST_F(CodeMapTest, TheRunningTaskSaysWhichProgramAnAddressIsIn) {
    auto map = map_of({{"/bin/forktest", stripped}, {"/bin/init", init}}, {programs_dir});
    auto forktest = map->image("/bin/forktest");
    ASSERT_TRUE(forktest);
    const uint32_t main_address = forktest->symbols->lookup("main")->address;
    auto init_image = map->image("/bin/init");
    ASSERT_TRUE(init_image);
    ASSERT_EQ(init_image->symbols->lookup("main")->address, main_address);

    auto m = boot_image("/bin/forktest", {}, 500'000'000);
    ASSERT_TRUE(m.ok()) << m.error().message;
    std::unique_ptr<Machine> machine = std::move(*m);
    auto info = KernelInfo::read(kernel);
    ASSERT_TRUE(info.ok());
    auto view = KernelView::create(*info, machine->walker());
    ASSERT_TRUE(view.ok()) << view.error().message;
    {
        BreakpointTable table(*machine, *kernel_symbols, nullptr);
        table.set_program(forktest);
        std::string image;
        auto addrs = table.resolve("main", &image);
        ASSERT_TRUE(addrs.ok()) << addrs.error().message;
        EXPECT_EQ(*addrs, std::vector<uint32_t>{main_address});
        EXPECT_EQ(image, "/bin/forktest");
        auto b = table.add("main");
        ASSERT_TRUE(b.ok());
        EXPECT_EQ((*b)->image, "/bin/forktest");
        EXPECT_TRUE(table.has_user_breakpoints());
        auto no = table.resolve("nosuch_function_here");
        ASSERT_FALSE(no.ok());

        std::vector<std::string> seen;  // the programs main's address was reached in, in order
        std::optional<Breakpoint> hit;
        while (!hit) {
            auto stop = machine->resume();
            ASSERT_TRUE(stop.ok()) << stop.error().message;
            ASSERT_NE(stop->kind, MachineStopKind::Exited);
            if (stop->kind != MachineStopKind::AtStopAddress) continue;
            const CpuRegisters r = machine->cpu().registers();
            const PagingMode mode{r.cr0, r.cr3, r.cr4};
            map->forget_mappings();
            auto code = map->at(*view, mode, stop->eip);
            ASSERT_TRUE(code);
            seen.push_back(code->name);
            EXPECT_EQ(map->file_at(*view, mode, stop->eip), code->name);
            hit = table.hit(stop->eip, code->name);
            if (!hit) continue;
            EXPECT_EQ(view->current_task(mode)->comm, "forktest");
            auto kernel_code = map->at(*view, mode, 0xc0100000u);
            ASSERT_TRUE(kernel_code);
            EXPECT_EQ(kernel_code->name, "kernel.elf");
            EXPECT_FALSE(kernel_code->user);
            auto line = code->source->line_of(stop->eip);
            ASSERT_TRUE(line);
            EXPECT_TRUE(line->file.ends_with("forktest.c"));
        }
        EXPECT_EQ(seen, (std::vector<std::string>{"/bin/init", "/bin/forktest"}));
        EXPECT_EQ(hit->hits, 1u);  // init's pass was not the breakpoint's
    }
}

}  // namespace
}  // namespace forkscope::testing
