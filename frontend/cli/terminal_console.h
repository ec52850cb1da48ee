// forkscope's own terminal as the guest's serial console, as with qemu -serial mon:stdio:
// the terminal goes to raw mode so every key (^C, ^\, ^D, backspace) reaches the guest's
// line discipline, which does the echoing and editing itself. Two keys are forkscope's:
// Ctrl-A x ends the machine, Ctrl-A Ctrl-A types one Ctrl-A (QEMU's escapes).
#pragma once
#include <signal.h>
#include <termios.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "base/result.h"

namespace forkscope::cli {

class TerminalConsole {
public:
    // Takes over tty_fd (a terminal) until destroyed; its settings come back then.
    static Result<std::unique_ptr<TerminalConsole>> attach(int tty_fd);
    ~TerminalConsole();
    TerminalConsole(const TerminalConsole&) = delete;
    TerminalConsole& operator=(const TerminalConsole&) = delete;

    // The machine reads the guest's keys from here (a pipe: escapes taken out).
    int input_fd() const { return pipe_read_; }
    // Called, on the console's thread, when the user types Ctrl-A x; at once, on the
    // caller's thread, when Ctrl-A x came before the callback was given.
    void on_quit(std::function<void()> quit);
    bool quit_requested() const { return quit_requested_.load(); }

private:
    TerminalConsole() = default;
    void pump();
    void forward(const unsigned char* bytes, size_t n);
    void end_by_signal();

    int tty_fd_ = -1;
    termios saved_{};
    int pipe_read_ = -1, pipe_write_ = -1;
    int wake_read_ = -1, wake_write_ = -1;  // tells the thread to end
    int signal_fd_ = -1;                    // SIGTERM, SIGHUP, SIGINT (blocked: ending_)
    sigset_t ending_{}, mask_before_{};
    bool signals_blocked_ = false;          // in the thread that attached (restored by ~)
    bool escape_ = false;                   // the last key was Ctrl-A
    std::mutex quit_mutex_;                 // quit_ is set on one thread, called on another
    std::function<void()> quit_;
    std::atomic<bool> quit_requested_{false};
    std::thread thread_;
};

}  // namespace forkscope::cli
