#include "emulator/ram.h"

#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <utility>

namespace forkscope {

Result<Ram> Ram::create(uint64_t size_bytes) {
    if (size_bytes == 0) return make_error(ErrorKind::Usage, "RAM size must be greater than 0");
    if (size_bytes % 4096 != 0)
        return make_error(ErrorKind::Usage, "RAM size must be a multiple of 4 KiB");
    if (size_bytes > kMaxBytes)
        return make_error(ErrorKind::Usage, "RAM size " + std::to_string(size_bytes >> 20) +
                                                " MiB is too large for a 32-bit guest (at most " +
                                                std::to_string(kMaxBytes >> 20) + " MiB)");
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page_size > 0 &&
        size_bytes > static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size))
        return make_error(ErrorKind::Usage, "RAM size " + std::to_string(size_bytes >> 20) +
                                                " MiB is more than this host has");
    void* p = mmap(nullptr, size_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return make_error(ErrorKind::Host, "cannot allocate " + std::to_string(size_bytes >> 20) +
                                               " MiB of guest RAM");
    return Ram(static_cast<uint8_t*>(p), size_bytes);
}

Ram::Ram(Ram&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

Ram& Ram::operator=(Ram&& other) noexcept {
    if (this != &other) {
        if (data_) munmap(data_, size_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

Ram::~Ram() {
    if (data_) munmap(data_, size_);
}

static Error out_of_range(uint64_t paddr, uint64_t length, uint64_t size) {
    return make_error(ErrorKind::BadImage, "physical range " + std::to_string(paddr) + "+" +
                                               std::to_string(length) + " is outside RAM (" +
                                               std::to_string(size) + " bytes)");
}

Result<void> Ram::write(uint64_t paddr, std::span<const uint8_t> bytes) {
    if (!contains(paddr, bytes.size())) return out_of_range(paddr, bytes.size(), size_);
    if (!bytes.empty()) std::memcpy(data_ + paddr, bytes.data(), bytes.size());
    return {};
}

Result<void> Ram::read(uint64_t paddr, std::span<uint8_t> bytes) const {
    if (!contains(paddr, bytes.size())) return out_of_range(paddr, bytes.size(), size_);
    if (!bytes.empty()) std::memcpy(bytes.data(), data_ + paddr, bytes.size());
    return {};
}

Result<void> Ram::fill(uint64_t paddr, uint64_t length, uint8_t value) {
    if (!contains(paddr, length)) return out_of_range(paddr, length, size_);
    std::memset(data_ + paddr, value, length);
    return {};
}

}  // namespace forkscope
