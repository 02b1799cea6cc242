// The stream graph of a topology, shared by the validator (cycles) and the
// views that need an order (reports, the runtime's start-up).
#pragma once

#include <string_view>
#include <vector>

#include "topolab/engine/topology.h"

namespace topolab::spec {

struct StreamGraph {
  struct Edge {
    int to;
    int stream;  // index in Topology::streams
  };
  std::vector<std::string_view> ids;   // distinct component ids, file order
  std::vector<std::vector<Edge>> out;  // per id

  // Streams whose ends are not both known ids are left out, and so are those
  // flagged in `excluded` (indexed like Topology::streams) when it is given.
  explicit StreamGraph(const Topology& topology, const std::vector<bool>* excluded = nullptr);
};

struct Cycle {
  std::vector<int> nodes;  // starting at the cycle's earliest component in file order
  int closing_stream;      // the stream from the last node back to the first
};

// One cycle through each strongly connected part of the graph that has one.
std::vector<Cycle> findCycles(const StreamGraph& graph);

}  // namespace topolab::spec
