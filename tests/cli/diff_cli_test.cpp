// `topolab diff A B` as a user runs it: one line per change naming the line
// in each file, the JSON form a script reads, and diff(1)'s exit status.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.h"

using namespace cli_runner;

namespace {

// Line numbers matter below: each item's line is noted beside it.
constexpr const char* kOld = R"(topolab: 1
name: shop
defaults:
  delivery: at-least-once
components:
  - id: events
    type: generator
    params: {rate: 1000, keys: 100}
  - id: enrich
    type: work
    parallelism: 4
    params: {cost_us: 20, error_rate: 0.001}
    placement: [node-a]
  - id: legacy
    type: counter
  - id: store
    type: counter
streams:
  - {from: events, to: enrich}
  - {from: enrich, to: legacy}
  - {from: enrich, to: store, grouping: shuffle}
layout:
  events: {x: 0, y: 0}
)";
// defaults.delivery (4), enrich's cost_us (12) and placement (13), legacy
// (14) replaced by audit (14), the stream into store now by fields (21).
// The layout moved, which is no change.
constexpr const char* kNew = R"(topolab: 1
name: shop
defaults:
  delivery: at-most-once
components:
  - id: events
    type: generator
    params: {rate: 1000, keys: 100}
  - id: enrich
    type: work
    parallelism: 4
    params: {cost_us: 30, error_rate: 0.001}
    placement: [node-b]
  - id: audit
    type: counter
  - id: store
    type: counter
streams:
  - {from: events, to: enrich}
  - {from: enrich, to: audit}
  - {from: enrich, to: store, grouping: {type: fields, fields: [key]}}
layout:
  events: {x: 240, y: 80}
)";

class Diff : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("topolab-diff-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

bool hasLine(const std::string& out, const std::string& line) {
  for (const std::string& l : lines(out)) {
    if (l == line) return true;
  }
  return false;
}

TEST_F(Diff, IdenticalFilesExitZeroWithNoChanges) {
  const std::string a = write("a.yaml", kOld);
  const Result r = topolab({"diff", a, a});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "no changes\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(Diff, ListsEachChangeWithItsLineInEitherFileAndExitsOne) {
  const std::string a = write("a.yaml", kOld), b = write("b.yaml", kNew);
  const Result r = topolab({"diff", a, b});
  EXPECT_EQ(r.code, 1) << r.err;
  const std::string at_a = a + ":", at_b = b + ":";
  const std::vector<std::string> want{
      "~ header defaults.delivery at-least-once → at-most-once   (" + at_a + "4, " + at_b + "4)",
      "~ component enrich: param cost_us 20 → 30   (" + at_a + "12, " + at_b + "12)",
      "~ component enrich: placement [node-a] → [node-b]   (" + at_a + "13, " + at_b + "13)",
      "- component legacy: type counter   (" + at_a + "14)",
      "+ component audit: type counter   (" + at_b + "14)",
      "- stream enrich → legacy   (" + at_a + "20)",
      "~ stream enrich → store: grouping shuffle → fields [key]   (" + at_a + "21, " + at_b + "21)",
      "+ stream enrich → audit   (" + at_b + "20)",
      "8 changes",
  };
  EXPECT_EQ(lines(r.out), want) << r.out;
}

TEST_F(Diff, JsonNamesKindSubjectValuesAndLines) {
  const std::string a = write("a.yaml", kOld), b = write("b.yaml", kNew);
  const Result r = topolab({"diff", a, b, "--json"});
  EXPECT_EQ(r.code, 1) << r.err;
  ASSERT_EQ(lines(r.out).size(), 1u) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["a"], a);
  EXPECT_EQ(j["b"], b);
  const nlohmann::json& changes = j["changes"];
  ASSERT_EQ(changes.size(), 8u) << r.out;

  auto find = [&](const std::string& what, const std::string& id) {
    for (const nlohmann::json& c : changes) {
      if (c["what"] == what && c["id"] == id) return c;
    }
    ADD_FAILURE() << "no " << what << " " << id << " in " << r.out;
    return nlohmann::json::object();
  };
  const nlohmann::json param = find("param", "enrich");
  EXPECT_EQ(param["kind"], "changed");
  EXPECT_EQ(param["field"], "cost_us");
  EXPECT_EQ(param["old"], "20");
  EXPECT_EQ(param["new"], "30");
  EXPECT_EQ(param["line_a"], 12);
  EXPECT_EQ(param["line_b"], 12);

  const nlohmann::json removed = find("component", "legacy");
  EXPECT_EQ(removed["kind"], "removed");
  EXPECT_EQ(removed["line_a"], 14);
  EXPECT_TRUE(removed["line_b"].is_null());
  const nlohmann::json added = find("component", "audit");
  EXPECT_EQ(added["kind"], "added");
  EXPECT_EQ(added["new"], "counter");
  EXPECT_TRUE(added["line_a"].is_null());
  EXPECT_EQ(added["line_b"], 14);

  const nlohmann::json placement = find("placement", "enrich");
  EXPECT_EQ(placement["old"], "[node-a]");
  EXPECT_EQ(placement["new"], "[node-b]");
  EXPECT_EQ(placement["line_a"], 13);

  const nlohmann::json grouping = find("stream", "enrich → store");
  EXPECT_EQ(grouping["from"], "enrich");
  EXPECT_EQ(grouping["to"], "store");
  EXPECT_EQ(grouping["field"], "grouping");
  EXPECT_EQ(grouping["old"], "shuffle");
  EXPECT_EQ(grouping["new"], "fields [key]");
  EXPECT_EQ(grouping["line_b"], 21);

  const nlohmann::json header = find("header", "defaults.delivery");
  EXPECT_EQ(header["old"], "at-least-once");
  EXPECT_EQ(header["new"], "at-most-once");
  EXPECT_EQ(header["line_a"], 4);
  EXPECT_EQ(header["line_b"], 4);
}

TEST_F(Diff, JsonOfIdenticalFilesHasNoChanges) {
  const std::string a = write("a.yaml", kOld);
  const Result r = topolab({"diff", a, a, "--json"});
  EXPECT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["changes"].is_array());
  EXPECT_TRUE(j["changes"].empty());
}

TEST_F(Diff, DefaultsWrittenOutOrLeftOutAreComparedByValue) {
  std::string b = kOld;
  b.replace(b.find("  delivery: at-least-once\n"), 0, "  ack_timeout_ms: 5000\n");
  b.replace(b.find("    params: {rate: 1000"), 0, "    parallelism: 1\n");
  const std::string a = write("a.yaml", kOld), bp = write("b.yaml", b);
  const Result r = topolab({"diff", a, bp});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(
      hasLine(r.out, "~ header defaults.ack_timeout_ms 30000 (default) → 5000   (" + bp + ":4)"))
      << r.out;
  EXPECT_TRUE(hasLine(r.out, "1 change")) << r.out;  // parallelism 1 is the default
}

TEST_F(Diff, FileThatDoesNotParseExitsTwoWithFileLineAndColumn) {
  std::string broken = kNew;
  broken.replace(broken.find("    parallelism: 4"), 18, "    paralelism: 4");
  const std::string a = write("a.yaml", kOld), b = write("b.yaml", broken);
  const Result r = topolab({"diff", a, b});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(b + ":11:5: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown key 'paralelism'"), std::string::npos) << r.err;
}

TEST_F(Diff, MissingFileNamesThePathAndExitsTwo) {
  const std::string a = write("a.yaml", kOld);
  const std::string missing = (dir_ / "nowhere.yaml").string();
  const Result r = topolab({"diff", a, missing, "--json"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
}

TEST_F(Diff, HelpSaysLayoutIsIgnored) {
  const Result r = topolab({"diff", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Layout positions are ignored"), std::string::npos) << r.out;
}

}  // namespace
