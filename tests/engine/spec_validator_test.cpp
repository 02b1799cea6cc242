// Validation of a topology's meaning: every rejection names the component or
// stream and points at the line and column to fix.
#include <gtest/gtest.h>

#include "spec_test_helpers.h"

namespace topolab {
namespace {

using testing::hasError;
using testing::oneError;
using testing::parse;

// Header lines 1-3; the first component is on line 4.
std::string withComponents(std::string_view components, std::string_view rest = "") {
  return "topolab: 1\nname: t\ncomponents:\n" + std::string(components) + std::string(rest);
}

TEST(SpecValidator, AcceptsAValidTopology) {
  LoadResult r = parse(withComponents(R"(  - {id: g, type: generator, parallelism: 1024}
  - {id: c, type: counter}
)",
                                      "streams: [{from: g, to: c}]\n"));
  EXPECT_TRUE(r.ok()) << testing::allErrors(r.errors);
}

TEST(SpecValidator, RejectsUnknownComponentType) {
  EXPECT_TRUE(oneError(parse(withComponents("  - {id: g, type: genrator}\n")), 4, 19,
                       "component 'g': unknown type 'genrator' (did you mean 'generator'?) (known "
                       "types: counter, file-sink, filter, generator,"));
}

TEST(SpecValidator, RejectsUnknownParam) {
  EXPECT_TRUE(
      oneError(parse(withComponents("  - {id: g, type: generator, params: {rat: 5}}\n")), 4, 39,
               "component 'g': unknown param 'rat' for type generator (did you mean 'rate'?) "
               "(expected rate, count, keys, distribution, value_max, payload_bytes"));
  EXPECT_TRUE(oneError(parse(withComponents("  - {id: c, type: counter, params: {x: 1}}\n")), 4, 37,
                       "(counter takes no params)"));
}

TEST(SpecValidator, RejectsParamOfTheWrongType) {
  EXPECT_TRUE(
      oneError(parse(withComponents("  - {id: g, type: generator, params: {rate: fast}}\n")), 4, 45,
               "component 'g': param 'rate': expected a number, got 'fast'"));
  EXPECT_TRUE(oneError(parse(withComponents("  - {id: g, type: generator, params: {keys: 1.5}}\n")),
                       4, 45, "component 'g': param 'keys': expected an integer, got '1.5'"));
}

TEST(SpecValidator, RejectsParamOutOfRange) {
  EXPECT_TRUE(oneError(parse(withComponents("  - {id: g, type: generator, params: {rate: -5}}\n")),
                       4, 45, "component 'g': param 'rate': -5 is out of range [0, 1e9]"));
  EXPECT_TRUE(
      oneError(parse(withComponents("  - {id: w, type: work, params: {error_rate: 1.01}}\n")), 4,
               46, "param 'error_rate': 1.01 is out of range [0, 1]"));
}

TEST(SpecValidator, RejectsEnumValueNotInChoices) {
  EXPECT_TRUE(oneError(
      parse(withComponents("  - {id: g, type: generator, params: {distribution: zipfian}}\n")), 4,
      53, "param 'distribution': 'zipfian' is not one of uniform, zipf"));
}

TEST(SpecValidator, RejectsMissingRequiredParam) {
  EXPECT_TRUE(
      oneError(parse(withComponents("  - id: src\n    type: kafka-source\n")), 4, 5,
               "component 'src': missing required param 'topic' (string: topic to consume)"));
}

TEST(SpecValidator, RejectsInvalidName) {
  EXPECT_TRUE(oneError(parse("topolab: 1\nname: Real_Time\ncomponents: []\n"), 2, 7,
                       "invalid name 'Real_Time': use lowercase letters, digits and '-'"));
  EXPECT_TRUE(oneError(parse("topolab: 1\nname: -x\ncomponents: []\n"), 2, 7, "invalid name '-x'"));
  EXPECT_TRUE(oneError(parse("topolab: 1\ncomponents: []\n"), 1, 1, "missing topology name"));
}

TEST(SpecValidator, RejectsInvalidComponentId) {
  EXPECT_TRUE(oneError(parse(withComponents("  - {id: 1st, type: counter}\n")), 4, 10,
                       "invalid component id '1st': start with a letter, then letters, digits, '_' "
                       "or '-'"));
  EXPECT_TRUE(oneError(parse(withComponents("  - {id: \"a b\", type: counter}\n")), 4, 10,
                       "invalid component id 'a b'"));
}

TEST(SpecValidator, RejectsDuplicateIds) {
  EXPECT_TRUE(
      oneError(parse(withComponents("  - {id: c, type: counter}\n  - {id: c, type: counter}\n")), 5,
               10, "duplicate component id 'c' (first defined at line 4)"));
}

constexpr const char* kPipeline = R"(  - {id: g, type: generator}
  - {id: w, type: work}
  - {id: c, type: counter}
streams:
)";  // streams from line 8

TEST(SpecValidator, RejectsStreamsBetweenUnknownIds) {
  LoadResult r =
      parse(withComponents(kPipeline, "  - {from: gen, to: w}\n  - {from: w, to: sink}\n"));
  EXPECT_EQ(r.errors.size(), 2u) << testing::allErrors(r.errors);
  EXPECT_TRUE(hasError(r.errors, 8, 12, "stream gen -> w: unknown component 'gen'"));
  EXPECT_TRUE(hasError(r.errors, 9, 19, "stream w -> sink: unknown component 'sink'"));
}

TEST(SpecValidator, RejectsStreamIntoAProducerOrOutOfASink) {
  EXPECT_TRUE(oneError(parse(withComponents(kPipeline, "  - {from: w, to: g}\n")), 8, 19,
                       "stream w -> g: 'g' is a producer (generator) and cannot receive a stream"));
  EXPECT_TRUE(oneError(parse(withComponents(kPipeline, "  - {from: c, to: w}\n")), 8, 12,
                       "stream c -> w: 'c' is a sink (counter) and cannot send a stream"));
}

TEST(SpecValidator, RejectsACycleAndNamesItsComponents) {
  LoadResult r = parse(withComponents(R"(  - {id: g, type: generator}
  - {id: a, type: work}
  - {id: b, type: filter}
  - {id: d, type: work}
streams:
  - {from: g, to: a}
  - {from: a, to: b}
  - {from: b, to: d}
  - {from: d, to: a}
)"));
  EXPECT_TRUE(oneError(r, 12, 5, "stream d -> a closes a cycle: a -> b -> d -> a"));
  EXPECT_TRUE(
      oneError(parse(withComponents("  - {id: a, type: work}\nstreams: [{from: a, to: a}]\n")), 5,
               11, "closes a cycle: a -> a"));
}

TEST(SpecValidator, ReportsAMisdirectedStreamOnceNotAlsoAsACycle) {
  EXPECT_TRUE(
      oneError(parse(withComponents(kPipeline, "  - {from: g, to: w}\n  - {from: w, to: g}\n")), 9,
               19, "'g' is a producer (generator) and cannot receive a stream"));
}

TEST(SpecValidator, RejectsADuplicateStream) {
  EXPECT_TRUE(
      oneError(parse(withComponents(kPipeline,
                                    "  - {from: g, to: w}\n  - {from: g, to: w, grouping: all}\n")),
               9, 5, "duplicate stream g -> w (first defined at line 8)"));
}

TEST(SpecValidator, RejectsFieldsGroupingOnAFieldTheStreamDoesNotCarry) {
  EXPECT_TRUE(oneError(
      parse(withComponents(kPipeline,
                           "  - {from: g, to: w, grouping: {type: fields, fields: [user]}}\n")),
      8, 56,
      "stream g -> w: fields grouping on 'user', which the stream does not carry (tuples carry key "
      "and value)"));
}

TEST(SpecValidator, RejectsFieldsGroupingWithoutFields) {
  EXPECT_TRUE(oneError(
      parse(withComponents(kPipeline, "  - {from: g, to: w, grouping: fields}\n")), 8, 32,
      "stream g -> w: a fields grouping needs fields, e.g. {type: fields, fields: [key]}"));
  EXPECT_TRUE(
      oneError(parse(withComponents(
                   kPipeline, "  - {from: g, to: w, grouping: {type: fields, fields: []}}\n")),
               8, 32, "a fields grouping needs fields"));
  EXPECT_TRUE(
      oneError(parse(withComponents(
                   kPipeline, "  - {from: g, to: w, grouping: {type: all, fields: [key]}}\n")),
               8, 32, "'fields' only applies to a fields grouping, not all"));
}

TEST(SpecValidator, RejectsParallelismOutOfRange) {
  EXPECT_TRUE(oneError(parse(withComponents("  - {id: c, type: counter, parallelism: 0}\n")), 4, 41,
                       "component 'c': parallelism 0 is out of range [1, 1024]"));
  EXPECT_TRUE(oneError(parse(withComponents("  - {id: c, type: counter, parallelism: 1025}\n")), 4,
                       41, "parallelism 1025 is out of range [1, 1024]"));
  EXPECT_TRUE(
      oneError(parse(withComponents("  - {id: c, type: counter, parallelism: 99999999999}\n")), 4,
               41, "parallelism 99999999999 is out of range [1, 1024]"));
}

TEST(SpecValidator, ChecksPlacementOnlyAgainstAGivenCluster) {
  LoadResult r =
      parse(withComponents("  - id: c\n    type: counter\n    placement: [node-a, node-z]\n"));
  ASSERT_TRUE(r.ok()) << "without a cluster, placement is not checked";
  const std::vector<std::string> agents{"node-a", "node-b"};
  std::vector<Diagnostic> errors =
      validateTopology(*r.topology, "t.yaml", Catalogue::instance(), &agents);
  ASSERT_EQ(errors.size(), 1u) << testing::allErrors(errors);
  EXPECT_EQ(errors[0].format(),
            "t.yaml:6:16: error: component 'c': placement on unknown agent 'node-z' (did you mean "
            "'node-a'?) (the cluster has "
            "node-a, node-b)");
}

TEST(SpecValidator, RejectsLayoutForAnUnknownId) {
  EXPECT_TRUE(oneError(parse(withComponents("  - {id: c, type: counter}\n",
                                            "layout:\n  c: {x: 0, y: 0}\n  ghost: {x: 1, y: 1}\n")),
                       7, 3, "layout: unknown component 'ghost'"));
}

TEST(SpecValidator, RejectsDefaultsOutOfRange) {
  LoadResult r = parse(R"(topolab: 1
name: t
defaults:
  metrics_interval_ms: 50
  ack_timeout_ms: 3600001
  max_pending: 0
components: []
)");
  EXPECT_EQ(r.errors.size(), 3u) << testing::allErrors(r.errors);
  EXPECT_TRUE(
      hasError(r.errors, 4, 24, "defaults: metrics_interval_ms 50 is out of range [100, 60000]"));
  EXPECT_TRUE(
      hasError(r.errors, 5, 19, "defaults: ack_timeout_ms 3600001 is out of range [100, 3600000]"));
  EXPECT_TRUE(hasError(r.errors, 6, 16, "defaults: max_pending 0 is out of range [1, 1000000]"));
  EXPECT_TRUE(oneError(parse("topolab: 1\nname: t\ndefaults: {max_pending: 1.5}\ncomponents: []\n"),
                       3, 25, "defaults: max_pending: expected an integer, got '1.5'"));
}

TEST(SpecValidator, RejectsSloOutOfRange) {
  LoadResult r = parse(R"(topolab: 1
name: t
components: []
slo:
  throughput_min: -1
  p99_ms_max: 0
  error_rate_max: 1.5
)");
  EXPECT_EQ(r.errors.size(), 3u) << testing::allErrors(r.errors);
  EXPECT_TRUE(hasError(r.errors, 5, 19, "slo: throughput_min -1 must be >= 0"));
  EXPECT_TRUE(hasError(r.errors, 6, 15, "slo: p99_ms_max 0 must be > 0"));
  EXPECT_TRUE(hasError(r.errors, 7, 19, "slo: error_rate_max 1.5 is out of range [0, 1]"));
  EXPECT_TRUE(oneError(parse("topolab: 1\nname: t\ncomponents: []\nslo: {p99_ms_max: fast}\n"), 4,
                       19, "slo: p99_ms_max: expected a number, got 'fast'"));
}

TEST(SpecValidator, ValidatesAModelBuiltInMemory) {
  Topology t;
  t.version = 1;
  t.name = "mem";
  t.components.push_back(Component{.id = "g", .type = "generator"});
  t.components.push_back(Component{.id = "", .type = "counter"});
  t.streams.push_back(Stream{.from = "g", .to = "x"});
  std::vector<Diagnostic> errors = validateTopology(t, "edited", Catalogue::instance());
  ASSERT_EQ(errors.size(), 2u) << testing::allErrors(errors);
  EXPECT_EQ(errors[0].format(), "edited: error: component #2: missing id");
  EXPECT_EQ(errors[1].format(), "edited: error: stream g -> x: unknown component 'x'");
}

}  // namespace
}  // namespace topolab
