// MetricsHistory: what a live dashboard plots, kept without any widget. Fed one
// metrics round at a time (two cumulative snapshots of one run), it keeps a
// bounded ring of points per scope — the whole topology, each component, each
// agent, each instance, each stream — plus the run's events, and writes a
// scope as CSV.
// Aggregation is the engine's (intervalStats/ComponentStats::merge): exact
// counts and merged histograms, never averaged percentiles. No Qt.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "topolab/engine/metrics.h"
#include "topolab/engine/report.h"
#include "topolab/engine/topology.h"

namespace topolab::widgets {

enum class ScopeKind { Topology, Component, Agent, Instance, Stream };

struct ScopeKey {
  ScopeKind kind = ScopeKind::Topology;
  // Component id, agent name, "component#index" or "from:to" (the engine's
  // name of a stream); empty for the topology.
  std::string name;

  static ScopeKey topology() { return {}; }
  static ScopeKey component(std::string id) { return {ScopeKind::Component, std::move(id)}; }
  static ScopeKey agent(std::string name) { return {ScopeKind::Agent, std::move(name)}; }
  static ScopeKey instance(const std::string& id, int index) {
    return {ScopeKind::Instance, id + "#" + std::to_string(index)};
  }
  static ScopeKey stream(const std::string& from, const std::string& to) {
    return {ScopeKind::Stream, from + ":" + to};
  }
  auto operator<=>(const ScopeKey&) const = default;
};

// One interval of one scope. Latencies are in milliseconds; NaN where the
// interval had no sample (no tuple processed, or no sink in the scope). A
// stream's point has its tuples/s and, as its latency, the stream's (upstream
// emit → taken from the input queue); its other figures are NaN.
struct HistoryPoint {
  int64_t t_ms = 0;       // end of the interval, since the run started
  double throughput = 0;  // tuples/s, see MetricsHistory::addRound
  double latency_p50_ms = 0, latency_p90_ms = 0, latency_p99_ms = 0;  // processing
  double e2e_p50_ms = 0, e2e_p90_ms = 0, e2e_p99_ms = 0;              // end to end, at sinks
  double error_rate = 0;  // errors / received (0 when nothing was received)
  double latency_p999_ms = 0, latency_max_ms = 0;  // processing, the tail
  double e2e_p999_ms = 0, e2e_max_ms = 0;          // end to end, the tail
  // Back pressure, as fractions: the fullest input queue of the scope's
  // instances at the end of the interval (NaN when none has a capacity), and
  // the share of the interval its instances spent blocked on a full
  // downstream queue, over all of them (blocked time / instances × interval).
  double queue_fill = 0;
  double blocked_share = 0;
  // A replicated-store instance's replication lag at the end of the interval,
  // in writes and in milliseconds; NaN for any other scope and for a dead instance.
  double replica_lag_ops = 0, replica_lag_ms = 0;
  // The topology's only: tuples/s its producers emitted, the load coming in
  // (NaN for any other scope, and before setTopology names the producers).
  // Beside the throughput at the sinks it shows a steady inflow when the
  // sinks get results in bursts, e.g. a window's once a second.
  double ingest = 0;
};

// A fixed-capacity ring of points, oldest first; a full ring drops its oldest.
class SeriesRing {
 public:
  explicit SeriesRing(size_t capacity);
  void push(const HistoryPoint& p);
  size_t size() const { return size_; }
  size_t capacity() const { return ring_.size(); }
  bool empty() const { return size_ == 0; }
  // i = 0 is the oldest point kept.
  const HistoryPoint& at(size_t i) const { return ring_[(head_ + i) % ring_.size()]; }
  const HistoryPoint& back() const { return at(size_ - 1); }
  // Index of the first point with t_ms >= t (size() when none).
  size_t firstAtOrAfter(int64_t t) const;

 private:
  std::vector<HistoryPoint> ring_;
  size_t head_ = 0;  // index of the oldest point
  size_t size_ = 0;
};

struct HistoryEvent {
  int64_t t_ms = 0;
  std::string kind;  // deploy, fault, agent-lost, agent-back, promotion, stop, finished…
  std::string detail;
  std::string agent;  // empty when the event is not about one agent
};

// Each requirement of the topology's `slo` block judged on the latest interval.
enum class SloState { NotSet, NoData, Pass, Fail };
struct SloStatus {
  SloState throughput = SloState::NotSet;
  SloState p99 = SloState::NotSet;
  SloState error_rate = SloState::NotSet;
  std::vector<std::string> violations;  // evaluateSlo's words, empty when all pass
};

class MetricsHistory {
 public:
  // One hour of one-second rounds.
  static constexpr size_t kDefaultCapacity = 3600;
  static constexpr size_t kMaxEvents = 10000;
  // Memory per point of one scope (the ring's element).
  static constexpr size_t kBytesPerPoint = sizeof(HistoryPoint);

  explicit MetricsHistory(size_t capacity = kDefaultCapacity);

  // Which components are producers (their throughput is what they emit) and
  // the SLO to judge; components not in the topology count as bolts or sinks.
  void setTopology(const Topology& topology);

  // Records the interval prev → cur (cumulative snapshots of the same run) in
  // every scope. Throughput is, for the topology, tuples received at sinks per
  // second (its ingest: emitted by its producers per second); for a component
  // or instance, received per second (emitted per second for a producer); for
  // an agent, received plus emitted by its producers, per second; for a
  // stream, the tuples its latency counted per second (a stream is a scope
  // from its first interval with a tuple on it, with a point in every round
  // after). Returns false (recording nothing) when cur is not later than
  // prev, or when the interval is shorter than half the metrics interval (the
  // topology's, else the longest seen): the last one at a stop, a few
  // stragglers over a few milliseconds, is no rate to chart.
  bool addRound(const Snapshot& prev, const Snapshot& cur);
  // The same happening reported by several agents (a deploy, a fault each
  // agent applies to its own instances, after the client's own note of it)
  // is one event: one of the same kind from an agent not yet in it, within
  // kCoalesceMs of the previous, is folded into it, details joined.
  void addEvent(HistoryEvent event);
  static constexpr int64_t kCoalesceMs = 1000;
  void clear();  // points, events and scopes; the topology stays

  size_t capacity() const { return capacity_; }
  int64_t rounds() const { return rounds_; }
  // The scope's points, nullptr if the scope was never seen.
  const SeriesRing* series(const ScopeKey& scope) const;
  // Every scope of one kind seen so far, sorted by name.
  std::vector<std::string> scopeNames(ScopeKind kind) const;
  size_t scopeCount() const { return series_.size(); }
  // Events oldest first; at most kMaxEvents are kept.
  const std::deque<HistoryEvent>& events() const { return events_; }

  // The SLO judged on the latest interval (NoData when no sink received a
  // tuple in it; NotSet for a bound the topology does not have).
  const SloStatus& sloStatus() const { return slo_status_; }
  const std::optional<Slo>& slo() const { return slo_; }
  // The latest interval per component, as the engine aggregates it.
  const std::map<std::string, ComponentStats>& lastInterval() const { return last_interval_; }

  // The instances of `component` that reported replica figures (a
  // replicated store's "kv#0", "kv#1", …), sorted by index.
  std::vector<std::string> replicaNames(const std::string& component) const;

  // The scope as CSV: a header row, then one row per point, oldest first:
  // t_ms,throughput_per_s,latency_p50_ms,latency_p90_ms,latency_p99_ms,
  // e2e_p50_ms,e2e_p90_ms,e2e_p99_ms,error_rate, then (added later, so at the
  // end) latency_p999_ms,latency_max_ms,e2e_p999_ms,e2e_max_ms,queue_fill,
  // blocked_share,replica_lag_ops,replica_lag_ms,ingest_per_s (an empty cell
  // for no sample).
  std::string csv(const ScopeKey& scope) const;

 private:
  void push(const ScopeKey& scope, const HistoryPoint& p);
  void judgeSlo(double duration_s);

  size_t capacity_;
  std::set<std::string> producers_;
  std::optional<Slo> slo_;
  std::map<ScopeKey, SeriesRing> series_;
  std::deque<HistoryEvent> events_;
  std::map<std::string, std::set<int>> replicas_;  // component → indexes with replica figures
  std::vector<std::string> last_agents_;           // the agents the newest event came from
  std::map<std::string, ComponentStats> last_interval_;
  SloStatus slo_status_;
  double last_seconds_ = 1;  // the latest interval's length
  int64_t rounds_ = 0;
  int64_t metrics_interval_ms_ = 0;  // the topology's; 0 before setTopology
  int64_t longest_interval_ms_ = 0;
};

}  // namespace topolab::widgets
