// The worker pool: every timer fires, none early, an earlier timer is not held
// behind a later one, and a timer wakes one worker rather than all of them.
#include "runtime/scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "topolab/engine/tuple.h"

namespace topolab {
namespace {

using namespace std::chrono_literals;

// Records when it ran; `then` runs inside run() (e.g. to set its next timer).
class Probe final : public Runnable {
 public:
  void run() override {
    std::function<void()> next;
    {
      std::lock_guard lock(mu_);
      runs_.push_back(monoNowNs());
      next = then_;
    }
    cv_.notify_all();
    if (next) next();
  }
  void then(std::function<void()> f) {
    std::lock_guard lock(mu_);
    then_ = std::move(f);
  }
  // Waits (up to 30 s) until it has run `n` times.
  bool waitForRuns(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 30s, [&] { return runs_.size() >= n; });
  }
  std::vector<int64_t> runs() {
    std::lock_guard lock(mu_);
    return runs_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int64_t> runs_;
  std::function<void()> then_;
};

// Waits (up to 30 s, yielding) until every worker is asleep.
bool waitUntilAllSleep(Scheduler& scheduler) {
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (scheduler.sleeping() < scheduler.threads()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

// Runs `ticker` until it has run `runs` times, each run setting its next
// timer 1 ms ahead for itself; then stops the workers.
bool tickEveryMillisecond(Scheduler& scheduler, Probe& ticker, size_t runs) {
  ticker.then([&] { scheduler.wakeAt(&ticker, monoNowNs() + 1'000'000); });
  scheduler.wake(&ticker);
  const bool ran = ticker.waitForRuns(runs);
  scheduler.shutdown();
  return ran;
}

TEST(Scheduler, EveryTimerFiresOnceAndNeverEarly) {
  std::vector<Probe> probes(20);  // outlive the workers
  Scheduler scheduler(3);
  std::vector<int64_t> due(probes.size());
  const int64_t start = monoNowNs();
  for (size_t i = 0; i < probes.size(); ++i) {
    // Out of order, some sharing a deadline.
    due[i] = start + static_cast<int64_t>((i * 7) % 11) * 2'000'000;
    scheduler.wakeAt(&probes[i], due[i]);
  }
  for (size_t i = 0; i < probes.size(); ++i) {
    ASSERT_TRUE(probes[i].waitForRuns(1)) << "timer " << i << " never fired";
    EXPECT_GE(probes[i].runs().front(), due[i]) << "timer " << i << " fired early";
  }
  scheduler.shutdown();
  for (auto& p : probes) EXPECT_EQ(p.runs().size(), 1u);
}

TEST(Scheduler, AnEarlierTimerIsNotHeldBehindALaterOne) {
  Probe late, soon;
  Scheduler scheduler(2);
  scheduler.wakeAt(&late, monoNowNs() + 3'600'000'000'000);  // an hour: a worker keeps it
  ASSERT_TRUE(waitUntilAllSleep(scheduler));
  const int64_t set = monoNowNs();
  scheduler.wakeAt(&soon, set + 1'000'000);
  ASSERT_TRUE(soon.waitForRuns(1));
  EXPECT_LT(soon.runs().front() - set, 10'000'000'000) << "held behind the hour-long timer";
  EXPECT_TRUE(late.runs().empty());
}

TEST(Scheduler, ATaskThatSetsItsOwnTimerKeepsItsPaceWithWorkersAsleep) {
  Probe ticker;
  Scheduler scheduler(4);
  ASSERT_TRUE(tickEveryMillisecond(scheduler, ticker, 101));
  const auto runs = ticker.runs();
  for (size_t i = 1; i < runs.size(); ++i) EXPECT_GE(runs[i] - runs[i - 1], 1'000'000);
}

TEST(Scheduler, ATimerWakesOneWorkerNotEveryWorker) {
  // Four workers and one task that sleeps 1 ms between runs: when each
  // sleeping worker waited for the timer, all four woke every millisecond and
  // three found nothing to do (about 300 idle wake-ups in 100 runs).
  Probe ticker;
  Scheduler scheduler(4);
  ASSERT_TRUE(tickEveryMillisecond(scheduler, ticker, 101));
  EXPECT_LT(scheduler.idleWakeups(), 30) << "more workers woke than there was work for";
}

TEST(Scheduler, WorkWakesASleepingWorkerWhileAnotherKeepsATimer) {
  Probe timer, work;
  Scheduler scheduler(2);
  scheduler.wakeAt(&timer, monoNowNs() + 3'600'000'000'000);
  ASSERT_TRUE(waitUntilAllSleep(scheduler));
  scheduler.wake(&work);
  ASSERT_TRUE(work.waitForRuns(1));
  scheduler.wake(&work);
  EXPECT_TRUE(work.waitForRuns(2));
}

TEST(Scheduler, AKeeperThatRunsADueTaskHandsTheOtherTimersOver) {
  // The first timer's task does not return until the second has fired: the
  // worker keeping the timers runs it, so the other must take the timers over.
  Probe first, second;
  Scheduler scheduler(2);
  first.then([&] { EXPECT_TRUE(second.waitForRuns(1)) << "the second timer was not watched"; });
  const int64_t now = monoNowNs();
  scheduler.wakeAt(&first, now + 1'000'000);
  scheduler.wakeAt(&second, now + 20'000'000);
  ASSERT_TRUE(first.waitForRuns(1));
  EXPECT_TRUE(second.waitForRuns(1));
  scheduler.shutdown();
}

TEST(Scheduler, ATimerATaskSetsForItselfIsKeptWhileAnotherWaitsForALaterOne) {
  // One worker keeps an hour-long timer; the other runs a task that sets a
  // 1 ms timer for itself (waking no one) and then sleeps.
  Probe late, ticker;
  Scheduler scheduler(2);
  scheduler.wakeAt(&late, monoNowNs() + 3'600'000'000'000);
  ASSERT_TRUE(waitUntilAllSleep(scheduler));
  int left = 3;
  ticker.then([&] {
    if (--left > 0) scheduler.wakeAt(&ticker, monoNowNs() + 1'000'000);
  });
  scheduler.wake(&ticker);
  EXPECT_TRUE(ticker.waitForRuns(3));
  scheduler.shutdown();
}

}  // namespace
}  // namespace topolab
