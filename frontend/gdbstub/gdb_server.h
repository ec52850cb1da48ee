// GdbServer: gdb's end of the socket. Listens on TCP [HOST:]PORT (127.0.0.1 unless
// told) or a Unix socket unix:PATH, serves one gdb at a time (a second connection is
// accepted and closed at once, so its gdb says "Remote connection closed"), and runs
// the guest on a thread of its own while gdb waits, so that Ctrl-C from gdb
// (request_pause) stops it. As with qemu -s: without a gdb the guest runs freely; a
// gdb that connects stops it where it is; one that detaches or disconnects lets it run
// on (its breakpoints removed), and another may connect later.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "frontend/gdbstub/guest_target.h"

namespace forkscope::gdb {

struct ListenAddress {
    bool unix_socket = false;
    std::string host = "127.0.0.1";  // TCP
    uint16_t port = 0;               // TCP; 0: any free port (see GdbServer::where)
    std::string path;                // Unix socket
    // Anyone who can connect controls the guest: true for TCP on anything but loopback.
    bool exposed() const;
};

// "1234", "HOST:1234", "[::1]:1234", "unix:/path". Errors (Usage) say what is wrong.
Result<ListenAddress> parse_listen_address(std::string_view text);

// How a session ended.
struct ServeEnd {
    enum class Kind { Exited, Killed, Quit } kind = Kind::Exited;
    uint32_t exit_status = 0;  // Exited: the guest's DebugExit value
};

class GdbServer {
public:
    static Result<std::unique_ptr<GdbServer>> listen(const ListenAddress& address);
    ~GdbServer();
    GdbServer(const GdbServer&) = delete;
    GdbServer& operator=(const GdbServer&) = delete;

    // "127.0.0.1:1234" (the real port when 0 was asked) or "unix:/path".
    std::string where() const;

    // Runs the guest under gdb until it exits, gdb kills it, or the machine is paused
    // with no gdb attached (the console's quit key). wait_for_gdb: nothing runs before
    // the first gdb connects (-S). Errors: the machine faulted with no gdb attached,
    // or the socket failed.
    Result<ServeEnd> serve(GuestTarget& target, bool wait_for_gdb);

private:
    GdbServer(int listen_fd, std::string where, std::string unix_path);
    int listen_fd_ = -1;
    std::string where_;
    std::string unix_path_;  // removed again by the destructor
};

}  // namespace forkscope::gdb
