// ReplicaSetItem: up to kShown follower boxes, centred under the primary.
#include "replica_set_item.h"

#include <QPainter>

#include "topolab/widgets/topology_scene.h"

namespace topolab::widgets {
namespace {

constexpr int kShown = 4;  // more followers fold into the last box ("+3")
constexpr qreal kGap = 8;

// The param's text as written, or its schema default.
QString paramOrDefault(const TopologyModel& m, const QString& id, std::string_view name) {
  const Component* c = m.component(id);
  if (const ParamEntry* p = c ? c->param(name) : nullptr) return toQString(p->text);
  if (const ComponentType* type = m.typeOf(id)) {
    if (const ParamSchema* s = type->param(name)) return toQString(s->default_text);
  }
  return {};
}

}  // namespace

ReplicaSetItem::ReplicaSetItem(QString store) : store_(std::move(store)) {
  setZValue(0);
  setAcceptedMouseButtons(Qt::NoButton);
}

TopologyScene* ReplicaSetItem::canvas() const { return static_cast<TopologyScene*>(scene()); }

void ReplicaSetItem::updateGeometry() {
  prepareGeometryChange();
  const TopologyModel& m = canvas()->model();
  const QRectF primary = canvas()->painter().componentRect().translated(m.position(store_));
  const int followers = std::max(0, paramOrDefault(m, store_, "replicas").toInt());
  look_ = {};
  look_.primary = primary;
  look_.mode = paramOrDefault(m, store_, "mode");
  look_.followers = followers;
  if (const QList<LiveReplica>* live = canvas()->liveReplicas(store_)) look_.live = *live;
  const CanvasPainter::ReplicaSetMetrics metrics = canvas()->painter().replicaSetMetrics();
  const int boxes = std::min(followers, kShown);
  const qreal row = boxes * metrics.box.width() + std::max(0, boxes - 1) * kGap;
  qreal x = primary.center().x() - row / 2;
  for (int i = 0; i < boxes; ++i, x += metrics.box.width() + kGap) {
    look_.replicas.append(QRectF(QPointF(x, primary.bottom() + metrics.drop), metrics.box));
    const bool folded = i == kShown - 1 && followers > kShown;
    look_.labels.append(folded ? QStringLiteral("+%1").arg(followers - kShown + 1)
                               : QObject::tr("replica %1").arg(i + 1));
  }
  QRectF frame = primary;
  for (const QRectF& r : look_.replicas) frame = frame.united(r);
  look_.frame = frame.adjusted(-10, -metrics.top, 10, 8);
  look_.title = followers == 0 ? QObject::tr("primary only")
                               : QObject::tr("replica set · %1").arg(look_.mode);
}

QRectF ReplicaSetItem::boundingRect() const { return look_.frame.adjusted(-2, -2, 2, 2); }

void ReplicaSetItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  canvas()->painter().paintReplicaSet(*painter, look_);
}

}  // namespace topolab::widgets
