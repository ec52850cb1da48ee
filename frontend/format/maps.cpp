// maps PID: each VMA as guestkernel/fs/proc.c's maps() prints /proc/PID/maps (Linux's
// format for a 32-bit kernel), so the two can be compared byte for byte: a file
// mapping's offset, device and inode, and its name (or [heap], [stack]) after padding
// to column 49.
#include <fmt/format.h>

#include "frontend/format/common.h"

namespace forkscope::format {

using namespace detail;

namespace {

std::string map_line(const VmaState& v) {
    const bool file = v.has_file;
    std::string line = fmt::format("{:08x}-{:08x} {} {:08x} {:02x}:{:02x} {} ", v.start, v.end, vma_perms(v),
                                   file ? uint32_t(v.pgoff << 12) : 0u, file ? v.dev >> 8 : 0u,
                                   file ? v.dev & 0xff : 0u, file ? v.ino : 0u);
    const std::string& what = file ? v.file : v.label;
    if (!what.empty()) {
        // seq_pad: the name starts after 25 + 6 * sizeof(void *) - 1 columns and a blank.
        if (line.size() < 48) line.append(48 - line.size(), ' ');
        line += ' ' + what;
    }
    return line + '\n';
}

}  // namespace

Result<std::string> maps(const KernelSnapshot& snap, int pid) {
    auto t = find_task(snap, pid);
    if (!t) return t.error();
    const MmState* mm = snap.mm_of(**t);
    std::string out;
    if (!mm) return out;  // a kernel thread or an exited task: an empty file, as on Linux
    for (const VmaState& v : mm->vmas) out += map_line(v);
    return out;
}

}  // namespace forkscope::format
