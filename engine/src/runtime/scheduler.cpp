#include "runtime/scheduler.h"

#include <pthread.h>

#include <chrono>

#include "topolab/engine/tuple.h"

namespace topolab {
namespace {

// The runnable this thread is running, if it is a worker.
thread_local const Runnable* t_running = nullptr;

}  // namespace

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

void Scheduler::wake(Runnable* r) { wake(r, true); }

void Scheduler::wake(Runnable* r, bool notify) {
  int s = r->state_.load(std::memory_order_acquire);
  for (;;) {
    if (s == Runnable::Idle) {
      if (r->state_.compare_exchange_weak(s, Runnable::Queued, std::memory_order_acq_rel)) {
        push(r, notify);
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

void Scheduler::push(Runnable* r, bool notify) {
  {
    std::lock_guard lock(mu_);
    ready_.push_back(r);
    notify = notify && sleeping_ > 0;
  }
  if (notify) cv_.notify_one();
}

void Scheduler::wakeAt(Runnable* r, int64_t mono_ns) {
  bool notify;
  {
    std::lock_guard lock(mu_);
    const bool earliest = timers_.empty() || mono_ns < timers_.top().at;
    timers_.push({mono_ns, r});
    // A task's own timer cannot fire before its run ends, and its worker
    // looks at the timers then.
    notify = earliest && sleeping_ > 0 && t_running != r;
  }
  if (notify) cv_.notify_one();
}

void Scheduler::workerLoop() {
  std::unique_lock lock(mu_);
  bool woke = false;  // back from a wait: counts as idle if it finds nothing
  for (;;) {
    if (stopping_) return;
    if (woke && ready_.empty() && (timers_.empty() || timers_.top().at > monoNowNs())) {
      idle_wakeups_.fetch_add(1, std::memory_order_relaxed);
    }
    woke = false;
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
        // This worker runs the first itself; others wake for the rest.
        for (size_t i = 0; i < due.size(); ++i) wake(due[i], i > 0);
        lock.lock();
        continue;
      }
    }
    if (ready_.empty()) {
      ++sleeping_;
      // One sleeper keeps the earliest timer; the others wait for work (or
      // for an earlier timer: wakeAt wakes one, which then keeps it).
      if (!timers_.empty() && (timed_sleepers_ == 0 || timers_.top().at < timed_deadline_)) {
        const int64_t at = timers_.top().at;
        const int64_t outer = timed_sleepers_ == 0 ? INT64_MAX : timed_deadline_;
        ++timed_sleepers_;
        timed_deadline_ = at;
        cv_.wait_until(lock, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(at)));
        --timed_sleepers_;
        if (timed_deadline_ == at) timed_deadline_ = outer;
      } else {
        cv_.wait(lock);
      }
      --sleeping_;
      woke = true;
      continue;
    }
    Runnable* r = ready_.front();
    ready_.pop_front();
    lock.unlock();

    r->state_.store(Runnable::Running, std::memory_order_release);
    t_running = r;
    r->run();
    t_running = nullptr;
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
