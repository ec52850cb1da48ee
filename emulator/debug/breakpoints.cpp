#include "emulator/debug/breakpoints.h"

#include <algorithm>
#include <charconv>

#include "emulator/debug/source_map.h"
#include "emulator/machine.h"
#include "emulator/symbols.h"

namespace forkscope {

namespace {

Error usage(std::string message) { return make_error(ErrorKind::Usage, std::move(message)); }

std::optional<uint32_t> parse_number(std::string_view text, int base) {
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

}  // namespace

BreakpointTable::~BreakpointTable() {
    for (const Breakpoint& b : breakpoints_)
        if (b.enabled) uninstall(b);
}

namespace {

// A function or FILE:LINE in one image's symbols and lines (source may be null).
Result<std::vector<uint32_t>> resolve_in(const KernelSymbols& symbols, const SourceMap* source, std::string_view text,
                                         const std::string& what) {
    if (const size_t colon = text.rfind(':'); colon != std::string_view::npos) {
        auto line = parse_number(text.substr(colon + 1), 10);
        if (!line || *line == 0) return usage("'" + std::string(text) + "': a line number is a positive number");
        if (!source) return usage("no source lines: " + what + " has no debug information ('" + std::string(text) + "')");
        return source->addresses_of(text.substr(0, colon), static_cast<int>(*line));
    }
    auto sym = symbols.lookup(text);
    if (!sym) return sym.error();
    if (!sym->function) return usage("'" + sym->name + "' is not a function");
    return std::vector<uint32_t>{sym->address};
}

}  // namespace

Result<std::vector<uint32_t>> BreakpointTable::resolve(std::string_view location, std::string* image) const {
    std::string_view text = location;
    if (image) image->clear();
    if (text.starts_with("*")) text.remove_prefix(1);
    if (text.starts_with("0x") || text.starts_with("0X")) {
        auto a = parse_number(text.substr(2), 16);
        if (!a) return usage("'" + std::string(location) + "' is not an address");
        return std::vector<uint32_t>{*a};
    }
    auto in_kernel = resolve_in(symbols_, source_, text, "the kernel");
    if (in_kernel || !program_ || !program_->symbols) return in_kernel;
    if (const size_t colon = text.rfind(':'); colon != std::string_view::npos) {
        const std::string_view file = text.substr(0, colon);
        if (!(source_ && source_->has_file(file)) && !(program_->source && program_->source->has_file(file)))
            return usage("no source file '" + std::string(file) + "' in the kernel or " + program_->name);
    }
    auto in_program = resolve_in(*program_->symbols, program_->source, text, program_->name);
    if (!in_program) {
        // The kernel's words, unless the location names one of the program's files.
        const size_t colon = text.rfind(':');
        const bool program_file =
            colon != std::string_view::npos && program_->source && program_->source->has_file(text.substr(0, colon));
        return program_file ? in_program : in_kernel;
    }
    if (image) *image = program_->name;
    return in_program;
}

Breakpoint* BreakpointTable::find(int number) {
    for (Breakpoint& b : breakpoints_)
        if (b.number == number) return &b;
    return nullptr;
}

void BreakpointTable::install(const Breakpoint& b) {
    for (uint32_t a : b.addresses) (void)machine_.add_stop_address(a);
}

// An address stays a stop address while another enabled breakpoint has it.
void BreakpointTable::uninstall(const Breakpoint& b) {
    for (uint32_t a : b.addresses) {
        const bool shared = std::any_of(breakpoints_.begin(), breakpoints_.end(), [&](const Breakpoint& o) {
            return o.number != b.number && o.enabled &&
                   std::find(o.addresses.begin(), o.addresses.end(), a) != o.addresses.end();
        });
        if (!shared) machine_.remove_stop_address(a);
    }
}

Result<const Breakpoint*> BreakpointTable::add(std::string_view location, bool temporary) {
    std::string image;
    auto addrs = resolve(location, &image);
    if (!addrs) return addrs.error();
    Breakpoint b;
    b.image = std::move(image);
    b.number = next_number_;
    b.location = std::string(location);
    b.addresses = std::move(*addrs);
    b.temporary = temporary;
    for (size_t i = 0; i < b.addresses.size(); ++i)
        if (auto r = machine_.add_stop_address(b.addresses[i]); !r) {
            Breakpoint added = b;  // not in the table: uninstall spares the others' addresses
            added.addresses.resize(i);
            uninstall(added);
            return r.error();
        }
    ++next_number_;
    breakpoints_.push_back(std::move(b));
    return &breakpoints_.back();
}

Result<void> BreakpointTable::remove(int number) {
    Breakpoint* b = find(number);
    if (!b) return usage("no breakpoint number " + std::to_string(number));
    if (b->enabled) uninstall(*b);
    breakpoints_.erase(breakpoints_.begin() + (b - breakpoints_.data()));
    return {};
}

Result<void> BreakpointTable::enable(int number, bool enabled) {
    Breakpoint* b = find(number);
    if (!b) return usage("no breakpoint number " + std::to_string(number));
    if (b->enabled == enabled) return {};
    if (enabled) {
        b->enabled = true;
        install(*b);
    } else {
        uninstall(*b);
        b->enabled = false;
    }
    return {};
}

Result<void> BreakpointTable::ignore(int number, uint64_t count) {
    Breakpoint* b = find(number);
    if (!b) return usage("no breakpoint number " + std::to_string(number));
    b->ignore = count;
    return {};
}

bool BreakpointTable::has_user_breakpoints() const {
    return std::any_of(breakpoints_.begin(), breakpoints_.end(), [](const Breakpoint& b) { return !b.image.empty(); });
}

std::optional<Breakpoint> BreakpointTable::hit(uint32_t address, std::string_view image) {
    // The lowest-numbered enabled breakpoint there stops; every one there counts the hit.
    Breakpoint* stops = nullptr;
    for (Breakpoint& b : breakpoints_) {
        if (!b.enabled || std::find(b.addresses.begin(), b.addresses.end(), address) == b.addresses.end()) continue;
        if (!b.image.empty() && b.image != image) continue;  // the same address in another program
        ++b.hits;
        if (b.ignore > 0) {
            --b.ignore;
            continue;
        }
        if (!stops) stops = &b;
    }
    if (!stops) return std::nullopt;
    Breakpoint copy = *stops;
    if (copy.temporary) (void)remove(copy.number);
    return copy;
}

}  // namespace forkscope
