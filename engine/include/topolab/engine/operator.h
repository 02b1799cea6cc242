// The interface a component type implements (its "operator"), and the
// callbacks the runtime gives it. An operator never sees queues, threads,
// groupings or acking: the task that hosts it does all of that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/engine/catalogue.h"
#include "topolab/engine/remote.h"
#include "topolab/engine/tuple.h"

namespace topolab {

class ReplicationHub;
struct Plan;
struct Topology;

// Where an asynchronous emit goes (a multilang program's emit, handed over in
// Operator::poll): a named stream or the default one, one task or the
// grouping's choice, and which held input it belongs to.
struct EmitTarget {
  std::string_view stream;   // empty: the default stream
  int64_t direct_task = -1;  // >= 0: only to that plan task (Storm's emitDirect)
  // Bolts: the held input (see Emitter::holdInput) the tuple is anchored to;
  // its update gains the tuple's edges. Null: not anchored (untracked).
  AckOp* anchor = nullptr;
  std::vector<uint32_t>* task_ids = nullptr;  // when set: the plan tasks it went to
};

// Where an operator's output goes. For a bolt, everything emitted while
// processing an input tuple is anchored to it (at-least-once).
class Emitter {
 public:
  virtual ~Emitter() = default;
  // Producers may pass a token returned to onComplete (e.g. a Kafka offset).
  virtual void emit(Tuple&& t, uint64_t token = 0) = 0;
  // Bolts and sinks, after emitting: the operator completes the current
  // input's tree itself later (by applying the returned update, e.g. once
  // replicas have it) instead of the task completing it when process()
  // returns. Root 0: the input is not tracked.
  virtual AckOp holdInput() { return {}; }
  // Finishes an input held with holdInput() through the task, from any
  // thread, once: applies its update, or (not ok) fails its tree and counts
  // the tuple as failed and an error instead of acked, kept as a sample with
  // `error` (why; empty: "failed after processing") and the tuple's `key`.
  // For operators with no acker of their own (a Kafka sink waiting for the
  // broker's acknowledgement).
  virtual void complete(const AckOp& held, bool ok, std::string_view error = {},
                        std::string_view key = {}) {}

  // Asynchronous operators, on the task's thread (from process(), produce()
  // or poll()). Emits `t` as `target` says; false, with nothing sent and `t`
  // left as it was, when the direct task is not downstream on that stream.
  // Producers pass a token as with emit().
  virtual bool emitTo(Tuple&& t, const EmitTarget& target, uint64_t token = 0) {
    emit(std::move(t), token);
    return true;
  }
  // The processing latency of one input, measured by the operator (from
  // handing it to a program until the program acked it).
  virtual void recordLatency(int64_t ns) {}
  // A problem the operator reports apart from process()'s result (a
  // program's `error` message, a tuple it could not emit, a refused batch):
  // counted in errors and kept as a sample with `key`, the key of the tuple
  // it concerns (empty when none).
  virtual void reportError(std::string_view message, std::string_view key = {}) {}
  // The plan task that sent the input being processed, -1 when unknown.
  virtual int64_t inputSource() const { return -1; }
  // The instance is dead (its program is gone for good): from now on the
  // task behaves as a killed instance. The operator fails what it holds first.
  virtual void die() {}
};

struct OperatorContext {
  std::string component;  // component id
  int index = 0;          // instance index, 0-based
  int parallelism = 1;
  uint64_t seed = 0;                      // distinct per instance, for random choices
  std::string kafka_bootstrap;            // host:port,… of the Kafka cluster, when there is one
  bool at_least_once = false;             // the topology's delivery mode
  std::string state_dir;                  // where an operator may keep files; empty: none
  ReplicationHub* replication = nullptr;  // replicated-store instances of this runtime
  // The whole topology and plan this instance is part of, and its task id in
  // the plan (a multilang program's context names every task).
  const Topology* topology = nullptr;
  const Plan* plan = nullptr;
  uint32_t task_id = 0;
  // Where a relative `resources` folder is found (the topology file's folder,
  // or a deployment's unpacked bundle) and this run's own folder (pid files,
  // a program's HOME).
  std::string resources_base;
  std::string work_dir;
  // Log lines of this instance (level: 0 trace … 4 error) and events a user
  // sees on the charts (kind, detail), from any thread. Either may be empty.
  std::function<void(int level, const std::string& line)> log;
  std::function<void(const std::string& kind, const std::string& detail)> event;
};

// What a producer's produce() asks of the task next.
struct ProduceResult {
  enum class State { More, SleepUntil, Done } state = State::More;
  int64_t wake_mono_ns = 0;  // for SleepUntil
};

// What processing one input tuple cost and whether it succeeded.
struct ProcessResult {
  bool ok = true;              // false: the tuple is an error (counted; fails its tree)
  int64_t busy_ns = 0;         // simulated service time; the task is busy this long
  bool latency_later = false;  // the operator records this input's latency itself
  // When not ok: why, for the error's sample (read as process() returns, so
  // it may point into the operator). Empty: "rejected the tuple".
  std::string_view error;
};

class Operator {
 public:
  virtual ~Operator() = default;

  // Producers: emit at most `budget` tuples now. `now_mono_ns` is the task's clock.
  virtual ProduceResult produce(Emitter& out, size_t budget, int64_t now_mono_ns) {
    return {ProduceResult::State::Done, 0};
  }
  // Producers: a tuple emitted with `token` finished (ok), or failed (or timed
  // out) and will be replayed, unless replaysItself().
  virtual void onComplete(uint64_t token, bool ok) {}
  // Producers that decide themselves what to send again after a failure (a
  // multilang spout, told through its `fail`): the task does not replay.
  virtual bool replaysItself() const { return false; }
  // Producers: producing is over (stopped, or done), once.
  virtual void onProducerDone() {}

  // Bolts and sinks: process one tuple; may move from `in`.
  virtual ProcessResult process(Tuple& in, Emitter& out, int64_t now_mono_ns) { return {}; }

  // Timers (e.g. closing a window): the next wake-up wanted, 0 for none.
  virtual int64_t nextTimerMonoNs() const { return 0; }
  virtual void onTimer(Emitter& out, int64_t now_mono_ns) {}

  // All upstream instances finished: flush any state (e.g. open windows).
  virtual void onEndOfInput(Emitter& out) {}

  // Whether the operator records end-to-end latency (sinks do by default).
  virtual bool recordsEndToEnd() const { return false; }

  // Asynchronous operators (a multilang program works beside the task):
  // `wake` makes the task run soon, from any thread; set once before start.
  virtual void setWaker(std::function<void()> wake) {}
  // Called on the task's thread each time a bolt's or sink's task runs,
  // before it takes input: hand over what arrived meanwhile.
  virtual void poll(Emitter& out, int64_t now_mono_ns) {}
  // Whether it takes another input now; when not, the task waits to be woken.
  virtual bool accepting() const { return true; }
  // Whether it holds no input; after the end of input the task finishes only
  // once it does.
  virtual bool idle() const { return true; }
};

}  // namespace topolab
