// Studio-side checks of what a topology's own programs need on this machine:
// each multilang component's resources folder, its program (command[0]: a name
// found on PATH, or a path, relative ones in the resources folder) and the
// script files its command names. The engine's validator never looks at the
// filesystem; the studio does, relative to the document's folder.
#pragma once

#include <QString>
#include <vector>

#include "topolab/engine/catalogue.h"
#include "topolab/engine/topology.h"
#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

// The problems of every component whose type runs a program. `baseFolder` is
// the topology file's folder (empty: unknown, so relative folders and paths
// are not checked); `searchPath` is the PATH a program's name is looked up in
// unless the component's `env` sets its own. Each problem names its component
// and, with `positions`, the line of the param it is about.
std::vector<widgets::Problem> programProblems(const Topology& topology, const Catalogue& catalogue,
                                              const QString& baseFolder, const QString& searchPath,
                                              bool positions = false);

// The PATH programs are looked up in: this process's, or the engine's fallback.
QString defaultSearchPath();

}  // namespace topolab::studio
