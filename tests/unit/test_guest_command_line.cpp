// The kernel command line that starts a program (frontend/guest_command_line.h): the
// "-- /bin/PROGRAM ARG..." form of the ABI contract, quoting, refusals and the length limit.
// (What does not fit goes in a file: tests/unit/test_program_args.cpp.)
#include "frontend/guest_command_line.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace forkscope {
namespace {

Result<std::string> program_command_line(std::string_view append, std::string_view program,
                                         std::vector<std::string> args) {
    args.insert(args.begin(), std::string(program));
    return init_command_line(append, args);
}

std::string line(std::string_view append, std::string_view program, std::vector<std::string> args) {
    auto r = program_command_line(append, program, args);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : std::string();
}

void expect_usage_error(const Result<std::string>& r, std::string_view needle) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Usage);
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
}

TEST(GuestCommandLine, ProgramAndArguments) {
    EXPECT_EQ(line("", "/bin/hello", {}), "-- /bin/hello");
    EXPECT_EQ(line("", "/bin/echo", {"-n", "hi"}), "-- /bin/echo -n hi");
    EXPECT_EQ(line("loglevel=7 check=vm", "/bin/ls", {"/"}), "loglevel=7 check=vm -- /bin/ls /");
}

TEST(GuestCommandLine, BlanksAndEmptyArgumentsAreQuoted) {
    EXPECT_EQ(line("", "/bin/echo", {"a b", "", "tab\there", "x"}), "-- /bin/echo \"a b\" \"\" \"tab\there\" x");
    EXPECT_EQ(line("", "/bin/my prog", {}), "-- \"/bin/my prog\"");
    // Everything else passes as it is: the kernel has no escape character.
    EXPECT_EQ(line("", "/bin/echo", {"ls | cat", "$HOME", "'q'", "back\\slash", "--"}),
              "-- /bin/echo \"ls | cat\" $HOME 'q' back\\slash --");
}

TEST(GuestCommandLine, DoubleQuoteNewlineAndNulAreRefused) {
    std::vector<std::string> quote = {"ok", "say \"hi\""};
    expect_usage_error(program_command_line("", "/bin/echo", quote), "word 3 'say \"hi\"' contains a double quote");
    std::vector<std::string> newline = {"two\nlines"};
    expect_usage_error(program_command_line("", "/bin/echo", newline), "word 2 contains a newline");
    std::vector<std::string> nul = {std::string("a\0b", 3)};
    expect_usage_error(program_command_line("", "/bin/echo", nul), "NUL");
    expect_usage_error(program_command_line("", "/bin/a\"b", {}), "word 1");
}

TEST(GuestCommandLine, LongArgumentsAreShortenedInTheMessage) {
    std::vector<std::string> args = {std::string(1000, 'x') + "\""};
    auto r = program_command_line("", "/bin/echo", args);
    ASSERT_FALSE(r.ok());
    EXPECT_LT(r.error().message.size(), 200u) << r.error().message;
}

TEST(GuestCommandLine, AppendMustNotContainTheMark) {
    expect_usage_error(program_command_line("a -- b", "/bin/echo", {}), "--append must not contain the word '--'");
    expect_usage_error(program_command_line("--", "/bin/echo", {}), "'--'");
    EXPECT_EQ(line("a--b --x", "/bin/echo", {}), "a--b --x -- /bin/echo");
}

TEST(GuestCommandLine, AtMost128Words) {
    std::vector<std::string> args(kMaxProgramWords - 1, "a");
    EXPECT_TRUE(program_command_line("", "/bin/echo", args).ok());
    args.push_back("one too many");
    expect_usage_error(program_command_line("", "/bin/echo", args), "too many words for init (129); the kernel passes at most 128");
}

TEST(GuestCommandLine, WhatFits) {
    EXPECT_TRUE(fits_command_line(""));
    EXPECT_TRUE(fits_command_line("a b\t'c' \\ $x caf\xc3\xa9"));
    EXPECT_FALSE(fits_command_line("say \"hi\""));
    EXPECT_FALSE(fits_command_line("two\nlines"));
    EXPECT_FALSE(fits_command_line(std::string("a\0b", 3)));
}

TEST(GuestCommandLine, InitsOwnWords) {
    std::vector<std::string> words = {"-e", "/etc/forkscope/environ", "/bin/echo", "a b"};
    auto r = init_command_line("quiet", words);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, "quiet -- -e /etc/forkscope/environ /bin/echo \"a b\"");
    words.push_back("x\"");
    auto bad = init_command_line("", words);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("word 5"), std::string::npos) << bad.error().message;
    EXPECT_FALSE(init_command_line("a -- b", std::vector<std::string>{"-a", "f"}).ok());
    EXPECT_FALSE(init_command_line("", std::vector<std::string>(kMaxProgramWords + 1, "w")).ok());
    EXPECT_TRUE(init_command_line("", std::vector<std::string>(kMaxProgramWords, "w")).ok());
}

TEST(GuestCommandLine, LengthLimitCountsImageNameBlankAndNul) {
    const std::string kernel = "kernel.elf";
    const size_t room = kMaxKernelCommandLine - kernel.size() - 2;
    EXPECT_TRUE(check_command_line_length(kernel, std::string(room, 'a')).ok());
    auto r = check_command_line_length(kernel, std::string(room + 1, 'a'));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::Usage);
    EXPECT_NE(r.error().message.find("2049 bytes"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("at most 2048"), std::string::npos) << r.error().message;
    EXPECT_TRUE(check_command_line_length(kernel, "").ok());
}

}  // namespace
}  // namespace forkscope
