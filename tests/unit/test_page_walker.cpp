// PageWalker: 32-bit (non-PAE) paging walked over page directories and tables built by
// hand in a Ram. Paging off, 4 KiB pages, 4 MiB pages with and without CR4.PSE, missing
// entries, the effective permissions of both levels, #PF error codes (Intel SDM vol. 3,
// 4.7), the Accessed and Dirty bits, debugger copies across pages, tables outside RAM.
#include "emulator/page_walker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/ram.h"

namespace forkscope {
namespace {

using namespace pte;

constexpr uint32_t kRamBytes = 8u << 20;
constexpr uint32_t kPd = 0x1000;       // page directory
constexpr uint32_t kPt = 0x2000;       // a page table
constexpr uint32_t kPt2 = 0x3000;      // another one
constexpr uint32_t k4M = 4u << 20;

// #PF error code bits.
constexpr uint32_t kErrP = 1, kErrW = 2, kErrU = 4;

constexpr uint32_t va(uint32_t pdi, uint32_t pti, uint32_t offset) { return pdi << 22 | pti << 12 | offset; }

class PageWalkerTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto r = Ram::create(kRamBytes);
        ASSERT_TRUE(r.ok());
        ram = std::make_unique<Ram>(std::move(r.value()));
        walker = std::make_unique<PageWalker>(*ram);
    }

    void pde(uint32_t index, uint32_t value) { ram->store32(kPd + index * 4, value); }
    uint32_t pde(uint32_t index) const { return ram->load32(kPd + index * 4); }
    void pte(uint32_t table, uint32_t index, uint32_t value) { ram->store32(table + index * 4, value); }
    uint32_t pte(uint32_t table, uint32_t index) const { return ram->load32(table + index * 4); }

    PageWalk walk(uint32_t vaddr, const PagingMode& m) {
        auto w = walker->walk(m, vaddr);
        EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message);
        return w.ok() ? w.value() : PageWalk{};
    }
    PageWalk walk(uint32_t vaddr) { return walk(vaddr, mode); }

    std::optional<uint32_t> fault(uint32_t vaddr, Access access, bool user, const PagingMode& m) {
        return PageWalker::access_fault(m, walk(vaddr, m), access, user);
    }
    std::optional<uint32_t> fault(uint32_t vaddr, Access access, bool user) { return fault(vaddr, access, user, mode); }

    PageWalker::Translation translate(uint32_t vaddr, Access access, bool user) {
        auto t = walker->translate(mode, vaddr, access, user);
        EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
        return t.ok() ? t.value() : PageWalker::Translation{};
    }

    std::unique_ptr<Ram> ram;
    std::unique_ptr<PageWalker> walker;
    PagingMode mode{kCr0Pe | kCr0Pg, kPd, 0};
    const PagingMode pse_mode{kCr0Pe | kCr0Pg, kPd, kCr4Pse};
    const PagingMode off_mode{kCr0Pe, kPd, 0};
};

// ---- paging off -----------------------------------------------------------------------

TEST_F(PageWalkerTest, PagingOffIsIdentity) {
    pde(0, 0);  // tables are not looked at
    for (uint32_t v : {0u, 0x1234u, 0x00400fffu, 0x12345678u, 0xffffffffu}) {
        PageWalk w = walk(v, off_mode);
        EXPECT_TRUE(w.present) << std::hex << v;
        EXPECT_EQ(w.paddr, v);
        EXPECT_EQ(w.vaddr, v);
        EXPECT_EQ(w.page_size, 4096u);
        EXPECT_TRUE(w.writable);
        EXPECT_TRUE(w.user);
        EXPECT_FALSE(w.has_pte);
        for (Access a : {Access::Read, Access::Write, Access::Fetch})
            for (bool user : {false, true}) EXPECT_FALSE(PageWalker::access_fault(off_mode, w, a, user).has_value());
    }
}

TEST_F(PageWalkerTest, PagingOffIgnoresCr3EvenOutsideRam) {
    PagingMode m{kCr0Pe, 0xfffff000u, kCr4Pse};
    PageWalk w = walk(0x00345678, m);
    EXPECT_TRUE(w.present);
    EXPECT_EQ(w.paddr, 0x00345678u);
}

TEST_F(PageWalkerTest, PagingOffTranslateChangesNothing) {
    pde(0, kPt | kPresent);
    std::vector<uint8_t> before(ram->data(), ram->data() + 0x4000);
    auto t2 = walker->translate(off_mode, 0x2004, Access::Write, true);
    ASSERT_TRUE(t2.ok());
    EXPECT_TRUE(t2->ok);
    EXPECT_EQ(t2->paddr, 0x2004u);
    EXPECT_TRUE(std::equal(before.begin(), before.end(), ram->data()));
}

TEST_F(PageWalkerTest, PagingOffTranslateOutsideRamIsAnError) {
    auto t = walker->translate(off_mode, 0x10000000u, Access::Read, false);
    EXPECT_FALSE(t.ok());
}

// ---- 4 KiB pages ---------------------------------------------------------------------

TEST_F(PageWalkerTest, FourKiBPage) {
    pde(1, kPt | kPresent | kWritable | kUser);
    pte(kPt, 5, 0x00345000 | kPresent | kWritable | kUser);
    const uint32_t v = va(1, 5, 0xabc);
    PageWalk w = walk(v);
    EXPECT_TRUE(w.present);
    EXPECT_EQ(w.vaddr, v);
    EXPECT_EQ(w.paddr, 0x00345abcu);
    EXPECT_EQ(w.page_size, 4096u);
    EXPECT_EQ(w.pde_paddr, kPd + 1 * 4);
    EXPECT_EQ(w.pde, kPt | kPresent | kWritable | kUser);
    EXPECT_TRUE(w.has_pte);
    EXPECT_EQ(w.pte_paddr, kPt + 5 * 4);
    EXPECT_EQ(w.pte, 0x00345000u | kPresent | kWritable | kUser);
    EXPECT_TRUE(w.writable);
    EXPECT_TRUE(w.user);
}

TEST_F(PageWalkerTest, FirstAndLastEntriesOfBothLevels) {
    pde(0, kPt | kPresent);
    pde(1023, kPt2 | kPresent);
    pte(kPt, 0, 0x00100000 | kPresent);
    pte(kPt2, 1023, 0x00200000 | kPresent);
    EXPECT_EQ(walk(0x00000000).paddr, 0x00100000u);
    EXPECT_EQ(walk(0x00000fff).paddr, 0x00100fffu);
    EXPECT_EQ(walk(0xffffffffu).paddr, 0x00200fffu);
    EXPECT_EQ(walk(0xffffffffu).pde_paddr, kPd + 4092);
    EXPECT_EQ(walk(0xffffffffu).pte_paddr, kPt2 + 4092);
}

TEST_F(PageWalkerTest, Cr3AndEntryLowBitsAreNotPartOfTheAddresses) {
    // CR3's PWT/PCD and an entry's flag bits 0-11 do not move the tables or frames.
    mode.cr3 = kPd | 0x18;
    pde(2, kPt | 0xfff);  // every flag, PS too (ignored without PSE)
    pte(kPt, 3, 0x00456000 | 0xfff);
    PageWalk w = walk(va(2, 3, 0x10));
    EXPECT_TRUE(w.present);
    EXPECT_EQ(w.pde_paddr, kPd + 8);
    EXPECT_EQ(w.pte_paddr, kPt + 12);
    EXPECT_EQ(w.paddr, 0x00456010u);
}

TEST_F(PageWalkerTest, NotPresentPde) {
    pde(7, kPt | kWritable | kUser);  // P clear; the rest is ignored
    PageWalk w = walk(va(7, 0, 0));
    EXPECT_FALSE(w.present);
    EXPECT_FALSE(w.has_pte);
    EXPECT_EQ(w.pde_paddr, kPd + 28);
    EXPECT_EQ(w.pde, kPt | kWritable | kUser);
    EXPECT_EQ(w.pte, 0u);
}

TEST_F(PageWalkerTest, NotPresentPte) {
    pde(7, kPt | kPresent | kWritable | kUser);
    pte(kPt, 9, 0x00777000 | kWritable | kUser);  // P clear
    PageWalk w = walk(va(7, 9, 0x123));
    EXPECT_FALSE(w.present);
    EXPECT_TRUE(w.has_pte);
    EXPECT_EQ(w.pte_paddr, kPt + 36);
    EXPECT_EQ(w.pte, 0x00777000u | kWritable | kUser);
}

TEST_F(PageWalkerTest, EffectivePermissionsCombineBothLevels) {
    for (uint32_t pde_bits = 0; pde_bits < 4; ++pde_bits) {
        for (uint32_t pte_bits = 0; pte_bits < 4; ++pte_bits) {
            const uint32_t pd_w = pde_bits & 1 ? kWritable : 0, pd_u = pde_bits & 2 ? kUser : 0;
            const uint32_t pt_w = pte_bits & 1 ? kWritable : 0, pt_u = pte_bits & 2 ? kUser : 0;
            pde(1, kPt | kPresent | pd_w | pd_u);
            pte(kPt, 0, 0x00500000 | kPresent | pt_w | pt_u);
            PageWalk w = walk(va(1, 0, 0));
            SCOPED_TRACE(::testing::Message() << "pde " << pde_bits << " pte " << pte_bits);
            EXPECT_TRUE(w.present);
            EXPECT_EQ(w.writable, pd_w && pt_w);
            EXPECT_EQ(w.user, pd_u && pt_u);
        }
    }
}

// ---- 4 MiB pages -----------------------------------------------------------------------

TEST_F(PageWalkerTest, FourMiBPageWithPse) {
    pde(3, 0x00400000 | kLargePage | kPresent | kWritable | kUser);
    const uint32_t v = va(3, 0, 0) | 0x123456;
    PageWalk w = walk(v, pse_mode);
    EXPECT_TRUE(w.present);
    EXPECT_EQ(w.page_size, k4M);
    EXPECT_EQ(w.paddr, 0x00400000u | 0x123456u);
    EXPECT_FALSE(w.has_pte);
    EXPECT_EQ(w.pte, 0u);
    EXPECT_EQ(w.pde_paddr, kPd + 12);
    EXPECT_TRUE(w.writable);
    EXPECT_TRUE(w.user);
    // Last byte of the 4 MiB page.
    EXPECT_EQ(walk(va(3, 1023, 0xfff), pse_mode).paddr, 0x007fffffu);
}

TEST_F(PageWalkerTest, FourMiBPagePatBitIsNotAnAddressBit) {
    // Bit 12 of a 4 MiB PDE is PAT; the frame is bits 22-31.
    pde(3, 0x00400000 | (1u << 12) | kLargePage | kPresent);
    EXPECT_EQ(walk(va(3, 2, 0x34), pse_mode).paddr, 0x00402034u);
}

TEST_F(PageWalkerTest, FourMiBPagePermissionsComeFromThePde) {
    pde(3, 0x00400000 | kLargePage | kPresent);  // read-only, supervisor
    PageWalk w = walk(va(3, 0, 0), pse_mode);
    EXPECT_TRUE(w.present);
    EXPECT_FALSE(w.writable);
    EXPECT_FALSE(w.user);
}

TEST_F(PageWalkerTest, WithoutPseThePsBitIsIgnoredAndTheTableIsWalked) {
    // The same PDE: with PSE a 4 MiB page at 0x400000; without, a page table at 0x400000.
    pde(3, 0x00400000 | kLargePage | kPresent | kWritable | kUser);
    pte(0x00400000, 0x123, 0x00777000 | kPresent | kWritable | kUser);
    const uint32_t v = va(3, 0x123, 0x456);
    PageWalk with = walk(v, pse_mode);
    EXPECT_EQ(with.paddr, 0x00400000u | (0x123u << 12) | 0x456u);
    EXPECT_EQ(with.page_size, k4M);
    PageWalk without = walk(v, mode);
    EXPECT_TRUE(without.present);
    EXPECT_TRUE(without.has_pte);
    EXPECT_EQ(without.page_size, 4096u);
    EXPECT_EQ(without.pte_paddr, 0x00400000u + 0x123u * 4);
    EXPECT_EQ(without.paddr, 0x00777456u);
}

TEST_F(PageWalkerTest, PseDoesNotChangeFourKiBPages) {
    pde(1, kPt | kPresent | kWritable);
    pte(kPt, 5, 0x00345000 | kPresent);
    EXPECT_EQ(walk(va(1, 5, 1), pse_mode).paddr, 0x00345001u);
    EXPECT_EQ(walk(va(1, 5, 1), pse_mode).page_size, 4096u);
}

TEST_F(PageWalkerTest, NotPresentFourMiBPde) {
    pde(3, 0x00400000 | kLargePage | kWritable);
    PageWalk w = walk(va(3, 0, 0), pse_mode);
    EXPECT_FALSE(w.present);
    EXPECT_FALSE(w.has_pte);
    EXPECT_EQ(*PageWalker::access_fault(pse_mode, w, Access::Write, true), kErrW | kErrU);
}

// ---- #PF error codes -----------------------------------------------------------------

TEST_F(PageWalkerTest, ErrorCodesForMissingPages) {
    // P = 0 (not present), W/R = write, U/S = CPL 3. No I/D bit without PAE/NX.
    pde(7, 0);
    pde(8, kPt | kPresent | kWritable | kUser);
    pte(kPt, 0, 0);
    for (uint32_t v : {va(7, 0, 0), va(8, 0, 0)}) {
        SCOPED_TRACE(::testing::Message() << std::hex << v);
        EXPECT_EQ(fault(v, Access::Read, false), 0u);
        EXPECT_EQ(fault(v, Access::Write, false), kErrW);
        EXPECT_EQ(fault(v, Access::Read, true), kErrU);
        EXPECT_EQ(fault(v, Access::Write, true), kErrW | kErrU);
        EXPECT_EQ(fault(v, Access::Fetch, false), 0u);
        EXPECT_EQ(fault(v, Access::Fetch, true), kErrU);
    }
}

TEST_F(PageWalkerTest, UserAccessToASupervisorPage) {
    pde(1, kPt | kPresent | kWritable | kUser);
    pte(kPt, 0, 0x00500000 | kPresent | kWritable);  // supervisor page
    const uint32_t v = va(1, 0, 0);
    EXPECT_EQ(fault(v, Access::Read, true), kErrP | kErrU);
    EXPECT_EQ(fault(v, Access::Write, true), kErrP | kErrW | kErrU);
    EXPECT_EQ(fault(v, Access::Fetch, true), kErrP | kErrU);
    EXPECT_FALSE(fault(v, Access::Read, false));
    EXPECT_FALSE(fault(v, Access::Write, false));
    EXPECT_FALSE(fault(v, Access::Fetch, false));
}

TEST_F(PageWalkerTest, UserAccessThroughASupervisorPageTable) {
    pde(1, kPt | kPresent | kWritable);  // supervisor at the directory level
    pte(kPt, 0, 0x00500000 | kPresent | kWritable | kUser);
    EXPECT_EQ(fault(va(1, 0, 0), Access::Read, true), kErrP | kErrU);
    EXPECT_EQ(fault(va(1, 0, 0), Access::Write, true), kErrP | kErrW | kErrU);
}

TEST_F(PageWalkerTest, UserWriteToAReadOnlyPage) {
    for (uint32_t pd_w : {0u, kWritable}) {
        pde(1, kPt | kPresent | kUser | pd_w);
        pte(kPt, 0, 0x00500000 | kPresent | kUser | (pd_w ? 0 : kWritable));
        SCOPED_TRACE(pd_w ? "read-only PTE" : "read-only PDE");
        for (PagingMode m : {mode, PagingMode{kCr0Pe | kCr0Pg | kCr0Wp, kPd, 0}}) {
            EXPECT_EQ(fault(va(1, 0, 0), Access::Write, true, m), kErrP | kErrW | kErrU);
            EXPECT_FALSE(fault(va(1, 0, 0), Access::Read, true, m));
            EXPECT_FALSE(fault(va(1, 0, 0), Access::Fetch, true, m));
        }
    }
}

TEST_F(PageWalkerTest, SupervisorWriteToAReadOnlyPageDependsOnCr0Wp) {
    pde(1, kPt | kPresent | kWritable | kUser);
    pte(kPt, 0, 0x00500000 | kPresent);  // read-only supervisor page
    pte(kPt, 1, 0x00501000 | kPresent | kUser);  // read-only user page
    const PagingMode wp{kCr0Pe | kCr0Pg | kCr0Wp, kPd, 0};
    for (uint32_t v : {va(1, 0, 0), va(1, 1, 0)}) {
        SCOPED_TRACE(::testing::Message() << std::hex << v);
        EXPECT_FALSE(fault(v, Access::Write, false, mode)) << "WP = 0: ring 0 writes anywhere";
        EXPECT_EQ(fault(v, Access::Write, false, wp), kErrP | kErrW);
        EXPECT_FALSE(fault(v, Access::Read, false, wp));
    }
}

TEST_F(PageWalkerTest, SupervisorAccessToAUserPageIsAllowed) {
    // No SMEP/SMAP in this CPU model.
    pde(1, kPt | kPresent | kWritable | kUser);
    pte(kPt, 0, 0x00500000 | kPresent | kWritable | kUser);
    const PagingMode wp{kCr0Pe | kCr0Pg | kCr0Wp, kPd, 0};
    for (Access a : {Access::Read, Access::Write, Access::Fetch}) {
        EXPECT_FALSE(fault(va(1, 0, 0), a, false, wp));
        EXPECT_FALSE(fault(va(1, 0, 0), a, true, wp));
    }
}

TEST_F(PageWalkerTest, FourMiBPageErrorCodes) {
    pde(3, 0x00400000 | kLargePage | kPresent);  // supervisor, read-only
    pde(4, 0x00800000 | kLargePage | kPresent | kUser);  // user, read-only (frame outside RAM: walk is fine)
    const PagingMode wp{kCr0Pe | kCr0Pg | kCr0Wp, kPd, kCr4Pse};
    EXPECT_EQ(fault(va(3, 0, 0), Access::Read, true, pse_mode), kErrP | kErrU);
    EXPECT_FALSE(fault(va(3, 0, 0), Access::Write, false, pse_mode));
    EXPECT_EQ(fault(va(3, 0, 0), Access::Write, false, wp), kErrP | kErrW);
    EXPECT_EQ(fault(va(4, 0, 0), Access::Write, true, pse_mode), kErrP | kErrW | kErrU);
    EXPECT_FALSE(fault(va(4, 0, 0), Access::Read, true, pse_mode));
}

// ---- translate: Accessed and Dirty ------------------------------------------------------

TEST_F(PageWalkerTest, TranslateReadSetsAccessedInBothLevelsButNotDirty) {
    pde(1, kPt | kPresent | kWritable | kUser);
    pte(kPt, 2, 0x00345000 | kPresent | kWritable | kUser);
    auto t = translate(va(1, 2, 0x10), Access::Read, false);
    EXPECT_TRUE(t.ok);
    EXPECT_EQ(t.paddr, 0x00345010u);
    EXPECT_EQ(pde(1), kPt | kPresent | kWritable | kUser | kAccessed);
    EXPECT_EQ(pte(kPt, 2), 0x00345000u | kPresent | kWritable | kUser | kAccessed);
}

TEST_F(PageWalkerTest, TranslateFetchSetsAccessedButNotDirty) {
    pde(1, kPt | kPresent | kWritable | kUser);
    pte(kPt, 2, 0x00345000 | kPresent | kUser);
    auto t = translate(va(1, 2, 0), Access::Fetch, true);
    EXPECT_TRUE(t.ok);
    EXPECT_EQ(pte(kPt, 2) & (kAccessed | kDirty), kAccessed);
}

TEST_F(PageWalkerTest, TranslateWriteSetsDirtyInThePteOnly) {
    pde(1, kPt | kPresent | kWritable | kUser);
    pte(kPt, 2, 0x00345000 | kPresent | kWritable | kUser);
    auto t = translate(va(1, 2, 0x10), Access::Write, true);
    EXPECT_TRUE(t.ok);
    EXPECT_EQ(t.paddr, 0x00345010u);
    EXPECT_EQ(pte(kPt, 2), 0x00345000u | kPresent | kWritable | kUser | kAccessed | kDirty);
    // A PDE that points to a page table has no dirty bit: bit 6 stays clear.
    EXPECT_EQ(pde(1), kPt | kPresent | kWritable | kUser | kAccessed);
}

TEST_F(PageWalkerTest, TranslateKeepsOtherBitsAndIsIdempotent) {
    const uint32_t pte_value = 0x00345000 | kPresent | kWritable | kGlobal | kCacheDisable | (7u << 9);
    pde(1, kPt | kPresent | kWritable | kWriteThrough);
    pte(kPt, 2, pte_value);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(translate(va(1, 2, 0), Access::Write, false).ok);
        EXPECT_EQ(pte(kPt, 2), pte_value | kAccessed | kDirty);
        EXPECT_EQ(pde(1), kPt | kPresent | kWritable | kWriteThrough | kAccessed);
    }
}

TEST_F(PageWalkerTest, TranslateOnAFourMiBPageSetsAccessedAndDirtyInThePde) {
    mode = pse_mode;
    pde(1, 0x00400000 | kLargePage | kPresent | kWritable);
    pde(2, 0x00400000 | kLargePage | kPresent | kWritable);
    EXPECT_TRUE(translate(va(1, 0, 4), Access::Read, false).ok);
    EXPECT_EQ(pde(1), 0x00400000u | kLargePage | kPresent | kWritable | kAccessed);
    auto t = translate(va(2, 3, 4), Access::Write, false);
    EXPECT_TRUE(t.ok);
    EXPECT_EQ(t.paddr, 0x00403004u);
    EXPECT_EQ(pde(2), 0x00400000u | kLargePage | kPresent | kWritable | kAccessed | kDirty);
}

TEST_F(PageWalkerTest, DeniedAccessReturnsTheErrorCodeAndSetsNoDirtyBit) {
    mode.cr0 |= kCr0Wp;
    pde(1, kPt | kPresent | kWritable | kUser);
    pte(kPt, 0, 0x00345000 | kPresent | kUser);  // read-only
    pte(kPt, 1, 0x00346000 | kPresent | kWritable);  // supervisor
    auto t = translate(va(1, 0, 0), Access::Write, true);
    EXPECT_FALSE(t.ok);
    EXPECT_EQ(t.fault_error_code, kErrP | kErrW | kErrU);
    EXPECT_EQ(pte(kPt, 0) & kDirty, 0u);
    t = translate(va(1, 0, 0), Access::Write, false);
    EXPECT_FALSE(t.ok);
    EXPECT_EQ(t.fault_error_code, kErrP | kErrW);
    EXPECT_EQ(pte(kPt, 0) & kDirty, 0u);
    t = translate(va(1, 1, 0), Access::Read, true);
    EXPECT_FALSE(t.ok);
    EXPECT_EQ(t.fault_error_code, kErrP | kErrU);
    EXPECT_EQ(pte(kPt, 1), 0x00346000u | kPresent | kWritable);
}

TEST_F(PageWalkerTest, TranslateOfAMissingPageChangesNothing) {
    pde(1, kPt | kPresent | kWritable | kUser);
    pte(kPt, 0, 0);
    pde(2, 0);
    auto t = translate(va(1, 0, 0), Access::Write, true);
    EXPECT_FALSE(t.ok);
    EXPECT_EQ(t.fault_error_code, kErrW | kErrU);
    EXPECT_EQ(pte(kPt, 0), 0u);
    t = translate(va(2, 0, 0), Access::Read, false);
    EXPECT_FALSE(t.ok);
    EXPECT_EQ(t.fault_error_code, 0u);
    EXPECT_EQ(pde(2), 0u);
}

TEST_F(PageWalkerTest, TranslateToAFrameOutsideRamIsAnError) {
    pde(1, kPt | kPresent | kWritable);
    pte(kPt, 0, 0x10000000 | kPresent | kWritable);
    auto t = walker->translate(mode, va(1, 0, 0), Access::Read, false);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().kind, ErrorKind::MachineFault);
}

// ---- cached_translation: what translate() would give, only while nothing changed ------

TEST_F(PageWalkerTest, CachedTranslationComesFromTheLastWalkOfThatPageAndAccess) {
    pde(1, kPt | kPresent | kWritable);
    pte(kPt, 2, 0x00345000 | kPresent | kWritable);
    EXPECT_FALSE(walker->cached_translation(mode, va(1, 2, 0x10), Access::Read, false));  // never walked
    ASSERT_TRUE(translate(va(1, 2, 0x10), Access::Read, false).ok);
    EXPECT_EQ(walker->cached_translation(mode, va(1, 2, 0x7f8), Access::Read, false), 0x003457f8u);
    // Only the access, privilege and paging mode it was walked for.
    EXPECT_FALSE(walker->cached_translation(mode, va(1, 2, 0x10), Access::Write, false));
    EXPECT_FALSE(walker->cached_translation(mode, va(1, 2, 0x10), Access::Read, true));
    EXPECT_FALSE(walker->cached_translation(pse_mode, va(1, 2, 0x10), Access::Read, false));
    PagingMode other_cr3 = mode;
    other_cr3.cr3 = kPt2;
    EXPECT_FALSE(walker->cached_translation(other_cr3, va(1, 2, 0x10), Access::Read, false));
    EXPECT_FALSE(walker->cached_translation(mode, va(1, 3, 0x10), Access::Read, false));
}

TEST_F(PageWalkerTest, CachedTranslationIsDroppedWhenAnEntryItCameFromChanges) {
    pde(1, kPt | kPresent | kWritable);
    pte(kPt, 2, 0x00345000 | kPresent | kWritable);
    ASSERT_TRUE(translate(va(1, 2, 0), Access::Write, false).ok);
    ASSERT_EQ(walker->cached_translation(mode, va(1, 2, 0), Access::Write, false), 0x00345000u);
    // The guest clears Dirty: a walk would set it again, so no hit.
    pte(kPt, 2, pte(kPt, 2) & ~kDirty);
    EXPECT_FALSE(walker->cached_translation(mode, va(1, 2, 0), Access::Write, false));
    ASSERT_TRUE(translate(va(1, 2, 0), Access::Write, false).ok);
    // The page moves to another frame: the new frame, never the old one.
    pte(kPt, 2, 0x00456000 | kPresent | kWritable | kAccessed | kDirty);
    EXPECT_FALSE(walker->cached_translation(mode, va(1, 2, 0), Access::Write, false));
    EXPECT_EQ(translate(va(1, 2, 0), Access::Write, false).paddr, 0x00456000u);
    EXPECT_EQ(walker->cached_translation(mode, va(1, 2, 0), Access::Write, false), 0x00456000u);
    // The page table goes away: no hit, and the walk faults.
    pde(1, 0);
    EXPECT_FALSE(walker->cached_translation(mode, va(1, 2, 0), Access::Write, false));
    EXPECT_FALSE(translate(va(1, 2, 0), Access::Write, false).ok);
}

TEST_F(PageWalkerTest, DeniedAccessesAndLargePagesAreNeverCached) {
    pde(1, kPt | kPresent);
    pte(kPt, 2, 0x00345000 | kPresent);  // read-only
    mode.cr0 |= kCr0Wp;
    EXPECT_FALSE(translate(va(1, 2, 0), Access::Write, false).ok);
    EXPECT_FALSE(walker->cached_translation(mode, va(1, 2, 0), Access::Write, false));
    pde(2, 0x00400000 | kPresent | kWritable | kLargePage);
    ASSERT_TRUE(walker->translate(pse_mode, va(2, 0, 0), Access::Read, false).ok());
    EXPECT_FALSE(walker->cached_translation(pse_mode, va(2, 0, 0), Access::Read, false));
}

// ---- read_virtual / write_virtual ----------------------------------------------------------

TEST_F(PageWalkerTest, CopiesAcrossAPageBoundaryUseTwoFrames) {
    // Page 0x00400000 -> frame 0x600000, page 0x00401000 -> frame 0x205000 (lower!).
    pde(1, kPt | kPresent | kWritable);
    pte(kPt, 0, 0x00600000 | kPresent);  // read-only: debugger copies ignore permissions
    pte(kPt, 1, 0x00205000 | kPresent);
    const std::array<uint8_t, 8> in{1, 2, 3, 4, 5, 6, 7, 8};
    ASSERT_TRUE(walker->write_virtual(mode, 0x00400ffc, in).ok());
    EXPECT_EQ(ram->load32(0x00600ffc), 0x04030201u);
    EXPECT_EQ(ram->load32(0x00205000), 0x08070605u);
    EXPECT_EQ(ram->load32(0x00601000), 0u) << "must not run on into the next physical frame";
    std::array<uint8_t, 8> out{};
    ASSERT_TRUE(walker->read_virtual(mode, 0x00400ffc, out).ok());
    EXPECT_EQ(in, out);
    // No A/D updates.
    EXPECT_EQ(pde(1), kPt | kPresent | kWritable);
    EXPECT_EQ(pte(kPt, 0), 0x00600000u | kPresent);
    EXPECT_EQ(pte(kPt, 1), 0x00205000u | kPresent);
}

TEST_F(PageWalkerTest, CopiesAcrossThreePagesAndTwoPageTables) {
    // 0x007ff000 (last page of PDE 1) .. 0x00801fff (PDE 2's first two pages).
    pde(1, kPt | kPresent);
    pde(2, kPt2 | kPresent);
    pte(kPt, 1023, 0x00300000 | kPresent);
    pte(kPt2, 0, 0x00100000 | kPresent);
    pte(kPt2, 1, 0x00500000 | kPresent);
    std::vector<uint8_t> in(4096 * 2 + 200);
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>(i * 13);
    const uint32_t start = 0x007fff00;
    ASSERT_TRUE(walker->write_virtual(mode, start, in).ok());
    EXPECT_EQ(ram->data()[0x00300f00], in[0]);
    EXPECT_EQ(ram->data()[0x00100000], in[0x100]);
    EXPECT_EQ(ram->data()[0x00500000], in[0x1100]);
    EXPECT_EQ(ram->data()[0x005000c7], in.back());
    std::vector<uint8_t> out(in.size());
    ASSERT_TRUE(walker->read_virtual(mode, start, out).ok());
    EXPECT_EQ(in, out);
}

TEST_F(PageWalkerTest, CopiesThroughAFourMiBPage) {
    pde(1, 0x00400000 | kLargePage | kPresent);
    const std::array<uint8_t, 4> in{9, 8, 7, 6};
    ASSERT_TRUE(walker->write_virtual(pse_mode, va(1, 5, 0xffe), in).ok());
    EXPECT_EQ(ram->load32(0x00405ffe), 0x06070809u);
}

TEST_F(PageWalkerTest, CopyIntoAnUnmappedPageFailsNamingIt) {
    pde(1, kPt | kPresent | kWritable);
    pte(kPt, 0, 0x00600000 | kPresent | kWritable);
    pte(kPt, 1, 0);
    std::array<uint8_t, 8> buf{};
    auto r = walker->read_virtual(mode, 0x00400ffc, buf);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("0x00401000"), std::string::npos) << r.error().message;
    auto w = walker->write_virtual(mode, 0x00400ffc, buf);
    ASSERT_FALSE(w.ok());
    EXPECT_NE(w.error().message.find("0x00401000"), std::string::npos) << w.error().message;
    auto z = walker->read_virtual(mode, 0x00c00000, buf);  // PDE 3 not present
    ASSERT_FALSE(z.ok());
    EXPECT_NE(z.error().message.find("0x00c00000"), std::string::npos) << z.error().message;
}

TEST_F(PageWalkerTest, EmptyCopiesSucceedEvenWhenUnmapped) {
    pde(5, 0);
    EXPECT_TRUE(walker->read_virtual(mode, va(5, 0, 0), {}).ok());
    EXPECT_TRUE(walker->write_virtual(mode, va(5, 0, 0), {}).ok());
}

TEST_F(PageWalkerTest, CopyToAFrameOutsideRamFails) {
    pde(1, kPt | kPresent);
    pte(kPt, 0, 0x40000000 | kPresent);
    std::array<uint8_t, 4> buf{};
    EXPECT_FALSE(walker->read_virtual(mode, va(1, 0, 0), buf).ok());
    EXPECT_FALSE(walker->write_virtual(mode, va(1, 0, 0), buf).ok());
    // Paging off: physical addresses past RAM, and a copy that would wrap past 4 GiB.
    EXPECT_FALSE(walker->read_virtual(off_mode, 0x10000000, buf).ok());
    EXPECT_FALSE(walker->read_virtual(off_mode, 0xfffffffe, buf).ok());
}

// ---- tables outside RAM ----------------------------------------------------------------

TEST_F(PageWalkerTest, PageDirectoryOutsideRamIsAnError) {
    PagingMode m{kCr0Pe | kCr0Pg, 0x10000000, 0};
    auto w = walker->walk(m, 0x00c01234);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().kind, ErrorKind::MachineFault);
    EXPECT_NE(w.error().message.find("page directory"), std::string::npos) << w.error().message;
    EXPECT_NE(w.error().message.find("0x1000000c"), std::string::npos) << w.error().message;
    EXPECT_FALSE(walker->translate(m, 0x00c01234, Access::Read, false).ok());
    std::array<uint8_t, 4> buf{};
    EXPECT_FALSE(walker->read_virtual(m, 0x00c01234, buf).ok());
    EXPECT_FALSE(walker->write_virtual(m, 0x00c01234, buf).ok());
}

TEST_F(PageWalkerTest, PageDirectoryAtTheLastPageOfRamWorks) {
    const uint32_t pd = kRamBytes - 4096;
    PagingMode m{kCr0Pe | kCr0Pg, pd, kCr4Pse};
    ram->store32(pd + 1023 * 4, 0x00400000 | kLargePage | kPresent);
    PageWalk w = walk(0xffc00010, m);
    EXPECT_TRUE(w.present);
    EXPECT_EQ(w.paddr, 0x00400010u);
}

TEST_F(PageWalkerTest, PageTableOutsideRamIsAnError) {
    pde(1, 0x20000000 | kPresent | kWritable);
    auto w = walker->walk(mode, va(1, 2, 0));
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().kind, ErrorKind::MachineFault);
    EXPECT_NE(w.error().message.find("page table"), std::string::npos) << w.error().message;
    EXPECT_NE(w.error().message.find("0x20000008"), std::string::npos) << w.error().message;
    EXPECT_FALSE(walker->translate(mode, va(1, 2, 0), Access::Write, false).ok());
    // The directory entry is not marked accessed by a walk that failed.
    EXPECT_EQ(pde(1), 0x20000000u | kPresent | kWritable);
}

TEST_F(PageWalkerTest, NotPresentPdeWithATableAddressOutsideRamIsJustNotPresent) {
    pde(1, 0x20000000 | kWritable);  // P clear: the address is never used
    auto w = walker->walk(mode, va(1, 2, 0));
    ASSERT_TRUE(w.ok());
    EXPECT_FALSE(w->present);
}

}  // namespace
}  // namespace forkscope
