#include "emulator/page_walker.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "emulator/ram.h"

namespace forkscope {

static Error table_outside_ram(const char* what, uint32_t paddr) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s at physical 0x%08x is outside RAM", what, paddr);
    return make_error(ErrorKind::MachineFault, buf);
}

Result<PageWalk> PageWalker::walk(const PagingMode& mode, uint32_t vaddr) const {
    PageWalk w;
    w.vaddr = vaddr;
    if (!mode.paging()) {
        w.present = true;
        w.paddr = vaddr;
        w.page_size = 4096;
        w.writable = w.user = true;
        return w;
    }
    w.pde_paddr = (mode.cr3 & 0xfffff000u) + ((vaddr >> 22) << 2);
    if (!ram_.contains(w.pde_paddr, 4)) return table_outside_ram("page directory entry", w.pde_paddr);
    w.pde = ram_.load32(w.pde_paddr);
    if (!(w.pde & pte::kPresent)) return w;
    if ((w.pde & pte::kLargePage) && mode.pse()) {
        w.present = true;
        w.page_size = 4u << 20;
        w.paddr = (w.pde & 0xffc00000u) | (vaddr & 0x003fffffu);
        w.writable = (w.pde & pte::kWritable) != 0;
        w.user = (w.pde & pte::kUser) != 0;
        return w;
    }
    w.pte_paddr = (w.pde & 0xfffff000u) + (((vaddr >> 12) & 0x3ff) << 2);
    if (!ram_.contains(w.pte_paddr, 4)) return table_outside_ram("page table entry", w.pte_paddr);
    w.pte = ram_.load32(w.pte_paddr);
    w.has_pte = true;
    if (!(w.pte & pte::kPresent)) return w;
    w.present = true;
    w.page_size = 4096;
    w.paddr = (w.pte & 0xfffff000u) | (vaddr & 0xfffu);
    w.writable = (w.pde & pte::kWritable) && (w.pte & pte::kWritable);
    w.user = (w.pde & pte::kUser) && (w.pte & pte::kUser);
    return w;
}

std::optional<uint32_t> PageWalker::access_fault(const PagingMode& mode, const PageWalk& w,
                                                 Access access, bool user) {
    if (!mode.paging()) return std::nullopt;
    // Error code bits: P (protection violation, not a missing page), W/R, U/S, I/D.
    uint32_t code = (access == Access::Write ? 2u : 0u) | (user ? 4u : 0u);
    // Instruction-fetch bit 4 is reported only with NX paging (PAE); 32-bit paging has none.
    if (!w.present) return code;
    code |= 1u;
    if (user && !w.user) return code;
    if (access == Access::Write && !w.writable && (user || mode.write_protect())) return code;
    return std::nullopt;
}

Result<PageWalker::Translation> PageWalker::translate(const PagingMode& mode, uint32_t vaddr,
                                                      Access access, bool user) {
    auto w = walk(mode, vaddr);
    if (!w) return w.error();
    Translation t;
    if (auto fault = access_fault(mode, *w, access, user)) {
        t.fault_error_code = *fault;
        return t;
    }
    if (mode.paging()) {
        // Stored only when a bit is new: almost always both are set already.
        auto set_bits = [&](uint32_t paddr, uint32_t entry, uint32_t bits) {
            if ((entry & bits) != bits) ram_.store32(paddr, entry | bits);
        };
        const uint32_t dirty = access == Access::Write ? pte::kDirty : 0u;
        set_bits(w->pde_paddr, w->pde, pte::kAccessed | (w->has_pte ? 0u : dirty));
        if (w->has_pte) set_bits(w->pte_paddr, w->pte, pte::kAccessed | dirty);
    }
    if (!ram_.contains(w->paddr, 1)) return table_outside_ram("page", w->paddr);
    t.ok = true;
    t.paddr = w->paddr;
    if (mode.paging() && w->page_size == 4096) {
        // The entries as they are now, with the bits this walk set: a hit needs them unchanged.
        Cached& c = cached_[(vaddr >> 12) % kCached];
        c = Cached{true, user, access, mode.cr3 & 0xfffff000u, mode_bits_cr0(mode), mode_bits_cr4(mode),
                   vaddr >> 12, w->paddr >> 12, w->pde_paddr, ram_.load32(w->pde_paddr), w->pte_paddr,
                   ram_.load32(w->pte_paddr)};
    }
    return t;
}

std::optional<uint32_t> PageWalker::cached_translation(const PagingMode& mode, uint32_t vaddr, Access access,
                                                       bool user) const {
    const Cached& c = cached_[(vaddr >> 12) % kCached];
    if (!c.valid || c.vpage != vaddr >> 12 || c.access != access || c.user != user ||
        c.cr3 != (mode.cr3 & 0xfffff000u) || c.cr0 != mode_bits_cr0(mode) || c.cr4 != mode_bits_cr4(mode))
        return std::nullopt;
    // Both entries were inside RAM when cached, and RAM does not shrink.
    if (ram_.load32(c.pde_paddr) != c.pde || ram_.load32(c.pte_paddr) != c.pte) return std::nullopt;
    return (c.ppage << 12) | (vaddr & 0xfffu);
}

// Splits [vaddr, vaddr + length) at page boundaries and hands each piece's physical
// address to `copy(paddr, offset, n)`.
template <class Copy>
static Result<void> for_each_piece(const PageWalker& walker, const PagingMode& mode, uint32_t vaddr,
                                   size_t length, Copy copy) {
    size_t done = 0;
    while (done < length) {
        uint32_t va = vaddr + static_cast<uint32_t>(done);
        auto w = walker.walk(mode, va);
        if (!w) return w.error();
        if (!w->present) {
            char buf[80];
            std::snprintf(buf, sizeof buf, "virtual address 0x%08x is not mapped", va);
            return make_error(ErrorKind::Usage, buf);
        }
        size_t n = std::min<size_t>(4096 - (va & 0xfffu), length - done);
        if (auto r = copy(w->paddr, done, n); !r) return r;
        done += n;
    }
    return {};
}

Result<void> PageWalker::read_virtual(const PagingMode& mode, uint32_t vaddr, std::span<uint8_t> out) const {
    return for_each_piece(*this, mode, vaddr, out.size(), [&](uint32_t paddr, size_t offset, size_t n) {
        return ram_.read(paddr, out.subspan(offset, n));
    });
}

Result<void> PageWalker::write_virtual(const PagingMode& mode, uint32_t vaddr, std::span<const uint8_t> in) {
    return for_each_piece(*this, mode, vaddr, in.size(), [&](uint32_t paddr, size_t offset, size_t n) {
        return ram_.write(paddr, in.subspan(offset, n));
    });
}

}  // namespace forkscope
