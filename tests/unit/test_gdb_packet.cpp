// The Remote Serial Protocol's framing (frontend/gdbstub/rsp_packet.h): checksums,
// acks and resends, no-ack mode, escapes, run-length encoding, Ctrl-C, the size bound,
// and a peer that stops in the middle of a packet.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "frontend/gdbstub/rsp_packet.h"

namespace forkscope::gdb {
namespace {

struct Fed {
    std::vector<Incoming> events;
    std::string reply;
};

// "$data#cs" with data as it is: run-length counts and bytes that frame() would escape.
std::string frame_without_escapes_for_test(const std::string& data) {
    const uint8_t sum = checksum(data);
    const char digits[] = "0123456789abcdef";
    return "$" + data + "#" + digits[sum >> 4] + digits[sum & 15];
}

Fed feed(RspConnection& c, std::string_view bytes) {
    Fed f;
    c.receive(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), f.events, f.reply);
    return f;
}

TEST(GdbPacket, HexHelpers) {
    const uint8_t bytes[] = {0x00, 0x7f, 0xab, 0xff};
    EXPECT_EQ(to_hex(std::span<const uint8_t>(bytes)), "007fabff");
    EXPECT_EQ(to_hex(std::string_view("OK\n")), "4f4b0a");
    EXPECT_EQ(*from_hex("007FabfF"), std::vector<uint8_t>(bytes, bytes + 4));
    EXPECT_FALSE(from_hex("abc").has_value());
    EXPECT_FALSE(from_hex("zz").has_value());
    EXPECT_EQ(*parse_hex_u32("c0100000"), 0xc0100000u);
    EXPECT_EQ(*parse_hex_u32("A"), 10u);
    EXPECT_FALSE(parse_hex_u32("").has_value());
    EXPECT_FALSE(parse_hex_u32("100000000").has_value());  // 33 bits
    EXPECT_FALSE(parse_hex_u32("12g").has_value());
    EXPECT_EQ(hex_le32(0x12345678), "78563412");
    EXPECT_EQ(*parse_hex_le32("78563412"), 0x12345678u);
    EXPECT_FALSE(parse_hex_le32("785634").has_value());
}

TEST(GdbPacket, FrameAndChecksum) {
    EXPECT_EQ(checksum("OK"), 0x9a);
    EXPECT_EQ(frame("OK"), "$OK#9a");
    EXPECT_EQ(frame(""), "$#00");
    // '$', '#', '}' and '*' travel escaped; the checksum covers the escaped bytes.
    EXPECT_EQ(frame("a#b"), "$a}\x03" "b#" + std::string("43"));
    EXPECT_EQ(*unescape_binary("a}\x03" "b}]}\x0a"), "a#b}*");
    EXPECT_FALSE(unescape_binary("ab}").has_value());
}

TEST(GdbPacket, RunLength) {
    EXPECT_EQ(*expand_run_length("0* ", 100), "0000");
    EXPECT_EQ(*expand_run_length("x*\"y", 100), "xxxxxxy");  // '"' = 34: 5 more
    EXPECT_FALSE(expand_run_length("*a", 100).has_value());    // nothing to repeat
    EXPECT_FALSE(expand_run_length("a*", 100).has_value());    // no count
    EXPECT_FALSE(expand_run_length("a*\x10", 100).has_value());  // count below ' '
    EXPECT_FALSE(expand_run_length("a*~", 50).has_value());    // past the bound
}

TEST(GdbPacket, AGoodPacketIsAckedAndDelivered) {
    RspConnection c;
    Fed f = feed(c, "$qSupported:multiprocess+#" + std::string("c6"));
    ASSERT_EQ(f.events.size(), 1u);
    EXPECT_EQ(f.events[0].kind, Incoming::Kind::Packet);
    EXPECT_EQ(f.events[0].data, "qSupported:multiprocess+");
    EXPECT_EQ(f.reply, "+");
    EXPECT_FALSE(c.mid_packet());
}

TEST(GdbPacket, ABadChecksumIsNakedAndDropped) {
    RspConnection c;
    Fed f = feed(c, "$g#00");
    EXPECT_TRUE(f.events.empty());
    EXPECT_EQ(f.reply, "-");
    f = feed(c, "$g#zz");  // not hex
    EXPECT_TRUE(f.events.empty());
    EXPECT_EQ(f.reply, "-");
    f = feed(c, "$g#67");  // and the retransmission is taken
    ASSERT_EQ(f.events.size(), 1u);
    EXPECT_EQ(f.events[0].data, "g");
    EXPECT_EQ(f.reply, "+");
}

TEST(GdbPacket, ANakResendsTheLastPacketABoundedNumberOfTimes) {
    RspConnection c;
    const std::string sent = c.send("OK");
    EXPECT_EQ(sent, "$OK#9a");
    EXPECT_EQ(feed(c, "-").reply, sent);
    EXPECT_EQ(feed(c, "-").reply, sent);
    EXPECT_EQ(feed(c, "+").reply, "");
    EXPECT_EQ(feed(c, "-").reply, "");  // acked: nothing left to resend
    c.send("S05");
    std::string all;
    for (int i = 0; i < kMaxResends + 5; ++i) all += feed(c, "-").reply;
    EXPECT_EQ(all.size(), frame("S05").size() * kMaxResends);
}

TEST(GdbPacket, NoAckModeSendsAndExpectsNoAcks) {
    RspConnection c;
    c.start_no_ack();
    Fed f = feed(c, "$g#67$m0,4#fd");
    ASSERT_EQ(f.events.size(), 2u);
    EXPECT_EQ(f.events[1].data, "m0,4");
    EXPECT_EQ(f.reply, "");
    c.send("OK");
    EXPECT_EQ(feed(c, "-").reply, "");
}

TEST(GdbPacket, CtrlCOutsideAPacketIsAnInterrupt) {
    RspConnection c;
    Fed f = feed(c, "\x03");
    ASSERT_EQ(f.events.size(), 1u);
    EXPECT_EQ(f.events[0].kind, Incoming::Kind::Interrupt);
    // Inside a packet 0x03 is data (an escaped '#' is "}\x03").
    f = feed(c, std::string("$X0,1:}\x03#") + "9f");
    ASSERT_EQ(f.events.size(), 1u) << f.reply;
    EXPECT_EQ(f.events[0].kind, Incoming::Kind::Packet);
    EXPECT_EQ(*unescape_binary(f.events[0].data), "X0,1:#");
}

TEST(GdbPacket, RunLengthEncodedPacketsAreExpanded) {
    RspConnection c;
    Fed f = feed(c, frame_without_escapes_for_test("M0,4:0* "));
    ASSERT_EQ(f.events.size(), 1u);
    EXPECT_EQ(f.events[0].data, "M0,4:0000");
    f = feed(c, frame_without_escapes_for_test("*x"));
    ASSERT_EQ(f.events.size(), 1u);
    EXPECT_EQ(f.events[0].kind, Incoming::Kind::Malformed);
}

TEST(GdbPacket, AnOversizedPacketIsDroppedWithBoundedMemory) {
    RspConnection c(64);
    const std::string big(10000, 'a');
    Fed f = feed(c, frame_without_escapes_for_test("X0,0:" + big));
    ASSERT_EQ(f.events.size(), 1u);
    EXPECT_EQ(f.events[0].kind, Incoming::Kind::Oversized);
    EXPECT_EQ(f.reply, "+");
    // Expansion past the bound is refused as well: 4 bytes that would expand to 97*20.
    std::string rle;
    for (int i = 0; i < 20; ++i) rle += "a*~";
    f = feed(c, frame_without_escapes_for_test(rle));
    ASSERT_EQ(f.events.size(), 1u);
    EXPECT_EQ(f.events[0].kind, Incoming::Kind::Oversized);
    // The connection goes on.
    f = feed(c, "$g#67");
    ASSERT_EQ(f.events.size(), 1u);
    EXPECT_EQ(f.events[0].data, "g");
}

TEST(GdbPacket, APacketSplitAcrossReadsAndAPeerThatStopsMidPacket) {
    RspConnection c;
    const std::string p = "$m c0100000,4#";
    Fed f;
    for (char ch : p) {
        f = feed(c, std::string(1, ch));
        EXPECT_TRUE(f.events.empty());
    }
    EXPECT_TRUE(c.mid_packet());  // a disconnect here loses the packet, nothing else
    f = feed(c, "a");
    EXPECT_TRUE(c.mid_packet());
    EXPECT_TRUE(f.events.empty());
    f = feed(c, "1");
    EXPECT_FALSE(c.mid_packet());
    ASSERT_EQ(f.events.size(), 1u);
    EXPECT_EQ(f.events[0].data, "m c0100000,4");
    // A new '$' inside the data restarts: the peer gave up on the first packet.
    f = feed(c, "$m c01$g#67");
    ASSERT_EQ(f.events.size(), 1u);
    EXPECT_EQ(f.events[0].data, "g");
    EXPECT_FALSE(c.mid_packet());
}

}  // namespace
}  // namespace forkscope::gdb
