// libFuzzer target: the Multiboot loader (emulator/multiboot.h) on an arbitrary kernel
// file. inspect_multiboot_kernel refuses it (BadImage) or describes it consistently:
// segments sorted, not overlapping, inside the file, at or above 1 MiB, the entry in
// one of them. What it accepts, load_multiboot loads into 16 MiB of RAM with the entry
// inside the kernel and the module where it says, or refuses with BadImage.
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "emulator/multiboot.h"
#include "emulator/ram.h"
#include "tests/fuzz/fuzz_require.h"

using namespace forkscope;

namespace {

Ram& fuzz_ram() {
    static Ram ram = [] {
        auto r = Ram::create(16u << 20);
        require(r.ok());
        return std::move(*r);
    }();
    return ram;
}

void check_info(const KernelFileInfo& info, size_t file_size) {
    require(!info.segments.empty());
    uint64_t previous_end = 0;
    bool entry_inside = false;
    for (const LoadSegment& s : info.segments) {
        require(s.paddr >= (1u << 20) && s.paddr >= previous_end);
        require(s.file_size <= s.mem_size);
        require(uint64_t{s.file_offset} + s.file_size <= file_size);
        previous_end = uint64_t{s.paddr} + s.mem_size;
        require(previous_end <= (1ull << 32));
        entry_inside = entry_inside || (info.entry >= s.paddr && info.entry < previous_end);
    }
    require(entry_inside);
    require(info.load_start == info.segments.front().paddr && info.load_end == previous_end);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> file(data, size);
    auto info = inspect_multiboot_kernel(file, "fuzz");
    if (!info) {
        require(info.error().kind == ErrorKind::BadImage && !info.error().message.empty());
        return 0;
    }
    check_info(*info, size);
    const MultibootModule module{"module", {1, 2, 3}, "module arg"};
    auto image = load_multiboot(fuzz_ram(), file, "fuzz", "x=1", std::span(&module, 1));
    if (!image) {
        require(image.error().kind == ErrorKind::BadImage);
        return 0;
    }
    require(image->entry == info->entry);
    require(image->kernel_start == info->load_start && image->kernel_end == info->load_end);
    require(image->modules.size() == 1 && image->modules[0].end - image->modules[0].start == 3);
    require(image->modules[0].start % 4096 == 0 && image->modules[0].start >= image->kernel_end);
    return 0;
}
