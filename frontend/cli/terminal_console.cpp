#include "frontend/cli/terminal_console.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

namespace forkscope::cli {

static constexpr unsigned char kCtrlA = 0x01;

static Error host_error(const std::string& what) {
    return make_error(ErrorKind::Host, what + ": " + std::strerror(errno));
}

Result<std::unique_ptr<TerminalConsole>> TerminalConsole::attach(int tty_fd) {
    std::unique_ptr<TerminalConsole> c(new TerminalConsole());
    if (::tcgetattr(tty_fd, &c->saved_) != 0) return host_error("cannot read the terminal's settings");
    int p[2], w[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return host_error("cannot create the console pipe");
    c->pipe_read_ = p[0];
    c->pipe_write_ = p[1];
    if (::pipe2(w, O_CLOEXEC) != 0) return host_error("cannot create the console pipe");
    c->wake_read_ = w[0];
    c->wake_write_ = w[1];

    // Raw input, no local echo or signals: the guest's tty does all of that. Output
    // processing stays on, so the terminal still turns a lone '\n' into a new line.
    termios raw = c->saved_;
    raw.c_iflag &= ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    // SIGTERM, SIGHUP and SIGINT (from kill: the keys no longer send it) would end the
    // process with the terminal still raw. They are blocked in this thread, and so in
    // every thread started after it (the console's, the machine's), and read from a
    // signalfd by the console's thread, which puts the terminal back and then lets the
    // signal end the process as it would have.
    sigemptyset(&c->ending_);
    for (int sig : {SIGTERM, SIGHUP, SIGINT}) sigaddset(&c->ending_, sig);
    if (::pthread_sigmask(SIG_BLOCK, &c->ending_, &c->mask_before_) != 0)
        return host_error("cannot block the signals that end forkscope");
    c->signals_blocked_ = true;
    c->signal_fd_ = ::signalfd(-1, &c->ending_, SFD_CLOEXEC);
    if (c->signal_fd_ < 0) return host_error("cannot watch the signals that end forkscope");
    if (::tcsetattr(tty_fd, TCSAFLUSH, &raw) != 0) return host_error("cannot put the terminal in raw mode");
    c->tty_fd_ = tty_fd;
    c->thread_ = std::thread([raw_c = c.get()] { raw_c->pump(); });
    return c;
}

TerminalConsole::~TerminalConsole() {
    if (thread_.joinable()) {
        char b = 0;
        (void)!::write(wake_write_, &b, 1);
        thread_.join();
    }
    if (tty_fd_ >= 0) ::tcsetattr(tty_fd_, TCSAFLUSH, &saved_);
    for (int fd : {pipe_read_, pipe_write_, wake_read_, wake_write_, signal_fd_})
        if (fd >= 0) ::close(fd);
    // A signal that came meanwhile is delivered now, with the terminal restored.
    if (signals_blocked_) ::pthread_sigmask(SIG_SETMASK, &mask_before_, nullptr);
}

// The console's thread: SIGTERM, SIGHUP or SIGINT arrived. The terminal first, then the
// signal's own default action ends the process (its status says which signal).
void TerminalConsole::end_by_signal() {
    signalfd_siginfo info{};
    if (::read(signal_fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return;
    const int sig = static_cast<int>(info.ssi_signo);
    ::tcsetattr(tty_fd_, TCSAFLUSH, &saved_);
    ::signal(sig, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    ::pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
    ::raise(sig);
}

void TerminalConsole::on_quit(std::function<void()> quit) {
    std::lock_guard<std::mutex> lock(quit_mutex_);
    quit_ = std::move(quit);
    if (quit_requested_.load() && quit_) quit_();
}

void TerminalConsole::pump() {
    for (;;) {
        pollfd fds[3] = {{tty_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents) return;
        if (fds[2].revents) {
            end_by_signal();
            continue;
        }
        unsigned char buf[256];
        ssize_t n = ::read(tty_fd_, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {  // the terminal hung up: the guest sees end of input
            ::close(pipe_write_);
            pipe_write_ = -1;
            return;
        }
        forward(buf, static_cast<size_t>(n));
        if (quit_requested_.load()) return;
    }
}

void TerminalConsole::forward(const unsigned char* bytes, size_t n) {
    unsigned char out[256];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = bytes[i];
        if (escape_) {
            escape_ = false;
            if (c == 'x' || c == 'X') {
                std::lock_guard<std::mutex> lock(quit_mutex_);
                quit_requested_.store(true);
                if (quit_) quit_();
                return;
            }
            if (c != kCtrlA) continue;  // an escape we do not know: dropped, as QEMU does
        } else if (c == kCtrlA) {
            escape_ = true;
            continue;
        }
        out[k++] = c;
    }
    // The machine drains the pipe continually; a short write only means it is full.
    size_t done = 0;
    while (done < k) {
        ssize_t w = ::write(pipe_write_, out + done, k - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        done += static_cast<size_t>(w);
    }
}

}  // namespace forkscope::cli
