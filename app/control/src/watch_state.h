// The watcher's bookkeeping without threads or sockets: the latest cumulative
// snapshot per agent, their union, when a round is complete, which agents went
// quiet, and the events to pass on. Time comes in as arguments so tests drive it.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "topolab/control/metrics_watcher.h"
#include "topolab/engine/metrics.h"
#include "topolab/v1/agent.pb.h"

namespace topolab::control {

class WatchState {
 public:
  using Clock = std::chrono::steady_clock;

  WatchState(std::vector<std::string> agents, Clock::time_point now);

  // An update from `agent` (its name in the cluster file). Queues its events,
  // and an "agent-back" event when the agent had been lost.
  void update(const std::string& agent, const v1::MetricsUpdate& u, Clock::time_point now);
  // The agent's stream broke or went quiet. Queues an "agent-lost" event and
  // returns true when this is news (it had not already been reported).
  bool lost(const std::string& agent, const std::string& reason, Clock::time_point now);
  // The agent no longer has the deployment: its part is over.
  void gone(const std::string& agent, const std::string& reason, Clock::time_point now);

  // Agents not lost or done that sent nothing for max(lost_after, 2 × their
  // usual spacing), with how long they have been quiet.
  std::vector<std::pair<std::string, std::chrono::milliseconds>> quiet(
      Clock::time_point now, std::chrono::milliseconds lost_after) const;
  // A round is ready: there is news and every agent still answering has sent
  // an update since the last round, or `grace` passed since the first of them
  // (the first round waits for every agent, or for it to be lost).
  bool due(Clock::time_point now, std::chrono::milliseconds grace) const;
  bool hasNews() const;

  // Every agent's latest instances, sorted by component and index; t_ms the
  // newest an agent reported. Instances of lost agents are marked not alive.
  Snapshot merged() const;
  // merged(), and starts the next round.
  Snapshot takeRound();
  std::vector<WatchEvent> takeEvents();

  bool agentDone(const std::string& agent) const;
  // Every agent's part finished or stopped (or is gone).
  bool finished() const;
  // The deployment's clock now, estimated from the newest update.
  int64_t estimatedTms(Clock::time_point now) const;
  bool anyRoundTaken() const { return rounds_ > 0; }

 private:
  struct Agent {
    std::optional<Snapshot> snapshot;
    std::string state;
    Clock::time_point last_update;
    std::chrono::milliseconds spacing{0};
    bool answered = false;  // at least one update ever
    bool lost = false;
    bool done = false;
    bool fresh = false;  // an update since the last round
    Clock::time_point fresh_since;
  };

  Agent* find(const std::string& agent);

  std::vector<std::string> order_;
  std::map<std::string, Agent> agents_;
  std::vector<WatchEvent> events_;
  int64_t newest_t_ms_ = 0;
  Clock::time_point newest_at_;
  int rounds_ = 0;
};

}  // namespace topolab::control
