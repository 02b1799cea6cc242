// topolab-postgres-bench: rows/s into a private PostgreSQL server through
// postgres-sink (at-least-once, upsert, batch 1000), beside a ceiling measured
// in the same run: psql's \copy of the same rows from a file. Also COPY against
// a multi-row INSERT, 1000 rows per transaction each, through psql, for the
// choice of the sink's insert mode. Prints Markdown rows for BENCHMARKS.md.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "postgres_test_server.h"
#include "topolab/engine/runtime.h"
#include "topolab/engine/spec.h"

namespace topolab {
namespace {

using testing::PgServer;

struct Config {
  int runs = 3;
  int rows = 200'000;
};

[[noreturn]] void die(const std::string& what) {
  std::cerr << what << '\n';
  std::exit(1);
}

double secondsOf(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The sink's rows: k0 … k(n-1), a value, a time in ns.
std::string rowsFile(const PgServer& pg, int rows) {
  const std::string path = pg.socketDir() + "/rows.tsv";
  std::ofstream out(path);
  for (int i = 0; i < rows; ++i)
    out << 'k' << i << '\t' << (i % 1000) * 0.5 << '\t' << 1700000000000000000LL + i << '\n';
  return path;
}

// The same rows as 1000-row statements, one transaction each: COPY or INSERT.
std::string batchesFile(const PgServer& pg, int rows, bool copy) {
  const std::string path = pg.socketDir() + (copy ? "/copy.sql" : "/insert.sql");
  std::ofstream out(path);
  for (int b = 0; b < rows; b += 1000) {
    out << (copy ? "COPY plain (k, v, ts) FROM STDIN;\n" : "INSERT INTO plain (k, v, ts) VALUES ");
    for (int i = b; i < std::min(rows, b + 1000); ++i) {
      if (copy) {
        out << 'k' << i << '\t' << (i % 1000) * 0.5 << '\t' << 1700000000000000000LL + i << '\n';
      } else {
        out << (i == b ? "" : ",") << "('k" << i << "'," << (i % 1000) * 0.5 << ','
            << 1700000000000000000LL + i << ')';
      }
    }
    out << (copy ? "\\.\n" : ";\n");
  }
  return path;
}

double sinkRowsPerSecond(const PgServer& pg, const Config& cfg) {
  const LoadResult r = parseTopology(R"(
topolab: 1
name: pg-bench
defaults: {delivery: at-least-once, ack_timeout_ms: 30000, max_pending: 5000}
components:
  - {id: gen, type: generator, params: {rate: 0, count: )" +
                                         std::to_string(cfg.rows) + ", keys: " +
                                         std::to_string(cfg.rows) + R"(, distribution: sequential}}
  - id: db
    type: postgres-sink
    params:
      dsn: ")" + pg.dsn() + R"("
      table: events
      columns: {k: key, v: value, ts: ts}
      mode: upsert
      conflict: [k]
      batch_rows: 1000
streams:
  - {from: gen, to: db}
)",
                                     "pg-bench.yaml");
  if (!r.ok()) die(r.errors.front().format());
  std::string error;
  auto rt = Runtime::create(*r.topology, Catalogue::instance(), RunOptions{}, &error);
  if (!rt) die(error);
  const double s = secondsOf([&] {
    rt->start();
    if (!rt->waitFinished(std::chrono::seconds(600))) die("the sink run did not finish");
  });
  rt.reset();
  const std::string n = pg.query("SELECT count(*) FROM events");
  if (n != std::to_string(cfg.rows)) die("the sink wrote " + n + " rows");
  return cfg.rows / s;
}

int main(int argc, char** argv) {
  CLI::App app{"rows/s into PostgreSQL through postgres-sink, beside psql's \\copy"};
  Config cfg;
  app.add_option("--runs", cfg.runs, "runs per scenario (median)");
  app.add_option("--rows", cfg.rows, "rows per run");
  CLI11_PARSE(app, argc, argv);
  if (!PgServer::installed()) die("PostgreSQL 15 is not installed (packaging/install-deps.sh)");
  PgServer pg;
  if (!pg.ok()) die("could not start PostgreSQL:\n" + pg.log());
  const std::string schema = "(k text PRIMARY KEY, v double precision, ts bigint)";
  if (!pg.exec("CREATE TABLE events " + schema) || !pg.exec("CREATE TABLE copied " + schema) ||
      !pg.exec("CREATE TABLE plain (k text, v double precision, ts bigint)")) {
    die("could not create the tables");
  }
  const std::string rows = rowsFile(pg, cfg.rows);
  const std::string copy_sql = batchesFile(pg, cfg.rows, true);
  const std::string insert_sql = batchesFile(pg, cfg.rows, false);
  std::vector<double> sink, ceiling, copy, insert;
  for (int run = 0; run < cfg.runs; ++run) {
    pg.exec("TRUNCATE events, copied, plain");
    sink.push_back(sinkRowsPerSecond(pg, cfg));
    const double c = secondsOf([&] {
      if (!pg.psql("-c " + testing::shellQuote("\\copy copied (k, v, ts) from '" + rows + "'"))) {
        die("psql \\copy failed");
      }
    });
    ceiling.push_back(cfg.rows / c);
    copy.push_back(cfg.rows / secondsOf([&] {
                     if (!pg.psql("-f " + copy_sql)) die("psql -f copy.sql failed");
                   }));
    pg.exec("TRUNCATE plain");
    insert.push_back(cfg.rows / secondsOf([&] {
                       if (!pg.psql("-f " + insert_sql)) die("psql -f insert.sql failed");
                     }));
    std::fprintf(stderr, "run %d: sink %.0f rows/s, \\copy %.0f rows/s, COPY %.0f, INSERT %.0f\n",
                 run + 1, sink.back(), ceiling.back(), copy.back(), insert.back());
  }
  const double s = bench::median(sink), c = bench::median(ceiling);
  std::printf(
      "| postgres-sink, at-least-once, upsert, batch 1000, %d distinct keys | %.0f rows/s, %.0f %% "
      "of the ceiling (`psql \\copy` of the same rows: %.0f rows/s) | ≥ 50 %% of the ceiling | "
      "`build/tests/bench/topolab-postgres-bench --runs %d` |\n",
      cfg.rows, s, 100 * s / c, c, cfg.runs);
  std::printf(
      "| 1000-row transactions through psql: COPY vs multi-row INSERT | %.0f vs %.0f rows/s | — | "
      "`build/tests/bench/topolab-postgres-bench --runs %d` |\n",
      bench::median(copy), bench::median(insert), cfg.runs);
  return 0;
}

}  // namespace
}  // namespace topolab

int main(int argc, char** argv) { return topolab::main(argc, argv); }
