// CodeMap: which image's symbols and source lines describe the code at an address. Above
// PAGE_OFFSET the kernel's; below it the executable the running task maps there (the
// file of its VMA, as /proc/PID/maps names it), read once, on first use, from the bytes
// the front end supplies for that guest path (the initramfs holds them).
//
// The built-in programs are stripped of debug information in the initramfs, as a
// distribution's packages are. Their full files come from debug directories, as gdb's
// debug-file-directory: a file of the same name there describes the program when the
// bytes it loads are the same.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "emulator/page_walker.h"

namespace forkscope {

class DebugInfo;
class KernelSymbols;
class KernelView;
class SourceMap;

struct CodeImage {
    std::string name;                        // "/bin/forktest", or the kernel's file name
    bool user = false;                       // a user program (its addresses are per address space)
    const KernelSymbols* symbols = nullptr;  // null: none (a stripped file)
    const SourceMap* source = nullptr;       // null: no lines (note says why)
    const DebugInfo* debug_info = nullptr;   // a user program's variables and types (null: none; the
                                             // kernel's are the session's)
    std::string note;                        // why there are no lines, when there are none
};

class CodeMap {
public:
    // A guest file's bytes by its path ("/bin/forktest"); nullopt when there is none.
    using FileReader = std::function<std::optional<std::vector<uint8_t>>(const std::string& path)>;

    // kernel_source may be null (a kernel without -g). All references outlive the map.
    CodeMap(std::string kernel_name, const KernelSymbols& kernel_symbols, const SourceMap* kernel_source,
            uint32_t kernel_base);
    ~CodeMap();
    CodeMap(const CodeMap&) = delete;
    CodeMap& operator=(const CodeMap&) = delete;

    // User programs: their files and the debug directories. Without it, user code has
    // no image (as before a program is known).
    void set_user_files(FileReader files, std::vector<std::string> debug_dirs);

    const CodeImage& kernel() const { return kernel_; }
    uint32_t kernel_base() const { return kernel_base_; }

    // The image of the code at eip in the address space `mode` shows, or nullopt (a user
    // address no file is mapped at, or whose file cannot be read). The running task's
    // VMAs say which file that is; they are kept for this CR3 until forget_mappings().
    std::optional<CodeImage> at(const KernelView& view, const PagingMode& mode, uint32_t eip);
    // As at(), reading the VMAs afresh (a breakpoint's check: nothing remembered).
    std::optional<CodeImage> at_fresh(const KernelView& view, const PagingMode& mode, uint32_t eip);
    // The file mapped at user address eip in the running task ("" when none).
    std::string file_at(const KernelView& view, const PagingMode& mode, uint32_t eip) const;
    // Address spaces may have changed (the machine ran): forget which file lies where.
    void forget_mappings() { mappings_.clear(); }

    // A user program's image by its guest path, read on first use; nullopt when the
    // file cannot be read or is not an ELF file.
    std::optional<CodeImage> image(const std::string& path);

private:
    struct Loaded;
    struct Mapping {
        uint32_t cr3, start, end;
        std::string file;
    };

    std::optional<Mapping> mapping_at(const KernelView& view, const PagingMode& mode, uint32_t eip) const;

    CodeImage kernel_;
    uint32_t kernel_base_;
    FileReader files_;
    std::vector<std::string> debug_dirs_;
    std::map<std::string, std::unique_ptr<Loaded>> loaded_;
    std::vector<Mapping> mappings_;
};

// Whether two ELF32 files load the same bytes: the same PT_LOAD segments (addresses,
// sizes, flags) with the same file contents. A file stripped of its debug information
// loads the same bytes as the full one.
bool same_loaded_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace forkscope
