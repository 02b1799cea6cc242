// Metrics as plain values: what an instance reports each interval, and the
// exact aggregation instance → component → topology (counts are summed,
// histograms merged; percentiles are never averaged).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "topolab/engine/histogram.h"

namespace topolab {

struct Counters {
  uint64_t received = 0;  // tuples taken from the input queue
  uint64_t emitted = 0;   // tuples sent downstream (each copy counts)
  uint64_t acked = 0;     // producers: trees completed; others: tuples processed
  uint64_t failed = 0;    // producers: trees failed or timed out; others: tuples failed
  uint64_t errors = 0;    // tuples the component rejected
  uint64_t replayed = 0;  // producers: tuples emitted again after a failure
  uint64_t dropped = 0;   // tuples lost with a killed instance (at-most-once)

  Counters& operator+=(const Counters& o);
  Counters operator-(const Counters& o) const;  // per field, saturating at 0
  bool operator==(const Counters& o) const = default;
};

struct MemberStats {   // a load-balancer member
  std::string member;  // "component#index"
  uint64_t sent = 0;   // cumulative
  int64_t outstanding = 0;
  bool healthy = true;
};

// A replicated-store instance (DESIGN.md §3, docs/design-additions.md).
struct ReplicaStats {
  std::string role;         // primary | follower | dead
  uint64_t epoch = 0;       // promotions of this store so far
  uint64_t applied = 0;     // sequence number of the last write applied here
  int64_t lag_ops = 0;      // writes the primary applied that this instance has not
  int64_t lag_ms = 0;       // how long ago the primary applied the oldest of them
  uint64_t keys = 0;        // keys held
  Histogram write_latency;  // primary: write received → acknowledged to the writer, ns
};

// A kafka-source or kafka-sink instance (cumulative, like the counters).
struct KafkaStats {
  int64_t lag = -1;              // source: messages not yet consumed; -1: not known yet
  uint64_t consumed = 0;         // source
  uint64_t produced = 0;         // sink: handed to the producer
  uint64_t delivered = 0;        // sink: acknowledged by the brokers
  uint64_t delivery_errors = 0;  // sink: refused after the producer's retries
  uint64_t client_errors = 0;    // source: consumer and offset-commit errors
  Histogram produce_latency;     // sink: produce → broker acknowledgement, ns
};

// A database sink instance such as postgres-sink (cumulative, like the
// counters; `disconnected` is now).
struct DatabaseStats {
  int disconnected = 0;         // instances not connected to the server now (one: 0 or 1)
  uint64_t rows = 0;            // rows committed
  uint64_t commits = 0;         // transactions committed
  uint64_t failed_batches = 0;  // batches not committed (server away or refused)
  uint64_t reconnects = 0;      // connections made again after the server went away
  Histogram commit_latency;     // a transaction's first statement → its commit confirmed, ns
  Histogram batch_rows;         // rows per committed transaction (values are rows, not ns)

  bool connected() const { return disconnected == 0; }
};

// One error an instance counted, kept as a sample (the last kErrorSamples per
// instance; every error is counted, the text only of these).
struct ErrorSample {
  uint64_t seq = 0;     // only grows for an instance, also across a restarted task or agent
  int64_t unix_ns = 0;  // when, on the wall clock
  std::string message;  // what went wrong, e.g. "simulated failure (error_rate 0.001)"
  std::string key;      // the key of the tuple it concerns; empty when none
  bool operator==(const ErrorSample& o) const = default;
};
inline constexpr size_t kErrorSamples = 20;

// A sample with the instance that kept it.
struct InstanceError {
  std::string instance;  // "component#index"
  std::string agent;     // empty when run in-process
  ErrorSample sample;
};

// Adds to `kept` the samples of `newer` that are newer than its newest, then
// keeps the last kErrorSamples: how a reader that gets only new samples (the
// agent's metrics stream) holds what the instance holds.
void keepErrorSamples(std::vector<ErrorSample>& kept, const std::vector<ErrorSample>& newer);

// The latency of one stream into an instance: from the upstream instance
// emitting a tuple to this instance taking it from its input queue (wall
// clock across agents), per upstream component; cumulative like the rest.
struct StreamLatency {
  std::string from;   // the upstream component
  Histogram latency;  // ns
};

// One instance, cumulative since start (histograms too; max is per interval).
struct InstanceSnapshot {
  std::string component;
  int index = 0;
  std::string agent;  // empty when run in-process
  Counters counters;
  int64_t queue = 0;  // tuples waiting in the input queue now
  int64_t queue_capacity = 0;
  int64_t outbox = 0;       // tuples emitted but not yet handed to a downstream queue
  uint64_t blocked_ns = 0;  // cumulative time waiting on a full downstream queue
  Histogram latency;        // processing latency, ns
  Histogram e2e;            // end-to-end latency at sinks, ns
  bool is_sink = false;
  bool alive = true;
  std::vector<MemberStats> members;
  std::optional<ReplicaStats> replica;    // replicated-store instances only
  std::optional<KafkaStats> kafka;        // kafka-source and kafka-sink instances only
  std::optional<DatabaseStats> database;  // postgres-sink instances only
  std::vector<ErrorSample> errors;        // its last errors (at most kErrorSamples), oldest first
  std::vector<StreamLatency> inputs;      // per upstream component that sent it tuples
};

struct Snapshot {
  int64_t t_ms = 0;  // since the run started
  std::vector<InstanceSnapshot> instances;
};

struct Percentiles {  // microseconds
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};
Percentiles percentilesUs(const Histogram& h);

// A component (or the whole topology) over an interval or a whole run.
struct ComponentStats {
  Counters counters;
  int64_t queue = 0;
  uint64_t blocked_ns = 0;
  Histogram latency;
  Histogram e2e;
  bool is_sink = false;
  int instances = 0;
  int alive = 0;
  // A load-balancer's members, by name: sent in the interval (or in total),
  // outstanding now, healthy when every instance of the balancer has it in rotation.
  std::vector<MemberStats> members;
  // Kafka sources and sinks: counts over the interval (or in total), lag now.
  std::optional<KafkaStats> kafka;
  // Database sinks: counts and histograms over the interval (or in total),
  // instances disconnected now.
  std::optional<DatabaseStats> database;
  // A replicated store's instances ("kv#0") as each stood at the end; write
  // latency over the interval (or the run).
  std::vector<std::pair<std::string, ReplicaStats>> replicas;
  // Error samples, oldest first: those taken in the interval (intervalStats),
  // or those the instances keep (totalStats).
  std::vector<InstanceError> error_samples;
  // The latency of each stream into this component, by upstream component id
  // (the stream "from:this"): upstream emit → taken from the input queue.
  std::map<std::string, Histogram> input_latency;

  void merge(const ComponentStats& o);  // exact: sums and histogram merges
};

// The change between two cumulative snapshots of the same run, per component
// (map key: component id). Instances absent from `prev` count from 0; a
// component present only in `prev` keeps an all-zero entry.
std::map<std::string, ComponentStats> intervalStats(const Snapshot& prev, const Snapshot& cur);
// Totals since start, per component. A snapshot holds only its interval's
// max, so a total's max is raised to (the midpoint of) its highest filled bucket.
std::map<std::string, ComponentStats> totalStats(const Snapshot& cur);
// The samples of `cur`'s instances newer than any its instance had in `prev`
// (all of them for an instance absent from prev), oldest first.
std::vector<InstanceError> newErrorSamples(const Snapshot& prev, const Snapshot& cur);
// The streams of `per_component` that carried tuples, as "from:to" → latency.
std::map<std::string, Histogram> streamLatencies(
    const std::map<std::string, ComponentStats>& per_component);
// Everything merged into one.
ComponentStats topologyStats(const std::map<std::string, ComponentStats>& per_component);

// A load-balancer member that left or rejoined rotation between two snapshots.
struct MemberChange {
  std::string balancer;  // "component#index"
  std::string member;    // "component#index"
  bool healthy = false;  // true: back in rotation

  // As an event, the same words wherever it is shown: "member-up" or
  // "member-down", and "haproxy#0: node3#0 failed its health check and is out
  // of rotation".
  std::string kind() const { return healthy ? "member-up" : "member-down"; }
  std::string detail() const {
    return balancer + ": " + member +
           (healthy ? " passes its health checks and is back in rotation"
                    : " failed its health check and is out of rotation");
  }
};
std::vector<MemberChange> memberChanges(const Snapshot& prev, const Snapshot& cur);

// emitted == received + failed_in_transit + in_flight, summed over the whole
// topology: the check that nothing was lost without being counted.
struct Conservation {
  uint64_t emitted = 0;
  uint64_t delivered = 0;  // received downstream
  uint64_t dropped = 0;    // counted losses (killed instances)
  int64_t in_flight = 0;   // queued or in outboxes
  bool holds() const { return emitted == delivered + dropped + static_cast<uint64_t>(in_flight); }
  // "emitted 1000 ≠ received 990 + dropped 0 + in flight 0: 10 tuples unaccounted for".
  std::string describe() const;
};
// Summed over every instance of `cur`; in_flight counts input queues and
// outboxes (a caller adds tuples held elsewhere, e.g. remote transports).
Conservation conservationOf(const Snapshot& cur);

}  // namespace topolab
