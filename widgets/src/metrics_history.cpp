// MetricsHistory: one round becomes one point in every scope it touches.
#include "topolab/widgets/metrics_history.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "topolab/engine/catalogue.h"

namespace topolab::widgets {
namespace {

constexpr double kNoSample = std::numeric_limits<double>::quiet_NaN();

// Milliseconds at quantile q, as evaluateSlo reads its p99 (NaN when empty).
double quantileMs(const Histogram& h, double q) {
  return h.empty() ? kNoSample : static_cast<double>(h.quantile(q)) / 1e6;
}

double ratio(uint64_t a, uint64_t b) {
  return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
}

// The highest value in milliseconds (NaN when empty).
double maxMs(const Histogram& h) {
  return h.empty() ? kNoSample : static_cast<double>(h.max()) / 1e6;
}

// `s` over an interval of `seconds`; `fill` is the scope's fullest queue.
HistoryPoint pointOf(int64_t t_ms, const ComponentStats& s, double throughput, double seconds,
                     double fill) {
  HistoryPoint p;
  p.t_ms = t_ms;
  p.throughput = throughput;
  p.latency_p50_ms = quantileMs(s.latency, 0.5);
  p.latency_p90_ms = quantileMs(s.latency, 0.9);
  p.latency_p99_ms = quantileMs(s.latency, 0.99);
  p.latency_p999_ms = quantileMs(s.latency, 0.999);
  p.latency_max_ms = maxMs(s.latency);
  p.e2e_p50_ms = quantileMs(s.e2e, 0.5);
  p.e2e_p90_ms = quantileMs(s.e2e, 0.9);
  p.e2e_p99_ms = quantileMs(s.e2e, 0.99);
  p.e2e_p999_ms = quantileMs(s.e2e, 0.999);
  p.e2e_max_ms = maxMs(s.e2e);
  p.error_rate = ratio(s.counters.errors, s.counters.received);
  p.queue_fill = fill;
  // As the canvas's load: blocked time over every instance's share of the interval.
  p.blocked_share =
      s.instances > 0
          ? std::min(1.0, static_cast<double>(s.blocked_ns) / (seconds * 1e9 * s.instances))
          : kNoSample;
  p.replica_lag_ops = kNoSample;
  p.replica_lag_ms = kNoSample;
  p.ingest = kNoSample;
  return p;
}

// A stream's interval: its tuples/s and latency, nothing else.
HistoryPoint streamPointOf(int64_t t_ms, const Histogram& latency, double seconds) {
  HistoryPoint p;
  p.t_ms = t_ms;
  p.throughput = static_cast<double>(latency.count()) / seconds;
  p.latency_p50_ms = quantileMs(latency, 0.5);
  p.latency_p90_ms = quantileMs(latency, 0.9);
  p.latency_p99_ms = quantileMs(latency, 0.99);
  p.latency_p999_ms = quantileMs(latency, 0.999);
  p.latency_max_ms = maxMs(latency);
  for (double* none :
       {&p.e2e_p50_ms, &p.e2e_p90_ms, &p.e2e_p99_ms, &p.e2e_p999_ms, &p.e2e_max_ms, &p.error_rate,
        &p.queue_fill, &p.blocked_share, &p.replica_lag_ops, &p.replica_lag_ms, &p.ingest})
    *none = kNoSample;
  return p;
}

// The fuller of `fill` and `inst`'s queue (capacity 0: not known, no change).
double fuller(double fill, const InstanceSnapshot& inst) {
  if (inst.queue_capacity <= 0) return fill;
  const double f =
      std::min(1.0, static_cast<double>(std::max<int64_t>(inst.queue, 0)) / inst.queue_capacity);
  return std::isnan(fill) ? f : std::max(fill, f);
}

std::string instanceName(const InstanceSnapshot& inst) {
  return inst.component + "#" + std::to_string(inst.index);
}

// The snapshot with each instance standing as its own component
// ("component#index"), so the engine's intervalStats works per instance.
Snapshot perInstance(const Snapshot& s) {
  Snapshot out;
  out.t_ms = s.t_ms;
  out.instances.reserve(s.instances.size());
  for (const InstanceSnapshot& inst : s.instances) {
    out.instances.push_back(inst);
    out.instances.back().component = instanceName(inst);
  }
  return out;
}

void appendCell(std::string& out, double v, const char* format) {
  out += ',';
  if (std::isnan(v)) return;
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  out += buf;
}

// A single-bound copy of `slo`, so each requirement gets its own verdict.
SloState judge(const Slo& one, const std::map<std::string, ComponentStats>& stats,
               double duration_s, std::vector<std::string>& violations) {
  const SloResult r = evaluateSlo(one, stats, duration_s);
  violations.insert(violations.end(), r.violations.begin(), r.violations.end());
  return r.pass ? SloState::Pass : SloState::Fail;
}

}  // namespace

SeriesRing::SeriesRing(size_t capacity) : ring_(std::max<size_t>(capacity, 1)) {}

void SeriesRing::push(const HistoryPoint& p) {
  if (size_ < ring_.size()) {
    ring_[(head_ + size_) % ring_.size()] = p;
    ++size_;
    return;
  }
  ring_[head_] = p;
  head_ = (head_ + 1) % ring_.size();
}

size_t SeriesRing::firstAtOrAfter(int64_t t) const {
  // Points are pushed in time order, so a binary search over the ring works.
  size_t lo = 0, hi = size_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (at(mid).t_ms < t) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

MetricsHistory::MetricsHistory(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

void MetricsHistory::setTopology(const Topology& topology) {
  producers_.clear();
  for (const Component& c : topology.components) {
    const ComponentType* type = Catalogue::instance().find(c.type);
    if (type && type->role == Role::Producer) producers_.insert(c.id);
  }
  slo_ = topology.slo;
  metrics_interval_ms_ = topology.metricsIntervalMs();
  slo_status_ = {};
  if (!last_interval_.empty()) judgeSlo(0);
}

void MetricsHistory::push(const ScopeKey& scope, const HistoryPoint& p) {
  auto it = series_.find(scope);
  if (it == series_.end()) it = series_.emplace(scope, SeriesRing(capacity_)).first;
  it->second.push(p);
}

bool MetricsHistory::addRound(const Snapshot& prev, const Snapshot& cur) {
  if (cur.t_ms <= prev.t_ms) return false;
  const int64_t span_ms = cur.t_ms - prev.t_ms;
  longest_interval_ms_ = std::max(longest_interval_ms_, span_ms);
  const int64_t usual = metrics_interval_ms_ > 0 ? metrics_interval_ms_ : longest_interval_ms_;
  if (2 * span_ms < usual) return false;
  const double seconds = static_cast<double>(cur.t_ms - prev.t_ms) / 1000.0;
  const int64_t t = cur.t_ms;
  auto rate = [seconds](uint64_t n) { return static_cast<double>(n) / seconds; };

  // Queue fill is a level at the end of the interval: the fullest instance per scope.
  std::map<std::string, double> fill_of_component, fill_of_agent, fill_of_instance;
  double fill_of_topology = kNoSample;
  for (const InstanceSnapshot& inst : cur.instances) {
    auto fill = [&inst](std::map<std::string, double>& m, const std::string& key) {
      auto [it, fresh] = m.try_emplace(key, kNoSample);
      it->second = fuller(it->second, inst);
    };
    fill(fill_of_component, inst.component);
    if (!inst.agent.empty()) fill(fill_of_agent, inst.agent);
    fill(fill_of_instance, instanceName(inst));
    fill_of_topology = fuller(fill_of_topology, inst);
  }
  auto fillOf = [](const std::map<std::string, double>& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? kNoSample : it->second;
  };

  last_interval_ = intervalStats(prev, cur);
  const ComponentStats all = topologyStats(last_interval_);
  uint64_t at_sinks = 0, ingest = 0;
  bool any_producer = false;
  for (const auto& [id, s] : last_interval_) {
    const bool producer = producers_.count(id) > 0;
    push(ScopeKey::component(id),
         pointOf(t, s, rate(producer ? s.counters.emitted : s.counters.received), seconds,
                 fillOf(fill_of_component, id)));
    if (s.is_sink) at_sinks += s.counters.received;
    if (producer) ingest += s.counters.emitted;
    any_producer = any_producer || producer;
  }
  HistoryPoint topology = pointOf(t, all, rate(at_sinks), seconds, fill_of_topology);
  // Without a producer known there is no inflow to show, which is not an inflow of 0.
  topology.ingest = any_producer ? rate(ingest) : kNoSample;
  push(ScopeKey::topology(), topology);

  // Streams that carried tuples, and those seen before that were idle this time.
  std::map<std::string, Histogram> streams = streamLatencies(last_interval_);
  for (const std::string& name : scopeNames(ScopeKind::Stream)) streams.try_emplace(name);
  for (const auto& [name, latency] : streams)
    push({ScopeKind::Stream, name}, streamPointOf(t, latency, seconds));

  // Instances, and agents as the merge of the instances they ran.
  struct Where {
    std::string agent;
    bool producer = false;
    const ReplicaStats* replica = nullptr;  // cur's, while the instance is alive
  };
  std::map<std::string, Where> where;
  for (const Snapshot* s : {&prev, &cur}) {
    for (const InstanceSnapshot& inst : s->instances) {
      where[instanceName(inst)] = {
          inst.agent, producers_.count(inst.component) > 0,
          s == &cur && inst.replica && inst.alive ? &*inst.replica : nullptr};
      if (s == &cur && inst.replica) replicas_[inst.component].insert(inst.index);
    }
  }
  std::map<std::string, ComponentStats> agents;
  std::map<std::string, uint64_t> agent_work;
  for (const auto& [name, s] : intervalStats(perInstance(prev), perInstance(cur))) {
    const Where& w = where[name];
    const uint64_t work = w.producer ? s.counters.emitted : s.counters.received;
    HistoryPoint p = pointOf(t, s, rate(work), seconds, fillOf(fill_of_instance, name));
    if (w.replica) {
      p.replica_lag_ops = static_cast<double>(w.replica->lag_ops);
      p.replica_lag_ms = static_cast<double>(w.replica->lag_ms);
    }
    push({ScopeKind::Instance, name}, p);
    if (w.agent.empty()) continue;
    agents[w.agent].merge(s);
    agent_work[w.agent] += s.counters.received + (w.producer ? s.counters.emitted : 0);
  }
  for (const auto& [agent, s] : agents)
    push(ScopeKey::agent(agent),
         pointOf(t, s, rate(agent_work[agent]), seconds, fillOf(fill_of_agent, agent)));

  judgeSlo(seconds);
  ++rounds_;
  return true;
}

void MetricsHistory::judgeSlo(double duration_s) {
  if (duration_s > 0) last_seconds_ = duration_s;
  slo_status_ = {};
  if (!slo_) return;
  uint64_t at_sinks = 0;
  for (const auto& [id, s] : last_interval_) at_sinks += s.is_sink ? s.counters.received : 0;
  // As the live table: a verdict only for an interval in which a sink received something.
  const SloState none = at_sinks == 0 ? SloState::NoData : SloState::NotSet;
  using Bound = std::optional<double> Slo::*;
  auto one = [&](Bound field) -> SloState {
    if (!(*slo_.*field)) return SloState::NotSet;
    if (none == SloState::NoData) return SloState::NoData;
    Slo single = *slo_;
    for (Bound other : {&Slo::throughput_min, &Slo::p99_ms_max, &Slo::error_rate_max}) {
      if (other != field) single.*other = std::nullopt;
    }
    return judge(single, last_interval_, last_seconds_, slo_status_.violations);
  };
  slo_status_.throughput = one(&Slo::throughput_min);
  slo_status_.p99 = one(&Slo::p99_ms_max);
  slo_status_.error_rate = one(&Slo::error_rate_max);
}

void MetricsHistory::addEvent(HistoryEvent event) {
  if (!events_.empty()) {
    HistoryEvent& last = events_.back();
    const bool seen =
        std::find(last_agents_.begin(), last_agents_.end(), event.agent) != last_agents_.end();
    // Agents' reports arrive in any order: one may be a little earlier.
    if (last.kind == event.kind && !event.agent.empty() && !seen &&
        std::abs(event.t_ms - last.t_ms) <= kCoalesceMs) {
      last.t_ms = std::min(last.t_ms, event.t_ms);
      last_agents_.push_back(event.agent);
      // Each part keeps the agent it came from.
      if (!last.agent.empty()) last.detail = last.agent + ": " + last.detail;
      last.detail += "; " + event.agent + ": " + event.detail;
      last.agent.clear();
      return;
    }
  }
  last_agents_.clear();
  if (!event.agent.empty()) last_agents_.push_back(event.agent);
  events_.push_back(std::move(event));
  while (events_.size() > kMaxEvents) events_.pop_front();
}

void MetricsHistory::clear() {
  series_.clear();
  events_.clear();
  replicas_.clear();
  last_agents_.clear();
  last_interval_.clear();
  slo_status_ = {};
  rounds_ = 0;
}

const SeriesRing* MetricsHistory::series(const ScopeKey& scope) const {
  auto it = series_.find(scope);
  return it == series_.end() ? nullptr : &it->second;
}

std::vector<std::string> MetricsHistory::scopeNames(ScopeKind kind) const {
  std::vector<std::string> names;
  for (const auto& [key, ring] : series_) {
    if (key.kind == kind) names.push_back(key.name);
  }
  return names;  // the map's order is by kind, then name
}

std::vector<std::string> MetricsHistory::replicaNames(const std::string& component) const {
  std::vector<std::string> names;
  auto it = replicas_.find(component);
  if (it == replicas_.end()) return names;
  for (int index : it->second) names.push_back(component + "#" + std::to_string(index));
  return names;
}

std::string MetricsHistory::csv(const ScopeKey& scope) const {
  // Columns added later go at the end, so readers of the first nine keep working.
  std::string out =
      "t_ms,throughput_per_s,latency_p50_ms,latency_p90_ms,latency_p99_ms,"
      "e2e_p50_ms,e2e_p90_ms,e2e_p99_ms,error_rate,"
      "latency_p999_ms,latency_max_ms,e2e_p999_ms,e2e_max_ms,queue_fill,blocked_share,"
      "replica_lag_ops,replica_lag_ms,ingest_per_s\n";
  const SeriesRing* ring = series(scope);
  if (!ring) return out;
  for (size_t i = 0; i < ring->size(); ++i) {
    const HistoryPoint& p = ring->at(i);
    out += std::to_string(p.t_ms);
    for (double v : {p.throughput, p.latency_p50_ms, p.latency_p90_ms, p.latency_p99_ms,
                     p.e2e_p50_ms, p.e2e_p90_ms, p.e2e_p99_ms, p.error_rate, p.latency_p999_ms,
                     p.latency_max_ms, p.e2e_p999_ms, p.e2e_max_ms, p.queue_fill, p.blocked_share,
                     p.replica_lag_ops, p.replica_lag_ms, p.ingest})
      appendCell(out, v, "%.10g");
    out += '\n';
  }
  return out;
}

}  // namespace topolab::widgets
