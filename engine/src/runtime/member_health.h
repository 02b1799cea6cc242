// A load-balancer's members as its health checks see them: which are in
// rotation, what each has outstanding, and (at-least-once) the trees lately
// handed to each, so that a member taken out has its trees failed at once and
// their producers replay them without waiting for ack_timeout_ms.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "topolab/engine/tuple.h"

namespace topolab {

// The at-least-once trees lately handed to one destination, the newest
// `capacity` of them: when the destination is lost, these are the trees to
// fail at once so their producers replay them elsewhere.
class TreeRing {
 public:
  explicit TreeRing(size_t capacity = 0) : roots_(capacity) {}
  bool enabled() const { return !roots_.empty(); }
  void add(uint64_t root) {
    roots_[next_] = root;
    next_ = next_ + 1 == roots_.size() ? 0 : next_ + 1;
    if (filled_ < roots_.size()) ++filled_;
  }
  void addBatch(const Batch& batch) {
    if (!enabled()) return;
    for (const Tuple& t : batch) {
      if (t.root != 0) add(t.root);
    }
  }
  // The trees kept, newest first, into `out`; then forgets them.
  void take(std::vector<uint64_t>& out);

 private:
  std::vector<uint64_t> roots_;
  size_t next_ = 0;
  size_t filled_ = 0;
};

class MemberHealth {
 public:
  enum class Change { None, Down, Up };

  // `trees_kept`: how many recently handed trees to remember per member (0:
  // none, at-most-once). It should cover what a member can hold unprocessed:
  // its input queue plus, across agents, the data plane's credit window.
  MemberHealth(size_t members, int64_t period_ns, size_t trees_kept);

  // Whether a round of checks is due at `now`; if so the next is a period later.
  bool due(int64_t now);
  // Records member `i`'s check: whether it changed rotation.
  Change record(size_t i, bool passed);

  // For the balancer: 1 for members in rotation, and each one's outstanding tuples.
  const std::vector<char>& inRotation() const { return in_rotation_; }
  std::vector<int64_t>& outstanding() { return outstanding_; }
  // From any thread: member `i` is in rotation.
  bool inRotationNow(size_t i) const { return published_[i].load(std::memory_order_relaxed); }

  // `batch` is about to be handed over: notes its trees; handed(i) then
  // remembers them for member `i` once the hand-over succeeded.
  void handing(const Batch& batch);
  void handed(size_t i);
  // The trees lately handed to member `i`, then forgotten.
  void takeTrees(size_t i, std::vector<uint64_t>& out);

 private:
  int64_t period_ns_;
  int64_t next_check_ = 0;
  std::vector<char> in_rotation_;
  std::vector<int64_t> outstanding_;
  std::unique_ptr<std::atomic<bool>[]> published_;
  std::vector<TreeRing> rings_;
  std::vector<uint64_t> staged_;
};

}  // namespace topolab
