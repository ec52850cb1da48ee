// The terminal console on a pseudo-terminal: keys pass through with the escapes taken
// out, and Ctrl-A x reaches the quit callback whether it is typed before or after the
// callback is given (the callback is set on one thread and called on another).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "frontend/cli/terminal_console.h"

namespace forkscope::cli {
namespace {

class TerminalConsoleTest : public ::testing::Test {
protected:
    void SetUp() override {
        master = ::posix_openpt(O_RDWR | O_NOCTTY);
        ASSERT_GE(master, 0);
        ASSERT_EQ(::grantpt(master), 0);
        ASSERT_EQ(::unlockpt(master), 0);
        slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
        ASSERT_GE(slave, 0);
        auto c = TerminalConsole::attach(slave);
        ASSERT_TRUE(c.ok()) << c.error().message;
        console = std::move(*c);
    }
    void TearDown() override {
        console.reset();
        if (slave >= 0) ::close(slave);
        if (master >= 0) ::close(master);
    }
    void type(const std::string& keys) { ASSERT_EQ(::write(master, keys.data(), keys.size()), ssize_t(keys.size())); }
    // What the guest would read, waiting up to 10 s for `n` bytes.
    std::string guest_reads(size_t n) {
        std::string got;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
            pollfd p{console->input_fd(), POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char buf[64];
            ssize_t r = ::read(console->input_fd(), buf, sizeof buf);
            if (r > 0) got.append(buf, static_cast<size_t>(r));
        }
        return got;
    }
    bool wait_for(const std::atomic<bool>& flag) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!flag.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
        return flag.load();
    }

    int master = -1, slave = -1;
    std::unique_ptr<TerminalConsole> console;
};

TEST_F(TerminalConsoleTest, KeysPassWithTheEscapesTakenOut) {
    type("ab\x01\x01" "c\x01zd");  // Ctrl-A Ctrl-A types one Ctrl-A; an unknown escape is dropped
    EXPECT_EQ(guest_reads(5), std::string("ab\x01" "cd"));
    EXPECT_FALSE(console->quit_requested());
}

TEST_F(TerminalConsoleTest, QuitTypedAfterTheCallbackIsGivenCallsIt) {
    std::atomic<bool> called{false};
    console->on_quit([&] { called = true; });
    type("\x01x");
    EXPECT_TRUE(wait_for(called));
    EXPECT_TRUE(console->quit_requested());
}

TEST_F(TerminalConsoleTest, QuitTypedBeforeTheCallbackIsGivenCallsItWhenGiven) {
    type("\x01x");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!console->quit_requested() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    ASSERT_TRUE(console->quit_requested());
    std::atomic<bool> called{false};
    console->on_quit([&] { called = true; });
    EXPECT_TRUE(called.load()) << "a quit typed before the callback was lost";
}

}  // namespace
}  // namespace forkscope::cli
