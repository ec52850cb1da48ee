#include "frontend/host_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace forkscope {

namespace {

Result<HostRun> spawn_and_wait(const std::vector<std::string>& argv, bool capture) {
    if (argv.empty()) return make_error(ErrorKind::Host, "no program to run");
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    int pipe_fds[2] = {-1, -1};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (capture) {
        if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
            posix_spawn_file_actions_destroy(&actions);
            return make_error(ErrorKind::Host, std::string("pipe: ") + std::strerror(errno));
        }
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    }
    pid_t pid = -1;
    const int err = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (capture) ::close(pipe_fds[1]);
    if (err != 0) {
        if (capture) ::close(pipe_fds[0]);
        if (err == ENOENT) return make_error(ErrorKind::Host, "'" + argv[0] + "' not found in PATH");
        return make_error(ErrorKind::Host, "cannot run '" + argv[0] + "': " + std::strerror(err));
    }
    HostRun run;
    if (capture) {
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            run.output.append(buf, static_cast<size_t>(n));
        }
        ::close(pipe_fds[0]);
    }
    int wstatus = 0;
    while (::waitpid(pid, &wstatus, 0) < 0) {
        if (errno != EINTR) return make_error(ErrorKind::Host, std::string("waitpid: ") + std::strerror(errno));
    }
    run.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    return run;
}

}  // namespace

Result<HostRun> run_host_program(const std::vector<std::string>& argv) { return spawn_and_wait(argv, false); }

Result<HostRun> capture_host_program(const std::vector<std::string>& argv) { return spawn_and_wait(argv, true); }

}  // namespace forkscope
