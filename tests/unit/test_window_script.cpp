// forkscope gui --script: the lines a test or a person drives the window with, and
// what each asks of the window.
#include <gtest/gtest.h>

#include "frontend/gui/window_script.h"

namespace forkscope::gui {
namespace {

TEST(WindowScript, LinesBecomeCommandsSelectionsAndOutputs) {
    auto script = parse_window_script({"# a comment", "", "  continue  ", "next", "break fork.c:515",
                                       "select 2", "screenshot /tmp/a.png", "ui-state /tmp/a.json",
                                       "reverse-continue"});
    ASSERT_TRUE(script.ok()) << script.error().message;
    ASSERT_EQ(script->size(), 7u);
    EXPECT_EQ((*script)[0].number, 3);  // numbered as in the file
    ScriptStep s = script_step((*script)[0]);
    ASSERT_TRUE(s.command);
    EXPECT_EQ(s.command->action, LiveAction::Continue);
    EXPECT_EQ(script_step((*script)[1]).command->action, LiveAction::Next);
    s = script_step((*script)[2]);
    ASSERT_TRUE(s.command);
    EXPECT_EQ(s.command->action, LiveAction::Break);
    EXPECT_EQ(s.command->location, "fork.c:515");
    s = script_step((*script)[3]);
    EXPECT_FALSE(s.command);
    EXPECT_EQ(s.select, 2);
    EXPECT_EQ(script_step((*script)[4]).screenshot, "/tmp/a.png");
    EXPECT_EQ(script_step((*script)[5]).ui_state, "/tmp/a.json");
    EXPECT_EQ(script_step((*script)[6]).command->action, LiveAction::ReverseContinue);
}

TEST(WindowScript, SelectionsOfPagesAndFramesAndTheExplainedAccess) {
    auto script = parse_window_script({"select-address 0x0804c000", "select-frame 1437", "explain read",
                                       "explain write"});
    ASSERT_TRUE(script.ok()) << script.error().message;
    ASSERT_EQ(script->size(), 4u);
    ScriptStep s = script_step((*script)[0]);
    EXPECT_FALSE(s.command);
    EXPECT_EQ(s.address, 0x0804c000u);
    EXPECT_FALSE(s.frame);
    s = script_step((*script)[1]);
    EXPECT_EQ(s.frame, 1437u);
    EXPECT_FALSE(s.address);
    EXPECT_EQ(script_step((*script)[2]).explain_write, false);
    EXPECT_EQ(script_step((*script)[3]).explain_write, true);
}

TEST(WindowScript, TheNextEventAndTimelineEvents) {
    auto script = parse_window_script({"run-to cow", "goto-event fork#2"});
    ASSERT_TRUE(script.ok()) << script.error().message;
    ScriptStep s = script_step((*script)[0]);
    ASSERT_TRUE(s.command);
    EXPECT_EQ(s.command->action, LiveAction::RunTo);
    EXPECT_EQ(s.command->location, "cow");
    s = script_step((*script)[1]);
    EXPECT_FALSE(s.command);  // the window finds the event's position in its view
    EXPECT_EQ(s.goto_event, "fork#2");
}

TEST(WindowScript, Speeds) {
    auto script = parse_window_script({"speed max", "speed 1", "speed 0.1"});
    ASSERT_TRUE(script.ok()) << script.error().message;
    EXPECT_EQ(script_step((*script)[0]).speed, 0.0);
    EXPECT_EQ(script_step((*script)[1]).speed, 1.0);
    EXPECT_EQ(script_step((*script)[2]).speed, 0.1);
    EXPECT_FALSE(script_step((*script)[2]).command);  // at once: nothing to wait for
}

TEST(WindowScript, BadLinesAreNamedByNumber) {
    const std::pair<std::vector<std::string>, const char*> bad[] = {
        {{"continue", "jump 3"}, "script line 2: unknown command 'jump'"},
        {{"break"}, "script line 1: 'break' needs an argument"},
        {{"next 3"}, "script line 1: 'next' takes no argument"},
        {{"select two"}, "script line 1: 'select' needs a pid, not 'two'"},
        {{"select -1"}, "script line 1: 'select' needs a pid, not '-1'"},
        {{"screenshot"}, "script line 1: 'screenshot' needs an argument"},
        {{"select-address 0xzz"}, "script line 1: 'select-address' needs a number (0x... or decimal), not '0xzz'"},
        {{"select-frame 0x100000000"},
         "script line 1: 'select-frame' needs a number (0x... or decimal), not '0x100000000'"},
        {{"explain both"}, "script line 1: 'explain' takes read or write, not 'both'"},
        {{"run-to forks"}, "script line 1: 'run-to' takes fork, cow, exec or exit, not 'forks'"},
        {{"goto-event"}, "script line 1: 'goto-event' needs an argument"},
        {{"speed 0"}, "script line 1: 'speed' takes max or a factor above 0 (1: real time), not '0'"},
        {{"speed fast"}, "script line 1: 'speed' takes max or a factor above 0 (1: real time), not 'fast'"},
    };
    for (const auto& [lines, message] : bad) {
        auto r = parse_window_script(lines);
        ASSERT_FALSE(r.ok()) << message;
        EXPECT_EQ(r.error().kind, ErrorKind::Usage);
        EXPECT_EQ(r.error().message, message);
    }
}

}  // namespace
}  // namespace forkscope::gui
