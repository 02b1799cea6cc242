// The deployments on this agent: each holds its share of a plan (a runtime
// with the local instances), the links to its peers, and its inbound data
// streams. Deploys are two-phase (prepare, then start) so a cluster deploy is
// all-or-nothing.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent_config.h"
#include "bundle_store.h"
#include "credit_batcher.h"
#include "exec_policy.h"
#include "owner_alarm.h"
#include "peer_link.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/runtime.h"
#include "topolab/engine/topology.h"
#include "topolab/v1/agent.pb.h"
#include "topolab/v1/dataplane.grpc.pb.h"

namespace topolab::agent {

class InboundStream;

struct DeploymentEvent {
  int64_t t_ms = 0;
  std::string kind;
  std::string detail;
};

class Deployment {
 public:
  enum class State { Prepared, Running, Finished, Stopped };

  std::string name;
  std::string plan_id;
  Topology topology;
  Plan plan;
  std::string self;
  std::unique_ptr<Runtime> runtime;
  std::map<std::string, std::unique_ptr<PeerLink>> peers;
  std::atomic<State> state{State::Prepared};
  int64_t prepared_unix_ms = 0;
  int64_t started_mono_ns = 0;
  int local_instances = 0;
  // Where its programs run (<state-dir>/deployments/<name>-XXXXXX: their
  // bundles, pid files and HOME); empty when it runs none here.
  std::string folder;
  // The bundles its programs here run in.
  std::set<std::string> bundles;
  // Set at the end of the destructor (whichever thread lets go last runs it).
  struct Released {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  const std::shared_ptr<Released> released = std::make_shared<Released>();

  // Stops it, ends its programs (the runtime goes) and removes its folder.
  ~Deployment();
  static std::string_view toString(State s);

  // Milliseconds since start (0 before).
  int64_t elapsedMs() const;
  void addEvent(std::string kind, std::string detail);
  // Events after `cursor` (an index into the event list); advances it.
  std::vector<DeploymentEvent> eventsSince(size_t& cursor) const;

  // Inbound data streams, for returning credit to the sender.
  int addInbound(InboundStream* s);
  void removeInbound(int origin);
  void routeCredit(int origin, uint32_t target, size_t tuples);
  // Stops the runtime (draining until the deadline), closes links and streams.
  StopResult stop(std::chrono::milliseconds drain);

 private:
  mutable std::mutex mu_;
  std::vector<DeploymentEvent> events_;
  std::map<int, InboundStream*> inbound_;
  int next_origin_ = 0;
  bool stopped_ = false;
  StopResult stop_result_;
};

using DeploymentPtr = std::shared_ptr<Deployment>;

class DeploymentManager {
 public:
  // `kafka_bootstrap`: the embedded Kafka cluster this agent hosts, if any;
  // the default for deployments whose request names none.
  DeploymentManager(const AgentConfig& config, std::string self_name,
                    std::shared_ptr<grpc::ChannelCredentials> peer_credentials,
                    BundleStore& bundles, std::string kafka_bootstrap = {});
  ~DeploymentManager();

  // PREPARE: validate everything, build the local tasks; nothing runs.
  grpc::Status prepare(const v1::DeployRequest& request, v1::DeployReply* reply);
  grpc::Status start(const std::string& name, const std::string& plan_id);
  grpc::Status abort(const std::string& name, const std::string& plan_id);
  grpc::Status stop(const std::string& name, uint32_t drain_ms, v1::StopReply* reply);
  void stopAll(std::chrono::milliseconds drain);
  // Drops a stopped deployment and waits (up to kReleaseWait) until every
  // holder has let go of it and it is destroyed, so its programs have ended
  // and its folder is gone; then removes bundles no deployment uses any more
  // (see BundleStore).
  void release(DeploymentPtr d);
  static constexpr std::chrono::seconds kReleaseWait{15};

  std::vector<v1::DeploymentInfo> list() const;
  DeploymentPtr find(const std::string& name) const;
  DeploymentPtr findForPlan(const std::string& name, const std::string& plan_id) const;
  std::vector<DeploymentPtr> all() const;
  std::vector<std::string> names() const;

  // Fault: cut this agent off from its peers for `seconds`.
  void partition(int seconds);
  bool partitioned() const;

 private:
  const AgentConfig config_;
  const std::string self_;
  std::shared_ptr<grpc::ChannelCredentials> peer_credentials_;
  const std::string kafka_bootstrap_;
  BundleStore& bundles_;
  const ExecPolicy exec_policy_;
  mutable std::mutex mu_;
  std::map<std::string, DeploymentPtr> deployments_;
  std::set<std::string> preparing_;  // names being prepared right now
  std::atomic<int64_t> partitioned_until_{0};
};

// The receiving side of the data plane: one stream from a peer for one
// deployment. It grants credit up front and returns it in bulk as local tasks
// take the tuples (see CreditBatcher).
class InboundStream final : public grpc::ServerBidiReactor<v1::Frame, v1::Credit> {
 public:
  explicit InboundStream(DeploymentManager& manager);
  // From the task that took the tuples: owes them back to the sender.
  void addCredit(uint32_t target, size_t tuples);
  void close();  // ends the stream from this side

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override;

 private:
  void writeNext();  // with mu_ held: everything owed, in one message
  void armTimer();   // with mu_ held
  void onTimer();    // credit that waited too long goes back
  void fail(grpc::Status status);

  DeploymentManager& manager_;
  DeploymentPtr deployment_;
  int origin_ = -1;
  v1::Frame frame_;
  std::mutex mu_;
  CreditBatcher credit_;
  bool send_credit_ = false;  // what is owed goes back at the next chance
  v1::Credit writing_;
  bool write_in_flight_ = false;
  bool finished_ = false;
  OwnerAlarm<InboundStream> timer_{this};  // armed while credit is owed
};

class DataPlaneService final : public v1::DataPlane::CallbackService {
 public:
  explicit DataPlaneService(DeploymentManager& manager) : manager_(manager) {}
  grpc::ServerBidiReactor<v1::Frame, v1::Credit>* Exchange(
      grpc::CallbackServerContext* ctx) override;
  // Load-balancer health checks from peers (in health_prober.cpp).
  grpc::ServerUnaryReactor* Probe(grpc::CallbackServerContext* ctx, const v1::ProbeRequest* req,
                                  v1::ProbeReply* reply) override;

 private:
  DeploymentManager& manager_;
};

}  // namespace topolab::agent
