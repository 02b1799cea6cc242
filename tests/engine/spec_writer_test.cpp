// The canonical writer: a canonical file saves back byte for byte, any file
// survives parse → write → parse unchanged, and an edited model saves to a
// file that loads as that edit.
#include <gtest/gtest.h>

#include <filesystem>

#include "spec_test_helpers.h"

namespace topolab {
namespace {

using testing::dataPath;
using testing::parse;
using testing::readFile;

Topology load(std::string_view text) {
  LoadResult r = parse(text);
  EXPECT_TRUE(r.topology) << testing::allErrors(r.errors);
  return r.topology.value_or(Topology{});
}

// parse → write → parse gives the same model, and writing is idempotent.
void expectRoundTrip(std::string_view text) {
  const Topology first = load(text);
  const std::string written = writeTopology(first);
  LoadResult again = parse(written);
  ASSERT_TRUE(again.topology) << written << testing::allErrors(again.errors);
  EXPECT_TRUE(sameTopology(first, *again.topology)) << "input:\n"
                                                    << text << "\nwritten:\n"
                                                    << written;
  EXPECT_EQ(writeTopology(*again.topology), written);
}

TEST(SpecWriter, CanonicalFileSavesBackByteForByte) {
  const std::string text = readFile(dataPath("canonical.yaml"));
  ASSERT_FALSE(text.empty());
  LoadResult r = parse(text);
  ASSERT_TRUE(r.ok()) << testing::allErrors(r.errors);
  EXPECT_EQ(writeTopology(*r.topology), text);
}

TEST(SpecWriter, WritesTheCanonicalFormOfAnyStyle) {
  const Topology t = load(readFile(dataPath("design_example.yaml")));
  const std::string canonical = readFile(dataPath("canonical.yaml"));
  // The design example differs from the canonical file only in its comments,
  // block-style streams and its extra SLO line.
  Topology expected = load(canonical);
  expected.slo->error_rate_max = 0.001;
  expected.slo->error_rate_max_text = "0.001";
  EXPECT_TRUE(sameTopology(t, expected));
  std::string want = canonical;
  want.replace(want.find("layout:"), 0, "  error_rate_max: 0.001\n");
  EXPECT_EQ(writeTopology(t), want);
}

TEST(SpecWriter, RoundTripsTheTestFiles) {
  for (const char* name :
       {"canonical.yaml", "design_example.yaml", "flow_style.yaml", "block_style.yaml"}) {
    SCOPED_TRACE(name);
    expectRoundTrip(readFile(dataPath(name)));
  }
}

TEST(SpecWriter, RoundTripsStringsThatNeedQuoting) {
  for (const char* description : {"\"a: b\"",
                                  "\"# not a comment\"",
                                  "\"x #y\"",
                                  "\"line\\nbreak\"",
                                  "\"  padded  \"",
                                  "\"null\"",
                                  "'~'",
                                  "\"true\"",
                                  "\"- item\"",
                                  "\"[list]\"",
                                  "\"{map}\"",
                                  "\"a, b\"",
                                  "\"tab\\there\"",
                                  "\"quote \\\" and backslash \\\\\"",
                                  "\"ends with colon:\"",
                                  "\"'single'\"",
                                  "\"@at\"",
                                  "\"%pct\"",
                                  "\"`tick\"",
                                  "\"*star\"",
                                  "\"&amp\"",
                                  "\"!bang\"",
                                  "\"|pipe\"",
                                  "\">gt\"",
                                  "\"\"",
                                  "\"---\"",
                                  "\"\\x01ctl\"",
                                  "\"\\u2028sep\"",
                                  "Ünïcödé → fine",
                                  "it's plain",
                                  "say \"hi\"",
                                  "\"-\"",
                                  "\"?\"",
                                  "\":\"",
                                  "-5",
                                  "1e3"}) {
    SCOPED_TRACE(description);
    expectRoundTrip(std::string("topolab: 1\nname: t\ndescription: ") + description +
                    "\ncomponents: []\n");
  }
}

TEST(SpecWriter, EveryExampleLoadsAndRoundTrips) {
  const std::filesystem::path dir(TOPOLAB_EXAMPLES_DIR);
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no examples at " << dir;
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    LoadResult r = loadTopologyFile(entry.path().string());
    EXPECT_TRUE(r.ok()) << testing::allErrors(r.errors);
    expectRoundTrip(readFile(entry.path().string()));
    ++count;
  }
  EXPECT_GT(count, 0);
}

TEST(SpecWriter, KeepsParamsAsWrittenIncludingQuotes) {
  const std::string text = R"(topolab: 1
name: t
components:
  - id: f
    type: filter
    params: {field: key, op: "==", value: "42"}
  - id: g
    type: generator
    params: {rate: 1e5, value_max: 1.50, count: +10}
  - id: c
    type: counter
streams:
  - {from: g, to: f, grouping: {type: shuffle}}
  - {from: f, to: c}
slo: {}
layout:
  g: {x: 1e2, y: -0.0}
)";
  const Topology t = load(text);
  ASSERT_TRUE(validateTopology(t, "t.yaml", Catalogue::instance()).empty());
  const std::string written = writeTopology(t);
  EXPECT_NE(written.find("params: {field: key, op: \"==\", value: \"42\"}"), std::string::npos)
      << written;
  EXPECT_NE(written.find("params: {rate: 1e5, value_max: 1.50, count: +10}"), std::string::npos)
      << written;
  EXPECT_NE(written.find("grouping: {type: shuffle}"), std::string::npos) << written;
  EXPECT_NE(written.find("slo: {}\n"), std::string::npos) << written;
  EXPECT_NE(written.find("  g: {x: 1e2, y: -0.0}\n"), std::string::npos) << written;
  expectRoundTrip(text);
}

TEST(SpecWriter, WritesEmptyListsAndLeavesAbsentKeysOut) {
  Topology t;
  t.version = 1;
  t.name = "empty";
  EXPECT_EQ(writeTopology(t), "topolab: 1\nname: empty\ncomponents: []\nstreams: []\n");
  t.defaults = Defaults{};
  EXPECT_EQ(writeTopology(t),
            "topolab: 1\nname: empty\ndefaults: {}\ncomponents: []\nstreams: []\n");
  expectRoundTrip(writeTopology(t));
}

TEST(SpecWriter, SavesAnEditedModelSoItLoadsAsEdited) {
  Topology t = load(readFile(dataPath("canonical.yaml")));
  // The edits the studio makes: add a component and a stream, change a param,
  // set an SLO and a position that have no text yet.
  t.components.push_back(
      Component{.id = "audit",
                .type = "file-sink",
                .params = {ParamEntry{.name = "path", .text = "/tmp/audit log.jsonl"}}});
  t.streams.push_back(Stream{.from = "enrich", .to = "audit"});
  std::string error;
  ASSERT_TRUE(applyOverride(t, "enrich.cost_us=35", &error)) << error;
  t.components[0].placement.push_back("node-b");
  t.slo->error_rate_max = 0.01;
  t.layout.push_back(LayoutPos{.id = "audit", .x = 240.5, .y = -80});
  t.defaults->delivery = Delivery::AtMostOnce;

  const std::string written = writeTopology(t);
  LoadResult r = parse(written);
  ASSERT_TRUE(r.ok()) << written << testing::allErrors(r.errors);
  const Topology& back = *r.topology;
  EXPECT_TRUE(sameTopology(back, load(written)));
  ASSERT_EQ(back.components.size(), 5u);
  EXPECT_EQ(back.components[4].id, "audit");
  EXPECT_EQ(back.components[4].param("path")->text, "/tmp/audit log.jsonl");
  EXPECT_EQ(back.component("enrich")->param("cost_us")->text, "35");
  EXPECT_EQ(back.components[0].placement, (std::vector<std::string>{"node-a", "node-b"}));
  ASSERT_EQ(back.streams.size(), 4u);
  EXPECT_EQ(back.streams[3].from, "enrich");
  EXPECT_EQ(back.slo->error_rate_max, 0.01);
  EXPECT_EQ(back.layout[1].x, 240.5);
  EXPECT_EQ(back.layout[1].y, -80);
  EXPECT_EQ(back.delivery(), Delivery::AtMostOnce);
  EXPECT_NE(written.find("    params: {cost_us: 35, error_rate: 0.001}\n"), std::string::npos)
      << written;
  EXPECT_NE(written.find("  - {from: enrich, to: audit}\n"), std::string::npos) << written;
  EXPECT_NE(written.find("  audit: {x: 240.5, y: -80}\n"), std::string::npos) << written;
}

TEST(SpecWriter, DropsCommentsButKeepsEverythingElse) {
  const std::string text = "# a comment\ntopolab: 1 # trailing\nname: t\ncomponents: [] # none\n";
  EXPECT_EQ(writeTopology(load(text)), "topolab: 1\nname: t\ncomponents: []\nstreams: []\n");
}

TEST(SameTopology, IgnoresPositionsButNotContent) {
  Topology a = load("topolab: 1\nname: t\ncomponents: [{id: c, type: counter}]\n");
  Topology b = load("topolab: 1\nname: t\n\n\ncomponents:\n  - id: c\n    type: counter\n");
  EXPECT_TRUE(sameTopology(a, b));
  b.components[0].parallelism = 2;
  EXPECT_FALSE(sameTopology(a, b));
}

}  // namespace
}  // namespace topolab
