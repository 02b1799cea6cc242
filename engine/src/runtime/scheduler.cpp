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
  work_cv_.notify_all();
  keeper_cv_.notify_all();
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
  bool work = false, keeper = false;
  {
    std::lock_guard lock(mu_);
    ready_.push_back(r);
    if (notify) {
      work = idle_ > 0;
      keeper = !work && keeping_;  // everyone else is busy: the keeper takes it
    }
  }
  if (work) work_cv_.notify_one();
  if (keeper) keeper_cv_.notify_one();
}

void Scheduler::wakeAt(Runnable* r, int64_t mono_ns) {
  std::condition_variable* watch = nullptr;
  {
    std::lock_guard lock(mu_);
    timers_.push({mono_ns, r});
    // A task's own timer cannot fire before its run ends, and its worker
    // looks at the timers then.
    if (t_running != r) watch = timerWatcher();
  }
  if (watch != nullptr) watch->notify_one();
}

int Scheduler::sleeping() {
  std::lock_guard lock(mu_);
  return idle_ + (keeping_ ? 1 : 0);
}

std::condition_variable* Scheduler::timerWatcher() {
  if (timers_.empty()) return nullptr;
  // The keeper sleeps past the earliest timer (one a task set for itself
  // while it ran, which woke no one): it looks again.
  if (keeping_) return timers_.top().at < keeper_deadline_ ? &keeper_cv_ : nullptr;
  // No keeper: a sleeper takes the timers over.
  return idle_ > 0 ? &work_cv_ : nullptr;
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
        // With nothing ahead of it in the queue this worker runs the first
        // itself; others wake for the rest.
        const bool self = ready_.empty();
        lock.unlock();
        for (size_t i = 0; i < due.size(); ++i) wake(due[i], !(self && i == 0));
        lock.lock();
        continue;
      }
    }
    if (ready_.empty()) {
      // One sleeper keeps the timers; the others wait for work.
      if (!timers_.empty() && !keeping_) {
        keeping_ = true;
        keeper_deadline_ = timers_.top().at;
        keeper_cv_.wait_until(lock, std::chrono::steady_clock::time_point(
                                        std::chrono::nanoseconds(keeper_deadline_)));
        keeping_ = false;
      } else {
        if (std::condition_variable* watch = timerWatcher()) watch->notify_one();
        ++idle_;
        work_cv_.wait(lock);
        --idle_;
      }
      woke = true;
      continue;
    }
    Runnable* r = ready_.front();
    ready_.pop_front();
    // Off to run: the timers stay watched while it does.
    std::condition_variable* watch = timerWatcher();
    lock.unlock();
    if (watch != nullptr) watch->notify_one();

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
