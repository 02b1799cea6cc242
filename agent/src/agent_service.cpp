#include "agent_service.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "topolab/engine/plugin_loader.h"
#include "topolab/wire/bundle.h"
#include "topolab/wire/convert.h"

namespace topolab::agent {
namespace {

constexpr uint32_t kApiVersion = 1;
constexpr const char* kVersion = "0.1.0";

int64_t unixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double loadAverage() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

uint64_t residentBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

grpc::ServerUnaryReactor* finish(grpc::CallbackServerContext* ctx, grpc::Status status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

}  // namespace

// One WatchMetrics call. At most one write is in flight; a newer update
// replaces the one waiting (figures are cumulative, so nothing is lost but
// intermediate points), and events carry over. Error samples go out once:
// each update holds every sample its instances keep, and what this watch
// already sent is taken out as it is written.
class MetricsWatch final : public grpc::ServerWriteReactor<v1::MetricsUpdate> {
 public:
  MetricsWatch(MetricsHub& hub, std::string deployment)
      : hub_(hub), deployment_(std::move(deployment)) {
    hub_.subscribe(this);
  }
  const std::string& deployment() const { return deployment_; }

  // `d`'s events this watch has not sent yet go with the update: a new
  // watcher gets the whole history once, then each event once.
  void offer(v1::MetricsUpdate update, const Deployment& d, bool last) {
    std::lock_guard lock(mu_);
    if (done_) return;
    for (const DeploymentEvent& e : d.eventsSince(event_cursor_)) {
      v1::Event* pe = update.add_events();
      pe->set_t_ms(e.t_ms);
      pe->set_kind(e.kind);
      pe->set_detail(e.detail);
    }
    if (has_pending_) {
      // Keep the events of the update being replaced.
      google::protobuf::RepeatedPtrField<v1::Event> events = std::move(*pending_.mutable_events());
      for (auto& e : *update.mutable_events()) *events.Add() = std::move(e);
      pending_ = std::move(update);
      *pending_.mutable_events() = std::move(events);
    } else {
      pending_ = std::move(update);
    }
    has_pending_ = true;
    last_ |= last;
    if (!writing_) writeNext();
  }

  void end(grpc::Status status) {
    std::lock_guard lock(mu_);
    if (done_) return;
    done_ = true;
    Finish(std::move(status));
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) {
      if (!done_) {
        done_ = true;
        Finish(grpc::Status::CANCELLED);
      }
      return;
    }
    writeNext();
  }

  void OnCancel() override { end(grpc::Status::CANCELLED); }

  void OnDone() override {
    hub_.unsubscribe(this);
    delete this;
  }

 private:
  void writeNext() {  // with mu_ held
    if (done_) return;
    if (!has_pending_) {
      if (last_) {
        done_ = true;
        Finish(grpc::Status::OK);
      }
      return;
    }
    writing_msg_ = std::move(pending_);
    pending_ = v1::MetricsUpdate();
    has_pending_ = false;
    dropSentSamples(writing_msg_);
    writing_ = true;
    StartWrite(&writing_msg_);
  }

  void dropSentSamples(v1::MetricsUpdate& u) {  // with mu_ held
    for (v1::InstanceMetrics& i : *u.mutable_instances()) {
      uint64_t& sent = samples_sent_[{i.component(), i.index()}];
      auto* samples = i.mutable_error_samples();
      const auto unsent =
          std::partition_point(samples->begin(), samples->end(),
                               [&](const v1::ErrorSample& e) { return e.seq() <= sent; });
      samples->erase(samples->begin(), unsent);
      if (!samples->empty()) sent = samples->rbegin()->seq();
    }
  }

  MetricsHub& hub_;
  const std::string deployment_;
  std::mutex mu_;
  v1::MetricsUpdate pending_;
  v1::MetricsUpdate writing_msg_;
  bool has_pending_ = false;
  size_t event_cursor_ = 0;
  std::map<std::pair<std::string, uint32_t>, uint64_t> samples_sent_;  // newest seq, per instance
  bool writing_ = false;
  bool last_ = false;
  bool done_ = false;
};

// ------------------------------------------------------------- MetricsHub

MetricsHub::MetricsHub(DeploymentManager& manager, std::string agent_name)
    : manager_(manager), agent_name_(std::move(agent_name)), thread_([this] { loop(); }) {}

MetricsHub::~MetricsHub() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void MetricsHub::subscribe(MetricsWatch* w) {
  std::lock_guard lock(mu_);
  watches_.insert(w);
}

void MetricsHub::unsubscribe(MetricsWatch* w) {
  std::lock_guard lock(mu_);
  watches_.erase(w);
}

v1::MetricsUpdate MetricsHub::update(Deployment& d) const {
  v1::MetricsUpdate u;
  u.set_deployment(d.name);
  u.set_agent(agent_name_);
  const Snapshot s = d.runtime->snapshot();
  u.set_t_ms(s.t_ms);
  u.set_unix_ms(unixNowMs());
  for (const InstanceSnapshot& i : s.instances) wire::toProto(i, u.add_instances());
  u.set_state(std::string(Deployment::toString(d.state)));
  u.set_rss_bytes(residentBytes());
  return u;
}

void MetricsHub::retire(const DeploymentPtr& d) {
  std::lock_guard lock(mu_);
  v1::MetricsUpdate u = update(*d);
  u.set_state("stopped");
  for (MetricsWatch* w : watches_) {
    if (w->deployment() == d->name) w->offer(u, *d, true);
  }
  ticks_.erase(d.get());
}

void MetricsHub::loop() {
  // Events are looked for every 50 ms; samples are taken when due, not at the
  // next 50 ms look: a sample up to 50 ms late would make its interval up to
  // 5 % long, and the rate that agents' rounds show wobble by as much.
  constexpr int64_t kLookNs = 50'000'000;
  int64_t next_due = 0;  // the earliest sample due, 0: none known
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const int64_t wait =
        next_due == 0 ? kLookNs : std::clamp<int64_t>(next_due - monoNowNs(), 0, kLookNs);
    cv_.wait_for(lock, std::chrono::nanoseconds(wait));
    if (stopping_) break;
    const int64_t now = monoNowNs();
    next_due = 0;
    std::set<Deployment*> live;
    for (const DeploymentPtr& d : manager_.all()) {
      live.insert(d.get());
      if (d->state == Deployment::State::Prepared) continue;
      for (RuntimeEvent& e : d->runtime->takeEvents()) d->addEvent(e.kind, e.detail);
      Tick& tick = ticks_[d.get()];
      const int64_t interval = static_cast<int64_t>(d->topology.metricsIntervalMs()) * 1'000'000;
      if (tick.next_ns == 0) tick.next_ns = d->started_mono_ns + interval;
      bool due = now >= tick.next_ns;
      if (d->state == Deployment::State::Running && d->runtime->finished()) {
        d->state = Deployment::State::Finished;
        d->addEvent("finished", "every instance on " + agent_name_ + " finished");
      }
      if (d->state == Deployment::State::Finished && !tick.finished_sent) {
        due = true;  // report the end at once
        tick.finished_sent = true;
      }
      if (due) {
        while (tick.next_ns <= now) tick.next_ns += interval;
      }
      if (next_due == 0 || tick.next_ns < next_due) next_due = tick.next_ns;
      if (!due) continue;
      const v1::MetricsUpdate u = update(*d);
      for (MetricsWatch* w : watches_) {
        if (w->deployment().empty() || w->deployment() == d->name) w->offer(u, *d, false);
      }
    }
    for (auto it = ticks_.begin(); it != ticks_.end();) {
      it = live.count(it->first) ? std::next(it) : ticks_.erase(it);
    }
  }
  for (MetricsWatch* w : watches_)
    w->end(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the agent is shutting down"));
}

// ----------------------------------------------------------- AgentService

AgentService::AgentService(const AgentConfig& config, std::string name, const TokenStore& tokens,
                           AuditLog& audit, DeploymentManager& manager, MetricsHub& hub,
                           BundleStore& bundles)
    : config_(config),
      name_(std::move(name)),
      tokens_(tokens),
      audit_(audit),
      manager_(manager),
      hub_(hub),
      bundles_(bundles),
      started_ns_(monoNowNs()) {}

grpc::Status AgentService::check(grpc::CallbackServerContext* ctx, std::string_view method,
                                 Role* role, std::string_view deployment) {
  *role = authenticate(*ctx, tokens_);
  grpc::Status s = authorize(*role, method, tokens_);
  const bool changes_state = method == "Deploy" || method == "Stop" || method == "InjectFault" ||
                             method == "CreateKafkaTopics" || method == "PutBundle";
  if (!s.ok()) {
    spdlog::warn("refused {} from {} ({}): {}", method, ctx->peer(), toString(*role),
                 s.error_message());
    if (changes_state)
      audit_.record(method, *role, ctx->peer(), deployment, s.error_message(), false);
  }
  return s;
}

grpc::ServerUnaryReactor* AgentService::Hello(grpc::CallbackServerContext* ctx,
                                              const v1::HelloRequest* req, v1::HelloReply* reply) {
  Role role;
  if (auto s = check(ctx, "Hello", &role); !s.ok()) return finish(ctx, s);
  reply->set_api_version(kApiVersion);
  reply->set_agent_name(name_);
  reply->set_version(kVersion);
  reply->set_cores(std::thread::hardware_concurrency());
  reply->set_memory_bytes(static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                          static_cast<uint64_t>(sysconf(_SC_PAGESIZE)));
  reply->add_capabilities("transport.local");
  reply->add_capabilities("transport.grpc");
  if (!kafka_bootstrap_.empty()) reply->add_capabilities("kafka.embedded");
  reply->set_kafka_bootstrap(kafka_bootstrap_);
  for (const std::string& n : manager_.names()) reply->add_deployments(n);
  reply->set_load_average(loadAverage());
  reply->set_role(std::string(toString(role)));
  for (const std::string& program : config_.allow_exec) reply->add_allowed_programs(program);
  reply->set_max_bundle_bytes(config_.max_bundle_bytes);
  reply->set_max_bundle_files(config_.max_bundle_files);
  for (const std::string& type : pluginTypeNames()) reply->add_plugin_types(type);
  if (req->api_version() != 0 && req->api_version() != kApiVersion) {
    return finish(ctx, grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                    "this agent speaks API v" + std::to_string(kApiVersion) +
                                        ", the client v" + std::to_string(req->api_version())));
  }
  return finish(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AgentService::Deploy(grpc::CallbackServerContext* ctx,
                                               const v1::DeployRequest* req,
                                               v1::DeployReply* reply) {
  Role role;
  if (auto s = check(ctx, "Deploy", &role, req->deployment()); !s.ok()) return finish(ctx, s);
  grpc::Status s;
  std::string phase;
  switch (req->phase()) {
    case v1::DeployRequest::PHASE_PREPARE:
      phase = "prepare";
      s = manager_.prepare(*req, reply);
      break;
    case v1::DeployRequest::PHASE_START:
      phase = "start";
      s = manager_.start(req->deployment(), req->plan_id());
      break;
    case v1::DeployRequest::PHASE_ABORT:
      phase = "abort";
      s = manager_.abort(req->deployment(), req->plan_id());
      break;
    default:
      s = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                       "Deploy needs a phase: PREPARE, START or ABORT");
  }
  audit_.record("Deploy", role, ctx->peer(), req->deployment(),
                phase + (s.ok() ? "" : ": " + s.error_message()), s.ok());
  if (!s.ok())
    spdlog::warn("deploy {} ({}) refused: {}", req->deployment(), phase, s.error_message());
  return finish(ctx, s);
}

grpc::ServerUnaryReactor* AgentService::Stop(grpc::CallbackServerContext* ctx,
                                             const v1::StopRequest* req, v1::StopReply* reply) {
  Role role;
  if (auto s = check(ctx, "Stop", &role, req->deployment()); !s.ok()) return finish(ctx, s);
  DeploymentPtr d = manager_.find(req->deployment());
  const grpc::Status s = manager_.stop(req->deployment(), req->drain_ms(), reply);
  if (d) hub_.retire(d);  // after the drain, so the last figures include it
  audit_.record("Stop", role, ctx->peer(), req->deployment(), s.ok() ? "" : s.error_message(),
                s.ok());
  // The reply waits until the deployment's programs have ended and its folder is gone.
  if (d && s.ok()) manager_.release(std::move(d));
  return finish(ctx, s);
}

grpc::ServerUnaryReactor* AgentService::List(grpc::CallbackServerContext* ctx,
                                             const v1::ListRequest*, v1::ListReply* reply) {
  Role role;
  if (auto s = check(ctx, "List", &role); !s.ok()) return finish(ctx, s);
  for (auto& info : manager_.list()) *reply->add_deployments() = std::move(info);
  return finish(ctx, grpc::Status::OK);
}

grpc::ServerWriteReactor<v1::MetricsUpdate>* AgentService::WatchMetrics(
    grpc::CallbackServerContext* ctx, const v1::WatchRequest* req) {
  Role role;
  grpc::Status s = check(ctx, "WatchMetrics", &role);
  if (s.ok() && !req->deployment().empty() && !manager_.find(req->deployment())) {
    s = grpc::Status(grpc::StatusCode::NOT_FOUND,
                     "no deployment '" + req->deployment() + "' on this agent");
  }
  auto* watch = new MetricsWatch(hub_, req->deployment());
  if (!s.ok()) {
    watch->end(s);
    return watch;
  }
  // The current figures at once, so a new watcher has a baseline.
  if (DeploymentPtr d = manager_.find(req->deployment())) watch->offer(hub_.update(*d), *d, false);
  return watch;
}

void AgentService::setEmbeddedKafka(EmbeddedKafka* kafka) {
  kafka_ = kafka;
  kafka_bootstrap_ = kafka != nullptr ? kafka->bootstrap() : std::string();
}

grpc::ServerUnaryReactor* AgentService::CreateKafkaTopics(grpc::CallbackServerContext* ctx,
                                                          const v1::KafkaTopicsRequest* req,
                                                          v1::KafkaTopicsReply* reply) {
  Role role;
  if (auto s = check(ctx, "CreateKafkaTopics", &role, req->deployment()); !s.ok()) {
    return finish(ctx, s);
  }
  const grpc::Status s = createKafkaTopics(*req, reply);
  audit_.record(
      "CreateKafkaTopics", role, ctx->peer(), req->deployment(),
      s.ok() ? "created " + std::to_string(reply->created()) + " Kafka topics" : s.error_message(),
      s.ok());
  return finish(ctx, s);
}

grpc::Status AgentService::createKafkaTopics(const v1::KafkaTopicsRequest& req,
                                             v1::KafkaTopicsReply* reply) {
  using grpc::Status;
  using grpc::StatusCode;
  constexpr int kMaxTopics = 1000;
  constexpr uint32_t kMaxPartitions = 1024;
  if (kafka_ == nullptr) {
    return Status(StatusCode::FAILED_PRECONDITION,
                  "this agent hosts no embedded Kafka cluster (start it with --embedded-kafka)");
  }
  if (req.topics_size() > kMaxTopics) {
    return Status(StatusCode::INVALID_ARGUMENT,
                  "at most " + std::to_string(kMaxTopics) + " topics per request");
  }
  // Every name and size is checked before anything is created.
  for (const v1::KafkaTopic& t : req.topics()) {
    const std::string& name = t.name();
    const bool legal = !name.empty() && name.size() <= 249 && name != "." && name != ".." &&
                       std::all_of(name.begin(), name.end(), [](unsigned char c) {
                         return std::isalnum(c) || c == '.' || c == '_' || c == '-';
                       });
    if (!legal) {
      return Status(StatusCode::INVALID_ARGUMENT,
                    "topic '" + name + "': a Kafka topic name is 1 to 249 of [A-Za-z0-9._-]");
    }
    if (t.partitions() < 1 || t.partitions() > kMaxPartitions) {
      return Status(StatusCode::INVALID_ARGUMENT,
                    "topic '" + name + "': 1 to " + std::to_string(kMaxPartitions) + " partitions");
    }
  }
  // A topic that exists is kept as it is, so a request cannot reshape topics others use.
  for (const v1::KafkaTopic& t : req.topics()) {
    std::string error;
    if (!kafka_->createTopic(t.name(), static_cast<int>(t.partitions()), &error)) {
      return Status(StatusCode::INTERNAL, error);
    }
    reply->set_created(reply->created() + 1);
  }
  return Status::OK;
}

grpc::ServerUnaryReactor* AgentService::InjectFault(grpc::CallbackServerContext* ctx,
                                                    const v1::FaultRequest* req,
                                                    v1::FaultReply* reply) {
  Role role;
  if (auto s = check(ctx, "InjectFault", &role, req->deployment()); !s.ok()) return finish(ctx, s);
  const grpc::Status s = injectFault(*req, reply);
  audit_.record("InjectFault", role, ctx->peer(), req->deployment(),
                s.ok() ? reply->detail() : s.error_message(), s.ok());
  return finish(ctx, s);
}

grpc::Status AgentService::injectFault(const v1::FaultRequest& req, v1::FaultReply* reply) {
  using grpc::Status;
  using grpc::StatusCode;
  if (req.fault_case() == v1::FaultRequest::kPartition) {
    const uint32_t seconds = req.partition().seconds();
    if (seconds == 0 || seconds > 3600) {
      return Status(StatusCode::INVALID_ARGUMENT, "a partition lasts 1 to 3600 seconds");
    }
    manager_.partition(static_cast<int>(seconds));
    const std::string detail =
        "cut " + name_ + " off from its peers for " + std::to_string(seconds) + " s";
    for (const DeploymentPtr& d : manager_.all()) d->addEvent("fault", detail);
    reply->set_detail(detail);
    return Status::OK;
  }
  DeploymentPtr d = manager_.find(req.deployment());
  if (!d)
    return Status(StatusCode::NOT_FOUND, "no deployment '" + req.deployment() + "' on this agent");
  std::string detail;
  switch (req.fault_case()) {
    case v1::FaultRequest::kKillInstance: {
      const auto& k = req.kill_instance();
      std::vector<int> indexes;
      for (const PlacedInstance* p : d->plan.on(d->self)) {
        if (p->component == k.component() && (k.index() < 0 || p->index == k.index())) {
          indexes.push_back(p->index);
        }
      }
      if (indexes.empty()) {
        return Status(StatusCode::NOT_FOUND,
                      k.component() + (k.index() < 0 ? "" : "#" + std::to_string(k.index())) +
                          " does not run on " + name_);
      }
      for (int i : indexes) {
        std::string error;
        if (!d->runtime->killInstance(k.component(), i, &error))
          return Status(StatusCode::NOT_FOUND, error);
        detail += (detail.empty() ? "killed " : ", ") + k.component() + "#" + std::to_string(i);
      }
      detail += " on " + name_;
      break;
    }
    case v1::FaultRequest::kReviveInstance: {
      const auto& k = req.revive_instance();
      for (const PlacedInstance* p : d->plan.on(d->self)) {
        if (p->component != k.component() || (k.index() >= 0 && p->index != k.index())) continue;
        if (k.index() < 0 && d->runtime->taskAlive(p->task_id)) continue;  // only the dead ones
        std::string error;
        if (!d->runtime->reviveInstance(k.component(), p->index, &error)) {
          return Status(StatusCode::FAILED_PRECONDITION, error + " (on " + name_ + ")");
        }
        detail +=
            (detail.empty() ? "revived " : ", ") + k.component() + "#" + std::to_string(p->index);
      }
      if (detail.empty()) {
        return Status(StatusCode::NOT_FOUND,
                      k.component() +
                          (k.index() < 0 ? " has no killed instance"
                                         : "#" + std::to_string(k.index()) + " does not run") +
                          " on " + name_);
      }
      detail += " on " + name_;
      break;
    }
    case v1::FaultRequest::kKillDeployment: {
      for (const PlacedInstance* p : d->plan.on(d->self)) {
        std::string error;
        (void)d->runtime->killInstance(p->component, p->index, &error);
      }
      detail = "killed every instance of " + d->name + " on " + name_;
      break;
    }
    case v1::FaultRequest::kLatency: {
      const auto& l = req.latency();
      if (l.latency_ms() > 600'000) {
        return Status(StatusCode::INVALID_ARGUMENT, "a latency fault adds at most 600000 ms");
      }
      std::string error;
      if (!d->runtime->setInputLatency(l.component(), static_cast<int>(l.latency_ms()), &error)) {
        return Status(StatusCode::NOT_FOUND, error + " (on " + name_ + ")");
      }
      detail = "added " + std::to_string(l.latency_ms()) + " ms latency into " + l.component() +
               " on " + name_;
      break;
    }
    case v1::FaultRequest::kFail: {
      const auto& f = req.fail();
      if (!(f.ratio() >= 0 && f.ratio() <= 1)) {
        return Status(StatusCode::INVALID_ARGUMENT, "a fail ratio is between 0 and 1");
      }
      std::string error;
      if (!d->runtime->setFailRatio(f.component(), f.ratio(), &error)) {
        return Status(StatusCode::NOT_FOUND, error + " (on " + name_ + ")");
      }
      char ratio[32];
      std::snprintf(ratio, sizeof ratio, "%g", f.ratio());
      detail =
          std::string("failing ") + ratio + " of the tuples into " + f.component() + " on " + name_;
      break;
    }
    default:
      return Status(StatusCode::INVALID_ARGUMENT, "the request names no fault");
  }
  d->addEvent("fault", detail);
  spdlog::warn("fault injected: {}", detail);
  reply->set_detail(detail);
  return Status::OK;
}

grpc::ServerUnaryReactor* AgentService::HasBundles(grpc::CallbackServerContext* ctx,
                                                   const v1::HasBundlesRequest* req,
                                                   v1::HasBundlesReply* reply) {
  Role role;
  if (auto s = check(ctx, "HasBundles", &role); !s.ok()) return finish(ctx, s);
  constexpr int kMaxHashes = 10000;
  if (req->hashes_size() > kMaxHashes) {
    return finish(ctx,
                  grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                               "at most " + std::to_string(kMaxHashes) + " hashes per request"));
  }
  for (const std::string& hash : req->hashes()) {
    if (!wire::isSha256Hex(hash)) {
      return finish(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                      "'" + hash.substr(0, 80) +
                                          "' is not a bundle hash (64 lowercase hex digits)"));
    }
  }
  for (const std::string& hash : req->hashes()) {
    if (!bundles_.has(hash)) reply->add_missing(hash);
  }
  return finish(ctx, grpc::Status::OK);
}

// One PutBundle call: the manifest, then the files' bytes, written into a
// temporary folder as they come and installed under the bundle's hash at the
// end; anything amiss ends the call at once with a status naming it.
class BundleReceiver final : public grpc::ServerReadReactor<v1::BundleChunk> {
 public:
  BundleReceiver(BundleStore& store, AuditLog& audit, Role role, std::string peer,
                 v1::PutBundleReply* reply)
      : store_(store), audit_(audit), role_(role), peer_(std::move(peer)), reply_(reply) {
    StartRead(&chunk_);
  }
  // A call refused before any read.
  BundleReceiver(BundleStore& store, AuditLog& audit, grpc::Status refused)
      : store_(store), audit_(audit), reply_(nullptr) {
    Finish(std::move(refused));
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client's last message
      if (!started_) {
        end(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "PutBundle got no manifest"));
      } else {
        end(upload_->commit());
      }
      return;
    }
    grpc::Status s;
    if (!started_) {
      started_ = true;
      deployment_ = chunk_.deployment();
      if (!chunk_.has_manifest()) {
        end(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                         "the first PutBundle message carries the bundle's manifest"));
        return;
      }
      const wire::BundleManifest manifest = wire::fromProto(chunk_.manifest());
      hash_ = manifest.hash;
      files_ = manifest.files.size();
      bytes_ = manifest.bytes();
      upload_ = store_.begin(manifest, &s);
      if (s.ok() && !upload_) {  // already here: nothing more to read
        present_ = true;
        end(grpc::Status::OK);
        return;
      }
      if (s.ok()) s = upload_->write(chunk_.data());
    } else if (chunk_.has_manifest()) {
      s = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                       "only the first PutBundle message carries a manifest");
    } else {
      s = upload_->write(chunk_.data());
    }
    if (!s.ok()) {
      end(std::move(s));
      return;
    }
    chunk_.Clear();
    StartRead(&chunk_);
  }

  void OnDone() override { delete this; }

 private:
  void end(grpc::Status s) {
    upload_.reset();  // an unfinished upload's folder goes now
    const std::string what = "bundle " + (hash_.empty() ? std::string("?") : hash_) + " (" +
                             std::to_string(files_) + " files, " + std::to_string(bytes_) +
                             " bytes)";
    if (s.ok()) {
      reply_->set_hash(hash_);
      reply_->set_files(static_cast<uint32_t>(files_));
      reply_->set_bytes(bytes_);
      spdlog::info("{} {} for deployment {}", present_ ? "already holds" : "received", what,
                   deployment_);
    } else {
      spdlog::warn("refused {} from {}: {}", what, peer_, s.error_message());
    }
    audit_.record("PutBundle", role_, peer_, deployment_,
                  s.ok() ? (present_ ? "already held " : "received ") + what
                         : what + ": " + s.error_message(),
                  s.ok());
    Finish(std::move(s));
  }

  BundleStore& store_;
  AuditLog& audit_;
  Role role_ = Role::None;
  std::string peer_;
  v1::PutBundleReply* reply_;
  v1::BundleChunk chunk_;
  std::unique_ptr<BundleUpload> upload_;
  bool started_ = false;
  bool present_ = false;
  std::string deployment_;
  std::string hash_;
  size_t files_ = 0;
  uint64_t bytes_ = 0;
};

grpc::ServerReadReactor<v1::BundleChunk>* AgentService::PutBundle(grpc::CallbackServerContext* ctx,
                                                                  v1::PutBundleReply* reply) {
  Role role;
  if (auto s = check(ctx, "PutBundle", &role); !s.ok()) {
    return new BundleReceiver(bundles_, audit_, std::move(s));
  }
  return new BundleReceiver(bundles_, audit_, role, ctx->peer(), reply);
}

grpc::ServerUnaryReactor* AgentService::Health(grpc::CallbackServerContext* ctx,
                                               const v1::HealthRequest*, v1::HealthReply* reply) {
  Role role;
  if (auto s = check(ctx, "Health", &role); !s.ok()) return finish(ctx, s);
  reply->set_serving(true);
  reply->set_uptime_ms((monoNowNs() - started_ns_) / 1'000'000);
  return finish(ctx, grpc::Status::OK);
}

}  // namespace topolab::agent
