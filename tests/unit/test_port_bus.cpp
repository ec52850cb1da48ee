#include "devices/port_bus.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

namespace forkscope {
namespace {

// Records every access and answers reads with a fixed pattern.
class FakeDevice : public PortDevice {
public:
    struct Access {
        bool write;
        uint16_t port;
        unsigned size;
        uint32_t value;
    };

    explicit FakeDevice(std::string name, uint32_t read_value = 0x12345678)
        : name_(std::move(name)), read_value_(read_value) {}

    uint32_t port_read(uint16_t port, unsigned size) override {
        log.push_back({false, port, size, 0});
        return read_value_;
    }
    void port_write(uint16_t port, unsigned size, uint32_t value) override {
        log.push_back({true, port, size, value});
    }
    std::string_view name() const override { return name_; }

    std::vector<Access> log;

private:
    std::string name_;
    uint32_t read_value_;
};

TEST(PortBus, UnmappedReadsAreAllOnesForTheAccessSize) {
    PortBus bus;
    EXPECT_EQ(bus.read(0x80, 1), 0xFFu);
    EXPECT_EQ(bus.read(0x80, 2), 0xFFFFu);
    EXPECT_EQ(bus.read(0x80, 4), 0xFFFFFFFFu);
    EXPECT_EQ(bus.read(0xFFFF, 2), 0xFFFFu);
    EXPECT_EQ(bus.device_at(0x80), nullptr);
}

TEST(PortBus, UnmappedWritesAreIgnored) {
    PortBus bus;
    FakeDevice dev("dev");
    ASSERT_TRUE(bus.map(0x100, 4, &dev).ok());
    bus.write(0x80, 1, 0xAA);
    bus.write(0x0FF, 4, 0xDEADBEEF);  // next to a device but not on it
    bus.write(0x104, 2, 0x1234);
    EXPECT_TRUE(dev.log.empty());
}

TEST(PortBus, DispatchesToTheOwnerWithAbsolutePortAndSize) {
    PortBus bus;
    FakeDevice a("a", 0x000000AB);
    FakeDevice b("b", 0x0000CDEF);
    ASSERT_TRUE(bus.map(0x20, 2, &a).ok());
    ASSERT_TRUE(bus.map(0xA0, 2, &b).ok());

    EXPECT_EQ(bus.read(0x21, 1), 0xABu);
    bus.write(0xA0, 1, 0x11);
    ASSERT_EQ(a.log.size(), 1u);
    EXPECT_FALSE(a.log[0].write);
    EXPECT_EQ(a.log[0].port, 0x21);
    EXPECT_EQ(a.log[0].size, 1u);
    ASSERT_EQ(b.log.size(), 1u);
    EXPECT_TRUE(b.log[0].write);
    EXPECT_EQ(b.log[0].port, 0xA0);
    EXPECT_EQ(b.log[0].value, 0x11u);
    EXPECT_EQ(bus.device_at(0x20), &a);
    EXPECT_EQ(bus.device_at(0x21), &a);
    EXPECT_EQ(bus.device_at(0x22), nullptr);
}

TEST(PortBus, WideAccessGoesToTheOwnerOfTheFirstPort) {
    PortBus bus;
    FakeDevice a("a");
    FakeDevice b("b");
    ASSERT_TRUE(bus.map(0x60, 1, &a).ok());
    ASSERT_TRUE(bus.map(0x61, 1, &b).ok());
    (void)bus.read(0x60, 2);
    bus.write(0x60, 4, 0xCAFEF00D);
    ASSERT_EQ(a.log.size(), 2u);
    EXPECT_EQ(a.log[0].size, 2u);
    EXPECT_EQ(a.log[1].size, 4u);
    EXPECT_EQ(a.log[1].value, 0xCAFEF00Du);
    EXPECT_TRUE(b.log.empty());
}

TEST(PortBus, ReadValuesAreMaskedToTheAccessSize) {
    PortBus bus;
    FakeDevice dev("dev", 0x12345678);
    ASSERT_TRUE(bus.map(0x3F8, 8, &dev).ok());
    EXPECT_EQ(bus.read(0x3F8, 1), 0x78u);
    EXPECT_EQ(bus.read(0x3F8, 2), 0x5678u);
    EXPECT_EQ(bus.read(0x3F8, 4), 0x12345678u);
}

TEST(PortBus, WriteValuesAreMaskedToTheAccessSize) {
    PortBus bus;
    FakeDevice dev("dev");
    ASSERT_TRUE(bus.map(0x3F8, 8, &dev).ok());
    bus.write(0x3F8, 1, 0x12345678);
    bus.write(0x3F8, 2, 0x12345678);
    bus.write(0x3F8, 4, 0x12345678);
    ASSERT_EQ(dev.log.size(), 3u);
    EXPECT_EQ(dev.log[0].value, 0x78u);
    EXPECT_EQ(dev.log[1].value, 0x5678u);
    EXPECT_EQ(dev.log[2].value, 0x12345678u);
}

TEST(PortBus, InvalidSizesNeverReachADevice) {
    PortBus bus;
    FakeDevice dev("dev");
    ASSERT_TRUE(bus.map(0x70, 2, &dev).ok());
    for (unsigned size : {0u, 3u, 5u, 8u, 0xFFFFFFFFu}) {
        EXPECT_EQ(bus.read(0x70, size), 0xFFFFFFFFu) << size;
        bus.write(0x70, size, 0x42);
    }
    EXPECT_TRUE(dev.log.empty());
}

TEST(PortBus, OverlappingMapsFailAndChangeNothing) {
    PortBus bus;
    FakeDevice a("a");
    FakeDevice b("b");
    ASSERT_TRUE(bus.map(0x40, 4, &a).ok());

    for (auto [first, count] : {std::pair<uint16_t, uint16_t>{0x40, 4}, {0x43, 1}, {0x3F, 2},
                                {0x00, 0x100}, {0x42, 8}}) {
        auto r = bus.map(first, count, &b);
        ASSERT_FALSE(r.ok()) << std::hex << first << "+" << count;
        EXPECT_EQ(r.error().kind, ErrorKind::Host);
        EXPECT_NE(r.error().message.find("already belongs to a"), std::string::npos)
            << r.error().message;
    }
    // Nothing of b got mapped, not even the free ports of a partly overlapping range.
    EXPECT_EQ(bus.device_at(0x3F), nullptr);
    EXPECT_EQ(bus.device_at(0x44), nullptr);
    EXPECT_EQ(bus.mappings().size(), 1u);

    // Adjacent ranges are fine.
    EXPECT_TRUE(bus.map(0x3C, 4, &b).ok());
    EXPECT_TRUE(bus.map(0x44, 1, &b).ok());
}

TEST(PortBus, BadRangesAndNullDevicesFail) {
    PortBus bus;
    FakeDevice a("a");
    EXPECT_FALSE(bus.map(0x10, 0, &a).ok());
    EXPECT_FALSE(bus.map(0xFFFF, 2, &a).ok());
    EXPECT_FALSE(bus.map(0x10, 1, nullptr).ok());
    EXPECT_TRUE(bus.map(0xFFFF, 1, &a).ok());  // the last port is a port like any other
    EXPECT_EQ(bus.device_at(0xFFFF), &a);
}

TEST(PortBus, MappingsAreListedInPortOrder) {
    PortBus bus;
    FakeDevice a("a");
    FakeDevice b("b");
    FakeDevice c("c");
    ASSERT_TRUE(bus.map(0x3F8, 8, &c).ok());
    ASSERT_TRUE(bus.map(0x20, 2, &a).ok());
    ASSERT_TRUE(bus.map(0xA0, 2, &a).ok());
    ASSERT_TRUE(bus.map(0x40, 4, &b).ok());
    const auto& m = bus.mappings();
    ASSERT_EQ(m.size(), 4u);
    EXPECT_EQ(m[0].first, 0x20);
    EXPECT_EQ(m[1].first, 0x40);
    EXPECT_EQ(m[1].dev, &b);
    EXPECT_EQ(m[2].first, 0xA0);
    EXPECT_EQ(m[3].first, 0x3F8);
    EXPECT_EQ(m[3].count, 8);
}

TEST(PortBus, UnmappedAccessesAreTracedOnTheIoLogger) {
    PortBus bus;  // creates the "io" logger if nobody has
    auto log = spdlog::get("io");
    ASSERT_NE(log, nullptr);
    auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
    ring->set_level(spdlog::level::trace);
    const auto old_level = log->level();
    log->sinks().push_back(ring);
    log->set_level(spdlog::level::trace);

    (void)bus.read(0x80, 1);
    bus.write(0x81, 2, 0xBEEF);

    log->set_level(old_level);
    log->sinks().pop_back();
    const auto lines = ring->last_formatted();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_NE(lines[0].find("[trace]"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("0x0080"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("unmapped"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find("0x0081"), std::string::npos) << lines[1];
    EXPECT_NE(lines[1].find("unmapped"), std::string::npos) << lines[1];
}

TEST(PortBus, SizeMask) {
    EXPECT_EQ(port_size_mask(1), 0xFFu);
    EXPECT_EQ(port_size_mask(2), 0xFFFFu);
    EXPECT_EQ(port_size_mask(4), 0xFFFFFFFFu);
}

}  // namespace
}  // namespace forkscope
