// Interrupt request lines. A device holds an IrqLine; the interrupt controller is the
// IrqSink behind it. Levels are reported as they change; an edge-triggered controller
// latches a request on the rising edge.
#pragma once

namespace forkscope {

class IrqSink {
public:
    virtual ~IrqSink() = default;
    virtual void set_irq_level(unsigned irq, bool high) = 0;
};

class IrqLine {
public:
    IrqLine() = default;
    IrqLine(IrqSink* sink, unsigned irq) : sink_(sink), irq_(irq) {}

    void set(bool high) {
        if (sink_ && high != level_) sink_->set_irq_level(irq_, high);
        level_ = high;
    }
    void raise() { set(true); }
    void lower() { set(false); }
    // A full low-high-low cycle: one edge for an edge-triggered controller.
    void pulse() { lower(); raise(); lower(); }
    bool level() const { return level_; }
    // Snapshots: the level a restored device drives, without an edge (the controller
    // restores its own view of the line).
    void restore_level(bool high) { level_ = high; }
    unsigned number() const { return irq_; }

private:
    IrqSink* sink_ = nullptr;
    unsigned irq_ = 0;
    bool level_ = false;
};

}  // namespace forkscope
