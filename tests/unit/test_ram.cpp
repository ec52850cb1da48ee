// Ram: creation limits, bounds-checked read/write/fill (including ranges that cross the
// end and lengths that would overflow), the unchecked little-endian accessors, and moves.
#include "emulator/ram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace forkscope {
namespace {

constexpr uint64_t kKiB = 1024, kMiB = 1024 * 1024;
constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();

Ram make_ram(uint64_t bytes) {
    auto r = Ram::create(bytes);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return std::move(r.value());
}

// ---- create -------------------------------------------------------------------------

TEST(RamCreate, ZeroBytesIsAUsageError) {
    auto r = Ram::create(0);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Usage);
    EXPECT_NE(r.error().message.find("greater than 0"), std::string::npos) << r.error().message;
}

TEST(RamCreate, SizeThatIsNotAMultipleOf4KiBIsAUsageError) {
    for (uint64_t bytes : {uint64_t{1}, uint64_t{4095}, uint64_t{4097}, 1 * kMiB + 1, 64 * kMiB - 512, kMax64}) {
        auto r = Ram::create(bytes);
        ASSERT_FALSE(r.ok()) << bytes;
        EXPECT_EQ(r.error().kind, ErrorKind::Usage) << bytes;
        EXPECT_NE(r.error().message.find("multiple of 4 KiB"), std::string::npos) << r.error().message;
    }
}

TEST(RamCreate, SizeAboveTheMaximumIsAUsageError) {
    for (uint64_t bytes : {Ram::kMaxBytes + 4 * kKiB, Ram::kMaxBytes * 2, uint64_t{4} << 30, uint64_t{1} << 40,
                           kMax64 & ~uint64_t{4095}}) {
        auto r = Ram::create(bytes);
        ASSERT_FALSE(r.ok()) << bytes;
        EXPECT_EQ(r.error().kind, ErrorKind::Usage) << bytes;
        EXPECT_NE(r.error().message.find("too large"), std::string::npos) << r.error().message;
    }
}

TEST(RamCreate, TheMaximumIsAcceptedOrRefusedAsMoreThanTheHostHas) {
    // 3 GiB of lazily mapped memory: fine on most hosts, a Usage error on small ones.
    auto r = Ram::create(Ram::kMaxBytes);
    if (r.ok()) {
        EXPECT_EQ(r->size(), Ram::kMaxBytes);
        EXPECT_NE(r->data(), nullptr);
    } else {
        EXPECT_EQ(r.error().kind, ErrorKind::Usage);
        EXPECT_NE(r.error().message.find("more than this host has"), std::string::npos) << r.error().message;
    }
}

TEST(RamCreate, SmallestSizeIsOnePage) {
    Ram ram = make_ram(4 * kKiB);
    EXPECT_EQ(ram.size(), 4 * kKiB);
    ASSERT_NE(ram.data(), nullptr);
}

TEST(RamCreate, NewRamIsZeroed) {
    Ram ram = make_ram(1 * kMiB);
    ASSERT_EQ(ram.size(), 1 * kMiB);
    for (uint64_t i = 0; i < ram.size(); i += 509) EXPECT_EQ(ram.data()[i], 0) << i;
    EXPECT_EQ(ram.data()[ram.size() - 1], 0);
}

// ---- contains -----------------------------------------------------------------------

TEST(RamContains, RangesInsideAtTheEdgesAndOutside) {
    Ram ram = make_ram(64 * kKiB);
    const uint64_t n = ram.size();
    EXPECT_TRUE(ram.contains(0, 0));
    EXPECT_TRUE(ram.contains(0, n));
    EXPECT_TRUE(ram.contains(n - 1, 1));
    EXPECT_TRUE(ram.contains(n, 0));  // the empty range at the end
    EXPECT_FALSE(ram.contains(0, n + 1));
    EXPECT_FALSE(ram.contains(n - 1, 2));
    EXPECT_FALSE(ram.contains(n, 1));
    EXPECT_FALSE(ram.contains(n + 1, 0));
    // No overflow in paddr + length.
    EXPECT_FALSE(ram.contains(1, kMax64));
    EXPECT_FALSE(ram.contains(kMax64, 1));
    EXPECT_FALSE(ram.contains(kMax64, 0));
    EXPECT_FALSE(ram.contains(kMax64 - 3, 4));
    EXPECT_FALSE(ram.contains(n - 4, kMax64 - n + 8));  // sum wraps to a small number
}

// ---- read / write / fill -------------------------------------------------------------

class RamAccess : public ::testing::Test {
protected:
    void SetUp() override {
        auto r = Ram::create(64 * kKiB);
        ASSERT_TRUE(r.ok());
        ram = std::make_unique<Ram>(std::move(r.value()));
        for (uint64_t i = 0; i < ram->size(); ++i) ram->data()[i] = static_cast<uint8_t>(i * 7 + 3);
        snapshot.assign(ram->data(), ram->data() + ram->size());
    }
    bool unchanged() const { return std::equal(snapshot.begin(), snapshot.end(), ram->data()); }
    static void expect_range_error(const Result<void>& r) {
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
        EXPECT_NE(r.error().message.find("outside RAM"), std::string::npos) << r.error().message;
    }

    std::unique_ptr<Ram> ram;
    std::vector<uint8_t> snapshot;
};

TEST_F(RamAccess, WriteThenReadBack) {
    const std::array<uint8_t, 5> in{1, 2, 3, 4, 5};
    ASSERT_TRUE(ram->write(0x1234, in).ok());
    std::array<uint8_t, 5> out{};
    ASSERT_TRUE(ram->read(0x1234, out).ok());
    EXPECT_EQ(in, out);
    EXPECT_EQ(ram->data()[0x1233], snapshot[0x1233]);
    EXPECT_EQ(ram->data()[0x1239], snapshot[0x1239]);
}

TEST_F(RamAccess, AccessesThatEndExactlyAtTheEndSucceed) {
    const uint64_t n = ram->size();
    const std::array<uint8_t, 4> in{0xde, 0xad, 0xbe, 0xef};
    ASSERT_TRUE(ram->write(n - 4, in).ok());
    std::array<uint8_t, 4> out{};
    ASSERT_TRUE(ram->read(n - 4, out).ok());
    EXPECT_EQ(in, out);
    ASSERT_TRUE(ram->fill(n - 16, 16, 0xaa).ok());
    EXPECT_EQ(ram->data()[n - 1], 0xaa);
    EXPECT_EQ(ram->data()[n - 16], 0xaa);
    EXPECT_EQ(ram->data()[n - 17], snapshot[n - 17]);
}

TEST_F(RamAccess, WholeRamFill) {
    ASSERT_TRUE(ram->fill(0, ram->size(), 0x5c).ok());
    for (uint64_t i = 0; i < ram->size(); i += 97) EXPECT_EQ(ram->data()[i], 0x5c);
}

TEST_F(RamAccess, EmptyAccessesInsideAndAtTheEndSucceedAndChangeNothing) {
    const uint64_t n = ram->size();
    EXPECT_TRUE(ram->write(0, {}).ok());
    EXPECT_TRUE(ram->write(n, {}).ok());
    EXPECT_TRUE(ram->read(n, {}).ok());
    EXPECT_TRUE(ram->fill(n, 0, 0xff).ok());
    EXPECT_TRUE(unchanged());
}

TEST_F(RamAccess, EmptyAccessesPastTheEndFail) {
    const uint64_t n = ram->size();
    expect_range_error(ram->write(n + 1, {}));
    expect_range_error(ram->read(n + 1, {}));
    expect_range_error(ram->fill(kMax64, 0, 0));
}

TEST_F(RamAccess, RangesCrossingTheEndFailAndWriteNothing) {
    const uint64_t n = ram->size();
    const std::array<uint8_t, 8> in{1, 2, 3, 4, 5, 6, 7, 8};
    expect_range_error(ram->write(n - 4, in));
    expect_range_error(ram->write(n - 7, in));
    expect_range_error(ram->fill(n - 1, 2, 0xee));
    expect_range_error(ram->fill(0, n + 1, 0xee));
    EXPECT_TRUE(unchanged());
    std::array<uint8_t, 8> out{9, 9, 9, 9, 9, 9, 9, 9};
    expect_range_error(ram->read(n - 4, out));
    EXPECT_EQ(out[0], 9) << "a failed read must not fill part of the buffer";
}

TEST_F(RamAccess, RangesStartingPastTheEndFail) {
    const uint64_t n = ram->size();
    std::array<uint8_t, 1> one{0x42};
    expect_range_error(ram->write(n, one));
    expect_range_error(ram->read(n, one));
    expect_range_error(ram->fill(n, 1, 0));
    expect_range_error(ram->write(uint64_t{1} << 32, one));
    expect_range_error(ram->write(kMax64, one));
    expect_range_error(ram->read(kMax64, one));
    EXPECT_TRUE(unchanged());
}

TEST_F(RamAccess, HugeLengthsDoNotOverflow) {
    // paddr + length wraps around 2^64 to a small number: must still be refused.
    expect_range_error(ram->fill(0x10, kMax64, 0xcc));
    expect_range_error(ram->fill(1, kMax64, 0xcc));
    expect_range_error(ram->fill(ram->size() - 1, kMax64 - ram->size() + 2, 0xcc));
    expect_range_error(ram->fill(kMax64 - 1, 4, 0xcc));
    std::array<uint8_t, 4> buf{};
    expect_range_error(ram->read(kMax64 - 1, buf));
    expect_range_error(ram->write(kMax64 - 2, buf));
    EXPECT_TRUE(unchanged());
}

TEST_F(RamAccess, ErrorMessageNamesTheRange) {
    std::array<uint8_t, 8> buf{};
    auto r = ram->read(ram->size() - 4, buf);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(std::to_string(ram->size() - 4)), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(std::to_string(ram->size())), std::string::npos) << r.error().message;
}

// ---- load32 / store32 -----------------------------------------------------------------

TEST_F(RamAccess, Store32IsLittleEndian) {
    ram->store32(0x100, 0x11223344u);
    EXPECT_EQ(ram->data()[0x100], 0x44);
    EXPECT_EQ(ram->data()[0x101], 0x33);
    EXPECT_EQ(ram->data()[0x102], 0x22);
    EXPECT_EQ(ram->data()[0x103], 0x11);
    EXPECT_EQ(ram->data()[0x104], snapshot[0x104]);
    EXPECT_EQ(ram->load32(0x100), 0x11223344u);
}

TEST_F(RamAccess, Load32IsLittleEndian) {
    const std::array<uint8_t, 4> bytes{0xef, 0xbe, 0xad, 0xde};
    ASSERT_TRUE(ram->write(0x2000, bytes).ok());
    EXPECT_EQ(ram->load32(0x2000), 0xdeadbeefu);
}

TEST_F(RamAccess, UnalignedAndLastWord) {
    ram->store32(0x3001, 0xa1b2c3d4u);
    EXPECT_EQ(ram->load32(0x3001), 0xa1b2c3d4u);
    EXPECT_EQ(ram->data()[0x3001], 0xd4);
    EXPECT_EQ(ram->data()[0x3004], 0xa1);
    const uint64_t last = ram->size() - 4;
    ram->store32(last, 0xcafef00du);
    EXPECT_EQ(ram->load32(last), 0xcafef00du);
    std::array<uint8_t, 4> out{};
    ASSERT_TRUE(ram->read(last, out).ok());
    EXPECT_EQ(out, (std::array<uint8_t, 4>{0x0d, 0xf0, 0xfe, 0xca}));
}

// ---- moves -------------------------------------------------------------------------

TEST(RamMove, MoveConstructionTransfersTheBuffer) {
    Ram a = make_ram(16 * kKiB);
    a.store32(0x40, 0x12345678u);
    uint8_t* buffer = a.data();
    Ram b(std::move(a));
    EXPECT_EQ(b.data(), buffer);
    EXPECT_EQ(b.size(), 16 * kKiB);
    EXPECT_EQ(b.load32(0x40), 0x12345678u);
    EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    EXPECT_EQ(a.size(), 0u);
}

TEST(RamMove, MovedFromRamRefusesNonEmptyAccesses) {
    Ram a = make_ram(16 * kKiB);
    Ram b(std::move(a));
    std::array<uint8_t, 1> one{1};
    EXPECT_FALSE(a.write(0, one).ok());  // NOLINT(bugprone-use-after-move)
    EXPECT_FALSE(a.read(0, one).ok());
    EXPECT_FALSE(a.fill(0, 1, 0).ok());
    EXPECT_FALSE(a.contains(0, 1));
    EXPECT_TRUE(a.write(0, {}).ok());  // nothing to copy, nothing dereferenced
}

TEST(RamMove, MoveAssignmentReleasesTheOldBufferAndTakesTheNewOne) {
    Ram a = make_ram(16 * kKiB);
    Ram b = make_ram(32 * kKiB);
    a.store32(0, 0xaaaaaaaau);
    b.store32(0, 0xbbbbbbbbu);
    uint8_t* b_buffer = b.data();
    a = std::move(b);
    EXPECT_EQ(a.data(), b_buffer);
    EXPECT_EQ(a.size(), 32 * kKiB);
    EXPECT_EQ(a.load32(0), 0xbbbbbbbbu);
    EXPECT_EQ(b.data(), nullptr);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(b.size(), 0u);
    // The moved-from object can be assigned to again.
    b = make_ram(4 * kKiB);
    EXPECT_EQ(b.size(), 4 * kKiB);
    EXPECT_EQ(b.load32(0), 0u);
}

TEST(RamMove, SelfMoveAssignmentKeepsTheBuffer) {
    Ram a = make_ram(8 * kKiB);
    a.store32(8, 0x01020304u);
    Ram& alias = a;
    a = std::move(alias);
    EXPECT_NE(a.data(), nullptr);
    EXPECT_EQ(a.size(), 8 * kKiB);
    EXPECT_EQ(a.load32(8), 0x01020304u);
}

TEST(RamMove, RamIsMovableButNotCopyable) {
    static_assert(std::is_nothrow_move_constructible_v<Ram>);
    static_assert(std::is_nothrow_move_assignable_v<Ram>);
    static_assert(!std::is_copy_constructible_v<Ram>);
    static_assert(!std::is_copy_assignable_v<Ram>);
    // Result<Ram> carries it out of create() by move.
    auto r = Ram::create(4 * kKiB);
    ASSERT_TRUE(r.ok());
    Ram moved = std::move(r).value();
    EXPECT_EQ(moved.size(), 4 * kKiB);
}

}  // namespace
}  // namespace forkscope
