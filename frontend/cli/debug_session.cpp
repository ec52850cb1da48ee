#include "frontend/cli/debug_session.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <map>

#include "base/hex.h"
#include "emulator/cpu.h"
#include "emulator/debug/backtrace.h"
#include "emulator/debug/expression.h"
#include "emulator/debug/kernel_objects.h"
#include "emulator/debug/value_format.h"
#include "emulator/debug/variables.h"
#include "emulator/debug/source_map.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/machine.h"
#include "emulator/page_walker.h"
#include "emulator/symbols.h"
#include "frontend/cli/debug_parse.h"
#include "frontend/format/format.h"

namespace forkscope::cli {

namespace {

Error usage(std::string m) { return make_error(ErrorKind::Usage, std::move(m)); }

// A source path as the transcript shows it: from the project's top folder on, so that
// the same run prints the same text in every checkout.
std::string shown_path(const std::string& path) {
    for (const char* top : {"/guestkernel/", "/images/", "/tests/"})
        if (auto at = path.rfind(top); at != std::string::npos) return path.substr(at + 1);
    return path;
}

std::optional<uint64_t> number(std::string_view text) {
    int base = 10;
    if (text.starts_with("0x") || text.starts_with("0X")) {
        text.remove_prefix(2);
        base = 16;
    }
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
    if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

struct RegisterName {
    const char* name;
    Reg reg;
};
constexpr RegisterName kRegisters[] = {
    {"eax", Reg::Eax}, {"ecx", Reg::Ecx}, {"edx", Reg::Edx}, {"ebx", Reg::Ebx},  {"esp", Reg::Esp},
    {"ebp", Reg::Ebp}, {"esi", Reg::Esi}, {"edi", Reg::Edi}, {"eip", Reg::Eip},  {"eflags", Reg::Eflags},
    {"cs", Reg::Cs},   {"ss", Reg::Ss},   {"ds", Reg::Ds},   {"es", Reg::Es},    {"fs", Reg::Fs},
    {"gs", Reg::Gs},   {"cr0", Reg::Cr0}, {"cr2", Reg::Cr2}, {"cr3", Reg::Cr3},  {"cr4", Reg::Cr4},
};

std::optional<Reg> register_named(std::string_view name) {
    if (name == "pc") return Reg::Eip;
    if (name == "sp") return Reg::Esp;
    if (name == "fp") return Reg::Ebp;
    if (name == "ps") return Reg::Eflags;
    for (const RegisterName& r : kRegisters)
        if (name == r.name) return r.reg;
    return std::nullopt;
}

// EFLAGS as gdb shows it: "[ PF ZF IF ]", lowest bit first.
std::string eflags_text(uint32_t v) {
    static const std::pair<int, const char*> bits[] = {{0, "CF"},  {2, "PF"},  {4, "AF"},  {6, "ZF"},  {7, "SF"},
                                                       {8, "TF"},  {9, "IF"},  {10, "DF"}, {11, "OF"}, {14, "NT"},
                                                       {16, "RF"}, {17, "VM"}, {18, "AC"}, {19, "VIF"}, {20, "VIP"},
                                                       {21, "ID"}};
    std::string s = "[ ";
    for (auto [bit, name] : bits)
        if (v & (1u << bit)) s += std::string(name) + " ";
    return s + "]";
}

}  // namespace

struct DebugSession::Impl {
    Impl(Machine& m, const KernelSymbols& s, const SourceMap* src, const KernelInfo& i, DebugSessionOptions o,
         std::function<void(std::string_view)> w)
        : machine(m), symbols(s), source(src), info(i), options(std::move(o)), out(std::move(w)),
          debugger(m, s, src, i, DebuggerOptions{false, options.constants}) {
        if (options.user_files) {
            debugger.code().set_user_files(options.user_files, options.debug_dirs);
            // A program that cannot be read has no functions or lines to name: the
            // kernel's still can be.
            if (!options.program.empty()) (void)debugger.set_program(options.program);
        }
    }

    Machine& machine;
    const KernelSymbols& symbols;
    const SourceMap* source;
    const KernelInfo& info;
    DebugSessionOptions options;
    std::function<void(std::string_view)> out;
    Debugger debugger;
    // Disassemblers by the symbols they name branch targets with (the kernel's, a program's).
    std::map<const KernelSymbols*, Disassembler> disassemblers;
    int value_number = 0;        // $1, $2... of print and finish
    size_t selected = 0;         // the selected frame (frame, up, down)
    std::string last_function;   // of the last stop shown: a step within it shows no header
    std::optional<std::pair<std::string, int>> list_next;  // where `list` goes on
    ExamineFormat last_examine;
    bool started = false;

    void print(const std::string& s) { out(s); }
    Cpu& cpu() { return machine.cpu(); }
    PagingMode mode() { return PagingMode{cpu().reg(Reg::Cr0), cpu().reg(Reg::Cr3), cpu().reg(Reg::Cr4)}; }
    uint32_t kernel_base() const { return info.find("NUMBER(PAGE_OFFSET)").value_or(0xc0000000u); }

    // The image whose symbols and lines describe the code at eip: the kernel's, or the
    // user program's the running task maps there.
    std::optional<CodeImage> code_at(uint32_t eip) { return debugger.code_at(eip); }
    const SourceMap* lines_at(uint32_t eip) {
        auto c = code_at(eip);
        return c ? c->source : nullptr;
    }

    std::string function_of(uint32_t eip) {
        auto c = code_at(eip);
        if (!c || !c->symbols) return "";
        auto s = c->symbols->containing(eip);
        return s ? s->name : "";
    }
    // "copy_process+0x1c", "main+0x5", or the address.
    std::string symbolize(uint32_t a) {
        auto c = code_at(a);
        return c && c->symbols ? c->symbols->symbolize(a) : hex(a);
    }

    // As gdb names them: "Watchpoint", "Read watchpoint", "Access watchpoint".
    static std::string watch_title(const Watchpoint& w) {
        return w.on == WatchOn::Read ? "Read watchpoint" : w.on == WatchOn::Access ? "Access watchpoint" : "Watchpoint";
    }

    // "copy_process at guestkernel/kernel/fork.c:463", "0xc0100123 in entry_int80",
    // "main at images/programs/forktest.c:12", "0x0804812a in user code" (no file known).
    std::string where(uint32_t eip, bool with_address) { return where_in(code_at(eip), eip, with_address); }
    // As where(), in a given image (a breakpoint's program, wherever the machine is).
    std::string where_in(const std::optional<CodeImage>& code, uint32_t eip, bool with_address) {
        auto sym = code && code->symbols ? code->symbols->containing(eip) : std::nullopt;
        if (!sym) return hex8(eip) + (eip < kernel_base() && mode().paging() ? " in user code" : " in ??");
        std::string s = with_address ? hex8(eip) + " in " : "";
        s += sym->name;
        if (code->source)
            if (auto loc = code->source->line_of(eip))
                return s + " at " + shown_path(loc->file) + ":" + std::to_string(loc->line);
        return with_address ? s : hex8(eip) + " in " + code->symbols->symbolize(eip);
    }

    std::string source_line_text(const std::string& file, int line) {
        std::ifstream f(file);
        std::string text;
        for (int i = 0; i < line && std::getline(f, text); ++i) {
        }
        if (!f) return std::to_string(line) + "\tin " + shown_path(file) + "\n";
        return std::to_string(line) + "\t" + text + "\n";
    }

    // The line at eip, as gdb shows it after a stop: "463\t{" at a line's start,
    // "0xc0114291\t463\t{" inside it.
    std::string line_text(uint32_t eip) {
        const SourceMap* src = lines_at(eip);
        if (!src || function_of(eip).empty()) return "";
        auto loc = src->line_of(eip);
        if (!loc) return "";
        const std::string text = source_line_text(loc->file, loc->line);
        return src->statement_at(eip) ? text : hex8(eip) + "\t" + text;
    }

    // After a stop: the function and file when they changed (or always), then the line.
    void show_location(const DebugStop& s, bool header) {
        const std::string fn = function_of(s.eip);
        const SourceMap* src = lines_at(s.eip);
        std::string text;
        const bool mid_line = src && !src->statement_at(s.eip);
        if (header || fn != last_function || fn.empty()) {
            text += where(s.eip, mid_line) + "\n";
            if (src)
                if (auto loc = src->line_of(s.eip); loc && !fn.empty()) text += source_line_text(loc->file, loc->line);
        } else {
            text += line_text(s.eip);
        }
        last_function = fn;
        selected = 0;
        if (src)
            if (auto loc = src->line_of(s.eip)) list_next = {{loc->file, std::max(1, loc->line - 5)}};
        print(text);
    }

    // A value as print and finish show it; a task_struct's address also names the task.
    std::string value_text(uint32_t v) {
        std::string s = hex(v);
        if (v >= kernel_base())
            if (auto snap = snapshot())
                for (const TaskState& t : snap->tasks)
                    if (t.addr == v) s += " <task pid " + std::to_string(t.pid) + " \"" + t.comm + "\">";
        return s;
    }

    Result<KernelSnapshot> snapshot() {
        auto view = KernelView::create(info, machine.walker());
        if (!view) return view.error();
        return view->snapshot(mode(), cpu().reg(Reg::Eip), cpu().instructions());
    }

    void show_stop(const Result<DebugStop>& r) {
        if (!r) return;
        const DebugStop& s = *r;
        started = true;
        switch (s.reason) {
            case StopReason::Breakpoint:
                print("\nBreakpoint " + std::to_string(s.number) + ", ");
                show_location(s, true);
                return;
            case StopReason::Event:
                print("\nEvent " + std::to_string(s.number) + " (" + s.event + "), ");
                show_location(s, true);
                return;
            case StopReason::Watchpoint: {
                const Watchpoint* w = nullptr;
                for (const Watchpoint& x : debugger.watchpoints())
                    if (x.number == s.number) w = &x;
                const bool read = w && w->on != WatchOn::Change && !s.access_write;
                std::string text = "\n" + (w ? watch_title(*w) : std::string("Watchpoint")) + " " +
                                   std::to_string(s.number) + ": " + (w ? w->expression : "") + "\n\n";
                text += read ? "Value = " + hex(s.new_value) + "\n"
                             : "Old value = " + hex(s.old_value) + "\nNew value = " + hex(s.new_value) + "\n";
                if (s.writer && !s.writer_exact)
                    text += std::string(read ? "(read by" : "(changed by") + " the block at " + hex8(*s.writer) + " <" +
                            symbolize(*s.writer) + ">)\n";
                print(text);
                show_location(s, true);
                return;
            }
            case StopReason::Step:
            case StopReason::Finished:
                show_location(s, false);
                return;
            case StopReason::Exception:
                print("\nException " + std::to_string(s.vector.value_or(0)) + " delivered, ");
                show_location(s, true);
                return;
            case StopReason::Exited:
                print(s.exit_status == 0 ? "[guest exited normally]\n"
                                         : "[guest exited with status " + std::to_string(s.exit_status) + "]\n");
                return;
            case StopReason::Interrupted:
                print("\nInterrupted.\n");
                show_location(s, true);
                return;
            case StopReason::Fault:
                print("[machine fault: " + s.message + "]\n");
                return;
            case StopReason::HistoryStart:
                print("\nNo more reverse-execution history.\n");
                show_location(s, true);
                return;
        }
    }

    // --- addresses -------------------------------------------------------------------
    // An address: numbers, $registers and kernel symbols joined by + and -.
    Result<uint32_t> address(std::string_view text) {
        std::string t(text);
        std::erase(t, ' ');
        if (t.empty()) return usage("an address is needed");
        uint64_t total = 0;
        size_t i = 0;
        int sign = 1;
        while (i < t.size()) {
            size_t j = i;
            while (j < t.size() && t[j] != '+' && (t[j] != '-' || j == i)) ++j;
            std::string term = t.substr(i, j - i);
            if (term.starts_with("&")) term.erase(0, 1);
            uint64_t v = 0;
            if (term.starts_with("$")) {
                auto r = register_named(term.substr(1));
                if (!r) return usage("Invalid register \"" + term + "\"");
                v = cpu().reg(*r);
            } else if (auto n = number(term)) {
                v = *n;
            } else {
                auto s = symbols.lookup(term);
                // A name the kernel does not have may be the program's.
                const auto& program = debugger.breakpoints().program();
                if (!s && program && program->symbols)
                    if (auto p = program->symbols->lookup(term)) s = p;
                if (!s) return usage("No symbol \"" + term + "\" in the kernel or the program.");
                v = s->address;
            }
            total += sign > 0 ? v : -v;
            if (j < t.size()) sign = t[j] == '+' ? 1 : -1;
            i = j + 1;
        }
        return static_cast<uint32_t>(total);
    }

    // --- commands --------------------------------------------------------------------
    Result<void> run_command(const DebugCommand& c);
    Result<void> cmd_break(const DebugCommand& c, bool temporary);
    Result<void> cmd_watch(const DebugCommand& c, WatchOn on);
    Result<void> cmd_info(const DebugCommand& c);
    Result<void> cmd_examine(const DebugCommand& c, bool physical);
    Result<void> cmd_backtrace(const DebugCommand& c);
    std::string frame_line(const std::vector<StackFrame>& fs, size_t i);
    Result<void> cmd_frame(size_t n);
    Result<void> cmd_list(const DebugCommand& c);
    Result<void> cmd_print(const DebugCommand& c);
    Result<void> cmd_dump(const DebugCommand& c);

    // The variables and types of the code at pc: the kernel's, or the user program's
    // (null: none).
    const DebugInfo* debug_info_at(uint32_t pc) {
        if (pc >= kernel_base()) return options.debug_info;
        auto c = code_at(pc);
        return c ? c->debug_info : nullptr;
    }
    // The debug information of where the machine stopped (the selected frame is in the
    // same half of the address space).
    const DebugInfo* stop_debug_info() { return debug_info_at(cpu().reg(Reg::Eip)); }

    // Kernel objects decoded in values (a task_struct pointer names its task), through
    // the kernel's debug information, with the snapshot they are read from.
    struct KernelDecoder {
        KernelSnapshot snapshot;
        std::optional<KernelObjects> objects;  // refers to snapshot: the decoder stays where it is made
    };
    std::unique_ptr<KernelDecoder> kernel_objects(const ReadMemory& memory) {
        if (!options.debug_info) return nullptr;
        auto snap = snapshot();
        if (!snap) return nullptr;
        auto d = std::make_unique<KernelDecoder>();
        d->snapshot = std::move(*snap);
        d->objects.emplace(d->snapshot, *options.debug_info, memory);
        return d;
    }

    // The selected frame as DWARF sees it (frame, up and down select it).
    Result<Frame> selected_frame() {
        const DebugInfo* di = stop_debug_info();
        if (!di) return usage("no debug information");
        const Frame innermost = Frame::from_registers(cpu().registers());
        if (selected == 0) return innermost;
        const auto fs = di->frames(innermost, memory_of(machine.walker(), mode()), kernel_base());
        if (selected >= fs.size()) return usage("No frame at level " + std::to_string(selected) + ".");
        return fs[selected];
    }

    // The lines of a breakpoint's image ("": the kernel's).
    const SourceMap* lines_of_image(const std::string& image) {
        if (image.empty()) return source;
        auto c = debugger.code().image(image);
        return c ? c->source : nullptr;
    }

    std::vector<StackFrame> frames() {
        const CpuRegisters r = cpu().registers();
        auto c = code_at(r.eip);
        return backtrace(machine.walker(), c && c->symbols ? *c->symbols : symbols, c ? c->source : nullptr,
                         BacktraceInput{mode(), r.eip, r.esp, r.ebp}, kernel_base());
    }

    uint64_t count_arg(const DebugCommand& c) {
        if (c.args.empty()) return 1;
        return number(c.args[0]).value_or(1);
    }
};

Result<void> DebugSession::Impl::cmd_break(const DebugCommand& c, bool temporary) {
    std::string loc = c.rest.empty() ? "*" + hex(cpu().reg(Reg::Eip)) : c.rest;
    for (const char* event : {"fork", "cow", "exec", "exit", "end"})
        if (loc == event || loc.starts_with(std::string(event) + "#") || loc.starts_with(std::string(event) + ":")) {
            auto e = debugger.break_event(loc);
            if (!e) return e.error();
            print("Event breakpoint " + std::to_string((*e)->number) + " (" + loc + ")\n");
            return {};
        }
    auto b = debugger.breakpoints().add(loc, temporary);
    if (!b) return b.error();
    const uint32_t a = (*b)->addresses.front();
    std::string text = std::string(temporary ? "Temporary breakpoint " : "Breakpoint ") + std::to_string((*b)->number) +
                       " at " + hex(a);
    if (const SourceMap* src = lines_of_image((*b)->image))
        if (auto l = src->line_of(a))
            text += ": file " + shown_path(l->file) + ", line " + std::to_string(l->line);
    if ((*b)->addresses.size() > 1) text += " (" + std::to_string((*b)->addresses.size()) + " locations)";
    print(text + ".\n");
    return {};
}

Result<void> DebugSession::Impl::cmd_watch(const DebugCommand& c, WatchOn on) {
    Result<const Watchpoint*> w = usage(on == WatchOn::Change
                                            ? "watch pte PID ADDR | watch frame PFN | watch *ADDR[@LEN] | watch SYMBOL"
                                            : "rwatch|awatch *ADDR[@LEN] | SYMBOL");
    if (on != WatchOn::Change && c.args.size() != 1) return w.error();
    if (c.args.size() == 3 && c.args[0] == "pte") {
        auto pid = number(c.args[1]);
        auto addr = address(c.args[2]);
        if (!pid || !addr) return usage("watch pte PID ADDR: a pid and an address");
        w = debugger.watch_pte(static_cast<int>(*pid), *addr);
    } else if (c.args.size() == 2 && c.args[0] == "frame") {
        auto pfn = number(c.args[1]);
        if (!pfn) return usage("watch frame PFN: a frame number");
        w = debugger.watch_frame(static_cast<uint32_t>(*pfn));
    } else if (c.args.size() == 1) {
        std::string e = c.args[0];
        uint32_t length = 4;
        if (auto at = e.find('@'); at != std::string::npos) {
            auto n = number(e.substr(at + 1));
            if (!n) return usage("watch *ADDR@LEN: LEN is 1, 2, 4 or 8");
            length = static_cast<uint32_t>(*n);
            e.resize(at);
        }
        if (e.starts_with("*")) {
            auto a = address(e.substr(1));
            if (!a) return a.error();
            w = debugger.watch_memory(*a, length, on);
        } else {
            auto s = symbols.lookup(e);
            if (!s) return s.error();
            if (s->function) return usage("'" + e + "' is a function: watch a variable");
            if (s->size == 1 || s->size == 2 || s->size == 8) length = s->size;
            w = debugger.watch_memory(s->address, length, on);
        }
    }
    if (!w) return w.error();
    print(watch_title(**w) + " " + std::to_string((*w)->number) + ": " + (*w)->expression + " (now " +
          hex((*w)->value) + ")\n");
    return {};
}

Result<void> DebugSession::Impl::cmd_info(const DebugCommand& c) {
    const std::string what = c.args.empty() ? "" : c.args[0];
    if (what == "breakpoints" || what == "break" || what == "b" || what == "watchpoints") {
        std::map<int, std::string> rows;
        for (const Breakpoint& b : debugger.breakpoints().all()) {
            std::string row = std::to_string(b.number);
            row.resize(8, ' ');
            row += "breakpoint     " + std::string(b.temporary ? "del  " : "keep ") + (b.enabled ? "y   " : "n   ");
            const uint32_t a = b.addresses.front();
            const std::string place = where_in(b.image.empty() ? code_at(a) : debugger.code().image(b.image), a, false);
            row += hex8(a) + " " + (place.starts_with(hex8(a) + " ") ? place.substr(11) : "in " + place) + "\n";
            if (b.hits) row += "\tbreakpoint already hit " + std::to_string(b.hits) + (b.hits == 1 ? " time\n" : " times\n");
            rows[b.number] = row;
        }
        for (const Watchpoint& w : debugger.watchpoints()) {
            std::string row = std::to_string(w.number);
            row.resize(8, ' ');
            const char* type = w.on == WatchOn::Read     ? "read watchpoint "
                               : w.on == WatchOn::Access ? "acc watchpoint "
                                                         : "watchpoint     ";
            row += std::string(type) + "keep " + (w.enabled ? "y   " : "n   ") + "           " + w.expression + "\n";
            if (w.hits) row += "\tbreakpoint already hit " + std::to_string(w.hits) + (w.hits == 1 ? " time\n" : " times\n");
            rows[w.number] = row;
        }
        for (const EventBreakpoint& e : debugger.event_breakpoints()) {
            std::string row = std::to_string(e.number);
            row.resize(8, ' ');
            row += std::string("event          ") + (e.recurring ? "keep " : "del  ") + (e.enabled ? "y   " : "n   ") +
                   "           " + e.point.text() + "\n";
            if (e.hits) row += "\tevent already hit " + std::to_string(e.hits) + (e.hits == 1 ? " time\n" : " times\n");
            rows[e.number] = row;
        }
        if (rows.empty()) {
            print("No breakpoints or watchpoints.\n");
            return {};
        }
        std::string text = "Num     Type           Disp Enb Address    What\n";
        for (const auto& [n, row] : rows) text += row;
        print(text);
        return {};
    }
    if (what == "registers" || what == "r" || what == "all-registers") {
        std::string text;
        for (const RegisterName& r : kRegisters) {
            if (c.args.size() > 1 && std::find(c.args.begin() + 1, c.args.end(), std::string(r.name)) == c.args.end() &&
                std::find(c.args.begin() + 1, c.args.end(), "$" + std::string(r.name)) == c.args.end())
                continue;
            const uint32_t v = cpu().reg(r.reg);
            char line[128];
            std::string natural;
            if (r.reg == Reg::Eflags) natural = eflags_text(v);
            else if (r.reg == Reg::Eip) natural = hex(v) + (function_of(v).empty() ? "" : " <" + symbolize(v) + ">");
            else if (r.reg == Reg::Esp || r.reg == Reg::Ebp) natural = hex(v);
            else natural = std::to_string(r.reg >= Reg::Cs && r.reg <= Reg::Gs ? v : static_cast<uint32_t>(v));
            if (r.reg == Reg::Eax || r.reg == Reg::Ecx || r.reg == Reg::Edx || r.reg == Reg::Ebx || r.reg == Reg::Esi ||
                r.reg == Reg::Edi)
                natural = std::to_string(static_cast<int32_t>(v));
            std::snprintf(line, sizeof line, "%-15s%-19s%s\n", r.name, hex(v).c_str(), natural.c_str());
            text += line;
        }
        if (text.empty()) return usage("Invalid register \"" + c.args[1] + "\"");
        print(text);
        return {};
    }
    if (what == "tasks" || what == "threads") {
        auto snap = snapshot();
        if (!snap) return snap.error();
        print(format::ps_table(*snap, format::PsOptions{}));
        return {};
    }
    if (what == "frame") return cmd_frame(selected);
    if (what == "args" || what == "locals") {
        const DebugInfo* di = stop_debug_info();
        if (!di) return usage("No symbol table info available (no debug information here).");
        auto frame = selected_frame();
        if (!frame) return frame.error();
        const ReadMemory memory = memory_of(machine.walker(), mode());
        auto objects = kernel_objects(memory);
        FormatOptions fo{memory, &symbols, objects ? &*objects->objects : nullptr, 0};
        const auto vars = what == "args" ? di->arguments(*frame, memory) : di->locals(*frame, memory);
        print(format_variables(vars, fo, what == "args" ? "No arguments." : "No locals."));
        return {};
    }
    return usage("info breakpoints | registers [REG...] | tasks | frame");
}

Result<void> DebugSession::Impl::cmd_examine(const DebugCommand& c, bool physical) {
    // As gdb: the format and unit stay from the last x, the count is 1 unless given.
    ExamineFormat defaults = last_examine;
    defaults.count = 1;
    auto fmt = parse_examine_format(c.format, defaults);
    if (!fmt) return fmt.error();
    last_examine = *fmt;
    auto addr = address(c.rest);
    if (!addr) return addr.error();
    const uint32_t size = fmt->unit == 'b' ? 1 : fmt->unit == 'h' ? 2 : fmt->unit == 'g' ? 8 : 4;
    auto read = [&](uint32_t a, std::span<uint8_t> buf) -> Result<void> {
        if (!physical) return machine.walker().read_virtual(mode(), a, buf);
        if (!machine.ram().contains(a, buf.size())) return usage("Cannot access physical memory at address " + hex(a));
        std::memcpy(buf.data(), machine.ram().data() + a, buf.size());
        return {};
    };
    auto label = [&](uint32_t a) {
        const std::string fn = physical ? "" : function_of(a);
        return hex8(a) + (fn.empty() ? "" : " <" + symbolize(a) + ">") + ":";
    };
    std::string text;
    uint32_t a = *addr;
    if (fmt->format == 'i') {
        auto code = physical ? std::nullopt : code_at(a);
        const KernelSymbols* names = code && code->symbols ? code->symbols : &symbols;
        auto disasm = disassemblers.find(names);
        if (disasm == disassemblers.end()) {
            auto d = Disassembler::create(options.syntax, names);
            if (!d) return d.error();
            disasm = disassemblers.emplace(names, std::move(*d)).first;
        }
        for (uint32_t n = 0; n < fmt->count; ++n) {
            uint8_t bytes[16] = {};
            size_t got = 0;
            for (; got < sizeof bytes; ++got)
                if (!read(a + static_cast<uint32_t>(got), std::span<uint8_t>(bytes + got, 1))) break;
            auto insns = disasm->second.disassemble(std::span<const uint8_t>(bytes, got), a, 1);
            if (insns.empty()) return usage("Cannot access memory at address " + hex(a));
            text += std::string(a == cpu().reg(Reg::Eip) && !physical ? "=> " : "   ") + label(a) + "\t" + insns[0].text() + "\n";
            a += static_cast<uint32_t>(insns[0].bytes.size());
        }
        print(text);
        return {};
    }
    if (fmt->format == 's') {
        for (uint32_t n = 0; n < fmt->count; ++n) {
            std::string s;
            uint8_t ch = 0;
            uint32_t p = a;
            while (s.size() < 200) {
                if (!read(p, std::span<uint8_t>(&ch, 1))) return usage("Cannot access memory at address " + hex(p));
                ++p;
                if (!ch) break;
                s += ch >= 0x20 && ch < 0x7f ? std::string(1, static_cast<char>(ch)) : "\\" + std::to_string(ch);
            }
            text += label(a) + "\t\"" + s + "\"\n";
            a = p;
        }
        print(text);
        return {};
    }
    const uint32_t per_line = size == 8 ? 2 : size == 4 ? 4 : 8;
    for (uint32_t n = 0; n < fmt->count; ++n) {
        uint8_t buf[8] = {};
        if (auto r = read(a, std::span<uint8_t>(buf, size)); !r)
            return usage("Cannot access memory at address " + hex(a));
        uint64_t v = 0;
        for (uint32_t i = 0; i < size; ++i) v |= uint64_t(buf[i]) << (8 * i);
        if (n % per_line == 0) text += (n ? "\n" : "") + label(a);
        char item[64];
        const int bits = static_cast<int>(size * 8);
        const int64_t sv = bits == 64 ? static_cast<int64_t>(v) : (static_cast<int64_t>(v << (64 - bits)) >> (64 - bits));
        switch (fmt->format) {
            case 'd': std::snprintf(item, sizeof item, "%lld", static_cast<long long>(sv)); break;
            case 'u': std::snprintf(item, sizeof item, "%llu", static_cast<unsigned long long>(v)); break;
            case 'o': std::snprintf(item, sizeof item, "0%llo", static_cast<unsigned long long>(v)); break;
            case 't': {
                std::string b;
                for (int i = bits - 1; i >= 0; --i) b += (v >> i) & 1 ? '1' : '0';
                std::snprintf(item, sizeof item, "%s", b.c_str());
                break;
            }
            case 'c': std::snprintf(item, sizeof item, "%d '%c'", static_cast<int>(sv), v >= 0x20 && v < 0x7f ? static_cast<char>(v) : '.'); break;
            case 'a': std::snprintf(item, sizeof item, "%s", (hex(v) + (function_of(static_cast<uint32_t>(v)).empty() ? "" : " <" + symbolize(static_cast<uint32_t>(v)) + ">")).c_str()); break;
            default: std::snprintf(item, sizeof item, "0x%0*llx", bits / 4, static_cast<unsigned long long>(v)); break;
        }
        text += std::string("\t") + item;
        a += size;
    }
    print(text + "\n");
    return {};
}

// A frame line as gdb's bt shows it: "#1  0xc011480e in do_fork (clone_flags=17,
// stack_start=0, ...) at guestkernel/kernel/fork.c:589", a caller's line being that
// of its call. Arguments come from DWARF through the frame's unwound registers: scalars
// as numbers, pointers in hex, other types as "...", as gdb's `set print
// frame-arguments scalars` shows them.
std::string DebugSession::Impl::frame_line(const std::vector<StackFrame>& fs, size_t i) {
    char num[32];
    std::snprintf(num, sizeof num, "#%-3zu", i);
    const StackFrame& f = fs[i];
    const std::string fn = function_of(f.pc);
    if (fn.empty() || !f.line) return std::string(num) + where(f.pc, i > 0);
    std::string args;
    if (const DebugInfo* di = debug_info_at(f.pc)) {
        const ReadMemory memory = memory_of(machine.walker(), mode());
        const auto dwarf_frames = di->frames(Frame::from_registers(cpu().registers()), memory, kernel_base());
        if (i < dwarf_frames.size() && dwarf_frames[i].pc == f.pc) {
            args = format_frame_arguments(di->arguments(dwarf_frames[i], memory), FormatOptions{memory, nullptr, nullptr, 0});
        }
    }
    return std::string(num) + (i > 0 ? hex8(f.pc) + " in " : "") + fn + " (" + args + ") at " +
           shown_path(f.line->file) + ":" + std::to_string(f.line->line);
}

Result<void> DebugSession::Impl::cmd_backtrace(const DebugCommand& c) {
    const auto fs = frames();
    const size_t limit = c.args.empty() ? fs.size() : std::min<size_t>(fs.size(), number(c.args[0]).value_or(fs.size()));
    std::string text;
    for (size_t i = 0; i < limit; ++i) {
        const StackFrame& f = fs[i];
        text += frame_line(fs, i);
        if (!f.inlined.empty() && f.inlined.size() > 1) {
            text += " [inlined:";
            for (size_t k = 0; k + 1 < f.inlined.size(); ++k) text += " " + f.inlined[k];
            text += "]";
        }
        text += "\n";
    }
    if (limit < fs.size()) text += "(More stack frames follow...)\n";
    print(text);
    return {};
}

Result<void> DebugSession::Impl::cmd_frame(size_t n) {
    const auto fs = frames();
    if (n >= fs.size()) return usage("No frame at level " + std::to_string(n) + ".");
    selected = n;
    std::string text = frame_line(fs, n) + "\n";
    if (fs[n].line) text += source_line_text(fs[n].line->file, fs[n].line->line);
    print(text);
    return {};
}

Result<void> DebugSession::Impl::cmd_list(const DebugCommand& c) {
    std::pair<std::string, int> from;
    if (c.rest.empty()) {
        if (!list_next) return usage("No default source file: stop somewhere first.");
        from = *list_next;
    } else if (auto n = number(c.rest); n && list_next) {
        from = {list_next->first, std::max(1, static_cast<int>(*n) - 5)};
    } else {
        std::string image;
        auto addrs = debugger.breakpoints().resolve(c.rest, &image);
        if (!addrs) return addrs.error();
        const SourceMap* src = image.empty() && addrs->front() < kernel_base() ? lines_at(addrs->front())
                                                                               : lines_of_image(image);
        if (!src) return usage("no source lines: " + options.source_note);
        auto loc = src->line_of(addrs->front());
        if (!loc) return usage("no line for " + c.rest);
        from = {loc->file, std::max(1, loc->line - 4)};
    }
    std::ifstream f(from.first);
    if (!f) return usage("cannot read " + shown_path(from.first));
    std::string text, line;
    for (int n = 1; std::getline(f, line); ++n) {
        if (n < from.second) continue;
        if (n >= from.second + 10) break;
        text += std::to_string(n) + "\t" + line + "\n";
    }
    if (text.empty()) return usage("Line number " + std::to_string(from.second) + " out of range.");
    list_next = {{from.first, from.second + 10}};
    print(text);
    return {};
}

Result<void> DebugSession::Impl::cmd_print(const DebugCommand& c) {
    if (c.rest.empty()) return usage("print EXPR");
    if (const DebugInfo* di = stop_debug_info() ? stop_debug_info() : options.debug_info) {
        if (!c.format.empty() && c.format != "x") return usage("Undefined output format \"" + c.format + "\".");
        auto frame = selected_frame();
        const ReadMemory memory = memory_of(machine.walker(), mode());
        auto v = evaluate_expression(c.rest, ExpressionContext{*di, frame ? &*frame : nullptr, memory});
        // In a user program, a name it does not have may be one of the kernel's globals.
        if (!v && di != options.debug_info && options.debug_info)
            if (auto k = evaluate_expression(c.rest, ExpressionContext{*options.debug_info, nullptr, memory})) v = k;
        if (!v) return v.error();
        auto objects = kernel_objects(memory);
        FormatOptions fo{memory, &symbols, objects ? &*objects->objects : nullptr, c.format == "x" ? 'x' : char(0)};
        print("$" + std::to_string(++value_number) + " = " + format_value(*v, fo) + "\n");
        return {};
    }
    std::string e = c.rest;
    uint32_t v = 0;
    if (e.starts_with("$") || e.starts_with("&") || number(e) || e.find_first_of("+-") != std::string::npos) {
        auto a = address(e);
        if (!a) return a.error();
        v = *a;
    } else {
        auto s = symbols.lookup(e);
        if (!s) return usage("No symbol \"" + e + "\" in current context.");
        if (s->function) {
            print("$" + std::to_string(++value_number) + " = {<text variable>} " + hex(s->address) + " <" + s->name + ">\n");
            return {};
        }
        uint8_t buf[4] = {};
        const uint32_t size = s->size == 1 || s->size == 2 ? s->size : 4;
        if (auto r = machine.walker().read_virtual(mode(), s->address, std::span<uint8_t>(buf, size)); !r)
            return usage("Cannot access memory at address " + hex(s->address));
        for (uint32_t i = 0; i < size; ++i) v |= uint32_t(buf[i]) << (8 * i);
    }
    print("$" + std::to_string(++value_number) + " = " + value_text(v) + "\n");
    return {};
}

// pt, ps, maps, frames and explain at the current stop, as the dump commands print them.
Result<void> DebugSession::Impl::cmd_dump(const DebugCommand& c) {
    auto snap = snapshot();
    if (!snap) return snap.error();
    const TaskState* cur = snap->current_task();
    const int current_pid = cur ? cur->pid : 0;
    auto pid_arg = [&](size_t i) -> Result<int> {
        if (c.args.size() <= i) return current_pid;
        auto n = number(c.args[i]);
        if (!n) return usage("'" + c.args[i] + "' is not a pid");
        return static_cast<int>(*n);
    };
    Result<std::string> text = std::string();
    if (c.name == "ps") {
        text = format::ps_table(*snap, format::PsOptions{false, !c.args.empty() && c.args[0] == "tree"});
    } else if (c.name == "pt") {
        if (!c.args.empty() && (c.args[0] == "qemu" || c.args[0] == "bochs")) {
            auto pid = pid_arg(1);
            if (!pid) return pid.error();
            text = c.args[0] == "qemu" ? format::pt_qemu_tlb(*snap, *pid) : format::pt_bochs(*snap, *pid);
        } else {
            std::optional<int> pid;
            if (!c.args.empty()) {
                auto p = pid_arg(0);
                if (!p) return p.error();
                pid = *p;
            }
            text = format::pt_tree(*snap, pid, format::PtOptions{});
        }
    } else if (c.name == "maps") {
        auto pid = pid_arg(0);
        if (!pid) return pid.error();
        text = format::maps(*snap, *pid);
    } else if (c.name == "frames") {
        if (c.args.empty()) {
            text = format::frames_table(*snap, format::FramesOptions{});
        } else if (c.args[0] == "shared") {
            text = format::frames_shared(*snap, format::FramesOptions{});
        } else {
            auto pfn = number(c.args[0]);
            if (!pfn) return usage("frames [PFN | shared]");
            text = format::frame_users(*snap, static_cast<uint32_t>(*pfn), format::FramesOptions{});
        }
    } else {  // explain ADDR [PID] [write]
        if (c.args.empty()) return usage("explain ADDR [PID] [write]");
        auto a = address(c.args[0]);
        if (!a) return a.error();
        const bool write = std::find(c.args.begin(), c.args.end(), "write") != c.args.end();
        int pid = current_pid;
        if (c.args.size() > 1 && c.args[1] != "write") {
            auto p = pid_arg(1);
            if (!p) return p.error();
            pid = *p;
        }
        text = format::pt_explain(*snap, pid, *a, write, false);
    }
    if (!text) return text.error();
    print(*text);
    return {};
}

Result<void> DebugSession::Impl::run_command(const DebugCommand& c) {
    const std::string& n = c.name;
    auto shown = [&](const Result<DebugStop>& r) -> Result<void> {
        if (!r) return r.error();
        show_stop(r);
        return {};
    };
    if (n == "run" || n == "continue") {
        if (n == "run" && started) return usage("The guest is already running: use continue");
        Result<DebugStop> r = debugger.cont();
        for (uint64_t i = 1; i < count_arg(c) && r && r->reason == StopReason::Breakpoint; ++i) r = debugger.cont();
        return shown(r);
    }
    if (n == "step") return shown(debugger.step(count_arg(c)));
    if (n == "next") return shown(debugger.next(count_arg(c)));
    if (n == "stepi") return shown(debugger.stepi(count_arg(c)));
    if (n == "nexti") return shown(debugger.nexti(count_arg(c)));
    if (n == "until" || n == "advance") {
        if (n == "advance" && c.rest.empty()) return usage("advance LOCATION");
        return shown(c.rest.empty() ? debugger.until() : debugger.until(c.rest));
    }
    if (n == "finish") {
        const auto fs = frames();
        if (!fs.empty()) print("Run till exit from #0  " + where(fs[0].pc, false) + "\n");
        const uint32_t eip = cpu().reg(Reg::Eip);
        auto code = code_at(eip);
        const auto function = code && code->symbols ? code->symbols->containing(eip) : std::nullopt;
        auto r = debugger.finish();
        if (!r) return r.error();
        show_stop(r);
        if (r->reason != StopReason::Finished || !r->value) return {};
        if (const DebugInfo* di = function ? debug_info_at(function->address) : nullptr) {
            const ReadMemory memory = memory_of(machine.walker(), mode());
            auto v = di->return_value(function->address, cpu().registers(), memory);
            if (!v) return {};  // a void function: gdb prints no value
            auto objects = kernel_objects(memory);
            print("Value returned is $" + std::to_string(++value_number) + " = " +
                  format_value(*v, FormatOptions{memory, &symbols, objects ? &*objects->objects : nullptr, 0}) + "\n");
            return {};
        }
        print("Value returned is $" + std::to_string(++value_number) + " = " + value_text(*r->value) + "\n");
        return {};
    }
    if (n == "reverse-stepi") return shown(debugger.reverse_stepi(count_arg(c)));
    if (n == "reverse-continue") return shown(debugger.reverse_continue());
    if (n == "reverse-next") return shown(debugger.reverse_next());
    if (n == "reverse-step") return shown(debugger.reverse_step());
    if (n == "reverse-finish") {
        const auto fs = frames();
        if (!fs.empty()) print("Run back to call of #0  " + where(fs[0].pc, false) + "\n");
        return shown(debugger.reverse_finish());
    }
    if (n == "reverse-nexti") return shown(debugger.reverse_nexti(count_arg(c)));
    if (n == "break") return cmd_break(c, false);
    if (n == "tbreak") return cmd_break(c, true);
    if (n == "watch") return cmd_watch(c, WatchOn::Change);
    if (n == "rwatch") return cmd_watch(c, WatchOn::Read);
    if (n == "awatch") return cmd_watch(c, WatchOn::Access);
    if (n == "delete") {
        if (c.args.empty()) {
            std::vector<int> all;
            for (const Breakpoint& b : debugger.breakpoints().all()) all.push_back(b.number);
            for (const Watchpoint& w : debugger.watchpoints()) all.push_back(w.number);
            for (const EventBreakpoint& e : debugger.event_breakpoints()) all.push_back(e.number);
            for (int x : all)
                if (auto r = debugger.remove(x); !r) return r;
            return {};
        }
        for (const std::string& a : c.args) {
            auto x = number(a);
            if (!x) return usage("Convenience variable must have integer value: \"" + a + "\"");
            if (auto r = debugger.remove(static_cast<int>(*x)); !r) return r;
        }
        return {};
    }
    if (n == "disable" || n == "enable") {
        for (const std::string& a : c.args) {
            auto x = number(a);
            if (!x) return usage("Bad breakpoint number '" + a + "'");
            if (auto r = debugger.enable(static_cast<int>(*x), n == "enable"); !r) return r;
        }
        return {};
    }
    if (n == "ignore") {
        if (c.args.size() != 2) return usage("ignore N COUNT");
        auto x = number(c.args[0]);
        auto k = number(c.args[1]);
        if (!x || !k) return usage("ignore N COUNT");
        if (auto r = debugger.breakpoints().ignore(static_cast<int>(*x), *k); !r) return r;
        print("Will ignore next " + std::to_string(*k) + " crossings of breakpoint " + std::to_string(*x) + ".\n");
        return {};
    }
    if (n == "info") return cmd_info(c);
    if (n == "backtrace") return cmd_backtrace(c);
    if (n == "frame") return cmd_frame(c.args.empty() ? selected : number(c.args[0]).value_or(~0ull));
    if (n == "up") return cmd_frame(selected + count_arg(c));
    if (n == "down") {
        if (selected < count_arg(c)) return usage("Bottom (innermost) frame selected; you cannot go down.");
        return cmd_frame(selected - count_arg(c));
    }
    if (n == "list") return cmd_list(c);
    if (n == "x") return cmd_examine(c, false);
    if (n == "xp") return cmd_examine(c, true);
    if (n == "print" || n == "display") return cmd_print(c);
    if (n == "pt" || n == "ps" || n == "maps" || n == "frames" || n == "explain") return cmd_dump(c);
    if (n == "echo") {
        std::string t;
        for (size_t i = 0; i < c.rest.size(); ++i) {
            if (c.rest[i] == '\\' && i + 1 < c.rest.size()) {
                const char e = c.rest[++i];
                t += e == 'n' ? '\n' : e == 't' ? '\t' : e;
            } else {
                t += c.rest[i];
            }
        }
        print(t);
        return {};
    }
    if (n == "help") {
        std::string t = "Commands:";
        for (const std::string& name : debug_command_names()) t += " " + name;
        print(t + "\n");
        return {};
    }
    return usage("\"" + n + "\" is not available here");
}

DebugSession::DebugSession(Machine& machine, const KernelSymbols& symbols, const SourceMap* source, const KernelInfo& info,
                           DebugSessionOptions options, std::function<void(std::string_view)> out)
    : impl_(std::make_unique<Impl>(machine, symbols, source, info, std::move(options), std::move(out))) {}

DebugSession::~DebugSession() = default;

Debugger& DebugSession::debugger() { return impl_->debugger; }

bool DebugSession::execute(std::string_view line) {
    auto cmd = parse_debug_command(line);
    if (cmd && (cmd->name == "quit" || cmd->name == "kill")) return false;
    Result<void> r = cmd ? (cmd->name.empty() ? Result<void>() : impl_->run_command(*cmd)) : Result<void>(cmd.error());
    if (!r) {
        failed_ = true;
        impl_->print(r.error().message + "\n");
    }
    return true;
}

}  // namespace forkscope::cli
