// A dark QPalette for the Fusion style (`topolab-studio --dark`), so the dark
// look can be used and checked where the desktop offers no dark theme.
#pragma once

#include <QPalette>

namespace topolab::studio {

QPalette darkPalette();

}  // namespace topolab::studio
