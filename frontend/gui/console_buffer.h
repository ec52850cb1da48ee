// The guest's serial console as the window shows it: the bytes the UART sent, appended
// on the emulator thread, read on the window's; the last kKeep bytes are kept.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>

namespace forkscope::gui {

class ConsoleBuffer {
public:
    static constexpr size_t kKeep = 64 * 1024;

    void append(uint8_t byte) {
        std::lock_guard lock(mutex_);
        if (byte == '\r') return;  // the terminal's line ends; the window breaks lines at \n
        text_.push_back(static_cast<char>(byte));
        if (text_.size() > 2 * kKeep) text_.erase(0, text_.size() - kKeep);
        ++generation_;
    }
    // The text, and a number that changes whenever it does.
    std::pair<std::string, uint64_t> text() const {
        std::lock_guard lock(mutex_);
        return {text_.size() > kKeep ? text_.substr(text_.size() - kKeep) : text_, generation_};
    }

private:
    mutable std::mutex mutex_;
    std::string text_;
    uint64_t generation_ = 0;
};

}  // namespace forkscope::gui
