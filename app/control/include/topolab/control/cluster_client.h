// Talking to every agent of a cluster: Hello, the all-or-nothing two-phase
// deploy, Stop, List and fault injection. One gRPC channel per agent; calls to
// several agents run in parallel. No wire type appears in this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/control/cluster.h"
#include "topolab/control/fault_spec.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/topology.h"

namespace topolab::control {

inline constexpr uint32_t kApiVersion = 1;

// Why one agent's call failed, in words a user can act on.
struct AgentError {
  std::string agent;
  std::string message;  // e.g. "unreachable at 127.0.0.1:7702 (Connection refused)"
};

struct AgentHello {
  std::string agent;  // as named in the cluster file
  std::string address;
  std::string error;          // empty when the agent answered and speaks our API version
  std::string reported_name;  // what the agent calls itself
  std::string version;
  uint32_t cores = 0;
  uint64_t memory_bytes = 0;
  double load_average = 0;
  std::vector<std::string> capabilities;
  std::vector<std::string> deployments;
  std::string kafka_bootstrap;
  std::string role;  // of our token: "operator" or "viewer"
  // What multilang programs may be there (--allow-exec; empty: none), and
  // the most one resources bundle may hold there.
  std::vector<std::string> allowed_programs;
  uint64_t max_bundle_bytes = 0;
  uint64_t max_bundle_files = 0;
  std::vector<std::string> plugin_types;  // component types its plugins add (--plugin-dir)

  bool ok() const { return error.empty(); }
};

// For each type `topology` uses that is not built in (a plugin type, known
// here or not): the agents whose Hello lists it, in cluster order (none: an
// empty list). What the planner needs to put plugin components only where
// they can run.
TypeOffers typeOffers(const std::vector<AgentHello>& hellos, const Topology& topology);
// The types among `offers` that some agent offers.
std::set<std::string> offeredTypes(const TypeOffers& offers);

struct DeployOutcome {
  bool ok = false;
  std::string plan_id;
  std::vector<std::string> agents;  // the agents that have instances, in cluster order
  std::string failed_agent;         // the agent that refused, when !ok and one did
  std::string message;              // when !ok: what failed, naming the agent and phase
  // Agents that could not be rolled back (something may be left there).
  std::vector<AgentError> rollback_errors;
  // Resources bundles sent (agents that already held one got nothing), and
  // their file bytes, summed over the agents.
  int bundles_sent = 0;
  uint64_t bundle_bytes_sent = 0;
};

struct AgentDeployment {
  std::string agent;
  std::string name;
  std::string state;  // prepared, running, finished, stopped
  uint32_t local_instances = 0;
  int64_t started_unix_ms = 0;
  std::string plan_id;
};

struct ListOutcome {
  std::vector<AgentDeployment> deployments;  // agents in cluster order
  std::vector<AgentError> errors;            // agents that did not answer

  // The agents that list `deployment`, in cluster order.
  std::vector<std::string> agentsOf(std::string_view deployment) const;
};

struct AgentStopped {
  std::string agent;
  bool drained = true;
  int64_t abandoned = 0;
};

struct StopOutcome {
  bool ok = false;                    // found somewhere, and no agent failed
  std::string message;                // when !ok
  std::vector<AgentStopped> stopped;  // agents that had the deployment
  std::vector<AgentError> errors;
};

struct FaultOutcome {
  bool ok = false;
  std::string message;                                       // when !ok
  std::vector<std::pair<std::string, std::string>> details;  // agent, what it did
  std::vector<AgentError> errors;
};

struct ErrorsOutcome {
  bool ok = false;      // some agent has the deployment, and every agent answered
  std::string message;  // when !ok
  // Every sample the deployment's instances keep (the last 20 errors of
  // each), oldest first, each with its agent's name in the cluster file.
  std::vector<InstanceError> samples;
  std::vector<AgentError> errors;
};

struct ClientOptions {
  std::chrono::milliseconds hello_deadline{2000};
  std::chrono::milliseconds prepare_deadline{60000};  // building tasks may take a while
  std::chrono::milliseconds call_deadline{10000};     // every other call (Stop adds its drain)
};

class ClusterClient {
 public:
  // Opens a channel to every agent of `cluster` (TLS when it has TLS files).
  // Connecting is lazy, so an unreachable agent is not an error here; nullptr
  // with `error` set when the TLS credentials cannot be built.
  [[nodiscard]] static std::unique_ptr<ClusterClient> create(const ClusterFile& cluster,
                                                             std::string* error,
                                                             const ClientOptions& options = {});
  ~ClusterClient();
  ClusterClient(const ClusterClient&) = delete;
  ClusterClient& operator=(const ClusterClient&) = delete;

  const ClusterFile& cluster() const;

  // Blocking calls; each fans out to the agents concerned on threads of its own.

  // Hello on every agent, in cluster order; each within hello_deadline. An
  // agent speaking another API version is an error.
  [[nodiscard]] std::vector<AgentHello> hello() const;
  // All or nothing: Hello, then PREPARE on every agent that has instances in
  // `plan`, then START on each; if any step fails, ABORTs what was prepared
  // and stops what was started, and says which agent failed and why.
  // Before PREPARE, each component that runs a program gets its `resources`
  // folder (relative ones are found in `resources_base`, the topology file's
  // folder; without it only absolute ones can be sent) sent as a bundle to
  // the agents that run it and lack it, and reads "bundles/<hash>" in the
  // file they get.
  [[nodiscard]] DeployOutcome deploy(const Topology& topology, std::string_view topology_yaml,
                                     const Plan& plan, std::string_view resources_base = {}) const;
  // Stop on every agent; agents without the deployment are skipped.
  [[nodiscard]] StopOutcome stop(const std::string& deployment,
                                 std::chrono::milliseconds drain) const;
  [[nodiscard]] ListOutcome list() const;
  // A partition or a whole-deployment kill goes to its agent; any other fault
  // to every agent, each acting on its own instances (an agent without them
  // answers "not found", an error only when every agent does).
  [[nodiscard]] FaultOutcome fault(const std::string& deployment, const FaultSpec& fault) const;
  // The error samples of `deployment` on every agent that runs part of it.
  [[nodiscard]] ErrorsOutcome errors(const std::string& deployment) const;

  // The same on the client's worker thread, one call at a time; `done` runs
  // on that thread (a GUI posts the result to its own). Calls still queued
  // when the client is destroyed are dropped.
  void helloAsync(std::function<void(std::vector<AgentHello>)> done);
  void deployAsync(Topology topology, std::string topology_yaml, Plan plan,
                   std::function<void(DeployOutcome)> done, std::string resources_base = {});
  void stopAsync(std::string deployment, std::chrono::milliseconds drain,
                 std::function<void(StopOutcome)> done);
  void listAsync(std::function<void(ListOutcome)> done);
  void faultAsync(std::string deployment, FaultSpec fault, std::function<void(FaultOutcome)> done);

  struct Shared;  // the channels; shared with MetricsWatcher so it may outlive the client

 private:
  friend class MetricsWatcher;
  explicit ClusterClient(std::shared_ptr<const Shared> shared);
  void post(std::function<void()> job);

  std::shared_ptr<const Shared> shared_;
  struct Worker;
  std::unique_ptr<Worker> worker_;
};

using ClusterClientPtr = std::unique_ptr<ClusterClient>;

}  // namespace topolab::control
