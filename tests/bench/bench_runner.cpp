// topolab-bench: runs the named benchmark scenarios (topology files in this
// folder) in-process, several times each, and prints the medians as the
// Markdown rows of BENCHMARKS.md.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "bench_util.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/plugin_loader.h"
#include "topolab/engine/runtime.h"
#include "topolab/engine/spec.h"

namespace topolab {
namespace {

using bench::median;

struct Config {
  int runs = 5;
  double seconds = 3;
  double warmup = 0.5;
  std::vector<std::string> scenarios;
};

Topology load(const std::string& name, const std::vector<std::string>& overrides = {}) {
  const std::string path = std::string(TOPOLAB_BENCH_DIR) + "/" + name + ".yaml";
  LoadResult r = loadTopologyFile(path);
  if (!r.ok()) {
    for (const auto& d : r.errors) std::cerr << d.format() << '\n';
    std::exit(2);
  }
  for (const auto& o : overrides) {
    std::string error;
    if (!applyOverride(*r.topology, o, &error)) {
      std::cerr << name << ": --set " << o << ": " << error << '\n';
      std::exit(2);
    }
  }
  return *r.topology;
}

struct Measured {
  double throughput = 0;  // tuples/s received at the sinks
  double e2e_p50_us = 0, e2e_p99_us = 0;
};

// One run: warm up, then measure the sinks over `seconds`.
Measured runOnce(const Topology& t, const RunOptions& options, const Config& cfg) {
  std::string error;
  auto rt = Runtime::create(t, Catalogue::instance(), options, &error);
  if (!rt) {
    std::cerr << error << '\n';
    std::exit(1);
  }
  rt->start();
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.warmup));
  const Snapshot a = rt->snapshot();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.seconds));
  const Snapshot b = rt->snapshot();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rt->stop(std::chrono::seconds(5));
  const auto stats = intervalStats(a, b);
  Measured m;
  Histogram e2e;
  for (const auto& [id, s] : stats) {
    if (!s.is_sink) continue;
    m.throughput += s.counters.received / secs;
    e2e.merge(s.e2e);
  }
  const Percentiles p = percentilesUs(e2e);
  m.e2e_p50_us = p.p50;
  m.e2e_p99_us = p.p99;
  return m;
}

// generator → shell-bolt (python3, a pass-through: emit anchored, then ack)
// → counter, with the program and its folder from the tests' data.
Topology multilangPipeline(const std::string& delivery) {
  const std::string text = "topolab: 1\nname: multilang-bench\ndefaults: {delivery: " + delivery +
                           "}\ncomponents:\n"
                           "  - {id: gen, type: generator, params: {rate: 0, keys: 1000}}\n"
                           "  - {id: echo, type: shell-bolt, params: {command: [python3, "
                           "echo_bolt.py], env: {NEED_TASK_IDS: \"0\"}, resources: \"" +
                           std::string(TOPOLAB_MULTILANG_DIR) +
                           "\"}}\n"
                           "  - {id: sink, type: counter}\n"
                           "streams:\n  - {from: gen, to: echo}\n  - {from: echo, to: sink}\n";
  LoadResult r = parseTopology(text, "multilang-bench.yaml");
  if (!r.ok()) {
    for (const auto& d : r.errors) std::cerr << d.format() << '\n';
    std::exit(2);
  }
  return *r.topology;
}

// The protocol's ceiling for the same program, without TopoLab: a python3
// parent that writes the same messages to a pipe and counts the acks
// (multilang_ceiling.py), in tuples/s.
double multilangCeiling(int tuples) {
  const std::string cmd = "NEED_TASK_IDS=0 python3 " + std::string(TOPOLAB_BENCH_DIR) +
                          "/multilang_ceiling.py --tuples " + std::to_string(tuples) +
                          " -- python3 " + std::string(TOPOLAB_MULTILANG_DIR) + "/echo_bolt.py";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
  if (!pipe) return 0;
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe.get())) out += buf;
  const auto at = out.find("\"tuples_per_s\": ");
  return at == std::string::npos ? 0 : std::atof(out.c_str() + at + 16);
}

std::string mtps(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f M/s", v / 1e6);
  return buf;
}

std::vector<Measured> repeat(const Topology& t, const RunOptions& o, const Config& cfg) {
  std::vector<Measured> r;
  for (int i = 0; i < cfg.runs; ++i) r.push_back(runOnce(t, o, cfg));
  return r;
}

std::vector<double> field(const std::vector<Measured>& ms, double Measured::*f) {
  std::vector<double> v;
  for (const auto& m : ms) v.push_back(m.*f);
  return v;
}

void row(const std::string& what, const std::string& figure, const std::string& target,
         const std::string& command) {
  std::cout << "| " << what << " | " << figure << " | " << target << " | `" << command << "` |"
            << std::endl;
}

bool wanted(const Config& cfg, const std::string& name) {
  return cfg.scenarios.empty() ||
         std::find(cfg.scenarios.begin(), cfg.scenarios.end(), name) != cfg.scenarios.end();
}

int benchMain(int argc, char** argv) {
  Config cfg;
  CLI::App app{"TopoLab benchmark scenarios"};
  app.add_option("--runs", cfg.runs, "runs per figure (the median is reported)")
      ->check(CLI::PositiveNumber);
  app.add_option("--seconds", cfg.seconds, "measured seconds per run")->check(CLI::PositiveNumber);
  app.add_option("--scenario", cfg.scenarios,
                 "amo, alo, latency, parallelism, metrics, plugin, multilang (default: all)");
  CLI11_PARSE(app, argc, argv);
  const std::string cmd = "build/tests/bench/topolab-bench --scenario ";

  std::cout << "| scenario | median of " << cfg.runs
            << " runs | target | command |\n|---|---|---|---|" << std::endl;
  if (wanted(cfg, "amo")) {
    const auto ms = repeat(load("pipeline-amo"), {}, cfg);
    row("generator → work(0) → counter, at-most-once",
        mtps(median(field(ms, &Measured::throughput))), "≥ 20 M/s", cmd + "amo");
  }
  if (wanted(cfg, "alo")) {
    const auto ms = repeat(load("pipeline-alo"), {}, cfg);
    row("generator → work(0) → counter, at-least-once",
        mtps(median(field(ms, &Measured::throughput))), "≥ 3 M/s", cmd + "alo");
  }
  if (wanted(cfg, "latency")) {
    const auto ms = repeat(load("fixed-rate"), {}, cfg);
    char buf[96];
    std::snprintf(buf, sizeof buf, "p99 %.0f µs (p50 %.0f µs) at %.0f tuples/s",
                  median(field(ms, &Measured::e2e_p99_us)),
                  median(field(ms, &Measured::e2e_p50_us)),
                  median(field(ms, &Measured::throughput)));
    row("end-to-end latency at a fixed 100 k tuples/s", buf, "p99 < 1 ms", cmd + "latency");
  }
  if (wanted(cfg, "parallelism")) {
    for (int p : {1, 2, 4, 8}) {
      const std::string ps = std::to_string(p);
      Topology t = load("pipeline-amo");
      for (auto& c : t.components) c.parallelism = p;
      const auto pool = repeat(t, {}, cfg);
      RunOptions one_thread_per_task;
      one_thread_per_task.threads = 3 * p;
      const auto threads = repeat(t, one_thread_per_task, cfg);
      row("parallelism " + ps + " (" + std::to_string(3 * p) +
              " tasks): worker pool of cores vs a thread per task",
          mtps(median(field(pool, &Measured::throughput))) + " vs " +
              mtps(median(field(threads, &Measured::throughput))),
          "pool holds as tasks outnumber cores", cmd + "parallelism");
    }
  }
  if (wanted(cfg, "metrics")) {
    // Interleaved so drift on a noisy machine hits both sides alike.
    const Topology t = load("pipeline-amo");
    RunOptions off;
    off.record_latency = false;
    std::vector<double> on_v, off_v;
    for (int i = 0; i < cfg.runs; ++i) {
      on_v.push_back(runOnce(t, {}, cfg).throughput);
      off_v.push_back(runOnce(t, off, cfg).throughput);
    }
    const double on = median(on_v), offm = median(off_v);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.1f %% (%s on, %s off)", (offm - on) / offm * 100.0,
                  mtps(on).c_str(), mtps(offm).c_str());
    row("cost of latency metrics (throughput lost with histograms on)", buf, "< 3 %",
        cmd + "metrics");
  }
  if (wanted(cfg, "plugin")) {
    // Interleaved, as the metrics row: the same operator built in and as a plugin.
    const PluginLoadReport loaded = loadPluginDir(TOPOLAB_BENCH_PLUGIN_DIR);
    for (const std::string& e : loaded.errors) std::cerr << e << '\n';
    if (!loaded.ok()) return 1;
    const Topology built_in = load("pipeline-amo");
    Topology plugin = built_in;
    for (auto& c : plugin.components) {
      if (c.type == "work") c.type = "plugin-work";
    }
    std::vector<double> built_in_v, plugin_v;
    for (int i = 0; i < cfg.runs; ++i) {
      built_in_v.push_back(runOnce(built_in, {}, cfg).throughput);
      plugin_v.push_back(runOnce(plugin, {}, cfg).throughput);
    }
    const double b = median(built_in_v), p = median(plugin_v);
    char buf[128];
    std::snprintf(buf, sizeof buf, "%.2f (%s as a plugin, %s built in)", p / b, mtps(p).c_str(),
                  mtps(b).c_str());
    row("work(0) as a plugin vs built in: generator → work(0) → counter, at-most-once", buf,
        "no measurable cost (ratio ≈ 1)", cmd + "plugin");
  }
  if (wanted(cfg, "multilang")) {
    // Interleaved: the ceiling, then TopoLab at-most-once and at-least-once.
    const Topology amo = multilangPipeline("at-most-once");
    const Topology alo = multilangPipeline("at-least-once");
    std::vector<double> ceiling, amo_v, alo_v;
    for (int i = 0; i < cfg.runs; ++i) {
      ceiling.push_back(multilangCeiling(200'000));
      amo_v.push_back(runOnce(amo, {}, cfg).throughput);
      alo_v.push_back(runOnce(alo, {}, cfg).throughput);
    }
    const double c = median(ceiling);
    for (const auto& [what, v] :
         {std::pair{"at-most-once", median(amo_v)}, std::pair{"at-least-once", median(alo_v)}}) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "%.0f tuples/s, %.0f %% of the ceiling (%.0f tuples/s)", v,
                    c > 0 ? v / c * 100.0 : 0.0, c);
      row(std::string("generator → python3 pass-through shell-bolt → counter, ") + what, buf,
          "≥ 50 % of the ceiling and ≥ 50,000 tuples/s", cmd + "multilang");
    }
  }
  return 0;
}

}  // namespace
}  // namespace topolab

int main(int argc, char** argv) { return topolab::benchMain(argc, argv); }
