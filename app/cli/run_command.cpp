#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "commands.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/report.h"
#include "topolab/engine/runtime.h"
#include "topolab/engine/spec.h"

namespace topolab::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void onSignal(int) { g_interrupted.store(true); }

// Loads the file and applies --set overrides; prints problems and returns
// nullopt when the input is invalid.
std::optional<Topology> loadWithOverrides(const RunOptions& options) {
  LoadResult r = loadTopologyFile(options.file);
  if (!r.ok()) {
    for (const Diagnostic& d : r.errors) std::cerr << d.format() << '\n';
    return std::nullopt;
  }
  Topology t = std::move(*r.topology);
  for (const std::string& o : options.overrides) {
    std::string error;
    if (!applyOverride(t, o, &error)) {
      std::cerr << options.file << ": error: --set " << o << ": " << error << '\n';
      return std::nullopt;
    }
  }
  if (!options.overrides.empty()) {
    const auto errors = validateTopology(t, options.file, Catalogue::instance());
    if (!errors.empty()) {
      for (const Diagnostic& d : errors) std::cerr << d.format() << " (after --set)\n";
      return std::nullopt;
    }
  }
  return t;
}

// Prints interval reports as JSON lines, or as a table redrawn in place on a terminal.
class Reporter {
 public:
  Reporter(const RunOptions& options, const Topology& topology, std::vector<std::string> order)
      : json_(options.json), tty_(isatty(STDOUT_FILENO) != 0), topology_(topology),
        order_(std::move(order)) {}

  void interval(const Snapshot& prev, const Snapshot& cur) {
    const auto stats = intervalStats(prev, cur);
    if (json_) {
      std::cout << intervalLine(cur.t_ms, order_, stats) << std::endl;
      return;
    }
    const double seconds = std::max<int64_t>(cur.t_ms - prev.t_ms, 1) / 1000.0;
    // The live SLO line needs something at the sinks in this interval (a
    // windowed topology has intervals with none); the summary always judges.
    bool sink_data = false;
    for (const auto& [id, s] : stats) sink_data |= s.is_sink && s.counters.received > 0;
    SloResult slo;
    if (topology_.slo && sink_data) slo = evaluateSlo(*topology_.slo, stats, seconds);
    const std::string table =
        humanTable(cur.t_ms, seconds, order_, stats, topology_.slo && sink_data ? &slo : nullptr);
    if (tty_ && lines_ > 0) std::cout << "\x1b[" << lines_ << "F\x1b[J";  // redraw in place
    std::cout << table << std::flush;
    lines_ = static_cast<int>(std::count(table.begin(), table.end(), '\n'));
    if (!tty_) std::cout << '\n';
  }

  void event(int64_t t_ms, std::string_view kind, std::string_view detail) {
    if (json_) {
      std::cout << eventLine(t_ms, kind, detail) << std::endl;
    } else {
      std::cerr << "[" << t_ms / 1000.0 << " s] " << kind << ": " << detail << '\n';
      lines_ = 0;
    }
  }

  // Returns whether the SLO passed (true when there is none).
  bool summary(const Snapshot& last, int64_t duration_ms) {
    const auto totals = totalStats(last);
    SloResult slo;
    if (topology_.slo) slo = evaluateSlo(*topology_.slo, totals, std::max<int64_t>(duration_ms, 1) / 1000.0);
    if (json_) {
      std::cout << summaryLine(duration_ms, slo, order_, totals) << std::endl;
    } else {
      std::cout << "\nsummary over " << duration_ms / 1000.0 << " s (totals)\n"
                << humanTable(duration_ms, std::max<int64_t>(duration_ms, 1) / 1000.0, order_, totals,
                              topology_.slo ? &slo : nullptr);
      for (const std::string& v : slo.violations) std::cout << "SLO violated: " << v << '\n';
    }
    return slo.pass;
  }

 private:
  bool json_;
  bool tty_;
  const Topology& topology_;
  std::vector<std::string> order_;
  int lines_ = 0;
};

}  // namespace

int runCommand(const RunOptions& options) {
  const std::optional<Topology> topology = loadWithOverrides(options);
  if (!topology) return kInvalidInput;

  topolab::RunOptions run_options;
  run_options.threads = options.threads;
  run_options.record_latency = !options.no_latency;
  std::string error;
  auto runtime = Runtime::create(*topology, Catalogue::instance(), run_options, &error);
  if (!runtime) {
    std::cerr << options.file << ": error: " << error << '\n';
    return kFailure;
  }

  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  Reporter reporter(options, *topology, runtime->componentOrder());

  using Clock = std::chrono::steady_clock;
  const auto interval = std::chrono::milliseconds(topology->metricsIntervalMs());
  const auto start = Clock::now();
  const auto end = options.duration_s > 0
                       ? start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(options.duration_s))
                       : Clock::time_point::max();
  runtime->start();
  Snapshot prev = runtime->snapshot();
  auto next_tick = start + interval;
  bool finished = false;
  while (!finished && !g_interrupted.load()) {
    const auto wake = std::min(next_tick, end);
    // Poll finished() often so a finite run ends promptly.
    while (Clock::now() < wake && !g_interrupted.load()) {
      if (runtime->waitFinished(std::chrono::milliseconds(20))) {
        finished = true;
        break;
      }
    }
    if (Clock::now() >= end) break;
    if (finished || g_interrupted.load()) break;
    Snapshot cur = runtime->snapshot();
    reporter.interval(prev, cur);
    prev = std::move(cur);
    next_tick += interval;
  }
  if (!finished) {
    const StopResult stop =
        runtime->stop(std::chrono::milliseconds(static_cast<int64_t>(options.drain_s * 1000)));
    if (!stop.drained) {
      reporter.event(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count(), "stop",
                     "drain deadline passed with " + std::to_string(stop.abandoned) +
                         " tuples still queued");
    }
  }
  const int64_t duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  Snapshot last = runtime->snapshot();
  if (last.t_ms > prev.t_ms) reporter.interval(prev, last);  // the last partial interval
  const bool slo_pass = reporter.summary(last, duration_ms);
  if (options.check_slo && !slo_pass) return kSloViolated;
  return kOk;
}

}  // namespace topolab::cli
