#include "topolab/engine/runtime.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "connectors/kafka_stream_link.h"
#include "runtime/acker.h"
#include "runtime/replication.h"
#include "runtime/scheduler.h"
#include "runtime/task.h"
#include "topolab/engine/kafka.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"

namespace topolab {

struct Runtime::Impl {
  RunOptions options;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<Acker> acker;
  std::unique_ptr<ReplicationHub> replication;  // when the topology has replicated stores
  std::vector<TaskPtr> tasks;
  std::map<std::string, std::vector<Task*>, std::less<>> by_component;  // local instances
  std::map<uint32_t, Task*> by_task_id;
  std::optional<Distribution> distribution;
  std::vector<std::string> order;
  // `transport: kafka` streams; deliveries from link i carry origin kKafkaOrigin + i.
  std::vector<std::unique_ptr<KafkaStreamLink>> kafka_links;
  static constexpr int kKafkaOrigin = 1 << 24;
  // Credit for tuples that came from other agents (set by setCreditReturn).
  std::shared_ptr<std::function<void(int, uint32_t, size_t)>> remote_credit =
      std::make_shared<std::function<void(int, uint32_t, size_t)>>();
  std::atomic<int> finished{0};
  std::mutex mu;
  std::condition_variable cv;
  int64_t start_ns = 0;
  bool stopped = false;
  // The topology as built (operators' contexts point into it).
  std::unique_ptr<Topology> topology;
  // Events operators report (a program that died), taken by takeEvents().
  std::mutex events_mu;
  std::vector<RuntimeEvent> events;
  // A run folder made for this run (removed with it), when none was given.
  std::string own_work_dir;

  ~Impl() {
    // Operators (and the programs they run) go before the folder they use.
    tasks.clear();
    if (!own_work_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(own_work_dir, ec);
    }
  }

  void report(std::string kind, std::string detail) {
    std::lock_guard lock(events_mu);
    events.push_back(RuntimeEvent{std::move(kind), std::move(detail)});
  }

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

// Every stream into `c` routes around a dead instance of it: shuffle and
// local-or-shuffle pick a live one, a load-balancer takes members out. A
// replicated store's writers follow its primary, whatever the grouping.
static bool othersTakeOver(const Topology& topology, const Component& c) {
  if (traitsOf(c.type).shape == ComponentTraits::Shape::ReplicaSet) return false;
  bool any = false;
  for (const Stream& s : topology.streams) {
    if (s.to != c.id) continue;
    any = true;
    const bool balanced =
        traitsOf(topology.component(s.from)->type).shape == ComponentTraits::Shape::Balancer;
    if (!balanced && s.grouping.type != GroupingType::Shuffle &&
        s.grouping.type != GroupingType::LocalOrShuffle) {
      return false;
    }
  }
  return any;
}

std::string newRunId() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(12, '0');
  for (char& c : id) c = kHex[rd() % 16];
  return id;
}

// The link carrying stream `s` through Kafka, when this runtime sends into it
// or runs one of its targets; nullptr with `error` empty when it does neither.
KafkaStreamLink* kafkaLinkFor(Runtime::Impl& impl, const Topology& topology, const Stream& s,
                              const std::string& self, const std::string& run_id,
                              std::string* error) {
  const Plan& plan = impl.distribution->plan;
  const std::string stream = s.from + " -> " + s.to;
  KafkaStreamConfig c;
  c.bootstrap = impl.options.kafka_bootstrap;
  c.topic = kafkaStreamTopic(topology, s, run_id).name;
  c.stream = stream;
  std::set<std::string> sending_agents;
  for (int i = 0; i < instanceCount(*topology.component(s.from)); ++i) {
    sending_agents.insert(plan.find(s.from, i)->agent);
  }
  const bool sends = sending_agents.count(self) > 0;
  c.senders = static_cast<int>(sending_agents.size());
  for (int i = 0; i < instanceCount(*topology.component(s.to)); ++i) {
    const PlacedInstance* placed = plan.find(s.to, i);
    c.target_task_ids.push_back(placed->task_id);
    if (placed->agent == self) c.local_targets.push_back(placed->task_id);
  }
  error->clear();
  if (!sends && c.local_targets.empty()) return nullptr;
  if (c.bootstrap.empty()) {
    *error = "stream " + stream + " has transport kafka, but this run has no Kafka cluster";
    return nullptr;
  }
  c.window = std::max(impl.options.queue_capacity, impl.options.batch_size);
  c.origin = Runtime::Impl::kKafkaOrigin + static_cast<int>(impl.kafka_links.size());
  Runtime::Impl* raw = &impl;
  c.deliver = [raw](uint32_t target, Batch&& batch, int origin) {
    raw->by_task_id.at(target)->input().pushRemote(std::move(batch), origin);
  };
  c.deliver_end_of_input = [raw](uint32_t target) {
    raw->by_task_id.at(target)->input().pushEndOfInput();
  };
  auto link = KafkaStreamLink::create(std::move(c), error);
  if (!link) return nullptr;
  impl.kafka_links.push_back(std::move(link));
  return impl.kafka_links.back().get();
}

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Runtime::~Runtime() { stop(std::chrono::milliseconds(0)); }

std::unique_ptr<Runtime> Runtime::create(const Topology& topology, const Catalogue& catalogue,
                                         const RunOptions& options, std::string* error) {
  // In one process every instance is local, whatever the file's placement says.
  Distribution local;
  local.plan.agents = {""};
  for (const std::string& id : topologicalOrder(topology)) {
    for (int i = 0; i < instanceCount(*topology.component(id)); ++i) {
      const auto task_id = static_cast<uint32_t>(local.plan.instances.size());
      local.plan.instances.push_back(PlacedInstance{id, i, "", task_id});
    }
  }
  return create(topology, catalogue, options, local, error);
}

std::unique_ptr<Runtime> Runtime::create(const Topology& topology, const Catalogue& catalogue,
                                         const RunOptions& options,
                                         const Distribution& distribution, std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->distribution = distribution;
  impl->topology = std::make_unique<Topology>(topology);
  const Plan& plan = impl->distribution->plan;
  const std::string& self = impl->distribution->self;
  impl->options = options;
  int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  impl->scheduler = std::make_unique<Scheduler>(std::max(threads, 1));
  impl->acker = std::make_unique<Acker>(*impl->scheduler);
  impl->order = topologicalOrder(topology);
  Impl* raw = impl.get();
  auto peer_of = [raw](const std::string& agent) -> RemotePeer* {
    auto it = raw->distribution->peers.find(agent);
    return it == raw->distribution->peers.end() ? nullptr : it->second;
  };
  impl->acker->setTasks(static_cast<uint32_t>(plan.instances.size()), [raw, peer_of](uint32_t id) {
    const auto& instances = raw->distribution->plan.instances;
    return id < instances.size() ? peer_of(instances[id].agent) : nullptr;
  });
  if (std::any_of(topology.components.begin(), topology.components.end(), [](const Component& c) {
        return traitsOf(c.type).shape == ComponentTraits::Shape::ReplicaSet;
      })) {
    Acker* acker = impl->acker.get();
    impl->replication = std::make_unique<ReplicationHub>(
        topology, *impl->distribution,
        [acker](const std::vector<AckOp>& ops) { acker->apply(ops); });
  }

  uint64_t seed = options.seed != 0 ? options.seed : std::random_device{}();
  const bool alo = topology.delivery() == Delivery::AtLeastOnce;
  std::string work_dir = options.work_dir;
  const bool runs_programs =
      std::any_of(topology.components.begin(), topology.components.end(), [&](const Component& c) {
        const ComponentType* t = catalogue.find(c.type);
        return t && !t->traits.command_param.empty();
      });
  if (work_dir.empty() && runs_programs) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "topolab-run-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      *error = "cannot create a run folder in " + std::filesystem::temp_directory_path().string();
      return nullptr;
    }
    work_dir = impl->own_work_dir = tmpl;
  }
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
    for (int i = 0; i < instanceCount(c); ++i) {
      const PlacedInstance* placed = plan.find(c.id, i);
      if (placed == nullptr) {
        *error = "the plan does not place " + c.id + "#" + std::to_string(i);
        return nullptr;
      }
      if (placed->agent != self) continue;
      OperatorContext ctx{c.id, i, instanceCount(c), Rng::splitmix(seed++), options.kafka_bootstrap,
                          alo};
      ctx.state_dir = options.state_dir;
      ctx.replication = impl->replication.get();
      ctx.topology = impl->topology.get();
      ctx.plan = &plan;
      ctx.task_id = placed->task_id;
      ctx.resources_base = options.resources_base;
      ctx.work_dir = work_dir;
      const std::string instance = c.id + "#" + std::to_string(i);
      if (options.log) {
        ctx.log = [log = options.log, instance](int level, const std::string& line) {
          log(instance, level, line);
        };
      } else {
        ctx.log = [instance](int level, const std::string& line) {
          if (level >= 3) std::fprintf(stderr, "%s: %s\n", instance.c_str(), line.c_str());
        };
      }
      ctx.event = [raw](const std::string& kind, const std::string& detail) {
        raw->report(kind, detail);
      };
      TaskConfig cfg;
      cfg.component = c.id;
      cfg.index = i;
      cfg.task_id = placed->task_id;
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
      if (type->traits.shape == ComponentTraits::Shape::Balancer) {
        cfg.balance_policy = params->getString("policy");
        cfg.health_check_ns = params->getInt("health_check_ms") * 1'000'000;
      }
      cfg.others_take_over = othersTakeOver(topology, c);
      cfg.restart = topology.restartPolicy();
      cfg.event = ctx.event;
      impl->tasks.push_back(std::make_unique<Task>(std::move(cfg), *impl->scheduler, *impl->acker,
                                                   [raw] { raw->taskFinished(); }));
      impl->by_component[c.id].push_back(impl->tasks.back().get());
      impl->by_task_id[placed->task_id] = impl->tasks.back().get();
      if (impl->replication) impl->replication->bind(c.id, i, impl->tasks.back().get());
    }
  }
  const std::string run_id = options.run_id.empty() ? newRunId() : options.run_id;
  for (const Stream& s : topology.streams) {
    const Component& to_component = *topology.component(s.to);
    KafkaStreamLink* via_kafka = nullptr;
    if (s.transportOrAuto() == Transport::Kafka) {
      via_kafka = kafkaLinkFor(*raw, topology, s, self, run_id, error);
      if (!via_kafka && !error->empty()) return nullptr;
    }
    std::vector<Task::Destination> to;
    for (int i = 0; i < instanceCount(to_component); ++i) {
      const PlacedInstance* placed = plan.find(s.to, i);
      Task::Destination d;
      d.task_id = placed->task_id;
      d.name = s.to + "#" + std::to_string(i);
      if (via_kafka != nullptr) {
        d.peer = via_kafka;
      } else if (placed->agent == self) {
        d.local = impl->by_task_id.at(placed->task_id);
      } else if (!(d.peer = peer_of(placed->agent))) {
        *error = "no connection to agent '" + placed->agent + "' for " + d.name;
        return nullptr;
      }
      to.push_back(std::move(d));
    }
    std::vector<uint32_t> upstream;
    for (int i = 0; i < instanceCount(*topology.component(s.from)); ++i) {
      upstream.push_back(plan.find(s.from, i)->task_id);
    }
    for (Task* f : impl->by_component[s.from]) {
      // Writers of a replicated store follow its primary, whatever the grouping.
      PartitionerPtr writer;
      if (impl->replication) writer = impl->replication->writerPartitioner(s.to);
      f->addStream(s.grouping, to, std::move(writer), s.stream_id,
                   outputFields(*topology.component(s.from), catalogue));
    }
    for (Task* t : impl->by_component[s.to]) t->expectInputFrom(s.from, upstream);
  }
  for (auto& t : impl->tasks) {
    t->wired();
    const uint32_t target = t->taskId();
    t->input().setCreditReturn([raw, target](int origin, size_t n) {
      if (origin >= Impl::kKafkaOrigin) {
        raw->kafka_links[origin - Impl::kKafkaOrigin]->returnCredit(target, n);
      } else if (*raw->remote_credit) {
        (*raw->remote_credit)(origin, target, n);
      }
    });
  }
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

void Runtime::start() {
  impl_->start_ns = monoNowNs();
  for (auto& link : impl_->kafka_links) link->start();
  for (auto& t : impl_->tasks) impl_->scheduler->wake(t.get());
  if (impl_->replication) impl_->replication->start();
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
  // Drained when every task finished, or when nothing is left in flight here
  // (tasks may still wait for the end of input from a peer that is gone).
  r.drained = waitFinished(drain_deadline);
  if (!r.drained) {
    r.abandoned = inFlight();
    r.drained = r.abandoned == 0;
  }
  // Consumers deliver into the queues and wake tasks: they end before the workers.
  for (auto& link : impl_->kafka_links) link->stop();
  impl_->scheduler->shutdown();
  if (impl_->replication) impl_->replication->stop();
  impl_->stopped = true;
  return r;
}

Snapshot Runtime::snapshot() {
  Snapshot s;
  s.t_ms = impl_->start_ns == 0 ? 0 : (monoNowNs() - impl_->start_ns) / 1'000'000;
  s.instances.reserve(impl_->tasks.size());
  for (auto& t : impl_->tasks) {
    s.instances.push_back(t->snapshot());
    if (impl_->replication) impl_->replication->describe(s.instances.back());
  }
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
  // Indexes are the component's, not positions here: an agent may hold only some instances.
  for (Task* t : it->second) {
    if (t->index() == index) {
      t->kill();
      return true;
    }
  }
  std::string here;
  for (Task* t : it->second) here += (here.empty() ? "#" : ", #") + std::to_string(t->index());
  *error = "component '" + component + "' has no instance #" + std::to_string(index) + " here (" +
           (here.empty() ? "none" : here) + ")";
  return false;
}

bool Runtime::reviveInstance(const std::string& component, int index, std::string* error) {
  auto it = impl_->by_component.find(component);
  Task* task = nullptr;
  if (it != impl_->by_component.end()) {
    for (Task* t : it->second) task = t->index() == index ? t : task;
  }
  const std::string name = component + "#" + std::to_string(index);
  if (task == nullptr) {
    *error = name + " does not run here";
    return false;
  }
  if (task->alive()) {
    *error = name + " is alive; only a killed instance can be revived";
    return false;
  }
  if (!task->revive()) {
    *error = name + " has finished (its input ended while it was dead); it cannot be revived";
    return false;
  }
  return true;
}

bool Runtime::taskAlive(uint32_t task_id) const {
  auto it = impl_->by_task_id.find(task_id);
  return it != impl_->by_task_id.end() && it->second->alive();
}

const std::vector<std::string>& Runtime::componentOrder() const { return impl_->order; }

void Runtime::deliverReplication(std::vector<ReplicationMessage> msgs) {
  if (impl_->replication) impl_->replication->deliver(std::move(msgs));
}

std::vector<RuntimeEvent> Runtime::takeEvents() {
  std::vector<RuntimeEvent> out;
  {
    std::lock_guard lock(impl_->events_mu);
    out.swap(impl_->events);
  }
  if (!impl_->replication) return out;
  for (auto& [kind, detail] : impl_->replication->takeEvents()) {
    out.push_back(RuntimeEvent{std::move(kind), std::move(detail)});
  }
  return out;
}

bool Runtime::setInputLatency(const std::string& component, int latency_ms, std::string* error) {
  auto it = impl_->by_component.find(component);
  if (it == impl_->by_component.end()) {
    *error = "no instance of '" + component + "' runs here";
    return false;
  }
  for (Task* t : it->second) t->setInputLatency(static_cast<int64_t>(latency_ms) * 1'000'000);
  return true;
}

bool Runtime::setFailRatio(const std::string& component, double ratio, std::string* error) {
  auto it = impl_->by_component.find(component);
  if (it == impl_->by_component.end()) {
    *error = "no instance of '" + component + "' runs here";
    return false;
  }
  for (Task* t : it->second) t->setFailRatio(ratio);
  return true;
}

bool Runtime::deliver(uint32_t target, Batch&& batch, int origin, int64_t source,
                      const EmitSpan& span) {
  auto it = impl_->by_task_id.find(target);
  if (it == impl_->by_task_id.end()) return false;
  it->second->input().pushRemote(std::move(batch), origin, source, span);
  return true;
}

bool Runtime::deliverEndOfInput(uint32_t target) {
  auto it = impl_->by_task_id.find(target);
  if (it == impl_->by_task_id.end()) return false;
  it->second->input().pushEndOfInput();
  return true;
}

void Runtime::applyAcks(const std::vector<AckOp>& ops) { impl_->acker->apply(ops); }

void Runtime::setCreditReturn(std::function<void(int origin, uint32_t target, size_t tuples)> f) {
  *impl_->remote_credit = std::move(f);
}

}  // namespace topolab
