// A task hosts one component instance: it takes batches from its input
// queue, runs the operator, routes the output by the streams' groupings (or
// the load-balancer's policy), tracks trees for at-least-once delivery and
// keeps the instance's metrics.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/acker.h"
#include "runtime/error_ring.h"
#include "runtime/input_queue.h"
#include "runtime/member_health.h"
#include "runtime/partitioner.h"
#include "runtime/restart_budget.h"
#include "runtime/scheduler.h"
#include "topolab/engine/catalogue.h"
#include "topolab/engine/histogram.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/operator.h"
#include "topolab/engine/random.h"
#include "topolab/engine/remote.h"

namespace topolab {

class Task;

struct TaskConfig {
  std::string component;
  int index = 0;
  uint32_t task_id = 0;  // the same on every agent of a plan
  Role role = Role::Bolt;
  OperatorPtr op;
  bool at_least_once = false;
  uint32_t max_pending = 10000;
  int64_t ack_timeout_ns = 30'000'000'000;
  size_t batch_size = 1024;
  size_t queue_capacity = 16384;
  bool record_latency = true;
  uint64_t seed = 1;
  // load-balancer: the policy and health-check period; empty policy otherwise
  std::string balance_policy;
  int64_t health_check_ns = 1'000'000'000;
  // Every stream into this instance can route around it (shuffle,
  // local-or-shuffle, a load-balancer): when it is dead, the at-least-once
  // trees that reach it fail at once and replay elsewhere, rather than wait
  // out ack_timeout_ms (a fields or global grouping would send them here again).
  bool others_take_over = false;
  // A killed instance comes back per `defaults.restart` (restart, or stays
  // dead: instance-failed); `event` reports either as a run event.
  RestartPolicy restart;
  std::function<void(const std::string& kind, const std::string& detail)> event;
};

class Task final : public Runnable, private Emitter {
 public:
  Task(TaskConfig config, Scheduler& scheduler, Acker& acker, std::function<void()> on_finished);
  ~Task() override;

  // Wiring, before start.
  InputQueue& input() { return input_; }
  // A downstream instance: a task here, or one on another agent.
  struct Destination {
    Task* local = nullptr;
    RemotePeer* peer = nullptr;
    uint32_t task_id = 0;
    std::string name;  // component#index
  };
  // Adds a stream to the instances `targets`; output is routed on emit, by
  // `partitioner` when given (a replicated store's primary), else by `grouping`.
  void addStream(const Grouping& grouping, const std::vector<Destination>& targets,
                 PartitionerPtr partitioner = nullptr, std::string stream_id = {},
                 const std::vector<std::string>& declared_fields = {});
  // A stream from `component`, whose instances are plan tasks `task_ids`:
  // each ends its input, and the stream's latency is kept apart.
  void expectInputFrom(const std::string& component, const std::vector<uint32_t>& task_ids);
  // Called once after every addStream, before start.
  void wired();

  void run() override;

  // Producers stop producing and finish once their pending trees complete.
  void requestStop();
  // Kills the instance like a crash: it drops what reaches it, then comes
  // back per the restart policy (an event either way).
  void kill();
  // Brings a killed instance back now; false when it has already finished.
  bool revive();
  // Faults: delay every tuple into this instance by `ns`; fail a fraction of
  // the tuples it processes (counted as errors). 0 clears them.
  void setInputLatency(int64_t ns) { fault_latency_ns_.store(ns, std::memory_order_relaxed); }
  void setFailRatio(double ratio) { fault_fail_ratio_.store(ratio, std::memory_order_relaxed); }
  bool alive() const { return !killed_.load(std::memory_order_relaxed); }
  int64_t inputLatencyNs() const { return fault_latency_ns_.load(std::memory_order_relaxed); }
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  const std::string& component() const { return config_.component; }
  int index() const { return config_.index; }
  uint32_t taskId() const { return config_.task_id; }
  Role role() const { return config_.role; }
  std::string name() const { return config_.component + "#" + std::to_string(config_.index); }

  // Tuples in this task's outboxes and input queue.
  int64_t inFlight() const;
  InstanceSnapshot snapshot();

 private:
  struct Outbox {
    Destination target;
    Batch batch;
    uint64_t sent = 0;          // for load-balancer member stats
    int64_t first_emit_ns = 0;  // monotonic time the batch's first tuple was emitted
  };
  // The latency of the tuples from one upstream component.
  struct InputStream {
    std::string from;
    AtomicHistogram latency;
  };
  struct Stream {
    PartitionerPtr partitioner;
    std::vector<int> outboxes;   // index into outboxes_, one per target instance
    std::string id;              // the sender's output stream; empty: default
    bool routes_around = false;  // shuffle, local-or-shuffle: skips dead targets
  };
  struct Pending {
    Tuple tuple;  // a copy, to replay
    uint64_t token = 0;
    uint64_t root = 0;
    int64_t deadline = 0;
    std::string stream;        // emitted on a named stream (emitTo)
    int64_t direct_task = -1;  // emitted to one task (emitTo)
  };

  // Emitter
  void emit(Tuple&& t, uint64_t token) override;
  AckOp holdInput() override;
  void complete(const AckOp& held, bool ok, std::string_view error, std::string_view key) override;
  bool emitTo(Tuple&& t, const EmitTarget& target, uint64_t token) override;
  void recordLatency(int64_t ns) override;
  void reportError(std::string_view message, std::string_view key) override;
  int64_t inputSource() const override { return current_.source; }
  void die() override;

  void runProducer(int64_t now);
  void runConsumer(int64_t now);
  void runKilled();
  // A kill seen: decide per the restart policy (a due time, or instance-failed).
  void supervise();
  // Brings the instance back once its restart is due, else waits for it.
  void restartWhenDue();
  void processBatch(int64_t now);
  // Runs the operator's timer if it is due (between batches, unanchored).
  void fireTimer(int64_t now);
  void handleCompletions(int64_t now);
  void expirePending(int64_t now);
  void replay(uint32_t slot, int64_t now);
  // A failed or timed-out tree: replayed, or left to an operator that replays itself.
  void failPending(uint32_t slot, int64_t now);
  // Appends n copies of `t` to the outboxes in route_buf_, with edge ids from edge_buf_.
  void sendCopies(Tuple&& t, int n, uint64_t root);
  int route(const Tuple& t, int* out);
  // Routes on a named stream (empty: default), or to one task of it; -2 when
  // `direct_task` is not downstream on that stream.
  int routeTo(const Tuple& t, std::string_view stream, int64_t direct_task, int* out);
  // Sends `t` to the n outboxes in route_buf_ as emit() does; `anchor` (bolts)
  // is the held input it belongs to.
  void sendRouted(Tuple&& t, int n, uint64_t token, AckOp* anchor, const EmitTarget* target);
  void refreshHealth(int64_t now);
  void takeOut(size_t member);
  // Which targets of routing-around streams are alive (local: the instance's
  // own state; remote: the peer link's health check).
  void refreshRotation();
  // `k`, or when its target is dead the next live one of the stream.
  int aroundDead(const Stream& s, int k) const;

  // Pushes full outboxes (all non-empty ones with `all`); false when one is
  // refused and the task must wait for room.
  bool flush(bool all);
  bool push(Outbox& o);
  void sendEndOfInput();
  // Fails the trees lately sent to outbox `i`'s target, on an agent now out of reach.
  void failTreesOnLostLink(size_t i);
  // Records the latency of the batch just taken from the input queue.
  void recordStreamLatency(const Envelope& e);
  // Whether a stream through outbox `outbox` has a live target besides it.
  bool anotherAlive(size_t outbox) const;
  void finish();
  void publishCounters();
  // Counts `n` errors and keeps one sample of them.
  void countErrors(uint64_t n, std::string_view message, std::string_view key);
  // `n` tuples lost (the first's key), counted as errors in at-most-once.
  void lostTuples(const Batch& batch, size_t from, std::string_view why);

  TaskConfig config_;
  Scheduler& scheduler_;
  Acker& acker_;
  std::function<void()> on_finished_;
  InputQueue input_;
  Rng rng_;

  std::vector<Outbox> outboxes_;
  std::vector<Stream> streams_;
  BalancerPtr balancer_;
  std::unique_ptr<MemberHealth> members_;  // a load-balancer's members
  std::vector<char> alive_;                // per outbox, for routing-around streams
  // Per outbox, the trees lately sent to a routing-around target on another
  // agent (at-least-once): failed at once when that agent's link is lost.
  std::vector<TreeRing> remote_trees_;
  bool routes_around_ = false;  // some stream routes around dead targets
  std::vector<uint64_t> trees_buf_;
  std::vector<int> route_buf_;
  std::vector<uint64_t> edge_buf_;
  int full_outboxes_ = 0;  // outboxes holding a full batch
  int64_t now_ = 0;        // the clock at the start of this slice

  // Consumer state.
  Envelope current_;
  size_t pos_ = 0;
  int expected_eos_ = 0;
  int eos_seen_ = 0;
  uint64_t cur_root_ = 0;  // the input tuple being processed (0: none or untracked)
  uint64_t ack_value_ = 0;
  bool input_failed_ = false;  // the current input could not be routed
  bool input_held_ = false;    // the operator completes the current input's tree itself
  bool end_of_input_done_ = false;
  std::vector<AckOp> ack_ops_;
  int64_t busy_until_ = 0;

  // Producer state (at-least-once).
  int acker_id_ = -1;
  std::vector<Pending> pending_;
  std::vector<uint32_t> free_slots_;
  std::vector<Completion> completions_;
  int64_t next_expiry_scan_ = 0;
  bool producer_done_ = false;

  bool blocked_ = false;
  int64_t blocked_since_ = 0;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> killed_{false};
  // Supervision: a kill not yet seen by the task, and a restart's due time.
  std::atomic<bool> died_{false};
  RestartBudget restarts_;
  int64_t restart_due_ns_ = 0;
  std::atomic<int64_t> fault_latency_ns_{0};
  std::atomic<double> fault_fail_ratio_{0};
  std::atomic<bool> finished_{false};

  // Metrics: kept plainly by the task, published to atomics each slice.
  Counters local_;
  uint64_t blocked_ns_local_ = 0;
  struct Published {
    std::atomic<uint64_t> received{0}, emitted{0}, acked{0}, failed{0}, errors{0}, replayed{0},
        dropped{0}, blocked_ns{0};
    std::atomic<int64_t> outbox{0};
  } published_;
  std::unique_ptr<std::atomic<uint64_t>[]> member_sent_;
  // Held inputs the operator reported failed later (Emitter::complete).
  std::atomic<uint64_t> late_failed_{0};
  ErrorRing error_samples_;
  AtomicHistogram latency_;
  AtomicHistogram e2e_;
  std::vector<std::unique_ptr<InputStream>> inputs_;
  std::vector<int> input_of_task_;  // plan task id → index into inputs_, -1: none
  bool current_timed_ = true;       // current_'s stream latency is recorded
  bool records_e2e_ = false;
};

using TaskPtr = std::unique_ptr<Task>;

}  // namespace topolab
