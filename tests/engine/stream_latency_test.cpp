// Per-stream latency: from the upstream instance emitting a tuple to the
// downstream instance taking it from its input queue, kept per stream and
// aggregated exactly like the other histograms.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "runtime_test_util.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/report.h"

namespace topolab::testing {
namespace {

constexpr double kMs = 1000.0;  // µs

// gen → work → sink, 20 ms of latency injected into every tuple into `sink`:
// the stream work:sink carries it, gen:work does not.
TEST(StreamLatency, AnInjectedDelayShowsOnItsStreamOnly) {
  const Topology t = parseOrDie(R"(
topolab: 1
name: stream-latency
components:
  - {id: gen, type: generator, params: {rate: 2000, count: 2000}}
  - {id: work, type: work, parallelism: 2, params: {cost_us: 10}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: work}
  - {from: work, to: sink}
)");
  auto rt = makeRuntime(t);
  ASSERT_NE(rt, nullptr);
  std::string error;
  ASSERT_TRUE(rt->setInputLatency("sink", 20, &error)) << error;
  const auto totals = runToCompletion(*rt);

  const auto streams = streamLatencies(totals);
  ASSERT_EQ(streams.size(), 2u);
  ASSERT_TRUE(streams.count("gen:work"));
  ASSERT_TRUE(streams.count("work:sink"));
  // Every tuple on a stream is measured once.
  EXPECT_EQ(streams.at("gen:work").count(), 2000u);
  EXPECT_EQ(streams.at("work:sink").count(), 2000u);
  const Percentiles into_sink = percentilesUs(streams.at("work:sink"));
  const Percentiles into_work = percentilesUs(streams.at("gen:work"));
  EXPECT_GE(into_sink.p50, 20 * kMs);
  EXPECT_LT(into_work.p99, 20 * kMs);
  EXPECT_GE(into_sink.max, into_sink.p99);
  // The component keeps it by upstream component.
  EXPECT_EQ(totals.at("sink").input_latency.size(), 1u);
  EXPECT_TRUE(totals.at("sink").input_latency.count("work"));
  EXPECT_TRUE(totals.at("gen").input_latency.empty());
}

// Two upstream components into one: their streams stay apart; an interval
// holds what was taken in it.
TEST(StreamLatency, StreamsIntoOneComponentStayApartAndIntervalsAddUp) {
  const Topology t = parseOrDie(R"(
topolab: 1
name: two-into-one
components:
  - {id: a, type: generator, params: {rate: 1000, count: 1000}}
  - {id: b, type: generator, params: {rate: 1000, count: 500}}
  - {id: sink, type: counter, parallelism: 2}
streams:
  - {from: a, to: sink}
  - {from: b, to: sink}
)");
  auto rt = makeRuntime(t);
  ASSERT_NE(rt, nullptr);
  rt->start();
  ASSERT_TRUE(
      eventually([&] { return totalStats(rt->snapshot()).at("sink").counters.received >= 300; }));
  const Snapshot mid = rt->snapshot();
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(30)));
  const Snapshot end = rt->snapshot();

  const auto totals = streamLatencies(totalStats(end));
  EXPECT_EQ(totals.at("a:sink").count(), 1000u);
  EXPECT_EQ(totals.at("b:sink").count(), 500u);
  const auto first = streamLatencies(totalStats(mid));
  const auto rest = streamLatencies(intervalStats(mid, end));
  for (const char* s : {"a:sink", "b:sink"}) {
    const uint64_t before = first.count(s) ? first.at(s).count() : 0;
    const uint64_t after = rest.count(s) ? rest.at(s).count() : 0;
    EXPECT_EQ(before + after, totals.at(s).count()) << s;
  }
}

// What a script reads: "streams" in the JSON lines, a block under the
// terminal summary.
TEST(StreamLatency, TheReportShowsEachStreamThatCarriedTuples) {
  std::map<std::string, ComponentStats> stats;
  Histogram h;
  h.record(2'000'000, 99);  // 2 ms
  h.record(9'000'000, 1);   // 9 ms
  stats["enrich"].input_latency["events"] = h;
  stats["store"].input_latency["enrich"] = Histogram();  // carried nothing
  stats["events"];

  const auto line = nlohmann::json::parse(intervalLine(1000, {"events", "enrich", "store"}, stats));
  ASSERT_TRUE(line.contains("streams")) << line.dump();
  ASSERT_EQ(line["streams"].size(), 1u) << line.dump();
  const auto& s = line["streams"]["events:enrich"];
  EXPECT_EQ(s["tuples"], 100);
  EXPECT_NEAR(s["latency_us"]["p50"].get<double>(), 2000, 20);
  EXPECT_NEAR(s["latency_us"]["max"].get<double>(), 9000, 90);

  const auto summary =
      nlohmann::json::parse(summaryLine(10000, SloResult{}, {"events", "enrich", "store"}, stats));
  EXPECT_EQ(summary["streams"]["events:enrich"]["tuples"], 100);

  const std::string text = humanStreams(stats);
  EXPECT_NE(text.find("events → enrich"), std::string::npos) << text;
  EXPECT_NE(text.find("p50 2.0 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("(100 tuples)"), std::string::npos) << text;
  EXPECT_EQ(text.find("enrich → store"), std::string::npos) << text;

  // No stream measured: no "streams" key and no block.
  std::map<std::string, ComponentStats> none;
  none["events"];
  EXPECT_FALSE(nlohmann::json::parse(intervalLine(1000, {}, none)).contains("streams"));
  EXPECT_EQ(humanStreams(none), "");
}

}  // namespace
}  // namespace topolab::testing
