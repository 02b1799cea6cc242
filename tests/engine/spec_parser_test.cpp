// Reading topology files: every YAML style in, the model with positions out;
// problems of shape reported as FILE:LINE:COL with the element named.
#include <gtest/gtest.h>

#include "spec_test_helpers.h"

namespace topolab {
namespace {

using testing::dataPath;
using testing::hasError;
using testing::oneError;
using testing::parse;

TEST(SpecParser, LoadsTheDesignDocumentExample) {
  LoadResult r = loadTopologyFile(dataPath("design_example.yaml"));
  ASSERT_TRUE(r.ok()) << testing::allErrors(r.errors);
  const Topology& t = *r.topology;
  EXPECT_EQ(t.version, 1);
  EXPECT_EQ(t.name, "realtime-analytics");
  EXPECT_EQ(t.description, "Kafka → enrich → count → store");
  EXPECT_EQ(t.delivery(), Delivery::AtLeastOnce);
  EXPECT_EQ(t.metricsIntervalMs(), 1000);
  EXPECT_EQ(t.ackTimeoutMs(), 30000);
  ASSERT_EQ(t.components.size(), 4u);
  const Component& events = t.components[0];
  EXPECT_EQ(events.id, "events");
  EXPECT_EQ(events.type, "generator");
  EXPECT_EQ(events.instances(), 2);
  ASSERT_EQ(events.params.size(), 4u);
  EXPECT_EQ(events.params[0].name, "rate");
  EXPECT_EQ(events.params[0].text, "100000");
  EXPECT_FALSE(events.params[0].quoted);
  EXPECT_EQ(events.placement, std::vector<std::string>{"node-a"});
  EXPECT_EQ(t.components[3].instances(), 1);
  ASSERT_EQ(t.streams.size(), 3u);
  EXPECT_EQ(t.streams[0].grouping.type, GroupingType::Shuffle);
  EXPECT_FALSE(t.streams[0].grouping.written_as_map);
  EXPECT_EQ(t.streams[1].grouping.type, GroupingType::Fields);
  EXPECT_EQ(t.streams[1].grouping.fields, std::vector<std::string>{"key"});
  EXPECT_EQ(t.streams[2].transportOrAuto(), Transport::Kafka);
  EXPECT_FALSE(t.streams[2].grouping.present);
  ASSERT_TRUE(t.slo);
  EXPECT_EQ(t.slo->throughput_min, 100000);
  EXPECT_EQ(t.slo->error_rate_max, 0.001);
  ASSERT_EQ(t.layout.size(), 1u);
  EXPECT_EQ(t.layout[0].id, "events");
}

TEST(SpecParser, RecordsOneBasedPositions) {
  LoadResult r = loadTopologyFile(dataPath("design_example.yaml"));
  ASSERT_TRUE(r.ok());
  const Topology& t = *r.topology;
  EXPECT_EQ(t.name_mark.line, 2);
  EXPECT_EQ(t.name_mark.col, 7);
  const Component& events = t.components[0];
  EXPECT_EQ(events.mark.line, 8);
  EXPECT_EQ(events.mark.col, 5);
  EXPECT_EQ(events.type_mark.line, 9);
  EXPECT_EQ(events.type_mark.col, 11);
  EXPECT_EQ(events.params[2].key_mark.col, 41);  // distribution
  EXPECT_EQ(events.params[2].mark.col, 55);      // zipf
  EXPECT_EQ(t.streams[1].to_mark.line, 27);
  EXPECT_EQ(t.streams[1].to_mark.col, 9);
  EXPECT_EQ(t.layout[0].mark.line, 37);
}

TEST(SpecParser, AcceptsFlowStyleThroughout) {
  LoadResult r = loadTopologyFile(dataPath("flow_style.yaml"));
  ASSERT_TRUE(r.ok()) << testing::allErrors(r.errors);
  const Topology& t = *r.topology;
  EXPECT_EQ(t.name, "flow-only");
  EXPECT_EQ(t.delivery(), Delivery::AtMostOnce);
  EXPECT_EQ(t.ackTimeoutMs(), 5000);
  EXPECT_EQ(t.maxPending(), 500);
  ASSERT_EQ(t.components.size(), 6u);
  EXPECT_EQ(t.components[2].id, "w1");  // keys in any order
  EXPECT_EQ(t.components[2].params[0].text, "1.5e2");
  const ParamEntry* path = t.components[5].param("path");
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(path->text, "/tmp/out it's.jsonl");
  EXPECT_TRUE(path->quoted);
  EXPECT_EQ(t.streams[0].from, "gen");
  EXPECT_EQ(t.streams[0].grouping.type, GroupingType::All);
  EXPECT_TRUE(t.streams[0].grouping.written_as_map);
  EXPECT_EQ(t.streams[5].grouping.fields, (std::vector<std::string>{"key", "value"}));
  EXPECT_EQ(t.streams[5].transportOrAuto(), Transport::Grpc);
  EXPECT_EQ(t.layout[0].x, -10.5);
  EXPECT_EQ(t.layout[0].y, 200);
}

TEST(SpecParser, AcceptsBlockStyleWithCommentsAndDocumentMarkers) {
  LoadResult r = loadTopologyFile(dataPath("block_style.yaml"));
  ASSERT_TRUE(r.ok()) << testing::allErrors(r.errors);
  const Topology& t = *r.topology;
  EXPECT_EQ(t.description, "Folded description over two lines");
  EXPECT_EQ(t.components[1].placement, (std::vector<std::string>{"node-a", "node-b"}));
  EXPECT_EQ(t.components[2].param("acks")->text, "1");
  EXPECT_TRUE(t.streams[2].grouping.written_as_map);
  EXPECT_EQ(t.slo->p99_ms_max, 12.5);
}

TEST(SpecParser, AcceptsAnchorsAliasesAndTags) {
  LoadResult r = parse(R"(topolab: 1
name: t
components:
  - {id: a, type: work, params: &slow {cost_us: 50, distribution: exponential}}
  - {id: b, type: work, params: *slow}
  - {id: f, type: file-sink, params: {path: !!str 42}}
  - {id: g, type: generator, params: {rate: !!float 10}}
streams: [{from: g, to: a}, {from: a, to: b}, {from: b, to: f}]
)");
  ASSERT_TRUE(r.ok()) << testing::allErrors(r.errors);
  EXPECT_EQ(r.topology->components[1].param("distribution")->text, "exponential");
  EXPECT_TRUE(r.topology->components[2].param("path")->quoted);
  EXPECT_FALSE(r.topology->components[3].param("rate")->quoted);
}

TEST(SpecParser, RejectsMissingVersion) {
  EXPECT_TRUE(oneError(parse("name: t\ncomponents: []\n"), 1, 1,
                       "missing format version: add 'topolab: 1'"));
}

TEST(SpecParser, RejectsUnsupportedVersion) {
  EXPECT_TRUE(oneError(parse("topolab: 2\nname: t\ncomponents: []\n"), 1, 10,
                       "unsupported format version 2 (this TopoLab reads 'topolab: 1')"));
  EXPECT_TRUE(oneError(parse("topolab: one\nname: t\ncomponents: []\n"), 1, 10,
                       "unsupported format version 'one'"));
  EXPECT_TRUE(oneError(parse("topolab: \"1\"\nname: t\ncomponents: []\n"), 1, 10,
                       "unsupported format version '1'"));
}

TEST(SpecParser, RejectsUnknownTopLevelKey) {
  EXPECT_TRUE(
      oneError(parse("topolab: 1\nname: t\ncomponents: []\nstreamz: []\n"), 4, 1,
               "unknown key 'streamz' at the top level (expected topolab, name, description, "
               "defaults, components, streams, slo, layout) (did you mean 'streams'?)"));
}

TEST(SpecParser, RejectsUnknownKeyInDefaults) {
  EXPECT_TRUE(oneError(parse(R"(topolab: 1
name: t
defaults:
  delivery: at-least-once
  metric_interval_ms: 500
components: []
)"),
                       5, 3, "defaults: unknown key 'metric_interval_ms'"));
}

TEST(SpecParser, RejectsUnknownKeyInComponent) {
  EXPECT_TRUE(oneError(parse(R"(topolab: 1
name: t
components:
  - id: a
    type: counter
    paralelism: 2
)"),
                       6, 5,
                       "component 'a': unknown key 'paralelism' (expected id, type, parallelism, "
                       "params, placement) (did you mean 'parallelism'?)"));
}

constexpr const char* kTwoComponents = R"(topolab: 1
name: t
components:
  - {id: g, type: generator}
  - {id: c, type: counter}
streams:
)";

TEST(SpecParser, RejectsUnknownKeyInStream) {
  EXPECT_TRUE(
      oneError(parse(std::string(kTwoComponents) + "  - {from: g, to: c, groupin: shuffle}\n"), 7,
               22, "stream g -> c: unknown key 'groupin'"));
}

TEST(SpecParser, RejectsUnknownKeyInGroupingMap) {
  EXPECT_TRUE(oneError(parse(std::string(kTwoComponents) +
                             "  - {from: g, to: c, grouping: {type: shuffle, feilds: [key]}}\n"),
                       7, 48,
                       "stream g -> c: unknown key 'feilds' in grouping (expected type, fields)"));
}

TEST(SpecParser, RejectsUnknownKeyInSlo) {
  EXPECT_TRUE(oneError(parse("topolab: 1\nname: t\ncomponents: []\nslo:\n  p99_ms: 20\n"), 5, 3,
                       "slo: unknown key 'p99_ms' (expected throughput_min, p99_ms_max, "
                       "error_rate_max)"));
}

TEST(SpecParser, RejectsUnknownKeyInLayoutEntry) {
  EXPECT_TRUE(oneError(parse(R"(topolab: 1
name: t
components: [{id: g, type: generator}]
layout:
  g: {x: 1, y: 2, z: 3}
)"),
                       5, 19, "layout 'g': unknown key 'z' (expected x, y)"));
}

TEST(SpecParser, RejectsUnknownGroupingAndListsTheChoices) {
  EXPECT_TRUE(oneError(
      parse(std::string(kTwoComponents) + "  - {from: g, to: c, grouping: shufle}\n"), 7, 32,
      "stream g -> c: unknown grouping 'shufle' (expected shuffle, fields, all, "
      "global, local-or-shuffle) (did you mean 'shuffle'?)"));
  EXPECT_TRUE(oneError(
      parse(std::string(kTwoComponents) + "  - {from: g, to: c, grouping: {type: broadcast}}\n"), 7,
      39, "unknown grouping 'broadcast'"));
}

TEST(SpecParser, RejectsUnknownTransport) {
  EXPECT_TRUE(
      oneError(parse(std::string(kTwoComponents) + "  - {from: g, to: c, transport: kafak}\n"), 7,
               33, "stream g -> c: unknown transport 'kafak' (expected auto, local, grpc, kafka)"));
}

TEST(SpecParser, RejectsUnknownDelivery) {
  EXPECT_TRUE(oneError(
      parse("topolab: 1\nname: t\ndefaults: {delivery: exactly-once}\ncomponents: []\n"), 3, 22,
      "defaults: unknown delivery 'exactly-once' (expected at-most-once, "
      "at-least-once)"));
}

TEST(SpecParser, RejectsParallelismThatIsNotAnInteger) {
  EXPECT_TRUE(oneError(parse(R"(topolab: 1
name: t
components:
  - id: a
    type: counter
    parallelism: two
)"),
                       6, 18, "component 'a': parallelism: expected an integer, got 'two'"));
}

TEST(SpecParser, RejectsDuplicateKeys) {
  EXPECT_TRUE(oneError(parse("topolab: 1\nname: t\ncomponents: []\nname: u\n"), 4, 1,
                       "duplicate key 'name'"));
}

TEST(SpecParser, RejectsValuesOfTheWrongKind) {
  LoadResult r = parse(R"(topolab: 1
name: [t]
components: {a: b}
streams: [[x]]
slo: 5
)");
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(hasError(r.errors, 2, 7, "'name' must be a single value, not a list"));
  EXPECT_TRUE(hasError(r.errors, 3, 13, "'components' must be a list, not a mapping"));
  EXPECT_TRUE(hasError(r.errors, 4, 11, "stream #1: expected a mapping with 'from' and 'to'"));
  EXPECT_TRUE(hasError(r.errors, 5, 6, "'slo' must be a mapping, not a single value"));
}

TEST(SpecParser, RejectsMissingRequiredKeys) {
  LoadResult r = parse(R"(topolab: 1
name: t
components:
  - type: counter
  - id: x
streams:
  - {to: x}
)");
  EXPECT_TRUE(hasError(r.errors, 4, 5, "component #1: missing required key 'id'"));
  EXPECT_TRUE(hasError(r.errors, 5, 5, "component 'x': missing required key 'type'"));
  EXPECT_TRUE(hasError(r.errors, 7, 5, "stream ? -> x: missing required key 'from'"));
  EXPECT_EQ(r.errors.size(), 3u) << testing::allErrors(r.errors);
  EXPECT_TRUE(oneError(parse("topolab: 1\nname: t\n"), 1, 1, "missing required key 'components'"));
}

TEST(SpecParser, ReportsYamlSyntaxErrorsInGccFormat) {
  LoadResult r = parse("topolab: 1\nname: t\ncomponents: [a, b\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_FALSE(r.topology);
  EXPECT_EQ(r.errors[0].format(),
            "t.yaml:4:1: error: YAML syntax error: end of sequence flow not found");
  EXPECT_TRUE(
      oneError(parse("topolab: 1\nname: t: u\n"), 2, 8, "YAML syntax error: illegal map value"));
}

TEST(SpecParser, RejectsEmptyFilesAndNonMappings) {
  EXPECT_TRUE(oneError(parse(""), 1, 1, "empty file"));
  EXPECT_TRUE(oneError(parse("# only a comment\n\n"), 1, 1, "empty file"));
  EXPECT_TRUE(oneError(parse("just some text\n"), 1, 1,
                       "expected a mapping at the top of the file (starting with 'topolab: 1'), "
                       "got a single value"));
  EXPECT_TRUE(oneError(parse("- topolab: 1\n- name: t\n"), 1, 1, "got a list"));
}

TEST(SpecParser, RejectsASecondDocument) {
  EXPECT_TRUE(oneError(parse("topolab: 1\nname: t\ncomponents: []\n---\nname: u\n"), 5, 1,
                       "one YAML document"));
}

TEST(SpecParser, ReportsEveryProblemSortedByPosition) {
  LoadResult r = parse(R"(topolab: 1
name: Bad Name
colour: red
components:
  - {id: g, type: generator, params: {rate: fast}}
  - {id: w, type: wrok}
  - {id: c, type: counter, parallelism: 0}
streams:
  - {from: g, to: w, grouping: shufle}
  - {from: w, to: nowhere}
)");
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(r.topology) << "well-formed YAML gives a model even with errors";
  std::vector<std::pair<int, int>> where;
  for (const Diagnostic& d : r.errors) where.emplace_back(d.mark.line, d.mark.col);
  EXPECT_EQ(where, (std::vector<std::pair<int, int>>{
                       {2, 7}, {3, 1}, {5, 45}, {6, 19}, {7, 41}, {9, 32}, {10, 19}}))
      << testing::allErrors(r.errors);
}

}  // namespace
}  // namespace topolab
