#include "topolab/engine/runtime.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "runtime/acker.h"
#include "runtime/scheduler.h"
#include "runtime/task.h"
#include "topolab/engine/spec.h"

namespace topolab {

struct Runtime::Impl {
  RunOptions options;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<Acker> acker;
  std::vector<TaskPtr> tasks;
  std::map<std::string, std::vector<Task*>, std::less<>> by_component;
  std::vector<std::string> order;
  std::atomic<int> finished{0};
  std::mutex mu;
  std::condition_variable cv;
  int64_t start_ns = 0;
  bool stopped = false;

  void taskFinished() {
    if (finished.fetch_add(1, std::memory_order_acq_rel) + 1 == static_cast<int>(tasks.size())) {
      std::lock_guard lock(mu);
      cv.notify_all();
    }
  }
  bool allFinished() const {
    return finished.load(std::memory_order_acquire) == static_cast<int>(tasks.size());
  }
};

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Runtime::~Runtime() {
  stop(std::chrono::milliseconds(0));
}

std::unique_ptr<Runtime> Runtime::create(const Topology& topology, const Catalogue& catalogue,
                                         const RunOptions& options, std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  int threads = options.threads > 0 ? options.threads
                                    : static_cast<int>(std::thread::hardware_concurrency());
  impl->scheduler = std::make_unique<Scheduler>(std::max(threads, 1));
  impl->acker = std::make_unique<Acker>(*impl->scheduler);
  impl->order = topologicalOrder(topology);
  Impl* raw = impl.get();

  uint64_t seed = options.seed != 0 ? options.seed : std::random_device{}();
  const bool alo = topology.delivery() == Delivery::AtLeastOnce;
  for (const std::string& id : impl->order) {
    const Component& c = *topology.component(id);
    const ComponentType* type = catalogue.find(c.type);
    if (type == nullptr || !type->factory) {
      *error = "component '" + c.id + "': type '" + c.type + "' has no runtime in this build";
      return nullptr;
    }
    std::string param_error;
    std::optional<Params> params = resolveParams(c, *type, &param_error);
    if (!params) {
      *error = "component '" + c.id + "': " + param_error;
      return nullptr;
    }
    for (int i = 0; i < c.instances(); ++i) {
      OperatorContext ctx{c.id, i, c.instances(), Rng::splitmix(seed++)};
      TaskConfig cfg;
      cfg.component = c.id;
      cfg.index = i;
      cfg.role = type->role;
      try {
        cfg.op = type->factory(*params, ctx);
      } catch (const std::exception& e) {
        *error = "component '" + c.id + "': " + e.what();
        return nullptr;
      }
      cfg.at_least_once = alo;
      cfg.max_pending = static_cast<uint32_t>(topology.maxPending());
      cfg.ack_timeout_ns = static_cast<int64_t>(topology.ackTimeoutMs()) * 1'000'000;
      cfg.batch_size = std::max<size_t>(options.batch_size, 1);
      cfg.queue_capacity = std::max(options.queue_capacity, cfg.batch_size);
      cfg.record_latency = options.record_latency;
      cfg.seed = Rng::splitmix(seed++);
      if (c.type == "load-balancer") {
        cfg.balance_policy = params->getString("policy");
        cfg.health_check_ns = params->getInt("health_check_ms") * 1'000'000;
      }
      impl->tasks.push_back(std::make_unique<Task>(std::move(cfg), *impl->scheduler,
                                                   *impl->acker, [raw] { raw->taskFinished(); }));
      impl->by_component[c.id].push_back(impl->tasks.back().get());
    }
  }
  for (const Stream& s : topology.streams) {
    const auto& from = impl->by_component[s.from];
    const auto& to = impl->by_component[s.to];
    for (Task* f : from) f->addStream(s.grouping, to);
    for (Task* t : to) t->expectEndOfInputFrom(static_cast<int>(from.size()));
  }
  for (auto& t : impl->tasks) t->wired();
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

void Runtime::start() {
  impl_->start_ns = monoNowNs();
  for (auto& t : impl_->tasks) impl_->scheduler->wake(t.get());
}

bool Runtime::finished() const { return impl_->allFinished(); }

bool Runtime::waitFinished(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [this] { return impl_->allFinished(); });
}

StopResult Runtime::stop(std::chrono::milliseconds drain_deadline) {
  StopResult r;
  if (impl_->stopped) return r;
  for (auto& t : impl_->tasks) {
    if (t->role() == Role::Producer) t->requestStop();
  }
  r.drained = waitFinished(drain_deadline);
  if (!r.drained) r.abandoned = inFlight();
  impl_->scheduler->shutdown();
  impl_->stopped = true;
  return r;
}

Snapshot Runtime::snapshot() {
  Snapshot s;
  s.t_ms = impl_->start_ns == 0 ? 0 : (monoNowNs() - impl_->start_ns) / 1'000'000;
  s.instances.reserve(impl_->tasks.size());
  for (auto& t : impl_->tasks) s.instances.push_back(t->snapshot());
  return s;
}

int64_t Runtime::inFlight() const {
  int64_t n = 0;
  for (const auto& t : impl_->tasks) n += t->inFlight();
  return n;
}

bool Runtime::killInstance(const std::string& component, int index, std::string* error) {
  auto it = impl_->by_component.find(component);
  if (it == impl_->by_component.end()) {
    *error = "no component '" + component + "'";
    return false;
  }
  if (index < 0 || index >= static_cast<int>(it->second.size())) {
    *error = "component '" + component + "' has instances #0 to #" +
             std::to_string(it->second.size() - 1) + ", not #" + std::to_string(index);
    return false;
  }
  it->second[index]->kill();
  return true;
}

const std::vector<std::string>& Runtime::componentOrder() const { return impl_->order; }

}  // namespace topolab
