// The bytes one page of guest RAM held where translated blocks were made from it: the
// Cpu compares them with RAM at each new translation on the page, because Unicorn 2.1.1
// lets most guest stores to translated code go unseen (CpuHooks::check_code_page).
// Only the bytes under translations count: a store to data on a code page changes none.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>

namespace forkscope {

class CodePage {
public:
    static constexpr uint32_t kSize = 4096;

    // Forgets every translation: none covers a byte.
    void reset() { covered_.fill(0); }

    // Whether every byte under a translation still holds what it held then.
    bool unchanged(const uint8_t* page) const {
        for (uint32_t w = 0; w < covered_.size(); ++w) {
            for (uint64_t bits = covered_[w]; bits != 0;) {
                // Eight bytes at a time, masked to the covered ones among them.
                const uint32_t group = static_cast<uint32_t>(__builtin_ctzll(bits)) / 8;
                const uint32_t at = 64 * w + 8 * group;
                uint64_t was, now;
                std::memcpy(&was, bytes_.data() + at, 8);
                std::memcpy(&now, page + at, 8);
                if ((was ^ now) & byte_mask((bits >> (8 * group)) & 0xff)) return false;
                bits &= ~(0xffull << (8 * group));
            }
        }
        return true;
    }

    // A translation was made from page[offset, offset + length).
    void cover(const uint8_t* page, uint32_t offset, uint32_t length) {
        std::memcpy(bytes_.data() + offset, page + offset, length);
        for (uint32_t i = offset; i < offset + length; ++i) covered_[i / 64] |= 1ull << (i % 64);
    }

private:
    // 0xff in each byte whose bit is set in `bits`.
    static uint64_t byte_mask(uint64_t bits) {
        uint64_t mask = 0;
        for (int i = 0; i < 8; ++i)
            if (bits & (1u << i)) mask |= 0xffull << (8 * i);
        return mask;
    }

    std::array<uint8_t, kSize> bytes_{};
    std::array<uint64_t, kSize / 64> covered_{};
};

}  // namespace forkscope
