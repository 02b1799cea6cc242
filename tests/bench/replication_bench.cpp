// topolab-replication-bench: a replicated-store with a primary and two
// followers on three real agents; write throughput (writes acknowledged to
// the writer per second) and the primary's p99 write latency, per mode.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <thread>

#include "bench_lab.h"
#include "bench_util.h"
#include "topolab/engine/metrics.h"

namespace topolab {
namespace {

using bench::AgentProcess;
using bench::Lab;
using bench::median;
using testing::runCli;

struct Measured {
  double writes_per_s = 0;
  double p50_us = 0, p99_us = 0;
};

// Every metrics update of `deployment` on `a` for `seconds`.
std::vector<Snapshot> watchFor(const AgentProcess& a, const std::string& deployment,
                               double seconds) {
  std::vector<Snapshot> out;
  bench::watchMetrics(a, deployment, seconds, [&](const v1::MetricsUpdate& u) {
    out.push_back(wire::fromProto(u));
    return true;
  });
  return out;
}

const InstanceSnapshot* find(const Snapshot& s, const std::string& component, int index) {
  for (const InstanceSnapshot& i : s.instances) {
    if (i.component == component && i.index == index) return &i;
  }
  return nullptr;
}

// `rate`: writes/s of the writer, 0 for as fast as acknowledgements allow.
Measured runOnce(const std::string& mode, int rate, double seconds) {
  Lab lab(3);
  bench::requireStarted(lab);
  std::string yaml = testing::readFile(std::string(TOPOLAB_BENCH_DIR) + "/replicated-store.yaml");
  yaml.replace(yaml.find("mode: async"), 11, "mode: " + mode);
  yaml.replace(yaml.find("rate: 0"), 7, "rate: " + std::to_string(rate));
  const std::string file =
      (std::filesystem::temp_directory_path() / ("replicated-store-" + mode + ".yaml")).string();
  std::ofstream(file) << yaml;
  LoadResult r = parseTopology(yaml, file);
  std::string error;
  const auto plan = planDeployment(*r.topology, {"node-a", "node-b", "node-c"}, &error);
  const auto deployed = runCli("deploy " + file + " --cluster " + lab.cluster_file + " --detach");
  if (deployed.code != 0 || !plan) {
    std::cerr << "deploy failed: " << error
              << (deployed.lines.empty() ? "" : deployed.lines.back().second) << '\n';
    std::exit(1);
  }
  const std::string primary_agent = plan->find("kv", 0)->agent;
  AgentProcess* writer = lab.agents[0].get();
  AgentProcess* primary = nullptr;
  for (auto& a : lab.agents) {
    if (a->name() == primary_agent) primary = a.get();
  }
  std::vector<Snapshot> at_writer, at_primary;
  std::thread t([&] { at_primary = watchFor(*primary, "replicated-store", seconds + 1.5); });
  at_writer = watchFor(*writer, "replicated-store", seconds + 1.5);
  t.join();
  runCli("stop replicated-store --cluster " + lab.cluster_file + " --drain 1");
  std::filesystem::remove(file);
  Measured m;
  if (at_writer.size() < 3 || at_primary.size() < 3) return m;
  // Skip the first interval (start-up); measure from the second to the last.
  const Snapshot& first = at_writer[1];
  const Snapshot& last = at_writer.back();
  const double secs = (last.t_ms - first.t_ms) / 1000.0;
  m.writes_per_s =
      (find(last, "writes", 0)->counters.acked - find(first, "writes", 0)->counters.acked) / secs;
  const InstanceSnapshot* p0 = find(at_primary[1], "kv", 0);
  const InstanceSnapshot* p1 = find(at_primary.back(), "kv", 0);
  if (p0 && p1 && p0->replica && p1->replica) {
    const Percentiles p =
        percentilesUs(p1->replica->write_latency.minus(p0->replica->write_latency));
    m.p50_us = p.p50;
    m.p99_us = p.p99;
  }
  return m;
}

int benchMain(int argc, char** argv) {
  int runs = 5;
  double seconds = 5;
  int rate = 10000;
  std::vector<std::string> modes = {"async", "sync", "quorum"};
  CLI::App app{"TopoLab replicated-store benchmark: three agents, a primary and two followers"};
  app.add_option("--runs", runs)->check(CLI::PositiveNumber);
  app.add_option("--seconds", seconds)->check(CLI::PositiveNumber);
  app.add_option("--mode", modes, "async, sync, quorum (default: all)");
  app.add_option("--rate", rate, "writes/s for the latency runs")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  // Throughput as fast as acknowledgements allow (max_pending trees in
  // flight, so latency there is mostly queueing); latency at a fixed rate
  // well below it. Modes interleaved run by run, so drift in the machine's
  // speed hits each alike.
  std::map<std::string, std::vector<Measured>> saturated, fixed;
  for (int i = 0; i < runs; ++i) {
    for (const std::string& mode : modes) {
      const Measured m = runOnce(mode, 0, seconds);
      const Measured f = runOnce(mode, rate, seconds);
      std::cerr << mode << " run " << i + 1 << ": " << m.writes_per_s << " writes/s (p99 "
                << m.p99_us << " µs); at " << f.writes_per_s << " writes/s p50 " << f.p50_us
                << " µs, p99 " << f.p99_us << " µs\n";
      saturated[mode].push_back(m);
      fixed[mode].push_back(f);
    }
  }
  const auto med = [](const std::vector<Measured>& v, double Measured::*field) {
    std::vector<double> x;
    for (const Measured& m : v) x.push_back(m.*field);
    return median(x);
  };
  std::printf(
      "| mode | writes/s, as fast as acked | write p99 there | write p50 at %d/s | write p99 at "
      "%d/s |\n",
      rate, rate);
  std::printf("|---|---|---|---|---|\n");
  for (const std::string& mode : modes) {
    std::printf("| %s | %.0f | %.1f ms | %.0f µs | %.0f µs |\n", mode.c_str(),
                med(saturated[mode], &Measured::writes_per_s),
                med(saturated[mode], &Measured::p99_us) / 1000, med(fixed[mode], &Measured::p50_us),
                med(fixed[mode], &Measured::p99_us));
  }
  return 0;
}

}  // namespace
}  // namespace topolab

int main(int argc, char** argv) { return topolab::benchMain(argc, argv); }
