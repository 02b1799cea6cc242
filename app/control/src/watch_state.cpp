// Merging per-agent cumulative metrics and deciding when a round is complete.
#include "watch_state.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "topolab/wire/convert.h"

namespace topolab::control {
namespace {

std::string secondsText(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(ms) / 1000.0);
  return buf;
}

bool isOver(const std::string& state) { return state == "finished" || state == "stopped"; }

// An update carries only the error samples its stream had not sent: each
// instance of `cur` keeps, with them, the ones `prev` (the agent's update
// before) held, as the agent does.
void keepErrorSamplesOf(const Snapshot& prev, Snapshot& cur) {
  std::map<std::pair<std::string, int>, const InstanceSnapshot*> before;
  for (const InstanceSnapshot& i : prev.instances) before[{i.component, i.index}] = &i;
  for (InstanceSnapshot& i : cur.instances) {
    auto it = before.find({i.component, i.index});
    if (it == before.end() || it->second->errors.empty()) continue;
    std::vector<ErrorSample> kept = it->second->errors;
    keepErrorSamples(kept, i.errors);
    i.errors = std::move(kept);
  }
}

}  // namespace

WatchState::WatchState(std::vector<std::string> agents, Clock::time_point now)
    : order_(std::move(agents)), newest_at_(now) {
  for (const std::string& a : order_) agents_[a].last_update = now;
}

WatchState::Agent* WatchState::find(const std::string& agent) {
  auto it = agents_.find(agent);
  return it == agents_.end() ? nullptr : &it->second;
}

void WatchState::update(const std::string& agent, const v1::MetricsUpdate& u,
                        Clock::time_point now) {
  Agent* a = find(agent);
  if (!a) return;
  if (a->answered && now > a->last_update) {
    a->spacing = std::chrono::duration_cast<std::chrono::milliseconds>(now - a->last_update);
  }
  a->last_update = now;
  a->answered = true;
  if (u.t_ms() >= newest_t_ms_) {
    newest_t_ms_ = u.t_ms();
    newest_at_ = now;
  }
  if (a->lost) {
    a->lost = false;
    events_.push_back({estimatedTms(now), agent, "agent-back", agent + " is answering again"});
  }
  for (const v1::Event& e : u.events()) {
    if (a->events_seen.emplace(e.t_ms(), e.kind(), e.detail()).second) {
      events_.push_back({e.t_ms(), agent, e.kind(), e.detail()});
    }
  }
  Snapshot s = wire::fromProto(u);
  for (InstanceSnapshot& i : s.instances) i.agent = agent;  // the cluster file's name for it
  if (a->newest) keepErrorSamplesOf(*a->newest, s);
  if (a->pending.size() == kMaxPending) a->pending.pop_front();
  a->pending.emplace_back(s, now);
  a->newest = std::move(s);
  a->state = u.state();
  if (isOver(a->state)) a->done = true;
}

bool WatchState::lost(const std::string& agent, const std::string& reason, Clock::time_point now) {
  Agent* a = find(agent);
  if (!a || a->lost || a->done) return false;
  a->lost = true;
  events_.push_back(
      {estimatedTms(now), agent, "agent-lost",
       agent + " stopped answering at " + secondsText(estimatedTms(now)) + " s: " + reason});
  return true;
}

void WatchState::gone(const std::string& agent, const std::string& reason, Clock::time_point now) {
  Agent* a = find(agent);
  if (!a || a->done) return;
  a->done = true;
  a->lost = false;
  events_.push_back(
      {estimatedTms(now), agent, "stop", agent + " no longer runs the deployment: " + reason});
}

std::vector<std::pair<std::string, std::chrono::milliseconds>> WatchState::quiet(
    Clock::time_point now, std::chrono::milliseconds lost_after) const {
  std::vector<std::pair<std::string, std::chrono::milliseconds>> out;
  for (const std::string& name : order_) {
    const Agent& a = agents_.at(name);
    if (a.lost || a.done) continue;
    const auto threshold = std::max(lost_after, 2 * a.spacing);
    const auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - a.last_update);
    if (silent > threshold) out.emplace_back(name, silent);
  }
  return out;
}

bool WatchState::hasNews() const {
  return std::any_of(agents_.begin(), agents_.end(),
                     [](const auto& kv) { return !kv.second.pending.empty(); });
}

bool WatchState::due(Clock::time_point now, std::chrono::milliseconds grace) const {
  if (!hasNews()) return false;
  bool all_fresh = true;
  Clock::time_point first = now;
  for (const auto& [name, a] : agents_) {
    if (!a.pending.empty()) first = std::min(first, a.pending.front().second);
    if (a.lost || a.done) continue;
    if (a.pending.empty()) all_fresh = false;
    // An agent samples on its own timer: wait for one a little behind the others.
    grace = std::max(grace, a.spacing * 3 / 2);
  }
  if (all_fresh) return true;
  return rounds_ > 0 && now - first >= grace;
}

Snapshot WatchState::mergeOf(const std::optional<Snapshot> Agent::*pick) const {
  Snapshot m;
  for (const std::string& name : order_) {
    const Agent& a = agents_.at(name);
    const std::optional<Snapshot>& snapshot = a.*pick;
    if (!snapshot) continue;
    m.t_ms = std::max(m.t_ms, snapshot->t_ms);
    for (const InstanceSnapshot& i : snapshot->instances) {
      m.instances.push_back(i);
      if (a.lost) m.instances.back().alive = false;
    }
  }
  std::stable_sort(m.instances.begin(), m.instances.end(),
                   [](const InstanceSnapshot& x, const InstanceSnapshot& y) {
                     return std::tie(x.component, x.index) < std::tie(y.component, y.index);
                   });
  return m;
}

Snapshot WatchState::merged() const { return mergeOf(&Agent::newest); }

Snapshot WatchState::takeRound(bool catch_up) {
  for (auto& [name, a] : agents_) {
    if (a.pending.empty()) continue;
    a.rounded = std::move(catch_up ? a.pending.back().first : a.pending.front().first);
    if (catch_up) {
      a.pending.clear();
    } else {
      a.pending.pop_front();
    }
  }
  ++rounds_;
  return mergeOf(&Agent::rounded);
}

std::vector<WatchEvent> WatchState::takeEvents() {
  std::vector<WatchEvent> out;
  out.swap(events_);
  // Agents report independently; in time order they read as one history.
  std::stable_sort(out.begin(), out.end(),
                   [](const WatchEvent& a, const WatchEvent& b) { return a.t_ms < b.t_ms; });
  return out;
}

bool WatchState::agentDone(const std::string& agent) const {
  auto it = agents_.find(agent);
  return it != agents_.end() && it->second.done;
}

bool WatchState::finished() const {
  return std::all_of(agents_.begin(), agents_.end(), [](const auto& kv) { return kv.second.done; });
}

int64_t WatchState::estimatedTms(Clock::time_point now) const {
  return newest_t_ms_ +
         std::max<int64_t>(
             std::chrono::duration_cast<std::chrono::milliseconds>(now - newest_at_).count(), 0);
}

}  // namespace topolab::control
