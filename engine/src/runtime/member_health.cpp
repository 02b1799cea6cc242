#include "runtime/member_health.h"

namespace topolab {

MemberHealth::MemberHealth(size_t members, int64_t period_ns, size_t trees_kept)
    : period_ns_(period_ns),
      in_rotation_(members, 1),
      outstanding_(members, 0),
      published_(std::make_unique<std::atomic<bool>[]>(members)),
      rings_(trees_kept > 0 ? members : 0, TreeRing(trees_kept)) {
  for (size_t i = 0; i < members; ++i) published_[i].store(true, std::memory_order_relaxed);
}

bool MemberHealth::due(int64_t now) {
  if (now < next_check_) return false;
  next_check_ = now + period_ns_;
  return true;
}

MemberHealth::Change MemberHealth::record(size_t i, bool passed) {
  const bool was = in_rotation_[i] != 0;
  if (was == passed) return Change::None;
  in_rotation_[i] = passed ? 1 : 0;
  published_[i].store(passed, std::memory_order_relaxed);
  return passed ? Change::Up : Change::Down;
}

void MemberHealth::handing(const Batch& batch) {
  staged_.clear();
  if (rings_.empty()) return;
  for (const Tuple& t : batch) {
    if (t.root != 0) staged_.push_back(t.root);
  }
}

void MemberHealth::handed(size_t i) {
  if (rings_.empty()) return;
  for (uint64_t root : staged_) rings_[i].add(root);
  staged_.clear();
}

void MemberHealth::takeTrees(size_t i, std::vector<uint64_t>& out) {
  out.clear();
  if (!rings_.empty()) rings_[i].take(out);
}

void TreeRing::take(std::vector<uint64_t>& out) {
  const size_t n = roots_.size();
  for (size_t k = 0; k < filled_; ++k) out.push_back(roots_[(next_ + n - 1 - k) % n]);
  filled_ = 0;
}

}  // namespace topolab
