#include "emulator/introspect/kernel_view.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

#include "emulator/introspect/kernel_layout.h"
#include "emulator/ram.h"

namespace forkscope {

KernelView::KernelView(KernelInfo info, const PageWalker& walker) : info_(std::move(info)), walker_(&walker) {}
KernelView::~KernelView() = default;
KernelView::KernelView(KernelView&&) noexcept = default;

Result<KernelView> KernelView::create(KernelInfo info, const PageWalker& walker) {
    auto layout = KernelLayout::resolve(info);
    if (!layout) return layout.error();
    KernelView view(std::move(info), walker);
    view.layout_ = std::make_unique<KernelLayout>(*layout);
    return view;
}

Result<uint32_t> KernelView::read_word(const PagingMode& mode, uint32_t vaddr) const {
    uint8_t b[4];
    if (auto r = walker_->read_virtual(mode, vaddr, b); !r) return r.error();
    uint32_t v;
    std::memcpy(&v, b, 4);
    return v;
}

Result<TaskIdentity> KernelView::current_task(const PagingMode& mode) const {
    auto task = read_word(mode, info_.current_task);
    if (!task) return task.error();
    if (*task == 0) return make_error(ErrorKind::MachineFault, "no current task yet");
    auto pid = read_word(mode, *task + info_.task_pid);
    if (!pid) return pid.error();
    auto tgid = read_word(mode, *task + info_.task_tgid);
    if (!tgid) return tgid.error();
    std::vector<uint8_t> comm(info_.task_comm_len);
    if (auto r = walker_->read_virtual(mode, *task + info_.task_comm, comm); !r) return r.error();
    TaskIdentity id;
    id.task = *task;
    id.pid = static_cast<int>(*pid);
    id.tgid = static_cast<int>(*tgid);
    id.comm.assign(comm.begin(), std::find(comm.begin(), comm.end(), uint8_t{0}));
    return id;
}

namespace {

// Reads one structure's bytes at a time and picks fields out of them, so a snapshot makes
// one walk per structure rather than one per field.
class Reader {
public:
    Reader(const PageWalker& walker, const PagingMode& mode) : walker_(walker), mode_(mode) {}

    Result<std::vector<uint8_t>> bytes(uint32_t vaddr, uint32_t size, const char* what) const {
        std::vector<uint8_t> b(size);
        if (auto r = walker_.read_virtual(mode_, vaddr, b); !r)
            return make_error(ErrorKind::MachineFault,
                              std::string("cannot read the kernel's ") + what + ": " + r.error().message);
        return b;
    }
    Result<uint32_t> word(uint32_t vaddr, const char* what) const {
        auto b = bytes(vaddr, 4, what);
        if (!b) return b.error();
        return field(*b, 0, 4);
    }
    // A NUL-terminated string of at most `max` bytes (a shorter read near a page end).
    std::string string(uint32_t vaddr, uint32_t max) const {
        std::string s;
        for (uint32_t i = 0; i < max; ++i) {
            uint8_t c;
            if (!walker_.read_virtual(mode_, vaddr + i, std::span<uint8_t>(&c, 1)) || c == 0) break;
            s.push_back(static_cast<char>(c));
        }
        return s;
    }
    static uint32_t field(const std::vector<uint8_t>& b, uint32_t offset, uint32_t size = 4) {
        uint32_t v = 0;
        if (offset + size <= b.size()) std::memcpy(&v, b.data() + offset, size);  // little-endian host and guest
        return v;
    }

private:
    const PageWalker& walker_;
    const PagingMode& mode_;
};

// A guard against a corrupt or cyclic list: no kernel of this size has more.
constexpr uint32_t kMaxListLength = 1u << 16;

Error fault(const std::string& what) { return make_error(ErrorKind::MachineFault, what); }

uint32_t vm_flags_of(const KernelLayout& l, uint32_t raw) {
    uint32_t f = 0;
    const std::pair<uint32_t, uint32_t> bits[] = {{l.vma.read, vm::kRead},         {l.vma.write, vm::kWrite},
                                                  {l.vma.exec, vm::kExec},         {l.vma.shared, vm::kShared},
                                                  {l.vma.mayshare, vm::kMayShare}, {l.vma.growsdown, vm::kGrowsDown},
                                                  {l.vma.dontcopy, vm::kDontCopy}};
    for (auto [kernel_bit, host_bit] : bits)
        if (raw & kernel_bit) f |= host_bit;
    return f;
}

Result<TaskState> read_task(const Reader& rd, const KernelLayout& l, uint32_t addr, uint32_t current) {
    auto b = rd.bytes(addr, l.task.size, "task_struct");
    if (!b) return b.error();
    TaskState t;
    t.addr = addr;
    t.pid = static_cast<int>(Reader::field(*b, l.task.pid));
    t.tgid = static_cast<int>(Reader::field(*b, l.task.tgid));
    t.raw_state = static_cast<int32_t>(Reader::field(*b, l.task.state));
    t.flags = Reader::field(*b, l.task.flags);
    t.exit_state = static_cast<int32_t>(Reader::field(*b, l.task.exit_state));
    t.exit_code = static_cast<int32_t>(Reader::field(*b, l.task.exit_code));
    t.mm = Reader::field(*b, l.task.mm);
    t.active_mm = Reader::field(*b, l.task.active_mm);
    t.utime = Reader::field(*b, l.task.utime);
    t.stime = Reader::field(*b, l.task.stime);
    t.kernel_thread = t.mm == 0 || (t.flags & l.task.pf_kthread);
    t.current = addr == current;
    const uint8_t* comm = b->data() + l.task.comm;
    t.comm.assign(comm, std::find(comm, comm + l.task.comm_len, uint8_t{0}));
    // As ps shows it: X past release (EXIT_DEAD, or TASK_DEAD without a zombie's
    // exit state), Z a zombie (whose state is TASK_DEAD too), then R, D, S.
    const uint32_t raw = static_cast<uint32_t>(t.raw_state), exit_state = static_cast<uint32_t>(t.exit_state);
    if (exit_state & l.task.exit_dead) t.state = 'X';
    else if (exit_state & l.task.exit_zombie) t.state = 'Z';
    else if (raw == l.task.dead) t.state = 'X';
    else if (raw == l.task.running) t.state = 'R';
    else if (raw == l.task.uninterruptible) t.state = 'D';
    else t.state = 'S';
    // getppid(): the real parent's tgid; the idle task has none.
    const uint32_t parent = Reader::field(*b, l.task.real_parent);
    if (parent && parent != addr) {
        auto ppid = rd.word(parent + l.task.tgid, "task_struct.real_parent");
        if (!ppid) return ppid.error();
        t.ppid = static_cast<int>(*ppid);
    }
    // The user registers at the top of its kernel stack, saved when it last entered the
    // kernel (a new child's: copied by fork): ESP if they are ring 3's.
    if (const uint32_t stack = Reader::field(*b, l.task.stack); stack && !t.kernel_thread) {
        auto regs = rd.bytes(stack + l.task.thread_size - l.regs.size, l.regs.size, "pt_regs");
        if (!regs) return regs.error();
        if (Reader::field(*regs, l.regs.cs) & 3) t.user_esp = Reader::field(*regs, l.regs.esp);
    }
    if (const uint32_t files = Reader::field(*b, l.task.files)) {
        auto fd = rd.bytes(files + l.files.fd, 4 * l.files.nr_fd, "files_struct");
        if (!fd) return fd.error();
        for (uint32_t i = 0; i < l.files.nr_fd; ++i) t.fds += Reader::field(*fd, 4 * i) != 0;
    }
    return t;
}

// The file a VMA maps, named as /proc/PID/maps names it (fs/proc.c file_name_for).
Result<void> read_vma_file(const Reader& rd, const KernelLayout& l, uint32_t file, VmaState& v) {
    auto inode = rd.word(file + l.file.inode, "file.f_inode");
    if (!inode) return inode.error();
    if (*inode == 0) return {};  // a pipe or the console: maps shows no name
    auto ino = rd.word(*inode + l.inode.ino, "inode.i_ino");
    auto nlink = rd.word(*inode + l.inode.nlink, "inode.i_nlink");
    auto sb = rd.word(*inode + l.inode.sb, "inode.i_sb");
    if (!ino || !nlink || !sb) return (!ino ? ino : !nlink ? nlink : sb).error();
    v.has_file = true;
    v.ino = *ino;
    auto dev = rd.word(*sb + l.sb.dev, "super_block.s_dev");
    if (!dev) return dev.error();
    auto transient = rd.bytes(*sb + l.sb.transient, l.sb.transient_size, "super_block.s_transient");
    if (!transient) return transient.error();
    v.dev = *dev;
    auto path = rd.word(file + l.file.path, "file.f_path");
    if (!path) return path.error();
    v.file = *path ? rd.string(*path, 4096) : "?";
    if (*nlink == 0 && Reader::field(*transient, 0, l.sb.transient_size) == 0) v.file += " (deleted)";
    return {};
}

Result<std::vector<VmaState>> read_vmas(const Reader& rd, const KernelLayout& l, uint32_t first, const MmState& mm) {
    std::vector<VmaState> vmas;
    const uint32_t span = std::max({l.vma.start, l.vma.end, l.vma.next, l.vma.flags, l.vma.file, l.vma.pgoff}) + 4;
    for (uint32_t at = first; at; ) {
        if (vmas.size() >= kMaxListLength) return fault("the VMA list of mm " + std::to_string(mm.addr) + " does not end");
        auto b = rd.bytes(at, span, "vm_area_struct");
        if (!b) return b.error();
        VmaState v;
        v.addr = at;
        v.start = Reader::field(*b, l.vma.start);
        v.end = Reader::field(*b, l.vma.end);
        v.raw_flags = Reader::field(*b, l.vma.flags);
        v.flags = vm_flags_of(l, v.raw_flags);
        v.pgoff = Reader::field(*b, l.vma.pgoff);
        if (const uint32_t file = Reader::field(*b, l.vma.file))
            if (auto r = read_vma_file(rd, l, file, v); !r) return r.error();
        if (!v.has_file) {
            if (v.start <= mm.brk && v.end >= mm.start_brk && mm.brk > mm.start_brk) v.label = "[heap]";
            else if (v.start <= mm.start_stack && v.end >= mm.start_stack) v.label = "[stack]";
        }
        vmas.push_back(std::move(v));
        at = Reader::field(*b, l.vma.next);
    }
    return vmas;
}

// The present entries of one page directory in [first, last) (directory indexes): the
// tables are frames of RAM, read directly.
Result<void> read_tables(const Ram& ram, const PagingMode& mode, uint32_t pgd, uint32_t first, uint32_t last,
                         std::vector<PdeState>& pdes, std::vector<PageMapping>& pages) {
    if (!ram.contains(pgd, 4096)) return fault("a page directory lies outside RAM");
    for (uint32_t i = first; i < last; ++i) {
        const uint32_t pde = ram.load32(pgd + 4 * i);
        if (!(pde & pte::kPresent)) continue;
        pdes.push_back(PdeState{i, pde});
        if ((pde & pte::kLargePage) && mode.pse()) {
            pages.push_back(PageMapping{i << 22, 4u << 20, pde & 0xffc00000u, pde, 0, pgd + 4 * i});
            continue;
        }
        const uint32_t table = pde & ~0xfffu;
        if (!ram.contains(table, 4096)) return fault("a page table lies outside RAM");
        for (uint32_t j = 0; j < 1024; ++j) {
            const uint32_t e = ram.load32(table + 4 * j);
            if (e & pte::kPresent)
                pages.push_back(PageMapping{(i << 22) | (j << 12), 4096, e & ~0xfffu, pde, e, table + 4 * j});
        }
    }
    return {};
}

Result<MmState> read_mm(const Reader& rd, const Ram& ram, const PagingMode& mode, const KernelLayout& l, uint32_t addr,
                        bool tables) {
    auto b = rd.bytes(addr, l.mm.size, "mm_struct");
    if (!b) return b.error();
    MmState mm;
    mm.addr = addr;
    mm.pgd = Reader::field(*b, l.mm.pgd) - l.page_offset;
    mm.users = static_cast<int>(Reader::field(*b, l.mm.mm_users));
    mm.count = static_cast<int>(Reader::field(*b, l.mm.mm_count));
    mm.map_count = static_cast<int>(Reader::field(*b, l.mm.map_count));
    mm.rss = Reader::field(*b, l.mm.rss);
    mm.total_vm = Reader::field(*b, l.mm.total_vm);
    mm.start_code = Reader::field(*b, l.mm.start_code);
    mm.end_code = Reader::field(*b, l.mm.end_code);
    mm.start_data = Reader::field(*b, l.mm.start_data);
    mm.end_data = Reader::field(*b, l.mm.end_data);
    mm.start_brk = Reader::field(*b, l.mm.start_brk);
    mm.brk = Reader::field(*b, l.mm.brk);
    mm.start_stack = Reader::field(*b, l.mm.start_stack);
    auto vmas = read_vmas(rd, l, Reader::field(*b, l.mm.mmap), mm);
    if (!vmas) return vmas.error();
    mm.vmas = std::move(*vmas);
    mm.pages.reserve(std::min<uint32_t>(mm.rss, 1u << 20));  // rss counts the present user pages
    mm.tables_read = tables;
    if (!tables) return mm;
    if (auto r = read_tables(ram, mode, mm.pgd, 0, l.page_offset >> 22, mm.pdes, mm.pages); !r) return r.error();
    return mm;
}

FrameKind frame_kind_of(const KernelLayout& l, uint32_t raw) {
    for (int k = 0; k < 6; ++k)
        if (l.page.kind_number[k] == raw) return static_cast<FrameKind>(k);
    return FrameKind::Unknown;
}

Result<void> read_frames(const Reader& rd, const KernelLayout& l, KernelSnapshot& s) {
    auto mem_map = rd.word(l.sym.mem_map, "mem_map");
    if (!mem_map) return mem_map.error();
    auto max_pfn = rd.word(l.sym.max_pfn, "max_pfn");
    if (!max_pfn) return max_pfn.error();
    if (*max_pfn > (1u << 20)) return fault("max_pfn " + std::to_string(*max_pfn) + " is beyond 4 GiB");
    s.frames.resize(*max_pfn);
    // In pieces: a buffer as large as mem_map (megabytes) would be fresh memory, page
    // faults and all, at every snapshot; one piece's buffer is reused.
    constexpr uint32_t kPiece = 1024;  // frames
    for (uint32_t first = 0; first < *max_pfn; first += kPiece) {
        const uint32_t n = std::min(kPiece, *max_pfn - first);
        auto b = rd.bytes(*mem_map + first * l.page.size, n * l.page.size, "mem_map");
        if (!b) return b.error();
        for (uint32_t i = 0; i < n; ++i) {
            const uint32_t at = i * l.page.size;
            FrameState& f = s.frames[first + i];
            f.raw_kind = static_cast<uint8_t>(Reader::field(*b, at + l.page.kind, l.page.kind_size));
            f.kind = frame_kind_of(l, f.raw_kind);
            f.order = static_cast<uint8_t>(Reader::field(*b, at + l.page.order, l.page.order_size));
            f.flags = static_cast<uint16_t>(Reader::field(*b, at + l.page.flags, l.page.flags_size));
            f.count = static_cast<int32_t>(Reader::field(*b, at + l.page.count, l.page.count_size));
        }
    }
    return {};
}

}  // namespace

Result<std::vector<VmaState>> KernelView::current_vmas(const PagingMode& mode) const {
    if (!layout_) return make_error(ErrorKind::Host, "KernelView::current_vmas needs a view made by create()");
    const KernelLayout& l = *layout_;
    const Reader rd(*walker_, mode);
    auto current = rd.word(l.sym.current_task, "current_task");
    if (!current) return current.error();
    if (*current == 0) return fault("no current task yet");
    auto mm = rd.word(*current + l.task.mm, "task_struct.mm");
    if (!mm) return mm.error();
    if (*mm == 0) return std::vector<VmaState>{};
    auto state = read_mm(rd, walker_->ram(), mode, l, *mm, false);
    if (!state) return state.error();
    return std::move(state->vmas);
}

Result<KernelSnapshot> KernelView::snapshot(const PagingMode& mode, uint32_t eip, uint64_t instructions,
                                            const SnapshotScope& scope) const {
    if (!layout_) return make_error(ErrorKind::Host, "KernelView::snapshot needs a view made by create()");
    if (!mode.paging()) return fault("the kernel has not turned paging on yet");
    const KernelLayout& l = *layout_;
    const Reader rd(*walker_, mode);
    KernelSnapshot s;
    s.instructions = instructions;
    s.cr0 = mode.cr0;
    s.cr3 = mode.cr3;
    s.cr4 = mode.cr4;
    s.eip = eip;
    s.kernel_base = l.page_offset;
    s.complete = !scope.tables_of_pid && scope.frames;

    auto current = rd.word(l.sym.current_task, "current_task");
    if (!current) return current.error();
    // The idle task, then every other task in creation order (the task list).
    std::vector<uint32_t> addrs = {l.sym.init_task};
    auto next = rd.word(l.sym.task_list + l.list_next, "task_list");
    if (!next) return next.error();
    while (*next != l.sym.task_list) {
        if (addrs.size() >= kMaxListLength) return fault("the task list does not end");
        addrs.push_back(*next - l.task.tasks);
        next = rd.word(*next + l.list_next, "task list entry");
        if (!next) return next.error();
    }
    for (uint32_t addr : addrs) {
        auto t = read_task(rd, l, addr, *current);
        if (!t) return t.error();
        s.tasks.push_back(std::move(*t));
    }
    std::stable_sort(s.tasks.begin(), s.tasks.end(), [](const TaskState& a, const TaskState& b) { return a.pid < b.pid; });
    // Every mm a task owns or, a kernel thread, borrows (active_mm: init_mm, whose
    // directory is swapper_pg_dir, or the last user mm it ran on); the page tables of
    // all of them, or only of the one task's the scope names.
    std::set<uint32_t> tables_of;
    if (scope.tables_of_pid)
        for (const TaskState& t : s.tasks)
            if (t.pid == *scope.tables_of_pid) tables_of = {t.mm, t.active_mm};
    for (const TaskState& t : s.tasks)
        for (uint32_t addr : {t.mm, t.active_mm}) {
            if (!addr || s.mms.count(addr)) continue;
            auto mm = read_mm(rd, walker_->ram(), mode, l, addr, !scope.tables_of_pid || tables_of.count(addr));
            if (!mm) return mm.error();
            s.mms.emplace(addr, std::move(*mm));
        }
    if (auto r = read_tables(walker_->ram(), mode, l.sym.swapper_pg_dir - l.page_offset, l.page_offset >> 22, 1024,
                             s.kernel_pdes, s.kernel_pages);
        !r)
        return r.error();
    if (scope.frames)
        if (auto r = read_frames(rd, l, s); !r) return r.error();
    for (auto [field, sym, what] : {std::tuple{&s.nr_free_pages, l.sym.nr_free_pages, "nr_free_pages"},
                                    {&s.totalram_pages, l.sym.totalram_pages, "totalram_pages"},
                                    {&s.jiffies, l.sym.jiffies, "jiffies"}}) {
        auto v = rd.word(sym, what);
        if (!v) return v.error();
        *field = *v;
    }
    return s;
}

}  // namespace forkscope
