// A tuple is one event moving through a topology, and a batch is how tuples
// move between tasks.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace topolab {

struct Tuple {
  std::string key;
  double value = 0;
  int64_t ts = 0;  // origin time (ns, wall clock), set by the producer, carried unchanged
  std::string payload;
  uint64_t root = 0;  // at-least-once: the tree this tuple belongs to (0: untracked)
  uint64_t edge = 0;  // at-least-once: this tuple's random edge id within its tree
};

using Batch = std::vector<Tuple>;

// When a batch's tuples were emitted upstream (wall-clock ns): its first
// tuple and its last. The receiver measures the stream's latency from them;
// 0: not known (the batch is not timed).
struct EmitSpan {
  int64_t first_ns = 0;
  int64_t last_ns = 0;
};

// Wall-clock nanoseconds, the clock of Tuple::ts.
inline int64_t wallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Monotonic nanoseconds, for durations and deadlines.
inline int64_t monoNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace topolab
