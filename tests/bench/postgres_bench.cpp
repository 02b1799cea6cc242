// topolab-postgres-bench: rows/s into a private PostgreSQL server through
// postgres-sink (at-least-once, upsert, batch 1000) with its commit latency,
// beside a ceiling measured in the same run: psql's \copy of the same rows
// from a file. Then the same sink again over the same keys (every row an
// update). And, through psql from files so that only the statement differs,
// the ways of writing 1000-row upsert transactions the sink chose between,
// and COPY's text format against its binary one. Prints Markdown rows for
// BENCHMARKS.md; ratios are the median of each run's own ratio.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <type_traits>
#include <vector>

#include "bench_util.h"
#include "postgres_test_server.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/runtime.h"
#include "topolab/engine/spec.h"

namespace topolab {
namespace {

using testing::PgServer;

constexpr int kBatch = 1000;
constexpr const char* kUpdate = " ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, ts = EXCLUDED.ts";

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

// Row i of every scenario: k<i>, a value, a time in ns.
std::string key(int i) { return "k" + std::to_string(i); }
double value(int i) { return (i % 1000) * 0.5; }
int64_t ts(int i) { return 1700000000000000000LL + i; }

void copyLine(std::ostream& out, int i) {
  out << key(i) << '\t' << value(i) << '\t' << ts(i) << '\n';
}

std::string rowsFile(const PgServer& pg, int rows) {
  const std::string path = pg.socketDir() + "/rows.tsv";
  std::ofstream out(path);
  for (int i = 0; i < rows; ++i) copyLine(out, i);
  return path;
}

// The same rows in COPY's binary format.
std::string binaryRowsFile(const PgServer& pg, int rows) {
  const std::string path = pg.socketDir() + "/rows.bin";
  std::ofstream out(path, std::ios::binary);
  auto be = [&](auto v) {  // network byte order
    const auto u = static_cast<std::make_unsigned_t<decltype(v)>>(v);
    for (int shift = 8 * (sizeof u - 1); shift >= 0; shift -= 8)
      out.put(static_cast<char>(u >> shift));
  };
  out.write("PGCOPY\n\xff\r\n\0", 11);
  be(int32_t{0});  // flags
  be(int32_t{0});  // header extension
  for (int i = 0; i < rows; ++i) {
    const std::string k = key(i);
    be(int16_t{3});
    be(static_cast<int32_t>(k.size()));
    out << k;
    be(int32_t{8});
    be(std::bit_cast<uint64_t>(value(i)));
    be(int32_t{8});
    be(ts(i));
  }
  be(int16_t{-1});
  return path;
}

// 1000-row transactions of the rows into `keyed`, each one way:
enum class Way {
  Copy,       // COPY (fails on an existing key: the sink's first try)
  Values,     // INSERT … VALUES (…),… ON CONFLICT DO UPDATE
  TempTable,  // COPY into a temporary table, INSERT … SELECT … ON CONFLICT DO UPDATE
};

std::string batchesFile(const PgServer& pg, int rows, Way way) {
  const char* names[] = {"copy", "values", "temp"};
  const std::string path = pg.socketDir() + "/" + names[static_cast<int>(way)] + ".sql";
  std::ofstream out(path);
  if (way == Way::TempTable)
    out << "CREATE TEMPORARY TABLE batch (LIKE keyed) ON COMMIT DELETE ROWS;\n";
  for (int b = 0; b < rows; b += kBatch) {
    const int end = std::min(rows, b + kBatch);
    switch (way) {
      case Way::Copy:
        out << "COPY keyed (k, v, ts) FROM STDIN;\n";
        for (int i = b; i < end; ++i) copyLine(out, i);
        out << "\\.\n";
        break;
      case Way::Values:
        out << "INSERT INTO keyed (k, v, ts) VALUES ";
        for (int i = b; i < end; ++i) {
          out << (i == b ? "" : ",") << "('" << key(i) << "'," << value(i) << ',' << ts(i) << ')';
        }
        out << kUpdate << ";\n";
        break;
      case Way::TempTable:
        out << "BEGIN;\nCOPY batch (k, v, ts) FROM STDIN;\n";
        for (int i = b; i < end; ++i) copyLine(out, i);
        out << "\\.\nINSERT INTO keyed (k, v, ts) SELECT k, v, ts FROM batch" << kUpdate
            << ";\nCOMMIT;\n";
        break;
    }
  }
  return path;
}

struct SinkRun {
  double rows_per_s = 0;
  double commit_p50_ms = 0;
  double commit_p99_ms = 0;
};

// generator → postgres-sink of cfg.rows distinct keys into `events`, until
// every tuple is acknowledged (its batch committed).
SinkRun sinkRun(const PgServer& pg, const Config& cfg) {
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
  const auto stats = totalStats(rt->snapshot());
  rt.reset();
  const std::string n = pg.query("SELECT count(*) FROM events");
  if (n != std::to_string(cfg.rows)) die("the sink wrote " + n + " rows");
  const auto& db = stats.at("db").database;
  if (!db || db->commit_latency.empty()) die("the sink reported no commit");
  return SinkRun{cfg.rows / s, db->commit_latency.quantile(0.5) / 1e6,
                 db->commit_latency.quantile(0.99) / 1e6};
}

double psqlRowsPerSecond(const PgServer& pg, const std::string& args, int rows) {
  return rows / secondsOf([&] {
           if (!pg.psql(args)) die("psql " + args + " failed");
         });
}

std::vector<double> column(const std::vector<SinkRun>& runs, double SinkRun::*field) {
  std::vector<double> out;
  for (const SinkRun& r : runs) out.push_back(r.*field);
  return out;
}

std::vector<double> ratios(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> out;
  for (size_t i = 0; i < a.size(); ++i) out.push_back(a[i] / b[i]);
  return out;
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
      !pg.exec("CREATE TABLE keyed " + schema)) {
    die("could not create the tables");
  }
  const std::string copy_in =
      "-c " + testing::shellQuote("\\copy copied (k, v, ts) from '" + rowsFile(pg, cfg.rows) + "'");
  const std::string copy_binary =
      "-c " + testing::shellQuote("\\copy copied (k, v, ts) from '" + binaryRowsFile(pg, cfg.rows) +
                                  "' with (format binary)");
  const std::string by_copy = "-f " + batchesFile(pg, cfg.rows, Way::Copy);
  const std::string by_values = "-f " + batchesFile(pg, cfg.rows, Way::Values);
  const std::string by_temp = "-f " + batchesFile(pg, cfg.rows, Way::TempTable);

  std::vector<SinkRun> sink_new, sink_again;
  std::vector<double> ceiling, copy, values_new, temp_new, values_again, temp_again, text, binary;
  for (int run = 0; run < cfg.runs; ++run) {
    pg.exec("TRUNCATE events, copied, keyed");
    sink_new.push_back(sinkRun(pg, cfg));
    sink_again.push_back(sinkRun(pg, cfg));  // the same keys: every row an update
    ceiling.push_back(psqlRowsPerSecond(pg, copy_in, cfg.rows));

    pg.exec("TRUNCATE keyed");
    copy.push_back(psqlRowsPerSecond(pg, by_copy, cfg.rows));
    pg.exec("TRUNCATE keyed");
    values_new.push_back(psqlRowsPerSecond(pg, by_values, cfg.rows));
    values_again.push_back(psqlRowsPerSecond(pg, by_values, cfg.rows));
    pg.exec("TRUNCATE keyed");
    temp_new.push_back(psqlRowsPerSecond(pg, by_temp, cfg.rows));
    temp_again.push_back(psqlRowsPerSecond(pg, by_temp, cfg.rows));

    pg.exec("TRUNCATE copied");
    text.push_back(psqlRowsPerSecond(pg, copy_in, cfg.rows));
    pg.exec("TRUNCATE copied");
    binary.push_back(psqlRowsPerSecond(pg, copy_binary, cfg.rows));
    std::fprintf(stderr,
                 "run %d: sink %.0f rows/s (again %.0f), \\copy %.0f; new keys: COPY %.0f, VALUES "
                 "%.0f, temp %.0f; again: VALUES %.0f, temp %.0f; text %.0f, binary %.0f\n",
                 run + 1, sink_new.back().rows_per_s, sink_again.back().rows_per_s, ceiling.back(),
                 copy.back(), values_new.back(), temp_new.back(), values_again.back(),
                 temp_again.back(), text.back(), binary.back());
  }
  using bench::median;
  const std::string cmd =
      "`build/tests/bench/topolab-postgres-bench --runs " + std::to_string(cfg.runs) + "`";
  const double c = median(ceiling);
  for (const auto* runs : {&sink_new, &sink_again}) {
    const std::vector<double> rate = column(*runs, &SinkRun::rows_per_s);
    std::printf(
        "| postgres-sink, at-least-once, upsert, batch 1000, %d %s | %.0f rows/s, %.0f %% of the "
        "ceiling (`psql \\copy` of the same rows: %.0f rows/s); commit p50 %.1f ms, p99 %.1f ms | "
        "%s | %s |\n",
        cfg.rows, runs == &sink_new ? "new keys" : "keys again (every row an update)", median(rate),
        100 * median(ratios(rate, ceiling)), c, median(column(*runs, &SinkRun::commit_p50_ms)),
        median(column(*runs, &SinkRun::commit_p99_ms)),
        runs == &sink_new ? "≥ 50 % of the ceiling" : "—", cmd.c_str());
  }
  std::printf(
      "| 1000-row transactions through psql, new keys: COPY / INSERT … ON CONFLICT / temporary "
      "table + INSERT … SELECT … ON CONFLICT | %.0f / %.0f / %.0f rows/s (COPY %.1f × the INSERT) "
      "| — | %s |\n",
      median(copy), median(values_new), median(temp_new), median(ratios(copy, values_new)),
      cmd.c_str());
  std::printf(
      "| the same over existing keys: INSERT … ON CONFLICT / temporary table | %.0f / %.0f rows/s "
      "(%.2f) | — | %s |\n",
      median(values_again), median(temp_again), median(ratios(values_again, temp_again)),
      cmd.c_str());
  std::printf(
      "| `psql \\copy` of the same rows, text vs binary format | %.0f vs %.0f rows/s "
      "(binary %.2f × text) | — | %s |\n",
      median(text), median(binary), median(ratios(binary, text)), cmd.c_str());
  return 0;
}

}  // namespace
}  // namespace topolab

int main(int argc, char** argv) { return topolab::main(argc, argv); }
