// TopologyView: zoom and pan; selection and editing gestures belong to the scene.
#include "topolab/widgets/topology_view.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QWheelEvent>
#include <algorithm>

#include "topolab/widgets/topology_scene.h"

namespace topolab::widgets {

constexpr qreal kMinZoom = 0.1;
constexpr qreal kMaxZoom = 4.0;

TopologyView::TopologyView(TopologyScene& scene, QWidget* parent)
    : QGraphicsView(&scene, parent), scene_(scene) {
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  setDragMode(QGraphicsView::RubberBandDrag);
  setRubberBandSelectionMode(Qt::IntersectsItemShape);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
  setAcceptDrops(true);
  setFrameShape(QFrame::NoFrame);
}

void TopologyView::zoomBy(qreal factor) {
  const qreal target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
  const qreal f = target / zoom();
  scale(f, f);
}

void TopologyView::fitAll() {
  const QRectF r = scene_.contentsRect();
  setSceneRect(r.adjusted(-2000, -2000, 2000, 2000));
  fitInView(r, Qt::KeepAspectRatio);
  if (zoom() > 1.0) {
    resetTransform();
  }
  centerOn(r.center());
}

void TopologyView::wheelEvent(QWheelEvent* event) {
  const int delta = event->angleDelta().y();
  if (delta == 0) {
    QGraphicsView::wheelEvent(event);
    return;
  }
  zoomBy(std::pow(1.0015, delta));
  event->accept();
}

void TopologyView::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::MiddleButton) {
    // Qt pans only with the left button in ScrollHandDrag: replay the press as one.
    setDragMode(QGraphicsView::ScrollHandDrag);
    QMouseEvent press(event->type(), event->position(), event->globalPosition(), Qt::LeftButton,
                      Qt::LeftButton, event->modifiers());
    QGraphicsView::mousePressEvent(&press);
    return;
  }
  QGraphicsView::mousePressEvent(event);
}

void TopologyView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() == Qt::MiddleButton) {
    QMouseEvent release(event->type(), event->position(), event->globalPosition(), Qt::LeftButton,
                        Qt::NoButton, event->modifiers());
    QGraphicsView::mouseReleaseEvent(&release);
    setDragMode(QGraphicsView::RubberBandDrag);
    return;
  }
  QGraphicsView::mouseReleaseEvent(event);
}

void TopologyView::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
    setDragMode(QGraphicsView::ScrollHandDrag);
    setInteractive(false);
    return;
  }
  QGraphicsView::keyPressEvent(event);
}

void TopologyView::keyReleaseEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
    setInteractive(true);
    setDragMode(QGraphicsView::RubberBandDrag);
    return;
  }
  QGraphicsView::keyReleaseEvent(event);
}

}  // namespace topolab::widgets
