// Topology files (format v1): reading with every problem reported as
// FILE:LINE:COL, validation against the catalogue, the canonical writer, and
// the views of a topology that the CLI, studio and runtime share (graph order,
// Graphviz export, resolved params, `--set` overrides).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/engine/catalogue.h"
#include "topolab/engine/topology.h"

namespace topolab {

inline constexpr int kFormatVersion = 1;

// Caps on what a topology file may hold, so hostile input fails fast with a
// message naming the cap instead of exhausting memory or stack.
inline constexpr size_t kMaxFileBytes = 4 * 1024 * 1024;
inline constexpr int kMaxNestingDepth = 32;
inline constexpr size_t kMaxComponents = 10'000;
inline constexpr size_t kMaxStreams = 100'000;
inline constexpr size_t kMaxParamsPerComponent = 64;
inline constexpr size_t kMaxParamItems = 1024;  // items of one list or map param
inline constexpr int kMaxParallelism = 1024;

// One problem found in a topology file.
struct Diagnostic {
  std::string file;
  Mark mark;  // line 0: not tied to a position
  std::string message;

  // "FILE:LINE:COL: error: MESSAGE" (gcc style), or "FILE: error: MESSAGE" without a position.
  std::string format() const;
};

struct LoadResult {
  // Set whenever the file was well-formed YAML with a mapping at the top, even
  // if it has errors (so an editor can show it); run only when ok().
  std::optional<Topology> topology;
  std::vector<Diagnostic> errors;  // sorted by position

  bool ok() const { return topology && errors.empty(); }
};

// Parses and validates `yaml_text`, reporting all problems (never throws).
[[nodiscard]] LoadResult parseTopology(std::string_view yaml_text, std::string_view file_name,
                                       const Catalogue& catalogue = Catalogue::instance());

// Reads `path` (at most kMaxFileBytes) and parses it; an unreadable file gives one diagnostic.
[[nodiscard]] LoadResult loadTopologyFile(const std::string& path,
                                          const Catalogue& catalogue = Catalogue::instance());

// Checks a model (from a file or edited in memory) against the format and the
// catalogue. Placement is checked only when `agent_names` is given.
[[nodiscard]] std::vector<Diagnostic> validateTopology(
    const Topology& topology, std::string_view file_name, const Catalogue& catalogue,
    const std::vector<std::string>* agent_names = nullptr);

// The canonical YAML text of `topology`. Comments are not kept; a file already
// in canonical form saves back byte for byte.
std::string writeTopology(const Topology& topology);

// True when both describe the same topology as written (source marks ignored).
[[nodiscard]] bool sameTopology(const Topology& a, const Topology& b);

// The component's params typed by its schema, with defaults applied; nullopt
// with `error` set when a param is unknown, ill-typed, out of range or missing.
[[nodiscard]] std::optional<Params> resolveParams(const Component& component,
                                                  const ComponentType& type, std::string* error);

// The field names a component declares for the tuples it emits (a multilang
// program's `fields`), or none; a fields grouping downstream may use them as
// well as key and value. Field 0 is also the tuple's key, field 1 its value.
std::vector<std::string> outputFields(const Component& component, const Catalogue& catalogue);

// Applies "ID.PARAM=VALUE" (the CLI's `--set`); `ID.parallelism=N` sets the
// parallelism. Checks the value against the param's schema when the type is
// known; the caller re-validates the whole topology afterwards.
[[nodiscard]] bool applyOverride(Topology& topology, std::string_view assignment,
                                 std::string* error);

// A Graphviz digraph: producers, bolts and sinks by shape and colour, streams
// labelled with their grouping (and transport when not auto), parallelism shown.
std::string exportDot(const Topology& topology, const Catalogue& catalogue = Catalogue::instance());

// An haproxy.cfg for the load-balancers of `topology`: global and defaults
// sections, then per balancer a frontend (bound to 127.0.0.1:8080, 8180, … in
// file order) and a backend whose `balance` follows the policy (round-robin →
// roundrobin, least-outstanding → leastconn, consistent-hash → uri with
// `hash-type consistent`, random → random) and whose `server` lines, one per
// member instance, are checked every health_check_ms. A member serves on the
// host `member_hosts` gives for "component#index" (127.0.0.1 when absent) at
// its frontend's port + 1, + 2, …. nullopt with `error` set when there is no
// load-balancer.
[[nodiscard]] std::optional<std::string> exportHaproxy(
    const Topology& topology, const std::map<std::string, std::string>& member_hosts,
    std::string* error, const Catalogue& catalogue = Catalogue::instance());

// Component ids in topological order: sources first, then each layer in file
// order. Components on a cycle come last, in file order, so every id appears once.
std::vector<std::string> topologicalOrder(const Topology& topology);

}  // namespace topolab
