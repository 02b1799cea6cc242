#include "deployment.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

#include "topolab/engine/kafka.h"
#include "topolab/engine/operator.h"
#include "topolab/engine/plugin_loader.h"
#include "topolab/engine/spec.h"
#include "topolab/wire/bundle.h"
#include "topolab/wire/convert.h"

namespace topolab::agent {
namespace {

// Tuples a peer may send to one task before it must wait for credit.
constexpr int64_t kCreditWindow = 16384;
// Credit goes back once a quarter of a window is owed, or once it has waited
// this long while tasks keep taking tuples...
constexpr int64_t kCreditMaxAgeNs = 5'000'000;
// ...or this long when they stop (a timer, so credit is never stranded).
constexpr auto kCreditTimer = std::chrono::milliseconds(20);

int64_t unixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string joinDiagnostics(const std::vector<Diagnostic>& errors) {
  std::string s;
  for (const Diagnostic& d : errors) {
    if (!s.empty()) s += '\n';
    s += d.format();
  }
  return s;
}

// A component that writes a file (a file-sink's path) writes only under
// <state-dir>/files/<deployment>/: a request names no path outside the
// agent's state dir.
bool sandboxFileSinks(Topology& t, const std::string& state_dir, std::string* error) {
  namespace fs = std::filesystem;
  const fs::path root = fs::absolute(fs::path(state_dir) / "files" / t.name);
  for (Component& c : t.components) {
    const std::string& file_param = traitsOf(c.type).output_file_param;
    if (file_param.empty()) continue;
    for (ParamEntry& p : c.params) {
      if (p.name != file_param) continue;
      const fs::path rel(p.text);
      if (rel.is_absolute() || p.text.empty() ||
          std::any_of(rel.begin(), rel.end(), [](const fs::path& part) { return part == ".."; })) {
        *error = "component '" + c.id + "': " + c.type + " " + file_param + " '" + p.text +
                 "' must be relative and stay inside the agent's state dir";
        return false;
      }
      std::error_code ec;
      fs::create_directories((root / rel).parent_path(), ec);
      p.text = (root / rel).string();
      p.quoted = true;
    }
  }
  return true;
}

// Component types this agent lacks (a plugin it was not started with). A
// component of one placed here is refused, naming this agent and the type.
// One placed only on other agents is theirs to check (they list their plugin
// types in Hello): here it is known by a stand-in, its role read from the
// streams and its params taken as written, so that the rest of the topology
// is still validated and wired. `stand_ins` stays empty when nothing lacks.
grpc::Status standInsForMissingTypes(const Topology& t, const Plan& plan, const std::string& self,
                                     std::unique_ptr<Catalogue>* stand_ins) {
  std::set<std::string> here;
  for (const PlacedInstance* p : plan.on(self)) here.insert(p->component);
  std::set<std::string> missing;
  for (const Component& c : t.components) {
    if (c.type.empty() || Catalogue::instance().find(c.type) != nullptr) continue;
    if (here.count(c.id)) {
      std::string offered;
      for (const std::string& type : pluginTypeNames())
        offered += (offered.empty() ? "" : ", ") + type;
      // INVALID_ARGUMENT, as for any type unknown here (the code clients already expect).
      return grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          "agent '" + self + "' does not offer component type '" + c.type + "' (component '" +
              c.id + "' is placed here; its plugin types: " + (offered.empty() ? "none" : offered) +
              "): start it with --plugin-dir naming the plugin's folder, or place '" + c.id +
              "' on an agent whose Hello lists the type");
    }
    missing.insert(c.type);
  }
  if (missing.empty()) return grpc::Status::OK;
  *stand_ins = withStandIns(t, missing, "agent '" + self + "' does not offer this type");
  return grpc::Status::OK;
}

// What a component that runs a program needs here: its program allowed by
// --allow-exec, and its `resources` a bundle the client sent before (an
// agent runs programs only in its own state dir, never in a path a request
// names). Adds the bundles used to `bundles`; a refusal names the component.
grpc::Status checkPrograms(const Topology& t, const Plan& plan, const std::string& self,
                           const v1::DeployRequest& request, const ExecPolicy& policy,
                           BundleStore& store, std::set<std::string>* bundles,
                           bool* runs_programs) {
  using grpc::Status;
  using grpc::StatusCode;
  std::set<std::string> here;
  for (const PlacedInstance* p : plan.on(self)) here.insert(p->component);
  const std::set<std::string> named(request.bundles().begin(), request.bundles().end());
  for (const Component& c : t.components) {
    const ComponentType* type = Catalogue::instance().find(c.type);
    if (type == nullptr || type->traits.command_param.empty() || !here.count(c.id)) continue;
    *runs_programs = true;
    std::string error;
    const std::optional<Params> params = resolveParams(c, *type, &error);
    if (!params) return Status(StatusCode::INVALID_ARGUMENT, "component '" + c.id + "': " + error);
    if (std::string refusal = policy.refusal(c.id, params->getList(type->traits.command_param));
        !refusal.empty()) {
      return Status(StatusCode::FAILED_PRECONDITION, refusal);
    }
    if (type->traits.resources_param.empty()) continue;
    const std::string& resources = params->getString(type->traits.resources_param);
    const std::string hash = wire::bundleOfResources(resources);
    if (hash.empty()) {
      return Status(StatusCode::INVALID_ARGUMENT,
                    "component '" + c.id + "': " + type->traits.resources_param + " '" + resources +
                        "' is not a bundle; an agent runs programs only in a bundle sent "
                        "with the deploy (" +
                        wire::bundleResourcesPath("<sha256>") + ", as topolab deploy writes it)");
    }
    if (!named.count(hash)) {
      return Status(StatusCode::INVALID_ARGUMENT, "component '" + c.id + "': bundle " + hash +
                                                      " is not among the request's bundles");
    }
    if (!store.has(hash)) {
      return Status(StatusCode::FAILED_PRECONDITION,
                    "component '" + c.id + "': bundle " + hash +
                        " is not on this agent; send it with PutBundle before PREPARE "
                        "(topolab deploy does)");
    }
    bundles->insert(hash);
  }
  return Status::OK;
}

spdlog::level::level_enum logLevel(int level) {
  switch (level) {
    case 0:
      return spdlog::level::trace;
    case 1:
      return spdlog::level::debug;
    case 2:
      return spdlog::level::info;
    case 3:
      return spdlog::level::warn;
    default:
      return spdlog::level::err;
  }
}

}  // namespace

// ------------------------------------------------------------- Deployment

Deployment::~Deployment() {
  stop(std::chrono::milliseconds(0));
  runtime.reset();  // its operators end their programs (before the links they may use go)
  if (!folder.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(folder, ec);
    if (ec) spdlog::warn("cannot remove {}: {}", folder, ec.message());
  }
  {
    std::lock_guard lock(released->mu);
    released->done = true;
  }
  released->cv.notify_all();
}

std::string_view Deployment::toString(State s) {
  switch (s) {
    case State::Prepared:
      return "prepared";
    case State::Running:
      return "running";
    case State::Finished:
      return "finished";
    case State::Stopped:
      return "stopped";
  }
  return "unknown";
}

int64_t Deployment::elapsedMs() const {
  return started_mono_ns == 0 ? 0 : (monoNowNs() - started_mono_ns) / 1'000'000;
}

void Deployment::addEvent(std::string kind, std::string detail) {
  std::lock_guard lock(mu_);
  events_.push_back({elapsedMs(), std::move(kind), std::move(detail)});
}

std::vector<DeploymentEvent> Deployment::eventsSince(size_t& cursor) const {
  std::lock_guard lock(mu_);
  std::vector<DeploymentEvent> out;
  for (; cursor < events_.size(); ++cursor) out.push_back(events_[cursor]);
  return out;
}

int Deployment::addInbound(InboundStream* s) {
  std::lock_guard lock(mu_);
  const int origin = next_origin_++;
  inbound_[origin] = s;
  return origin;
}

void Deployment::removeInbound(int origin) {
  std::lock_guard lock(mu_);
  inbound_.erase(origin);
}

void Deployment::routeCredit(int origin, uint32_t target, size_t tuples) {
  std::lock_guard lock(mu_);
  auto it = inbound_.find(origin);
  if (it != inbound_.end()) it->second->addCredit(target, tuples);
}

StopResult Deployment::stop(std::chrono::milliseconds drain) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return stop_result_;
    stopped_ = true;
  }
  StopResult r;
  if (runtime)
    r = runtime->stop(state.load() == State::Prepared ? std::chrono::milliseconds(0) : drain);
  for (auto& [name, link] : peers) link->close();
  {
    // Under the lock: a stream unregisters itself (under it) before it is deleted.
    std::lock_guard lock(mu_);
    for (auto& [origin, s] : inbound_) s->close();
    stop_result_ = r;
  }
  state = State::Stopped;
  return r;
}

// ------------------------------------------------------ DeploymentManager

DeploymentManager::DeploymentManager(const AgentConfig& config, std::string self_name,
                                     std::shared_ptr<grpc::ChannelCredentials> peer_credentials,
                                     BundleStore& bundles, std::string kafka_bootstrap)
    : config_(config),
      self_(std::move(self_name)),
      peer_credentials_(std::move(peer_credentials)),
      kafka_bootstrap_(std::move(kafka_bootstrap)),
      bundles_(bundles),
      exec_policy_(config.allow_exec, config.state_dir) {}

DeploymentManager::~DeploymentManager() { stopAll(std::chrono::milliseconds(0)); }

grpc::Status DeploymentManager::prepare(const v1::DeployRequest& request, v1::DeployReply* reply) {
  using grpc::Status;
  using grpc::StatusCode;
  const std::string& name = request.deployment();
  if (name.empty()) return Status(StatusCode::INVALID_ARGUMENT, "the deployment has no name");
  LoadResult loaded = parseTopology(request.topology_yaml(), name + ".yaml");
  // A type this agent lacks: refused when it is placed here, a stand-in when not.
  std::unique_ptr<Catalogue> stand_ins;
  if (loaded.topology && !loaded.errors.empty()) {
    Plan placement;
    std::string plan_error;
    if (wire::fromProto(request, &placement, &plan_error)) {
      const std::string& me = request.self().empty() ? self_ : request.self();
      if (Status s = standInsForMissingTypes(*loaded.topology, placement, me, &stand_ins);
          !s.ok()) {
        return s;
      }
      if (stand_ins) loaded = parseTopology(request.topology_yaml(), name + ".yaml", *stand_ins);
    }
  }
  const Catalogue& catalogue = stand_ins ? *stand_ins : Catalogue::instance();
  if (!loaded.topology || !loaded.errors.empty()) {
    return Status(StatusCode::INVALID_ARGUMENT,
                  "invalid topology:\n" + joinDiagnostics(loaded.errors));
  }
  Topology topology = std::move(*loaded.topology);
  if (topology.name != name) {
    return Status(
        StatusCode::INVALID_ARGUMENT,
        "the deployment is named '" + name + "' but its topology is '" + topology.name + "'");
  }
  if (static_cast<int>(topology.components.size()) > config_.max_components) {
    return Status(StatusCode::RESOURCE_EXHAUSTED, "topology has " +
                                                      std::to_string(topology.components.size()) +
                                                      " components; this agent accepts at most " +
                                                      std::to_string(config_.max_components));
  }
  if (static_cast<int>(topology.streams.size()) > config_.max_streams) {
    return Status(StatusCode::RESOURCE_EXHAUSTED, "topology has " +
                                                      std::to_string(topology.streams.size()) +
                                                      " streams; this agent accepts at most " +
                                                      std::to_string(config_.max_streams));
  }
  Plan plan;
  std::string error;
  if (!wire::fromProto(request, &plan, &error)) return Status(StatusCode::INVALID_ARGUMENT, error);
  const std::string self = request.self().empty() ? self_ : request.self();
  if (std::find(plan.agents.begin(), plan.agents.end(), self) == plan.agents.end()) {
    return Status(StatusCode::INVALID_ARGUMENT, "this agent ('" + self + "') is not in the plan");
  }
  const auto problems = validateTopology(topology, name + ".yaml", catalogue, &plan.agents);
  if (!problems.empty()) {
    return Status(StatusCode::INVALID_ARGUMENT, "invalid topology:\n" + joinDiagnostics(problems));
  }
  size_t expected = 0;
  for (const Component& c : topology.components) {
    for (int i = 0; i < instanceCount(c); ++i) {
      if (plan.find(c.id, i) == nullptr) {
        return Status(StatusCode::INVALID_ARGUMENT,
                      "the plan does not place " + c.id + "#" + std::to_string(i));
      }
      ++expected;
    }
  }
  if (plan.instances.size() != expected) {
    return Status(StatusCode::INVALID_ARGUMENT, "the plan places instances the topology lacks");
  }
  const std::string kafka_bootstrap =
      request.kafka_bootstrap().empty() ? kafka_bootstrap_ : request.kafka_bootstrap();
  if (kafka_bootstrap.empty() && topologyNeedsKafka(topology)) {
    return Status(StatusCode::FAILED_PRECONDITION,
                  "'" + name +
                      "' reads or writes Kafka, but the request names no Kafka cluster "
                      "and this agent hosts none (start it with --embedded-kafka)");
  }
  if (!sandboxFileSinks(topology, config_.state_dir, &error)) {
    return Status(StatusCode::INVALID_ARGUMENT, error);
  }
  std::set<std::string> bundles;
  bool runs_programs = false;
  if (Status s = checkPrograms(topology, plan, self, request, exec_policy_, bundles_, &bundles,
                               &runs_programs);
      !s.ok()) {
    return s;
  }
  {
    std::lock_guard lock(mu_);
    auto it = deployments_.find(name);
    if (it != deployments_.end()) {
      if (it->second->plan_id == request.plan_id() &&
          it->second->state == Deployment::State::Prepared) {
        reply->set_local_instances(it->second->local_instances);
        return Status::OK;  // a repeated PREPARE of the same plan
      }
      return Status(StatusCode::ALREADY_EXISTS,
                    "deployment '" + name + "' is already " +
                        std::string(Deployment::toString(it->second->state)) +
                        " on this agent; stop it first");
    }
    if (!preparing_.insert(name).second) {
      return Status(StatusCode::ALREADY_EXISTS,
                    "deployment '" + name + "' is being prepared on this agent right now");
    }
  }
  struct Unreserve {
    DeploymentManager* m;
    const std::string& name;
    ~Unreserve() {
      std::lock_guard lock(m->mu_);
      m->preparing_.erase(name);
    }
  } unreserve{this, name};

  auto d = std::make_shared<Deployment>();
  d->name = name;
  if (runs_programs) {
    // Its programs run in copies of their bundles in a folder of its own,
    // removed with it (by ~Deployment, also when this PREPARE fails below).
    d->folder = bundles_.makeDeploymentFolder(name, &error);
    if (d->folder.empty()) return Status(StatusCode::INTERNAL, error);
    for (const std::string& hash : bundles) {
      if (!bundles_.copyInto(hash, d->folder, &error)) {
        return Status(StatusCode::FAILED_PRECONDITION, error);
      }
    }
    d->bundles = std::move(bundles);
  }
  d->plan_id = request.plan_id();
  d->self = self;
  d->prepared_unix_ms = unixNowMs();
  Distribution distribution;
  distribution.self = self;
  for (const auto& a : request.agents()) {
    if (a.name() == self) continue;
    PeerLinkConfig pc;
    pc.deployment = name;
    pc.plan_id = request.plan_id();
    pc.self = self;
    pc.peer = a.name();
    pc.address = a.address();
    pc.credentials = peer_credentials_;
    pc.initial_credit = kCreditWindow;
    Deployment* events = d.get();
    pc.event = [events](const std::string& kind, const std::string& detail) {
      events->addEvent(kind, detail);
    };
    auto link = std::make_unique<PeerLink>(std::move(pc));
    distribution.peers[a.name()] = link.get();
    d->peers[a.name()] = std::move(link);
  }
  distribution.plan = plan;
  RunOptions options;
  options.kafka_bootstrap = kafka_bootstrap;
  options.run_id = request.plan_id();
  options.state_dir =
      std::filesystem::absolute(std::filesystem::path(config_.state_dir) / "files" / name).string();
  if (runs_programs) {
    // A component's resources "bundles/<hash>" is found here; pid files and
    // the programs' HOME are here too.
    options.resources_base = d->folder;
    options.work_dir = d->folder;
    options.log = [name](const std::string& instance, int level, const std::string& line) {
      spdlog::log(logLevel(level), "{}: {}: {}", name, instance, line);
    };
  }
  d->runtime = Runtime::create(topology, catalogue, options, distribution, &error);
  if (!d->runtime) return Status(StatusCode::INVALID_ARGUMENT, error);
  Deployment* raw = d.get();
  d->runtime->setCreditReturn(
      [raw](int origin, uint32_t target, size_t n) { raw->routeCredit(origin, target, n); });
  d->local_instances = static_cast<int>(plan.on(self).size());
  d->topology = std::move(topology);
  d->plan = std::move(plan);
  reply->set_local_instances(static_cast<uint32_t>(d->local_instances));
  {
    std::lock_guard lock(mu_);
    if (deployments_.count(name)) {
      return Status(StatusCode::ALREADY_EXISTS, "deployment '" + name + "' was deployed meanwhile");
    }
    deployments_[name] = d;
  }
  spdlog::info("prepared deployment {} (plan {}): {} local instances", name, d->plan_id,
               d->local_instances);
  return Status::OK;
}

grpc::Status DeploymentManager::start(const std::string& name, const std::string& plan_id) {
  DeploymentPtr d = findForPlan(name, plan_id);
  if (!d) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "no deployment '" + name + "' prepared with this plan on this agent");
  }
  auto expected = Deployment::State::Prepared;
  if (!d->state.compare_exchange_strong(expected, Deployment::State::Running)) {
    return grpc::Status::OK;  // already started: START is idempotent
  }
  for (auto& [peer, link] : d->peers) link->start();
  d->started_mono_ns = monoNowNs();
  d->runtime->start();
  d->addEvent("deploy",
              "started " + std::to_string(d->local_instances) + " instances on " + d->self);
  spdlog::info("started deployment {}", name);
  return grpc::Status::OK;
}

grpc::Status DeploymentManager::abort(const std::string& name, const std::string& plan_id) {
  DeploymentPtr d;
  {
    std::lock_guard lock(mu_);
    auto it = deployments_.find(name);
    if (it == deployments_.end() || it->second->plan_id != plan_id) return grpc::Status::OK;
    d = it->second;
    deployments_.erase(it);
  }
  d->stop(std::chrono::milliseconds(0));
  spdlog::info("aborted deployment {} (plan {})", name, plan_id);
  release(std::move(d));
  return grpc::Status::OK;
}

grpc::Status DeploymentManager::stop(const std::string& name, uint32_t drain_ms,
                                     v1::StopReply* reply) {
  DeploymentPtr d;
  {
    std::lock_guard lock(mu_);
    auto it = deployments_.find(name);
    if (it == deployments_.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "no deployment '" + name + "' on this agent");
    }
    d = it->second;
    deployments_.erase(it);
  }
  d->addEvent("stop", "stopped on " + d->self);
  const StopResult r = d->stop(std::chrono::milliseconds(drain_ms));
  reply->set_drained(r.drained);
  reply->set_abandoned(r.abandoned);
  spdlog::info("stopped deployment {} (drained: {}, abandoned: {})", name, r.drained, r.abandoned);
  return grpc::Status::OK;
}

void DeploymentManager::stopAll(std::chrono::milliseconds drain) {
  std::map<std::string, DeploymentPtr> all;
  {
    std::lock_guard lock(mu_);
    all.swap(deployments_);
  }
  for (auto& [name, d] : all) d->stop(drain);
  for (auto& [name, d] : all) release(std::move(d));
}

void DeploymentManager::release(DeploymentPtr d) {
  const std::shared_ptr<Deployment::Released> released = d->released;
  const std::string name = d->name;
  d.reset();
  bool done;
  {
    std::unique_lock lock(released->mu);
    done = released->cv.wait_for(lock, kReleaseWait, [&] { return released->done; });
  }
  if (!done) {
    spdlog::warn(
        "deployment {} is still held {} s after it stopped; its programs and folder go "
        "when it is let go",
        name, kReleaseWait.count());
  }
  std::set<std::string> in_use;
  for (const DeploymentPtr& other : all())
    in_use.insert(other->bundles.begin(), other->bundles.end());
  bundles_.collectGarbage(in_use);
}

std::vector<v1::DeploymentInfo> DeploymentManager::list() const {
  std::vector<v1::DeploymentInfo> out;
  std::lock_guard lock(mu_);
  for (const auto& [name, d] : deployments_) {
    v1::DeploymentInfo info;
    info.set_name(name);
    info.set_state(std::string(Deployment::toString(d->state)));
    info.set_local_instances(static_cast<uint32_t>(d->local_instances));
    info.set_started_unix_ms(d->prepared_unix_ms);
    info.set_plan_id(d->plan_id);
    out.push_back(std::move(info));
  }
  return out;
}

DeploymentPtr DeploymentManager::find(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = deployments_.find(name);
  return it == deployments_.end() ? nullptr : it->second;
}

DeploymentPtr DeploymentManager::findForPlan(const std::string& name,
                                             const std::string& plan_id) const {
  DeploymentPtr d = find(name);
  return d && d->plan_id == plan_id ? d : nullptr;
}

std::vector<DeploymentPtr> DeploymentManager::all() const {
  std::lock_guard lock(mu_);
  std::vector<DeploymentPtr> out;
  for (const auto& [name, d] : deployments_) out.push_back(d);
  return out;
}

std::vector<std::string> DeploymentManager::names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, d] : deployments_) out.push_back(name);
  return out;
}

void DeploymentManager::partition(int seconds) {
  const int64_t until = monoNowNs() + static_cast<int64_t>(seconds) * 1'000'000'000;
  partitioned_until_ = until;
  for (const DeploymentPtr& d : all()) {
    for (auto& [peer, link] : d->peers) link->partitionUntil(until);
  }
}

bool DeploymentManager::partitioned() const { return partitioned_until_.load() > monoNowNs(); }

// ---------------------------------------------------------- InboundStream

InboundStream::InboundStream(DeploymentManager& manager)
    : manager_(manager), credit_(kCreditWindow, kCreditMaxAgeNs) {
  StartRead(&frame_);
}

void InboundStream::fail(grpc::Status status) {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  Finish(std::move(status));
}

void InboundStream::close() { fail(grpc::Status::OK); }

void InboundStream::OnReadDone(bool ok) {
  if (!ok) {
    fail(grpc::Status::OK);
    return;
  }
  if (manager_.partitioned()) {
    fail(grpc::Status(grpc::StatusCode::UNAVAILABLE, "this agent is cut off from its peers"));
    return;
  }
  if (!deployment_) {
    deployment_ = manager_.findForPlan(frame_.deployment(), frame_.plan_id());
    if (!deployment_) {
      fail(grpc::Status(grpc::StatusCode::NOT_FOUND, "no deployment '" + frame_.deployment() +
                                                         "' with this plan on this agent"));
      return;
    }
    origin_ = deployment_->addInbound(this);
    for (const PlacedInstance* p : deployment_->plan.on(deployment_->self)) {
      addCredit(p->task_id, kCreditWindow);
    }
  }
  Runtime& runtime = *deployment_->runtime;
  std::string error;
  for (const v1::TupleBatch& tb : frame_.batches()) {
    bool delivered;
    if (tb.end_of_input()) {
      delivered = runtime.deliverEndOfInput(tb.target());
    } else {
      Batch batch;
      if (!wire::readTuples(tb, &batch, &error)) {
        fail(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, error));
        return;
      }
      delivered = runtime.deliver(tb.target(), std::move(batch), origin_, tb.source(),
                                  EmitSpan{tb.first_emit_ns(), tb.last_emit_ns()});
    }
    if (!delivered) {
      fail(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "task " + std::to_string(tb.target()) + " does not run on this agent"));
      return;
    }
  }
  if (frame_.has_acks()) {
    const v1::AckBatch& a = frame_.acks();
    const int n = std::min({a.roots_size(), a.values_size(), a.fails_size()});
    std::vector<AckOp> ops;
    ops.reserve(n);
    for (int i = 0; i < n; ++i) ops.push_back({a.roots(i), a.values(i), a.fails(i)});
    runtime.applyAcks(ops);
  }
  if (frame_.replication_size() > 0) {
    std::vector<ReplicationMessage> msgs(static_cast<size_t>(frame_.replication_size()));
    for (int i = 0; i < frame_.replication_size(); ++i) {
      if (!wire::fromProto(frame_.replication(i), &msgs[i], &error)) {
        fail(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, error));
        return;
      }
    }
    runtime.deliverReplication(std::move(msgs));
  }
  frame_.Clear();
  StartRead(&frame_);
}

void InboundStream::addCredit(uint32_t target, size_t tuples) {
  std::lock_guard lock(mu_);
  if (finished_) return;
  if (credit_.add(target, static_cast<int64_t>(tuples), monoNowNs())) send_credit_ = true;
  // Sent from the calling task's thread: handing it to another would cost a
  // wakeup, and it happens once per quarter window or kCreditMaxAgeNs.
  if (send_credit_ && !write_in_flight_) writeNext();
  if (!credit_.empty()) armTimer();
}

void InboundStream::armTimer() {
  timer_.arm(std::chrono::system_clock::now() + kCreditTimer, &InboundStream::onTimer);
}

void InboundStream::onTimer() {
  std::lock_guard lock(mu_);
  timer_.fired();
  if (finished_ || credit_.empty()) return;
  if (credit_.due(monoNowNs())) {
    send_credit_ = true;
    if (!write_in_flight_) writeNext();
  }
  if (!credit_.empty()) armTimer();
}

void InboundStream::writeNext() {
  if (!send_credit_ || credit_.empty() || finished_) return;
  writing_.Clear();
  bool first = true;
  for (const auto& [target, tuples] : credit_.take()) {
    const auto n = static_cast<uint32_t>(std::min<int64_t>(tuples, UINT32_MAX));
    if (first) {
      writing_.set_target(target);
      writing_.set_tuples(n);
      first = false;
    } else {
      writing_.add_more_targets(target);
      writing_.add_more_tuples(n);
    }
  }
  send_credit_ = false;
  write_in_flight_ = true;
  StartWrite(&writing_);
}

void InboundStream::OnWriteDone(bool ok) {
  std::lock_guard lock(mu_);
  write_in_flight_ = false;
  if (ok) writeNext();
}

void InboundStream::OnDone() {
  timer_.detach();
  if (deployment_ && origin_ >= 0) deployment_->removeInbound(origin_);
  delete this;
}

grpc::ServerBidiReactor<v1::Frame, v1::Credit>* DataPlaneService::Exchange(
    grpc::CallbackServerContext*) {
  return new InboundStream(manager_);
}

}  // namespace topolab::agent
