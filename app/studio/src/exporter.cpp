// Exporter: renders the scene's contents (not the viewport) without selection.
#include "exporter.h"

#include <QImage>
#include <QPainter>
#include <QSvgGenerator>

#include "topolab/widgets/topology_scene.h"

namespace topolab::studio {
namespace {

// Renders without the selection highlight, then restores it.
void render(widgets::TopologyScene& scene, QPainter& painter, const QRectF& target) {
  const QStringList selected = scene.selectedIds();
  scene.clearSelection();
  scene.render(&painter, target, scene.contentsRect());
  scene.selectIds(selected);
}

}  // namespace

bool exportPng(widgets::TopologyScene& scene, const QString& path, QString* error) {
  const QRectF source = scene.contentsRect();
  constexpr qreal kScale = 2.0;
  QImage image((source.size() * kScale).toSize(), QImage::Format_ARGB32_Premultiplied);
  image.fill(scene.painter().colors().background);
  {
    QPainter painter(&image);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    render(scene, painter, QRectF(QPointF(0, 0), image.size()));
  }
  if (!image.save(path, "PNG")) {
    if (error) *error = QObject::tr("Cannot write %1").arg(path);
    return false;
  }
  return true;
}

bool exportSvg(widgets::TopologyScene& scene, const QString& path, QString* error) {
  const QRectF source = scene.contentsRect();
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(source.size().toSize());
  svg.setViewBox(QRectF(QPointF(0, 0), source.size()));
  svg.setTitle(QStringLiteral("TopoLab topology"));
  QPainter painter;
  if (!painter.begin(&svg)) {
    if (error) *error = QObject::tr("Cannot write %1").arg(path);
    return false;
  }
  render(scene, painter, QRectF(QPointF(0, 0), source.size()));
  painter.end();
  return true;
}

}  // namespace topolab::studio
