// parse_stop_point: every form of stop_point.h, its canonical spelling, and the
// messages for malformed text.
#include <gtest/gtest.h>

#include "emulator/stop_point.h"

namespace forkscope::testing {
namespace {

StopPoint parse(const std::string& text) {
    auto p = parse_stop_point(text);
    EXPECT_TRUE(p.ok()) << text << ": " << p.error().message;
    return p.ok() ? *p : StopPoint{};
}

std::string error_of(const std::string& text) {
    auto p = parse_stop_point(text);
    EXPECT_FALSE(p.ok()) << text << " parsed";
    if (p.ok()) return "";
    EXPECT_EQ(p.error().kind, ErrorKind::Usage) << text;
    return p.error().message;
}

TEST(ParseStopPoint, SymbolEntryWithAndWithoutCount) {
    StopPoint p = parse("copy_process");
    EXPECT_EQ(p.kind, StopKind::Entry);
    EXPECT_EQ(p.symbol, "copy_process");
    EXPECT_EQ(p.n, 1u);
    EXPECT_EQ(p.text(), "copy_process#1");
    EXPECT_EQ(p.function(), "copy_process");
    EXPECT_FALSE(p.at_return());

    p = parse("dup_mmap#12");
    EXPECT_EQ(p.kind, StopKind::Entry);
    EXPECT_EQ(p.symbol, "dup_mmap");
    EXPECT_EQ(p.n, 12u);
    EXPECT_EQ(p.text(), "dup_mmap#12");
}

TEST(ParseStopPoint, Return) {
    StopPoint p = parse("return:copy_process");
    EXPECT_EQ(p.kind, StopKind::Return);
    EXPECT_EQ(p.symbol, "copy_process");
    EXPECT_EQ(p.n, 1u);
    EXPECT_TRUE(p.at_return());
    EXPECT_EQ(p.text(), "return:copy_process#1");

    p = parse("return:do_fork#3");
    EXPECT_EQ(p.n, 3u);
    EXPECT_EQ(p.text(), "return:do_fork#3");
}

TEST(ParseStopPoint, ForkCowExecAndTheirFunctions) {
    StopPoint p = parse("fork");
    EXPECT_EQ(p.kind, StopKind::Fork);
    EXPECT_EQ(p.n, 1u);
    EXPECT_EQ(p.function(), "copy_process");
    EXPECT_TRUE(p.at_return());
    EXPECT_EQ(parse("fork#2").n, 2u);

    p = parse("cow#7");
    EXPECT_EQ(p.kind, StopKind::Cow);
    EXPECT_EQ(p.n, 7u);
    EXPECT_EQ(p.function(), "do_wp_page");
    EXPECT_EQ(p.text(), "cow#7");

    p = parse("exec");
    EXPECT_EQ(p.kind, StopKind::Exec);
    EXPECT_EQ(p.function(), "do_execve");
    EXPECT_EQ(p.text(), "exec#1");
}

TEST(ParseStopPoint, ExitAndEnd) {
    StopPoint p = parse("exit");
    EXPECT_EQ(p.kind, StopKind::Exit);
    EXPECT_FALSE(p.pid);
    EXPECT_EQ(p.function(), "do_exit");
    EXPECT_FALSE(p.at_return());
    EXPECT_EQ(p.text(), "exit");

    p = parse("exit:42");
    EXPECT_EQ(p.kind, StopKind::Exit);
    ASSERT_TRUE(p.pid);
    EXPECT_EQ(*p.pid, 42);
    EXPECT_EQ(p.text(), "exit:42");

    p = parse("end");
    EXPECT_EQ(p.kind, StopKind::End);
    EXPECT_EQ(p.function(), "do_exit");
    EXPECT_EQ(p.text(), "end");
}

TEST(ParseStopPoint, TextParsesBackToTheSamePoint) {
    for (const char* t : {"copy_process", "copy_process#4", "return:dup_mmap#2", "fork#9", "cow", "exec#2", "exit",
                          "exit:3", "end"}) {
        StopPoint p = parse(t);
        EXPECT_EQ(parse(p.text()), p) << t;
    }
}

TEST(ParseStopPoint, MalformedTextSaysWhatIsWrong) {
    EXPECT_EQ(error_of(""),
              "empty stop point (expected SYMBOL[#N], return:SYMBOL[#N], fork[#N], cow[#N], exec[#N], exit, exit:PID "
              "or end)");
    EXPECT_EQ(error_of("fork#0"), "bad stop point 'fork#0': counts start at #1");
    EXPECT_EQ(error_of("copy_process#0"), "bad stop point 'copy_process#0': counts start at #1");
    EXPECT_EQ(error_of("fork#x"), "bad stop point 'fork#x': 'x' is not a count (a number from 1)");
    EXPECT_EQ(error_of("cow#-1"), "bad stop point 'cow#-1': '-1' is not a count (a number from 1)");
    EXPECT_EQ(error_of("cow#+1"), "bad stop point 'cow#+1': '+1' is not a count (a number from 1)");
    EXPECT_EQ(error_of("fork#2x"), "bad stop point 'fork#2x': '2x' is not a count (a number from 1)");
    EXPECT_EQ(error_of("fork#99999999999999999999999"),
              "bad stop point 'fork#99999999999999999999999': '99999999999999999999999' is not a count (a number "
              "from 1)");
    EXPECT_EQ(error_of("fork#"), "bad stop point 'fork#': '#' needs a count after it");
    EXPECT_EQ(error_of("exit:abc"), "bad stop point 'exit:abc': 'abc' is not a pid (a number from 1)");
    EXPECT_EQ(error_of("exit:0"), "bad stop point 'exit:0': '0' is not a pid (a number from 1)");
    EXPECT_EQ(error_of("exit:"), "bad stop point 'exit:': '' is not a pid (a number from 1)");
    EXPECT_EQ(error_of("exit#2"), "bad stop point 'exit#2': exit and end take no #N (use exit:PID for one task)");
    EXPECT_EQ(error_of("end#1"), "bad stop point 'end#1': exit and end take no #N (use exit:PID for one task)");
    EXPECT_EQ(error_of("return:"), "bad stop point 'return:': return: needs a kernel function name");
    EXPECT_EQ(error_of("return:#2"), "bad stop point 'return:#2': return: needs a kernel function name");
    EXPECT_NE(error_of("#3").find("bad stop point '#3': expected SYMBOL[#N]"), std::string::npos);
    EXPECT_NE(error_of("9lives").find("'9lives' is not a kernel function name"), std::string::npos);
    EXPECT_NE(error_of("copy process").find("'copy process' is not a kernel function name"), std::string::npos);
    EXPECT_NE(error_of("entry:copy_process").find("'entry:copy_process' is not a kernel function name"),
              std::string::npos);
    EXPECT_NE(error_of("fork#1#2").find("'1#2' is not a count"), std::string::npos);
}

}  // namespace
}  // namespace forkscope::testing
