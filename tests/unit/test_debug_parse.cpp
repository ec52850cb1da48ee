// forkscope debug's command language: gdb's names, aliases and unambiguous prefixes,
// x/FMT, and the messages for what is not a command.
#include <gtest/gtest.h>

#include "frontend/cli/debug_parse.h"

namespace forkscope::cli {
namespace {

DebugCommand parsed(const char* line) {
    auto c = parse_debug_command(line);
    EXPECT_TRUE(c.ok()) << line << ": " << c.error().message;
    return c.ok() ? *c : DebugCommand{};
}

TEST(DebugParse, NamesAliasesAndPrefixes) {
    EXPECT_EQ(parsed("break copy_process").name, "break");
    EXPECT_EQ(parsed("b copy_process").args, std::vector<std::string>{"copy_process"});
    EXPECT_EQ(parsed("c").name, "continue");
    EXPECT_EQ(parsed("si").name, "stepi");
    EXPECT_EQ(parsed("ni 3").args, std::vector<std::string>{"3"});
    EXPECT_EQ(parsed("bt").name, "backtrace");
    EXPECT_EQ(parsed("where").name, "backtrace");
    EXPECT_EQ(parsed("rsi").name, "reverse-stepi");
    EXPECT_EQ(parsed("rc").name, "reverse-continue");
    EXPECT_EQ(parsed("fin").name, "finish");
    EXPECT_EQ(parsed("cont").name, "continue");
    EXPECT_EQ(parsed("disa").name, "disable") << "a unique prefix";
    EXPECT_EQ(parsed("reverse-fin").name, "reverse-finish");
    EXPECT_EQ(parsed("  NEXT  ").name, "next") << "case and blanks do not matter";
    EXPECT_EQ(parsed("i r eip").args, (std::vector<std::string>{"r", "eip"}));
}

TEST(DebugParse, RestKeepsTheTextAfterTheCommand) {
    const DebugCommand c = parsed("echo  hello\\n world ");
    EXPECT_EQ(c.name, "echo");
    EXPECT_EQ(c.rest, "hello\\n world");
    EXPECT_EQ(parsed("print p->mm->mmap").rest, "p->mm->mmap");
}

TEST(DebugParse, BlankLinesAndCommentsAreEmpty) {
    EXPECT_EQ(parsed("").name, "");
    EXPECT_EQ(parsed("   ").name, "");
    EXPECT_EQ(parsed("# a comment").name, "");
}

TEST(DebugParse, UnknownAndAmbiguousCommands) {
    auto u = parse_debug_command("frobnicate");
    ASSERT_FALSE(u.ok());
    EXPECT_EQ(u.error().message, "Undefined command: \"frobnicate\".  Try \"help\".");
    auto a = parse_debug_command("re");
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().message.rfind("Ambiguous command \"re\": reverse-continue, ", 0), 0u) << a.error().message;
    EXPECT_FALSE(parse_debug_command("break/x main").ok()) << "only x, xp and print take a /FORMAT";
}

TEST(DebugParse, ExamineFormats) {
    const DebugCommand c = parsed("x/4xw $esp");
    EXPECT_EQ(c.name, "x");
    EXPECT_EQ(c.format, "4xw");
    EXPECT_EQ(c.rest, "$esp");
    ExamineFormat d;
    auto f = parse_examine_format("4xw", d);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->count, 4u);
    EXPECT_EQ(f->format, 'x');
    EXPECT_EQ(f->unit, 'w');
    auto g = parse_examine_format("bx", d);  // unit and format in either order
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->unit, 'b');
    EXPECT_EQ(g->count, 1u);
    auto i = parse_examine_format("10i", *g);
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i->format, 'i');
    EXPECT_EQ(i->count, 10u);
    EXPECT_EQ(parse_examine_format("", *i)->format, 'i') << "defaults are the last format";
    EXPECT_EQ(parse_examine_format("c", d)->unit, 'b');
    EXPECT_FALSE(parse_examine_format("4q", d).ok());
    EXPECT_FALSE(parse_examine_format("0x", d).ok());
    EXPECT_FALSE(parse_examine_format("99999999999999999999x", d).ok());
    EXPECT_EQ(parsed("xp/2xg 0x1000").name, "xp");
}

}  // namespace
}  // namespace forkscope::cli
