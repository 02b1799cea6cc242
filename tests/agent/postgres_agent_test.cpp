// postgres-sink deployed on one agent of three: the rows that cross agents
// (and the replays a failing bolt causes) end in the table once each, and the
// deploy's summary carries the sink's database figures.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../engine/postgres_test_server.h"
#include "agent_process.h"
#include "cli_lab.h"

namespace topolab {
namespace {

using testing::allLines;
using testing::CliRun;
using testing::componentOf;
using testing::kPgBin;
using testing::Lab;
using testing::listOn;
using testing::PgServer;
using testing::runCli;

TEST(PostgresAgent, TheSinkOnOneAgentOfThreeWritesEveryKeyOnce) {
  if (!PgServer::installed()) {
    GTEST_SKIP() << "PostgreSQL 15 is not installed (" << kPgBin
                 << "); packaging/install-deps.sh installs it";
  }
  PgServer pg;
  ASSERT_TRUE(pg.ok()) << "could not start PostgreSQL:\n" << pg.log();
  ASSERT_TRUE(pg.exec("CREATE TABLE events (k text PRIMARY KEY, v double precision, ts bigint)"));
  Lab lab(3);
  ASSERT_TRUE(lab.started());

  // The generator on node-a, the work bolt on every agent, the sink on node-c:
  // nearly every row crosses an agent, and 5 % of the tuples fail at `work`
  // and are replayed from node-a.
  const std::string file = (std::filesystem::temp_directory_path() /
                            ("postgres-deploy-" + std::to_string(getpid()) + ".yaml"))
                               .string();
  std::ofstream(file) << R"(topolab: 1
name: pg-lab
defaults: {delivery: at-least-once, ack_timeout_ms: 5000, max_pending: 4000}
components:
  - id: gen
    type: generator
    params: {rate: 4000, count: 6000, keys: 6000, distribution: sequential}
    placement: [node-a]
  - id: work
    type: work
    parallelism: 3
    params: {error_rate: 0.05}
  - id: db
    type: postgres-sink
    params:
      dsn: ")" << pg.dsn()
                      << R"("
      table: events
      columns: {k: key, v: value, ts: ts}
      mode: upsert
      conflict: [k]
      batch_rows: 500
      flush_ms: 50
    placement: [node-c]
streams:
  - {from: gen, to: work}
  - {from: work, to: db, grouping: {type: fields, fields: [key]}}
)";
  const CliRun r =
      runCli("deploy " + file + " --cluster " + lab.cluster_file + " --json --duration 60");
  const std::string all = allLines(r);
  ASSERT_EQ(r.code, 0) << all;
  ASSERT_FALSE(r.lines.empty());
  EXPECT_EQ(pg.query("SELECT count(*), count(DISTINCT k) FROM events"), "6000|6000") << all;

  const std::string& summary = r.lines.back().second;
  const std::string gen = componentOf(summary, "gen");
  EXPECT_NE(gen.find("\"acked\":6000"), std::string::npos) << summary;
  EXPECT_EQ(gen.find("\"replayed\":0,"), std::string::npos) << "work failed no tuple: " << gen;
  const std::string db = componentOf(summary, "db");
  // The sink's figures travelled from node-c: connected at the end, every row written.
  EXPECT_NE(db.find("\"database\":{\"connected\":true"), std::string::npos) << db;
  const auto rows = db.find("\"rows\":");
  ASSERT_NE(rows, std::string::npos) << db;
  EXPECT_GE(std::stol(db.substr(rows + 7)), 6000) << db;
  for (const auto& a : lab.agents) {
    EXPECT_TRUE(listOn(*a).empty()) << a->name() << " kept the deployment after the run";
  }
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace topolab
