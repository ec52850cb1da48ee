// GdbServer over real sockets with the real guest: listen addresses, one gdb at a time
// (a second is refused, the first goes on), a client that disconnects in the middle
// of a packet, Ctrl-C stopping a running guest, bad checksums and oversized packets,
// detach, kill, the guest's exit, and a Unix socket.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <future>
#include <string>

#include "frontend/gdbstub/gdb_server.h"
#include "frontend/gdbstub/rsp_packet.h"
#include "tests/unit/image_fixture.h"

namespace forkscope::gdb {
namespace {

using forkscope::testing::boot_image;
using forkscope::testing::read_file;

TEST(GdbListenAddress, Parses) {
    auto a = parse_listen_address("1234");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 1234);
    EXPECT_FALSE(a->exposed());
    a = parse_listen_address("0.0.0.0:77");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->host, "0.0.0.0");
    EXPECT_TRUE(a->exposed());
    a = parse_listen_address("[::1]:5");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->host, "::1");
    EXPECT_FALSE(a->exposed());
    a = parse_listen_address("unix:/tmp/x.sock");
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(a->unix_socket);
    EXPECT_EQ(a->path, "/tmp/x.sock");
    for (const char* bad : {"", "abc", "70000", "unix:", ":1234", "host:", "12x"}) {
        auto r = parse_listen_address(bad);
        EXPECT_FALSE(r.ok()) << bad;
        if (!r.ok()) {
            EXPECT_EQ(r.error().kind, ErrorKind::Usage);
        }
    }
}

// A minimal gdb: frames packets, skips acks, acks replies.
class Client {
public:
    explicit Client(const std::string& where) {
        if (where.starts_with("unix:")) {
            fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un sun{};
            sun.sun_family = AF_UNIX;
            std::snprintf(sun.sun_path, sizeof sun.sun_path, "%s", where.c_str() + 5);
            connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0;
        } else {
            fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in in{};
            in.sin_family = AF_INET;
            in.sin_port = htons(static_cast<uint16_t>(std::stoi(where.substr(where.rfind(':') + 1))));
            in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&in), sizeof in) == 0;
        }
    }
    ~Client() { close(); }
    bool connected() const { return connected_; }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    void raw(const std::string& bytes) { (void)!::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
    void send(const std::string& data) { raw(frame(data)); }
    // The next byte, or -1 on close/timeout.
    int byte(int timeout_ms = 60000) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return -1;
        char c;
        return ::recv(fd_, &c, 1, 0) == 1 ? static_cast<uint8_t>(c) : -1;
    }
    // The next packet's data (acks skipped, the packet acked); "<closed>" if none.
    std::string packet(int timeout_ms = 60000) {
        int c;
        while ((c = byte(timeout_ms)) != '$')
            if (c < 0) return "<closed>";
        std::string data;
        while ((c = byte(timeout_ms)) != '#') {
            if (c < 0) return "<closed>";
            data += static_cast<char>(c);
        }
        byte(timeout_ms);
        byte(timeout_ms);
        raw("+");
        return data;
    }
    std::string ask(const std::string& data) {
        send(data);
        return packet();
    }

private:
    int fd_ = -1;
    bool connected_ = false;
};

class GdbServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
            GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
    }
    // Boots `program` and serves it on `address` on another thread.
    void start(const std::string& program, const std::string& address, bool wait) {
        auto m = boot_image(program);
        ASSERT_TRUE(m.ok()) << m.error().message;
        machine = std::move(*m);
        auto t = GuestTarget::create(*machine, read_file("FORKSCOPE_TEST_KERNEL"));
        ASSERT_TRUE(t.ok()) << t.error().message;
        target = std::move(*t);
        auto a = parse_listen_address(address);
        ASSERT_TRUE(a.ok());
        auto s = GdbServer::listen(*a);
        ASSERT_TRUE(s.ok()) << s.error().message;
        server = std::move(*s);
        served = std::async(std::launch::async, [this, wait] { return server->serve(*target, wait); });
    }
    ServeEnd end() {
        EXPECT_EQ(served.wait_for(std::chrono::seconds(120)), std::future_status::ready);
        auto r = served.get();
        EXPECT_TRUE(r.ok()) << r.error().message;
        return r.ok() ? *r : ServeEnd{};
    }

    std::unique_ptr<Machine> machine;
    std::unique_ptr<GuestTarget> target;
    std::unique_ptr<GdbServer> server;
    std::future<Result<ServeEnd>> served;
};

TEST_F(GdbServerTest, WaitsForGdbAndIsKilled) {
    ASSERT_NO_FATAL_FAILURE(start("/bin/forktest", "127.0.0.1:0", true));
    Client gdb(server->where());
    ASSERT_TRUE(gdb.connected());
    EXPECT_NE(gdb.ask("qSupported:swbreak+").find("PacketSize=4000"), std::string::npos);
    // Nothing has run: the CPU is at the Multiboot entry, before any task.
    EXPECT_EQ(gdb.ask("?"), "T02thread:8000;");
    EXPECT_EQ(gdb.ask("qfThreadInfo"), "m8000");
    EXPECT_EQ(machine->stats().instructions, 0u);
    gdb.send("k");
    const ServeEnd e = end();
    EXPECT_EQ(e.kind, ServeEnd::Kind::Killed);
}

TEST_F(GdbServerTest, ASecondClientIsRefusedAndTheFirstGoesOn) {
    ASSERT_NO_FATAL_FAILURE(start("/bin/forktest", "127.0.0.1:0", true));
    Client first(server->where());
    ASSERT_TRUE(first.connected());
    EXPECT_EQ(first.ask("?"), "T02thread:8000;");
    Client second(server->where());
    ASSERT_TRUE(second.connected());  // the kernel accepts; the server closes it at once
    EXPECT_EQ(second.byte(), -1);
    EXPECT_EQ(first.ask("qAttached"), "1");
    first.send("k");
    EXPECT_EQ(end().kind, ServeEnd::Kind::Killed);
}

TEST_F(GdbServerTest, AClientThatDisconnectsMidPacketLeavesTheServerServing) {
    ASSERT_NO_FATAL_FAILURE(start("/bin/cat", "127.0.0.1:0", true));
    {
        Client gone(server->where());
        ASSERT_TRUE(gone.connected());
        EXPECT_EQ(gone.ask("?"), "T02thread:8000;");
        gone.raw("$m c010");  // and away
    }
    // The guest now runs freely (as after a detach); the next gdb stops it.
    Client gdb(server->where());
    ASSERT_TRUE(gdb.connected());
    const std::string stop = gdb.ask("?");
    EXPECT_EQ(stop.substr(0, 10), "T02thread:") << stop;
    // A bad checksum is refused with '-', then the resend is answered.
    gdb.raw("$qC#00");
    EXPECT_EQ(gdb.byte(), '-');
    EXPECT_EQ(gdb.ask("qC").substr(0, 2), "QC");
    // An oversized packet gets an error; the session goes on.
    gdb.send("X0,0:" + std::string(kMaxPacketData + 10, 'a'));
    EXPECT_EQ(gdb.packet(), "E01");
    EXPECT_EQ(gdb.ask("qAttached"), "1");
    gdb.send("k");
    EXPECT_EQ(end().kind, ServeEnd::Kind::Killed);
}

TEST_F(GdbServerTest, CtrlCStopsTheRunningGuest) {
    ASSERT_NO_FATAL_FAILURE(start("/bin/cat", "127.0.0.1:0", true));
    Client gdb(server->where());
    ASSERT_TRUE(gdb.connected());
    EXPECT_EQ(gdb.ask("?"), "T02thread:8000;");
    // cat waits for input that never comes: the guest runs (idles) until Ctrl-C. Go on
    // until init exists (the boot takes a while on a loaded or sanitized host).
    bool init_seen = false;
    for (int round = 0; round < 40 && !init_seen; ++round) {
        gdb.send("c");
        EXPECT_EQ(gdb.byte(), '+');
        EXPECT_EQ(gdb.byte(250), -1);  // no stop while it runs
        gdb.raw("\x03");
        const std::string stop = gdb.packet();
        ASSERT_EQ(stop.substr(0, 3), "T02") << stop;
        init_seen = gdb.ask("qfThreadInfo").find(",1") != std::string::npos;
    }
    EXPECT_TRUE(init_seen);
    EXPECT_GT(machine->stats().instructions, 1'000'000u);
    EXPECT_EQ(gdb.ask("D"), "OK");  // detached: cat runs on, forever
    Client again(server->where());
    ASSERT_TRUE(again.connected());
    EXPECT_EQ(again.ask("?").substr(0, 3), "T02");
    again.send("k");
    EXPECT_EQ(end().kind, ServeEnd::Kind::Killed);
}

TEST_F(GdbServerTest, TheGuestsExitEndsTheSession) {
    ASSERT_NO_FATAL_FAILURE(start("/bin/hello", "127.0.0.1:0", true));
    Client gdb(server->where());
    ASSERT_TRUE(gdb.connected());
    EXPECT_EQ(gdb.ask("QStartNoAckMode"), "OK");
    gdb.raw(frame("c"));
    EXPECT_EQ(gdb.packet(), "W00");
    const ServeEnd e = end();
    EXPECT_EQ(e.kind, ServeEnd::Kind::Exited);
    EXPECT_EQ(e.exit_status, 0u);
}

TEST_F(GdbServerTest, AUnixSocket) {
    const std::string path = ::testing::TempDir() + "forkscope-gdb-test.sock";
    ASSERT_NO_FATAL_FAILURE(start("/bin/forktest", "unix:" + path, true));
    EXPECT_EQ(server->where(), "unix:" + path);
    Client gdb(server->where());
    ASSERT_TRUE(gdb.connected());
    EXPECT_EQ(gdb.ask("?"), "T02thread:8000;");
    gdb.send("k");
    EXPECT_EQ(end().kind, ServeEnd::Kind::Killed);
}

}  // namespace
}  // namespace forkscope::gdb
