#include "health_prober.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "deployment.h"

namespace topolab::agent {
namespace {

// A probe waits no longer than this, so a hung peer fails its members within
// 2 s even with long periods, and stopping never waits longer for a probe.
constexpr std::chrono::nanoseconds kMaxWait = std::chrono::seconds(2);

}  // namespace

HealthProber::HealthProber(v1::DataPlane::Stub& stub, std::string deployment, std::string plan_id,
                           std::string peer)
    : stub_(stub),
      deployment_(std::move(deployment)),
      plan_id_(std::move(plan_id)),
      peer_(std::move(peer)) {}

HealthProber::~HealthProber() { stop(); }

void HealthProber::add(uint32_t target, int64_t period_ns) {
  std::lock_guard lock(mu_);
  verdicts_.emplace(target, true);
  period_ns_ = period_ns_ == 0 ? period_ns : std::min(period_ns_, period_ns);
}

void HealthProber::start() {
  std::lock_guard lock(mu_);
  if (verdicts_.empty() || thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

void HealthProber::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool HealthProber::healthy(uint32_t target) const {
  std::lock_guard lock(mu_);
  auto it = verdicts_.find(target);
  return it == verdicts_.end() || it->second;
}

void HealthProber::loop() {
  std::unique_lock lock(mu_);
  const auto period = std::chrono::nanoseconds(period_ns_);
  while (!stopping_) {
    const auto started = std::chrono::steady_clock::now();
    lock.unlock();
    probeOnce(period_ns_);
    lock.lock();
    cv_.wait_until(lock, started + period, [this] { return stopping_; });
  }
}

void HealthProber::probeOnce(int64_t period_ns) {
  v1::ProbeRequest req;
  req.set_deployment(deployment_);
  req.set_plan_id(plan_id_);
  {
    std::lock_guard lock(mu_);
    for (const auto& [target, verdict] : verdicts_) req.add_tasks(target);
  }
  // A check that does not answer within its period (at most kMaxWait) fails.
  grpc::ClientContext ctx;
  ctx.set_deadline(
      std::chrono::system_clock::now() +
      std::min<std::chrono::nanoseconds>(std::chrono::nanoseconds(period_ns), kMaxWait));
  v1::ProbeReply reply;
  grpc::Status status = stub_.Probe(&ctx, req, &reply);
  if (status.ok() && reply.alive_size() != req.tasks_size()) {
    status = grpc::Status(grpc::StatusCode::INTERNAL, "the reply does not answer for every task");
  }
  std::lock_guard lock(mu_);
  int i = 0;
  for (auto& [target, verdict] : verdicts_) verdict = status.ok() && reply.alive(i++);
  if (!status.ok() && !failing_) {
    spdlog::warn("health check of {}'s members failed: {}", peer_, status.error_message());
  }
  failing_ = !status.ok();
}

grpc::ServerUnaryReactor* DataPlaneService::Probe(grpc::CallbackServerContext* ctx,
                                                  const v1::ProbeRequest* req,
                                                  v1::ProbeReply* reply) {
  auto* reactor = ctx->DefaultReactor();
  if (manager_.partitioned()) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "this agent is cut off from its peers"));
    return reactor;
  }
  const DeploymentPtr d = manager_.findForPlan(req->deployment(), req->plan_id());
  if (!d || !d->runtime) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::NOT_FOUND,
                     "no deployment '" + req->deployment() + "' with this plan on this agent"));
    return reactor;
  }
  for (uint32_t task : req->tasks()) reply->add_alive(d->runtime->taskAlive(task));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace topolab::agent
