// Guest physical RAM: one host buffer, mapped into Unicorn with uc_mem_map_ptr by Cpu.
// Physical addresses 0 .. size()-1. Every access is bounds-checked.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "base/result.h"

namespace forkscope {

class Ram {
public:
    // The largest RAM a 32-bit guest can have here: it must leave room below 4 GiB.
    static constexpr uint64_t kMaxBytes = 3072ull << 20;

    // size_bytes must be a non-zero multiple of 4 KiB, at most kMaxBytes and no more
    // than the host can back.
    static Result<Ram> create(uint64_t size_bytes);

    Ram(Ram&& other) noexcept;
    Ram& operator=(Ram&& other) noexcept;
    Ram(const Ram&) = delete;
    Ram& operator=(const Ram&) = delete;
    ~Ram();

    uint8_t* data() { return data_; }
    const uint8_t* data() const { return data_; }
    uint64_t size() const { return size_; }

    bool contains(uint64_t paddr, uint64_t length) const {
        return paddr <= size_ && length <= size_ - paddr;
    }

    Result<void> write(uint64_t paddr, std::span<const uint8_t> bytes);
    Result<void> read(uint64_t paddr, std::span<uint8_t> bytes) const;
    Result<void> fill(uint64_t paddr, uint64_t length, uint8_t value);

    // Unchecked little-endian accessors: callers must have checked contains().
    uint32_t load32(uint64_t paddr) const {
        uint32_t v;
        std::memcpy(&v, data_ + paddr, 4);
        return v;
    }
    void store32(uint64_t paddr, uint32_t v) { std::memcpy(data_ + paddr, &v, 4); }

private:
    Ram(uint8_t* data, uint64_t size) : data_(data), size_(size) {}
    uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
};

}  // namespace forkscope
