#include "emulator/debug/kernel_objects.h"

#include <cstdio>
#include <cstring>
#include <vector>

#include "emulator/debug/variables.h"

namespace forkscope {

namespace {

std::string hex(uint32_t v, int width = 0) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%0*x", width, v);
    return b;
}

// maps' permission letters.
std::string perms(const VmaState& v) {
    std::string p = "---p";
    if (v.flags & vm::kRead) p[0] = 'r';
    if (v.flags & vm::kWrite) p[1] = 'w';
    if (v.flags & vm::kExec) p[2] = 'x';
    if (v.flags & vm::kMayShare) p[3] = 's';
    return p;
}

// A comm as a C string, unprintable bytes in octal (a freed task's may be anything).
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') out += '\\';
        if (u < 0x20 || u >= 0x7f) {
            char b[8];
            std::snprintf(b, sizeof b, "\\%.3o", u);
            out += b;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

KernelObjects::KernelObjects(const KernelSnapshot& snapshot, const DebugInfo& info, ReadMemory memory)
    : snapshot_(snapshot), info_(info), memory_(std::move(memory)) {}

std::optional<std::string> KernelObjects::describe(const Type* pointee, uint32_t addr) const {
    const Type* t = strip(pointee);
    if (!t || t->kind != TypeKind::Struct || addr == 0) return std::nullopt;
    if (t->name == "task_struct") return task(addr);
    if (t->name == "mm_struct") return mm(addr);
    if (t->name == "vm_area_struct") return vma(addr);
    if (t->name == "page") return page(addr);
    return std::nullopt;
}

std::optional<uint64_t> KernelObjects::member(const char* type, uint32_t addr, const char* name, std::string* text) const {
    const Type* t = strip(info_.named_type(type));
    if (!t) return std::nullopt;
    for (const Member& m : t->members) {
        if (m.name != name || m.bit_size) continue;
        const Type* mt = strip(m.type);
        if (!mt) return std::nullopt;
        std::vector<uint8_t> b(mt->size);
        if (!memory_(addr + m.offset, b)) return std::nullopt;
        if (text) {  // a char array: the string up to its NUL
            *text = std::string(b.begin(), b.end());
            *text = text->substr(0, text->find('\0'));
            return 0;
        }
        uint64_t v = 0;
        std::memcpy(&v, b.data(), b.size() < 8 ? b.size() : 8);
        return v;
    }
    return std::nullopt;
}

std::optional<std::string> KernelObjects::task(uint32_t addr) const {
    for (const TaskState& t : snapshot_.tasks)
        if (t.addr == addr) return "pid " + std::to_string(t.pid) + " " + quoted(t.comm) + " " + std::string(1, t.state);
    std::string comm;
    auto pid = member("struct task_struct", addr, "pid");
    if (!pid || !member("struct task_struct", addr, "comm", &comm)) return std::nullopt;
    return "pid " + std::to_string(static_cast<int32_t>(*pid)) + " " + quoted(comm) + ", not in the task list";
}

std::optional<std::string> KernelObjects::mm(uint32_t addr) const {
    if (auto it = snapshot_.mms.find(addr); it != snapshot_.mms.end())
        return "users " + std::to_string(it->second.users) + ", " + std::to_string(it->second.vmas.size()) + " vmas";
    auto users = member("struct mm_struct", addr, "mm_users");
    auto count = member("struct mm_struct", addr, "map_count");
    if (!users || !count) return std::nullopt;
    return "users " + std::to_string(static_cast<int32_t>(*users)) + ", " + std::to_string(static_cast<int32_t>(*count)) +
           " vmas, no task's";
}

std::optional<std::string> KernelObjects::vma(uint32_t addr) const {
    for (const auto& [at, m] : snapshot_.mms) {
        for (const VmaState& v : m.vmas) {
            if (v.addr != addr) continue;
            std::string s = hex(v.start, 8) + "-" + hex(v.end, 8) + " " + perms(v);
            const std::string& name = v.has_file ? v.file : v.label;
            return name.empty() ? s : s + " " + name;
        }
    }
    auto start = member("struct vm_area_struct", addr, "vm_start");
    auto end = member("struct vm_area_struct", addr, "vm_end");
    if (!start || !end) return std::nullopt;
    return hex(static_cast<uint32_t>(*start), 8) + "-" + hex(static_cast<uint32_t>(*end), 8) + ", no mm's";
}

std::optional<std::string> KernelObjects::page(uint32_t addr) const {
    const Type* page = strip(info_.named_type("struct page"));
    auto mem_map = info_.lookup("mem_map", nullptr, memory_);
    if (!page || !page->size || !mem_map || !mem_map->available()) return std::nullopt;
    const uint32_t base = static_cast<uint32_t>(mem_map->as_unsigned());
    if (addr < base || (addr - base) % page->size) return std::nullopt;
    const uint32_t pfn = (addr - base) / page->size;
    if (pfn >= snapshot_.frames.size()) return std::nullopt;
    const FrameState& f = snapshot_.frames[pfn];
    return "pfn " + hex(pfn) + " count " + std::to_string(f.count) + " " + frame_kind_name(f.kind);
}

}  // namespace forkscope
