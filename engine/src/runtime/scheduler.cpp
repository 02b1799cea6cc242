#include "runtime/scheduler.h"

#include <pthread.h>

#include <chrono>

#include "topolab/engine/tuple.h"

namespace topolab {

Scheduler::Scheduler(int threads) {
  if (threads < 1) threads = 1;
  workers_.reserve(threads);
  for (int i = 0; i < threads; ++i) {
    workers_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "topolab-worker");  // as top -H and perf show it
      workerLoop();
    });
  }
}

Scheduler::~Scheduler() { shutdown(); }

void Scheduler::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

void Scheduler::wake(Runnable* r) {
  int s = r->state_.load(std::memory_order_acquire);
  for (;;) {
    if (s == Runnable::Idle) {
      if (r->state_.compare_exchange_weak(s, Runnable::Queued, std::memory_order_acq_rel)) {
        push(r);
        return;
      }
    } else if (s == Runnable::Running) {
      if (r->state_.compare_exchange_weak(s, Runnable::RunningWoken, std::memory_order_acq_rel)) {
        return;
      }
    } else {
      return;  // already queued or already woken while running
    }
  }
}

void Scheduler::push(Runnable* r) {
  bool notify;
  {
    std::lock_guard lock(mu_);
    ready_.push_back(r);
    notify = sleeping_ > 0;
  }
  if (notify) cv_.notify_one();
}

void Scheduler::wakeAt(Runnable* r, int64_t mono_ns) {
  bool notify;
  {
    std::lock_guard lock(mu_);
    const bool earliest = timers_.empty() || mono_ns < timers_.top().at;
    timers_.push({mono_ns, r});
    notify = earliest && sleeping_ > 0;
  }
  if (notify) cv_.notify_one();
}

void Scheduler::workerLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_) return;
    // Fire due timers first, so a sleeping producer is not starved by busy tasks.
    if (!timers_.empty()) {
      const int64_t now = monoNowNs();
      std::vector<Runnable*> due;
      while (!timers_.empty() && timers_.top().at <= now) {
        due.push_back(timers_.top().r);
        timers_.pop();
      }
      if (!due.empty()) {
        lock.unlock();
        for (Runnable* r : due) wake(r);
        lock.lock();
        continue;
      }
    }
    if (ready_.empty()) {
      ++sleeping_;
      if (timers_.empty()) {
        cv_.wait(lock);
      } else {
        const auto at =
            std::chrono::steady_clock::time_point(std::chrono::nanoseconds(timers_.top().at));
        cv_.wait_until(lock, at);
      }
      --sleeping_;
      continue;
    }
    Runnable* r = ready_.front();
    ready_.pop_front();
    lock.unlock();

    r->state_.store(Runnable::Running, std::memory_order_release);
    r->run();
    int s = Runnable::Running;
    if (!r->state_.compare_exchange_strong(s, Runnable::Idle, std::memory_order_acq_rel)) {
      // Woken while running: run again, after the others already waiting.
      r->state_.store(Runnable::Queued, std::memory_order_release);
      lock.lock();
      ready_.push_back(r);
      continue;
    }
    lock.lock();
  }
}

}  // namespace topolab
