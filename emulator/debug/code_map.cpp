#include "emulator/debug/code_map.h"

#include <fstream>
#include <iterator>

#include "emulator/debug/source_map.h"
#include "emulator/debug/variables.h"
#include "emulator/elf32.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/symbols.h"

namespace forkscope {

struct CodeMap::Loaded {
    bool elf = false;  // the file could be read and is an ELF file
    std::optional<KernelSymbols> symbols;
    std::optional<SourceMap> source;
    std::optional<DebugInfo> debug_info;
    std::string note;
};

namespace {

struct Segment {
    uint32_t flags;
    uint64_t vaddr, filesz, memsz;
    std::vector<uint8_t> bytes;
    bool operator==(const Segment&) const = default;
};

// The PT_LOAD segments of an ELF32 file, or nullopt when it is not one or they lie
// outside the file. A segment that holds the ELF header leaves out where the section
// header table is (e_shoff, e_shnum, e_shstrndx): stripping moves it.
std::optional<std::vector<Segment>> loaded_segments(std::span<const uint8_t> f) {
    if (f.size() < elf32::kHeaderSize || f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F' ||
        f[elf32::kEiClass] != elf32::kClass32 || f[elf32::kEiData] != elf32::kDataLsb)
        return std::nullopt;
    const elf32::Header h = elf32::read_header(f);
    if (h.phentsize < elf32::kPhdrSize || h.phoff + h.phnum * h.phentsize > f.size()) return std::nullopt;
    std::vector<Segment> segments;
    for (uint64_t i = 0; i < h.phnum; ++i) {
        const elf32::ProgramHeader p = elf32::read_program_header(f, h, i);
        if (p.type != elf32::kPtLoad) continue;
        if (p.offset + p.filesz > f.size()) return std::nullopt;
        Segment s{p.flags, p.vaddr, p.filesz, p.memsz, {}};
        s.bytes.assign(f.begin() + static_cast<std::ptrdiff_t>(p.offset),
                       f.begin() + static_cast<std::ptrdiff_t>(p.offset + p.filesz));
        constexpr std::pair<uint64_t, uint64_t> kSectionFields[] = {{32, 36}, {46, 52}};  // e_shoff; e_shentsize..e_shstrndx
        for (auto [from, to] : kSectionFields)
            for (uint64_t o = from; o < to; ++o)
                if (o >= p.offset && o < p.offset + p.filesz) s.bytes[o - p.offset] = 0;
        segments.push_back(std::move(s));
    }
    return segments;
}

std::optional<std::vector<uint8_t>> read_host_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string base_name(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool same_loaded_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
    auto sa = loaded_segments(a), sb = loaded_segments(b);
    return sa && sb && !sa->empty() && *sa == *sb;
}

CodeMap::CodeMap(std::string kernel_name, const KernelSymbols& kernel_symbols, const SourceMap* kernel_source,
                 uint32_t kernel_base)
    : kernel_{std::move(kernel_name), false, &kernel_symbols, kernel_source, nullptr, ""}, kernel_base_(kernel_base) {}

CodeMap::~CodeMap() = default;

void CodeMap::set_user_files(FileReader files, std::vector<std::string> debug_dirs) {
    files_ = std::move(files);
    debug_dirs_ = std::move(debug_dirs);
    loaded_.clear();
    mappings_.clear();
}

std::optional<CodeImage> CodeMap::image(const std::string& path) {
    auto it = loaded_.find(path);
    if (it == loaded_.end()) {
        auto loaded = std::make_unique<Loaded>();
        std::optional<std::vector<uint8_t>> file = files_ ? files_(path) : std::nullopt;
        if (file && loaded_segments(*file)) {
            loaded->elf = true;
            // The file's own debug information, else a full copy of it from a debug directory.
            auto source = SourceMap::read(*file, path);
            std::vector<uint8_t> described = *file;
            if (!source) {
                loaded->note = source.error().message;
                for (const std::string& dir : debug_dirs_) {
                    auto full = read_host_file(dir + "/" + base_name(path));
                    if (!full || !same_loaded_bytes(*file, *full)) continue;
                    if (auto s = SourceMap::read(*full, path)) {
                        source = std::move(s);
                        described = std::move(*full);
                        break;
                    }
                }
            }
            if (source) {
                loaded->source = std::move(*source);
                if (auto info = DebugInfo::read(described, path)) loaded->debug_info = std::move(*info);
            }
            if (auto symbols = KernelSymbols::read(described)) loaded->symbols = std::move(*symbols);
        }
        it = loaded_.emplace(path, std::move(loaded)).first;
    }
    const Loaded& l = *it->second;
    if (!l.elf) return std::nullopt;
    return CodeImage{path, true, l.symbols ? &*l.symbols : nullptr, l.source ? &*l.source : nullptr,
                     l.debug_info ? &*l.debug_info : nullptr, l.source ? "" : l.note};
}

std::optional<CodeMap::Mapping> CodeMap::mapping_at(const KernelView& view, const PagingMode& mode, uint32_t eip) const {
    auto vmas = view.current_vmas(mode);
    if (!vmas) return std::nullopt;
    for (const VmaState& v : *vmas) {
        if (eip < v.start || eip >= v.end || !v.has_file) continue;
        std::string file = v.file;
        if (file.ends_with(" (deleted)")) file.resize(file.size() - 10);
        return Mapping{mode.cr3, v.start, v.end, file};
    }
    return std::nullopt;
}

std::string CodeMap::file_at(const KernelView& view, const PagingMode& mode, uint32_t eip) const {
    auto m = mapping_at(view, mode, eip);
    return m ? m->file : "";
}

std::optional<CodeImage> CodeMap::at(const KernelView& view, const PagingMode& mode, uint32_t eip) {
    if (eip >= kernel_base_) return kernel_;
    for (const Mapping& m : mappings_)
        if (m.cr3 == mode.cr3 && eip >= m.start && eip < m.end) return image(m.file);
    auto m = mapping_at(view, mode, eip);
    if (!m) return std::nullopt;
    mappings_.push_back(*m);
    return image(m->file);
}

std::optional<CodeImage> CodeMap::at_fresh(const KernelView& view, const PagingMode& mode, uint32_t eip) {
    if (eip >= kernel_base_) return kernel_;
    auto m = mapping_at(view, mode, eip);
    if (!m) return std::nullopt;
    return image(m->file);
}

}  // namespace forkscope
