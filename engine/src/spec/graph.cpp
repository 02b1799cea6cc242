// Cycle finding and topological order over the stream graph. Both are
// iterative: a topology may hold 10,000 components in one long chain.
#include "spec/graph.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "topolab/engine/spec.h"

namespace topolab {
namespace spec {

StreamGraph::StreamGraph(const Topology& topology, const std::vector<bool>* excluded) {
  std::unordered_map<std::string_view, int> index;
  for (const Component& c : topology.components) {
    if (index.emplace(c.id, static_cast<int>(ids.size())).second) ids.push_back(c.id);
  }
  out.resize(ids.size());
  for (size_t i = 0; i < topology.streams.size(); ++i) {
    if (excluded && i < excluded->size() && (*excluded)[i]) continue;
    const Stream& s = topology.streams[i];
    auto from = index.find(s.from), to = index.find(s.to);
    if (from == index.end() || to == index.end()) continue;
    out[from->second].push_back(Edge{to->second, static_cast<int>(i)});
  }
}

namespace {

// Tarjan's algorithm without recursion; returns the strongly connected components.
std::vector<std::vector<int>> stronglyConnected(const StreamGraph& g) {
  const int n = static_cast<int>(g.ids.size());
  std::vector<int> order(n, -1), low(n, 0);
  std::vector<bool> on_stack(n, false);
  std::vector<int> stack;
  std::vector<std::vector<int>> parts;
  struct Frame {
    int node;
    size_t edge;
  };
  std::vector<Frame> calls;
  int counter = 0;
  for (int root = 0; root < n; ++root) {
    if (order[root] >= 0) continue;
    calls.push_back({root, 0});
    order[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!calls.empty()) {
      Frame& f = calls.back();
      if (f.edge < g.out[f.node].size()) {
        const int w = g.out[f.node][f.edge++].to;
        if (order[w] < 0) {
          order[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = true;
          calls.push_back({w, 0});
        } else if (on_stack[w]) {
          low[f.node] = std::min(low[f.node], order[w]);
        }
        continue;
      }
      const int v = f.node;
      calls.pop_back();
      if (!calls.empty()) low[calls.back().node] = std::min(low[calls.back().node], low[v]);
      if (low[v] == order[v]) {
        std::vector<int> part;
        int w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          part.push_back(w);
        } while (w != v);
        parts.push_back(std::move(part));
      }
    }
  }
  return parts;
}

}  // namespace

std::vector<Cycle> findCycles(const StreamGraph& g) {
  std::vector<Cycle> cycles;
  std::vector<int> part_of(g.ids.size(), -1);
  auto parts = stronglyConnected(g);
  for (size_t p = 0; p < parts.size(); ++p) {
    for (int v : parts[p]) part_of[v] = static_cast<int>(p);
  }
  for (size_t p = 0; p < parts.size(); ++p) {
    const int start = *std::min_element(parts[p].begin(), parts[p].end());
    // Breadth-first inside the part: the shortest way back to `start`.
    std::unordered_map<int, int> parent{{start, -1}};
    std::vector<int> queue{start};
    for (size_t q = 0; q < queue.size(); ++q) {
      const int u = queue[q];
      bool closed = false;
      for (const StreamGraph::Edge& e : g.out[u]) {
        if (part_of[e.to] != static_cast<int>(p)) continue;
        if (e.to == start) {
          Cycle c{{}, e.stream};
          for (int x = u; x != -1; x = parent[x]) c.nodes.push_back(x);
          std::reverse(c.nodes.begin(), c.nodes.end());
          cycles.push_back(std::move(c));
          closed = true;
          break;
        }
        if (parent.emplace(e.to, u).second) queue.push_back(e.to);
      }
      if (closed) break;
    }
  }
  std::sort(cycles.begin(), cycles.end(),
            [](const Cycle& a, const Cycle& b) { return a.nodes.front() < b.nodes.front(); });
  return cycles;
}

}  // namespace spec

std::vector<std::string> topologicalOrder(const Topology& topology) {
  const spec::StreamGraph g(topology);
  const size_t n = g.ids.size();
  std::vector<int> in_degree(n, 0);
  for (const auto& edges : g.out) {
    for (const auto& e : edges) ++in_degree[e.to];
  }
  std::vector<bool> done(n, false);
  std::vector<std::string> order;
  order.reserve(n);
  std::vector<int> layer;
  for (size_t v = 0; v < n; ++v) {
    if (in_degree[v] == 0) layer.push_back(static_cast<int>(v));
  }
  while (!layer.empty()) {
    std::vector<int> next;
    for (int v : layer) {
      done[v] = true;
      order.emplace_back(g.ids[v]);
      for (const auto& e : g.out[v]) {
        if (--in_degree[e.to] == 0) next.push_back(e.to);
      }
    }
    std::sort(next.begin(), next.end());
    layer = std::move(next);
  }
  for (size_t v = 0; v < n; ++v) {
    if (!done[v]) order.emplace_back(g.ids[v]);
  }
  return order;
}

}  // namespace topolab
