// Named spdlog loggers, one per part ("cpu", "machine", ...), created on first use.
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
