// How a runtime that holds only its share of a plan reaches the other agents.
// The agent implements RemotePeer over its data plane; the engine never sees
// the wire.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "topolab/engine/plan.h"
#include "topolab/engine/tuple.h"

namespace topolab {

// An at-least-once update for the tree `root` (see runtime/acker.h).
struct AckOp {
  uint64_t root = 0;
  uint64_t value = 0;  // XOR to apply
  bool fail = false;   // the tree failed
};

// Between the instances of a replicated-store (engine/src/runtime/replication.h).
struct ReplicationMessage {
  enum class Kind : uint8_t {
    Write,        // primary → follower: apply `key` = `value` as write `seq`
    Ack,          // follower → primary: applied up to `seq`
    Heartbeat,    // any → any: alive; `seq` = applied (the primary: its newest write)
    Promote,      // new primary → everyone: `from` leads `epoch`, holding writes up to `seq`
    SyncBegin,    // new primary → follower: drop your state, a full copy follows
    SyncEntry,    // one key of that copy (`seq`: the write that set it)
    SyncEnd,      // the copy is complete, up to write `seq`
    SyncRequest,  // follower → primary: I missed writes, send me a full copy
  };
  Kind kind = Kind::Heartbeat;
  std::string component;  // the store
  int32_t from = 0;       // sending instance
  int32_t to = -1;        // receiving instance; -1: every instance and every agent
  uint64_t epoch = 0;
  int32_t leader = 0;  // the primary the sender follows in `epoch`
  uint64_t seq = 0;
  std::string key;
  double value = 0;
  int64_t ts = 0;  // wall-clock ns when the primary applied the write
};

class RemotePeer {
 public:
  virtual ~RemotePeer() = default;
  // Sends `batch` (emitted over `span`) from local task `source` to the
  // peer's task `target` when credit allows: moves it out and returns true.
  // Otherwise leaves it, returns false, and calls `on_credit` once when
  // credit for `target` arrives.
  virtual bool trySend(uint32_t target, uint32_t source, Batch& batch, const EmitSpan& span,
                       std::function<void()> on_credit) = 0;
  virtual void sendEndOfInput(uint32_t target, uint32_t source) = 0;
  // Updates for trees whose producer runs on the peer.
  virtual void sendAcks(std::vector<AckOp> ops) = 0;
  // Tuples sent to `target` that the peer has not yet taken from its queue.
  virtual int64_t inFlight(uint32_t target) const = 0;
  virtual bool reachable() const = 0;
  // Load-balancer health checks of the peer's task `target`: from start on,
  // check it every `period_ns` (called while wiring, before the peer starts).
  virtual void checkHealth(uint32_t /*target*/, int64_t /*period_ns*/) {}
  // The latest check's verdict: the peer answered within the period and its
  // instance `target` is alive. Without checks, whether the peer is reachable.
  virtual bool healthy(uint32_t /*target*/) const { return reachable(); }
  // Tuples sent to `target` that the peer had not confirmed taking when the
  // connection to it broke (their fate is unknown), since the last call.
  virtual int64_t takeUnconfirmed(uint32_t /*target*/) { return 0; }
  // Replication messages for instances on the peer (or, `to` = -1, for it).
  virtual void sendReplication(std::vector<ReplicationMessage> msgs) {}
};

// This runtime's share of a plan.
struct Distribution {
  Plan plan;
  std::string self;                          // this agent's name in the plan
  std::map<std::string, RemotePeer*> peers;  // every other agent of the plan
};

}  // namespace topolab
