// A test plugin that lacks topolab_plugin_register.
#include "topolab/engine/plugin.h"

TOPOLAB_PLUGIN_EXPORT int topolab_plugin_sdk_version() { return TOPOLAB_SDK_VERSION; }
