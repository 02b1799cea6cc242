// The watcher's merge of per-agent cumulative metrics, driven with hand-built
// updates and a hand-moved clock: no threads, no network.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "topolab/engine/metrics.h"
#include "watch_state.h"

namespace topolab::control {
namespace {

using Clock = WatchState::Clock;
using std::chrono::milliseconds;

v1::MetricsUpdate update(int64_t t_ms,
                         std::vector<std::tuple<std::string, int, uint64_t>> instances,
                         std::string state = "running") {
  v1::MetricsUpdate u;
  u.set_t_ms(t_ms);
  u.set_state(std::move(state));
  for (const auto& [component, index, received] : instances) {
    auto* i = u.add_instances();
    i->set_component(component);
    i->set_index(static_cast<uint32_t>(index));
    i->set_received(received);
    i->set_emitted(received);
    i->set_alive(true);
  }
  return u;
}

class WatchStateTest : public ::testing::Test {
 protected:
  Clock::time_point t0_ = Clock::now();
  Clock::time_point at(int ms) const { return t0_ + milliseconds(ms); }
};

TEST_F(WatchStateTest, MergedSnapshotIsTheUnionOfEveryAgentsInstances) {
  WatchState s({"node-a", "node-b"}, at(0));
  s.update("node-b", update(1000, {{"enrich", 1, 30}, {"store", 0, 50}}), at(1000));
  s.update("node-a", update(1001, {{"enrich", 0, 70}}), at(1001));
  const Snapshot m = s.merged();
  ASSERT_EQ(m.instances.size(), 3u);
  EXPECT_EQ(m.instances[0].component, "enrich");
  EXPECT_EQ(m.instances[0].index, 0);
  EXPECT_EQ(m.instances[0].agent, "node-a");
  EXPECT_EQ(m.instances[1].index, 1);
  EXPECT_EQ(m.instances[1].agent, "node-b");
  EXPECT_EQ(m.instances[2].component, "store");
  EXPECT_EQ(m.t_ms, 1001);
  const auto totals = totalStats(m);
  EXPECT_EQ(totals.at("enrich").counters.received, 100u);
  EXPECT_EQ(totals.at("enrich").instances, 2);
}

TEST_F(WatchStateTest, ANewerUpdateReplacesTheAgentsFiguresRatherThanAdding) {
  WatchState s({"node-a", "node-b"}, at(0));
  s.update("node-a", update(1000, {{"enrich", 0, 70}}), at(1000));
  s.update("node-b", update(1000, {{"enrich", 1, 30}}), at(1000));
  const Snapshot first = s.takeRound();
  s.update("node-a", update(2000, {{"enrich", 0, 170}}), at(2000));
  s.update("node-b", update(2000, {{"enrich", 1, 80}}), at(2000));
  const Snapshot second = s.takeRound();
  // Exactly what the two agents added in the interval.
  const auto interval = intervalStats(first, second);
  EXPECT_EQ(interval.at("enrich").counters.received, 150u);
  EXPECT_EQ(totalStats(second).at("enrich").counters.received, 250u);
}

TEST_F(WatchStateTest, ARoundIsDueOnceEveryAnsweringAgentHasReported) {
  WatchState s({"node-a", "node-b"}, at(0));
  EXPECT_FALSE(s.due(at(0), milliseconds(500)));
  s.update("node-a", update(1000, {{"x", 0, 1}}), at(1000));
  EXPECT_FALSE(s.due(at(1001), milliseconds(500)));
  // The first round waits for every agent, however long.
  EXPECT_FALSE(s.due(at(1900), milliseconds(500)));
  s.update("node-b", update(1000, {{"x", 1, 1}}), at(1950));
  EXPECT_TRUE(s.due(at(1950), milliseconds(500)));
  (void)s.takeRound();
  EXPECT_FALSE(s.hasNews());
  // Later rounds wait for a slow agent at most `grace`, or 1.5 times the
  // agents' usual spacing when that is longer (node-a: 1 s).
  s.update("node-a", update(2000, {{"x", 0, 2}}), at(2000));
  EXPECT_FALSE(s.due(at(2400), milliseconds(500)));
  EXPECT_FALSE(s.due(at(3400), milliseconds(500)));
  EXPECT_TRUE(s.due(at(3500), milliseconds(500)));
}

// Three agents sampling every second on their own timers (0, 400 and 800 ms
// apart), each counting 1,000 tuples a second; node-c's updates reach the
// watcher up to 700 ms late and sometimes after node-a's next one. Every
// round's topology rate is within 5 % of 3,000/s: none dips because an update
// was late, none doubles because two arrived together; the totals are exact.
TEST_F(WatchStateTest, LateAndInterleavedUpdatesNeverMakeARoundDipOrDouble) {
  WatchState s({"node-a", "node-b", "node-c"}, at(0));
  struct Arrival {
    int at_ms;
    std::string agent;
    int64_t t_ms;
  };
  std::vector<Arrival> arrivals;
  const int phase[] = {0, 400, 800};
  const char* names[] = {"node-a", "node-b", "node-c"};
  for (int k = 1; k <= 20; ++k) {
    for (int a = 0; a < 3; ++a) {
      const int64_t t = 1000 * k + phase[a];
      const int delay = a == 2 ? (k % 3 == 0 ? 700 : 150) : 5;
      arrivals.push_back({static_cast<int>(t) + delay, names[a], t});
    }
  }
  std::stable_sort(arrivals.begin(), arrivals.end(),
                   [](const Arrival& x, const Arrival& y) { return x.at_ms < y.at_ms; });
  std::optional<Snapshot> prev;
  std::vector<double> rates;
  size_t next = 0;
  for (int now = 0; now <= 23000; ++now) {
    for (; next < arrivals.size() && arrivals[next].at_ms == now; ++next) {
      const Arrival& a = arrivals[next];
      // Cumulative: 1 tuple a millisecond since the start.
      s.update(a.agent, update(a.t_ms, {{a.agent, 0, static_cast<uint64_t>(a.t_ms)}}), at(now));
    }
    if (!s.due(at(now), milliseconds(500))) continue;
    const Snapshot cur = s.takeRound(next == arrivals.size());
    if (prev && cur.t_ms > prev->t_ms) {
      uint64_t received = 0;
      for (const auto& [id, st] : intervalStats(*prev, cur)) received += st.counters.received;
      rates.push_back(static_cast<double>(received) * 1000.0 /
                      static_cast<double>(cur.t_ms - prev->t_ms));
    }
    prev = cur;
  }
  ASSERT_GE(rates.size(), 15u);
  for (size_t i = 0; i < rates.size(); ++i) {
    EXPECT_NEAR(rates[i], 3000.0, 150.0) << "round " << i + 1;
  }
  // The last round caught up: every agent's final figures, exactly.
  ASSERT_TRUE(prev);
  EXPECT_EQ(totalStats(*prev).at("node-c").counters.received, 20800u);
  EXPECT_EQ(totalStats(*prev).at("node-a").counters.received, 20000u);
}

TEST_F(WatchStateTest, ALostAgentNoLongerHoldsRoundsUpAndItsInstancesAreNotAlive) {
  WatchState s({"node-a", "node-b"}, at(0));
  s.update("node-a", update(1000, {{"x", 0, 1}}), at(1000));
  s.update("node-b", update(1000, {{"x", 1, 1}}), at(1000));
  (void)s.takeRound();
  EXPECT_TRUE(s.lost("node-b", "unreachable", at(1500)));
  EXPECT_FALSE(s.lost("node-b", "unreachable", at(1600)));  // reported once
  s.update("node-a", update(2000, {{"x", 0, 2}}), at(2000));
  EXPECT_TRUE(s.due(at(2000), milliseconds(500)));
  const Snapshot m = s.takeRound();
  ASSERT_EQ(m.instances.size(), 2u);
  EXPECT_TRUE(m.instances[0].alive);
  EXPECT_FALSE(m.instances[1].alive);  // node-b's, kept with its last figures
  EXPECT_EQ(m.instances[1].counters.received, 1u);

  const auto events = s.takeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "agent-lost");
  EXPECT_EQ(events[0].agent, "node-b");
  EXPECT_EQ(events[0].detail, "node-b stopped answering at 1.5 s: unreachable");
  EXPECT_EQ(events[0].t_ms, 1500);

  s.update("node-b", update(3000, {{"x", 1, 5}}), at(3000));
  const auto back = s.takeEvents();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].kind, "agent-back");
  EXPECT_TRUE(s.merged().instances[1].alive);
}

TEST_F(WatchStateTest, AQuietAgentIsFoundAfterTwiceItsSpacingOrTheMinimum) {
  WatchState s({"node-a", "node-b"}, at(0));
  EXPECT_TRUE(s.quiet(at(2000), milliseconds(2000)).empty());
  // Neither answered at all within the limit.
  EXPECT_EQ(s.quiet(at(2001), milliseconds(2000)).size(), 2u);
  s.update("node-a", update(0, {}), at(2100));
  s.update("node-a", update(3000, {}), at(5100));  // a 3 s metrics interval
  s.update("node-b", update(0, {}), at(5100));
  const auto at_7200 = s.quiet(at(7200), milliseconds(2000));
  ASSERT_EQ(at_7200.size(), 1u);
  EXPECT_EQ(at_7200[0].first, "node-b");
  EXPECT_EQ(at_7200[0].second, milliseconds(2100));
  // node-a is quiet only after 6 s, twice its spacing.
  EXPECT_EQ(s.quiet(at(11000), milliseconds(2000)).size(), 1u);
  EXPECT_EQ(s.quiet(at(11200), milliseconds(2000)).size(), 2u);
}

TEST_F(WatchStateTest, EventsAreForwardedWithTheirAgent) {
  WatchState s({"node-a"}, at(0));
  v1::MetricsUpdate u = update(4200, {});
  auto* e = u.add_events();
  e->set_t_ms(4100);
  e->set_kind("fault");
  e->set_detail("killed enrich#1 on node-a");
  s.update("node-a", u, at(4200));
  const auto events = s.takeEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].t_ms, 4100);
  EXPECT_EQ(events[0].agent, "node-a");
  EXPECT_EQ(events[0].kind, "fault");
  EXPECT_EQ(events[0].detail, "killed enrich#1 on node-a");
  EXPECT_TRUE(s.takeEvents().empty());
}

TEST_F(WatchStateTest, AReopenedStreamsEventHistoryIsNotPassedOnAgain) {
  WatchState s({"node-a"}, at(0));
  auto withEvents = [](int64_t t_ms, std::vector<std::pair<int64_t, std::string>> events) {
    v1::MetricsUpdate u = update(t_ms, {});
    for (const auto& [at_ms, detail] : events) {
      auto* e = u.add_events();
      e->set_t_ms(at_ms);
      e->set_kind("deploy");
      e->set_detail(detail);
    }
    return u;
  };
  s.update("node-a", withEvents(500, {{0, "started 1 instances on node-a"}}), at(500));
  ASSERT_EQ(s.takeEvents().size(), 1u);
  // The link was cut: the stream is reopened and the agent sends its whole
  // history first, with what happened meanwhile.
  EXPECT_TRUE(s.lost("node-a", "no update for 2.0 s", at(3000)));
  s.update("node-a",
           withEvents(6000, {{0, "started 1 instances on node-a"},
                             {4000, "started 2 instances on node-a"}}),
           at(6000));
  const auto events = s.takeEvents();  // in time order
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, "agent-lost");
  EXPECT_EQ(events[1].detail, "started 2 instances on node-a");
  EXPECT_EQ(events[2].kind, "agent-back");
}

TEST_F(WatchStateTest, FinishedOnceEveryAgentsPartIsOver) {
  WatchState s({"node-a", "node-b", "node-c"}, at(0));
  s.update("node-a", update(1000, {{"x", 0, 1}}, "finished"), at(1000));
  EXPECT_FALSE(s.finished());
  s.update("node-b", update(1000, {{"x", 1, 1}}, "stopped"), at(1000));
  EXPECT_FALSE(s.finished());
  s.gone("node-c", "no deployment 'x' on this agent", at(1000));
  EXPECT_TRUE(s.finished());
  // A finished agent is never reported lost.
  EXPECT_FALSE(s.lost("node-a", "stream ended", at(1100)));
  EXPECT_TRUE(s.quiet(at(60000), milliseconds(2000)).empty());
}

TEST_F(WatchStateTest, UnknownAgentsAreIgnored) {
  WatchState s({"node-a"}, at(0));
  s.update("node-z", update(1000, {{"x", 0, 1}}), at(1000));
  EXPECT_FALSE(s.hasNews());
  EXPECT_TRUE(s.merged().instances.empty());
}

}  // namespace
}  // namespace topolab::control
