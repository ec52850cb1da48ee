// Running host programs (gcc, ld) for `forkscope cc`: argv[0] is looked up in PATH, the
// child shares our stdin, stdout and stderr, so its messages pass through.
#pragma once
#include <string>
#include <vector>

#include "base/result.h"

namespace forkscope {

struct HostRun {
    int status = 0;      // the exit status, or 128 + N when signal N killed it
    std::string output;  // stdout, when captured
};

// Runs argv and waits. Errors (ErrorKind::Host) only when it cannot be started; the
// message says why ("'gcc' not found in PATH").
Result<HostRun> run_host_program(const std::vector<std::string>& argv);

// The same with stdout captured into HostRun::output and stderr discarded.
Result<HostRun> capture_host_program(const std::vector<std::string>& argv);

}  // namespace forkscope
