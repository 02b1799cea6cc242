// A test plugin built for another SDK version: refused before it registers.
#include <cstdlib>

#include "topolab/engine/plugin.h"

TOPOLAB_PLUGIN_EXPORT int topolab_plugin_sdk_version() { return TOPOLAB_SDK_VERSION + 1000; }

TOPOLAB_PLUGIN_EXPORT int topolab_plugin_register(topolab::PluginRegistrar*) { std::abort(); }
