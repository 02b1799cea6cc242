// topolab-agent-bench: starts two real agents on loopback, deploys a topology
// whose every tuple crosses between them over gRPC, and measures throughput,
// end-to-end latency and how late metric intervals reach a watcher.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "bench_lab.h"
#include "bench_util.h"
#include "topolab/engine/metrics.h"

namespace topolab {
namespace {

using bench::Lab;
using bench::median;
using testing::runCli;

struct Measured {
  double throughput = 0;
  double p50_us = 0, p99_us = 0;
  double delay_p50_ms = 0, delay_max_ms = 0;
};

int64_t unixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Measured runOnce(const std::string& scenario, double seconds) {
  Lab lab(2);
  bench::requireStarted(lab);
  const std::string yaml =
      testing::readFile(std::string(TOPOLAB_BENCH_DIR) + "/" + scenario + ".yaml");
  const std::string deployment = bench::deployOverGrpc(lab, yaml, scenario);
  // Watch the sink's agent: one update per interval.
  std::vector<Snapshot> snaps;
  std::vector<double> delays;
  bench::watchMetrics(*lab.agents[1], deployment, seconds + 1.5, [&](const v1::MetricsUpdate& u) {
    delays.push_back(static_cast<double>(unixNowMs() - u.unix_ms()));
    snaps.push_back(wire::fromProto(u));
    return true;
  });
  Measured m;
  if (snaps.size() < 3) return m;
  // Skip the first interval (start-up); measure from the second to the last.
  const Snapshot& first = snaps[1];
  const Snapshot& last = snaps.back();
  const auto stats = intervalStats(first, last);
  const double secs = (last.t_ms - first.t_ms) / 1000.0;
  m.throughput = stats.at("sink").counters.received / secs;
  const Percentiles p = percentilesUs(stats.at("sink").e2e);
  m.p50_us = p.p50;
  m.p99_us = p.p99;
  std::sort(delays.begin() + 1, delays.end());
  m.delay_p50_ms = delays[1 + (delays.size() - 1) / 2];
  m.delay_max_ms = delays.back();
  return m;
}

// How late each interval line of `topolab deploy --json` appears: its arrival
// since the command started, minus its t_ms (which counts from the start on
// the agents, so the deploy's own time is included: an upper bound).
std::vector<double> cliIntervalDelaysMs(double seconds) {
  Lab lab(2);
  const auto start = std::chrono::steady_clock::now();
  const auto run =
      runCli(std::string("deploy ") + TOPOLAB_BENCH_DIR + "/two-agents-fixed.yaml --cluster " +
             lab.cluster_file + " --json --duration " + std::to_string(seconds));
  std::vector<double> delays;
  for (const auto& [at, line] : run.lines) {
    if (line.rfind("{\"type\":\"interval\",\"t_ms\":", 0) != 0) continue;
    const double arrival = std::chrono::duration<double, std::milli>(at - start).count();
    delays.push_back(arrival - std::stod(line.substr(26)));
  }
  return delays;
}

int benchMain(int argc, char** argv) {
  int runs = 5;
  double seconds = 5;
  CLI::App app{"TopoLab two-agent benchmarks"};
  app.add_option("--runs", runs)->check(CLI::PositiveNumber);
  app.add_option("--seconds", seconds)->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  std::vector<double> tput, p99_fixed, p50_fixed, delay, delay_max;
  for (int i = 0; i < runs; ++i) {
    tput.push_back(runOnce("two-agents", seconds).throughput);
    const Measured f = runOnce("two-agents-fixed", seconds);
    p99_fixed.push_back(f.p99_us);
    p50_fixed.push_back(f.p50_us);
    delay.push_back(f.delay_p50_ms);
    delay_max.push_back(f.delay_max_ms);
  }
  std::vector<double> cli_delays;
  for (int i = 0; i < runs; ++i) {
    for (double d : cliIntervalDelaysMs(seconds)) cli_delays.push_back(d);
  }
  const std::string cmd = "build/tests/bench/topolab-agent-bench";
  std::printf(
      "| two agents over gRPC on loopback, generator → counter, batched | %.2f M/s | ≥ 5 M/s | "
      "`%s` |\n",
      median(tput) / 1e6, cmd.c_str());
  std::printf(
      "| end-to-end latency across two agents at 100 k tuples/s | p99 %.0f µs (p50 %.0f µs) | p99 "
      "< 5 ms | `%s` |\n",
      median(p99_fixed), median(p50_fixed), cmd.c_str());
  std::printf(
      "| delay from an interval's snapshot on the agent to a watcher | median %.1f ms (worst %.1f "
      "ms) | < 1.5 s | `%s` |\n",
      median(delay), *std::max_element(delay_max.begin(), delay_max.end()), cmd.c_str());
  std::printf(
      "| delay from an interval's end on the agents to its line in `topolab deploy --json` | "
      "median %.0f ms (worst %.0f ms, %zu lines) | < 1.5 s | `%s` |\n",
      median(cli_delays), *std::max_element(cli_delays.begin(), cli_delays.end()),
      cli_delays.size(), cmd.c_str());
  return 0;
}

}  // namespace
}  // namespace topolab

int main(int argc, char** argv) { return topolab::benchMain(argc, argv); }
