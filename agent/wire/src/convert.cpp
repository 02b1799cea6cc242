#include "topolab/wire/convert.h"

namespace topolab::wire {

void toProto(const Histogram& h, v1::HistogramData* out) {
  const auto& buckets = h.buckets();
  for (size_t b = 0; b < buckets.size(); ++b) {
    if (buckets[b] == 0) continue;
    out->add_buckets(static_cast<uint32_t>(b));
    out->add_counts(buckets[b]);
  }
  out->set_max(h.max());
}

Histogram fromProto(const v1::HistogramData& h) {
  Histogram out;
  const int n = std::min(h.buckets_size(), h.counts_size());
  for (int i = 0; i < n; ++i) {
    const int b = static_cast<int>(h.buckets(i));
    if (b < 0 || b >= Histogram::kBucketCount) continue;  // ignore what this build cannot hold
    out.record(Histogram::bucketLow(b), h.counts(i));
  }
  out.setMax(h.max());
  return out;
}

void toProto(const InstanceSnapshot& s, v1::InstanceMetrics* out) {
  out->set_component(s.component);
  out->set_index(static_cast<uint32_t>(s.index));
  out->set_received(s.counters.received);
  out->set_emitted(s.counters.emitted);
  out->set_acked(s.counters.acked);
  out->set_failed(s.counters.failed);
  out->set_errors(s.counters.errors);
  out->set_replayed(s.counters.replayed);
  out->set_dropped(s.counters.dropped);
  out->set_queue(s.queue);
  out->set_queue_capacity(s.queue_capacity);
  out->set_outbox(s.outbox);
  out->set_blocked_ns(s.blocked_ns);
  toProto(s.latency, out->mutable_latency());
  toProto(s.e2e, out->mutable_e2e());
  out->set_is_sink(s.is_sink);
  out->set_alive(s.alive);
  for (const MemberStats& m : s.members) {
    auto* pm = out->add_members();
    pm->set_member(m.member);
    pm->set_sent(m.sent);
    pm->set_outstanding(m.outstanding);
    pm->set_healthy(m.healthy);
  }
  if (s.replica) {
    v1::ReplicaMetrics* r = out->mutable_replica();
    r->set_role(s.replica->role);
    r->set_epoch(s.replica->epoch);
    r->set_applied(s.replica->applied);
    r->set_lag_ops(s.replica->lag_ops);
    r->set_lag_ms(s.replica->lag_ms);
    r->set_keys(s.replica->keys);
    toProto(s.replica->write_latency, r->mutable_write_latency());
  }
  if (s.kafka) {
    v1::KafkaMetrics* k = out->mutable_kafka();
    k->set_lag(s.kafka->lag);
    k->set_consumed(s.kafka->consumed);
    k->set_produced(s.kafka->produced);
    k->set_delivered(s.kafka->delivered);
    k->set_delivery_errors(s.kafka->delivery_errors);
    k->set_client_errors(s.kafka->client_errors);
    toProto(s.kafka->produce_latency, k->mutable_produce_latency());
  }
  if (s.database) {
    v1::DatabaseMetrics* d = out->mutable_database();
    d->set_connected(s.database->connected());
    d->set_rows(s.database->rows);
    d->set_commits(s.database->commits);
    d->set_failed_batches(s.database->failed_batches);
    d->set_reconnects(s.database->reconnects);
    toProto(s.database->commit_latency, d->mutable_commit_latency());
    toProto(s.database->batch_rows, d->mutable_batch_rows());
  }
  for (const ErrorSample& e : s.errors) {
    v1::ErrorSample* pe = out->add_error_samples();
    pe->set_seq(e.seq);
    pe->set_unix_ns(e.unix_ns);
    pe->set_message(e.message);
    pe->set_key(e.key);
  }
  for (const StreamLatency& in : s.inputs) {
    v1::InputLatency* pi = out->add_inputs();
    pi->set_from(in.from);
    toProto(in.latency, pi->mutable_latency());
  }
}

InstanceSnapshot fromProto(const v1::InstanceMetrics& m, const std::string& agent) {
  InstanceSnapshot s;
  s.component = m.component();
  s.index = static_cast<int>(m.index());
  s.agent = agent;
  s.counters.received = m.received();
  s.counters.emitted = m.emitted();
  s.counters.acked = m.acked();
  s.counters.failed = m.failed();
  s.counters.errors = m.errors();
  s.counters.replayed = m.replayed();
  s.counters.dropped = m.dropped();
  s.queue = m.queue();
  s.queue_capacity = m.queue_capacity();
  s.outbox = m.outbox();
  s.blocked_ns = m.blocked_ns();
  s.latency = fromProto(m.latency());
  s.e2e = fromProto(m.e2e());
  s.is_sink = m.is_sink();
  s.alive = m.alive();
  for (const auto& pm : m.members()) {
    s.members.push_back(MemberStats{pm.member(), pm.sent(), pm.outstanding(), pm.healthy()});
  }
  if (m.has_replica()) {
    const v1::ReplicaMetrics& r = m.replica();
    s.replica = ReplicaStats{r.role(),
                             r.epoch(),
                             r.applied(),
                             r.lag_ops(),
                             r.lag_ms(),
                             r.keys(),
                             fromProto(r.write_latency())};
  }
  if (m.has_kafka()) {
    const v1::KafkaMetrics& k = m.kafka();
    s.kafka = KafkaStats{k.lag(),
                         k.consumed(),
                         k.produced(),
                         k.delivered(),
                         k.delivery_errors(),
                         k.client_errors(),
                         fromProto(k.produce_latency())};
  }
  if (m.has_database()) {
    const v1::DatabaseMetrics& d = m.database();
    s.database = DatabaseStats{.disconnected = d.connected() ? 0 : 1,
                               .rows = d.rows(),
                               .commits = d.commits(),
                               .failed_batches = d.failed_batches(),
                               .reconnects = d.reconnects(),
                               .commit_latency = fromProto(d.commit_latency()),
                               .batch_rows = fromProto(d.batch_rows())};
  }
  for (const v1::ErrorSample& e : m.error_samples()) {
    s.errors.push_back(ErrorSample{e.seq(), e.unix_ns(), e.message(), e.key()});
  }
  for (const v1::InputLatency& in : m.inputs()) {
    s.inputs.push_back(StreamLatency{in.from(), fromProto(in.latency())});
  }
  return s;
}

Snapshot fromProto(const v1::MetricsUpdate& u) {
  Snapshot s;
  s.t_ms = u.t_ms();
  s.instances.reserve(u.instances_size());
  for (const auto& m : u.instances()) s.instances.push_back(fromProto(m, u.agent()));
  return s;
}

void toProto(const ReplicationMessage& m, v1::Replication* out) {
  out->set_kind(static_cast<v1::Replication::Kind>(m.kind));
  out->set_component(m.component);
  out->set_from(m.from);
  out->set_to(m.to);
  out->set_epoch(m.epoch);
  out->set_leader(m.leader);
  out->set_seq(m.seq);
  out->set_key(m.key);
  out->set_value(m.value);
  out->set_ts(m.ts);
}

bool fromProto(const v1::Replication& in, ReplicationMessage* out, std::string* error) {
  if (in.kind() < v1::Replication::WRITE || in.kind() > v1::Replication::SYNC_REQUEST) {
    *error = "replication message of unknown kind " + std::to_string(in.kind());
    return false;
  }
  out->kind = static_cast<ReplicationMessage::Kind>(in.kind());
  out->component = in.component();
  out->from = in.from();
  out->to = in.to();
  out->epoch = in.epoch();
  out->leader = in.leader();
  out->seq = in.seq();
  out->key = in.key();
  out->value = in.value();
  out->ts = in.ts();
  return true;
}

void appendTuples(const Batch& batch, v1::TupleBatch* out) {
  size_t key_bytes = 0, payload_bytes = 0;
  for (const Tuple& t : batch) {
    key_bytes += t.key.size();
    payload_bytes += t.payload.size();
  }
  std::string* keys = out->mutable_keys();
  std::string* payloads = out->mutable_payloads();
  keys->reserve(keys->size() + key_bytes);
  payloads->reserve(payloads->size() + payload_bytes);
  const int n = static_cast<int>(batch.size());
  out->mutable_key_sizes()->Reserve(out->key_sizes_size() + n);
  out->mutable_values()->Reserve(out->values_size() + n);
  out->mutable_ts()->Reserve(out->ts_size() + n);
  out->mutable_payload_sizes()->Reserve(out->payload_sizes_size() + n);
  out->mutable_roots()->Reserve(out->roots_size() + n);
  out->mutable_edges()->Reserve(out->edges_size() + n);
  for (const Tuple& t : batch) {
    keys->append(t.key);
    out->add_key_sizes(static_cast<uint32_t>(t.key.size()));
    out->add_values(t.value);
    out->add_ts(t.ts);
    payloads->append(t.payload);
    out->add_payload_sizes(static_cast<uint32_t>(t.payload.size()));
    out->add_roots(t.root);
    out->add_edges(t.edge);
  }
}

bool readTuples(const v1::TupleBatch& in, Batch* out, std::string* error) {
  const int n = in.key_sizes_size();
  if (in.values_size() != n || in.ts_size() != n || in.payload_sizes_size() != n ||
      in.roots_size() != n || in.edges_size() != n) {
    *error = "tuple batch columns differ in length";
    return false;
  }
  size_t koff = 0, poff = 0;
  out->reserve(out->size() + static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const size_t ks = in.key_sizes(i), ps = in.payload_sizes(i);
    if (ks > in.keys().size() - koff || ps > in.payloads().size() - poff) {
      *error = "tuple batch sizes exceed its bytes";
      return false;
    }
    Tuple t;
    t.key.assign(in.keys(), koff, ks);
    t.value = in.values(i);
    t.ts = in.ts(i);
    t.payload.assign(in.payloads(), poff, ps);
    t.root = in.roots(i);
    t.edge = in.edges(i);
    koff += ks;
    poff += ps;
    out->push_back(std::move(t));
  }
  return true;
}

void toProto(const Plan& plan, v1::DeployRequest* out) {
  for (const PlacedInstance& p : plan.instances) {
    auto* pp = out->add_placements();
    pp->set_component(p.component);
    pp->set_index(static_cast<uint32_t>(p.index));
    pp->set_agent(p.agent);
  }
}

bool fromProto(const v1::DeployRequest& in, Plan* out, std::string* error) {
  out->instances.clear();
  for (const auto& p : in.placements()) {
    PlacedInstance pi;
    pi.component = p.component();
    pi.index = static_cast<int>(p.index());
    pi.agent = p.agent();
    pi.task_id = static_cast<uint32_t>(out->instances.size());
    out->instances.push_back(std::move(pi));
  }
  out->agents.clear();
  for (const auto& a : in.agents()) out->agents.push_back(a.name());
  for (const PlacedInstance& p : out->instances) {
    if (std::find(out->agents.begin(), out->agents.end(), p.agent) == out->agents.end()) {
      *error = "placement of " + p.component + "#" + std::to_string(p.index) +
               " on unknown agent '" + p.agent + "'";
      return false;
    }
  }
  return true;
}

}  // namespace topolab::wire
