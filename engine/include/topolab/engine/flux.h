// Apache Storm Flux files: importing one as a TopoLab topology (`topolab
// import`) and exporting a topology as one that Storm's Flux loads (`topolab
// export --to flux`). What maps to what is in docs/design-additions.md, "Flux".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/engine/catalogue.h"
#include "topolab/engine/spec.h"
#include "topolab/engine/topology.h"

namespace topolab {

struct FluxImportOptions {
  // Where the TopoLab file will be written; relative paths in it (shell
  // components' `resources`) are made relative to its folder. Empty: stdout,
  // so relative to the current directory.
  std::string output_path;
  // The `resources` of every shell component, as written (relative to the
  // output's folder, or absolute). Empty: the Flux file's folder relative to
  // the output's folder (omitted when that is the output's folder itself).
  std::string resources;
  // Flux's `--filter`: a Java properties file whose keys replace `${key}`.
  std::string properties_file;
  // Flux's `-e`/`--env-filter`: `${ENV-NAME}` is replaced by $NAME.
  bool env_substitution = false;
};

struct FluxImport {
  // Set once the Flux file could be mapped, even when the mapped topology did
  // not validate; use it only when ok().
  std::optional<Topology> topology;
  std::vector<Diagnostic> errors;    // sorted by file and position
  std::vector<Diagnostic> warnings;  // print with formatWarning()

  bool ok() const { return topology && errors.empty(); }
};

// Reads the Flux file at `path` (with its includes) and maps it to a
// topology that passes validateTopology(), reporting every problem with its
// file, line and column; never throws.
[[nodiscard]] FluxImport importFlux(const std::string& path, const FluxImportOptions& options,
                                    const Catalogue& catalogue = Catalogue::instance());

// The same for Flux text already in memory; `path` names it in diagnostics and
// its folder is where includes and the default resources are found.
[[nodiscard]] FluxImport importFluxText(std::string_view text, const std::string& path,
                                        const FluxImportOptions& options,
                                        const Catalogue& catalogue = Catalogue::instance());

// A Flux file for `topology` that Storm's Flux loads: shell components as
// FluxShellSpout/FluxShellBolt, a kafka-source as Storm's KafkaSpout,
// placeholders as their Java class, other types as org.topolab.flux.<Type>
// (which Storm lacks: one warning each).
// What Storm has no place for is kept under `topolab.` keys, so importing
// the result gives `topology` back (all but its layout).
[[nodiscard]] std::string exportFlux(const Topology& topology,
                                     const Catalogue& catalogue = Catalogue::instance(),
                                     std::vector<std::string>* warnings = nullptr);

// "FILE:LINE:COL: warning: MESSAGE" (gcc style), or "FILE: warning: MESSAGE".
std::string formatWarning(const Diagnostic& d);

// The Java class under which exportFlux() writes a built-in type:
// "window-count" → "org.topolab.flux.WindowCount".
std::string fluxClassOf(std::string_view type_name);

}  // namespace topolab
