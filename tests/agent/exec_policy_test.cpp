// --allow-exec matching and bundle manifests, without an agent process.
#include <gtest/gtest.h>

#include "exec_policy.h"
#include "topolab/wire/bundle.h"

namespace topolab::agent {
namespace {

TEST(ExecPolicy, ANameAllowsThatProgramOnPathOrByAbsolutePath) {
  const ExecPolicy p({"python3"}, "/var/lib/topolab");
  EXPECT_EQ(p.refusal("split", {"python3", "split.py"}), "");
  EXPECT_EQ(p.refusal("split", {"/usr/bin/python3", "split.py"}), "");
  // Not a file of that name shipped in a bundle, nor one in the state dir.
  EXPECT_NE(p.refusal("split", {"./python3"}), "");
  EXPECT_NE(p.refusal("split", {"bin/python3"}), "");
  EXPECT_NE(p.refusal("split", {"/var/lib/topolab/deployments/x/python3"}), "");
  EXPECT_NE(p.refusal("split", {"python"}), "");
}

TEST(ExecPolicy, APathAllowsExactlyThatPath) {
  const ExecPolicy p({"./bin/split", "/opt/run"}, "/var/lib/topolab");
  EXPECT_EQ(p.refusal("split", {"bin/split"}), "");
  EXPECT_EQ(p.refusal("split", {"./bin/split"}), "");
  EXPECT_EQ(p.refusal("split", {"/opt/run"}), "");
  EXPECT_NE(p.refusal("split", {"split"}), "");
  EXPECT_NE(p.refusal("split", {"run"}), "");
  EXPECT_NE(p.refusal("split", {"bin/../bin/other"}), "");
}

TEST(ExecPolicy, ARefusalNamesTheComponentTheProgramAndTheFlag) {
  const ExecPolicy none({}, "/var/lib/topolab");
  EXPECT_EQ(none.refusal("count", {"/usr/bin/node", "count.js"}),
            "component 'count' runs '/usr/bin/node', which this agent does not allow (it runs no "
            "programs): start topolab-agent with --allow-exec node");
  const ExecPolicy some({"python3", "ruby"}, "/var/lib/topolab");
  EXPECT_EQ(some.refusal("count", {"./count"}),
            "component 'count' runs './count', which this agent does not allow (it allows "
            "python3, ruby): start topolab-agent with --allow-exec ./count");
  EXPECT_NE(some.refusal("count", {}).find("names no program"), std::string::npos);
  EXPECT_NE(ExecPolicy::checkEntry(""), "");
  EXPECT_NE(ExecPolicy::checkEntry("/opt/bin/"), "");
  EXPECT_EQ(ExecPolicy::checkEntry("python3"), "");
}

TEST(BundleManifest, PathsStayInsideTheFolder) {
  for (const char* bad : {"", "/etc/passwd", "..", "../x", "a/../b", "a//b", "a/", "./a", "a/."}) {
    EXPECT_NE(wire::checkBundlePath(bad), "") << bad;
  }
  for (const char* good : {"a", "a/b.py", ".hidden", "a..b", "node_modules/.bin/x"}) {
    EXPECT_EQ(wire::checkBundlePath(good), "") << good;
  }
}

TEST(BundleManifest, TheHashCoversPathsSizesModesAndContents) {
  wire::BundleManifest m;
  m.files = {{"b.py", 2, false, wire::sha256Hex("bb")}, {"a.py", 1, true, wire::sha256Hex("a")}};
  wire::seal(&m);
  EXPECT_EQ(m.files[0].path, "a.py");
  EXPECT_EQ(wire::checkManifest(m), "");
  for (int change = 0; change < 3; ++change) {
    wire::BundleManifest other = m;
    if (change == 0) other.files[0].executable = false;
    if (change == 1) other.files[1].sha256 = wire::sha256Hex("bc");
    if (change == 2) other.files[1].path = "c.py";
    EXPECT_NE(wire::bundleHash(other.files), m.hash) << change;
    EXPECT_NE(wire::checkManifest(other).find("hash does not match"), std::string::npos) << change;
  }
  wire::BundleManifest twice = m;
  twice.files[1].path = "a.py";
  twice.hash = wire::bundleHash(twice.files);
  EXPECT_NE(wire::checkManifest(twice).find("listed twice"), std::string::npos);
  wire::BundleManifest nested;
  nested.files = {{"a", 1, false, wire::sha256Hex("a")}, {"a/b", 1, false, wire::sha256Hex("b")}};
  wire::seal(&nested);
  EXPECT_NE(wire::checkManifest(nested).find("which is a file"), std::string::npos);
  EXPECT_EQ(wire::bundleOfResources(wire::bundleResourcesPath(m.hash)), m.hash);
  EXPECT_EQ(wire::bundleOfResources("bundles/../etc"), "");
  EXPECT_EQ(wire::bundleOfResources("."), "");
}

}  // namespace
}  // namespace topolab::agent
