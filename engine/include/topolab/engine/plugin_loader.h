// Loading plugins (see plugin.h) from the directories named with --plugin-dir.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "topolab/engine/catalogue.h"
#include "topolab/engine/topology.h"

namespace topolab {

struct PluginLoadReport {
  std::vector<std::string> types;   // types added, in load order
  std::vector<std::string> errors;  // one per refused directory or file, naming it and why
  bool ok() const { return errors.empty(); }
};

// Loads every `*.so` in `dir` (in name order) with dlopen(RTLD_NOW |
// RTLD_LOCAL) and adds its types to `catalogue`. Refuses a directory or file
// that is group- or world-writable, or owned by a user other than this
// process's and root; a plugin whose SDK version differs or that lacks an
// entry point, fails to register, or offers a type whose name is taken. A
// refused plugin adds nothing. Loaded plugins are never unloaded.
[[nodiscard]] PluginLoadReport loadPluginDir(const std::string& dir,
                                             Catalogue& catalogue = Catalogue::instance());

// Every directory in turn; the reports merged.
[[nodiscard]] PluginLoadReport loadPluginDirs(const std::vector<std::string>& dirs,
                                              Catalogue& catalogue = Catalogue::instance());

// The names of the types plugins added to `catalogue`, sorted.
std::vector<std::string> pluginTypeNames(const Catalogue& catalogue = Catalogue::instance());

// A copy of `catalogue` plus a stand-in for each of `types` it lacks, shaped
// by how `t` uses the type: its role read from the streams (no input a
// producer, no output a sink) and its params taken as written. Stand-ins let
// a topology whose plugin components run elsewhere (on agents that offer
// the type) be validated and wired here; a stand-in's factory throws
// `"<type>: " + elsewhere`, it never runs.
std::unique_ptr<Catalogue> withStandIns(const Topology& t, const std::set<std::string>& types,
                                        const std::string& elsewhere,
                                        const Catalogue& catalogue = Catalogue::instance());

}  // namespace topolab
