// libFuzzer target: the stub's command dispatcher (frontend/gdbstub/gdb_stub.h) on
// the real guest, stopped once at fork#1 (FORKSCOPE_TEST_KERNEL and
// FORKSCOPE_TEST_INITRAMFS name the image). Each input is a list of packets, one a
// line; they may write registers and memory, set breakpoints and ask for monitor
// dumps of a kernel they have scribbled on: nothing may crash, and every reply must
// fit a packet. Actions (continue, step, kill) are not carried out.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <variant>

#include "emulator/introspect/kernel_info.h"
#include "emulator/machine.h"
#include "emulator/stop_runner.h"
#include "emulator/symbols.h"
#include "frontend/gdbstub/gdb_stub.h"
#include "frontend/gdbstub/rsp_packet.h"
#include "tests/unit/image_fixture.h"

using namespace forkscope;

namespace {

std::unique_ptr<Machine> machine;
std::unique_ptr<gdb::GuestTarget> target;

bool boot() {
    std::vector<uint8_t> kernel = testing::read_file("FORKSCOPE_TEST_KERNEL");
    auto m = testing::boot_image("/bin/forktest");
    if (kernel.empty() || !m) return false;
    machine = std::move(*m);
    auto info = KernelInfo::read(kernel);
    auto symbols = KernelSymbols::read(kernel);
    if (!info || !symbols) return false;
    {
        StopRunner runner(*machine, *symbols, *info, StopConstants{});
        auto point = parse_stop_point("fork#1");
        auto outcome = runner.run_to(*point);
        if (!outcome || !std::holds_alternative<StopReport>(*outcome)) return false;
    }
    auto t = gdb::GuestTarget::create(*machine, kernel);
    if (!t) return false;
    target = std::move(*t);
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (!boot()) {
        std::fprintf(stderr, "fuzz_gdb_stub: cannot boot the test image (FORKSCOPE_TEST_KERNEL/INITRAMFS)\n");
        std::exit(1);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    gdb::GdbStub stub(*target);
    const std::string text(reinterpret_cast<const char*>(data), size);
    size_t at = 0;
    while (at <= text.size()) {
        size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        const std::string packet = text.substr(at, nl - at);
        at = nl + 1;
        if (packet.size() > gdb::kMaxPacketData) continue;  // the decoder drops these
        gdb::StubReply r = stub.handle(packet);
        for (const std::string& p : r.packets)
            if (p.size() > gdb::kMaxPacketData + 1) std::abort();
    }
    target->remove_all_breakpoints();
    return 0;
}
