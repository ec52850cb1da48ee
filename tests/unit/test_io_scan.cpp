// The block facts the Cpu's look-ahead acts on (emulator/io_scan.h): which lock prefixes
// make an instruction #UD (SDM vol. 2, LOCK: the eighteen lockable instructions, memory
// destination only), the 32-bit iret as QEMU decodes its prefixes, and where in a block
// the first port-I/O and the first misplaced lock are, including where Capstone stops.
#include "emulator/io_scan.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace forkscope {
namespace {

struct LockCase {
    std::vector<uint8_t> bytes;
    bool undefined;
    const char* what;
};

TEST(LockIsUndefined, LockableInstructionsWithAMemoryDestinationAreNot) {
    const LockCase cases[] = {
        {{0xf0, 0x01, 0x18}, false, "lock add [eax],ebx"},
        {{0xf0, 0x09, 0x18}, false, "lock or [eax],ebx"},
        {{0xf0, 0x11, 0x18}, false, "lock adc [eax],ebx"},
        {{0xf0, 0x19, 0x18}, false, "lock sbb [eax],ebx"},
        {{0xf0, 0x21, 0x18}, false, "lock and [eax],ebx"},
        {{0xf0, 0x29, 0x18}, false, "lock sub [eax],ebx"},
        {{0xf0, 0x30, 0x18}, false, "lock xor byte [eax],bl"},
        {{0xf0, 0x83, 0x00, 0x01}, false, "lock add dword [eax],1"},
        {{0xf0, 0x80, 0x30, 0x01}, false, "lock xor byte [eax],1"},
        {{0xf0, 0x82, 0x08, 0x01}, false, "lock or byte [eax],1 (82: 80 in 32-bit code)"},
        {{0xf0, 0x87, 0x18}, false, "lock xchg [eax],ebx"},
        {{0xf0, 0xf7, 0x10}, false, "lock not dword [eax]"},
        {{0xf0, 0xf6, 0x18}, false, "lock neg byte [eax]"},
        {{0xf0, 0xff, 0x00}, false, "lock inc dword [eax]"},
        {{0xf0, 0xfe, 0x08}, false, "lock dec byte [eax]"},
        {{0xf0, 0x0f, 0xab, 0x18}, false, "lock bts [eax],ebx"},
        {{0xf0, 0x0f, 0xb3, 0x18}, false, "lock btr [eax],ebx"},
        {{0xf0, 0x0f, 0xbb, 0x18}, false, "lock btc [eax],ebx"},
        {{0xf0, 0x0f, 0xba, 0x28, 0x03}, false, "lock bts dword [eax],3"},
        {{0xf0, 0x0f, 0xba, 0x38, 0x03}, false, "lock btc dword [eax],3"},
        {{0xf0, 0x0f, 0xb1, 0x18}, false, "lock cmpxchg [eax],ebx"},
        {{0xf0, 0x0f, 0xc1, 0x18}, false, "lock xadd [eax],ebx"},
        {{0xf0, 0x0f, 0xc7, 0x08}, false, "lock cmpxchg8b [eax]"},
        {{0x3e, 0xf0, 0x66, 0x01, 0x18}, false, "prefixes in any order: ds lock add word [eax],bx"},
        {{0xf2, 0xf0, 0x01, 0x18}, false, "xacquire lock add [eax],ebx"},
        {{0x01, 0xd8}, false, "add eax,ebx: no lock"},
        {{0xcf}, false, "iret: no lock"},
    };
    for (const LockCase& c : cases) EXPECT_EQ(lock_is_undefined(c.bytes), c.undefined) << c.what;
}

TEST(LockIsUndefined, EverythingElseIs) {
    const LockCase cases[] = {
        {{0xf0, 0xf9}, true, "lock stc"},
        {{0xf0, 0x90}, true, "lock nop"},
        {{0xf0, 0x9c}, true, "lock pushf"},
        {{0xf0, 0x89, 0xc0}, true, "lock mov eax,eax"},
        {{0xf0, 0x89, 0x18}, true, "lock mov [eax],ebx: mov is not lockable"},
        {{0xf0, 0xcf}, true, "lock iret"},
        {{0xf0, 0x0f, 0x34}, true, "lock sysenter"},
        {{0xf0, 0x01, 0xd8}, true, "lock add eax,ebx: a register destination"},
        {{0xf0, 0x03, 0x18}, true, "lock add ebx,[eax]: the destination is the register"},
        {{0xf0, 0x05, 0x01, 0x00, 0x00, 0x00}, true, "lock add eax,1"},
        {{0xf0, 0x39, 0x18}, true, "lock cmp [eax],ebx"},
        {{0xf0, 0x83, 0x38, 0x01}, true, "lock cmp dword [eax],1"},
        {{0xf0, 0x83, 0xc0, 0x01}, true, "lock add eax,1 (group 1, register)"},
        {{0xf0, 0x87, 0xd8}, true, "lock xchg eax,ebx"},
        {{0xf0, 0xf7, 0x00, 0x01, 0x00, 0x00, 0x00}, true, "lock test dword [eax],1"},
        {{0xf0, 0xf7, 0x20}, true, "lock mul dword [eax]"},
        {{0xf0, 0xff, 0x10}, true, "lock call [eax]"},
        {{0xf0, 0xff, 0x30}, true, "lock push dword [eax]"},
        {{0xf0, 0x0f, 0xa3, 0x18}, true, "lock bt [eax],ebx"},
        {{0xf0, 0x0f, 0xba, 0x20, 0x03}, true, "lock bt dword [eax],3"},
        {{0xf0, 0x0f, 0xc7, 0x30}, true, "lock 0f c7 /6 (rdrand's group)"},
        {{0xf0, 0x0f, 0xb1, 0xd8}, true, "lock cmpxchg eax,ebx"},
        {{0xf0, 0x0f, 0x22, 0xc0}, true, "lock mov cr0,eax (no CR8 alias on this CPU)"},
        {{0x26, 0x64, 0xf0, 0xf3, 0xa4}, true, "es fs lock rep movsb"},
        {{0xf0, 0xf9, 0x0f, 0x34}, true, "lock stc, then more bytes"},
    };
    for (const LockCase& c : cases) EXPECT_EQ(lock_is_undefined(c.bytes), c.undefined) << c.what;
}

TEST(LockIsUndefined, BytesThatEndTooEarlyAreNotJudged) {
    EXPECT_FALSE(lock_is_undefined({}));
    EXPECT_FALSE(lock_is_undefined(std::vector<uint8_t>{0xf0}));
    EXPECT_FALSE(lock_is_undefined(std::vector<uint8_t>{0xf0, 0x0f}));
    EXPECT_FALSE(lock_is_undefined(std::vector<uint8_t>{0xf0, 0x01})) << "add's ModRM is missing";
    EXPECT_TRUE(lock_is_undefined(std::vector<uint8_t>{0xf0, 0x8b})) << "mov is never lockable";
    EXPECT_FALSE(lock_is_undefined(std::vector<uint8_t>(15, 0xf0))) << "prefixes only (a #GP, not #UD)";
}

TEST(StartsWithIretd, PrefixesAsQemuDecodesThem) {
    EXPECT_TRUE(starts_with_iretd(std::vector<uint8_t>{0xcf}));
    EXPECT_TRUE(starts_with_iretd(std::vector<uint8_t>{0x2e, 0xf3, 0xcf}));
    EXPECT_FALSE(starts_with_iretd(std::vector<uint8_t>{0x66, 0xcf})) << "a 16-bit iret";
    EXPECT_FALSE(starts_with_iretd(std::vector<uint8_t>{0x3e, 0x66, 0x2e, 0xcf}));
    EXPECT_FALSE(starts_with_iretd(std::vector<uint8_t>{0xcd, 0x80}));
    EXPECT_FALSE(starts_with_iretd(std::vector<uint8_t>{}));
}

TEST(EndsInSysenter, PlainAndVexEncoded) {
    EXPECT_TRUE(ends_in_sysenter(std::vector<uint8_t>{0x46, 0x0f, 0x34}));
    EXPECT_TRUE(ends_in_sysenter(std::vector<uint8_t>{0x46, 0xc4, 0xe1, 0x63, 0x34})) << "VEX3, map 0F";
    EXPECT_TRUE(ends_in_sysenter(std::vector<uint8_t>{0xc5, 0xf8, 0x34})) << "VEX2";
    EXPECT_FALSE(ends_in_sysenter(std::vector<uint8_t>{0xc4, 0xe2, 0x63, 0x34})) << "VEX3, map 0F38";
    EXPECT_FALSE(ends_in_sysenter(std::vector<uint8_t>{0x46, 0x34}));
    EXPECT_FALSE(ends_in_sysenter(std::vector<uint8_t>{0x34}));
}

TEST(IoScanner, FindsTheFirstPortIoAndTheFirstMisplacedLock) {
    IoScanner scanner;
    // inc esi; in al,dx; lock add [eax],ebx; lock add ebx,[eax] (Capstone reads it, the
    // CPU refuses it); out dx,al; iret
    const std::vector<uint8_t> block{0x46, 0xec, 0xf0, 0x01, 0x18, 0xf0, 0x03, 0x18, 0xee, 0xcf};
    BlockFacts f = scanner.scan(block);
    EXPECT_EQ(f.io_index, 1);
    EXPECT_EQ(f.io_offset, 1);
    EXPECT_EQ(f.lock_ud_index, 3);
    EXPECT_EQ(f.lock_ud_offset, 5);
    EXPECT_EQ(f.instructions, 6);
    EXPECT_EQ(f.decoded_bytes, block.size());
    EXPECT_EQ(f.last_offset, 9);
}

TEST(IoScanner, AMisplacedLockWhereCapstoneStops) {
    IoScanner scanner;
    // inc esi; inc esi; lock stc (Capstone refuses it); sysenter
    const std::vector<uint8_t> block{0x46, 0x46, 0xf0, 0xf9, 0x0f, 0x34};
    BlockFacts f = scanner.scan(block);
    EXPECT_EQ(f.instructions, 2);
    EXPECT_EQ(f.decoded_bytes, 2u);
    EXPECT_EQ(f.lock_ud_index, 2);
    EXPECT_EQ(f.lock_ud_offset, 2);
    EXPECT_EQ(f.io_index, -1);
    EXPECT_EQ(f.io_offset, -1);
    // A stop at bytes that are not a lock: nothing to raise.
    const std::vector<uint8_t> hint_nop{0x46, 0x0f, 0x1c, 0xc0, 0x0f, 0x34};  // inc esi; nop (0f 1c); sysenter
    f = scanner.scan(hint_nop);
    EXPECT_LT(f.decoded_bytes, hint_nop.size()) << "Capstone 4 reads 0f 1c: pick another unreadable encoding";
    EXPECT_EQ(f.lock_ud_index, -1);
    EXPECT_EQ(f.lock_ud_offset, -1);
}

}  // namespace
}  // namespace forkscope
