// postgres-sink against a real PostgreSQL: each test starts its own server
// (initdb + pg_ctl in a temporary directory, on a private Unix socket, as the
// `postgres` user when the tests run as root) and removes it afterwards.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "postgres_test_server.h"
#include "runtime_test_util.h"
#include "topolab/engine/operator.h"
#include "topolab/engine/report.h"
#include "topolab/engine/runtime.h"
#include "topolab/engine/spec.h"

namespace topolab {
namespace {

using namespace topolab::testing;

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

#define REQUIRE_POSTGRES(server)                                 \
  if (!PgServer::installed())                                    \
    GTEST_SKIP() << "PostgreSQL 15 is not installed (" << kPgBin \
                 << "); packaging/install-deps.sh installs it";  \
  PgServer server;                                               \
  ASSERT_TRUE(server.ok()) << "could not start PostgreSQL:\n" << server.log()

std::string sinkTopology(const std::string& dsn, const std::string& sink_params,
                         const std::string& gen_params =
                             "{rate: 0, count: 2000, keys: 2000, "
                             "distribution: sequential}",
                         const std::string& work_params = "{}") {
  return R"(
topolab: 1
name: pg
defaults: {delivery: at-least-once, ack_timeout_ms: 3000, max_pending: 4000}
components:
  - {id: gen, type: generator, params: )" +
         gen_params + R"(}
  - {id: work, type: work, parallelism: 2, params: )" +
         work_params + R"(}
  - id: db
    type: postgres-sink
    params:
      dsn: ")" +
         dsn + R"("
)" + sink_params +
         R"(
streams:
  - {from: gen, to: work}
  - {from: work, to: db}
)";
}

// The sink's params for an upsert into `events (k, v, ts)`.
std::string upsertEvents(int batch_rows, int flush_ms) {
  return "      table: events\n"
         "      columns: {k: key, v: value, ts: ts}\n"
         "      mode: upsert\n"
         "      conflict: [k]\n"
         "      batch_rows: " +
         std::to_string(batch_rows) + "\n      flush_ms: " + std::to_string(flush_ms);
}

std::string createError(const std::string& yaml) {
  const Topology t = parseOrDie(yaml);
  std::string error;
  auto rt = Runtime::create(t, Catalogue::instance(), RunOptions{}, &error);
  EXPECT_EQ(rt, nullptr);
  return error;
}

bool hasEvent(const std::vector<RuntimeEvent>& events, const std::string& kind,
              const std::string& text) {
  for (const auto& e : events) {
    if (e.kind == kind && e.detail.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(PostgresSink, UpsertAtLeastOnceWritesEveryKeyOnceThroughAServerRestart) {
  REQUIRE_POSTGRES(pg);
  ASSERT_TRUE(pg.exec("CREATE TABLE events (k text PRIMARY KEY, v double precision, ts bigint)"));
  const Topology t = parseOrDie(sinkTopology(
      pg.dsn(), upsertEvents(500, 50),
      "{rate: 5000, count: 20000, keys: 20000, distribution: sequential}", "{error_rate: 0.05}"));
  auto rt = makeRuntime(t);
  ASSERT_NE(rt, nullptr);
  rt->start();
  ASSERT_TRUE(eventually([&] {
    const std::string n = pg.query("SELECT count(*) FROM events");
    return !n.empty() && std::isdigit(static_cast<unsigned char>(n[0])) && std::stoi(n) >= 5000;
  })) << "rows did not arrive: "
      << pg.query("SELECT count(*) FROM events");
  ASSERT_TRUE(pg.restart()) << pg.log();
  ASSERT_TRUE(rt->waitFinished(std::chrono::seconds(90))) << "the run did not finish";
  const auto stats = totalStats(rt->snapshot());
  std::vector<RuntimeEvent> events;
  drainEvents(*rt, events);
  rt.reset();
  EXPECT_EQ(pg.query("SELECT count(*), count(DISTINCT k) FROM events"), "20000|20000");
  EXPECT_EQ(stats.at("gen").counters.acked, 20000u);
  EXPECT_GT(stats.at("gen").counters.replayed, 0u) << "work failed no tuple";
  EXPECT_TRUE(hasEvent(events, "disconnected", "db#0 lost the server"))
      << "the restart was not noticed";
  EXPECT_TRUE(hasEvent(events, "reconnected", "db#0 reconnected"));
}

TEST(PostgresSink, UpsertOverwritesRowsThatExistAndMergesAKeysRowsInOneBatch) {
  REQUIRE_POSTGRES(pg);
  // Half the keys are there already: a batch's COPY meets them and the
  // batch is written again as INSERT … ON CONFLICT, without an error.
  ASSERT_TRUE(pg.exec("CREATE TABLE events (k text PRIMARY KEY, v double precision, ts bigint)"));
  ASSERT_TRUE(pg.exec("INSERT INTO events SELECT 'k' || i, -1, 0 FROM generate_series(0, 49) i"));
  // 100 keys, 20 rows each: every batch of 500 holds each of its keys 5 times.
  const Topology t = parseOrDie(sinkTopology(pg.dsn(), upsertEvents(500, 100),
                                             "{rate: 0, count: 2000, keys: 100, "
                                             "distribution: sequential}"));
  auto rt = makeRuntime(t);
  ASSERT_NE(rt, nullptr);
  const auto stats = runToCompletion(*rt);
  rt.reset();
  EXPECT_EQ(pg.query("SELECT count(*), count(*) FILTER (WHERE v < 0 OR ts = 0) FROM events"),
            "100|0");
  EXPECT_EQ(stats.at("gen").counters.acked, 2000u);
  EXPECT_EQ(stats.at("db").counters.errors, 0u);
  ASSERT_TRUE(stats.at("db").database);
  EXPECT_EQ(stats.at("db").database->failed_batches, 0u);
  EXPECT_LE(stats.at("db").database->rows, 2000u);  // a key's rows in one batch are one row
}

TEST(PostgresSink, InsertWritesEveryColumnSourceWithCopy) {
  REQUIRE_POSTGRES(pg);
  const Topology t = parseOrDie(sinkTopology(
      pg.dsn(),
      "      table: raw\n"
      "      create: true\n"
      // A mixed-case name: quoted in CREATE and in COPY alike.
      "      columns: {k: key, v: value, ts: ts, Body: payload, missing: /user/id}",
      "{rate: 0, count: 3000, keys: 3000, distribution: sequential, payload_bytes: 4}"));
  auto rt = makeRuntime(t);
  ASSERT_NE(rt, nullptr);
  runToCompletion(*rt);
  rt.reset();
  EXPECT_EQ(pg.query("SELECT count(*), count(DISTINCT k), count(missing) FROM raw"), "3000|3000|0");
  EXPECT_EQ(pg.query("SELECT DISTINCT \"Body\" FROM raw"), "xxxx");
  EXPECT_EQ(pg.query("SELECT count(*) FROM raw WHERE ts > 1600000000000000000 AND v >= 0"), "3000");
  EXPECT_EQ(pg.query("SELECT data_type FROM information_schema.columns WHERE table_name = 'raw' "
                     "AND column_name = 'v'"),
            "double precision");
}

TEST(PostgresSink, JsonPointerColumnsTakeValuesFromThePayload) {
  REQUIRE_POSTGRES(pg);
  ASSERT_TRUE(pg.exec("CREATE TABLE users (id text, name text, age int)"));
  // shell-less: a payload is only made by producers; the sink is fed directly.
  const auto* type = Catalogue::instance().find("postgres-sink");
  ASSERT_NE(type, nullptr);
  Params p;
  p.set("dsn", pg.dsn());
  p.set("table", std::string("users"));
  p.set("columns", StringMap{{"id", "/user/id"}, {"name", "/user/name"}, {"age", "/age"}});
  p.set("mode", std::string("insert"));
  p.set("conflict", StringList{});
  p.set("batch_rows", int64_t{10});
  p.set("flush_ms", int64_t{100});
  p.set("create", false);
  OperatorContext ctx;
  ctx.component = "db";
  auto op = type->factory(p, ctx);
  struct NullEmitter : Emitter {
    void emit(Tuple&&, uint64_t) override {}
  } out;
  Tuple a;
  a.payload = R"({"user": {"id": 7, "name": "Ada"}, "age": 36})";
  Tuple b;
  b.payload = R"({"user": {"id": "x9"}})";
  op->process(a, out, 1);
  op->process(b, out, 2);
  op->onEndOfInput(out);
  EXPECT_EQ(pg.query("SELECT id || ':' || coalesce(name, '-') || ':' || coalesce(age::text, '-') "
                     "FROM users ORDER BY id"),
            "7:Ada:36\nx9:-:-");
}

TEST(PostgresSink, AConstraintViolationIsAnErrorWithTheServersMessageAndOtherRowsArrive) {
  REQUIRE_POSTGRES(pg);
  // Keys k0 … k1999: those ending in 7 break the CHECK.
  ASSERT_TRUE(
      pg.exec("CREATE TABLE checked (k text PRIMARY KEY CHECK (k NOT LIKE '%7'), v float8)"));
  const Topology t = parseOrDie(sinkTopology(pg.dsn(),
                                             "      table: checked\n"
                                             "      columns: {k: key, v: value}\n"
                                             "      mode: upsert\n"
                                             "      conflict: [k]\n"
                                             "      batch_rows: 100"));
  auto rt = makeRuntime(t);
  ASSERT_NE(rt, nullptr);
  const auto stats = runToCompletion(*rt);
  std::vector<RuntimeEvent> events;
  drainEvents(*rt, events);
  rt.reset();
  EXPECT_EQ(pg.query("SELECT count(*) FROM checked"), "1800");
  EXPECT_EQ(pg.query("SELECT count(*) FROM checked WHERE k LIKE '%7'"), "0");
  EXPECT_GE(stats.at("db").counters.errors, 200u);
  EXPECT_TRUE(hasEvent(events, "error", "violates check constraint \"checked_k_check\""));
  EXPECT_TRUE(hasEvent(events, "error", "db#0 gave up a row after 3 attempts"));
  // Every tree ends: the bad rows were given up, not replayed for ever.
  EXPECT_EQ(stats.at("gen").counters.acked, 2000u);
}

TEST(PostgresSink, AMissingTableOrColumnIsACreationErrorNamingTheComponent) {
  REQUIRE_POSTGRES(pg);
  ASSERT_TRUE(pg.exec("CREATE TABLE present (k text PRIMARY KEY)"));
  std::string e = createError(sinkTopology(pg.dsn(),
                                           "      table: absent\n"
                                           "      columns: {k: key}"));
  EXPECT_NE(e.find("component 'db'"), std::string::npos) << e;
  EXPECT_NE(e.find("table 'absent' does not exist"), std::string::npos) << e;

  e = createError(sinkTopology(pg.dsn(),
                               "      table: present\n"
                               "      columns: {k: key, v: value}"));
  EXPECT_NE(e.find("component 'db'"), std::string::npos) << e;
  EXPECT_NE(e.find("has no column 'v'"), std::string::npos) << e;

  // Upsert on columns that are no unique key: refused before any row.
  ASSERT_TRUE(pg.exec("CREATE TABLE nokey (k text, v float8)"));
  e = createError(sinkTopology(pg.dsn(),
                               "      table: nokey\n"
                               "      columns: {k: key, v: value}\n"
                               "      mode: upsert\n"
                               "      conflict: [k]"));
  EXPECT_NE(e.find("component 'db'"), std::string::npos) << e;
  EXPECT_NE(e.find("ON CONFLICT"), std::string::npos) << e;
}

TEST(PostgresSink, BadOrUnreachableServerIsACreationErrorNamingTheComponent) {
  if (!PgServer::installed()) GTEST_SKIP() << "PostgreSQL 15 is not installed";
  std::string e = createError(sinkTopology("host=/nonexistent-socket-dir dbname=x",
                                           "      table: t\n      columns: {k: key}"));
  EXPECT_NE(e.find("component 'db'"), std::string::npos) << e;
  EXPECT_NE(e.find("cannot connect"), std::string::npos) << e;

  e = createError(sinkTopology("hostt=localhost", "      table: t\n      columns: {k: key}"));
  EXPECT_NE(e.find("component 'db'"), std::string::npos) << e;
  EXPECT_NE(e.find("hostt"), std::string::npos) << e;

  // A server that was there and is gone.
  PgServer pg;
  ASSERT_TRUE(pg.ok()) << pg.log();
  const std::string dsn = pg.dsn();
  ASSERT_TRUE(pg.stop());
  e = createError(sinkTopology(dsn, "      table: t\n      columns: {k: key}"));
  EXPECT_NE(e.find("component 'db'"), std::string::npos) << e;
  EXPECT_NE(e.find("cannot connect"), std::string::npos) << e;
}

TEST(PostgresSink, APasswordInTheDsnIsRefusedAtValidationWithLineAndColumn) {
  const std::string yaml = sinkTopology("host=db dbname=app user=me password=secret",
                                        "      table: t\n      columns: {k: key}");
  LoadResult r = parseTopology(yaml, "pg.yaml");
  ASSERT_FALSE(r.ok());
  std::string all;
  for (const auto& d : r.errors) all += d.format() + "\n";
  EXPECT_NE(all.find("pg.yaml:11:12"), std::string::npos) << all;
  EXPECT_NE(all.find("'db'"), std::string::npos) << all;
  EXPECT_NE(all.find("PGPASSFILE"), std::string::npos) << all;

  LoadResult uri = parseTopology(
      sinkTopology("postgresql://me:secret@db/app", "      table: t\n      columns: {k: key}"),
      "pg.yaml");
  EXPECT_FALSE(uri.ok());
  LoadResult fine = parseTopology(
      sinkTopology("postgresql://me@db/app", "      table: t\n      columns: {k: key}"), "pg.yaml");
  EXPECT_TRUE(fine.ok());
}

TEST(PostgresSink, ColumnSourcesAreCheckedAtValidation) {
  LoadResult r = parseTopology(
      sinkTopology("host=db", "      table: t\n      columns: {k: key, v: size}"), "pg.yaml");
  ASSERT_FALSE(r.ok());
  std::string all;
  for (const auto& d : r.errors) all += d.format() + "\n";
  EXPECT_NE(all.find("column 'v': source 'size'"), std::string::npos) << all;
}

// The db instance's figures in a snapshot of the run (nullopt: none yet).
std::optional<DatabaseStats> dbStats(Runtime& rt) {
  for (const InstanceSnapshot& inst : rt.snapshot().instances) {
    if (inst.component == "db") return inst.database;
  }
  return std::nullopt;
}

TEST(PostgresSink, MetricsSayDisconnectedWhileTheServerIsAwayAndCountTheReconnect) {
  REQUIRE_POSTGRES(pg);
  ASSERT_TRUE(pg.exec("CREATE TABLE events (k text PRIMARY KEY, v double precision, ts bigint)"));
  const Topology t = parseOrDie(
      sinkTopology(pg.dsn(), upsertEvents(200, 20), "{rate: 2000, count: 0, keys: 5000}"));
  auto rt = makeRuntime(t);
  ASSERT_NE(rt, nullptr);
  rt->start();
  ASSERT_TRUE(eventually([&] {
    const auto d = dbStats(*rt);
    return d && d->rows >= 1000 && d->commits > 0;
  })) << "no batch was committed";
  const DatabaseStats before = *dbStats(*rt);
  EXPECT_TRUE(before.connected());
  EXPECT_EQ(before.reconnects, 0u);
  EXPECT_FALSE(before.commit_latency.empty());
  EXPECT_GT(before.batch_rows.max(), 0u);

  ASSERT_TRUE(pg.stop()) << pg.log();
  ASSERT_TRUE(eventually([&] { return !dbStats(*rt)->connected(); }))
      << "the instance never showed as disconnected";
  const Snapshot away = rt->snapshot();
  EXPECT_EQ(dbStats(*rt)->reconnects, 0u) << "a reconnect was counted while the server was away";
  // What `topolab run --json` prints for such an interval.
  const std::string line = intervalLine(away.t_ms, {"db"}, intervalStats(Snapshot{}, away), 1000);
  EXPECT_NE(line.find(R"("database":{"connected":false,"disconnected":1,)"), std::string::npos)
      << line;

  ASSERT_TRUE(pg.start()) << pg.log();
  ASSERT_TRUE(eventually([&] {
    const auto d = dbStats(*rt);
    return d->connected() && d->reconnects >= 1 && d->rows > before.rows + 1000;
  })) << "the sink did not reconnect and write again";
  const DatabaseStats after = *dbStats(*rt);
  EXPECT_GT(after.failed_batches, before.failed_batches);
  EXPECT_GT(after.commits, before.commits);
  rt->stop(std::chrono::seconds(5));
  std::vector<RuntimeEvent> events;
  drainEvents(*rt, events);
  EXPECT_TRUE(hasEvent(events, "disconnected", "db#0 lost the server"));
  EXPECT_TRUE(hasEvent(events, "reconnected", "db#0 reconnected"));
}

}  // namespace
}  // namespace topolab
