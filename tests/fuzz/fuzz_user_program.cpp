// libFuzzer target: the check of a user's program (frontend/user_program.h) on an
// arbitrary file. It accepts the file or refuses it with one BadImage line that names
// the file; what it accepts is an ELF32 i386 executable whose program headers lie
// inside the file.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "frontend/user_program.h"
#include "tests/fuzz/fuzz_require.h"

using namespace forkscope;

namespace {

uint32_t le32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t{p[3]} << 24; }
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto checked = check_static_i386_executable(std::span<const uint8_t>(data, size), "prog");
    if (!checked) {
        const Error& e = checked.error();
        require(e.kind == ErrorKind::BadImage && e.message.find("prog") != std::string::npos);
        require(e.message.find('\n') == std::string::npos || e.message.back() != '\n');
        return 0;
    }
    require(size >= 52 && std::memcmp(data, "\x7f" "ELF\x01\x01", 6) == 0);
    require(le16(data + 16) == 2 && le16(data + 18) == 3);   // ET_EXEC, EM_386
    const uint64_t phoff = le32(data + 28), phnum = le16(data + 44), phentsize = le16(data + 42);
    require(phoff + phnum * phentsize <= size);
    return 0;
}
