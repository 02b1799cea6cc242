// A small work-conserving scheduler: a fixed pool of worker threads (one per
// core by default) runs whichever tasks are runnable. Tasks never spin: one
// with nothing to do returns and is woken by a queue or a timer, so many more
// tasks than cores stay fast. Only as many workers wake as there is work: one
// sleeping worker keeps the timers (the others sleep until work comes) and
// hands them to a sleeper when it goes off to run something; a worker that
// pops a due timer runs that task itself; a task that sets its own timer while
// it runs wakes no one (its worker looks at the timers when the run ends).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace topolab {

class Scheduler;

// Something the scheduler runs. run() does a bounded slice of work and
// returns; it is never run on two threads at once.
class Runnable {
 public:
  virtual ~Runnable() = default;
  virtual void run() = 0;

 private:
  friend class Scheduler;
  enum State : int { Idle, Queued, Running, RunningWoken };
  std::atomic<int> state_{Idle};
};

class Scheduler {
 public:
  explicit Scheduler(int threads);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Makes `r` runnable; a wake while it runs makes it run again afterwards.
  void wake(Runnable* r);
  // Wakes `r` at `mono_ns` (steady clock) or a little later.
  void wakeAt(Runnable* r, int64_t mono_ns);
  // Stops the workers; runnables are not run again.
  void shutdown();
  int threads() const { return static_cast<int>(workers_.size()); }
  // Times a worker woke and found nothing to do: the cost of waking too many.
  int64_t idleWakeups() const { return idle_wakeups_.load(std::memory_order_relaxed); }
  // Workers asleep (waiting for work or keeping the timers).
  int sleeping();

 private:
  void workerLoop();
  // Makes `r` runnable; `notify`: wake a sleeping worker for it.
  void wake(Runnable* r, bool notify);
  void push(Runnable* r, bool notify);
  // With mu_ held: whom to wake so that the earliest timer is watched (after
  // a timer was set, or while the calling worker runs or sleeps for work);
  // nullptr: it is watched.
  std::condition_variable* timerWatcher();

  struct Timer {
    int64_t at;
    Runnable* r;
    bool operator>(const Timer& o) const { return at > o.at; }
  };

  std::mutex mu_;
  std::condition_variable work_cv_;    // idle workers wait here for work
  std::condition_variable keeper_cv_;  // the keeper waits here for the earliest timer
  std::deque<Runnable*> ready_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  int idle_ = 0;                 // workers waiting for work
  bool keeping_ = false;         // a sleeping worker keeps the timers
  int64_t keeper_deadline_ = 0;  // the timer it sleeps until
  bool stopping_ = false;
  std::atomic<int64_t> idle_wakeups_{0};
  std::vector<std::thread> workers_;
};

}  // namespace topolab
