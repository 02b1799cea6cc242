// The YAML layer under the topology reader: one document parsed by yaml-cpp,
// with syntax errors, an empty file and trailing documents reported as
// diagnostics. Every yaml-cpp exception stops here or in parseTopology().
#pragma once

#include <yaml-cpp/mark.h>
#include <yaml-cpp/node/node.h>

#include <optional>
#include <string_view>
#include <vector>

#include "topolab/engine/spec.h"

namespace topolab::spec {

// yaml-cpp's 0-based position as the 1-based Mark of the model; unset for a null mark.
inline Mark toMark(const YAML::Mark& m) {
  if (m.is_null() || m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

// The first document's root (a null node for a document with no content), or
// nullopt after reporting a syntax error or an empty file.
std::optional<YAML::Node> loadOneDocument(std::string_view text, std::string_view file_name,
                                          std::vector<Diagnostic>& errors);

}  // namespace topolab::spec
