// Follows a deployment's metrics on every agent that runs part of it and
// merges them into one cumulative Snapshot, as if it ran in one process. Runs
// on its own threads and reports through callbacks (no Qt), so the CLI prints
// and the studio posts to its event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "topolab/control/cluster_client.h"
#include "topolab/engine/metrics.h"

namespace topolab::control {

// An event of the deployment: forwarded from an agent (fault, deploy, stop, …)
// or the watcher's own "agent-lost" and "agent-back".
struct WatchEvent {
  int64_t t_ms = 0;   // on the deployment's clock
  std::string agent;  // the agent it concerns
  std::string kind;
  std::string detail;
};

struct WatchCallbacks {
  // Once per metrics round: the previous and the current merged snapshot, both
  // cumulative, so intervalStats(prev, cur) gives the round's figures.
  std::function<void(const Snapshot& prev, const Snapshot& cur)> interval;
  std::function<void(const WatchEvent& event)> event;
  // Once, after every agent reported its part finished or stopped; the last
  // merged snapshot (after a final interval call when there was news).
  std::function<void(const Snapshot& last)> finished;
};

struct WatchOptions {
  // The first interval counts from zero (a deployment just started); when
  // false the first merged snapshot is only the baseline (attaching to a run).
  bool count_from_start = true;
  // An agent that sent nothing for this long (or twice its usual spacing, if
  // longer) is reported lost and its stream reopened.
  std::chrono::milliseconds lost_after{2000};
  // A round waits this long after its first update for the other agents.
  std::chrono::milliseconds grace{500};
  // A round closer than this to the previous one is folded into the next (an
  // agent's first update comes at once, not an interval after the start).
  std::chrono::milliseconds min_interval{100};
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{2000};
};

class MetricsWatcher {
 public:
  // Starts following `deployment` on `agents` (names in the client's cluster
  // file); nullptr with `error` set when one is not in it or the list is empty.
  [[nodiscard]] static std::unique_ptr<MetricsWatcher> start(
      const ClusterClient& client, std::string deployment, std::vector<std::string> agents,
      WatchCallbacks callbacks, const WatchOptions& options, std::string* error);
  ~MetricsWatcher();  // stop()
  MetricsWatcher(const MetricsWatcher&) = delete;
  MetricsWatcher& operator=(const MetricsWatcher&) = delete;

  // Ends every stream and thread; no callback runs after it returns. Must not
  // be called from a callback.
  void stop();
  // Every agent reported its part finished or stopped.
  bool finished() const;
  // The newest merged snapshot (also between rounds).
  Snapshot latest() const;

  struct Impl;

 private:
  explicit MetricsWatcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

using MetricsWatcherPtr = std::unique_ptr<MetricsWatcher>;

}  // namespace topolab::control
