// The interface a component type implements (its "operator"), and the
// callbacks the runtime gives it. An operator never sees queues, threads,
// groupings or acking: the task that hosts it does all of that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "topolab/engine/catalogue.h"
#include "topolab/engine/remote.h"
#include "topolab/engine/tuple.h"

namespace topolab {

class ReplicationHub;

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
  // the tuple as failed and an error instead of acked. For operators with no
  // acker of their own (a Kafka sink waiting for the broker's acknowledgement).
  virtual void complete(const AckOp& held, bool ok) {}
};

struct OperatorContext {
  std::string component;  // component id
  int index = 0;          // instance index, 0-based
  int parallelism = 1;
  uint64_t seed = 0;      // distinct per instance, for random choices
  std::string kafka_bootstrap;  // host:port,… of the Kafka cluster, when there is one
  bool at_least_once = false;   // the topology's delivery mode
  std::string state_dir;        // where an operator may keep files; empty: none
  ReplicationHub* replication = nullptr;  // replicated-store instances of this runtime
};

// What a producer's produce() asks of the task next.
struct ProduceResult {
  enum class State { More, SleepUntil, Done } state = State::More;
  int64_t wake_mono_ns = 0;  // for SleepUntil
};

// What processing one input tuple cost and whether it succeeded.
struct ProcessResult {
  bool ok = true;        // false: the tuple is an error (counted; fails its tree)
  int64_t busy_ns = 0;   // simulated service time; the task is busy this long
};

class Operator {
 public:
  virtual ~Operator() = default;

  // Producers: emit at most `budget` tuples now. `now_mono_ns` is the task's clock.
  virtual ProduceResult produce(Emitter& out, size_t budget, int64_t now_mono_ns) {
    return {ProduceResult::State::Done, 0};
  }
  // Producers: a tuple emitted with `token` finished (ok) or failed and will be replayed.
  virtual void onComplete(uint64_t token, bool ok) {}

  // Bolts and sinks: process one tuple; may move from `in`.
  virtual ProcessResult process(Tuple& in, Emitter& out, int64_t now_mono_ns) { return {}; }

  // Timers (e.g. closing a window): the next wake-up wanted, 0 for none.
  virtual int64_t nextTimerMonoNs() const { return 0; }
  virtual void onTimer(Emitter& out, int64_t now_mono_ns) {}

  // All upstream instances finished: flush any state (e.g. open windows).
  virtual void onEndOfInput(Emitter& out) {}

  // Whether the operator records end-to-end latency (sinks do by default).
  virtual bool recordsEndToEnd() const { return false; }
};

}  // namespace topolab
