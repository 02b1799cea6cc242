// A killed instance comes back per `defaults.restart`: after its delay, at
// most `max` times within `within_s`, else it stays dead and says why.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "runtime_test_util.h"

namespace topolab::testing {
namespace {

// gen → pass (3 instances, shuffle) → sink, at-least-once, a finite count.
Topology shuffled(const std::string& restart, const std::string& out, int count = 6000) {
  return parseOrDie(R"(
topolab: 1
name: supervised
defaults: {delivery: at-least-once, ack_timeout_ms: 30000, restart: )" +
                    restart + R"(}
components:
  - {id: gen, type: generator, params: {rate: 3000, count: )" +
                    std::to_string(count) + ", keys: " + std::to_string(count) +
                    R"(, distribution: sequential}}
  - {id: pass, type: work, parallelism: 3, params: {cost_us: 100}}
  - {id: sink, type: file-sink, params: {path: ")" +
                    out + R"("}}
streams:
  - {from: gen, to: pass}
  - {from: pass, to: sink}
)");
}

const InstanceSnapshot* instance(const Snapshot& s, const std::string& component, int index) {
  for (const InstanceSnapshot& i : s.instances) {
    if (i.component == component && i.index == index) return &i;
  }
  return nullptr;
}

bool alive(Runtime& rt, const std::string& component, int index) {
  const Snapshot s = rt.snapshot();
  const InstanceSnapshot* i = instance(s, component, index);
  return i != nullptr && i->alive;
}

uint64_t received(Runtime& rt, const std::string& component, int index) {
  const Snapshot s = rt.snapshot();
  const InstanceSnapshot* i = instance(s, component, index);
  return i == nullptr ? 0 : i->counters.received;
}

TEST(Supervision, AKilledInstanceComesBackAfterItsDelayAndTheRunLosesNothing) {
  TempDir dir;
  const std::string out = dir.file("out.jsonl");
  auto rt = makeRuntime(shuffled("{max: 3, within_s: 60, delay_ms: 300}", out));
  rt->start();
  ASSERT_TRUE(eventually([&] { return received(*rt, "pass", 1) >= 300; }));
  std::string error;
  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(rt->killInstance("pass", 1, &error)) << error;
  EXPECT_FALSE(alive(*rt, "pass", 1));
  ASSERT_TRUE(eventually([&] { return alive(*rt, "pass", 1); }, std::chrono::seconds(10)))
      << "pass#1 was not restarted";
  EXPECT_GE(std::chrono::steady_clock::now() - killed_at, std::chrono::milliseconds(300))
      << "restarted before its delay";
  const uint64_t at_restart = received(*rt, "pass", 1);
  std::vector<RuntimeEvent> events = rt->takeEvents();
  EXPECT_TRUE(hasEvent(events, "restart", "pass#1 restarted (1 of 3 within 60 s)"));
  EXPECT_FALSE(hasEvent(events, "instance-failed", "pass#1"));
  // Back in the shuffle's rotation: it takes work again.
  EXPECT_TRUE(eventually([&] { return received(*rt, "pass", 1) >= at_restart + 300; }))
      << "the restarted instance got no work";
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(30)));
  const auto totals = totalStats(rt->snapshot());
  EXPECT_EQ(totals.at("gen").counters.acked, 6000u);
  EXPECT_EQ(keysInJsonLines(out).size(), 6000u);
}

TEST(Supervision, AnInstanceKilledMoreOftenThanItsPolicyAllowsStaysDeadAndSaysWhy) {
  TempDir dir;
  const std::string out = dir.file("out.jsonl");
  auto rt = makeRuntime(shuffled("{max: 2, within_s: 60, delay_ms: 50}", out, 9000));
  rt->start();
  std::vector<RuntimeEvent> events;
  std::string error;
  for (int kill = 1; kill <= 2; ++kill) {
    ASSERT_TRUE(eventually([&] { return received(*rt, "pass", 2) >= 100u * kill; }));
    ASSERT_TRUE(rt->killInstance("pass", 2, &error)) << error;
    ASSERT_TRUE(eventually([&] {
      drainEvents(*rt, events);
      return hasEvent(events, "restart", "pass#2 restarted (" + std::to_string(kill) + " of 2");
    })) << "restart "
        << kill << " did not happen";
  }
  ASSERT_TRUE(rt->killInstance("pass", 2, &error)) << error;
  ASSERT_TRUE(eventually([&] {
    drainEvents(*rt, events);
    return hasEvent(events, "instance-failed", "pass#2 is dead (restarted 2 times within 60 s)");
  }));
  EXPECT_FALSE(alive(*rt, "pass", 2));
  // The others take its share: the run still completes every tree.
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(30)));
  EXPECT_FALSE(alive(*rt, "pass", 2)) << "a failed instance came back on its own";
  EXPECT_EQ(totalStats(rt->snapshot()).at("gen").counters.acked, 9000u);
  EXPECT_EQ(keysInJsonLines(out).size(), 9000u);
}

TEST(Supervision, RestartNeverKeepsAKillUntilRevived) {
  TempDir dir;
  const std::string out = dir.file("out.jsonl");
  auto rt = makeRuntime(shuffled("never", out, 15000));
  rt->start();
  ASSERT_TRUE(eventually([&] { return received(*rt, "pass", 0) >= 300; }));
  std::string error;
  ASSERT_TRUE(rt->killInstance("pass", 0, &error)) << error;
  std::vector<RuntimeEvent> events;
  ASSERT_TRUE(eventually([&] {
    drainEvents(*rt, events);
    return hasEvent(events, "instance-failed", "pass#0 is dead (restart: never)");
  }));
  EXPECT_FALSE(hasEvent(events, "restart", "pass#0"));
  EXPECT_FALSE(alive(*rt, "pass", 0));
  ASSERT_TRUE(rt->reviveInstance("pass", 0, &error)) << error;
  EXPECT_TRUE(alive(*rt, "pass", 0));
  const uint64_t at_revive = received(*rt, "pass", 0);
  EXPECT_TRUE(eventually([&] { return received(*rt, "pass", 0) >= at_revive + 300; }));
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(30)));
  EXPECT_EQ(totalStats(rt->snapshot()).at("gen").counters.acked, 15000u);
}

TEST(Supervision, AKilledProducerComesBackAndFinishesItsCount) {
  TempDir dir;
  const std::string out = dir.file("out.jsonl");
  auto rt = makeRuntime(shuffled("{max: 3, within_s: 60, delay_ms: 100}", out));
  rt->start();
  auto emitted = [&] {
    const Snapshot s = rt->snapshot();
    const InstanceSnapshot* g = instance(s, "gen", 0);
    return g == nullptr ? uint64_t{0} : g->counters.emitted;
  };
  ASSERT_TRUE(eventually([&] { return emitted() >= 500; }));
  std::string error;
  ASSERT_TRUE(rt->killInstance("gen", 0, &error)) << error;
  ASSERT_TRUE(eventually([&] { return alive(*rt, "gen", 0); }, std::chrono::seconds(10)))
      << "the generator was not restarted";
  EXPECT_TRUE(hasEvent(rt->takeEvents(), "restart", "gen#0 restarted (1 of 3 within 60 s)"));
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(30)));
  EXPECT_EQ(totalStats(rt->snapshot()).at("gen").counters.acked, 6000u);
  EXPECT_EQ(keysInJsonLines(out).size(), 6000u);
}

}  // namespace
}  // namespace topolab::testing
