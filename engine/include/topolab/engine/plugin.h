// The plugin SDK's entry points: what a library of component types built
// outside TopoLab exports so that `--plugin-dir` loads it. A plugin includes
// this header, links topolab::engine and defines both functions below, e.g.
//
//   TOPOLAB_PLUGIN_EXPORT int topolab_plugin_sdk_version() { return TOPOLAB_SDK_VERSION; }
//   TOPOLAB_PLUGIN_EXPORT int topolab_plugin_register(topolab::PluginRegistrar* r) {
//     r->add(topolab::ComponentType{.name = "my-bolt", ...});
//     return 0;
//   }
#pragma once

#include <string>

#include "topolab/engine/catalogue.h"
#include "topolab/engine/operator.h"
#include "topolab/engine/tuple.h"

// The version of everything a plugin compiles against (Operator, Emitter,
// OperatorContext, Tuple, ComponentType, Params). It changes whenever one of
// them changes layout or meaning; a plugin loads only into an engine of the
// same version.
#define TOPOLAB_SDK_VERSION 2

#define TOPOLAB_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

namespace topolab {

// Handed to topolab_plugin_register: collects the plugin's component types.
// They are added to the catalogue only once the plugin returned 0 and none of
// their names is taken.
class PluginRegistrar {
 public:
  virtual ~PluginRegistrar() = default;
  // A type with a name, role, params schema and a factory (required).
  virtual void add(ComponentType type) = 0;
};

}  // namespace topolab

// What a plugin defines. The version is checked before anything else is
// called; register returns 0 on success, anything else refuses the plugin.
extern "C" int topolab_plugin_sdk_version();
extern "C" int topolab_plugin_register(topolab::PluginRegistrar* registrar);
