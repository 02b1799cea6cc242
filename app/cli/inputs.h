// Reading what a command is given: a topology file with its `--set`
// overrides, a cluster file; every problem printed as FILE:LINE:COL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "topolab/control/cluster.h"
#include "topolab/engine/catalogue.h"
#include "topolab/engine/topology.h"

namespace topolab::cli {

// Loads `file` and applies ID.PARAM=VALUE `overrides`; prints problems on
// stderr and returns nullopt when the input is invalid.
std::optional<Topology> loadWithOverrides(const std::string& file,
                                          const std::vector<std::string>& overrides,
                                          const Catalogue& catalogue = Catalogue::instance());

// Loads a cluster file (reading token and TLS files when `read_secrets`);
// prints problems on stderr and returns nullopt when it is invalid.
std::optional<control::ClusterFile> loadCluster(const std::string& file, bool read_secrets = true);

}  // namespace topolab::cli
