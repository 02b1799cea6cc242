// What shell-spout and shell-bolt share: their params, the program's folder
// and environment, Storm's handshake (conf, pidDir, context) and the
// supervision of the process (restarts per the topology's restart policy).
// How tuples map to a program's values and back is here too:
//   - a tuple a program emitted carries its values as a JSON array in the
//     payload; field 0 is also the key (a string as it is, anything else as
//     JSON text) and a numeric field 1 the value;
//   - a tuple from a built-in component reaches a program as [key, value],
//     with the payload as a third value when it has one.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connectors/multilang_link.h"
#include "runtime/restart_budget.h"
#include "topolab/engine/catalogue.h"
#include "topolab/engine/operator.h"
#include "topolab/engine/topology.h"

namespace topolab::shell {

// The params both types take (the catalogue's schema).
std::vector<ParamSchema> paramSchemas(bool bolt);
ComponentTraits traits();

// A program's task id: Storm's start at 1 (0 means "not a direct emit").
inline int64_t stormTaskId(uint32_t plan_task) { return static_cast<int64_t>(plan_task) + 1; }

// The values of `t` as a JSON array, as a program receives them.
std::string valuesOf(const Tuple& t);
// A tuple carrying `m`'s values (an emit), with origin time `ts`.
Tuple tupleOf(MultilangMessage&& m, int64_t ts);

// One instance's program: started, watched and restarted.
class Supervisor {
 public:
  Supervisor(const Params& params, const OperatorContext& ctx, bool bolt);

  // Starts the program; false with `error` set.
  bool start(std::string* error);
  MultilangLink* link() { return link_.get(); }
  const std::string& name() const { return name_; }  // component#index

  // After the program died: reports it and decides. True: restart it at
  // restartDueNs() (call start() then); false: the instance has failed.
  bool onDeath(int64_t now);
  int64_t restartDueNs() const { return restart_due_ns_; }
  bool restarting() const { return restart_due_ns_ != 0; }
  void restarted(int64_t now);

  void log(int level, const std::string& line) const;
  // A program's log, error or metrics message, for spouts and bolts alike:
  // into the log, and an error counted against the instance. False for any
  // other kind of message.
  bool report(const MultilangMessage& m, Emitter& out) const;
  void event(const std::string& kind, const std::string& detail) const;
  // The stream ids a tuple from `source` (plan task) arrives on here.
  const std::string& inputStream(int64_t source) const;
  const std::string& componentOf(int64_t plan_task) const;

  int64_t heartbeatNs() const { return heartbeat_ns_; }
  int64_t timeoutNs() const { return timeout_ns_; }

 private:
  std::string setupMessage() const;

  OperatorContext ctx_;
  bool bolt_;
  std::string name_;
  std::vector<std::string> command_;
  std::vector<std::string> fields_;
  std::string folder_;  // resources: where it runs
  std::string pid_dir_;
  StringMap env_;
  int64_t heartbeat_ns_;
  int64_t timeout_ns_;
  RestartBudget restarts_;
  int64_t restart_due_ns_ = 0;
  std::unique_ptr<MultilangLink> link_;
  // The task's wake-up, set after the program may already be talking.
  struct Waker {
    std::mutex mu;
    std::function<void()> fn;
  };
  std::shared_ptr<Waker> waker_ = std::make_shared<Waker>();

 public:
  void setWaker(std::function<void()> wake) {
    std::lock_guard lock(waker_->mu);
    waker_->fn = std::move(wake);
  }
};

}  // namespace topolab::shell
