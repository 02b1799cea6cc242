// Exact aggregation from hand-built instance snapshots: interval deltas,
// totals, the topology merge, percentiles in µs and the conservation check.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "topolab/engine/metrics.h"

namespace topolab {
namespace {

Histogram histogramOf(std::initializer_list<uint64_t> values) {
  Histogram h;
  for (uint64_t v : values) h.record(v);
  return h;
}

InstanceSnapshot instance(std::string component, int index, Counters c, int64_t queue = 0,
                          uint64_t blocked_ns = 0) {
  InstanceSnapshot s;
  s.component = std::move(component);
  s.index = index;
  s.counters = c;
  s.queue = queue;
  s.blocked_ns = blocked_ns;
  return s;
}

// events (2 instances) → enrich (2, then 3) → store (sink).
Snapshot previous() {
  Snapshot s;
  s.t_ms = 1000;
  s.instances.push_back(instance("events", 0, {.emitted = 100, .acked = 90}));
  s.instances.push_back(instance("events", 1, {.emitted = 200, .acked = 190, .replayed = 3}));
  InstanceSnapshot e0 =
      instance("enrich", 0, {.received = 150, .emitted = 140, .errors = 10}, 5, 1'000'000);
  e0.latency = histogramOf({10, 20});
  InstanceSnapshot e1 = instance("enrich", 1, {.received = 140, .emitted = 140}, 2, 0);
  e1.latency = histogramOf({30});
  InstanceSnapshot st = instance("store", 0, {.received = 270, .acked = 270});
  st.is_sink = true;
  st.e2e = histogramOf({1000, 2000});
  s.instances.insert(s.instances.end(), {e0, e1, st});
  return s;
}

Snapshot current() {
  Snapshot s;
  s.t_ms = 2000;
  s.instances.push_back(instance("events", 0, {.emitted = 250, .acked = 240}));
  InstanceSnapshot ev1 = instance("events", 1, {.emitted = 260, .acked = 250, .replayed = 5});
  ev1.alive = false;
  s.instances.push_back(ev1);
  InstanceSnapshot e0 =
      instance("enrich", 0, {.received = 300, .emitted = 285, .errors = 15}, 7, 3'500'000);
  e0.latency = histogramOf({10, 20, 40, 50});
  e0.latency.setMax(50);  // the interval's max
  InstanceSnapshot e1 = instance("enrich", 1, {.received = 190, .emitted = 190}, 0, 500);
  e1.latency = histogramOf({30, 60});
  e1.latency.setMax(60);
  InstanceSnapshot e2 = instance("enrich", 2, {.received = 20, .emitted = 20}, 1, 0);
  e2.latency = histogramOf({70});
  InstanceSnapshot st = instance("store", 0, {.received = 480, .acked = 480}, 3, 0);
  st.is_sink = true;
  st.e2e = histogramOf({1000, 2000, 3000});
  st.e2e.setMax(3000);
  s.instances.insert(s.instances.end(), {e0, e1, e2, st});
  return s;
}

TEST(Counters, AddAndSubtractEveryField) {
  Counters a{.received = 10,
             .emitted = 9,
             .acked = 8,
             .failed = 7,
             .errors = 6,
             .replayed = 5,
             .dropped = 4};
  Counters b{.received = 1,
             .emitted = 2,
             .acked = 3,
             .failed = 4,
             .errors = 5,
             .replayed = 4,
             .dropped = 3};
  Counters sum = a;
  sum += b;
  EXPECT_EQ(sum, (Counters{11, 11, 11, 11, 11, 9, 7}));
  EXPECT_EQ(sum - b, a);
  EXPECT_EQ(a - b, (Counters{9, 7, 5, 3, 1, 1, 1}));
}

TEST(Counters, SubtractionSaturatesForARestartedInstance) {
  Counters before{.received = 100, .emitted = 100};
  Counters after{.received = 5, .emitted = 120};
  EXPECT_EQ(after - before, (Counters{.received = 0, .emitted = 20}));
}

TEST(IntervalStats, SubtractsCountersAndHistogramsPerComponent) {
  auto stats = intervalStats(previous(), current());
  ASSERT_EQ(stats.size(), 3u);

  const ComponentStats& events = stats.at("events");
  EXPECT_EQ(events.counters, (Counters{.emitted = 210, .acked = 210, .replayed = 2}));
  EXPECT_EQ(events.instances, 2);
  EXPECT_EQ(events.alive, 1);
  EXPECT_FALSE(events.is_sink);

  const ComponentStats& enrich = stats.at("enrich");
  // enrich#2 is new: it counts from 0.
  EXPECT_EQ(enrich.counters,
            (Counters{.received = 150 + 50 + 20, .emitted = 145 + 50 + 20, .errors = 5}));
  EXPECT_EQ(enrich.queue, 7 + 0 + 1);  // current depth, not a delta
  EXPECT_EQ(enrich.blocked_ns, 2'500'000u + 500u);
  EXPECT_EQ(enrich.instances, 3);
  EXPECT_EQ(enrich.alive, 3);
  // Interval samples: 40, 50 (enrich#0), 60 (#1), 70 (#2).
  Histogram expected = histogramOf({40, 50, 60, 70});
  EXPECT_TRUE(enrich.latency.buckets() == expected.buckets());
  EXPECT_EQ(enrich.latency.count(), 4u);
  EXPECT_EQ(enrich.latency.max(), 70u);
  EXPECT_EQ(enrich.latency.quantile(0.5), 50u);
  EXPECT_TRUE(enrich.e2e.empty());

  const ComponentStats& store = stats.at("store");
  EXPECT_EQ(store.counters, (Counters{.received = 210, .acked = 210}));
  EXPECT_TRUE(store.is_sink);
  EXPECT_EQ(store.e2e.count(), 1u);
  EXPECT_EQ(store.e2e.max(), 3000u);
  EXPECT_NEAR(static_cast<double>(store.e2e.quantile(0.99)), 3000.0, 3000.0 / 256);
  EXPECT_EQ(store.queue, 3);
}

TEST(IntervalStats, FirstIntervalCountsFromZero) {
  auto stats = intervalStats(Snapshot{}, previous());
  EXPECT_EQ(stats.at("enrich").counters.received, 290u);
  EXPECT_EQ(stats.at("enrich").latency.count(), 3u);
  EXPECT_EQ(stats.at("store").e2e.count(), 2u);
}

TEST(IntervalStats, ComponentWhoseInstancesVanishedKeepsAZeroRow) {
  Snapshot cur = current();
  std::erase_if(cur.instances, [](const InstanceSnapshot& i) { return i.component == "store"; });
  auto stats = intervalStats(previous(), cur);
  ASSERT_TRUE(stats.contains("store"));
  EXPECT_EQ(stats.at("store").counters, Counters{});
  EXPECT_EQ(stats.at("store").instances, 0);
  EXPECT_TRUE(stats.at("store").is_sink);
}

TEST(TotalStats, SumsCumulativeCountersAndMergesHistograms) {
  auto totals = totalStats(current());
  const ComponentStats& enrich = totals.at("enrich");
  EXPECT_EQ(enrich.counters, (Counters{.received = 510, .emitted = 495, .errors = 15}));
  EXPECT_EQ(enrich.blocked_ns, 3'500'500u);
  EXPECT_EQ(enrich.latency.count(), 7u);
  EXPECT_EQ(enrich.latency.max(), 70u);
  EXPECT_EQ(totals.at("store").e2e.count(), 3u);
  EXPECT_EQ(totals.at("events").counters.emitted, 510u);
}

TEST(TotalStats, MaxIsNeverBelowTheRunsLargestBucket) {
  // A cumulative snapshot whose last interval was quiet: its max is stale.
  Snapshot s;
  InstanceSnapshot i = instance("work", 0, {.received = 2});
  i.latency = histogramOf({100, 5'000'000});
  i.latency.setMax(0);
  s.instances.push_back(i);
  Histogram h = totalStats(s).at("work").latency;
  uint64_t top = Histogram::bucketOf(5'000'000);
  EXPECT_GE(h.max(), Histogram::bucketLow(top));
  EXPECT_LE(h.max(), Histogram::bucketHigh(top));
  EXPECT_NEAR(static_cast<double>(h.quantile(0.99)), 5e6, 5e6 / 256);
}

TEST(TopologyStats, MergesExactlyNeverAveragesPercentiles) {
  std::map<std::string, ComponentStats> per;
  per["a"].latency = histogramOf({10, 10, 10, 10, 10, 10, 10, 10, 10, 10});
  per["a"].counters.received = 10;
  per["a"].instances = 2;
  per["a"].alive = 2;
  per["b"].latency = histogramOf({100});
  per["b"].counters.received = 1;
  per["b"].queue = 4;
  per["b"].instances = 1;
  per["b"].is_sink = true;
  per["b"].e2e = histogramOf({5});
  ComponentStats all = topologyStats(per);
  EXPECT_EQ(all.counters.received, 11u);
  EXPECT_EQ(all.queue, 4);
  EXPECT_EQ(all.instances, 3);
  EXPECT_EQ(all.alive, 2);
  EXPECT_TRUE(all.is_sink);
  EXPECT_EQ(all.latency.count(), 11u);
  // The average of the two p50s would be 55; the merged p50 is 10.
  EXPECT_EQ(all.latency.quantile(0.5), 10u);
  EXPECT_EQ(all.latency.quantile(1.0), 100u);
  EXPECT_EQ(all.e2e.count(), 1u);
}

TEST(Percentiles, InMicrosecondsRoundedToATenth) {
  Histogram h;
  h.record(100, 98);
  h.record(200);
  h.record(250);
  Percentiles p = percentilesUs(h);
  EXPECT_DOUBLE_EQ(p.p50, 0.1);
  EXPECT_DOUBLE_EQ(p.p90, 0.1);
  EXPECT_DOUBLE_EQ(p.p99, 0.2);
  EXPECT_DOUBLE_EQ(p.p999, 0.3);  // 250 ns rounds up
  EXPECT_DOUBLE_EQ(p.max, 0.3);

  Histogram slow;
  slow.record(21'340);
  EXPECT_DOUBLE_EQ(percentilesUs(slow).p50, 21.3);
  EXPECT_DOUBLE_EQ(percentilesUs(slow).max, 21.3);

  Percentiles none = percentilesUs(Histogram{});
  EXPECT_EQ(none.p50, 0);
  EXPECT_EQ(none.max, 0);
}

// emitted = 250 + 260 + 285 + 190 + 20 = 1005; received downstream = 300 +
// 190 + 20 + 480 = 990; queued = 7 + 0 + 1 + 3 = 11; so 4 were dropped.
Snapshot withDrops(uint64_t dropped) {
  Snapshot s = current();
  for (InstanceSnapshot& i : s.instances) {
    if (i.component == "enrich" && i.index == 1) i.counters.dropped = dropped;
  }
  return s;
}

TEST(Conservation, HoldsWhenEveryTupleIsReceivedQueuedOrCountedAsDropped) {
  Conservation c = conservationOf(withDrops(4));
  EXPECT_EQ(c.emitted, 1005u);
  EXPECT_EQ(c.delivered, 990u);
  EXPECT_EQ(c.in_flight, 11);
  EXPECT_EQ(c.dropped, 4u);
  EXPECT_TRUE(c.holds());
}

TEST(Conservation, FailsWhenATupleIsLostWithoutBeingCounted) {
  EXPECT_FALSE(conservationOf(withDrops(3)).holds());
  EXPECT_FALSE(conservationOf(withDrops(5)).holds());
  // Tuples in an outbox are in flight too; the caller adds them.
  Conservation c = conservationOf(withDrops(0));
  EXPECT_FALSE(c.holds());
  c.in_flight += 4;
  EXPECT_TRUE(c.holds());
}

// Two postgres-sink instances: db#0 wrote 3 batches more in the interval,
// db#1 lost its server and reconnected once, and is disconnected again now.
Snapshot databaseSnapshot(bool later) {
  Snapshot s;
  s.t_ms = later ? 2000 : 1000;
  for (int i = 0; i < 2; ++i) {
    InstanceSnapshot db = instance("db", i, {});
    db.is_sink = true;
    DatabaseStats d;
    d.rows = later ? 5000 : 2000;
    d.commits = later ? 5 : 2;
    d.commit_latency = histogramOf({4'000'000, 6'000'000});
    d.batch_rows = histogramOf({1000, 1000});
    if (later) {
      d.commit_latency.record(8'000'000, 3);
      d.batch_rows.record(1000, 3);
    }
    if (i == 1) {
      d.rows = 1000;
      d.commits = 1;
      d.commit_latency = histogramOf({2'000'000});
      d.batch_rows = histogramOf({1000});
      d.failed_batches = later ? 4 : 0;
      d.reconnects = later ? 1 : 0;
      d.disconnected = later ? 1 : 0;
    }
    db.database = d;
    s.instances.push_back(db);
  }
  return s;
}

TEST(IntervalStats, DatabaseSinksCountTheIntervalAndTellWhoIsDisconnectedNow) {
  const auto stats = intervalStats(databaseSnapshot(false), databaseSnapshot(true));
  ASSERT_TRUE(stats.at("db").database);
  const DatabaseStats& d = *stats.at("db").database;
  EXPECT_EQ(d.rows, 3000u);
  EXPECT_EQ(d.commits, 3u);
  EXPECT_EQ(d.failed_batches, 4u);
  EXPECT_EQ(d.reconnects, 1u);
  EXPECT_EQ(d.disconnected, 1);
  EXPECT_FALSE(d.connected());
  EXPECT_EQ(d.commit_latency.count(), 3u);  // db#0's three 8 ms commits; db#1 none
  EXPECT_NEAR(static_cast<double>(d.commit_latency.quantile(0.5)), 8e6, 8e6 / 256);
  EXPECT_EQ(d.batch_rows.count(), 3u);
  // A component without database figures has none.
  EXPECT_FALSE(intervalStats(previous(), current()).at("store").database);
}

TEST(TotalStats, DatabaseSinksAddUpAndMergeHistograms) {
  const auto stats = totalStats(databaseSnapshot(true));
  const DatabaseStats& d = *stats.at("db").database;
  EXPECT_EQ(d.rows, 6000u);
  EXPECT_EQ(d.commits, 6u);
  EXPECT_EQ(d.reconnects, 1u);
  EXPECT_EQ(d.disconnected, 1);
  EXPECT_EQ(d.commit_latency.count(), 6u);
  EXPECT_EQ(d.batch_rows.quantile(0.5), 1000u);
  // And into the topology: still one disconnected instance.
  ComponentStats all = topologyStats(stats);
  ASSERT_TRUE(all.database);
  EXPECT_EQ(all.database->disconnected, 1);
  EXPECT_EQ(all.database->rows, 6000u);
}

}  // namespace
}  // namespace topolab
