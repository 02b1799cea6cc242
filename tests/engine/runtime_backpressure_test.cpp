// Back pressure: a slow bolt slows its producer; queues stay at their caps,
// memory stays bounded and nothing is dropped.
#include <unistd.h>

#include <fstream>
#include <thread>

#include "runtime_test_util.h"

namespace topolab {
namespace {

int64_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

TEST(BackPressure, FastProducerIntoSlowBoltStaysBoundedForTenSeconds) {
  const Topology t = testing::parseOrDie(R"(
topolab: 1
name: backpressure
components:
  - {id: gen, type: generator, params: {rate: 0, payload_bytes: 256}}
  - {id: slow, type: work, parallelism: 2, params: {cost_us: 100}}
  - {id: sink, type: counter}
streams:
  - {from: gen, to: slow}
  - {from: slow, to: sink}
)");
  RunOptions options;
  options.queue_capacity = 8192;
  options.batch_size = 256;
  auto rt = testing::makeRuntime(t, options);
  rt->start();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const int64_t rss_warm = residentBytes();
  int64_t rss_max = rss_warm;
  Snapshot last;
  for (int i = 0; i < 16; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    last = rt->snapshot();
    for (const auto& inst : last.instances) {
      // A queue may exceed its cap by at most the one batch it accepted when nearly full.
      EXPECT_LE(inst.queue, static_cast<int64_t>(options.queue_capacity + options.batch_size))
          << inst.component << "#" << inst.index;
    }
    rss_max = std::max(rss_max, residentBytes());
  }
  const auto totals = totalStats(last);
  // The producer is held back to the bolts' pace (2 × 10,000/s), not its own.
  const double seconds = last.t_ms / 1000.0;
  EXPECT_LT(totals.at("gen").counters.emitted / seconds, 40000.0);
  EXPECT_GT(totals.at("slow").counters.received / seconds, 10000.0);
  EXPECT_GT(totals.at("gen").blocked_ns, 1'000'000'000u) << "the producer spent its time blocked";
  EXPECT_GT(totals.at("slow").queue, 0);
  EXPECT_LT(rss_max - rss_warm, 64ll << 20) << "resident memory stays bounded";

  const StopResult stop = rt->stop(std::chrono::seconds(10));
  EXPECT_TRUE(stop.drained);
  const Snapshot end = rt->snapshot();
  const Conservation c = conservationOf(end);
  EXPECT_EQ(c.dropped, 0u);
  EXPECT_EQ(c.in_flight, 0);
  EXPECT_TRUE(c.holds()) << c.emitted << " vs " << c.delivered;
  const auto final_totals = totalStats(end);
  EXPECT_EQ(final_totals.at("sink").counters.received, final_totals.at("gen").counters.emitted)
      << "nothing dropped";
  EXPECT_EQ(final_totals.at("slow").counters.errors, 0u);
}

}  // namespace
}  // namespace topolab
