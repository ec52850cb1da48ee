// The default guest image built into the forkscope binary, so `forkscope run` works
// from any folder, and the guest C library that `forkscope cc` compiles against.
#pragma once
#include <cstdint>
#include <span>

namespace forkscope {

// build/images/kernel.elf
std::span<const uint8_t> embedded_kernel();

// build/images/initramfs.cpio: the default first Multiboot module.
std::span<const uint8_t> embedded_initramfs();

// The guest libc as a cpio "newc" bundle: lib/libc.a, lib/crt0.o and include/... (the
// headers of images/libc/include). See scripts/embed.py.
std::span<const uint8_t> embedded_libc_bundle();

}  // namespace forkscope
