// `topolab run`: every instance in this process, with live metrics.
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "commands.h"
#include "inputs.h"
#include "reporter.h"
#include "topolab/engine/kafka.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/runtime.h"
#include "topolab/engine/spec.h"

namespace topolab::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void onSignal(int) { g_interrupted.store(true); }

}  // namespace

int runCommand(const RunOptions& options) {
  const std::optional<Topology> topology = loadWithOverrides(options.file, options.overrides);
  if (!topology) return kInvalidInput;

  topolab::RunOptions run_options;
  run_options.threads = options.threads;
  run_options.record_latency = !options.no_latency;
  // Shell components' `resources` folders are relative to the file's folder.
  run_options.resources_base = std::filesystem::absolute(options.file).parent_path().string();
  // A file that reads or writes Kafka gets an embedded cluster unless one is named.
  std::unique_ptr<EmbeddedKafka> kafka;
  run_options.kafka_bootstrap = options.kafka;
  run_options.run_id = newRunId();
  if (options.kafka.empty() && topologyNeedsKafka(*topology)) {
    std::string kafka_error;
    kafka = EmbeddedKafka::start(3, &kafka_error);
    if (!kafka || !kafka->createTopicsFor(*topology, 1, &kafka_error, run_options.run_id)) {
      std::cerr << options.file
                << ": error: cannot start the embedded Kafka cluster: " << kafka_error << '\n';
      return kFailure;
    }
    run_options.kafka_bootstrap = kafka->bootstrap();
    std::cerr << "kafka bootstrap: " << kafka->bootstrap() << '\n';
  }
  std::string error;
  auto runtime = Runtime::create(*topology, Catalogue::instance(), run_options, &error);
  if (!runtime) {
    std::cerr << options.file << ": error: " << error << '\n';
    return kFailure;
  }

  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  Reporter reporter(options.json, topology->slo, runtime->componentOrder(),
                    topology->metricsIntervalMs());
  reporter.header(*topology);
  reporter.checkConservation(countsCanBalance(*topology));

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
    for (const RuntimeEvent& e : runtime->takeEvents()) {
      reporter.event(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count(),
          e.kind, e.detail);
    }
    Snapshot cur = runtime->snapshot();
    reporter.interval(prev, cur);
    prev = std::move(cur);
    next_tick += interval;
  }
  if (!finished) {
    const StopResult stop =
        runtime->stop(std::chrono::milliseconds(static_cast<int64_t>(options.drain_s * 1000)));
    if (!stop.drained) {
      reporter.event(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count(),
          "stop",
          "drain deadline passed with " + std::to_string(stop.abandoned) + " tuples still queued");
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
