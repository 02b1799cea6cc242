// PoolItem: the frame is the union of the members' rectangles, padded.
#include "pool_item.h"

#include <QPainter>

#include "topolab/widgets/topology_scene.h"

namespace topolab::widgets {

PoolItem::PoolItem(QString balancer) : balancer_(std::move(balancer)) { setZValue(0); }

TopologyScene* PoolItem::canvas() const { return static_cast<TopologyScene*>(scene()); }

void PoolItem::updateGeometry() {
  prepareGeometryChange();
  const TopologyModel& m = canvas()->model();
  const QRectF box = canvas()->painter().componentRect();
  const std::string key = toStd(balancer_);
  QRectF rect;
  for (const Stream& s : m.topology().streams) {
    if (s.from != key || !m.component(toQString(s.to))) continue;
    rect = rect.united(box.translated(m.position(toQString(s.to))));
  }
  rect_ = rect.isNull() ? QRectF() : rect.adjusted(-16, -26, 22, 16);
  setVisible(!rect_.isNull());
}

QRectF PoolItem::boundingRect() const { return rect_.adjusted(-2, -2, 2, 2); }

void PoolItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  const TopologyModel& m = canvas()->model();
  const Component* c = m.component(balancer_);
  QString policy;
  if (const ParamEntry* p = c ? c->param("policy") : nullptr) {
    policy = toQString(p->text);
  } else if (const ComponentType* type = m.typeOf(balancer_)) {
    if (const ParamSchema* s = type->param("policy")) policy = toQString(s->default_text);
  }
  canvas()->painter().paintPool(*painter, {rect_, QObject::tr("%1 pool").arg(policy)});
}

}  // namespace topolab::widgets
