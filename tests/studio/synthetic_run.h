// Cumulative metrics snapshots of a web-tier run (resources/examples/web-tier.yaml)
// built from known counts, for the dashboard and live-canvas tests and the
// studio benchmark: requests → haproxy → node1..3 → responses, with
// the balancer's member counts, queues, blocked time, latencies and errors
// set per round by the test.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "topolab/engine/metrics.h"

namespace topolab::testing {

// The instances of a realtime-analytics run (events ×2 → enrich ×4 → counts
// ×2 → store) with nothing counted yet, for tests that set its figures.
inline Snapshot analyticsStart() {
  Snapshot s;
  for (const auto& [component, instances] :
       {std::pair{"events", 2}, {"enrich", 4}, {"counts", 2}, {"store", 1}}) {
    for (int i = 0; i < instances; ++i) {
      InstanceSnapshot inst;
      inst.component = component;
      inst.index = i;
      inst.queue_capacity = 1024;
      inst.is_sink = std::string(component) == "store";
      s.instances.push_back(std::move(inst));
    }
  }
  return s;
}

class SyntheticRun {
 public:
  // What the next round adds (per second of the interval for rates).
  double rate = 10000;            // tuples/s made by `requests` and reaching `responses`
  uint64_t node_errors = 0;       // tuples node2 rejects in the round (still received)
  uint64_t latency_ns = 150'000;  // processing latency of every tuple at node1..3
  uint64_t slow_latency_ns = 0;   // if set, every tenth tuple at the nodes takes this long
  uint64_t e2e_ns = 2'000'000;    // end-to-end latency of every tuple reaching responses
  int64_t node1_queue = 0;        // node1's input queue at the end of the round
  int64_t node2_queue = 0;
  uint64_t node1_blocked_ns = 0;  // added to node1's blocked time in the round
  bool node3_alive = true;        // false: node3 is dead and out of the balancer's rotation
  static constexpr int64_t kQueueCapacity = 16384;

  SyntheticRun() {
    auto add = [this](std::string component, std::string agent, bool sink = false) {
      InstanceSnapshot inst;
      inst.component = std::move(component);
      inst.agent = std::move(agent);
      inst.queue_capacity = kQueueCapacity;
      inst.is_sink = sink;
      now_.instances.push_back(std::move(inst));
    };
    add("requests", "agent-a");
    add("haproxy", "agent-a");
    add("node1", "agent-a");
    add("node2", "agent-b");
    add("node3", "agent-c");
    add("responses", "agent-a", true);
    for (const char* m : {"node1#0", "node2#0", "node3#0"})
      instance("haproxy").members.push_back({m, 0, 0, true});
  }

  const Snapshot& current() const { return now_; }

  // Advances the run by `interval_ms` and returns the new cumulative snapshot.
  const Snapshot& next(int64_t interval_ms = 1000) {
    now_.t_ms += interval_ms;
    const auto n = static_cast<uint64_t>(rate * static_cast<double>(interval_ms) / 1000.0);
    const int live_nodes = node3_alive ? 3 : 2;
    InstanceSnapshot& gen = instance("requests");
    gen.counters.emitted += n;
    gen.counters.acked += n;
    InstanceSnapshot& lb = instance("haproxy");
    lb.counters.received += n;
    lb.counters.emitted += n;
    lb.counters.acked += n;
    uint64_t rejected = 0;
    for (int i = 0; i < 3; ++i) {
      InstanceSnapshot& node = instance("node" + std::to_string(i + 1));
      node.alive = i < live_nodes;
      lb.members[static_cast<size_t>(i)].healthy = node.alive;
      // The first nodes take the remainder, as round-robin does.
      const uint64_t share =
          i < live_nodes ? n / live_nodes + (static_cast<uint64_t>(i) < n % live_nodes ? 1 : 0) : 0;
      lb.members[static_cast<size_t>(i)].sent += share;
      const uint64_t errors = i == 1 ? std::min(node_errors, share) : 0;
      rejected += errors;
      node.counters.received += share;
      node.counters.emitted += share - errors;
      node.counters.acked += share - errors;
      node.counters.errors += errors;
      const uint64_t slow = slow_latency_ns ? share / 10 : 0;
      node.latency.record(latency_ns, share - slow);
      if (slow) node.latency.record(slow_latency_ns, slow);
      node.latency.setMax(slow ? slow_latency_ns : latency_ns);
    }
    instance("node1").queue = node1_queue;
    instance("node2").queue = node2_queue;
    instance("node1").blocked_ns += node1_blocked_ns;
    InstanceSnapshot& sink = instance("responses");
    const uint64_t delivered = n - rejected;
    sink.counters.received += delivered;
    sink.counters.acked += delivered;
    sink.latency.record(1'000, delivered);
    sink.e2e.record(e2e_ns, delivered);
    sink.e2e.setMax(e2e_ns);
    return now_;
  }

  InstanceSnapshot& instance(const std::string& component) {
    for (InstanceSnapshot& inst : now_.instances) {
      if (inst.component == component) return inst;
    }
    return now_.instances.front();  // not reached with the names above
  }

 private:
  Snapshot now_;
};

}  // namespace topolab::testing
