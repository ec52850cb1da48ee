// The record of what a page of code held under its translations (emulator/code_page.h):
// only covered bytes count, at any alignment, and reset forgets them all.
#include "emulator/code_page.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace forkscope {
namespace {

class CodePageTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (uint32_t i = 0; i < CodePage::kSize; ++i) ram[i] = static_cast<uint8_t>(i * 7);
    }
    std::array<uint8_t, CodePage::kSize> ram{};
    CodePage page;
};

TEST_F(CodePageTest, NothingCoveredIsUnchangedWhateverTheBytes) {
    ram.fill(0xcc);
    EXPECT_TRUE(page.unchanged(ram.data()));
}

TEST_F(CodePageTest, AChangeUnderATranslationIsSeenAtEveryByte) {
    page.cover(ram.data(), 13, 9);  // bytes 13..21, across an 8-byte group
    EXPECT_TRUE(page.unchanged(ram.data()));
    for (uint32_t i = 13; i < 22; ++i) {
        SCOPED_TRACE(i);
        ram[i] ^= 0x01;
        EXPECT_FALSE(page.unchanged(ram.data()));
        ram[i] ^= 0x01;
    }
    EXPECT_TRUE(page.unchanged(ram.data()));
}

TEST_F(CodePageTest, DataBesideATranslationMayChange) {
    page.cover(ram.data(), 13, 9);
    for (uint32_t i : {0u, 12u, 22u, 23u, 64u, 4095u}) ram[i] ^= 0xff;
    EXPECT_TRUE(page.unchanged(ram.data()));
}

TEST_F(CodePageTest, ABlockMadeLaterIsComparedWithTheBytesItWasMadeFrom) {
    page.cover(ram.data(), 0, 4);
    ram[4000] = 0x90;  // data, then code translated there
    page.cover(ram.data(), 4000, 96);  // to the page's end
    EXPECT_TRUE(page.unchanged(ram.data()));
    ram[4095] ^= 0x80;
    EXPECT_FALSE(page.unchanged(ram.data()));
}

TEST_F(CodePageTest, ResetForgetsEveryTranslation) {
    page.cover(ram.data(), 100, 50);
    ram[120] = ~ram[120];
    ASSERT_FALSE(page.unchanged(ram.data()));
    page.reset();
    EXPECT_TRUE(page.unchanged(ram.data()));
}

}  // namespace
}  // namespace forkscope
