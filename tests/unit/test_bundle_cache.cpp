// Unpacking the embedded libc bundle for `forkscope cc` (frontend/bundle_cache.h): the
// cache directory appears once, atomically, and is reused; without a usable cache a
// temporary copy is made; unsafe or odd bundles are refused.
#include "frontend/bundle_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "frontend/initramfs.h"

namespace forkscope {
namespace {

namespace fs = std::filesystem;

CpioEntry entry(std::string name, uint32_t mode, std::string_view data = {}) {
    CpioEntry e;
    e.name = std::move(name);
    e.mode = mode;
    e.data.assign(data.begin(), data.end());
    return e;
}

std::vector<uint8_t> libc_like_bundle() {
    std::vector<CpioEntry> entries = {
        entry("include", 040755), entry("include/sys", 040755), entry("lib", 040755),
        entry("include/stdio.h", 0100644, "int printf(const char *, ...);\n"),
        entry("include/sys/wait.h", 0100644, "/* wait */\n"),
        entry("lib/libc.a", 0100644, "!<arch>\n"),
    };
    return write_cpio(entries);
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class BundleCache : public ::testing::Test {
protected:
    void SetUp() override {
        char templ[] = "/tmp/forkscope-unit-XXXXXX";
        ASSERT_NE(::mkdtemp(templ), nullptr);
        root_ = templ;
    }
    void TearDown() override { remove_tree(root_); }
    std::string root_;
};

TEST_F(BundleCache, HashIsStableAndContentDependent) {
    const std::vector<uint8_t> a = {1, 2, 3}, b = {1, 2, 4};
    EXPECT_EQ(content_hash(a), content_hash(a));
    EXPECT_NE(content_hash(a), content_hash(b));
    EXPECT_EQ(content_hash({}).size(), 16u);
    EXPECT_EQ(content_hash({}), "cbf29ce484222325");  // FNV-1a offset basis
}

TEST_F(BundleCache, UnpacksOnceIntoTheCacheAndReusesIt) {
    const auto bundle = libc_like_bundle();
    auto first = unpack_cached(bundle, "libc", root_ + "/cache");
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_FALSE(first->temporary);
    EXPECT_EQ(first->dir, root_ + "/cache/libc-" + content_hash(bundle));
    EXPECT_EQ(slurp(first->dir + "/include/stdio.h"), "int printf(const char *, ...);\n");
    EXPECT_EQ(slurp(first->dir + "/include/sys/wait.h"), "/* wait */\n");
    EXPECT_EQ(slurp(first->dir + "/lib/libc.a"), "!<arch>\n");

    // A second run finds it and does not write again.
    fs::remove(first->dir + "/lib/libc.a");
    auto second = unpack_cached(bundle, "libc", root_ + "/cache");
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->dir, first->dir);
    EXPECT_FALSE(fs::exists(second->dir + "/lib/libc.a"));
    // No staging directories are left behind.
    int count = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(root_ + "/cache")) count++;
    EXPECT_EQ(count, 1);
}

TEST_F(BundleCache, WithoutACacheRootItUsesATemporaryDirectory) {
    auto r = unpack_cached(libc_like_bundle(), "libc", std::nullopt);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->temporary);
    EXPECT_EQ(slurp(r->dir + "/lib/libc.a"), "!<arch>\n");
    remove_tree(r->dir);
    EXPECT_FALSE(fs::exists(r->dir));
}

TEST_F(BundleCache, AnUnwritableCacheFallsBackToATemporaryDirectory) {
    if (::geteuid() == 0) {
        // root writes anywhere: use a cache root below a regular file instead.
        std::ofstream(root_ + "/file") << "x";
        auto r = unpack_cached(libc_like_bundle(), "libc", root_ + "/file/cache");
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_TRUE(r->temporary);
        remove_tree(r->dir);
        return;
    }
    fs::create_directory(root_ + "/ro");
    ::chmod((root_ + "/ro").c_str(), 0500);
    auto r = unpack_cached(libc_like_bundle(), "libc", root_ + "/ro/cache");
    ::chmod((root_ + "/ro").c_str(), 0700);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->temporary);
    remove_tree(r->dir);
}

TEST_F(BundleCache, UnsafePathsAreRefused) {
    for (const char* name : {"../escape", "a/../../escape", "/abs"}) {
        std::vector<CpioEntry> entries = {entry(name, 0100644, "x")};
        auto r = unpack_bundle(write_cpio(entries), root_);
        ASSERT_FALSE(r.ok()) << name;
        EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
        EXPECT_NE(r.error().message.find("unsafe path"), std::string::npos) << r.error().message;
    }
    EXPECT_FALSE(fs::exists(fs::path(root_).parent_path() / "escape"));
}

TEST_F(BundleCache, OnlyFilesAndDirectories) {
    std::vector<CpioEntry> entries = {entry("link", 0120777, "target")};
    auto r = unpack_bundle(write_cpio(entries), root_);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("neither a file nor a directory"), std::string::npos);
}

TEST_F(BundleCache, ACorruptBundleIsAnErrorNotACacheEntry) {
    std::vector<uint8_t> junk(300, 'j');
    auto r = unpack_cached(junk, "libc", root_ + "/cache");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::BadImage);
    EXPECT_FALSE(fs::exists(root_ + "/cache/libc-" + content_hash(junk)));
}

TEST_F(BundleCache, DefaultRootFollowsXdgThenHome) {
    const char* old_xdg = std::getenv("XDG_CACHE_HOME");
    const char* old_home = std::getenv("HOME");
    const std::string saved_xdg = old_xdg ? old_xdg : "", saved_home = old_home ? old_home : "";
    ::setenv("XDG_CACHE_HOME", "/x/cache", 1);
    EXPECT_EQ(default_cache_root(), "/x/cache/forkscope");
    ::setenv("XDG_CACHE_HOME", "relative", 1);  // the XDG spec: relative paths are ignored
    ::setenv("HOME", "/home/u", 1);
    EXPECT_EQ(default_cache_root(), "/home/u/.cache/forkscope");
    ::unsetenv("XDG_CACHE_HOME");
    ::unsetenv("HOME");
    EXPECT_EQ(default_cache_root(), std::nullopt);
    if (old_xdg) ::setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
    if (old_home) ::setenv("HOME", saved_home.c_str(), 1);
}

}  // namespace
}  // namespace forkscope
