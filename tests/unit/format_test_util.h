// Helpers of the format tests: expected text as lines, colour codes stripped.
#pragma once
#include <gtest/gtest.h>

#include <initializer_list>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace forkscope::testing {

// The lines joined, each ending in '\n' (as every format ends its lines).
inline std::string text_of(std::initializer_list<std::string_view> lines) {
    std::string s;
    for (std::string_view l : lines) (s += l) += '\n';
    return s;
}

inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    size_t at = 0;
    while (at < text.size()) {
        size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        lines.push_back(text.substr(at, nl - at));
        at = nl + 1;
    }
    return lines;
}

inline std::string strip_colour(const std::string& s) { return std::regex_replace(s, std::regex("\x1b\\[[0-9;]*m"), ""); }

template <class T>
T ok_value(Result<T> r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : T{};
}

// An Error of kind Usage: one line that contains `needle`.
template <class T>
void expect_error(const Result<T>& r, std::string_view needle) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Usage);
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
}

}  // namespace forkscope::testing
