// PortItem: its geometry and look come from the scene's painter.
#include "port_item.h"

#include <QStyleOptionGraphicsItem>

#include "component_item.h"
#include "topolab/widgets/topology_scene.h"

namespace topolab::widgets {

PortItem::PortItem(Side side, QGraphicsItem* parent) : QGraphicsItem(parent), side_(side) {
  setAcceptHoverEvents(true);
  setCursor(Qt::CrossCursor);
  setZValue(1);
}

QString PortItem::componentId() const {
  return static_cast<const ComponentItem*>(parentItem())->id();
}

QRectF PortItem::boundingRect() const {
  const auto* canvas = static_cast<TopologyScene*>(scene());
  if (!canvas) return {};
  const CanvasPainter& p = canvas->painter();
  const QPointF at = side_ == Side::In ? p.inPort() : p.outPort();
  const qreal r = p.portRadius() + 3;
  return {at.x() - r, at.y() - r, 2 * r, 2 * r};
}

void PortItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
  const auto* canvas = static_cast<TopologyScene*>(scene());
  const CanvasPainter& p = canvas->painter();
  canvas->painter().paintPort(*painter, side_ == Side::In ? p.inPort() : p.outPort(),
                              canvas->model().roleOf(componentId()),
                              option->state & QStyle::State_MouseOver);
}

}  // namespace topolab::widgets
