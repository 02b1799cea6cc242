// The bounded input queue of one task instance. Upstream tasks push whole
// batches; a push that would pass the capacity is refused and the pusher is
// remembered and woken when space frees up: back pressure, never growth.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "runtime/scheduler.h"
#include "topolab/engine/tuple.h"

namespace topolab {

struct Envelope {
  Batch batch;
  bool end_of_input = false;  // the sending instance has finished
  int origin = -1;            // >= 0: arrived from another agent over that connection
  int64_t arrived_ns = 0;     // monotonic time it was queued
  int64_t source = -1;        // the sending plan task (-1: not known, e.g. over Kafka)
  EmitSpan span;              // when the sender emitted the batch
};

class InputQueue {
 public:
  InputQueue(Scheduler& scheduler, Runnable* consumer, size_t capacity)
      : scheduler_(scheduler), consumer_(consumer), capacity_(capacity) {}

  // Moves `batch` in and returns true, or leaves it and returns false when the
  // queue is full; then `pusher` is woken once there is room again. A batch is
  // always accepted into an empty queue, so any batch size makes progress.
  bool tryPush(Batch& batch, Runnable* pusher, int64_t source = -1, const EmitSpan& span = {});
  // End-of-input markers are never refused.
  void pushEndOfInput();
  // Tuples from another agent. Never refused: the sender held credit for
  // them, and the credit goes back through `credit_return` when they are taken.
  void pushRemote(Batch&& batch, int origin, int64_t source = -1, const EmitSpan& span = {});
  void setCreditReturn(std::function<void(int origin, size_t tuples)> f) {
    credit_return_ = std::move(f);
  }
  // Takes the oldest envelope; false when empty.
  bool pop(Envelope& out);

  int64_t depth() const { return depth_.load(std::memory_order_relaxed); }
  size_t capacity() const { return capacity_; }

 private:
  Scheduler& scheduler_;
  Runnable* consumer_;
  const size_t capacity_;
  std::mutex mu_;
  std::deque<Envelope> items_;
  size_t size_ = 0;  // tuples
  std::vector<Runnable*> waiting_;
  std::atomic<int64_t> depth_{0};
  std::function<void(int, size_t)> credit_return_;
};

}  // namespace topolab
