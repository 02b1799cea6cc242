// Internal seams of the spec library: the YAML reader and the validator are
// separate steps that parseTopology() chains.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "topolab/engine/spec.h"

namespace topolab::spec {

struct ReadResult {
  std::optional<Topology> topology;
  bool version_reported = false;  // the reader already reported a bad `topolab:` value
};

// Reads the YAML text (already prescanned) into the model, reporting problems
// of shape and syntax: unknown keys, values of the wrong kind, unknown enum names.
ReadResult readTopology(std::string_view text, std::string_view file_name,
                        std::vector<Diagnostic>& errors);

struct ValidateOptions {
  const std::vector<std::string>* agent_names = nullptr;
  bool check_version = true;
};

// Checks the model's meaning against the format and the catalogue; appends to `out`.
void validateInto(const Topology& topology, std::string_view file_name, const Catalogue& catalogue,
                  const ValidateOptions& options, std::vector<Diagnostic>& out);

// Orders diagnostics by position (those without one last), keeping the order of equals.
void sortDiagnostics(std::vector<Diagnostic>& diagnostics);

}  // namespace topolab::spec
