// Runs a validated topology in this process: one task per component
// instance, bounded queues between them, a scheduler with one worker per core.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "topolab/engine/catalogue.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/remote.h"
#include "topolab/engine/topology.h"

namespace topolab {

struct RunOptions {
  int threads = 0;                // workers; 0: one per core
  size_t batch_size = 1024;       // tuples per batch between tasks
  size_t queue_capacity = 16384;  // tuples per instance input queue
  bool record_latency = true;     // histograms on (counters are always kept)
  uint64_t seed = 0;              // 0: random
  std::string kafka_bootstrap;    // for Kafka components and `transport: kafka`: host:port,…
  std::string
      state_dir;       // where operators may keep files (a replicated-store's state); empty: none
  std::string run_id;  // names this run's internal Kafka topics; empty: a random id
  // Multilang components: where a relative `resources` folder is found (the
  // topology file's folder; on an agent, the deployment's unpacked bundle;
  // empty: the current folder), and this run's own folder for pid files and
  // programs' HOME (empty: a temporary folder, removed when the run ends).
  std::string resources_base;
  std::string work_dir;
  // Log lines of instances ("split#1", level 0 trace … 4 error, the line),
  // from any thread; empty: warnings and errors go to stderr.
  std::function<void(const std::string& instance, int level, const std::string& line)> log;
};

// A fresh run id: 12 random hex digits.
std::string newRunId();

// Something a user sees on the charts, e.g. a replicated store's promotion.
struct RuntimeEvent {
  std::string kind;  // e.g. "promotion"
  std::string detail;
};

// What happened when a run was stopped.
struct StopResult {
  bool drained = true;    // every task finished before the deadline
  int64_t abandoned = 0;  // tuples still queued when the deadline passed
};

class Runtime {
 public:
  // Builds the tasks of a valid topology; nullptr with `error` set when a
  // component cannot be created (e.g. a type with no runtime yet, a file-sink
  // path that cannot be opened).
  [[nodiscard]] static std::unique_ptr<Runtime> create(const Topology& topology,
                                                       const Catalogue& catalogue,
                                                       const RunOptions& options,
                                                       std::string* error);
  // Builds only this agent's share of `distribution.plan`; tuples and acks
  // for the other agents' instances go through their RemotePeer.
  [[nodiscard]] static std::unique_ptr<Runtime> create(const Topology& topology,
                                                       const Catalogue& catalogue,
                                                       const RunOptions& options,
                                                       const Distribution& distribution,
                                                       std::string* error);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  void start();
  // Every task has finished: all producers were finite (or stopped) and every
  // tuple is complete.
  bool finished() const;
  // Waits until finished() or the timeout; returns finished().
  bool waitFinished(std::chrono::milliseconds timeout);
  // Stops producing, lets tuples in flight drain until the deadline, then
  // stops every task. Idempotent.
  StopResult stop(std::chrono::milliseconds drain_deadline);

  // Cumulative metrics of every instance, `t_ms` since start.
  Snapshot snapshot();
  // Tuples queued or waiting in outboxes right now, summed over the topology.
  int64_t inFlight() const;

  // Fault injection: the instance dies like a crashed process. What reaches
  // it is counted as `dropped` and vanishes; at-least-once producers replay
  // those trees when `ack_timeout_ms` passes, and load-balancers take the
  // instance out at their next health check.
  [[nodiscard]] bool killInstance(const std::string& component, int index, std::string* error);
  // Brings a killed instance back, like a restarted process: its input starts
  // empty (what reached it while dead is gone) and load-balancers put it back
  // at their next health check. False with `error` when it is not here, is
  // not dead, or has already finished.
  [[nodiscard]] bool reviveInstance(const std::string& component, int index, std::string* error);
  // Whether plan task `task_id` runs here and is alive (a peer's health check).
  bool taskAlive(uint32_t task_id) const;

  // From other agents: tuples for local task `target` from plan task
  // `source`, emitted over `span`, that arrived over connection `origin`
  // (credit for them is returned through the function set with
  // setCreditReturn once the task takes them); false when `target` is not a
  // local task.
  [[nodiscard]] bool deliver(uint32_t target, Batch&& batch, int origin, int64_t source = -1,
                             const EmitSpan& span = {});
  [[nodiscard]] bool deliverEndOfInput(uint32_t target);
  void applyAcks(const std::vector<AckOp>& ops);
  void setCreditReturn(std::function<void(int origin, uint32_t target, size_t tuples)> f);

  // Faults on every local instance of `component`: delay the tuples into it
  // by `latency_ms`; fail `ratio` of the tuples it processes. 0 clears.
  [[nodiscard]] bool setInputLatency(const std::string& component, int latency_ms,
                                     std::string* error);
  [[nodiscard]] bool setFailRatio(const std::string& component, double ratio, std::string* error);

  // From other agents: messages between the instances of replicated stores.
  void deliverReplication(std::vector<ReplicationMessage> msgs);
  // Events since the previous call (e.g. promotions), oldest first.
  std::vector<RuntimeEvent> takeEvents();

  // Component ids, producers first.
  const std::vector<std::string>& componentOrder() const;

  struct Impl;  // the runtime's own; named here for its helpers

 private:
  explicit Runtime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace topolab
