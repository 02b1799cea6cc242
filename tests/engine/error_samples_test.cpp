// Error samples: each instance keeps its last errors (time, message, key),
// interval lines carry each new one once, the summary the kept ones.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "runtime/error_ring.h"
#include "runtime_test_util.h"
#include "topolab/engine/report.h"

namespace topolab::testing {
namespace {

Topology failingWork(int count, int rate, double error_rate, int parallelism) {
  return parseOrDie(
      R"(
topolab: 1
name: errors
components:
  - {id: gen, type: generator, params: {rate: )" +
      std::to_string(rate) + ", count: " + std::to_string(count) +
      ", keys: " + std::to_string(count > 0 ? count : 1000) + R"(, distribution: sequential}}
  - {id: work, type: work, parallelism: )" +
      std::to_string(parallelism) + ", params: {error_rate: " + std::to_string(error_rate) + R"(}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: work}
  - {from: work, to: sink}
)");
}

TEST(ErrorRing, KeepsTheLastTwentyOldestFirst) {
  ErrorRing ring;
  EXPECT_TRUE(ring.samples().empty());
  for (int i = 0; i < 25; ++i) ring.add("error " + std::to_string(i), "k" + std::to_string(i));
  const std::vector<ErrorSample> s = ring.samples();
  ASSERT_EQ(s.size(), kErrorSamples);
  EXPECT_EQ(s.front().message, "error 5");
  EXPECT_EQ(s.front().key, "k5");
  EXPECT_EQ(s.back().message, "error 24");
  for (size_t i = 1; i < s.size(); ++i) {
    EXPECT_GT(s[i].seq, s[i - 1].seq);
    EXPECT_GE(s[i].unix_ns, s[i - 1].unix_ns);
  }
  const int64_t now = wallNowNs();
  EXPECT_LE(s.back().unix_ns, now);
  EXPECT_GT(s.back().unix_ns, now - 10'000'000'000) << "the wall clock, not a monotonic one";
}

TEST(ErrorRing, CutsLongMessagesAndKeys) {
  ErrorRing ring;
  ring.add(std::string(2000, 'm'), std::string(1000, 'k'));
  const ErrorSample s = ring.samples().at(0);
  EXPECT_EQ(s.message.size(), ErrorRing::kMaxMessage);
  EXPECT_EQ(s.key.size(), ErrorRing::kMaxKey);
}

TEST(ErrorRing, SequencesGrowAcrossRings) {
  // A restarted task starts a new ring; its samples must still read as new.
  ErrorRing before, after;
  before.add("old", "");
  after.add("new", "");
  EXPECT_GT(after.samples().at(0).seq, before.samples().at(0).seq);
}

TEST(ErrorSamples, WorkErrorsNameTheInstanceMessageAndKey) {
  auto rt = makeRuntime(failingWork(4000, 0, 0.05, 2));
  const auto totals = runToCompletion(*rt);
  const Snapshot last = rt->snapshot();
  int checked = 0;
  for (const InstanceSnapshot& i : last.instances) {
    if (i.component != "work") {
      EXPECT_TRUE(i.errors.empty()) << i.component << " counted no error";
      continue;
    }
    ++checked;
    ASSERT_GT(i.counters.errors, kErrorSamples) << "about 100 errors per instance";
    ASSERT_EQ(i.errors.size(), kErrorSamples) << "every error counted, the last 20 kept";
    std::set<std::string> keys;
    for (const ErrorSample& e : i.errors) {
      EXPECT_EQ(e.message, "simulated failure (error_rate 0.05)");
      EXPECT_EQ(e.key.rfind('k', 0), 0u) << e.key;
      keys.insert(e.key);
    }
    EXPECT_EQ(keys.size(), kErrorSamples) << "each sample is of its own tuple (keys are unique)";
  }
  EXPECT_EQ(checked, 2);

  const ComponentStats& work = totals.at("work");
  ASSERT_EQ(work.error_samples.size(), 2 * kErrorSamples);
  std::set<std::string> instances;
  for (const InstanceError& e : work.error_samples) instances.insert(e.instance);
  EXPECT_EQ(instances, (std::set<std::string>{"work#0", "work#1"}));

  const auto summary =
      nlohmann::json::parse(summaryLine(1000, {}, {"gen", "work", "sink"}, totals));
  const auto& samples = summary["components"]["work"]["error_samples"];
  ASSERT_EQ(samples.size(), 2 * kErrorSamples);
  EXPECT_EQ(samples[0]["message"], "simulated failure (error_rate 0.05)");
  EXPECT_FALSE(summary["components"]["gen"].contains("error_samples"));
}

// Snapshots taken often enough that no instance takes 20 errors between two
// of them: every error then appears in exactly one interval line.
TEST(ErrorSamples, IntervalLinesCarryEachNewSampleOnce) {
  auto rt = makeRuntime(failingWork(3000, 3000, 0.02, 2));
  rt->start();
  std::vector<std::string> lines;
  Snapshot prev;
  const auto take = [&] {
    Snapshot cur = rt->snapshot();
    lines.push_back(intervalLine(cur.t_ms, {"gen", "work", "sink"}, intervalStats(prev, cur), 20));
    prev = std::move(cur);
  };
  ASSERT_TRUE(eventually([&] {
    take();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return rt->finished();
  }));
  take();

  uint64_t errors = 0;
  for (const InstanceSnapshot& i : prev.instances) errors += i.counters.errors;
  ASSERT_GT(errors, 20u) << "about 60 errors";
  std::set<std::string> keys;
  size_t samples = 0;
  for (const std::string& line : lines) {
    const auto j = nlohmann::json::parse(line);
    if (!j["components"]["work"].contains("error_samples")) continue;
    for (const auto& e : j["components"]["work"]["error_samples"]) {
      ++samples;
      keys.insert(e["key"].get<std::string>());
      EXPECT_TRUE(e["instance"] == "work#0" || e["instance"] == "work#1") << e;
      EXPECT_FALSE(e.contains("agent")) << "in-process samples name no agent";
    }
  }
  EXPECT_EQ(samples, errors) << "each error in one interval line";
  EXPECT_EQ(keys.size(), samples) << "no sample twice";
}

TEST(ErrorSamples, InjectedFailuresAreSampled) {
  auto rt = makeRuntime(failingWork(0, 2000, 0, 1));
  rt->start();
  std::string error;
  ASSERT_TRUE(rt->setFailRatio("work", 0.5, &error)) << error;
  ASSERT_TRUE(eventually([&] {
    for (const InstanceSnapshot& i : rt->snapshot().instances) {
      if (i.component == "work" && !i.errors.empty()) return true;
    }
    return false;
  }));
  rt->stop(std::chrono::seconds(5));
  for (const InstanceSnapshot& i : rt->snapshot().instances) {
    if (i.component != "work") continue;
    EXPECT_EQ(i.errors.back().message, "failed by an injected fault (--fail ratio 0.5)");
    EXPECT_EQ(i.errors.back().key.rfind('k', 0), 0u);
  }
}

TEST(ErrorSamples, HumanTableShowsTheNewestSample) {
  ComponentStats work;
  work.instances = work.alive = 1;
  work.counters.errors = 2;
  work.error_samples = {{"work#0", "", {1, 1'000'000'000, "first", "k1"}},
                        {"work#1", "node-b", {2, 2'000'000'000, "second", "k2"}}};
  const std::string table = humanTable(2000, 1.0, {"work"}, {{"work", work}}, nullptr);
  EXPECT_NE(table.find("node-b  second  [k2] (+1 more sample)\n"), std::string::npos) << table;
  EXPECT_NE(table.find("last error "), std::string::npos) << table;
}

}  // namespace
}  // namespace topolab::testing
