// An in-process stand-in for topolab-agent: a real gRPC server on
// 127.0.0.1:0 whose answers a test sets, and which records what it was asked.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "topolab/control/cluster.h"
#include "topolab/v1/agent.grpc.pb.h"

namespace topolab::testing {

inline const std::string kToken = "s3cret-operator-token";

class FakeAgent final : public v1::Agent::Service {
 public:
  explicit FakeAgent(std::string name) : name_(std::move(name)) {}

  // What the agent answers; set before the calls.
  uint32_t api_version = 1;
  std::string role = "operator";
  grpc::Status prepare_status = grpc::Status::OK;
  grpc::Status start_status = grpc::Status::OK;
  grpc::Status stop_status = grpc::Status::OK;
  grpc::Status fault_status = grpc::Status::OK;
  std::string fault_detail = "done";
  grpc::Status watch_status = grpc::Status::OK;  // not OK: WatchMetrics fails at once
  std::vector<v1::DeploymentInfo> deployments;
  // The n-th metrics update (n from 0); by default one counter instance.
  std::function<v1::MetricsUpdate(int n)> make_update;
  std::atomic<int> update_interval_ms{100};
  std::atomic<bool> silent{false};  // keep the stream open, send nothing

  // What it was asked, in order.
  struct Call {
    std::string method;  // "Deploy:PREPARE", "Deploy:START", "Deploy:ABORT", "Stop", "Fault", ...
    std::string deployment;
    std::string plan_id;
    v1::DeployRequest deploy;
  };
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::vector<std::string> methods() const {
    std::vector<std::string> out;
    for (const Call& c : calls()) out.push_back(c.method);
    return out;
  }
  std::atomic<bool> stopping{false};

  grpc::Status Hello(grpc::ServerContext* ctx, const v1::HelloRequest*,
                     v1::HelloReply* reply) override {
    if (auto s = check(ctx); !s.ok()) return s;
    record({"Hello"});
    reply->set_api_version(api_version);
    reply->set_agent_name(name_);
    reply->set_version("0.1.0-fake");
    reply->set_cores(4);
    reply->set_memory_bytes(8ull << 30);
    reply->set_role(role);
    for (const auto& d : deployments) reply->add_deployments(d.name());
    return grpc::Status::OK;
  }

  grpc::Status Deploy(grpc::ServerContext* ctx, const v1::DeployRequest* req,
                      v1::DeployReply*) override {
    if (auto s = check(ctx); !s.ok()) return s;
    const char* phase = req->phase() == v1::DeployRequest::PHASE_PREPARE ? "PREPARE"
                        : req->phase() == v1::DeployRequest::PHASE_START ? "START"
                        : req->phase() == v1::DeployRequest::PHASE_ABORT ? "ABORT"
                                                                         : "?";
    record({std::string("Deploy:") + phase, req->deployment(), req->plan_id(), *req});
    if (req->phase() == v1::DeployRequest::PHASE_PREPARE) return prepare_status;
    if (req->phase() == v1::DeployRequest::PHASE_START) return start_status;
    return grpc::Status::OK;
  }

  grpc::Status Stop(grpc::ServerContext* ctx, const v1::StopRequest* req,
                    v1::StopReply* reply) override {
    if (auto s = check(ctx); !s.ok()) return s;
    record({"Stop", req->deployment()});
    reply->set_drained(true);
    return stop_status;
  }

  grpc::Status List(grpc::ServerContext* ctx, const v1::ListRequest*,
                    v1::ListReply* reply) override {
    if (auto s = check(ctx); !s.ok()) return s;
    for (const auto& d : deployments) *reply->add_deployments() = d;
    return grpc::Status::OK;
  }

  grpc::Status InjectFault(grpc::ServerContext* ctx, const v1::FaultRequest* req,
                           v1::FaultReply* reply) override {
    if (auto s = check(ctx); !s.ok()) return s;
    Call c{"Fault", req->deployment()};
    c.method += ":" + std::to_string(static_cast<int>(req->fault_case()));
    record(c);
    reply->set_detail(fault_detail + " on " + name_);
    return fault_status;
  }

  grpc::Status WatchMetrics(grpc::ServerContext* ctx, const v1::WatchRequest* req,
                            grpc::ServerWriter<v1::MetricsUpdate>* writer) override {
    if (auto s = check(ctx); !s.ok()) return s;
    record({"Watch", req->deployment()});
    if (!watch_status.ok()) return watch_status;
    for (int n = 0;; ++n) {
      if (stopping.load()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
      if (ctx->IsCancelled()) return grpc::Status::CANCELLED;
      if (!silent.load()) {
        v1::MetricsUpdate u = make_update ? make_update(n) : defaultUpdate(n);
        u.set_deployment(req->deployment());
        u.set_agent(name_);
        if (!writer->Write(u)) return grpc::Status::CANCELLED;
        if (u.state() == "stopped") return grpc::Status::OK;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(update_interval_ms.load()));
    }
  }

  v1::MetricsUpdate defaultUpdate(int n) const {
    v1::MetricsUpdate u;
    u.set_t_ms(n * 100);
    u.set_state("running");
    auto* i = u.add_instances();
    i->set_component("sink");
    i->set_index(0);
    i->set_received(static_cast<uint64_t>(n) * 100);
    i->set_is_sink(true);
    i->set_alive(true);
    return u;
  }

 private:
  grpc::Status check(grpc::ServerContext* ctx) {
    const auto& md = ctx->client_metadata();
    auto it = md.find("authorization");
    if (it == md.end() || std::string(it->second.data(), it->second.size()) != "Bearer " + kToken) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no valid bearer token");
    }
    return grpc::Status::OK;
  }
  void record(Call c) {
    std::lock_guard lock(mu_);
    calls_.push_back(std::move(c));
  }

  std::string name_;
  mutable std::mutex mu_;
  std::vector<Call> calls_;
};

// A FakeAgent served on a free loopback port.
class FakeServer {
 public:
  // Listens on `address` (by default a port the system picks).
  explicit FakeServer(std::string name, const std::string& address = "127.0.0.1:0")
      : name_(name), agent_(std::move(name)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&agent_);
    server_ = builder.BuildAndStart();
  }
  ~FakeServer() { shutdown(); }

  void shutdown() {
    if (!server_) return;
    agent_.stopping = true;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    server_->Wait();
    server_.reset();
  }

  FakeAgent& agent() { return agent_; }
  const std::string& name() const { return name_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  control::AgentEntry entry() const {
    control::AgentEntry e;
    e.name = name_;
    e.address = address();
    e.token_file = "/fake/" + name_ + ".token";
    e.token = kToken;
    return e;
  }

 private:
  std::string name_;
  FakeAgent agent_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

inline control::ClusterFile clusterOf(const std::vector<FakeServer*>& servers) {
  control::ClusterFile c;
  c.path = "test-cluster.yaml";
  for (FakeServer* s : servers) c.agents.push_back(s->entry());
  return c;
}

}  // namespace topolab::testing
