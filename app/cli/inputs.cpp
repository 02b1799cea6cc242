// Loading a topology file with `--set` overrides (see inputs.h).
#include "inputs.h"

#include <iostream>

#include "topolab/engine/spec.h"

namespace topolab::cli {

std::optional<Topology> loadWithOverrides(const std::string& file,
                                          const std::vector<std::string>& overrides,
                                          const Catalogue& catalogue) {
  LoadResult r = loadTopologyFile(file, catalogue);
  if (!r.ok()) {
    for (const Diagnostic& d : r.errors) std::cerr << d.format() << '\n';
    return std::nullopt;
  }
  Topology t = std::move(*r.topology);
  for (const std::string& o : overrides) {
    std::string error;
    if (!applyOverride(t, o, &error)) {
      std::cerr << file << ": error: --set " << o << ": " << error << '\n';
      return std::nullopt;
    }
  }
  if (!overrides.empty()) {
    const auto errors = validateTopology(t, file, catalogue);
    if (!errors.empty()) {
      for (const Diagnostic& d : errors) std::cerr << d.format() << " (after --set)\n";
      return std::nullopt;
    }
  }
  return t;
}

std::optional<control::ClusterFile> loadCluster(const std::string& file, bool read_secrets) {
  control::ClusterLoadOptions options;
  options.read_secrets = read_secrets;
  control::ClusterLoadResult r = control::loadClusterFile(file, options);
  if (!r.ok()) {
    for (const Diagnostic& d : r.errors) std::cerr << d.format() << '\n';
    return std::nullopt;
  }
  return std::move(*r.cluster);
}

}  // namespace topolab::cli
