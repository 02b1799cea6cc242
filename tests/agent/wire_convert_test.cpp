// Metrics across the agent wire: what an instance reports reaches a watcher
// unchanged (topolab/wire/convert.h).
#include <gtest/gtest.h>

#include "topolab/wire/convert.h"

namespace topolab::wire {
namespace {

InstanceSnapshot roundTrip(const InstanceSnapshot& s) {
  v1::InstanceMetrics m;
  toProto(s, &m);
  return fromProto(m, "node-b");
}

TEST(WireConvert, DatabaseSinkFiguresReachTheWatcher) {
  InstanceSnapshot db;
  db.component = "db";
  db.index = 1;
  db.is_sink = true;
  DatabaseStats d;
  d.disconnected = 1;
  d.rows = 2500;
  d.commits = 3;
  d.failed_batches = 4;
  d.reconnects = 2;
  d.commit_latency.record(4'000'000, 2);
  d.commit_latency.record(9'000'000);
  d.batch_rows.record(1000, 2);
  d.batch_rows.record(500);
  db.database = d;

  const InstanceSnapshot got = roundTrip(db);
  EXPECT_EQ(got.agent, "node-b");
  ASSERT_TRUE(got.database);
  EXPECT_FALSE(got.database->connected());
  EXPECT_EQ(got.database->disconnected, 1);
  EXPECT_EQ(got.database->rows, 2500u);
  EXPECT_EQ(got.database->commits, 3u);
  EXPECT_EQ(got.database->failed_batches, 4u);
  EXPECT_EQ(got.database->reconnects, 2u);
  EXPECT_EQ(got.database->commit_latency.buckets(), d.commit_latency.buckets());
  EXPECT_EQ(got.database->commit_latency.max(), 9'000'000u);
  EXPECT_EQ(got.database->batch_rows.buckets(), d.batch_rows.buckets());

  db.database->disconnected = 0;
  EXPECT_TRUE(roundTrip(db).database->connected());
}

TEST(WireConvert, AnInstanceWithoutADatabaseHasNoDatabaseFigures) {
  InstanceSnapshot counter;
  counter.component = "count";
  counter.is_sink = true;
  EXPECT_FALSE(roundTrip(counter).database);
}

TEST(WireConvert, ErrorSamplesReachTheWatcherInOrder) {
  InstanceSnapshot work;
  work.component = "work";
  work.index = 2;
  work.counters.errors = 7;
  work.errors = {{41, 1'700'000'000'123'456'789, "simulated failure (error_rate 0.01)", "k17"},
                 {42, 1'700'000'001'000'000'000, "the program reported: \"bad\"\n", ""},
                 {43, 1'700'000'002'000'000'000, "binary key", std::string("k\0\xff", 3)}};
  const InstanceSnapshot got = roundTrip(work);
  EXPECT_EQ(got.errors, work.errors);
  EXPECT_EQ(got.counters.errors, 7u);
  EXPECT_TRUE(roundTrip(InstanceSnapshot{}).errors.empty());
}

}  // namespace
}  // namespace topolab::wire
