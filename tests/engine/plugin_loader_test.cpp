// Plugins: loading, the refusals (permissions, SDK version, missing entry
// point, a taken name) and an exception from a plugin's operator counted as
// an error against its tuple.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "runtime_test_util.h"
#include "topolab/engine/plugin.h"
#include "topolab/engine/plugin_loader.h"

namespace topolab {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string pluginDir(const std::string& name) {
  return std::string(TOPOLAB_TEST_PLUGINS_DIR) + "/" + name;
}

// A private copy of a test plugin's folder, for changing its permissions.
std::string copyOf(const TempDir& tmp, const std::string& name) {
  const std::string dir = tmp.file(name);
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0755);
  fs::copy(pluginDir(name), dir, fs::copy_options::recursive);
  return dir;
}

// A catalogue with the built-in types, so that plugins loaded in one test do
// not leak into the others.
std::unique_ptr<Catalogue> builtIns() {
  auto c = std::make_unique<Catalogue>();
  for (const ComponentType* t : Catalogue::instance().types()) {
    if (t->plugin.empty()) c->add(*t);
  }
  return c;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) s += e + "\n";
  return s;
}

TEST(PluginLoader, LoadsTypesAndMarksThemAsPlugins) {
  auto cat = builtIns();
  PluginLoadReport r = loadPluginDir(pluginDir("good"), *cat);
  ASSERT_TRUE(r.ok()) << joined(r.errors);
  EXPECT_EQ(r.types,
            (std::vector<std::string>{"test-upper", "test-throw", "test-json-gen", "test-flaky"}));
  const ComponentType* t = cat->find("test-upper");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->role, Role::Bolt);
  EXPECT_NE(t->plugin.find("good"), std::string::npos);
  EXPECT_EQ(pluginTypeNames(*cat),
            (std::vector<std::string>{"test-flaky", "test-json-gen", "test-throw", "test-upper"}));
}

TEST(PluginLoader, RefusesAWorldWritableDirectory) {
  TempDir tmp;
  const std::string dir = copyOf(tmp, "good");
  ::chmod(dir.c_str(), 0777);
  auto cat = builtIns();
  PluginLoadReport r = loadPluginDir(dir, *cat);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find(dir + ": refused: it is world-writable"), std::string::npos)
      << r.errors[0];
  EXPECT_TRUE(r.types.empty());
  EXPECT_EQ(cat->find("test-upper"), nullptr);
}

TEST(PluginLoader, RefusesAGroupWritableFile) {
  TempDir tmp;
  const std::string dir = copyOf(tmp, "good");
  const std::string file = dir + "/libtest_good_plugin.so";
  ASSERT_TRUE(fs::exists(file));
  ::chmod(file.c_str(), 0775);
  auto cat = builtIns();
  PluginLoadReport r = loadPluginDir(dir, *cat);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find(file + ": refused: it is group-writable"), std::string::npos)
      << r.errors[0];
  EXPECT_EQ(cat->find("test-upper"), nullptr);
}

TEST(PluginLoader, RefusesAFileOwnedByAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file away";
  TempDir tmp;
  const std::string dir = copyOf(tmp, "good");
  const std::string file = dir + "/libtest_good_plugin.so";
  ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);
  auto cat = builtIns();
  PluginLoadReport r = loadPluginDir(dir, *cat);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find(file + ": refused: it is owned by uid 65534"), std::string::npos)
      << r.errors[0];
  EXPECT_EQ(cat->find("test-upper"), nullptr);
}

TEST(PluginLoader, RefusesAnotherSdkVersionNamingTheFile) {
  auto cat = builtIns();
  PluginLoadReport r = loadPluginDir(pluginDir("bad_version"), *cat);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(
      r.errors[0].find("libtest_bad_version_plugin.so: refused: built for plugin SDK version " +
                       std::to_string(TOPOLAB_SDK_VERSION + 1000) + ", this engine is version " +
                       std::to_string(TOPOLAB_SDK_VERSION)),
      std::string::npos)
      << r.errors[0];
}

TEST(PluginLoader, RefusesAMissingEntryPointNamingTheFile) {
  auto cat = builtIns();
  PluginLoadReport r = loadPluginDir(pluginDir("no_register"), *cat);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(
      r.errors[0].find(
          "libtest_no_register_plugin.so: refused: it does not export topolab_plugin_register"),
      std::string::npos)
      << r.errors[0];
}

TEST(PluginLoader, NothingHalfLoadsWhenANameIsTaken) {
  auto cat = builtIns();
  const size_t before = cat->types().size();
  PluginLoadReport r = loadPluginDir(pluginDir("half"), *cat);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("refused: type 'filter' already exists (built in)"), std::string::npos)
      << r.errors[0];
  EXPECT_EQ(cat->find("test-half"), nullptr);
  EXPECT_EQ(cat->types().size(), before);
}

TEST(PluginLoader, RefusesAMissingDirectory) {
  auto cat = builtIns();
  PluginLoadReport r = loadPluginDir("/nonexistent/plugins", *cat);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("/nonexistent/plugins: cannot read plugin directory"),
            std::string::npos);
}

// An exception from a plugin's process() fails that tuple (counted as an
// error) and the run goes on; in at-least-once the tuple is replayed.
TEST(PluginLoader, AnExceptionIsAnErrorAgainstTheTuple) {
  auto cat = builtIns();
  ASSERT_TRUE(loadPluginDir(pluginDir("good"), *cat).ok());
  LoadResult lr = parseTopology(R"(topolab: 1
name: plugin-throw
components:
  - id: src
    type: generator
    params: {count: 100, rate: 0, keys: 2, distribution: sequential}
  - id: t
    type: test-throw
  - id: up
    type: test-upper
  - id: sink
    type: counter
streams:
  - {from: src, to: t}
  - {from: t, to: up}
  - {from: up, to: sink}
)",
                                "t.yaml", *cat);
  std::string errors;
  for (const auto& d : lr.errors) errors += d.format() + "\n";
  ASSERT_TRUE(lr.ok()) << errors;
  RunOptions options;
  options.seed = 1;
  std::string error;
  auto rt = Runtime::create(*lr.topology, *cat, options, &error);
  ASSERT_NE(rt, nullptr) << error;
  auto stats = testing::runToCompletion(*rt);
  EXPECT_EQ(stats["src"].counters.emitted, 100u);
  EXPECT_EQ(stats["t"].counters.errors, 50u);
  EXPECT_EQ(stats["t"].counters.emitted, 50u);
  EXPECT_EQ(stats["sink"].counters.received, 50u);
}

// At-least-once: a tuple whose processing threw is failed and replayed, so
// every tuple arrives in the end.
TEST(PluginLoader, AThrownTupleIsReplayedInAtLeastOnce) {
  auto cat = builtIns();
  ASSERT_TRUE(loadPluginDir(pluginDir("good"), *cat).ok());
  LoadResult lr = parseTopology(R"(topolab: 1
name: plugin-flaky
defaults:
  delivery: at-least-once
  ack_timeout_ms: 1000
components:
  - id: src
    type: generator
    params: {count: 200, rate: 0}
  - id: f
    type: test-flaky
  - id: sink
    type: counter
streams:
  - {from: src, to: f}
  - {from: f, to: sink}
)",
                                "t.yaml", *cat);
  std::string errors;
  for (const auto& d : lr.errors) errors += d.format() + "\n";
  ASSERT_TRUE(lr.ok()) << errors;
  RunOptions options;
  options.seed = 1;
  std::string error;
  auto rt = Runtime::create(*lr.topology, *cat, options, &error);
  ASSERT_NE(rt, nullptr) << error;
  auto stats = testing::runToCompletion(*rt);
  EXPECT_GT(stats["f"].counters.errors, 0u);
  EXPECT_GT(stats["src"].counters.replayed, 0u);
  EXPECT_EQ(stats["src"].counters.acked, 200u);
  EXPECT_GE(stats["sink"].counters.received, 200u);
}

}  // namespace
}  // namespace topolab
