// Unpacking an embedded bundle (a cpio "newc" archive, see scripts/embed.py) into a
// directory that outlives the process, so that `forkscope cc` works from any folder and
// unpacks the guest libc once per forkscope build:
//   $XDG_CACHE_HOME/forkscope/<stem>-<content hash>/, else ~/.cache/forkscope/...,
//   else (no usable cache directory) a fresh temporary directory the caller removes.
// A cache entry appears atomically (unpacked beside it, then renamed), so concurrent
// runs and interrupted ones never see half a directory.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace forkscope {

struct UnpackedBundle {
    std::string dir;         // absolute or as the cache root was given
    bool temporary = false;  // true: remove it (remove_tree) when done
};

// 16 hex digits (FNV-1a, 64 bits) of the bytes.
std::string content_hash(std::span<const uint8_t> bytes);

// $XDG_CACHE_HOME/forkscope if XDG_CACHE_HOME is an absolute path, else
// $HOME/.cache/forkscope if HOME is set, else nothing.
std::optional<std::string> default_cache_root();

// The bundle's files below `dir` (which must exist). Paths with "..", absolute paths
// and anything but directories and regular files are refused. Errors: BadImage for the
// archive, Host for the file system.
Result<void> unpack_bundle(std::span<const uint8_t> bundle, const std::string& dir);

// The cached copy of `bundle` under cache_root (made if missing), or a temporary one
// when cache_root is nullopt or cannot be written.
Result<UnpackedBundle> unpack_cached(std::span<const uint8_t> bundle, std::string_view stem,
                                     const std::optional<std::string>& cache_root);

// A fresh directory $TMPDIR/forkscope-<stem>-XXXXXX (TMPDIR if absolute, else /tmp).
// Errors: ErrorKind::Host.
Result<std::string> make_temp_dir(std::string_view stem);

// rm -r, errors ignored.
void remove_tree(const std::string& path);

}  // namespace forkscope
