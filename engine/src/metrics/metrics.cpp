// Exact aggregation of instance snapshots: counters are subtracted and summed,
// histograms subtracted and merged bucket by bucket.
#include "topolab/engine/metrics.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace topolab {
namespace {

uint64_t saturatingMinus(uint64_t a, uint64_t b) { return a >= b ? a - b : 0; }

double roundedUs(uint64_t ns) { return std::round(static_cast<double>(ns) / 100.0) / 10.0; }

// A cumulative snapshot carries the max of its last interval only; a total
// must not report a max (and so clamp its quantiles) below what its buckets
// hold. Within the top bucket the true max is unknown: use the midpoint, as
// quantile() does.
void raiseMaxToBuckets(Histogram& h) {
  const std::vector<uint64_t>& buckets = h.buckets();
  for (int b = static_cast<int>(buckets.size()) - 1; b >= 0; --b) {
    if (buckets[b] == 0) continue;
    uint64_t low = Histogram::bucketLow(b);
    if (h.max() < low) h.setMax(low + (Histogram::bucketHigh(b) - low) / 2);
    return;
  }
}

void addInstance(ComponentStats& s, const InstanceSnapshot& inst) {
  s.queue += inst.queue;
  s.is_sink = s.is_sink || inst.is_sink;
  s.instances += 1;
  s.alive += inst.alive ? 1 : 0;
}

// Members of several balancer instances add up by name; a member is healthy
// only when every instance has it in rotation.
void mergeMembers(std::vector<MemberStats>& into, const std::vector<MemberStats>& from) {
  for (const MemberStats& m : from) {
    auto it = std::find_if(into.begin(), into.end(),
                           [&](const MemberStats& x) { return x.member == m.member; });
    if (it == into.end()) {
      into.push_back(m);
    } else {
      it->sent += m.sent;
      it->outstanding += m.outstanding;
      it->healthy = it->healthy && m.healthy;
    }
  }
}

// `cur`'s members with `sent` counted since `old` (an instance's earlier snapshot).
std::vector<MemberStats> membersSince(const InstanceSnapshot& cur, const InstanceSnapshot* old) {
  std::vector<MemberStats> out = cur.members;
  if (old == nullptr) return out;
  for (MemberStats& m : out) {
    for (const MemberStats& o : old->members) {
      if (o.member == m.member) m.sent = saturatingMinus(m.sent, o.sent);
    }
  }
  return out;
}

}  // namespace

Counters& Counters::operator+=(const Counters& o) {
  received += o.received;
  emitted += o.emitted;
  acked += o.acked;
  failed += o.failed;
  errors += o.errors;
  replayed += o.replayed;
  dropped += o.dropped;
  return *this;
}

Counters Counters::operator-(const Counters& o) const {
  return Counters{
      .received = saturatingMinus(received, o.received),
      .emitted = saturatingMinus(emitted, o.emitted),
      .acked = saturatingMinus(acked, o.acked),
      .failed = saturatingMinus(failed, o.failed),
      .errors = saturatingMinus(errors, o.errors),
      .replayed = saturatingMinus(replayed, o.replayed),
      .dropped = saturatingMinus(dropped, o.dropped),
  };
}

Percentiles percentilesUs(const Histogram& h) {
  if (h.empty()) return {};
  return Percentiles{
      .p50 = roundedUs(h.quantile(0.5)),
      .p90 = roundedUs(h.quantile(0.9)),
      .p99 = roundedUs(h.quantile(0.99)),
      .p999 = roundedUs(h.quantile(0.999)),
      .max = roundedUs(h.max()),
  };
}

namespace {

// What a Kafka instance did since `old` (nullptr: since start); its lag is now's.
KafkaStats kafkaSince(const KafkaStats& cur, const KafkaStats* old) {
  if (old == nullptr) return cur;
  KafkaStats k = cur;
  k.consumed = saturatingMinus(cur.consumed, old->consumed);
  k.produced = saturatingMinus(cur.produced, old->produced);
  k.delivered = saturatingMinus(cur.delivered, old->delivered);
  k.delivery_errors = saturatingMinus(cur.delivery_errors, old->delivery_errors);
  k.client_errors = saturatingMinus(cur.client_errors, old->client_errors);
  k.produce_latency = cur.produce_latency.minus(old->produce_latency);
  return k;
}

void mergeKafka(std::optional<KafkaStats>& into, const std::optional<KafkaStats>& k) {
  if (!k) return;
  if (!into) {
    into = *k;
    return;
  }
  // A lag not known yet on one instance leaves the sum as it is.
  if (k->lag >= 0) into->lag = std::max<int64_t>(into->lag, 0) + k->lag;
  into->consumed += k->consumed;
  into->produced += k->produced;
  into->delivered += k->delivered;
  into->delivery_errors += k->delivery_errors;
  into->client_errors += k->client_errors;
  into->produce_latency.merge(k->produce_latency);
}

// What a database sink did since `old` (nullptr: since start); disconnected is now's.
DatabaseStats databaseSince(const DatabaseStats& cur, const DatabaseStats* old) {
  if (old == nullptr) return cur;
  DatabaseStats d = cur;
  d.rows = saturatingMinus(cur.rows, old->rows);
  d.commits = saturatingMinus(cur.commits, old->commits);
  d.failed_batches = saturatingMinus(cur.failed_batches, old->failed_batches);
  d.reconnects = saturatingMinus(cur.reconnects, old->reconnects);
  d.commit_latency = cur.commit_latency.minus(old->commit_latency);
  d.batch_rows = cur.batch_rows.minus(old->batch_rows);
  return d;
}

void mergeDatabase(std::optional<DatabaseStats>& into, const std::optional<DatabaseStats>& d) {
  if (!d) return;
  if (!into) {
    into = *d;
    return;
  }
  into->disconnected += d->disconnected;
  into->rows += d->rows;
  into->commits += d->commits;
  into->failed_batches += d->failed_batches;
  into->reconnects += d->reconnects;
  into->commit_latency.merge(d->commit_latency);
  into->batch_rows.merge(d->batch_rows);
}

std::string instanceName(const InstanceSnapshot& inst) {
  return inst.component + "#" + std::to_string(inst.index);
}

// `cur`'s samples newer than every one of `old` (all of them without `old`),
// appended to `out` with the instance's name.
void appendSamplesSince(std::vector<InstanceError>& out, const InstanceSnapshot& cur,
                        const InstanceSnapshot* old) {
  const uint64_t seen = old && !old->errors.empty() ? old->errors.back().seq : 0;
  for (const ErrorSample& e : cur.errors) {
    if (e.seq > seen) out.push_back(InstanceError{instanceName(cur), cur.agent, e});
  }
}

// Oldest first; samples taken at the same time keep their instance's order.
void sortSamples(std::vector<InstanceError>& samples) {
  std::stable_sort(samples.begin(), samples.end(),
                   [](const InstanceError& a, const InstanceError& b) {
                     return a.sample.unix_ns < b.sample.unix_ns;
                   });
}

void mergeLatencies(std::map<std::string, Histogram>& into,
                    const std::map<std::string, Histogram>& from) {
  for (const auto& [id, h] : from) into[id].merge(h);
}

// `cur`'s stream latencies since `old` (nullptr: since start, maxima raised
// to the buckets as for a total), merged into `into` by upstream component.
void addInputsSince(std::map<std::string, Histogram>& into, const InstanceSnapshot& cur,
                    const InstanceSnapshot* old) {
  for (const StreamLatency& in : cur.inputs) {
    const StreamLatency* before = nullptr;
    if (old != nullptr) {
      for (const StreamLatency& o : old->inputs) before = o.from == in.from ? &o : before;
    }
    Histogram h = before ? in.latency.minus(before->latency) : in.latency;
    if (!before) raiseMaxToBuckets(h);
    into[in.from].merge(h);
  }
}

}  // namespace

void ComponentStats::merge(const ComponentStats& o) {
  counters += o.counters;
  queue += o.queue;
  blocked_ns += o.blocked_ns;
  latency.merge(o.latency);
  e2e.merge(o.e2e);
  is_sink = is_sink || o.is_sink;
  instances += o.instances;
  alive += o.alive;
  mergeMembers(members, o.members);
  mergeKafka(kafka, o.kafka);
  mergeDatabase(database, o.database);
  replicas.insert(replicas.end(), o.replicas.begin(), o.replicas.end());
  mergeLatencies(input_latency, o.input_latency);
  error_samples.insert(error_samples.end(), o.error_samples.begin(), o.error_samples.end());
  sortSamples(error_samples);
}

std::map<std::string, ComponentStats> intervalStats(const Snapshot& prev, const Snapshot& cur) {
  std::map<std::pair<std::string, int>, const InstanceSnapshot*> before;
  for (const InstanceSnapshot& inst : prev.instances) before[{inst.component, inst.index}] = &inst;

  std::map<std::string, ComponentStats> out;
  for (const InstanceSnapshot& inst : cur.instances) {
    ComponentStats& s = out[inst.component];
    addInstance(s, inst);
    auto it = before.find({inst.component, inst.index});
    mergeMembers(s.members, membersSince(inst, it == before.end() ? nullptr : it->second));
    appendSamplesSince(s.error_samples, inst, it == before.end() ? nullptr : it->second);
    addInputsSince(s.input_latency, inst, it == before.end() ? nullptr : it->second);
    if (inst.kafka) {
      const InstanceSnapshot* old = it == before.end() ? nullptr : it->second;
      mergeKafka(s.kafka, kafkaSince(*inst.kafka, old && old->kafka ? &*old->kafka : nullptr));
    }
    if (inst.database) {
      const InstanceSnapshot* old = it == before.end() ? nullptr : it->second;
      mergeDatabase(s.database, databaseSince(*inst.database,
                                              old && old->database ? &*old->database : nullptr));
    }
    if (inst.replica) {
      const InstanceSnapshot* old = it == before.end() ? nullptr : it->second;
      ReplicaStats r = *inst.replica;
      if (old && old->replica) r.write_latency = r.write_latency.minus(old->replica->write_latency);
      s.replicas.emplace_back(inst.component + "#" + std::to_string(inst.index), std::move(r));
    }
    if (it == before.end()) {
      s.counters += inst.counters;
      s.blocked_ns += inst.blocked_ns;
      Histogram latency = inst.latency, e2e = inst.e2e;
      raiseMaxToBuckets(latency);
      raiseMaxToBuckets(e2e);
      s.latency.merge(latency);
      s.e2e.merge(e2e);
      continue;
    }
    const InstanceSnapshot& old = *it->second;
    s.counters += inst.counters - old.counters;
    s.blocked_ns += saturatingMinus(inst.blocked_ns, old.blocked_ns);
    s.latency.merge(inst.latency.minus(old.latency));
    s.e2e.merge(inst.e2e.minus(old.e2e));
  }
  // A component whose instances all vanished keeps its row, with zeros.
  for (const InstanceSnapshot& inst : prev.instances) {
    auto [it, added] = out.try_emplace(inst.component);
    if (added) it->second.is_sink = inst.is_sink;
  }
  for (auto& [id, s] : out) sortSamples(s.error_samples);
  return out;
}

void keepErrorSamples(std::vector<ErrorSample>& kept, const std::vector<ErrorSample>& newer) {
  const uint64_t seen = kept.empty() ? 0 : kept.back().seq;
  for (const ErrorSample& e : newer) {
    if (e.seq > seen) kept.push_back(e);
  }
  if (kept.size() > kErrorSamples) kept.erase(kept.begin(), kept.end() - kErrorSamples);
}

std::vector<InstanceError> newErrorSamples(const Snapshot& prev, const Snapshot& cur) {
  std::map<std::pair<std::string, int>, const InstanceSnapshot*> before;
  for (const InstanceSnapshot& inst : prev.instances) before[{inst.component, inst.index}] = &inst;
  std::vector<InstanceError> out;
  for (const InstanceSnapshot& inst : cur.instances) {
    auto it = before.find({inst.component, inst.index});
    appendSamplesSince(out, inst, it == before.end() ? nullptr : it->second);
  }
  sortSamples(out);
  return out;
}

std::map<std::string, ComponentStats> totalStats(const Snapshot& cur) {
  std::map<std::string, ComponentStats> out;
  for (const InstanceSnapshot& inst : cur.instances) {
    ComponentStats& s = out[inst.component];
    addInstance(s, inst);
    mergeMembers(s.members, inst.members);
    mergeKafka(s.kafka, inst.kafka);
    mergeDatabase(s.database, inst.database);
    if (inst.replica) {
      s.replicas.emplace_back(inst.component + "#" + std::to_string(inst.index), *inst.replica);
    }
    appendSamplesSince(s.error_samples, inst, nullptr);
    addInputsSince(s.input_latency, inst, nullptr);
    s.counters += inst.counters;
    s.blocked_ns += inst.blocked_ns;
    Histogram latency = inst.latency, e2e = inst.e2e;
    raiseMaxToBuckets(latency);
    raiseMaxToBuckets(e2e);
    s.latency.merge(latency);
    s.e2e.merge(e2e);
  }
  for (auto& [id, s] : out) sortSamples(s.error_samples);
  return out;
}

std::map<std::string, Histogram> streamLatencies(
    const std::map<std::string, ComponentStats>& per_component) {
  std::map<std::string, Histogram> out;
  for (const auto& [to, s] : per_component) {
    for (const auto& [from, h] : s.input_latency) {
      if (!h.empty()) out[from + ":" + to].merge(h);
    }
  }
  return out;
}

ComponentStats topologyStats(const std::map<std::string, ComponentStats>& per_component) {
  ComponentStats all;
  for (const auto& [id, s] : per_component) all.merge(s);
  return all;
}

std::vector<MemberChange> memberChanges(const Snapshot& prev, const Snapshot& cur) {
  std::vector<MemberChange> out;
  for (const InstanceSnapshot& inst : cur.instances) {
    if (inst.members.empty()) continue;
    const InstanceSnapshot* old = nullptr;
    for (const InstanceSnapshot& p : prev.instances) {
      if (p.component == inst.component && p.index == inst.index) old = &p;
    }
    for (const MemberStats& m : inst.members) {
      bool was = true;  // members start in rotation
      if (old != nullptr) {
        for (const MemberStats& o : old->members) was = o.member == m.member ? o.healthy : was;
      }
      if (was != m.healthy) {
        out.push_back({inst.component + "#" + std::to_string(inst.index), m.member, m.healthy});
      }
    }
  }
  return out;
}

std::string Conservation::describe() const {
  const auto accounted = static_cast<int64_t>(delivered + dropped) + in_flight;
  const int64_t gap = static_cast<int64_t>(emitted) - accounted;
  return "emitted " + std::to_string(emitted) + (gap == 0 ? " = " : " ≠ ") + "received " +
         std::to_string(delivered) + " + dropped " + std::to_string(dropped) + " + in flight " +
         std::to_string(in_flight) +
         (gap > 0   ? ": " + std::to_string(gap) + " tuples unaccounted for"
          : gap < 0 ? ": " + std::to_string(-gap) + " more received than emitted"
                    : "");
}

Conservation conservationOf(const Snapshot& cur) {
  Conservation c;
  for (const InstanceSnapshot& inst : cur.instances) {
    c.emitted += inst.counters.emitted;
    c.delivered += inst.counters.received;
    c.dropped += inst.counters.dropped;
    c.in_flight += inst.queue + inst.outbox;
  }
  return c;
}

}  // namespace topolab
