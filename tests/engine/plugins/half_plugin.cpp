// A test plugin whose second type's name is taken (`filter` is built in):
// its first type must not be added either.
#include "topolab/engine/plugin.h"

TOPOLAB_PLUGIN_EXPORT int topolab_plugin_sdk_version() { return TOPOLAB_SDK_VERSION; }

TOPOLAB_PLUGIN_EXPORT int topolab_plugin_register(topolab::PluginRegistrar* r) {
  using namespace topolab;
  auto factory = [](const Params&, const OperatorContext&) -> OperatorPtr { return nullptr; };
  r->add(ComponentType{.name = "test-half", .role = Role::Bolt, .factory = factory});
  r->add(ComponentType{.name = "filter", .role = Role::Bolt, .factory = factory});
  return 0;
}
