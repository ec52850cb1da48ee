// --format=json of pt, ps and frames: one versioned document shape for all three
// (docs/pt-json-schema.json, described in docs/inspect-json.md): "format",
// "version", "command", the snapshot's registers, then the command's own part.
// Numbers (addresses included) are JSON integers.
#include <nlohmann/json.hpp>

#include <map>

#include "frontend/format/common.h"

namespace forkscope::format {

using namespace detail;
using json = nlohmann::ordered_json;  // keys in the order written

namespace {

json document(const KernelSnapshot& snap, const char* command) {
    return {{"format", "forkscope-inspect"},
            {"version", kJsonVersion},
            {"command", command},
            {"snapshot",
             {{"stop", snap.stop},
              {"instructions", snap.instructions},
              {"eip", snap.eip},
              {"cr0", snap.cr0},
              {"cr3", snap.cr3},
              {"cr4", snap.cr4},
              {"jiffies", snap.jiffies},
              {"kernel_base", snap.kernel_base}}}};
}

json flag_list(uint32_t entry) {
    json flags = json::array();
    std::string names = flag_names(entry);
    if (names == "none") return flags;
    for (size_t at = 0; at < names.size();) {
        size_t sp = names.find(' ', at);
        if (sp == std::string::npos) sp = names.size();
        flags.push_back(names.substr(at, sp - at));
        at = sp + 1;
    }
    return flags;
}

json vma_json(const VmaState& v) {
    return {{"start", v.start},         {"end", v.end},     {"perms", vma_perms(v)},
            {"name", vma_name(v)},      {"file", v.has_file ? json(v.file) : json(nullptr)},
            {"vm_flags", v.raw_flags},  {"pgoff", v.pgoff}};
}

json task_ref(const TaskState& t) { return {{"pid", t.pid}, {"comm", t.comm}}; }

json pdes_json(std::span<const PdeState> pdes, const AddressRange& range) {
    json out = json::array();
    for (const PdeState& p : pdes) {
        const uint64_t start = uint64_t(p.index) << 22;
        if (!range.overlaps(static_cast<uint32_t>(start), start + kLargePageSize)) continue;
        out.push_back({{"index", p.index},
                       {"entry", p.entry},
                       {"large", p.large()},
                       {"table", p.large() ? json(nullptr) : json(p.entry & ~0xfffu)},
                       {"flags", flag_list(p.entry & 0x1ff)}});
    }
    return out;
}

json mappings_json(const KernelSnapshot& snap, const MmState* mm, std::span<const PageMapping> pages,
                   const PtOptions& opt) {
    json out = json::array();
    for (const Run& r : merge_runs(snap, mm, pages, opt.range, opt.no_merge)) {
        out.push_back({{"vaddr", r.vaddr},
                       {"end", r.end},
                       {"paddr", r.paddr},
                       {"pages", r.pages},
                       {"page_size", r.size},
                       {"entry", r.size == kPageSize ? r.first->pte : r.first->pde},
                       {"flags", flag_list(r.flags)},
                       {"count_min", r.counted ? json(r.count_min) : json(nullptr)},
                       {"count_max", r.counted ? json(r.count_max) : json(nullptr)},
                       {"cow", r.cow},
                       {"vma", r.vma ? vma_json(*r.vma) : json(nullptr)}});
    }
    return out;
}

}  // namespace

Result<std::string> pt_json(const KernelSnapshot& snap, std::optional<int> pid, const PtOptions& opt) {
    const TaskState* only = nullptr;
    if (pid) {
        auto t = find_task(snap, *pid);
        if (!t) return t.error();
        only = *t;
    }
    json doc = document(snap, "pt");
    json spaces = json::array(), kernel_threads = json::array();
    for (const AddressSpace& s : address_spaces(snap)) {
        if (!s.mm) {
            for (const TaskState* t : s.tasks)
                if (!only || t == only) kernel_threads.push_back(task_ref(*t));
            continue;
        }
        if (only && only->mm != s.mm->addr) continue;
        json tasks = json::array(), vmas = json::array();
        for (const TaskState* t : s.tasks) tasks.push_back(task_ref(*t));
        for (const VmaState& v : s.mm->vmas) vmas.push_back(vma_json(v));
        const MmState& m = *s.mm;
        spaces.push_back({{"mm", m.addr},
                          {"cr3", m.pgd},
                          {"rss", m.rss},
                          {"users", m.users},
                          {"count", m.count},
                          {"map_count", m.map_count},
                          {"total_vm", m.total_vm},
                          {"start_code", m.start_code},
                          {"end_code", m.end_code},
                          {"start_data", m.start_data},
                          {"end_data", m.end_data},
                          {"start_brk", m.start_brk},
                          {"brk", m.brk},
                          {"start_stack", m.start_stack},
                          {"tasks", tasks},
                          {"vmas", vmas},
                          {"pdes", pdes_json(s.mm->pdes, opt.range)},
                          {"mappings", mappings_json(snap, s.mm, s.mm->pages, opt)}});
    }
    doc["address_spaces"] = spaces;
    doc["tasks_without_mm"] = kernel_threads;
    if (opt.kernel)
        doc["kernel"] = {{"pdes", pdes_json(snap.kernel_pdes, opt.range)},
                         {"mappings", mappings_json(snap, nullptr, snap.kernel_pages, opt)}};
    return doc.dump(2) + '\n';
}

std::string ps_json(const KernelSnapshot& snap) {
    json doc = document(snap, "ps");
    json tasks = json::array();
    for (const TaskState& t : snap.tasks) {
        const MmState* mm = snap.mm_of(t);
        json j = {{"pid", t.pid},
                  {"ppid", t.ppid},
                  {"tgid", t.tgid},
                  {"state", std::string(1, t.state)},
                  {"comm", t.comm},
                  {"kernel_thread", t.kernel_thread},
                  {"current", t.current},
                  {"fds", t.fds},
                  {"utime", t.utime},
                  {"stime", t.stime},
                  {"ticks", uint64_t(t.utime) + t.stime},
                  {"mm", mm ? json(mm->addr) : json(nullptr)}};
        if (mm) {
            j["mm_users"] = mm->users;
            j["pgd"] = mm->pgd;
            j["rss"] = mm->rss;
            j["cow_shared"] = cow_shared(snap, *mm);
            j["vmas"] = mm->vmas.size();
        }
        tasks.push_back(j);
    }
    doc["tasks"] = tasks;
    return doc.dump(2) + '\n';
}

std::string frames_json(const KernelSnapshot& snap) {
    json doc = document(snap, "frames");
    std::map<std::string, std::map<std::string, uint32_t>> by_kind;
    std::map<std::string, uint32_t> totals;
    for (const FrameState& f : snap.frames) {
        by_kind[frame_kind_name(f.kind)][std::to_string(f.count)]++;
        totals[frame_kind_name(f.kind)]++;
    }
    json kinds = json::array();
    for (const auto& [kind, counts] : by_kind)
        kinds.push_back({{"kind", kind}, {"total", totals[kind]}, {"by_count", counts}});
    doc["frames"] = snap.frames.size();
    doc["free"] = totals.count("free") ? totals["free"] : 0;
    doc["nr_free_pages"] = snap.nr_free_pages;
    doc["totalram_pages"] = snap.totalram_pages;
    doc["by_kind"] = kinds;
    json shared = json::array();
    for (const auto& [pfn, users] : user_mappings(snap)) {
        if (users.size() < 2) continue;
        json list = json::array();
        for (const FrameUser& u : users) {
            json pids = json::array();
            for (const TaskState& t : snap.tasks)
                if (t.mm == u.mm->addr) pids.push_back(t.pid);
            list.push_back({{"mm", u.mm->addr}, {"pids", pids}, {"vaddr", u.vaddr},
                            {"entry", u.m->size == kPageSize ? u.m->pte : u.m->pde}});
        }
        const FrameState* f = pfn < snap.frames.size() ? &snap.frames[pfn] : nullptr;
        shared.push_back({{"pfn", pfn},
                          {"kind", f ? frame_kind_name(f->kind) : "unknown"},
                          {"count", f ? json(f->count) : json(nullptr)},
                          {"mappings", list}});
    }
    doc["shared"] = shared;
    return doc.dump(2) + '\n';
}

}  // namespace forkscope::format
