// What changed between two topologies: header fields, components, their
// params and placement, and streams, each added, removed or changed, with the
// line it is on in either file. `topolab diff` prints it; the studio can show
// it beside a document. Layout positions are not compared.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "topolab/engine/topology.h"

namespace topolab {

enum class ChangeKind { Added, Removed, Changed };

// What a change is about. A component's type and parallelism are Component
// changes; its params and placement have their own subjects.
enum class ChangeSubject { Header, Component, Param, Placement, Stream };

struct SpecChange {
  ChangeKind kind = ChangeKind::Changed;
  ChangeSubject subject = ChangeSubject::Header;
  // Header: the field's path ("name", "defaults.delivery", "slo.p99_ms_max").
  // Component, Param, Placement: the component id. Stream: "FROM → TO", with
  // " [STREAM]" for a named output stream.
  std::string id;
  // The property that changed: "type" or "parallelism" of a component, the
  // param's name, "grouping" or "transport" of a stream; empty otherwise.
  std::string field;
  // Stream changes: the stream's ends and named output stream (empty: default).
  std::string from, to, stream_id;
  // The values as a file would write them ("fields [key]", "[node-a]");
  // absent on the side where the item is not. An added component's new value
  // is its type.
  std::optional<std::string> old_value, new_value;
  // The value is not written in that file; it is the default shown.
  bool old_is_default = false, new_is_default = false;
  int line_a = 0;  // where it is in the first file; 0: not written there
  int line_b = 0;  // where it is in the second file; 0: not written there
};

struct SpecDiff {
  // Header first, then components (the first file's order, then those only in
  // the second), then streams in the same way.
  std::vector<SpecChange> changes;

  bool empty() const { return changes.empty(); }
};

// Compares `a` with `b` as written, except that a value with a documented
// default (parallelism 1, grouping shuffle, transport auto, the `defaults`
// fields) counts as that value when it is left out, so writing the default
// out is no change. Components match by id, streams by from, to and named
// output stream. Param values compare as written (20 and 20.0 differ).
[[nodiscard]] SpecDiff diffTopologies(const Topology& a, const Topology& b);

std::string_view toString(ChangeKind kind);        // "added", "removed", "changed"
std::string_view toString(ChangeSubject subject);  // "header", "component", "param", …

// One line for a person, without the file positions: "component enrich: param
// cost_us 20 → 30", "stream enrich → audit", "header defaults.delivery
// at-most-once (default) → at-least-once".
std::string describe(const SpecChange& change);

}  // namespace topolab
