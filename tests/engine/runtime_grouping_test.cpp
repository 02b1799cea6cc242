// Groupings and load-balancing policies, observed from what each instance received.
#include "runtime_test_util.h"

namespace topolab {
namespace {

using testing::keysInJsonLines;
using testing::makeRuntime;
using testing::parseOrDie;
using testing::TempDir;

std::vector<uint64_t> receivedPerInstance(Runtime& rt, const std::string& component) {
  std::vector<uint64_t> r;
  for (const auto& i : rt.snapshot().instances) {
    if (i.component == component) r.push_back(i.counters.received);
  }
  return r;
}

Topology twoStage(const std::string& grouping, int parallelism, int count,
                  const std::string& sink = "counter") {
  return parseOrDie(R"(
topolab: 1
name: grouping
components:
  - {id: gen, type: generator, params: {rate: 0, count: )" +
                    std::to_string(count) + R"(, keys: 1000}}
  - {id: sink, type: )" +
                    sink + ", parallelism: " + std::to_string(parallelism) + R"(}
streams:
  - {from: gen, to: sink, grouping: )" +
                    grouping + R"(}
)");
}

TEST(ShuffleGrouping, SpreadsEvenlyWithinFivePercent) {
  auto rt = makeRuntime(twoStage("shuffle", 4, 100000));
  testing::runToCompletion(*rt);
  for (uint64_t n : receivedPerInstance(*rt, "sink")) {
    EXPECT_NEAR(static_cast<double>(n), 25000.0, 25000.0 * 0.05);
  }
}

TEST(AllGrouping, CopiesEveryTupleToEveryTask) {
  auto rt = makeRuntime(twoStage("all", 3, 30000));
  auto totals = testing::runToCompletion(*rt);
  for (uint64_t n : receivedPerInstance(*rt, "sink")) EXPECT_EQ(n, 30000u);
  EXPECT_EQ(totals["gen"].counters.emitted, 90000u) << "each copy counts as emitted";
}

TEST(GlobalGrouping, SendsEverythingToOneTask) {
  auto rt = makeRuntime(twoStage("global", 3, 30000));
  testing::runToCompletion(*rt);
  const auto r = receivedPerInstance(*rt, "sink");
  EXPECT_EQ(r, (std::vector<uint64_t>{30000, 0, 0}));
}

TEST(LocalOrShuffleGrouping, SpreadsOverLocalTasks) {
  auto rt = makeRuntime(twoStage("local-or-shuffle", 3, 30000));
  testing::runToCompletion(*rt);
  for (uint64_t n : receivedPerInstance(*rt, "sink"))
    EXPECT_NEAR(static_cast<double>(n), 10000.0, 500.0);
}

TEST(FieldsGrouping, SameKeyAlwaysSameTask) {
  TempDir dir;
  const std::string out = dir.file("keys.jsonl");
  const Topology t = parseOrDie(R"(
topolab: 1
name: fields
components:
  - {id: gen, type: generator, parallelism: 2, params: {rate: 0, count: 40000, keys: 500, distribution: zipf}}
  - {id: sink, type: file-sink, parallelism: 4, params: {path: ")" +
                                out + R"("}}
streams:
  - {from: gen, to: sink, grouping: {type: fields, fields: [key]}}
)");
  auto rt = makeRuntime(t);
  testing::runToCompletion(*rt);
  std::map<std::string, int> owner;
  size_t total = 0;
  for (int i = 0; i < 4; ++i) {
    for (const auto& [key, n] : keysInJsonLines(out + "." + std::to_string(i))) {
      total += n;
      auto [it, inserted] = owner.emplace(key, i);
      EXPECT_TRUE(inserted) << "key " << key << " reached task " << it->second << " and task " << i;
    }
  }
  EXPECT_EQ(total, 80000u);
  EXPECT_GT(owner.size(), 400u);
}

Topology balanced(const std::string& policy, int count) {
  return parseOrDie(R"(
topolab: 1
name: lb
components:
  - {id: gen, type: generator, params: {rate: 0, count: )" +
                    std::to_string(count) + R"(, keys: 1000}}
  - {id: lb, type: load-balancer, params: {policy: )" +
                    policy + R"(, health_check_ms: 10}}
  - {id: a, type: counter}
  - {id: b, type: counter, parallelism: 2}
streams:
  - {from: gen, to: lb}
  - {from: lb, to: a}
  - {from: lb, to: b}
)");
}

TEST(LoadBalancer, RoundRobinSpreadsOverEveryInstanceOfEveryMember) {
  auto rt = makeRuntime(balanced("round-robin", 30000));
  auto totals = testing::runToCompletion(*rt);
  EXPECT_EQ(totals["a"].counters.received, 10000u);
  EXPECT_EQ(totals["b"].counters.received, 20000u);
  const auto snap = rt->snapshot();
  for (const auto& i : snap.instances) {
    if (i.component != "lb") continue;
    ASSERT_EQ(i.members.size(), 3u);
    for (const auto& m : i.members) EXPECT_EQ(m.sent, 10000u) << m.member;
  }
}

TEST(LoadBalancer, EveryPolicyDeliversEverything) {
  for (const char* policy : {"round-robin", "least-outstanding", "consistent-hash", "random"}) {
    auto rt = makeRuntime(balanced(policy, 30000));
    auto totals = testing::runToCompletion(*rt);
    EXPECT_EQ(totals["a"].counters.received + totals["b"].counters.received, 30000u) << policy;
    EXPECT_GT(totals["a"].counters.received, 3000u) << policy << " uses every member";
  }
}

TEST(LoadBalancer, ConsistentHashKeepsAKeyOnOneMember) {
  TempDir dir;
  const Topology t = parseOrDie(R"(
topolab: 1
name: lb-hash
components:
  - {id: gen, type: generator, params: {rate: 0, count: 20000, keys: 300}}
  - {id: lb, type: load-balancer, params: {policy: consistent-hash}}
  - {id: a, type: file-sink, params: {path: ")" +
                                dir.file("a") + R"("}}
  - {id: b, type: file-sink, params: {path: ")" +
                                dir.file("b") + R"("}}
streams:
  - {from: gen, to: lb}
  - {from: lb, to: a}
  - {from: lb, to: b}
)");
  auto rt = makeRuntime(t);
  testing::runToCompletion(*rt);
  const auto a = keysInJsonLines(dir.file("a"));
  const auto b = keysInJsonLines(dir.file("b"));
  EXPECT_FALSE(a.empty());
  EXPECT_FALSE(b.empty());
  for (const auto& [k, n] : a) EXPECT_EQ(b.count(k), 0u) << k;
}

TEST(LoadBalancer, TakesADeadMemberOutAtTheNextHealthCheck) {
  const Topology t = parseOrDie(R"(
topolab: 1
name: lb-health
defaults: {restart: never}
components:
  - {id: gen, type: generator, params: {rate: 20000}}
  - {id: lb, type: load-balancer, params: {policy: round-robin, health_check_ms: 50}}
  - {id: s1, type: counter}
  - {id: s2, type: counter}
  - {id: s3, type: counter}
streams:
  - {from: gen, to: lb}
  - {from: lb, to: s1}
  - {from: lb, to: s2}
  - {from: lb, to: s3}
)");
  auto rt = makeRuntime(t);
  rt->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::string error;
  ASSERT_TRUE(rt->killInstance("s2", 0, &error)) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // past a health check
  const Snapshot before = rt->snapshot();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const Snapshot after = rt->snapshot();
  const auto delta = intervalStats(before, after);
  EXPECT_EQ(delta.at("s2").counters.received, 0u);
  EXPECT_GT(delta.at("s1").counters.received, 3000u);
  EXPECT_GT(delta.at("s3").counters.received, 3000u);
  EXPECT_EQ(delta.at("s2").counters.dropped, 0u) << "nothing is sent to it any more";
  for (const auto& i : after.instances) {
    if (i.component != "lb") continue;
    for (const auto& m : i.members) EXPECT_EQ(m.healthy, m.member != "s2#0") << m.member;
  }
  rt->stop(std::chrono::seconds(2));
}

}  // namespace
}  // namespace topolab
