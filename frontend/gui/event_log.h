// EventLog: the guest's events (Debugger::event_log) as the window's views hold them.
//
// The debugger's log only grows (a replay after going back adds nothing), and a view is
// published several times a second while it grows by thousands of events. So a view
// does not copy it: it shares the blocks the views before it made and adds one block of
// the events that came since. Read-only and immutable once made, so any thread may read
// it.
//
//   EventLog log = previous.extended(debugger.event_log());
//   for (const GuestEvent& e : log) ...;   log[i], log.size(), log.back()
#pragma once
#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

#include "emulator/debug/debugger.h"

namespace forkscope::gui {

class EventLog {
public:
    EventLog() = default;
    EventLog(std::vector<GuestEvent> events) {  // one block (tests, a log made at once)
        if (!events.empty()) add_block(std::move(events));
    }

    // This log and the events of `all` after its own (all: the whole log it was taken from).
    // Every kMaxBlocks views it is copied whole into one block, so that a view's list of
    // blocks stays short however long the guest runs.
    EventLog extended(const std::vector<GuestEvent>& all) const {
        if (all.size() == size_) return *this;
        if (all.size() < size_ || blocks_.size() >= kMaxBlocks) return EventLog(all);
        EventLog out = *this;
        out.add_block(std::vector<GuestEvent>(all.begin() + static_cast<std::ptrdiff_t>(size_), all.end()));
        return out;
    }

    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const GuestEvent& operator[](size_t i) const {
        // The last block that starts at or before i.
        const size_t b = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), i) - starts_.begin()) - 1;
        return (*blocks_[b])[i - starts_[b]];
    }
    const GuestEvent& front() const { return blocks_.front()->front(); }
    const GuestEvent& back() const { return blocks_.back()->back(); }

    class const_iterator {
    public:
        const_iterator(const EventLog* log, size_t block, size_t index) : log_(log), block_(block), index_(index) {}
        const GuestEvent& operator*() const { return (*log_->blocks_[block_])[index_]; }
        const GuestEvent* operator->() const { return &**this; }
        const_iterator& operator++() {
            if (++index_ == log_->blocks_[block_]->size()) {
                ++block_;
                index_ = 0;
            }
            return *this;
        }
        bool operator==(const const_iterator& o) const { return block_ == o.block_ && index_ == o.index_; }

    private:
        const EventLog* log_;
        size_t block_, index_;
    };
    const_iterator begin() const { return {this, 0, 0}; }
    const_iterator end() const { return {this, blocks_.size(), 0}; }

private:
    static constexpr size_t kMaxBlocks = 64;

    void add_block(std::vector<GuestEvent> events) {
        starts_.push_back(size_);
        size_ += events.size();
        blocks_.push_back(std::make_shared<const std::vector<GuestEvent>>(std::move(events)));
    }

    std::vector<std::shared_ptr<const std::vector<GuestEvent>>> blocks_;  // none empty
    std::vector<size_t> starts_;  // the index of each block's first event
    size_t size_ = 0;
};

}  // namespace forkscope::gui
