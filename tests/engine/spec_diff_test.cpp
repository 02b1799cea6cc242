// Comparing two topologies: what counts as a change, and that each change
// names the line it is on in either file.
#include <gtest/gtest.h>

#include <string>

#include "spec_test_helpers.h"
#include "topolab/engine/spec_diff.h"

namespace topolab {
namespace {

Topology load(std::string_view text) {
  LoadResult r = testing::parse(text);
  EXPECT_TRUE(r.ok()) << testing::allErrors(r.errors) << text;
  return r.topology.value_or(Topology{});
}

std::string lines(const SpecDiff& diff) {
  std::string out;
  for (const SpecChange& c : diff.changes) {
    out += std::string(toString(c.kind)) + " " + describe(c) + " @" + std::to_string(c.line_a) +
           "," + std::to_string(c.line_b) + "\n";
  }
  return out;
}

// `text` with its one occurrence of `from` replaced by `to`.
std::string edit(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

SpecDiff diff(std::string_view a, std::string_view b) { return diffTopologies(load(a), load(b)); }

constexpr const char* kBase = R"(topolab: 1
name: shop
defaults:
  delivery: at-least-once
components:
  - id: events
    type: generator
    params: {rate: 1000}
  - id: enrich
    type: work
    parallelism: 4
    params: {cost_us: 20, error_rate: 0.001}
  - id: store
    type: counter
streams:
  - {from: events, to: enrich}
  - {from: enrich, to: store, grouping: {type: fields, fields: [key]}}
slo:
  throughput_min: 100000
layout:
  events: {x: 0, y: 0}
)";

TEST(SpecDiff, SameTopologyInAnotherStyleAndOrderHasNoChanges) {
  // Block style, components and params reordered, a comment, layout moved.
  const SpecDiff d = diff(kBase, R"(topolab: 1
name: shop
defaults: {delivery: at-least-once}
components:
  - id: store
    type: counter
  - id: enrich        # the expensive one
    type: work
    parallelism: 4
    params:
      error_rate: 0.001
      cost_us: 20
  - id: events
    type: generator
    params: {rate: 1000}
streams:
  - from: enrich
    to: store
    grouping: {type: fields, fields: [key]}
  - {from: events, to: enrich}
slo: {throughput_min: 1e5}
layout:
  events: {x: 300, y: 120}
)");
  EXPECT_TRUE(d.empty()) << lines(d);
}

TEST(SpecDiff, WritingOutADefaultIsNoChange) {
  std::string b = kBase;
  b = edit(b, "  delivery: at-least-once\n",
           "  metrics_interval_ms: 1000\n  delivery: at-least-once\n");
  b = edit(b, "    params: {rate: 1000}", "    parallelism: 1\n    params: {rate: 1000}");
  b = edit(b, "{from: events, to: enrich}",
           "{from: events, to: enrich, grouping: shuffle, transport: auto}");
  const SpecDiff d = diff(kBase, b);
  EXPECT_TRUE(d.empty()) << lines(d);
}

TEST(SpecDiff, ParamChangeNamesTheParamBothValuesAndBothLines) {
  std::string b = kBase;
  b = edit(b, "cost_us: 20", "cost_us: 30");
  b.insert(0, "# moved down a line\n");
  const SpecDiff d = diff(kBase, b);
  ASSERT_EQ(d.changes.size(), 1u) << lines(d);
  const SpecChange& c = d.changes[0];
  EXPECT_EQ(c.kind, ChangeKind::Changed);
  EXPECT_EQ(c.subject, ChangeSubject::Param);
  EXPECT_EQ(c.id, "enrich");
  EXPECT_EQ(c.field, "cost_us");
  EXPECT_EQ(c.old_value, "20");
  EXPECT_EQ(c.new_value, "30");
  EXPECT_EQ(c.line_a, 12);
  EXPECT_EQ(c.line_b, 13);
  EXPECT_EQ(describe(c), "component enrich: param cost_us 20 → 30");
}

TEST(SpecDiff, ParamsAddedAndRemovedAreTheirOwnChanges) {
  std::string b = kBase;
  b = edit(b, "{cost_us: 20, error_rate: 0.001}", "{cost_us: 20, distribution: exponential}");
  const SpecDiff d = diff(kBase, b);
  EXPECT_EQ(lines(d),
            "removed component enrich: param error_rate 0.001 @12,0\n"
            "added component enrich: param distribution exponential @0,12\n");
}

TEST(SpecDiff, ComponentsAddedAndRemovedByIdWithTheirType) {
  std::string b = kBase;
  b = edit(b, "  - id: store\n    type: counter\n",
           "  - id: audit\n    type: counter\n  - id: store\n    type: counter\n");
  b = edit(b, "  - id: events\n    type: generator\n    params: {rate: 1000}\n", "");
  b = edit(b, "layout:\n  events: {x: 0, y: 0}\n", "");
  b = edit(b, "  - {from: events, to: enrich}\n", "  - {from: enrich, to: audit}\n");
  const SpecDiff d = diff(kBase, b);
  EXPECT_EQ(lines(d),
            "removed component events: type generator @6,0\n"
            "added component audit: type counter @0,10\n"
            "removed stream events → enrich @16,0\n"
            "added stream enrich → audit @0,15\n")
      << b;
}

TEST(SpecDiff, TypeAndParallelismChanges) {
  std::string b = kBase;
  b = edit(b, "parallelism: 4", "parallelism: 8");
  b = edit(b, "    params: {rate: 1000}", "    parallelism: 2\n    params: {rate: 1000}");
  b = edit(b, "type: counter", "type: window-count");
  const SpecDiff d = diff(kBase, b);
  EXPECT_EQ(lines(d),
            "changed component events: parallelism 1 (default) → 2 @0,8\n"
            "changed component enrich: parallelism 4 → 8 @11,12\n"
            "changed component store: type counter → window-count @14,15\n");
}

TEST(SpecDiff, GroupingChangeShowsTheFields) {
  std::string b = kBase;
  b = edit(b, "{type: fields, fields: [key]}", "{type: fields, fields: [key, value]}");
  b = edit(b, "{from: events, to: enrich}", "{from: events, to: enrich, grouping: all}");
  const SpecDiff d = diff(kBase, b);
  ASSERT_EQ(d.changes.size(), 2u) << lines(d);
  EXPECT_EQ(describe(d.changes[0]), "stream events → enrich: grouping shuffle (default) → all");
  EXPECT_EQ(d.changes[0].line_a, 0);
  EXPECT_EQ(d.changes[0].line_b, 16);
  EXPECT_EQ(d.changes[0].from, "events");
  EXPECT_EQ(d.changes[0].to, "enrich");
  EXPECT_EQ(describe(d.changes[1]),
            "stream enrich → store: grouping fields [key] → fields [key, value]");
  EXPECT_EQ(d.changes[1].line_a, 17);
  EXPECT_EQ(d.changes[1].line_b, 17);
}

TEST(SpecDiff, PlacementAddedChangedAndRemoved) {
  std::string a = kBase, b = kBase;
  a = edit(a, "    params: {rate: 1000}\n", "    placement: [node-a]\n    params: {rate: 1000}\n");
  b = edit(b, "    params: {rate: 1000}\n",
           "    placement: [node-a, node-b]\n    params: {rate: 1000}\n");
  b = edit(b, "  - id: store\n", "    placement: [node-c]\n  - id: store\n");
  const SpecDiff d = diff(a, b);
  EXPECT_EQ(lines(d),
            "changed component events: placement [node-a] → [node-a, node-b] @8,8\n"
            "added component enrich: placement [node-c] @0,14\n");
  EXPECT_EQ(d.changes[1].subject, ChangeSubject::Placement);
  const SpecDiff back = diff(b, a);
  EXPECT_EQ(back.changes.at(1).kind, ChangeKind::Removed);
  EXPECT_EQ(back.changes.at(1).old_value, "[node-c]");
}

TEST(SpecDiff, HeaderFieldsAgainstTheirDefaults) {
  std::string b = kBase;
  b = edit(b, "name: shop", "name: shop-v2\ndescription: orders, enriched");
  b = edit(b, "  delivery: at-least-once\n", "  ack_timeout_ms: 5000\n  restart: {max: 5}\n");
  b = edit(b, "  throughput_min: 100000\n", "  p99_ms_max: 20\n  throughput_min: 100000\n");
  b = edit(b, "  throughput_min: 100000\n", "");
  const SpecDiff d = diff(kBase, b);
  EXPECT_EQ(lines(d),
            "changed header name shop → shop-v2 @2,2\n"
            "added header description \"orders, enriched\" @0,3\n"
            "changed header defaults.delivery at-least-once → at-most-once (default) @4,0\n"
            "changed header defaults.ack_timeout_ms 30000 (default) → 5000 @0,5\n"
            "changed header defaults.restart.max 3 (default) → 5 @0,6\n"
            "removed header slo.throughput_min 100000 @19,0\n"
            "added header slo.p99_ms_max 20 @0,21\n")
      << b;
  for (const SpecChange& c : d.changes) EXPECT_EQ(c.subject, ChangeSubject::Header);
}

TEST(SpecDiff, RestartNeverAgainstAPolicyIsOneChange) {
  std::string a = kBase, b = kBase;
  a = edit(a, "  delivery: at-least-once\n",
           "  restart: {max: 5, delay_ms: 100}\n  delivery: at-least-once\n");
  b = edit(b, "  delivery: at-least-once\n", "  restart: never\n  delivery: at-least-once\n");
  const SpecDiff d = diff(a, b);
  EXPECT_EQ(lines(d),
            "changed header defaults.restart {max: 5, within_s: 60, delay_ms: 100} → never @4,4\n");
}

TEST(SpecDiff, StreamsOfDifferentNamedStreamsAreDifferentStreams) {
  const char* a = R"(topolab: 1
name: wc
components:
  - {id: split, type: shell-bolt, params: {command: [python3, s.py], fields: [word]}}
  - {id: src, type: generator}
  - {id: count, type: counter}
streams:
  - {from: src, to: split}
  - {from: split, to: count, stream: words}
)";
  std::string b = a;
  b = edit(b, "stream: words", "stream: letters");
  b = edit(b, "[python3, s.py]", "[python3, split.py]");
  const SpecDiff d = diff(a, b);
  EXPECT_EQ(lines(d),
            "changed component split: param command [python3, s.py] → [python3, split.py] @4,4\n"
            "removed stream split → count [words] @9,0\n"
            "added stream split → count [letters] @0,9\n");
  EXPECT_EQ(d.changes[2].stream_id, "letters");
}

}  // namespace
}  // namespace topolab
