#include "frontend/gdbstub/gdb_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <deque>
#include <thread>

#include "frontend/gdbstub/gdb_stub.h"
#include "frontend/gdbstub/rsp_packet.h"

namespace forkscope::gdb {

bool ListenAddress::exposed() const {
    if (unix_socket) return false;
    return host != "127.0.0.1" && host != "localhost" && host != "::1" && !host.starts_with("127.");
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
    ListenAddress a;
    if (text.starts_with("unix:")) {
        a.unix_socket = true;
        a.path = std::string(text.substr(5));
        if (a.path.empty()) return make_error(ErrorKind::Usage, "--gdb unix:PATH needs a path");
        if (a.path.size() >= sizeof(sockaddr_un{}.sun_path))
            return make_error(ErrorKind::Usage, "--gdb: the socket path is too long for a Unix socket");
        return a;
    }
    std::string_view port = text;
    const size_t colon = text.rfind(':');
    if (colon != std::string_view::npos) {
        std::string_view host = text.substr(0, colon);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        if (host.empty()) return make_error(ErrorKind::Usage, "--gdb HOST:PORT: the host is empty");
        a.host = std::string(host);
        port = text.substr(colon + 1);
    }
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
        return make_error(ErrorKind::Usage, "--gdb: '" + std::string(port) + "' is not a port (0-65535)");
    a.port = static_cast<uint16_t>(value);
    return a;
}

namespace {

std::string errno_text() { return std::strerror(errno); }

Result<int> listen_tcp(const ListenAddress& a, std::string& where) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(a.port);
    if (int rc = ::getaddrinfo(a.host.c_str(), port.c_str(), &hints, &found); rc != 0)
        return make_error(ErrorKind::Usage, "--gdb: cannot resolve '" + a.host + "': " + ::gai_strerror(rc));
    std::string last_error = "no address";
    for (addrinfo* ai = found; ai; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 1) == 0) {
            sockaddr_storage bound{};
            socklen_t len = sizeof bound;
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
            char host[INET6_ADDRSTRLEN] = "?";
            uint16_t real_port = a.port;
            if (bound.ss_family == AF_INET) {
                auto* in = reinterpret_cast<sockaddr_in*>(&bound);
                ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
                real_port = ntohs(in->sin_port);
                where = std::string(host) + ":" + std::to_string(real_port);
            } else {
                auto* in6 = reinterpret_cast<sockaddr_in6*>(&bound);
                ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
                real_port = ntohs(in6->sin6_port);
                where = "[" + std::string(host) + "]:" + std::to_string(real_port);
            }
            ::freeaddrinfo(found);
            return fd;
        }
        last_error = errno_text();
        ::close(fd);
    }
    ::freeaddrinfo(found);
    return make_error(ErrorKind::Host, "--gdb: cannot listen on " + a.host + ":" + port + ": " + last_error);
}

Result<int> listen_unix(const ListenAddress& a) {
    // A socket file left by an earlier run is replaced; any other file is not ours.
    struct stat st{};
    if (::lstat(a.path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return make_error(ErrorKind::Usage, "--gdb: '" + a.path + "' exists and is not a socket");
        ::unlink(a.path.c_str());
    }
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return make_error(ErrorKind::Host, "--gdb: socket: " + errno_text());
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, a.path.c_str(), a.path.size() + 1);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0 || ::listen(fd, 1) != 0) {
        std::string e = errno_text();
        ::close(fd);
        return make_error(ErrorKind::Host, "--gdb: cannot listen on unix:" + a.path + ": " + e);
    }
    return fd;
}

bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

// The guest running on its own thread; the server's poll() wakes through a pipe.
class Runner {
public:
    explicit Runner(GuestTarget& target) : target_(target) {
        if (::pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
    }
    ~Runner() {
        if (worker_.joinable()) {
            target_.interrupt();
            worker_.join();
        }
        if (wake_[0] >= 0) ::close(wake_[0]);
        if (wake_[1] >= 0) ::close(wake_[1]);
    }
    bool ok() const { return wake_[0] >= 0; }
    bool running() const { return worker_.joinable(); }
    int wake_fd() const { return wake_[0]; }
    void start(Resume how) {
        worker_ = std::thread([this, how] {
            stop_ = target_.resume(how);
            const char byte = 1;
            (void)!::write(wake_[1], &byte, 1);
        });
    }
    GuestStop join() {
        worker_.join();
        char byte;
        (void)!::read(wake_[0], &byte, 1);
        return stop_;
    }

private:
    GuestTarget& target_;
    std::thread worker_;
    GuestStop stop_;
    int wake_[2] = {-1, -1};
};

// Why the guest is running: for gdb (a stop reply is owed), on its own (no gdb), or
// until a newly connected gdb's stop takes effect.
enum class RunFor { Gdb, Free, Attach };

}  // namespace

GdbServer::GdbServer(int listen_fd, std::string where, std::string unix_path)
    : listen_fd_(listen_fd), where_(std::move(where)), unix_path_(std::move(unix_path)) {}

GdbServer::~GdbServer() {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
}

Result<std::unique_ptr<GdbServer>> GdbServer::listen(const ListenAddress& address) {
    if (address.unix_socket) {
        auto fd = listen_unix(address);
        if (!fd) return fd.error();
        return std::unique_ptr<GdbServer>(new GdbServer(*fd, "unix:" + address.path, address.path));
    }
    std::string where;
    auto fd = listen_tcp(address, where);
    if (!fd) return fd.error();
    return std::unique_ptr<GdbServer>(new GdbServer(*fd, where, ""));
}

std::string GdbServer::where() const { return where_; }

Result<ServeEnd> GdbServer::serve(GuestTarget& target, bool wait_for_gdb) {
    Runner runner(target);
    if (!runner.ok()) return make_error(ErrorKind::Host, "gdbstub: pipe: " + errno_text());
    std::unique_ptr<GdbStub> stub;
    std::unique_ptr<RspConnection> conn;
    std::deque<std::string> queued;  // packets that came while the guest ran
    int client = -1;
    RunFor run_for = RunFor::Free;
    auto close_client = [&] {
        if (client >= 0) ::close(client);
        client = -1;
        stub.reset();
        conn.reset();
        queued.clear();
    };
    auto send = [&](const std::string& data) {
        if (client >= 0 && !send_all(client, conn->send(data))) close_client();
    };
    // gdb is gone (detach, disconnect): its breakpoints go, the guest runs on.
    auto let_go = [&] {
        close_client();
        target.remove_all_breakpoints();
        if (!target.exited()) {
            run_for = RunFor::Free;
            runner.start(Resume::Continue);
        }
    };
    if (!wait_for_gdb) runner.start(Resume::Continue);

    for (;;) {
        if (!runner.running() && client < 0) {
            // Nothing runs and nobody controls it: the guest exited or was paused.
            if (target.exited()) return ServeEnd{ServeEnd::Kind::Exited, target.exit_status()};
            if (!wait_for_gdb) return ServeEnd{ServeEnd::Kind::Quit, 0};
        }
        pollfd fds[3] = {{listen_fd_, POLLIN, 0}, {runner.wake_fd(), POLLIN, 0}, {client, POLLIN, 0}};
        // While a new gdb's stop is pending its packets wait in the socket.
        const nfds_t n = client >= 0 && run_for != RunFor::Attach ? 3 : 2;
        if (::poll(fds, n, -1) < 0) {
            if (errno == EINTR) continue;
            return make_error(ErrorKind::Host, "gdbstub: poll: " + errno_text());
        }

        if (fds[1].revents & POLLIN) {
            const GuestStop stop = runner.join();
            if (stop.reason == StopReason::Fault && client < 0) return make_error(ErrorKind::MachineFault, stop.fault);
            if (client < 0) {
                if (stop.reason == StopReason::Interrupted) return ServeEnd{ServeEnd::Kind::Quit, 0};
                continue;  // exited: the check above returns
            }
            if (run_for == RunFor::Attach) {
                stub->set_initial_stop(stop);
            } else if (run_for == RunFor::Gdb) {
                for (const std::string& out : stub->stop_packets(stop)) send(out);
                // After W (exited) or X (a machine fault) there is nothing left to debug.
                if (stop.reason == StopReason::Exited || stop.reason == StopReason::Fault) {
                    close_client();
                    if (stop.reason == StopReason::Fault) return make_error(ErrorKind::MachineFault, stop.fault);
                    return ServeEnd{ServeEnd::Kind::Exited, target.exit_status()};
                }
            }
            run_for = RunFor::Gdb;
            // Packets gdb sent while the guest ran (none in all-stop mode but Ctrl-C).
            while (client >= 0 && !queued.empty() && !runner.running()) {
                std::string p = std::move(queued.front());
                queued.pop_front();
                StubReply r = stub->handle(p);
                for (const std::string& out : r.packets) send(out);
                if (resumes(r.action)) runner.start(resume_of(r.action));
            }
            continue;
        }

        if (n == 3 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
            uint8_t buf[4096];
            ssize_t got = ::recv(client, buf, sizeof buf, 0);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                // Disconnected (mid-packet or not): as a detach.
                if (runner.running()) {
                    target.interrupt();
                    (void)runner.join();
                }
                let_go();
                continue;
            }
            std::vector<Incoming> events;
            std::string immediate;
            conn->receive(std::span<const uint8_t>(buf, static_cast<size_t>(got)), events, immediate);
            if (!immediate.empty() && !send_all(client, immediate)) {
                close_client();
                continue;
            }
            for (Incoming& ev : events) {
                if (client < 0) break;
                if (ev.kind == Incoming::Kind::Interrupt) {
                    if (runner.running()) target.interrupt();
                    continue;
                }
                if (ev.kind != Incoming::Kind::Packet) {
                    send("E01");  // oversized or malformed: refused, the session goes on
                    continue;
                }
                if (runner.running()) {
                    queued.push_back(std::move(ev.data));
                    continue;
                }
                StubReply r = stub->handle(ev.data);
                for (const std::string& out : r.packets) send(out);
                if (r.start_no_ack && conn) conn->start_no_ack();
                if (client < 0) break;
                switch (r.action) {
                case StubAction::None: break;
                case StubAction::Continue:
                case StubAction::Step:
                case StubAction::ReverseContinue:
                case StubAction::ReverseStep:
                    if (target.exited()) {
                        send(stub->stop_reply(GuestStop{StopReason::Exited, target.exit_status(), {}}));
                        close_client();
                        return ServeEnd{ServeEnd::Kind::Exited, target.exit_status()};
                    } else {
                        run_for = RunFor::Gdb;
                        runner.start(resume_of(r.action));
                    }
                    break;
                case StubAction::Kill:
                    close_client();
                    return ServeEnd{ServeEnd::Kind::Killed, 0};
                case StubAction::Detach: let_go(); break;
                }
            }
            continue;
        }

        // After the client's bytes, so that a gdb that left just before another came is
        // seen gone first.
        if (fds[0].revents & POLLIN) {
            int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0 && client >= 0) {
                // One gdb at a time: the second is told nothing and closed.
                std::fprintf(stderr, "forkscope: gdb: refused a second connection (one gdb at a time)\n");
                ::close(fd);
            } else if (fd >= 0) {
                int one = 1;
                ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                client = fd;
                conn = std::make_unique<RspConnection>();
                stub = std::make_unique<GdbStub>(target);
                if (target.exited()) {
                    stub->set_initial_stop(GuestStop{StopReason::Exited, target.exit_status(), {}});
                    run_for = RunFor::Gdb;
                } else if (runner.running()) {
                    run_for = RunFor::Attach;
                    target.interrupt();
                } else {
                    run_for = RunFor::Gdb;
                    stub->set_initial_stop(GuestStop{StopReason::Interrupted, 0, {}});
                }
            }
            continue;
        }
    }
}

}  // namespace forkscope::gdb
