// The `topolab` command as a user or a CI job runs it: exit codes, messages
// and JSON lines.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli_runner.h"

using namespace cli_runner;

namespace {

// Checks each line is one JSON object, with Python's parser (a client we did not write).
void expectJsonLines(const std::string& out) {
  const std::string path =
      std::filesystem::temp_directory_path() / ("topolab-json-" + std::to_string(getpid()));
  std::ofstream(path) << out;
  const std::string cmd =
      "python3 -c 'import json,sys\nfor l in open(sys.argv[1]):\n  o=json.loads(l)\n  assert "
      "isinstance(o, dict) and o[\"type\"] in (\"interval\",\"event\",\"summary\"), l' " +
      quote(path);
  EXPECT_EQ(std::system(cmd.c_str()), 0) << out;
  std::filesystem::remove(path);
}

// A number from the summary line: "components":{"ID":{..."FIELD":N
double summaryField(const std::string& summary, const std::string& id, const std::string& field) {
  const auto c = summary.find("\"" + id + "\":{");
  if (c == std::string::npos) return -1;
  const auto f = summary.find("\"" + field + "\":", c);
  return std::stod(summary.substr(f + field.size() + 3));
}

TEST(Validate, AcceptsEveryExample) {
  for (const char* name : {"realtime-analytics", "web-tier", "wordcount", "at-least-once"}) {
    const Result r = topolab({"validate", example(name)});
    EXPECT_EQ(r.code, 0) << name << "\n" << r.err;
    EXPECT_EQ(r.out, example(name) + ": ok\n");
  }
}

TEST(Validate, ReportsEveryProblemWithLineAndColumnAndExitsTwo) {
  const std::string file = std::string(TOPOLAB_TESTDATA_DIR) + "/cli/two-problems.yaml";
  const Result r = topolab({"validate", file});
  EXPECT_EQ(r.code, 2);
  const auto errs = lines(r.err);
  ASSERT_EQ(errs.size(), 2u) << r.err;
  EXPECT_EQ(errs[0].rfind(file + ":6:5: error: ", 0), 0u) << errs[0];
  EXPECT_NE(errs[0].find("unknown key 'paralelism'"), std::string::npos) << errs[0];
  EXPECT_EQ(errs[1].rfind(file + ":11:21: error: ", 0), 0u) << errs[1];
  EXPECT_NE(errs[1].find("nowhere"), std::string::npos) << errs[1];
}

TEST(Validate, MissingFileIsInvalidInput) {
  const Result r = topolab({"validate", "/nonexistent/file.yaml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("/nonexistent/file.yaml"), std::string::npos);
}

TEST(Run, FiniteAtLeastOnceRunEndsByItselfWithASummary) {
  const Result r = topolab({"run", example("at-least-once"), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  expectJsonLines(r.out);
  const auto ls = lines(r.out);
  ASSERT_FALSE(ls.empty());
  const std::string& summary = ls.back();
  EXPECT_EQ(summary.rfind("{\"type\":\"summary\"", 0), 0u) << summary;
  EXPECT_EQ(summaryField(summary, "source", "acked"), 200000);
  EXPECT_GT(summaryField(summary, "source", "replayed"), 0);
  EXPECT_EQ(summaryField(summary, "sink", "received"), 200000);
}

TEST(Run, DurationEndsAnEndlessRunWithIntervalsAndASummary) {
  const Result r = topolab({"run", example("realtime-analytics"), "--duration", "3", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  expectJsonLines(r.out);
  const auto ls = lines(r.out);
  int intervals = 0;
  for (const auto& l : ls) intervals += l.rfind("{\"type\":\"interval\"", 0) == 0;
  EXPECT_GE(intervals, 2);
  EXPECT_EQ(ls.back().rfind("{\"type\":\"summary\"", 0), 0u);
  const double duration = summaryField(ls.back(), "", "duration_ms");
  (void)duration;
  EXPECT_GT(summaryField(ls.back(), "events", "emitted"), 200000);
  EXPECT_GT(summaryField(ls.back(), "store", "received"), 0);
}

TEST(Run, SetOverridesAParam) {
  const Result r =
      topolab({"run", example("at-least-once"), "--json", "--set", "source.count=1000"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(summaryField(lines(r.out).back(), "source", "acked"), 1000);
}

TEST(Run, BadSetIsInvalidInput) {
  for (const char* set :
       {"source.count=many", "nosuch.count=1", "source.nosuch=1", "source.count=-1", "garbage"}) {
    const Result r = topolab({"run", example("at-least-once"), "--set", set});
    EXPECT_EQ(r.code, 2) << set << ": " << r.err;
    EXPECT_NE(r.err.find("error"), std::string::npos) << set;
    EXPECT_TRUE(r.out.empty()) << "nothing runs when the input is invalid";
  }
}

TEST(Run, CheckSloExitsThreeWhenViolated) {
  // Each node can serve ~500/s at 2 ms per request, far below the 10,000/s offered.
  const Result bad = topolab({"run", example("web-tier"), "--duration", "2", "--json",
                              "--check-slo", "--set", "node1.cost_us=2000", "--set",
                              "node2.cost_us=2000", "--set", "node3.cost_us=2000", "--drain", "0"});
  EXPECT_EQ(bad.code, 3) << bad.err;
  EXPECT_NE(lines(bad.out).back().find("\"pass\":false"), std::string::npos);
  // Met: the same file with bounds no busy machine misses (the example's own
  // 20 ms p99 is the benchmarks' business, not a unit test's).
  std::ifstream in(example("web-tier"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"throughput_min: 9500", "throughput_min: 100"},
        {"p99_ms_max: 20", "p99_ms_max: 60000"}}) {
    ASSERT_NE(text.find(from), std::string::npos) << from;
    text.replace(text.find(from), from.size(), to);
  }
  const std::string loose = (std::filesystem::temp_directory_path() /
                             ("web-tier-loose-" + std::to_string(getpid()) + ".yaml"))
                                .string();
  std::ofstream(loose) << text;
  const Result good = topolab({"run", loose, "--duration", "3", "--json", "--check-slo"});
  std::filesystem::remove(loose);
  EXPECT_EQ(good.code, 0) << lines(good.out).back();
  EXPECT_NE(lines(good.out).back().find("\"pass\":true"), std::string::npos)
      << lines(good.out).back();
}

TEST(Run, HumanTableWhenNotJson) {
  const Result r = topolab({"run", example("at-least-once"), "--set", "source.count=5000"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("source"), std::string::npos);
  EXPECT_NE(r.out.find("flaky"), std::string::npos);
  EXPECT_NE(r.out.find("summary"), std::string::npos);
}

TEST(Run, HumanHeaderNamesTheDeliveryMode) {
  const Result r = topolab({"run", example("at-least-once"), "--set", "source.count=2000"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_FALSE(lines(r.out).empty());
  EXPECT_EQ(lines(r.out).front(), "at-least-once: at-least-once delivery") << r.out;
  const Result web = topolab({"run", example("web-tier"), "--duration", "1", "--drain", "0"});
  ASSERT_EQ(web.code, 0) << web.err;
  EXPECT_EQ(lines(web.out).front(), "web-tier: at-most-once delivery") << web.out;
  // JSON lines stay as they were: no header among them.
  const Result json =
      topolab({"run", example("at-least-once"), "--set", "source.count=2000", "--json"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(json.out.find("delivery"), std::string::npos) << json.out;
  expectJsonLines(json.out);
}

TEST(Export, DotPassesGraphviz) {
  const auto dir = std::filesystem::temp_directory_path();
  for (const char* name : {"realtime-analytics", "web-tier", "wordcount", "at-least-once"}) {
    const std::string dot = (dir / (std::string(name) + ".dot")).string();
    const Result r = topolab({"export", example(name), "--to", "dot", "-o", dot});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string cmd = "dot -Tsvg " + quote(dot) + " -o /dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << name;
    std::filesystem::remove(dot);
  }
  const std::string svg = (dir / "web-tier-export.svg").string();
  const Result r = topolab({"export", example("web-tier"), "--to", "svg", "-o", svg});
  EXPECT_EQ(r.code, 0) << r.err;
  std::ifstream in(svg);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("haproxy"), std::string::npos);
  std::filesystem::remove(svg);
}

TEST(Catalogue, ListsEveryBuiltInType) {
  const Result r = topolab({"catalogue", "--json"});
  ASSERT_EQ(r.code, 0);
  for (const char* t : {"generator", "filter", "work", "window-count", "load-balancer", "counter",
                        "file-sink", "kafka-source", "kafka-sink", "replicated-store"}) {
    EXPECT_NE(r.out.find(std::string("\"name\":\"") + t + "\""), std::string::npos) << t;
  }
}

}  // namespace

namespace {

TEST(Run, EveryExampleRunsAndReportsEachComponent) {
  for (const char* name : {"realtime-analytics", "web-tier", "wordcount", "at-least-once"}) {
    const Result r = topolab({"run", example(name), "--duration", "2", "--json"});
    ASSERT_EQ(r.code, 0) << name << ": " << r.err;
    expectJsonLines(r.out);
    const std::string summary = lines(r.out).back();
    EXPECT_EQ(summary.rfind("{\"type\":\"summary\"", 0), 0u) << name;
    EXPECT_EQ(summary.find("\"errors\":null"), std::string::npos);
  }
}

TEST(Run, MultilangExampleRunsItsProgramsFromTheFilesFolder) {
  // Run from the test's folder: the programs are found beside the file.
  // 200 sentences (20 times the spout's 10, 74 words a round) and no more.
  const Result r = topolab(
      {"run", std::string(TOPOLAB_EXAMPLES_DIR) + "/wordcount-multilang/wordcount-multilang.yaml",
       "--duration", "6", "--json", "--set", "sentences.env={SENTENCES: \"200\", RATE: \"0\"}"});
  ASSERT_EQ(r.code, 0) << r.err;
  expectJsonLines(r.out);
  const std::string summary = lines(r.out).back();
  EXPECT_EQ(summaryField(summary, "sentences", "acked"), 200) << summary;
  EXPECT_EQ(summaryField(summary, "split", "received"), 200);
  EXPECT_EQ(summaryField(summary, "count", "received"), 20 * 74);
  EXPECT_EQ(summaryField(summary, "log", "received"), 20 * 74);
  EXPECT_EQ(r.out.find("process-died"), std::string::npos) << r.out;
}

}  // namespace
