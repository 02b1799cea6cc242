#include "runtime/input_queue.h"

#include <algorithm>

namespace topolab {

bool InputQueue::tryPush(Batch& batch, Runnable* pusher, int64_t source, const EmitSpan& span) {
  const size_t n = batch.size();
  {
    std::lock_guard lock(mu_);
    if (size_ > 0 && size_ + n > capacity_) {
      if (std::find(waiting_.begin(), waiting_.end(), pusher) == waiting_.end()) {
        waiting_.push_back(pusher);
      }
      return false;
    }
    items_.push_back(Envelope{std::move(batch), false, -1, monoNowNs(), source, span});
    size_ += n;
    depth_.store(static_cast<int64_t>(size_), std::memory_order_relaxed);
  }
  batch = Batch();
  scheduler_.wake(consumer_);
  return true;
}

void InputQueue::pushEndOfInput() {
  {
    std::lock_guard lock(mu_);
    items_.push_back(Envelope{{}, true, -1, monoNowNs()});
  }
  scheduler_.wake(consumer_);
}

void InputQueue::pushRemote(Batch&& batch, int origin, int64_t source, const EmitSpan& span) {
  {
    std::lock_guard lock(mu_);
    size_ += batch.size();
    items_.push_back(Envelope{std::move(batch), false, origin, monoNowNs(), source, span});
    depth_.store(static_cast<int64_t>(size_), std::memory_order_relaxed);
  }
  scheduler_.wake(consumer_);
}

bool InputQueue::pop(Envelope& out) {
  std::vector<Runnable*> wake;
  {
    std::lock_guard lock(mu_);
    if (items_.empty()) return false;
    out = std::move(items_.front());
    items_.pop_front();
    size_ -= out.batch.size();
    depth_.store(static_cast<int64_t>(size_), std::memory_order_relaxed);
    if (size_ < capacity_) wake.swap(waiting_);
  }
  for (Runnable* r : wake) scheduler_.wake(r);
  if (out.origin >= 0 && credit_return_) credit_return_(out.origin, out.batch.size());
  return true;
}

}  // namespace topolab
