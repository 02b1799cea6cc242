// The metrics watcher against in-process fake agents: merged rounds, the end
// of a finite run, forwarded events, and agents that stop answering.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "fake_agent.h"
#include "topolab/control/metrics_watcher.h"

namespace topolab::control {
namespace {

using testing::FakeServer;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Collects what the watcher reports, from its thread.
struct Recorder {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<Snapshot, Snapshot>> rounds;
  std::vector<WatchEvent> events;
  std::optional<Snapshot> finished;

  WatchCallbacks callbacks() {
    WatchCallbacks c;
    c.interval = [this](const Snapshot& prev, const Snapshot& cur) {
      std::lock_guard lock(mutex);
      rounds.emplace_back(prev, cur);
      changed.notify_all();
    };
    c.event = [this](const WatchEvent& e) {
      std::lock_guard lock(mutex);
      events.push_back(e);
      changed.notify_all();
    };
    c.finished = [this](const Snapshot& last) {
      std::lock_guard lock(mutex);
      finished = last;
      changed.notify_all();
    };
    return c;
  }

  // Waits up to `timeout` for `pred` (called with the mutex held).
  template <typename Pred>
  bool waitFor(std::chrono::milliseconds timeout, Pred pred) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, pred);
  }

  std::optional<WatchEvent> event(std::string_view kind, std::string_view agent) {
    for (const WatchEvent& e : events) {
      if (e.kind == kind && e.agent == agent) return e;
    }
    return std::nullopt;
  }
};

// Each agent runs `gen#index`, which receives 10 tuples per update until
// update `finish_at`, when its part finishes.
std::function<v1::MetricsUpdate(int)> generatorUpdates(int index, int finish_at) {
  return [index, finish_at](int n) {
    const int k = std::min(n, finish_at);
    v1::MetricsUpdate u;
    u.set_t_ms(k * 100);
    u.set_state(n >= finish_at ? "finished" : "running");
    auto* i = u.add_instances();
    i->set_component("gen");
    i->set_index(static_cast<uint32_t>(index));
    i->set_received(static_cast<uint64_t>(k) * 10);
    i->set_alive(true);
    if (n == 1) {
      auto* e = u.add_events();
      e->set_t_ms(100);
      e->set_kind("deploy");
      e->set_detail("started gen#" + std::to_string(index));
    }
    return u;
  };
}

class MetricsWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_.agent().make_update = generatorUpdates(0, 8);
    b_.agent().make_update = generatorUpdates(1, 8);
    std::string error;
    client_ = ClusterClient::create(testing::clusterOf({&a_, &b_}), &error);
    ASSERT_TRUE(client_) << error;
  }

  MetricsWatcherPtr watch(WatchOptions options = {}) {
    std::string error;
    auto w = MetricsWatcher::start(*client_, "pipe", {"node-a", "node-b"}, recorder_.callbacks(),
                                   options, &error);
    EXPECT_TRUE(w) << error;
    return w;
  }

  FakeServer a_{"node-a"};
  FakeServer b_{"node-b"};
  ClusterClientPtr client_;
  Recorder recorder_;
};

TEST_F(MetricsWatcherTest, MergesEveryAgentUntilAllHaveFinished) {
  auto watcher = watch();
  ASSERT_TRUE(recorder_.waitFor(10s, [&] { return recorder_.finished.has_value(); }));
  const Snapshot& last = *recorder_.finished;
  ASSERT_EQ(last.instances.size(), 2u);
  EXPECT_EQ(last.instances[0].agent, "node-a");
  EXPECT_EQ(last.instances[1].agent, "node-b");
  EXPECT_EQ(totalStats(last).at("gen").counters.received, 160u);
  EXPECT_TRUE(watcher->finished());

  std::lock_guard lock(recorder_.mutex);
  ASSERT_FALSE(recorder_.rounds.empty());
  // Rounds chain: each starts where the previous ended, so intervals add up to the total.
  uint64_t sum = 0;
  for (size_t i = 0; i < recorder_.rounds.size(); ++i) {
    const auto& [prev, cur] = recorder_.rounds[i];
    if (i > 0) {
      EXPECT_EQ(prev.t_ms, recorder_.rounds[i - 1].second.t_ms);
    }
    EXPECT_GT(cur.t_ms, prev.t_ms);
    sum += intervalStats(prev, cur).at("gen").counters.received;
  }
  EXPECT_EQ(sum, 160u);
  EXPECT_EQ(recorder_.rounds.front().first.t_ms, 0);  // counted from the start
  const auto started = recorder_.event("deploy", "node-b");
  ASSERT_TRUE(started);
  EXPECT_EQ(started->detail, "started gen#1");
}

TEST_F(MetricsWatcherTest, AnAgentThatGoesQuietIsReportedLostWithinTwoSecondsAndFoundAgain) {
  a_.agent().make_update = generatorUpdates(0, 1 << 20);
  b_.agent().make_update = generatorUpdates(1, 1 << 20);
  auto watcher = watch();
  ASSERT_TRUE(recorder_.waitFor(5s, [&] { return recorder_.rounds.size() >= 2; }));
  b_.agent().silent = true;
  const auto quiet_since = Clock::now();
  ASSERT_TRUE(
      recorder_.waitFor(5s, [&] { return recorder_.event("agent-lost", "node-b").has_value(); }));
  const auto took = Clock::now() - quiet_since;
  EXPECT_LE(took, 2500ms);  // 2 s without an update, plus one poll and a last in-flight update
  {
    std::lock_guard lock(recorder_.mutex);
    const WatchEvent lost = *recorder_.event("agent-lost", "node-b");
    EXPECT_EQ(lost.detail.rfind("node-b stopped answering at ", 0), 0u) << lost.detail;
    EXPECT_NE(lost.detail.find(": no update for 2."), std::string::npos) << lost.detail;
    EXPECT_FALSE(recorder_.event("agent-lost", "node-a"));
  }
  // Rounds go on with node-a alone, node-b's instance shown not alive.
  ASSERT_TRUE(recorder_.waitFor(3s, [&] {
    const Snapshot& cur = recorder_.rounds.back().second;
    return cur.instances.size() == 2 && !cur.instances[1].alive;
  }));
  // The watcher reopens the stream; once node-b answers again it says so.
  b_.agent().silent = false;
  ASSERT_TRUE(
      recorder_.waitFor(5s, [&] { return recorder_.event("agent-back", "node-b").has_value(); }));
}

TEST_F(MetricsWatcherTest, AnAgentWhoseStreamBreaksIsReportedLostAtOnce) {
  a_.agent().make_update = generatorUpdates(0, 1 << 20);
  b_.agent().make_update = generatorUpdates(1, 1 << 20);
  auto watcher = watch();
  ASSERT_TRUE(recorder_.waitFor(5s, [&] { return !recorder_.rounds.empty(); }));
  const auto died = Clock::now();
  b_.shutdown();
  ASSERT_TRUE(
      recorder_.waitFor(5s, [&] { return recorder_.event("agent-lost", "node-b").has_value(); }));
  EXPECT_LE(Clock::now() - died, 1500ms);
  std::lock_guard lock(recorder_.mutex);
  const WatchEvent lost = *recorder_.event("agent-lost", "node-b");
  EXPECT_NE(lost.detail.find("unreachable at " + b_.address()), std::string::npos) << lost.detail;
  EXPECT_EQ(recorder_.events.end(),
            std::find_if(recorder_.events.begin(), recorder_.events.end(), [](const WatchEvent& e) {
              return e.kind == "agent-lost" && e.agent == "node-a";
            }));
}

TEST_F(MetricsWatcherTest, AttachingCountsFromTheFirstFiguresNotFromZero) {
  a_.agent().make_update = generatorUpdates(0, 1 << 20);
  b_.agent().make_update = generatorUpdates(1, 1 << 20);
  WatchOptions options;
  options.count_from_start = false;
  auto watcher = watch(options);
  ASSERT_TRUE(recorder_.waitFor(5s, [&] { return !recorder_.rounds.empty(); }));
  std::lock_guard lock(recorder_.mutex);
  EXPECT_GT(recorder_.rounds.front().first.instances.size(), 0u);
}

TEST_F(MetricsWatcherTest, AnAgentWithoutTheDeploymentEndsItsPart) {
  b_.agent().watch_status = grpc::Status(grpc::StatusCode::NOT_FOUND, "no deployment 'pipe'");
  auto watcher = watch();
  ASSERT_TRUE(recorder_.waitFor(10s, [&] { return recorder_.finished.has_value(); }));
  std::lock_guard lock(recorder_.mutex);
  const auto gone = recorder_.event("stop", "node-b");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->detail, "node-b no longer runs the deployment: no deployment 'pipe'");
  EXPECT_EQ(totalStats(*recorder_.finished).at("gen").counters.received, 80u);
}

TEST_F(MetricsWatcherTest, NoCallbackRunsAfterStop) {
  a_.agent().make_update = generatorUpdates(0, 1 << 20);
  b_.agent().make_update = generatorUpdates(1, 1 << 20);
  auto watcher = watch();
  ASSERT_TRUE(recorder_.waitFor(5s, [&] { return !recorder_.rounds.empty(); }));
  watcher->stop();
  size_t rounds;
  {
    std::lock_guard lock(recorder_.mutex);
    rounds = recorder_.rounds.size();
  }
  std::this_thread::sleep_for(300ms);
  std::lock_guard lock(recorder_.mutex);
  EXPECT_EQ(recorder_.rounds.size(), rounds);
}

TEST_F(MetricsWatcherTest, RefusesAnAgentOutsideTheCluster) {
  std::string error;
  auto w = MetricsWatcher::start(*client_, "pipe", {"node-x"}, {}, {}, &error);
  EXPECT_FALSE(w);
  EXPECT_EQ(error, "no agent 'node-x' in test-cluster.yaml");
}

}  // namespace
}  // namespace topolab::control
