// The topolab.v1.Agent service: authenticates every call, checks the caller's
// role, audits what changes state, and streams metrics with one write in
// flight per watcher (a slow reader gets the newest figures, not a backlog).
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "agent_config.h"
#include "audit_log.h"
#include "bundle_store.h"
#include "deployment.h"
#include "security.h"
#include "topolab/engine/kafka.h"
#include "topolab/v1/agent.grpc.pb.h"

namespace topolab::agent {

class MetricsWatch;

// Takes a snapshot of each running deployment once per its metrics interval
// and hands it to the watchers of that deployment.
class MetricsHub {
 public:
  explicit MetricsHub(DeploymentManager& manager, std::string agent_name);
  ~MetricsHub();
  void subscribe(MetricsWatch* w);
  void unsubscribe(MetricsWatch* w);
  // Builds an update for `d` now (cumulative figures; events are added per watch).
  v1::MetricsUpdate update(Deployment& d) const;
  // Publishes a last update for a deployment that is going away and ends its watches.
  void retire(const DeploymentPtr& d);

 private:
  void loop();

  DeploymentManager& manager_;
  const std::string agent_name_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<MetricsWatch*> watches_;
  struct Tick {
    int64_t next_ns = 0;
    bool finished_sent = false;
  };
  std::map<Deployment*, Tick> ticks_;
  bool stopping_ = false;
  std::thread thread_;
};

class AgentService final : public v1::Agent::CallbackService {
 public:
  AgentService(const AgentConfig& config, std::string name, const TokenStore& tokens,
               AuditLog& audit, DeploymentManager& manager, MetricsHub& hub, BundleStore& bundles);

  grpc::ServerUnaryReactor* Hello(grpc::CallbackServerContext* ctx, const v1::HelloRequest* req,
                                  v1::HelloReply* reply) override;
  grpc::ServerUnaryReactor* Deploy(grpc::CallbackServerContext* ctx, const v1::DeployRequest* req,
                                   v1::DeployReply* reply) override;
  grpc::ServerUnaryReactor* Stop(grpc::CallbackServerContext* ctx, const v1::StopRequest* req,
                                 v1::StopReply* reply) override;
  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* ctx, const v1::ListRequest* req,
                                 v1::ListReply* reply) override;
  grpc::ServerWriteReactor<v1::MetricsUpdate>* WatchMetrics(grpc::CallbackServerContext* ctx,
                                                            const v1::WatchRequest* req) override;
  grpc::ServerUnaryReactor* InjectFault(grpc::CallbackServerContext* ctx,
                                        const v1::FaultRequest* req,
                                        v1::FaultReply* reply) override;
  grpc::ServerUnaryReactor* CreateKafkaTopics(grpc::CallbackServerContext* ctx,
                                              const v1::KafkaTopicsRequest* req,
                                              v1::KafkaTopicsReply* reply) override;
  grpc::ServerUnaryReactor* Health(grpc::CallbackServerContext* ctx, const v1::HealthRequest* req,
                                   v1::HealthReply* reply) override;
  grpc::ServerUnaryReactor* HasBundles(grpc::CallbackServerContext* ctx,
                                       const v1::HasBundlesRequest* req,
                                       v1::HasBundlesReply* reply) override;
  grpc::ServerReadReactor<v1::BundleChunk>* PutBundle(grpc::CallbackServerContext* ctx,
                                                      v1::PutBundleReply* reply) override;

  // The embedded Kafka cluster this agent hosts (none by default).
  void setEmbeddedKafka(EmbeddedKafka* kafka);

 private:
  // OK, or the status to answer with; audits refused attempts at state changes.
  grpc::Status check(grpc::CallbackServerContext* ctx, std::string_view method, Role* role,
                     std::string_view deployment = {});
  grpc::Status createKafkaTopics(const v1::KafkaTopicsRequest& req, v1::KafkaTopicsReply* reply);
  grpc::Status injectFault(const v1::FaultRequest& req, v1::FaultReply* reply);

  const AgentConfig config_;
  const std::string name_;
  const TokenStore& tokens_;
  AuditLog& audit_;
  DeploymentManager& manager_;
  MetricsHub& hub_;
  BundleStore& bundles_;
  const int64_t started_ns_;
  std::string kafka_bootstrap_;
  EmbeddedKafka* kafka_ = nullptr;
};

}  // namespace topolab::agent
