// The watcher's threads: one per agent reading its WatchMetrics stream (and
// reopening it with backoff), and one that notices quiet agents, forms rounds
// and runs every callback, so callbacks never overlap.
#include "topolab/control/metrics_watcher.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "client_shared.h"
#include "watch_state.h"

namespace topolab::control {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPoll{50};

std::string secondsText(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

}  // namespace

struct MetricsWatcher::Impl {
  Impl(std::shared_ptr<const ClusterClient::Shared> s, std::string d, std::vector<std::string> a,
       WatchCallbacks c, const WatchOptions& o)
      : shared(std::move(s)),
        deployment(std::move(d)),
        agents(std::move(a)),
        callbacks(std::move(c)),
        options(o),
        state(agents, Clock::now()) {}

  void startThreads() {
    for (const std::string& name : agents) {
      readers.emplace_back([this, name] { readLoop(*shared->find(name)); });
    }
    emitter = std::thread([this] { emitLoop(); });
  }

  void readLoop(const AgentChannel& agent) {
    const std::string& name = agent.entry.name;
    auto backoff = options.initial_backoff;
    std::unique_lock lock(mutex);
    while (!stopping) {
      auto context = std::make_shared<grpc::ClientContext>();
      shared->prepare(*context, agent, std::chrono::milliseconds(0));
      contexts[name] = context;
      lock.unlock();
      v1::WatchRequest request;
      request.set_deployment(deployment);
      auto reader = agent.stub->WatchMetrics(context.get(), request);
      v1::MetricsUpdate update;
      while (reader->Read(&update)) {
        backoff = options.initial_backoff;
        {
          std::lock_guard guard(mutex);
          state.update(name, update, Clock::now());
        }
        wake.notify_all();
      }
      const grpc::Status status = reader->Finish();
      lock.lock();
      contexts.erase(name);
      if (stopping || state.agentDone(name)) break;
      if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
        state.gone(name, status.error_message(), Clock::now());
        wake.notify_all();
        break;
      }
      const std::string reason =
          status.ok() ? "the agent ended the stream"
                      : describeStatus(status, agent.entry, std::chrono::milliseconds(0));
      state.lost(name, reason, Clock::now());
      wake.notify_all();
      wake.wait_for(lock, backoff, [&] { return stopping; });
      backoff = std::min(backoff * 2, options.max_backoff);
    }
  }

  void emitLoop() {
    std::unique_lock lock(mutex);
    Snapshot prev;  // t_ms 0, no instances: a fresh deployment's start
    bool have_prev = options.count_from_start;
    while (!stopping) {
      wake.wait_for(lock, kPoll);
      if (stopping) break;
      const auto now = Clock::now();
      for (const auto& [name, silent] : state.quiet(now, options.lost_after)) {
        if (state.lost(name, "no update for " + secondsText(silent) + " s", now)) {
          // Reopen the stream: a connection that silently died never ends by itself.
          if (auto it = contexts.find(name); it != contexts.end()) it->second->TryCancel();
        }
      }
      const std::vector<WatchEvent> events = state.takeEvents();
      std::optional<std::pair<Snapshot, Snapshot>> round;
      const bool due = state.due(now, options.grace);
      const bool done = state.finished() && (due || !state.hasNews());
      if (due) {
        // The last round takes every agent's final figures, so the totals are exact.
        Snapshot cur = state.takeRound(done);
        if (!have_prev) {
          prev = std::move(cur);
          have_prev = true;
        } else if (cur.t_ms - prev.t_ms >= options.min_interval.count() ||
                   (done && cur.t_ms > prev.t_ms)) {
          round.emplace(prev, cur);
          prev = std::move(cur);
        }
      }
      const Snapshot last = done ? state.merged() : Snapshot();
      if (done) finished = true;  // before the callback, so finished() agrees with it
      lock.unlock();
      for (const WatchEvent& e : events) {
        if (callbacks.event) callbacks.event(e);
      }
      if (round && callbacks.interval) callbacks.interval(round->first, round->second);
      if (done && callbacks.finished) callbacks.finished(last);
      lock.lock();
      if (done) break;
    }
  }

  void stop() {
    {
      std::lock_guard guard(mutex);
      stopping = true;
      for (auto& [name, context] : contexts) context->TryCancel();
    }
    wake.notify_all();
    for (std::thread& t : readers) {
      if (t.joinable()) t.join();
    }
    if (emitter.joinable()) emitter.join();
  }

  const std::shared_ptr<const ClusterClient::Shared> shared;
  const std::string deployment;
  const std::vector<std::string> agents;
  const WatchCallbacks callbacks;
  const WatchOptions options;

  mutable std::mutex mutex;
  std::condition_variable wake;
  WatchState state;
  bool stopping = false;
  bool finished = false;
  std::map<std::string, std::shared_ptr<grpc::ClientContext>> contexts;
  std::vector<std::thread> readers;
  std::thread emitter;
};

std::unique_ptr<MetricsWatcher> MetricsWatcher::start(
    const ClusterClient& client, std::string deployment, std::vector<std::string> agents,
    WatchCallbacks callbacks, const WatchOptions& options, std::string* error) {
  std::vector<std::string> unique;
  for (const std::string& a : agents) {
    if (!client.shared_->find(a)) {
      if (error) *error = "no agent '" + a + "' in " + client.cluster().path;
      return nullptr;
    }
    if (std::find(unique.begin(), unique.end(), a) == unique.end()) unique.push_back(a);
  }
  if (unique.empty()) {
    if (error) *error = "no agent runs deployment '" + deployment + "'";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>(client.shared_, std::move(deployment), std::move(unique),
                                     std::move(callbacks), options);
  impl->startThreads();
  return std::unique_ptr<MetricsWatcher>(new MetricsWatcher(std::move(impl)));
}

MetricsWatcher::MetricsWatcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsWatcher::~MetricsWatcher() { stop(); }

void MetricsWatcher::stop() { impl_->stop(); }

bool MetricsWatcher::finished() const {
  std::lock_guard guard(impl_->mutex);
  return impl_->finished;
}

Snapshot MetricsWatcher::latest() const {
  std::lock_guard guard(impl_->mutex);
  return impl_->state.merged();
}

}  // namespace topolab::control
