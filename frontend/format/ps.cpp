// ps: one line per task, PID first, with its address space's numbers:
//
//   PID PPID TGID STATE NAME MM-USERS PGD        RSS COW-SHARED VMAS FDS TICKS
//     1    0    1 S     init        1 0x00345000   5          3    4   3    12
//
// COW-SHARED counts the present pages that a write would copy (read-only in a private
// writable VMA, frame count > 1). Kernel threads have no mm: "-". With tree, children
// follow their parent, their names indented as ps --forest does (" \_ ").
#include <fmt/format.h>

#include <functional>

#include "frontend/format/common.h"

namespace forkscope::format {

using namespace detail;

namespace {

Colour state_colour(char state) {
    switch (state) {
    case 'R': return Colour::Green;
    case 'Z': case 'X': return Colour::Red;
    case 'D': return Colour::Yellow;
    default: return Colour::None;
    }
}

std::vector<Cell> task_row(const KernelSnapshot& snap, const TaskState& t, int depth) {
    auto num = [](auto v) { return Cell{std::to_string(v), Colour::None, true}; };
    const Cell none{"-", Colour::Dim, true};
    std::string name = t.comm;
    if (depth > 0) name = std::string(size_t(depth - 1) * 4, ' ') + " \\_ " + name;
    std::vector<Cell> row = {num(t.pid), num(t.ppid), num(t.tgid),
                             {std::string(1, t.state), state_colour(t.state)},
                             {name, t.current ? Colour::Bold : Colour::None}};
    if (const MmState* mm = snap.mm_of(t)) {
        const uint32_t cow = cow_shared(snap, *mm);
        row.push_back(num(mm->users));
        row.push_back({hex8(mm->pgd)});
        row.push_back(num(mm->rss));
        row.push_back({std::to_string(cow), cow ? Colour::Yellow : Colour::None, true});
        row.push_back(num(mm->vmas.size()));
    } else {
        row.insert(row.end(), {none, {"-", Colour::Dim}, none, none, none});
    }
    row.push_back(num(t.fds));
    row.push_back(num(t.utime + t.stime));
    return row;
}

}  // namespace

namespace detail {

std::vector<std::pair<const TaskState*, int>> forest(const KernelSnapshot& snap) {
    auto has_parent = [&](const TaskState& t) {
        return t.ppid != 0 && t.ppid != t.pid && snap.find_task(t.ppid) != nullptr;
    };
    std::vector<std::pair<const TaskState*, int>> order;
    std::function<void(const TaskState&, int)> visit = [&](const TaskState& t, int depth) {
        if (size_t(depth) > snap.tasks.size()) return;  // a ppid cycle in a damaged snapshot
        order.push_back({&t, depth});
        for (const TaskState& c : snap.tasks)
            if (c.ppid == t.pid && &c != &t && has_parent(c)) visit(c, depth + 1);
    };
    for (const TaskState& t : snap.tasks)
        if (!has_parent(t)) visit(t, 0);
    return order;
}

}  // namespace detail

std::string ps_table(const KernelSnapshot& snap, const PsOptions& opt) {
    Table table;
    std::vector<Cell> head;
    for (const char* h : {"PID", "PPID", "TGID", "STATE", "NAME", "MM-USERS", "PGD", "RSS", "COW-SHARED", "VMAS",
                          "FDS", "TICKS"})
        head.push_back({h, Colour::Bold, std::string_view(h) != "STATE" && std::string_view(h) != "NAME" &&
                                             std::string_view(h) != "PGD"});
    table.add(head);
    if (opt.tree) {
        for (auto [t, depth] : forest(snap)) table.add(task_row(snap, *t, depth));
    } else {
        for (const TaskState& t : snap.tasks) table.add(task_row(snap, t, 0));
    }
    return table.render(opt.colour);
}

}  // namespace forkscope::format
