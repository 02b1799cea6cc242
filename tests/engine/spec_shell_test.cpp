// The file format's additions for user code: list and map params (a
// command line, field names, environment), named streams, the restart
// policy, and fields groupings on a program's declared fields.
#include "spec_test_helpers.h"

namespace topolab::testing {
namespace {

const char* kShell = R"(topolab: 1
name: shell
defaults:
  delivery: at-least-once
  restart: {max: 5, within_s: 30, delay_ms: 100}
components:
  - id: sentences
    type: shell-spout
    params: {command: [python3, spout.py], fields: [sentence], env: {RATE: "2000", LANG: C.UTF-8}}
  - id: split
    type: shell-bolt
    parallelism: 2
    params: {command: [python3, "my split.py", --flag], fields: [word, n]}
  - id: count
    type: counter
streams:
  - {from: sentences, to: split}
  - {from: split, to: count, stream: words, grouping: {type: fields, fields: [n]}}
)";

TEST(SpecShell, ListAndMapParamsRoundTripByteForByte) {
  const LoadResult r = parse(kShell);
  ASSERT_TRUE(r.ok()) << allErrors(r.errors);
  EXPECT_EQ(writeTopology(*r.topology), kShell);
  const Component* split = r.topology->component("split");
  const ComponentType* type = Catalogue::instance().find("shell-bolt");
  std::string error;
  auto params = resolveParams(*split, *type, &error);
  ASSERT_TRUE(params) << error;
  EXPECT_EQ(params->getList("command"), (StringList{"python3", "my split.py", "--flag"}));
  EXPECT_EQ(params->getList("fields"), (StringList{"word", "n"}));
  EXPECT_EQ(params->getString("resources"), ".");
  EXPECT_EQ(params->getInt("max_pending"), 1000);
  auto spout = resolveParams(*r.topology->component("sentences"),
                             *Catalogue::instance().find("shell-spout"), &error);
  ASSERT_TRUE(spout) << error;
  EXPECT_EQ(spout->getMap("env"), (StringMap{{"RATE", "2000"}, {"LANG", "C.UTF-8"}}));
  EXPECT_EQ(r.topology->restartPolicy().maxRestarts(), 5);
  EXPECT_EQ(r.topology->restartPolicy().delayMs(), 100);
  EXPECT_EQ(r.topology->streams[1].stream_id, "words");
}

TEST(SpecShell, BlockListsAreWrittenInFlowForm) {
  const LoadResult r = parse(R"(topolab: 1
name: shell
components:
  - id: s
    type: shell-spout
    params:
      command:
        - node
        - spout.js
streams: []
)");
  ASSERT_TRUE(r.ok()) << allErrors(r.errors);
  EXPECT_NE(writeTopology(*r.topology).find("params: {command: [node, spout.js]}"),
            std::string::npos);
}

TEST(SpecShell, FieldsGroupingMayNameTheSendersDeclaredFields) {
  std::string text = kShell;
  text.replace(text.find("fields: [n]"), 11, "fields: [m]");
  EXPECT_TRUE(oneError(parse(text), 18, 79,
                       "fields grouping on 'm', which the stream does not carry (tuples carry key "
                       "and value, and split's fields word, n)"));
}

TEST(SpecShell, BadListsMapsStreamsAndRestartsAreReportedWhereTheyAre) {
  auto with = [](const std::string& from, const std::string& to) {
    std::string t = kShell;
    t.replace(t.find(from), from.size(), to);
    return parse(t);
  };
  EXPECT_TRUE(oneError(with("command: [python3, spout.py]", "command: []"), 9, 23,
                       "param 'command': must not be empty"));
  EXPECT_TRUE(oneError(with("command: [python3, spout.py]", "command: [python3, [a]]"), 9, 33,
                       "list items must be plain values"));
  EXPECT_TRUE(oneError(with("env: {RATE: \"2000\", LANG: C.UTF-8}", "env: [a, b]"), 9, 69,
                       "param 'env': expected a map of names to strings"));
  EXPECT_TRUE(oneError(with("- id: count\n    type: counter",
                            "- id: count\n    type: work\n    params: {cost_us: [1]}"),
                       16, 23, "param 'cost_us' must be a single value, not a list or map"));
  EXPECT_TRUE(
      oneError(with("stream: words", "stream: __system"), 18, 38, "invalid stream '__system'"));
  EXPECT_TRUE(oneError(with("restart: {max: 5, within_s: 30, delay_ms: 100}", "restart: always"), 5,
                       12, "restart: expected never or a mapping"));
  EXPECT_TRUE(oneError(with("max: 5", "max: 5000"), 5, 12, "restart: max 5000 is out of range"));
}

TEST(SpecShell, SetOverridesAListParam) {
  LoadResult r = parse(kShell);
  ASSERT_TRUE(r.ok());
  std::string error;
  ASSERT_TRUE(applyOverride(*r.topology, "split.command=[python3, other.py]", &error)) << error;
  EXPECT_NE(writeTopology(*r.topology).find("command: [python3, other.py]"), std::string::npos);
  EXPECT_TRUE(validateTopology(*r.topology, kFile, Catalogue::instance()).empty());
}

TEST(SpecShell, RestartNeverRoundTrips) {
  std::string text = kShell;
  text.replace(text.find("{max: 5, within_s: 30, delay_ms: 100}"), 37, "never");
  const LoadResult r = parse(text);
  ASSERT_TRUE(r.ok()) << allErrors(r.errors);
  EXPECT_TRUE(r.topology->restartPolicy().never);
  EXPECT_EQ(r.topology->restartPolicy().maxRestarts(), 0);
  EXPECT_EQ(writeTopology(*r.topology), text);
}

}  // namespace
}  // namespace topolab::testing
