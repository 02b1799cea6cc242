#include "runtime/error_ring.h"

#include <atomic>

#include "topolab/engine/tuple.h"

namespace topolab {

uint64_t nextErrorSequence() {
  static std::atomic<uint64_t> next{static_cast<uint64_t>(wallNowNs() / 1000)};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void ErrorRing::add(std::string_view message, std::string_view key) {
  const int64_t now = wallNowNs();
  std::lock_guard lock(mu_);  // the sequence under the lock: the ring's order is the sequence's
  ErrorSample& s = slots_[next_];
  s.seq = nextErrorSequence();
  s.unix_ns = now;
  s.message.assign(message.substr(0, kMaxMessage));
  s.key.assign(key.substr(0, kMaxKey));
  next_ = (next_ + 1) % slots_.size();
  if (held_ < slots_.size()) ++held_;
}

std::vector<ErrorSample> ErrorRing::samples() const {
  std::vector<ErrorSample> out;
  std::lock_guard lock(mu_);
  out.reserve(held_);
  for (size_t i = 0; i < held_; ++i) {
    out.push_back(slots_[(next_ + slots_.size() - held_ + i) % slots_.size()]);
  }
  return out;
}

}  // namespace topolab
