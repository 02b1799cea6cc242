// At-least-once tracking in the manner of Storm's acker: every producer tuple
// roots a tree; each edge of the tree has a random 64-bit id, and the tree's
// value is the XOR of every edge id seen when it is emitted and again when it
// is processed. The value returns to 0 exactly when every tuple of the tree
// has been processed (up to a 2^-64 chance), whatever order updates arrive in.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime/scheduler.h"
#include "topolab/engine/remote.h"

namespace topolab {

struct Completion {
  uint32_t slot = 0;
  bool ok = true;
};

class Acker {
 public:
  // Root ids carry [producer:16][slot:24][generation:24], so an update for an
  // older attempt of a reused slot is recognised and ignored.
  static constexpr int kSlotBits = 24;
  static constexpr int kGenBits = 24;
  static constexpr uint32_t kMaxSlots = 1u << kSlotBits;

  explicit Acker(Scheduler& scheduler) : scheduler_(scheduler) {}

  // Sizes the table for `tasks` task ids; `remote_of(id)` is the peer hosting
  // a task that is not local (nullptr for local tasks).
  void setTasks(uint32_t tasks, std::function<RemotePeer*(uint32_t)> remote_of);
  // Registers local producer task `task_id` with `slots` pending trees at most.
  int addProducer(uint32_t task_id, uint32_t slots, Runnable* producer);

  // Starts a new tree in `slot` whose first edge is `edge`; returns its root.
  uint64_t begin(int producer, uint32_t slot, uint64_t edge);
  // Ends the tree in `slot` without completion (timed out); returns false when
  // it had already completed or failed.
  bool abandon(int producer, uint32_t slot, uint64_t root);
  // Applies updates from any thread; completed or failed trees are queued for
  // their producer, which is woken. Updates for producers on other agents are
  // forwarded to them.
  void apply(const std::vector<AckOp>& ops);
  // The producer collects its completions.
  void takeCompletions(int producer, std::vector<Completion>& out);

  static int producerOf(uint64_t root) { return static_cast<int>(root >> (kSlotBits + kGenBits)); }
  static uint32_t slotOf(uint64_t root) { return (root >> kGenBits) & (kMaxSlots - 1); }

 private:
  static constexpr int kStripes = 64;
  struct Slot {
    uint64_t root = 0;  // 0: no tree in progress
    uint64_t value = 0;
  };
  struct Table {
    std::unique_ptr<Slot[]> slots;
    std::unique_ptr<uint32_t[]> generation;
    uint32_t size = 0;
    std::mutex stripes[kStripes];
    Runnable* producer = nullptr;
    std::mutex inbox_mu;
    std::vector<Completion> inbox;
  };
  Scheduler& scheduler_;
  std::vector<std::unique_ptr<Table>> tables_;  // by task id; null for non-producers
  std::function<RemotePeer*(uint32_t)> remote_of_;
};

}  // namespace topolab
