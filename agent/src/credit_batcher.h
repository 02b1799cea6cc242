// The credit a receiving agent owes a sender, gathered so that it goes back in
// bulk. A message per batch taken costs a write, a wakeup and HTTP/2
// flow-control traffic on both agents for every batch; the window is large
// enough that returning it a quarter at a time holds no sender back.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>

namespace topolab::agent {

class CreditBatcher {
 public:
  // `window`: the tuples a sender may have in flight to one target; `max_age_ns`:
  // how long credit may wait for more before it goes back anyway.
  CreditBatcher(int64_t window, int64_t max_age_ns)
      : threshold_(std::max<int64_t>(1, window / 4)), max_age_ns_(max_age_ns) {}

  // Adds `tuples` taken for `target` at `now_ns`. True when what is gathered
  // should go back now: a quarter of the window for one target (so a sender
  // that used its whole window is always given credit back, however small the
  // window), or credit older than max_age (a sender's in-flight count, which
  // load balancers read, stays current).
  bool add(uint32_t target, int64_t tuples, int64_t now_ns) {
    if (pending_.empty()) oldest_ns_ = now_ns;
    int64_t& n = pending_[target];
    n += tuples;
    return n >= threshold_ || now_ns - oldest_ns_ >= max_age_ns_;
  }
  // Something has waited max_age or longer.
  bool due(int64_t now_ns) const { return !pending_.empty() && now_ns - oldest_ns_ >= max_age_ns_; }
  bool empty() const { return pending_.empty(); }
  int64_t oldestNs() const { return oldest_ns_; }
  // Everything gathered, by target; leaves nothing.
  std::map<uint32_t, int64_t> take() { return std::exchange(pending_, {}); }

 private:
  const int64_t threshold_;
  const int64_t max_age_ns_;
  std::map<uint32_t, int64_t> pending_;
  int64_t oldest_ns_ = 0;
};

}  // namespace topolab::agent
