// A shuffle that sends to an instance on another agent fails at once, in
// at-least-once, the trees it lately sent there when that agent's link is
// lost, so their producers replay them to the instances left instead of
// waiting out ack_timeout_ms. The other agent is a stand-in here: a peer that
// takes every batch and never answers, until the test cuts it off.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "runtime_test_util.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/remote.h"

namespace topolab::testing {
namespace {

class SwallowingPeer final : public RemotePeer {
 public:
  bool trySend(uint32_t, uint32_t, Batch& batch, std::function<void()>) override {
    swallowed_.fetch_add(batch.size(), std::memory_order_relaxed);
    batch.clear();
    return true;
  }
  void sendEndOfInput(uint32_t, uint32_t) override {}
  void sendAcks(std::vector<AckOp>) override {}
  int64_t inFlight(uint32_t) const override { return 0; }
  bool reachable() const override { return reachable_.load(std::memory_order_relaxed); }

  void cut() { reachable_.store(false, std::memory_order_relaxed); }
  uint64_t swallowed() const { return swallowed_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> reachable_{true};
  std::atomic<uint64_t> swallowed_{0};
};

uint64_t producerAcked(Runtime& rt) {
  for (const InstanceSnapshot& i : rt.snapshot().instances) {
    if (i.component == "gen") return i.counters.acked;
  }
  return 0;
}

TEST(LostLink, TreesSentToAnAgentWhoseLinkIsLostFailAtOnceAndReplayHere) {
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
  SwallowingPeer node_b;
  Distribution d{*plan, "node-a", {{"node-b", &node_b}}};
  RunOptions options;
  options.seed = 7;
  auto rt = Runtime::create(t, Catalogue::instance(), options, d, &error);
  ASSERT_NE(rt, nullptr) << error;
  rt->start();
  // Half the trees go to pass#1 on node-b, which never answers.
  ASSERT_TRUE(eventually([&] { return node_b.swallowed() >= 500; }));
  node_b.cut();
  // Without the link's trees failing at once they would wait 600 s.
  EXPECT_TRUE(eventually([&] { return producerAcked(*rt) == 4000; }, std::chrono::seconds(20)))
      << "acked " << producerAcked(*rt) << " of 4000";
  const auto totals = totalStats(rt->snapshot());
  EXPECT_GE(totals.at("gen").counters.replayed, 500u);
  rt->stop(std::chrono::seconds(1));
}

}  // namespace
}  // namespace topolab::testing
