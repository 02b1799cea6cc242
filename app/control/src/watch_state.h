// The watcher's bookkeeping without threads or sockets: the latest cumulative
// snapshot per agent, their union, when a round is complete, which agents went
// quiet, and the events to pass on. Time comes in as arguments so tests drive it.
//
// A round holds one update per agent: each agent samples on its own timer, so
// a round takes every agent's oldest update not yet in a round. An agent whose
// update comes a little after the others' is waited for (up to 1.5 times its
// usual spacing), and one that got ahead keeps its extra update for the next
// round, so no round lacks an agent's interval and the next one has two: a
// topology's rate does not dip and then double because one update was late.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
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

  // An update from `agent` (its name in the cluster file). Queues its events
  // not seen before (a reopened stream starts with the agent's whole event
  // history), and an "agent-back" event when the agent had been lost.
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
  // an update since the last round, or the grace passed since the first of
  // them: `grace`, or 1.5 times the slowest agent's usual spacing if longer
  // (the first round waits for every agent, or for it to be lost).
  bool due(Clock::time_point now, std::chrono::milliseconds grace) const;
  bool hasNews() const;

  // Every agent's latest instances, sorted by component and index; t_ms the
  // newest an agent reported. Instances of lost agents are marked not alive.
  Snapshot merged() const;
  // The next round: every agent's oldest update not yet in a round (or its
  // newest, with `catch_up`: the last round of a deployment), merged like
  // merged(); agents without one keep their figures of the round before.
  Snapshot takeRound(bool catch_up = false);
  std::vector<WatchEvent> takeEvents();

  bool agentDone(const std::string& agent) const;
  // Every agent's part finished or stopped (or is gone).
  bool finished() const;
  // The deployment's clock now, estimated from the newest update.
  int64_t estimatedTms(Clock::time_point now) const;
  bool anyRoundTaken() const { return rounds_ > 0; }

 private:
  // Updates an agent may have waiting for rounds; beyond that the oldest is
  // dropped (its counts go into the next one: figures are cumulative).
  static constexpr size_t kMaxPending = 3;

  struct Agent {
    std::optional<Snapshot> newest;   // its latest update
    std::optional<Snapshot> rounded;  // the update it has in the latest round
    std::deque<std::pair<Snapshot, Clock::time_point>> pending;  // not in a round yet, oldest first
    std::string state;
    Clock::time_point last_update;
    std::chrono::milliseconds spacing{0};
    std::set<std::tuple<int64_t, std::string, std::string>> events_seen;  // t_ms, kind, detail
    bool answered = false;  // at least one update ever
    bool lost = false;
    bool done = false;
  };

  Agent* find(const std::string& agent);
  // Every agent's instances from `pick`, sorted; t_ms the newest among them.
  Snapshot mergeOf(const std::optional<Snapshot> Agent::*pick) const;

  std::vector<std::string> order_;
  std::map<std::string, Agent> agents_;
  std::vector<WatchEvent> events_;
  int64_t newest_t_ms_ = 0;
  Clock::time_point newest_at_;
  int rounds_ = 0;
};

}  // namespace topolab::control
