// Exporting the canvas as a picture: PNG (raster, 2× for sharp text) and SVG.
#pragma once

#include <QString>

namespace topolab::widgets {
class TopologyScene;
}

namespace topolab::studio {

[[nodiscard]] bool exportPng(widgets::TopologyScene& scene, const QString& path, QString* error);
[[nodiscard]] bool exportSvg(widgets::TopologyScene& scene, const QString& path, QString* error);

}  // namespace topolab::studio
