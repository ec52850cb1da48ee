// PageWalker: guest-virtual -> physical for any CR3, the way the MMU does it with
// 32-bit (non-PAE) paging: 4 KiB pages through a page table, 4 MiB pages when CR4.PSE
// and PDE.PS are set. Everything on the host that reads guest-virtual memory
// (delivery, debugger, dumps, gdbstub) goes through here, never through Unicorn.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "base/result.h"

namespace forkscope {

class Ram;

namespace pte {
constexpr uint32_t kPresent = 1u << 0;
constexpr uint32_t kWritable = 1u << 1;
constexpr uint32_t kUser = 1u << 2;
constexpr uint32_t kWriteThrough = 1u << 3;
constexpr uint32_t kCacheDisable = 1u << 4;
constexpr uint32_t kAccessed = 1u << 5;
constexpr uint32_t kDirty = 1u << 6;
constexpr uint32_t kLargePage = 1u << 7;  // in a PDE, with CR4.PSE
constexpr uint32_t kGlobal = 1u << 8;
}  // namespace pte

constexpr uint32_t kCr0Pe = 1u << 0;
constexpr uint32_t kCr0Wp = 1u << 16;
constexpr uint32_t kCr0Pg = 1u << 31;
constexpr uint32_t kCr4Pse = 1u << 4;
constexpr uint32_t kCr4Pae = 1u << 5;

struct PagingMode {
    uint32_t cr0 = 0;
    uint32_t cr3 = 0;
    uint32_t cr4 = 0;
    bool paging() const { return (cr0 & kCr0Pg) != 0; }
    bool write_protect() const { return (cr0 & kCr0Wp) != 0; }
    bool pse() const { return (cr4 & kCr4Pse) != 0; }
};

enum class Access { Read, Write, Fetch };

// One walk, with the entries of every level it looked at.
struct PageWalk {
    bool present = false;    // a mapping exists (both levels present)
    uint32_t vaddr = 0;
    uint32_t paddr = 0;      // valid when present
    uint32_t page_size = 0;  // 4096 or 4 MiB when present
    uint32_t pde_paddr = 0, pde = 0;
    uint32_t pte_paddr = 0, pte = 0;  // pte is 0 for a 4 MiB page or a missing table
    bool has_pte = false;
    bool writable = false;  // effective: both levels writable
    bool user = false;      // effective: both levels user
};

class PageWalker {
public:
    explicit PageWalker(Ram& ram) : ram_(ram) {}

    // Walks the tables. Fails only when a table lies outside RAM (a machine fault);
    // a missing mapping is a PageWalk with present == false.
    Result<PageWalk> walk(const PagingMode& mode, uint32_t vaddr) const;

    // The #PF error code this access would raise, or nullopt when it is allowed.
    // user: the access is made at CPL 3.
    static std::optional<uint32_t> access_fault(const PagingMode& mode, const PageWalk& walk,
                                                Access access, bool user);

    // Translate for an access, setting the Accessed (and, for writes, Dirty) bits as
    // the MMU would. On a denied access returns the #PF error code in `fault`.
    struct Translation {
        bool ok = false;
        uint32_t paddr = 0;
        uint32_t fault_error_code = 0;
    };
    Result<Translation> translate(const PagingMode& mode, uint32_t vaddr, Access access, bool user);

    // What translate() would give now for this access, when a recent translate() of the
    // same page, access and paging mode is still valid: a small cache kept the way a TLB
    // keeps translations, but checked on every use against the page directory and table
    // entries it came from (both unchanged in RAM, Accessed and for writes Dirty already
    // set), so a hit is exactly a walk that would change nothing. nullopt: walk. For the
    // descriptor tables and stacks every delivery reads and writes.
    std::optional<uint32_t> cached_translation(const PagingMode& mode, uint32_t vaddr, Access access,
                                               bool user) const;

    // Debugger-style copies through the page tables, with no permission checks and no
    // A/D updates. Fail on an unmapped page, naming it.
    Result<void> read_virtual(const PagingMode& mode, uint32_t vaddr, std::span<uint8_t> out) const;
    Result<void> write_virtual(const PagingMode& mode, uint32_t vaddr, std::span<const uint8_t> in);

    const Ram& ram() const { return ram_; }
    Ram& ram() { return ram_; }

private:
    struct Cached {
        bool valid = false;
        bool user = false;
        Access access = Access::Read;
        uint32_t cr3 = 0, cr0 = 0, cr4 = 0;  // the paging mode's bits that walks read
        uint32_t vpage = 0, ppage = 0;
        uint32_t pde_paddr = 0, pde = 0;
        uint32_t pte_paddr = 0, pte = 0;  // 4 KiB pages only: 4 MiB ones are not cached
    };
    static constexpr size_t kCached = 8;  // direct-mapped by virtual page
    static uint32_t mode_bits_cr0(const PagingMode& m) { return m.cr0 & (kCr0Pg | kCr0Wp); }
    static uint32_t mode_bits_cr4(const PagingMode& m) { return m.cr4 & (kCr4Pse | kCr4Pae); }

    Ram& ram_;
    std::array<Cached, kCached> cached_{};
};

}  // namespace forkscope
