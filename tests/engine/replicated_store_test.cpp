// replicated-store in one process: every instance runs here, replication goes
// through the same hub and protocol as across agents.
#include <gtest/gtest.h>

#include <thread>

#include "runtime_test_util.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/report.h"

namespace topolab::testing {
namespace {

std::string storeFile(int count, const std::string& mode, int replicas, int rate,
                      int failover_ms = 1000, int ack_timeout_ms = 2000) {
  // A killed replica stays dead (restart: never) until a test revives it.
  return "topolab: 1\nname: kv\ndefaults: {delivery: at-least-once, restart: never, "
         "ack_timeout_ms: " +
         std::to_string(ack_timeout_ms) +
         "}\ncomponents:\n"
         "  - {id: writes, type: generator, params: {rate: " +
         std::to_string(rate) + ", count: " + std::to_string(count) +
         ", keys: " + std::to_string(count > 0 ? count : 1000) +
         ", distribution: sequential}}\n"
         "  - {id: kv, type: replicated-store, params: {replicas: " +
         std::to_string(replicas) + ", mode: " + mode +
         ", failover_ms: " + std::to_string(failover_ms) +
         "}}\n"
         "streams:\n  - {from: writes, to: kv}\n";
}

const InstanceSnapshot* instance(const Snapshot& s, const std::string& component, int index) {
  for (const InstanceSnapshot& i : s.instances) {
    if (i.component == component && i.index == index) return &i;
  }
  return nullptr;
}

std::string roleOf(Runtime& rt, int index) {
  const Snapshot s = rt.snapshot();
  const InstanceSnapshot* i = instance(s, "kv", index);
  return i && i->replica ? i->replica->role : "none";
}

TEST(ReplicatedStore, RunsOnePrimaryAndReplicasFollowers) {
  const Topology t = parseOrDie(storeFile(100, "async", 3, 0));
  EXPECT_EQ(instanceCount(*t.component("kv")), 4);
  EXPECT_EQ(instanceCount(*t.component("writes")), 1);
  auto rt = makeRuntime(t);
  ASSERT_NE(rt, nullptr);
  runToCompletion(*rt);
  const Snapshot s = rt->snapshot();
  ASSERT_NE(instance(s, "kv", 3), nullptr);
  EXPECT_EQ(instance(s, "kv", 4), nullptr);
  EXPECT_EQ(instance(s, "kv", 0)->replica->role, "primary");
  for (int i = 1; i < 4; ++i) EXPECT_EQ(instance(s, "kv", i)->replica->role, "follower") << i;
}

TEST(ReplicatedStore, JsonLinesCarryEachInstancesRoleLagAndWriteLatency) {
  auto rt = makeRuntime(parseOrDie(storeFile(2000, "sync", 1, 0)));
  ASSERT_NE(rt, nullptr);
  const Snapshot before = rt->snapshot();
  runToCompletion(*rt);
  const Snapshot after = rt->snapshot();
  const std::string line =
      intervalLine(after.t_ms, rt->componentOrder(), intervalStats(before, after));
  EXPECT_NE(
      line.find(
          R"("replicas":{"kv#0":{"role":"primary","epoch":0,"applied":2000,"lag_ops":0,"lag_ms":0,"write_us":{"p50":)"),
      std::string::npos)
      << line;
  EXPECT_NE(
      line.find(
          R"("kv#1":{"role":"follower","epoch":0,"applied":2000,"lag_ops":0,"lag_ms":0,"write_us":null})"),
      std::string::npos)
      << line;
  EXPECT_EQ(totalStats(after).at("kv").replicas.size(), 2u);
}

TEST(ReplicatedStore, SyncWritesAreOnEveryFollowerWhenAcknowledged) {
  TempDir dir;
  const int n = 5000;
  RunOptions options;
  options.state_dir = dir.file("state");
  auto rt = makeRuntime(parseOrDie(storeFile(n, "sync", 2, 0)), options);
  ASSERT_NE(rt, nullptr);
  const auto totals = runToCompletion(*rt);
  EXPECT_EQ(totals.at("writes").counters.acked, static_cast<uint64_t>(n));
  const Snapshot s = rt->snapshot();
  for (int i = 0; i < 3; ++i) {
    const InstanceSnapshot* in = instance(s, "kv", i);
    ASSERT_TRUE(in && in->replica) << i;
    // In sync mode nothing is acknowledged before every follower applied it,
    // so a finished run leaves every instance with every write.
    EXPECT_EQ(in->replica->applied, static_cast<uint64_t>(n)) << i;
    EXPECT_EQ(in->replica->keys, static_cast<uint64_t>(n)) << i;
    EXPECT_EQ(in->replica->lag_ops, 0) << i;
  }
  EXPECT_EQ(instance(s, "kv", 0)->replica->write_latency.count(), static_cast<uint64_t>(n));
  rt.reset();  // the stores write their state on stop
  for (int i = 0; i < 3; ++i) {
    const auto keys = keysInJsonLines(dir.file("state/kv." + std::to_string(i) + ".jsonl"));
    EXPECT_EQ(keys.size(), static_cast<size_t>(n)) << "kv#" << i;
  }
}

void killPrimaryAndCheck(int latency_ms) {
  TempDir dir;
  const int n = 3000;
  RunOptions options;
  options.state_dir = dir.file("state");
  auto rt = makeRuntime(parseOrDie(storeFile(n, "sync", 2, 3000, 400, 1500)), options);
  ASSERT_NE(rt, nullptr);
  rt->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::string error;
  if (latency_ms > 0) {
    ASSERT_TRUE(rt->setInputLatency("kv", latency_ms, &error)) << error;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms));
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(rt->killInstance("kv", 0, &error)) << error;
  // A follower takes over within failover_ms.
  int primary = -1;
  while (std::chrono::steady_clock::now() - killed < std::chrono::seconds(2) && primary < 0) {
    for (int i = 1; i < 3; ++i) {
      if (roleOf(*rt, i) == "primary") primary = i;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto promoted_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - killed)
                               .count();
  ASSERT_GT(primary, 0) << "no follower was promoted";
  EXPECT_LE(promoted_ms, 400 + 50) << "promotion took " << promoted_ms << " ms";
  EXPECT_EQ(roleOf(*rt, 0), "dead");
  std::vector<RuntimeEvent> events;
  for (RuntimeEvent& e : rt->takeEvents()) {
    if (e.kind == "promotion") events.push_back(std::move(e));
  }
  ASSERT_EQ(events.size(), 1u) << "one promotion";
  EXPECT_NE(events[0].detail.find("kv#" + std::to_string(primary) + " promoted to primary"),
            std::string::npos)
      << events[0].detail;

  // Writes lost with the dead primary are replayed to the new one: the run
  // completes with every write acknowledged, and the new primary holds them all.
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(30)));
  const auto totals = totalStats(rt->snapshot());
  EXPECT_EQ(totals.at("writes").counters.acked, static_cast<uint64_t>(n));
  EXPECT_GT(totals.at("writes").counters.replayed, 0u);
  rt.reset();
  const auto keys = keysInJsonLines(dir.file("state/kv." + std::to_string(primary) + ".jsonl"));
  EXPECT_EQ(keys.size(), static_cast<size_t>(n));
  const auto other =
      keysInJsonLines(dir.file("state/kv." + std::to_string(3 - primary) + ".jsonl"));
  EXPECT_EQ(other.size(), static_cast<size_t>(n))
      << "the remaining follower copied the new primary";
}

TEST(ReplicatedStore, KilledPrimaryIsReplacedAndWritersFollow) { killPrimaryAndCheck(0); }

TEST(ReplicatedStore, KilledPrimaryIsReplacedWhileFollowersLag) { killPrimaryAndCheck(200); }

TEST(ReplicatedStore, QuorumNeedsAMajority) {
  // Both followers dead: the primary alone is one of three, never a majority.
  auto rt = makeRuntime(parseOrDie(storeFile(100, "quorum", 2, 0, 200, 60000)));
  ASSERT_NE(rt, nullptr);
  std::string error;
  ASSERT_TRUE(rt->killInstance("kv", 1, &error)) << error;
  ASSERT_TRUE(rt->killInstance("kv", 2, &error)) << error;
  rt->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(totalStats(rt->snapshot()).at("writes").counters.acked, 0u);
  EXPECT_EQ(roleOf(*rt, 0), "primary");
  EXPECT_EQ(roleOf(*rt, 1), "dead");
  rt->stop(std::chrono::milliseconds(0));

  // One follower dead: the primary and the other follower are two of three.
  auto rt2 = makeRuntime(parseOrDie(storeFile(100, "quorum", 2, 0, 200, 60000)));
  ASSERT_NE(rt2, nullptr);
  ASSERT_TRUE(rt2->killInstance("kv", 2, &error)) << error;
  rt2->start();
  ASSERT_TRUE(rt2->waitFinished(std::chrono::seconds(10)));
  EXPECT_EQ(totalStats(rt2->snapshot()).at("writes").counters.acked, 100u);
}

TEST(ReplicatedStore, LagRisesUnderALatencyFaultAndFallsAfter) {
  auto rt = makeRuntime(parseOrDie(storeFile(0, "async", 1, 2000, 3000)));
  ASSERT_NE(rt, nullptr);
  rt->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto lag = [&rt] {
    const Snapshot s = rt->snapshot();
    return *instance(s, "kv", 1)->replica;
  };
  EXPECT_LT(lag().lag_ops, 50);
  std::string error;
  // In one process the fault delays every instance of kv, the primary too:
  // after 400 ms its writes flow again, and reach the follower 400 ms late.
  ASSERT_TRUE(rt->setInputLatency("kv", 400, &error)) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const ReplicaStats slowed = lag();
  // 2,000 writes/s, 400 ms late: hundreds of writes and well over 100 ms behind.
  EXPECT_GT(slowed.lag_ops, 200) << slowed.lag_ops;
  EXPECT_GT(slowed.lag_ms, 100) << slowed.lag_ms;
  EXPECT_EQ(lag().role, "follower");  // slow is not dead
  ASSERT_TRUE(rt->setInputLatency("kv", 0, &error)) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const ReplicaStats after = lag();
  EXPECT_LT(after.lag_ops, 50) << after.lag_ops;
  EXPECT_LT(after.lag_ms, 100) << after.lag_ms;
  rt->stop(std::chrono::seconds(1));
}

TEST(ReplicatedStore, RevivedInstancesRejoinAsFollowersAndCatchUp) {
  auto rt = makeRuntime(parseOrDie(storeFile(0, "sync", 2, 2000, 300, 2000)));
  ASSERT_NE(rt, nullptr);
  rt->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::string error;
  // A follower dies and comes back: it takes a copy and follows again.
  ASSERT_TRUE(rt->killInstance("kv", 2, &error)) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(roleOf(*rt, 2), "dead");
  ASSERT_TRUE(rt->reviveInstance("kv", 2, &error)) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(roleOf(*rt, 2), "follower");
  // The primary dies, a follower takes over; the old primary comes back and
  // steps down.
  ASSERT_TRUE(rt->killInstance("kv", 0, &error)) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(rt->reviveInstance("kv", 0, &error)) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const Snapshot s = rt->snapshot();
  int primaries = 0;
  uint64_t head = 0;
  for (int i = 0; i < 3; ++i) {
    const ReplicaStats& r = *instance(s, "kv", i)->replica;
    if (r.role == "primary") {
      ++primaries;
      head = r.applied;
    }
    EXPECT_EQ(r.epoch, 1u) << "kv#" << i;
  }
  EXPECT_EQ(primaries, 1);
  EXPECT_EQ(roleOf(*rt, 0), "follower");
  for (int i = 0; i < 3; ++i) {
    const ReplicaStats& r = *instance(s, "kv", i)->replica;
    EXPECT_LT(head - std::min(head, r.applied), 200u) << "kv#" << i << " is behind";
  }
  rt->stop(std::chrono::seconds(1));
}

}  // namespace
}  // namespace topolab::testing
