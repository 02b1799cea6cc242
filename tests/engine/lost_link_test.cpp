// A shuffle that sends to an instance on another agent fails at once, in
// at-least-once, the trees it lately sent there when that agent's link is
// lost, so their producers replay them to the instances left instead of
// waiting out ack_timeout_ms. The other agent is a stand-in here: a peer that
// takes every batch and never answers, until the test cuts it off.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "runtime_test_util.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/remote.h"

namespace topolab::testing {
namespace {

class SwallowingPeer final : public RemotePeer {
 public:
  bool trySend(uint32_t, uint32_t, Batch& batch, const EmitSpan&,
               std::function<void()> wake) override {
    if (refusing_.load(std::memory_order_relaxed)) {  // out of credit: the batch stays
      std::lock_guard lock(mu_);
      wake_ = std::move(wake);
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    swallowed_.fetch_add(batch.size(), std::memory_order_relaxed);
    batch.clear();
    return true;
  }
  void sendEndOfInput(uint32_t, uint32_t) override {}
  void sendAcks(std::vector<AckOp>) override {}
  int64_t inFlight(uint32_t) const override { return 0; }
  bool reachable() const override { return reachable_.load(std::memory_order_relaxed); }
  bool healthy(uint32_t) const override {
    return reachable() && probe_passes_.load(std::memory_order_relaxed);
  }

  // The link is lost: blocked senders look again, as a broken stream wakes them.
  void cut() {
    reachable_.store(false, std::memory_order_relaxed);
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      wake.swap(wake_);
    }
    if (wake) wake();
  }
  // Its probes stop answering (they time out before the stream is known lost).
  void failProbes() { probe_passes_.store(false, std::memory_order_relaxed); }
  // No more credit: batches wait in the sender's outbox.
  void refuse() { refusing_.store(true, std::memory_order_relaxed); }
  uint64_t swallowed() const { return swallowed_.load(std::memory_order_relaxed); }
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> reachable_{true};
  std::atomic<bool> probe_passes_{true};
  std::atomic<bool> refusing_{false};
  std::atomic<uint64_t> swallowed_{0};
  std::atomic<uint64_t> refused_{0};
  std::mutex mu_;
  std::function<void()> wake_;
};

uint64_t producerAcked(Runtime& rt) {
  for (const InstanceSnapshot& i : rt.snapshot().instances) {
    if (i.component == "gen") return i.counters.acked;
  }
  return 0;
}

// gen on node-a sends half its 4000 trees to pass#1 on `node_b`; `lose` takes
// the link away at some point; then every tree must be acked long before the
// 600 s ack timeout, and at least `min_replayed` of them replayed.
void expectEveryTreeAckedSoon(SwallowingPeer& node_b, const std::function<void(Runtime&)>& lose,
                              uint64_t min_replayed) {
  const Topology t = parseOrDie(R"(
topolab: 1
name: lost-link
defaults: {delivery: at-least-once, ack_timeout_ms: 600000}
components:
  - {id: gen, type: generator, params: {rate: 4000, count: 4000, keys: 4000, distribution: sequential}, placement: [node-a]}
  - {id: pass, type: work, parallelism: 2, placement: [node-a, node-b]}
  - {id: sink, type: counter, placement: [node-a]}
streams:
  - {from: gen, to: pass}
  - {from: pass, to: sink}
)");
  std::string error;
  const auto plan = planDeployment(t, {"node-a", "node-b"}, &error);
  ASSERT_TRUE(plan) << error;
  Distribution d{*plan, "node-a", {{"node-b", &node_b}}};
  RunOptions options;
  options.seed = 7;
  auto rt = Runtime::create(t, Catalogue::instance(), options, d, &error);
  ASSERT_NE(rt, nullptr) << error;
  rt->start();
  // Half the trees go to pass#1 on node-b, which never answers.
  ASSERT_TRUE(eventually([&] { return node_b.swallowed() >= 500; }));
  lose(*rt);
  // Without the link's trees failing at once they would wait 600 s.
  EXPECT_TRUE(eventually([&] { return producerAcked(*rt) == 4000; }, std::chrono::seconds(20)))
      << "acked " << producerAcked(*rt) << " of 4000";
  const auto totals = totalStats(rt->snapshot());
  EXPECT_GE(totals.at("gen").counters.replayed, min_replayed);
  rt->stop(std::chrono::seconds(1));
}

TEST(LostLink, TreesSentToAnAgentWhoseLinkIsLostFailAtOnceAndReplayHere) {
  SwallowingPeer node_b;
  expectEveryTreeAckedSoon(
      node_b, [&](Runtime&) { node_b.cut(); }, 500);
}

// The probe of pass#1 times out first, so gen routes around it; the stream is
// found broken only later. The trees it swallowed must still fail then.
TEST(LostLink, TreesFailWhenTheLinkIsLostAfterTheProbeAlreadyFailed) {
  SwallowingPeer node_b;
  expectEveryTreeAckedSoon(
      node_b,
      [&](Runtime& rt) {
        node_b.failProbes();
        // gen has stopped sending there: it goes on emitting, node-b gets no more.
        const uint64_t before = node_b.swallowed();
        const uint64_t emitted = totalStats(rt.snapshot()).at("gen").counters.emitted;
        ASSERT_TRUE(eventually(
            [&] { return totalStats(rt.snapshot()).at("gen").counters.emitted >= emitted + 400; }));
        EXPECT_LE(node_b.swallowed(), before + 2 * 1024) << "gen kept sending to pass#1";
        node_b.cut();
      },
      500);
}

// gen's batch for pass#1 waits in its outbox for credit when the link is
// lost: those trees were never sent, and fail at once too.
TEST(LostLink, TreesHeldForALostAgentFailAtOnce) {
  SwallowingPeer node_b;
  expectEveryTreeAckedSoon(
      node_b,
      [&](Runtime&) {
        node_b.refuse();
        ASSERT_TRUE(eventually([&] { return node_b.refused() >= 1; }));
        node_b.cut();
      },
      500);
}

}  // namespace
}  // namespace topolab::testing
