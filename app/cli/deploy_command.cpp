// `topolab deploy` and `topolab watch`: a deployment on a cluster of agents,
// followed from the agents' merged metrics and printed exactly like `run`.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include "commands.h"
#include "inputs.h"
#include "reporter.h"
#include "topolab/control/cluster_client.h"
#include "topolab/control/metrics_watcher.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/plugin_loader.h"
#include "topolab/engine/spec.h"

namespace topolab::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};

void onSignal(int sig) {
  g_interrupted.store(true);
  std::signal(sig, SIG_DFL);  // a second Ctrl-C ends the process at once
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

int64_t msSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

struct Follow {
  std::string deployment;
  std::vector<std::string> agents;
  double duration_s = 0;  // 0: until the parts are over or Ctrl-C
  bool owns_run = false;  // deploy: stop the deployment at the end; watch: only detach
  bool count_from_start = true;
  double drain_s = 5;
  int metrics_interval_ms = 1000;
};

// Follows a deployment until every agent's part is over, the duration passes
// or Ctrl-C, printing through `reporter`; sets the last merged snapshot and
// the run's duration. False (after printing why) when it cannot follow at all.
bool follow(const control::ClusterClient& client, const Follow& f, Reporter& reporter,
            Snapshot* last, int64_t* duration_ms) {
  std::mutex mutex;
  std::condition_variable wake;
  bool over = false;
  bool printed_any = f.count_from_start;
  Snapshot printed;  // the last snapshot an interval line ended at
  Snapshot final_snapshot;

  control::WatchCallbacks callbacks;
  callbacks.interval = [&](const Snapshot& prev, const Snapshot& cur) {
    std::lock_guard lock(mutex);
    reporter.interval(prev, cur);
    printed = cur;
    printed_any = true;
  };
  callbacks.event = [&](const control::WatchEvent& e) {
    std::lock_guard lock(mutex);
    reporter.event(e.t_ms, e.kind, e.detail);
  };
  callbacks.finished = [&](const Snapshot& s) {
    std::lock_guard lock(mutex);
    final_snapshot = s;
    over = true;
    wake.notify_all();
  };
  control::WatchOptions options;
  options.count_from_start = f.count_from_start;
  options.min_interval = std::chrono::milliseconds(std::max(f.metrics_interval_ms / 2, 1));
  std::string error;
  const auto start = Clock::now();
  auto watcher =
      control::MetricsWatcher::start(client, f.deployment, f.agents, callbacks, options, &error);
  if (!watcher) {
    std::cerr << "error: " << error << '\n';
    return false;
  }
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  const auto end = f.duration_s > 0 ? start + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(f.duration_s))
                                    : Clock::time_point::max();
  {
    std::unique_lock lock(mutex);
    while (!over && !g_interrupted.load() && Clock::now() < end) {
      wake.wait_for(lock, std::chrono::milliseconds(50));
    }
  }
  bool ended_by_itself;
  {
    std::lock_guard lock(mutex);
    ended_by_itself = over;
  }
  if (f.owns_run) {
    // Stopping also frees the name on every agent for the next deploy.
    const auto drain = ended_by_itself
                           ? std::chrono::milliseconds(0)
                           : std::chrono::milliseconds(static_cast<int64_t>(f.drain_s * 1000));
    const control::StopOutcome stopped = client.stop(f.deployment, drain);
    {
      std::lock_guard lock(mutex);
      for (const control::AgentStopped& s : stopped.stopped) {
        if (!s.drained) {
          reporter.event(msSince(start), "stop",
                         "drain deadline passed on " + s.agent + " with " +
                             std::to_string(s.abandoned) + " tuples still queued");
        }
      }
    }
    for (const control::AgentError& e : stopped.errors) {
      std::cerr << "warning: stopping on " << e.agent << " failed: " << e.message << '\n';
    }
    if (!ended_by_itself) {
      // The agents send their final figures as they stop; wait briefly for them.
      std::unique_lock lock(mutex);
      wake.wait_for(lock, std::chrono::seconds(3), [&] { return over; });
    }
  }
  watcher->stop();
  std::lock_guard lock(mutex);
  Snapshot latest = over ? final_snapshot : watcher->latest();
  if (printed_any && latest.t_ms > printed.t_ms) reporter.interval(printed, latest);
  *duration_ms = latest.t_ms > 0 ? latest.t_ms : msSince(start);
  *last = std::move(latest);
  return true;
}

std::optional<std::string> readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int deployCommand(const DeployOptions& options) {
  const auto cluster = loadCluster(options.cluster, /*read_secrets=*/!options.plan_only);
  if (!cluster) return kInvalidInput;
  const std::vector<std::string> names = cluster->agentNames();
  std::string error;
  control::ClusterClientPtr client;
  if (!options.plan_only) {
    client = control::ClusterClient::create(*cluster, &error);
    if (!client) {
      std::cerr << options.cluster << ": error: " << error << '\n';
      return kFailure;
    }
  }
  // A topology with plugin components asks the agents which plugin types
  // they offer: those types validate here by stand-ins and are placed only
  // on those agents. --plan-only reads no tokens, so it plans without asking
  // (with --plugin-dir's types only).
  TypeOffers offers;
  std::unique_ptr<Catalogue> with_offered;
  if (client) {
    const LoadResult first = loadTopologyFile(options.file);
    if (first.topology && !control::typeOffers({}, *first.topology).agents_of_type.empty()) {
      offers = control::typeOffers(client->hello(), *first.topology);
      with_offered = withStandIns(*first.topology, control::offeredTypes(offers),
                                  "runs on the agents that offer it");
    }
  }
  const Catalogue& catalogue = with_offered ? *with_offered : Catalogue::instance();
  const std::optional<Topology> topology =
      loadWithOverrides(options.file, options.overrides, catalogue);
  if (!topology) return kInvalidInput;
  const auto problems = validateTopology(*topology, options.file, catalogue, &names);
  if (!problems.empty()) {
    for (const Diagnostic& d : problems) std::cerr << d.format() << '\n';
    return kInvalidInput;
  }
  const std::optional<Plan> plan = planDeployment(*topology, names, &error, offers);
  if (!plan) {
    std::cerr << options.file << ": error: " << error << '\n';
    return kInvalidInput;
  }
  if (options.plan_only) {
    std::cout << (options.json ? planJson(*plan) + "\n" : formatPlan(*plan));
    return kOk;
  }

  // The agents get the file as written, or its canonical form when --set changed it.
  std::optional<std::string> yaml =
      options.overrides.empty() ? readText(options.file) : writeTopology(*topology);
  if (!yaml) {
    std::cerr << options.file << ": error: cannot read the file again\n";
    return kFailure;
  }
  // Shell components' resources folders are relative to the file's folder;
  // they travel to the agents as bundles.
  const control::DeployOutcome outcome = client->deploy(
      *topology, *yaml, *plan, std::filesystem::absolute(options.file).parent_path().string());
  for (const control::AgentError& e : outcome.rollback_errors) {
    std::cerr << "warning: " << e.agent << ": " << e.message
              << " (stop it there with `topolab stop " << topology->name << " --cluster "
              << options.cluster << "`)\n";
  }
  if (!outcome.ok) {
    std::cerr << "error: " << outcome.message << '\n';
    return kFailure;
  }

  Reporter reporter(options.json, topology->slo, topologicalOrder(*topology),
                    topology->metricsIntervalMs());
  reporter.header(*topology);
  reporter.checkConservation(countsCanBalance(*topology));
  std::string shipped;
  if (outcome.bundles_sent > 0) {
    shipped = "; sent " + std::to_string(outcome.bundles_sent) + " resources bundle(s), " +
              std::to_string(outcome.bundle_bytes_sent) + " bytes";
  }
  reporter.event(0, "deploy",
                 "deployed " + topology->name + " on " + joined(outcome.agents) + " (plan " +
                     outcome.plan_id + ")" + shipped);
  if (options.detach) return kOk;

  Follow f;
  f.deployment = topology->name;
  f.agents = outcome.agents;
  f.duration_s = options.duration_s;
  f.owns_run = true;
  f.count_from_start = true;
  f.drain_s = options.drain_s;
  f.metrics_interval_ms = topology->metricsIntervalMs();
  Snapshot last;
  int64_t duration_ms = 0;
  if (!follow(*client, f, reporter, &last, &duration_ms)) {
    (void)client->stop(topology->name, std::chrono::milliseconds(0));
    return kFailure;
  }
  const bool slo_pass = reporter.summary(last, duration_ms);
  if (options.check_slo && !slo_pass) return kSloViolated;
  return kOk;
}

int watchCommand(const WatchOptions& options) {
  const auto cluster = loadCluster(options.cluster);
  if (!cluster) return kInvalidInput;
  std::string error;
  auto client = control::ClusterClient::create(*cluster, &error);
  if (!client) {
    std::cerr << options.cluster << ": error: " << error << '\n';
    return kFailure;
  }
  const control::ListOutcome listed = client->list();
  for (const control::AgentError& e : listed.errors) {
    std::cerr << "warning: " << e.agent << ": " << e.message << '\n';
  }
  const std::vector<std::string> agents = listed.agentsOf(options.name);
  if (agents.empty()) {
    std::cerr << "error: no agent of " << options.cluster << " runs deployment '" << options.name
              << "'" << (listed.errors.empty() ? "" : " (some did not answer)") << '\n';
    return kFailure;
  }
  // Without the topology file there is no SLO to judge and no graph order.
  Reporter reporter(options.json, std::nullopt, {});
  reporter.checkConservation(false);  // its transports are not known here
  Follow f;
  f.deployment = options.name;
  f.agents = agents;
  f.owns_run = false;
  f.count_from_start = false;
  f.metrics_interval_ms = 200;  // unknown here: let rounds be as short as 100 ms
  Snapshot last;
  int64_t duration_ms = 0;
  if (!follow(*client, f, reporter, &last, &duration_ms)) return kFailure;
  (void)reporter.summary(last, duration_ms);
  return kOk;
}

}  // namespace topolab::cli
