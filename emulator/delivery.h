// Interrupt and exception delivery through the guest's IDT, done by the host because
// Unicorn does not (UNICORN-NOTES.md trap 1). Follows Intel SDM vol. 3, chapter 6:
// 32-bit interrupt and trap gates, privilege checks, the stack switch through the TSS,
// the pushed frame, and the double/triple fault rules for faults met while delivering.
#pragma once
#include <cstdint>
#include <string>

#include "base/result.h"

namespace forkscope {

class Cpu;
class PageWalker;

// A fault met while delivering an Exception or External event gets the EXT bit in its
// error code; one met while delivering a Software event does not.
enum class EventSource {
    Exception,  // a fault or trap raised by an instruction
    Software,   // int n, int3, into: gate DPL is checked against CPL
    External,   // a hardware interrupt from the PIC
};

struct InterruptEvent {
    uint8_t vector = 0;
    EventSource source = EventSource::Exception;
    bool has_error_code = false;
    uint32_t error_code = 0;
    uint32_t cr2 = 0;         // for #PF: the faulting linear address (already in CR2)
    // The EIP to push: the faulting instruction for faults, the next one for traps,
    // software interrupts and external interrupts.
    uint32_t return_eip = 0;
    // For a software int n: the address of the instruction, used when the gate check
    // fails and #GP must point at it.
    uint32_t instruction_eip = 0;
};

struct CpuExit;

// The event a CpuExit of kind Interrupt or InvalidOpcode asks the host to deliver. A
// software interrupt's instruction_eip is where its int instruction starts, so that a
// refused gate faults on it.
InterruptEvent event_for_exit(const CpuExit& exit);

// What was delivered in the end (after any nested faults turned into other vectors).
struct DeliveryRecord {
    uint8_t vector = 0;
    bool has_error_code = false;
    uint32_t error_code = 0;
    bool privilege_change = false;
    uint32_t frame_esp = 0;  // ESP after the push
    int nested_faults = 0;   // faults met while delivering
};

// Delivers `event`. A fault while delivering is delivered instead, or becomes #DF as the
// SDM's table of contributory and page-fault classes says; a fault while delivering #DF
// is a triple fault, returned as ErrorKind::MachineFault naming vectors and addresses.
// Task gates and 16-bit gates that pass the DPL and present checks are refused the same
// way (we do not model them).
Result<DeliveryRecord> deliver_interrupt(Cpu& cpu, PageWalker& walker, const InterruptEvent& event);

// One attempt, no nested faults: true when `event` was delivered; false (nothing in the
// guest changed) when delivering it meets a fault, which deliver_interrupt then handles.
Result<bool> try_deliver(Cpu& cpu, PageWalker& walker, const InterruptEvent& event, DeliveryRecord& record);

}  // namespace forkscope
