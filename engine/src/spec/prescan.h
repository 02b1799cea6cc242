// A cheap scan of a topology file's raw text, run before the YAML parser sees
// it: size, control characters and nesting depth. yaml-cpp parses recursively,
// so deeply nested input must be refused before it can exhaust the stack.
#pragma once

#include <optional>
#include <string_view>

#include "topolab/engine/spec.h"

namespace topolab::spec {

// The first reason `text` must not be parsed, or nullopt.
std::optional<Diagnostic> prescanText(std::string_view text, std::string_view file_name);

}  // namespace topolab::spec
