// EdgeItem: a cubic curve between ports, labelled with the stream's grouping.
#include "edge_item.h"

#include <QPainter>
#include <QPainterPathStroker>
#include <QStyleOptionGraphicsItem>

#include "topolab/engine/catalogue.h"
#include "topolab/widgets/topology_scene.h"

namespace topolab::widgets {
namespace {

QString groupingLabel(const Grouping& g) {
  if (!g.present) return {};
  QString text = toQString(std::string(toString(g.type)));
  if (!g.fields.empty()) {
    QStringList fields;
    for (const std::string& f : g.fields) fields << toQString(f);
    text += QStringLiteral(" [%1]").arg(fields.join(QStringLiteral(", ")));
  }
  return text;
}

}  // namespace

EdgeItem::EdgeItem(QString from, QString to) : from_(std::move(from)), to_(std::move(to)) {
  setFlags(ItemIsSelectable);
  setZValue(1);
}

TopologyScene* EdgeItem::canvas() const { return static_cast<TopologyScene*>(scene()); }

void EdgeItem::updateGeometry() {
  prepareGeometryChange();
  const TopologyModel& m = canvas()->model();
  const CanvasPainter& p = canvas()->painter();
  const QPointF a = m.position(from_) + p.outPort();
  const QPointF b = m.position(to_) + p.inPort() - QPointF(p.portRadius() - 2, 0);
  const qreal dx = std::max(40.0, std::abs(b.x() - a.x()) * 0.5);
  QPainterPath path(a);
  path.cubicTo(a + QPointF(dx, 0), b - QPointF(dx, 0), b);
  path_ = path;
  const EdgeLook l = look();
  bounds_ =
      path_.boundingRect().adjusted(-8, -8, 8, 8).united(p.edgeLabelRect(l).adjusted(-2, -2, 2, 2));
}

EdgeLook EdgeItem::look() const {
  const TopologyModel& m = canvas()->model();
  EdgeLook look;
  look.path = path_;
  // Labels sit just above the middle of the curve, so the line and its arrow stay visible.
  look.label_at = path_.pointAtPercent(0.5) - QPointF(0, 11);
  const int index = m.streamIndex(from_, to_);
  const Component* source = m.component(from_);
  look.from_balancer = source && traitsOf(source->type).shape == ComponentTraits::Shape::Balancer;
  if (index >= 0) {
    const Stream& s = m.topology().streams[static_cast<size_t>(index)];
    // A balancer ignores its streams' groupings: its pool frame says how it spreads.
    if (!look.from_balancer) look.label = groupingLabel(s.grouping);
    if (s.transport) look.transport = toQString(std::string(toString(*s.transport)));
  }
  look.problem = !m.problemsOfStream(from_, to_).isEmpty();
  look.live = canvas()->liveEdge(from_, to_);
  return look;
}

QRectF EdgeItem::boundingRect() const { return bounds_; }

QPainterPath EdgeItem::shape() const {
  QPainterPathStroker stroker;
  stroker.setWidth(10);
  QPainterPath s = stroker.createStroke(path_);
  if (canvas()) s.addRect(canvas()->painter().edgeLabelRect(look()));
  return s;
}

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
  EdgeLook l = look();
  l.selected = option->state & QStyle::State_Selected;
  canvas()->painter().paintEdge(*painter, l);
}

}  // namespace topolab::widgets
