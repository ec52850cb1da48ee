// How a program's argv and environment reach init (frontend/program_args.h): on the
// command line when they fit, in files of the initramfs otherwise; the environment
// rule init applies; the guest execve's limits with the kernel's accounting.
#include "frontend/program_args.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "frontend/guest_command_line.h"

namespace forkscope {
namespace {

using Strings = std::vector<std::string>;

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

ProgramLaunch plan(std::string_view append, const Strings& args, const Strings& env = {}) {
    auto r = plan_program_launch(append, "kernel.elf", "/bin/echo", args, env);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : ProgramLaunch{};
}

void expect_usage_error(const Result<ProgramLaunch>& r, std::string_view needle) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Usage);
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
}

TEST(ProgramArgs, OrdinaryArgumentsStayOnTheCommandLine) {
    ProgramLaunch l = plan("quiet", {"-n", "a b", "", "it's", "back\\slash", "caf\xc3\xa9"});
    EXPECT_EQ(l.cmdline, "quiet -- /bin/echo -n \"a b\" \"\" it's back\\slash caf\xc3\xa9");
    EXPECT_TRUE(l.files.empty());
}

TEST(ProgramArgs, DoubleQuoteOrNewlineMovesTheArgvToAFile) {
    for (const std::string& odd : {std::string("say \"hi\""), std::string("two\nlines")}) {
        ProgramLaunch l = plan("quiet", {"a", odd, ""});
        EXPECT_EQ(l.cmdline, "quiet -- -a /etc/forkscope/argv");
        ASSERT_EQ(l.files.size(), 1u);
        EXPECT_EQ(l.files[0].first, "etc/forkscope/argv");
        EXPECT_EQ(l.files[0].second, bytes_of(std::string("/bin/echo\0a\0", 12) + odd + std::string("\0\0", 2)));
    }
}

TEST(ProgramArgs, TooManyWordsOrBytesForTheCommandLineMoveToAFile) {
    EXPECT_EQ(plan("", Strings(kMaxProgramWords - 1, "w")).cmdline.substr(0, 14), "-- /bin/echo w");
    EXPECT_EQ(plan("", Strings(kMaxProgramWords, "w")).cmdline, "-- -a /etc/forkscope/argv");
    // "kernel.elf" + blank + "-- /bin/echo " + the argument + NUL = 2048 fits.
    const size_t room = kMaxKernelCommandLine - 11 - 13 - 1;
    EXPECT_EQ(plan("", {std::string(room, 'x')}).files.size(), 0u);
    EXPECT_EQ(plan("", {std::string(room + 1, 'x')}).cmdline, "-- -a /etc/forkscope/argv");
}

TEST(ProgramArgs, EnvironmentChangesGoInTheirOwnFile) {
    ProgramLaunch l = plan("", {"hi"}, {"A=1", "TERM"});
    EXPECT_EQ(l.cmdline, "-- -e /etc/forkscope/environ /bin/echo hi");
    ASSERT_EQ(l.files.size(), 1u);
    EXPECT_EQ(l.files[0].first, "etc/forkscope/environ");
    EXPECT_EQ(l.files[0].second, bytes_of(std::string("A=1\0TERM\0", 9)));
    l = plan("", {"\""}, {"B=x\ny"});
    EXPECT_EQ(l.cmdline, "-- -e /etc/forkscope/environ -a /etc/forkscope/argv");
    EXPECT_EQ(l.files.size(), 2u);
}

TEST(ProgramArgs, AppendErrorsStay) {
    expect_usage_error(plan_program_launch("a -- b", "k", "/bin/echo", Strings{}, Strings{}), "'--'");
    expect_usage_error(plan_program_launch("a -- b", "k", "/bin/echo", Strings{"\""}, Strings{}), "'--'");
    expect_usage_error(plan_program_launch(std::string(3000, 'a'), "k", "/bin/echo", Strings{}, Strings{}),
                       "at most 2048");
    expect_usage_error(plan_program_launch("", "k", "/bin/echo", Strings{}, Strings{"=x"}), "no NAME");
}

TEST(ProgramArgs, ChangedEnvironmentReplacesInPlaceAppendsAndRemoves) {
    const Strings base = {"HOME=/", "TERM=linux", "X=1", "X=2"};
    EXPECT_EQ(changed_environment(base, Strings{"TERM=vt100"}), (Strings{"HOME=/", "TERM=vt100", "X=1", "X=2"}));
    EXPECT_EQ(changed_environment(base, Strings{"X=3"}), (Strings{"HOME=/", "TERM=linux", "X=3"}));
    EXPECT_EQ(changed_environment(base, Strings{"NEW=a=b", "HOME"}), (Strings{"TERM=linux", "X=1", "X=2", "NEW=a=b"}));
    EXPECT_EQ(changed_environment(base, Strings{"X", "X=9"}), (Strings{"HOME=/", "TERM=linux", "X=9"}));
    EXPECT_EQ(changed_environment(base, Strings{"TER=x"}).back(), "TER=x");  // a prefix is another name
}

TEST(ProgramArgs, ExecLimitsAreTheKernels) {
    // The file name and its NUL, then argv = {"/bin/echo", arg} and envp = init's:
    // strings, NULs and 4-byte pointers.
    const size_t fixed = (9 + 1) + (9 + 1 + 4) + (6 + 1 + 4) + (10 + 1 + 4);
    const Strings env(kInitEnvironment.begin(), kInitEnvironment.end());
    const size_t biggest = kMaxArgBytes - fixed - 1 - 4;
    EXPECT_TRUE(check_exec_limits("/bin/echo", Strings{"/bin/echo", std::string(biggest, 'x')}, env).ok());
    auto r = check_exec_limits("/bin/echo", Strings{"/bin/echo", std::string(biggest + 1, 'x')}, env);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("131073 bytes"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("at most 131072 (MAX_ARG_BYTES"), std::string::npos) << r.error().message;
    // One string of MAX_ARG_STRLEN bytes is refused on its own.
    r = check_exec_limits("/bin/echo", Strings{"/bin/echo", std::string(kMaxArgStrlen, 'x')}, {});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("argument 1 is 131072 bytes"), std::string::npos) << r.error().message;
    // Many small ones count their pointers.
    EXPECT_FALSE(check_exec_limits("", Strings((kMaxArgBytes - 1) / 5 + 1, ""), {}).ok());
    EXPECT_TRUE(check_exec_limits("", Strings((kMaxArgBytes - 1) / 5, ""), {}).ok());
}

TEST(ProgramArgs, PlanChecksTheExecLimits) {
    expect_usage_error(plan_program_launch("", "k", "/bin/echo", Strings{std::string(200000, 'x')}, Strings{}),
                       "MAX_ARG_STRLEN");
    expect_usage_error(plan_program_launch("", "k", "/bin/echo", Strings(30000, "abc"), Strings{}), "MAX_ARG_BYTES");
    expect_usage_error(plan_program_launch("", "k", "/bin/echo", Strings{}, Strings{"BIG=" + std::string(140000, 'v')}),
                       "environment entry 'BIG=");
}

TEST(ProgramArgs, NulTerminated) {
    EXPECT_EQ(nul_terminated(Strings{}), std::vector<uint8_t>{});
    EXPECT_EQ(nul_terminated(Strings{"", "ab"}), bytes_of(std::string("\0ab\0", 4)));
}

}  // namespace
}  // namespace forkscope
