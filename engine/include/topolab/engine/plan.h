// Placement: which agent runs each component instance. Pure: a topology and
// the cluster's agent names in, a printable plan out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/engine/topology.h"

namespace topolab {

struct PlacedInstance {
  std::string component;
  int index = 0;
  std::string agent;
  uint32_t task_id = 0;  // position in Plan::instances; the same on every agent
};

// A stream whose instances talk across two agents, and by what transport.
struct CrossingStream {
  std::string from;
  std::string to;
  std::string from_agent;
  std::string to_agent;
  Transport transport = Transport::Grpc;
};

struct Plan {
  std::vector<std::string> agents;        // the cluster's agents, in cluster order
  std::vector<PlacedInstance> instances;  // components in topological order, then by index
  std::vector<CrossingStream> crossings;  // one per (stream, agent pair)

  const PlacedInstance* find(std::string_view component, int index) const;
  std::vector<const PlacedInstance*> on(std::string_view agent) const;
};

// Instances a component runs as: its parallelism, or for a replicated-store
// one primary plus `replicas` followers (its parallelism is not used).
int instanceCount(const Component& c);

// An agent name as a cluster file and a `placement` list write it: 1 to 63
// letters, digits, '-', '_' and '.', starting with a letter or digit.
[[nodiscard]] bool isValidAgentName(std::string_view name);

// Component types only some agents offer (plugin types, from each agent's
// Hello): type → the agents that offer it. A type not listed runs anywhere.
struct TypeOffers {
  std::map<std::string, std::vector<std::string>> agents_of_type;
  const std::vector<std::string>* find(std::string_view type) const;
};

// Honours each component's `placement` (instances round-robin over the listed
// agents); spreads the others evenly (fewest instances first, then cluster
// order) over the agents that offer their type; puts the instances of a
// replicated-store on distinct agents. Fails with a message naming the
// component or stream on: an unknown agent, a placement on an agent that
// does not offer the type, a type no agent offers, a replicated-store with
// more instances (1 + replicas) than agents, `transport: local` on a stream
// whose instances land on different agents, no agents.
[[nodiscard]] std::optional<Plan> planDeployment(const Topology& topology,
                                                 const std::vector<std::string>& agents,
                                                 std::string* error, const TypeOffers& offers = {});

// A human-readable plan: instances per agent, then the streams that cross agents.
std::string formatPlan(const Plan& plan);
// The same as one JSON object.
std::string planJson(const Plan& plan);

}  // namespace topolab
