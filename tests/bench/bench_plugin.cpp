// A plugin for the benchmark: `plugin-work` is the built-in `work` type's own
// operator, made through the plugin interface, so the two differ only in
// being a plugin (loaded with dlopen, behind the loader's wrapper).
#include "topolab/engine/plugin.h"

TOPOLAB_PLUGIN_EXPORT int topolab_plugin_sdk_version() { return TOPOLAB_SDK_VERSION; }

TOPOLAB_PLUGIN_EXPORT int topolab_plugin_register(topolab::PluginRegistrar* r) {
  using namespace topolab;
  const ComponentType* work = Catalogue::instance().find("work");
  if (work == nullptr || !work->factory) return 1;
  ComponentType copy = *work;
  copy.name = "plugin-work";
  copy.doc = "The built-in work operator, as a plugin (benchmark)";
  r->add(std::move(copy));
  return 0;
}
