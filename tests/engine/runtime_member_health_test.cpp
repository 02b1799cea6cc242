// A load balancer's health checks in one process: a member taken out and put
// back, what its in-flight tuples become in each delivery mode, and how the
// members show in the figures and the JSON lines.
#include <gtest/gtest.h>

#include <thread>

#include "runtime/member_health.h"
#include "runtime_test_util.h"
#include "topolab/engine/report.h"

namespace topolab {
namespace {

using testing::makeRuntime;
using testing::parseOrDie;

std::string pool(const std::string& delivery, const std::string& generator, int cost_us = 20) {
  const std::string work = "{cost_us: " + std::to_string(cost_us) + "}";
  return R"(
topolab: 1
name: pool
defaults: {delivery: )" +
         delivery + R"(, ack_timeout_ms: 600000, restart: never}
components:
  - {id: gen, type: generator, params: {)" +
         generator + R"(}}
  - {id: lb, type: load-balancer, params: {policy: round-robin, health_check_ms: 50}}
  - {id: s1, type: work, params: )" +
         work + R"(}
  - {id: s2, type: work, params: )" +
         work + R"(}
  - {id: s3, type: work, params: )" +
         work + R"(}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: lb}
  - {from: lb, to: s1}
  - {from: lb, to: s2}
  - {from: lb, to: s3}
  - {from: s1, to: sink}
  - {from: s2, to: sink}
  - {from: s3, to: sink}
)";
}

const MemberStats& member(const Snapshot& s, const std::string& name) {
  static const MemberStats kNone{"none"};
  for (const auto& i : s.instances) {
    for (const auto& m : i.members) {
      if (m.member == name) return m;
    }
  }
  ADD_FAILURE() << "no member " << name;
  return kNone;
}

TEST(MemberHealth, OneFailedCheckTakesOutOnePassedCheckPutsBack) {
  MemberHealth h(2, 1000, 0);
  EXPECT_TRUE(h.due(0));
  EXPECT_FALSE(h.due(999));
  EXPECT_TRUE(h.due(1000));
  EXPECT_EQ(h.record(1, true), MemberHealth::Change::None);
  EXPECT_EQ(h.record(1, false), MemberHealth::Change::Down);
  EXPECT_EQ(h.inRotation()[1], 0);
  EXPECT_FALSE(h.inRotationNow(1));
  EXPECT_EQ(h.record(1, false), MemberHealth::Change::None);
  EXPECT_EQ(h.record(1, true), MemberHealth::Change::Up);
  EXPECT_TRUE(h.inRotationNow(1));
}

TEST(MemberHealth, RemembersTheNewestTreesHandedToAMember) {
  MemberHealth h(2, 1000, 4);
  Batch b(6);
  for (size_t i = 0; i < b.size(); ++i) b[i].root = 100 + i;
  b[2].root = 0;  // untracked tuples are not trees
  h.handing(b);
  h.handed(0);
  Batch refused(1);
  refused[0].root = 7;
  h.handing(refused);  // a refused hand-over is not remembered
  std::vector<uint64_t> trees;
  h.takeTrees(0, trees);
  EXPECT_EQ(trees, (std::vector<uint64_t>{105, 104, 103, 101})) << "the 4 newest, newest first";
  h.takeTrees(0, trees);
  EXPECT_TRUE(trees.empty()) << "taken once";
  h.takeTrees(1, trees);
  EXPECT_TRUE(trees.empty());
}

TEST(LoadBalancerHealth, RevivedMemberIsPutBackAtTheNextCheck) {
  auto rt = makeRuntime(parseOrDie(pool("at-most-once", "rate: 20000")));
  rt->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::string error;
  ASSERT_TRUE(rt->killInstance("s2", 0, &error)) << error;
  EXPECT_FALSE(rt->reviveInstance("s1", 0, &error)) << "s1 is alive";
  EXPECT_NE(error.find("s1#0 is alive"), std::string::npos) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const Snapshot out = rt->snapshot();
  EXPECT_FALSE(member(out, "s2#0").healthy);
  ASSERT_TRUE(rt->reviveInstance("s2", 0, &error)) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // past a check
  const Snapshot back = rt->snapshot();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const Snapshot later = rt->snapshot();
  EXPECT_TRUE(member(later, "s2#0").healthy);
  const auto delta = intervalStats(back, later);
  EXPECT_GT(delta.at("s2").counters.received, 2000u) << "it gets its share again";
  EXPECT_EQ(delta.at("s2").alive, 1);
  const auto changes = memberChanges(out, later);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].balancer, "lb#0");
  EXPECT_EQ(changes[0].member, "s2#0");
  EXPECT_TRUE(changes[0].healthy);
  EXPECT_TRUE(memberChanges(back, later).empty()) << "no change, no event";
  rt->stop(std::chrono::seconds(2));
}

TEST(LoadBalancerHealth, AtLeastOnceTreesOfAKilledMemberAreReplayedWithoutTheAckTimeout) {
  // ack_timeout_ms is 10 minutes: the run can only end in time if the balancer
  // fails the dead member's trees itself. Members slower than the producer
  // always have a backlog to lose.
  auto rt = makeRuntime(parseOrDie(pool(
      "at-least-once", "rate: 40000, count: 20000, keys: 20000, distribution: sequential", 200)));
  rt->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  std::string error;
  ASSERT_TRUE(rt->killInstance("s3", 0, &error)) << error;
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(20))) << "lost trees were replayed";
  const auto totals = totalStats(rt->snapshot());
  EXPECT_EQ(totals.at("gen").counters.acked, 20000u) << "every tree completes";
  EXPECT_GT(totals.at("gen").counters.replayed, 0u);
  EXPECT_GE(totals.at("sink").counters.received, 20000u) << "at least once";
}

TEST(LoadBalancerHealth, AtMostOnceLossesAtADeadMemberAreErrorsAndNothingVanishes) {
  // Members slower than the producer: s1 always has a backlog to lose.
  auto rt = makeRuntime(parseOrDie(pool("at-most-once", "rate: 20000", 200)));
  rt->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::string error;
  ASSERT_TRUE(rt->killInstance("s1", 0, &error)) << error;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  rt->stop(std::chrono::seconds(2));
  const Snapshot s = rt->snapshot();
  const auto totals = totalStats(s);
  EXPECT_GT(totals.at("s1").counters.dropped, 0u);
  const Counters& s1 = totals.at("s1").counters;
  EXPECT_EQ(s1.errors, s1.dropped + s1.failed)
      << "each tuple lost at the dead member (queued, or mid-batch) is an error";
  EXPECT_TRUE(conservationOf(s).holds()) << "emitted = received + dropped + in flight";
}

TEST(Report, IntervalLineCarriesEachMembersFigures) {
  Snapshot prev, cur;
  InstanceSnapshot lb;
  lb.component = "lb";
  lb.members = {{"s1#0", 100, 3, true}, {"s2#0", 50, 0, true}};
  prev.instances = {lb};
  lb.members = {{"s1#0", 180, 2, true}, {"s2#0", 50, 0, false}};
  cur.instances = {lb};
  cur.t_ms = 1000;
  const std::string line = intervalLine(cur.t_ms, {"lb"}, intervalStats(prev, cur));
  EXPECT_NE(line.find("\"members\":{\"s1#0\":{\"sent\":80,\"outstanding\":2,\"healthy\":true},"
                      "\"s2#0\":{\"sent\":0,\"outstanding\":0,\"healthy\":false}}"),
            std::string::npos)
      << line;
  const std::string summary = summaryLine(1000, {}, {"lb"}, totalStats(cur));
  EXPECT_NE(summary.find("\"s1#0\":{\"sent\":180,"), std::string::npos) << summary;
  const auto changes = memberChanges(prev, cur);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].member, "s2#0");
  EXPECT_FALSE(changes[0].healthy);
}

}  // namespace
}  // namespace topolab
