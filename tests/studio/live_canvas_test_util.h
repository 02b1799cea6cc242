// What the live-canvas tests share: a topology from YAML text, and a scene
// rendered to an image for pixel checks.
#pragma once

#include <QGraphicsScene>
#include <QImage>
#include <QPainter>
#include <QtGlobal>

#include "topolab/engine/spec.h"

namespace topolab::testing {

inline Topology topologyOrDie(const char* yaml, const char* file) {
  LoadResult r = parseTopology(yaml, file);
  if (!r.ok()) qFatal("the test topology %s does not load", file);
  return *r.topology;
}

// `area` of the scene, on white.
inline QImage renderScene(QGraphicsScene& scene, const QRectF& area) {
  QImage img(area.size().toSize(), QImage::Format_ARGB32);
  img.fill(Qt::white);
  QPainter p(&img);
  scene.render(&p, QRectF(QPointF(0, 0), area.size()), area);
  return img;
}

}  // namespace topolab::testing
