// Groupings and load-balancing policies: which downstream instance gets a
// tuple. Strategies are created by one factory function each.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "topolab/engine/random.h"
#include "topolab/engine/topology.h"
#include "topolab/engine/tuple.h"

namespace topolab {

// A stable hash (the same on every agent and build) of a tuple's grouping fields.
uint64_t hashFields(const Tuple& t, bool key, bool value);

class Partitioner {
 public:
  static constexpr int kAll = -1;
  virtual ~Partitioner() = default;
  // The index of the target in [0, targets) for `t`, or kAll for every target.
  virtual int select(const Tuple& t) = 0;
};
using PartitionerPtr = std::unique_ptr<Partitioner>;

// `local` marks targets on this agent, for local-or-shuffle (all are local
// in-process). `declared_fields`: the sender's output fields (a multilang
// program's), which a fields grouping may name besides key and value.
PartitionerPtr makePartitioner(const Grouping& grouping, int targets,
                               const std::vector<bool>& local, uint64_t seed,
                               const std::vector<std::string>& declared_fields = {});

// A load-balancer's choice among its members, skipping unhealthy ones.

class Balancer {
 public:
  virtual ~Balancer() = default;
  // A healthy member for `t`, or -1 when none is healthy.
  virtual int select(const Tuple& t, const std::vector<char>& healthy,
                     const std::vector<int64_t>& outstanding) = 0;
};
using BalancerPtr = std::unique_ptr<Balancer>;

// policy: round-robin | least-outstanding | consistent-hash | random
BalancerPtr makeBalancer(const std::string& policy, int members, uint64_t seed);

}  // namespace topolab
