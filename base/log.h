// Named spdlog loggers, one per part ("cpu", "pic", "uart", ...), created on first use
// on stderr (stdout carries the guest console). The only global state in the host.
#pragma once
#include <memory>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace forkscope {

inline std::shared_ptr<spdlog::logger> logger(const std::string& name) {
    if (auto l = spdlog::get(name)) return l;
    try {
        return spdlog::stderr_color_mt(name);
    } catch (const spdlog::spdlog_ex&) {
        return spdlog::get(name);  // created meanwhile by another part
    }
}

}  // namespace forkscope
