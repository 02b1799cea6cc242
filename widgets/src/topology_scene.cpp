// TopologyScene: keeps items in step with the model and reports gestures.
#include "topolab/widgets/topology_scene.h"

#include <QGraphicsPathItem>
#include <QGraphicsSceneDragDropEvent>
#include <QGraphicsSceneMouseEvent>
#include <QMimeData>
#include <QPainter>
#include <QSignalBlocker>
#include <algorithm>
#include <cmath>

#include "component_item.h"
#include "edge_item.h"
#include "pool_item.h"
#include "port_item.h"
#include "replica_set_item.h"
#include "topolab/engine/catalogue.h"
#include "topolab/widgets/live_painter.h"

namespace topolab::widgets {

constexpr qreal kGrid = 10;

TopologyScene::TopologyScene(TopologyModel& model, const CanvasPainter& painter, QObject* parent)
    : QGraphicsScene(parent), model_(model), painter_(&painter), designPainter_(&painter) {
  setItemIndexMethod(QGraphicsScene::BspTreeIndex);
  connect(&model_, &TopologyModel::modelReset, this, &TopologyScene::rebuild);
  connect(&model_, &TopologyModel::componentAdded, this, [this](const QString& id) {
    addComponentItem(id);
    rebuildPools();
  });
  connect(&model_, &TopologyModel::componentRemoved, this, [this](const QString& id) {
    removeComponentItem(id);
    rebuildEdges();
    rebuildPools();
  });
  connect(&model_, &TopologyModel::componentMoved, this, &TopologyScene::followMove);
  connect(&model_, &TopologyModel::componentChanged, this, [this](const QString& id) {
    if (ComponentItem* item = itemFor(id)) item->update();
    rebuildPools();
  });
  connect(&model_, &TopologyModel::componentRenamed, this,
          [this](const QString& from, const QString& to) {
            if (ComponentItem* item = components_.take(from)) {
              item->setId(to);
              components_.insert(to, item);
            }
            rebuildEdges();
            rebuildPools();
          });
  auto streamsChanged = [this](const QString&, const QString&) {
    rebuildEdges();
    rebuildPools();
  };
  connect(&model_, &TopologyModel::streamAdded, this, streamsChanged);
  connect(&model_, &TopologyModel::streamRemoved, this, streamsChanged);
  connect(&model_, &TopologyModel::streamChanged, this, streamsChanged);
  connect(&model_, &TopologyModel::problemsChanged, this, &TopologyScene::refreshProblems);
  rebuild();
}

TopologyScene::~TopologyScene() {
  // Items ask the scene for live figures while being deleted with it.
  clear();
}

void TopologyScene::setPainter(const CanvasPainter& painter) {
  designPainter_ = &painter;
  if (livePainter_) {
    livePainter_->setBase(painter);
  } else {
    painter_ = &painter;
  }
  rebuild();
}

void TopologyScene::showLive(const topolab::Snapshot& prev, const topolab::Snapshot& cur) {
  live_ = std::make_unique<LiveFigures>(liveFigures(model_.topology(), prev, cur));
  for (auto it = exits_.cbegin(); it != exits_.cend(); ++it) {
    if (live_->components.contains(it.key())) live_->components[it.key()].exits = it.value();
  }
  if (!livePainter_) {
    livePainter_ = std::make_unique<LivePainter>(*designPainter_);
    painter_ = livePainter_.get();
    refreshGeometry();
  }
  refreshLiveItems();
}

bool TopologyScene::showInstanceEvent(qint64 tMs, const QString& kind, const QString& detail) {
  const std::optional<InstanceEvent> event = parseInstanceEvent(kind, detail);
  if (!event || !model_.component(event->component)) return false;
  QList<InstanceExit>& exits = exits_[event->component];
  applyInstanceEvent(exits, *event, tMs);
  if (live_ && live_->components.contains(event->component)) {
    live_->components[event->component].exits = exits;
    refreshLiveItems();
  }
  return true;
}

const QList<InstanceExit>* TopologyScene::instanceExits(const QString& id) const {
  auto it = exits_.constFind(id);
  return it == exits_.constEnd() ? nullptr : &*it;
}

void TopologyScene::refreshLiveItems() {
  for (ComponentItem* item : components_) {
    QStringList tip = model_.problemsOf(item->id());
    if (const QList<LiveReplica>* replicas = liveReplicas(item->id()))
      tip.prepend(replicaToolTip(*replicas));
    if (const LiveComponent* c = liveComponent(item->id()))
      tip.prepend(liveToolTip(item->id(), *c));
    item->setToolTip(tip.join(QLatin1Char('\n')));
    item->update();
  }
  QSet<EdgeItem*> edges;  // each edge is listed under both ends
  for (EdgeItem* e : edgesByEnd_) edges.insert(e);
  for (EdgeItem* e : edges) {
    refreshEdgeToolTip(*e);
    e->update();
  }
  for (ReplicaSetItem* set : replicaSets_) {
    set->updateGeometry();
    set->update();
  }
}

void TopologyScene::clearLive() {
  exits_.clear();
  if (!livePainter_) return;
  painter_ = designPainter_;
  live_.reset();
  refreshGeometry();
  livePainter_.reset();
  refreshProblems();
}

const LiveComponent* TopologyScene::liveComponent(const QString& id) const {
  if (!live_) return nullptr;
  auto it = live_->components.constFind(id);
  return it == live_->components.constEnd() ? nullptr : &*it;
}

const QList<LiveReplica>* TopologyScene::liveReplicas(const QString& store) const {
  if (!live_) return nullptr;
  auto it = live_->replicas.constFind(store);
  return it == live_->replicas.constEnd() ? nullptr : &*it;
}

const LiveEdge* TopologyScene::liveEdge(const QString& from, const QString& to) const {
  if (!live_) return nullptr;
  auto it = live_->edges.constFind({from, to});
  return it == live_->edges.constEnd() ? nullptr : &*it;
}

void TopologyScene::refreshGeometry() {
  for (ComponentItem* item : components_) item->refreshGeometry();
  QSet<EdgeItem*> edges;  // each edge is listed under both ends
  for (EdgeItem* e : edgesByEnd_) edges.insert(e);
  for (EdgeItem* e : edges) e->updateGeometry();
  for (ReplicaSetItem* set : replicaSets_) set->updateGeometry();
  update();
}

QPointF TopologyScene::snap(const QPointF& p) {
  return {std::round(p.x() / kGrid) * kGrid, std::round(p.y() / kGrid) * kGrid};
}

ComponentItem* TopologyScene::itemFor(const QString& id) const { return components_.value(id); }

QGraphicsItem* TopologyScene::componentItem(const QString& id) const { return itemFor(id); }

QGraphicsItem* TopologyScene::streamItem(const QString& from, const QString& to) const {
  for (EdgeItem* e : edgesByEnd_.values(from)) {
    if (e->from() == from && e->to() == to) return e;
  }
  return nullptr;
}

QGraphicsItem* TopologyScene::replicaSetItem(const QString& id) const {
  return replicaSets_.value(id);
}

QStringList TopologyScene::selectedIds() const {
  QStringList ids;
  // In file order, so copy and delete behave the same whatever the click order.
  for (const QString& id : model_.componentIds()) {
    if (ComponentItem* item = itemFor(id); item && item->isSelected()) ids << id;
  }
  return ids;
}

QList<QPair<QString, QString>> TopologyScene::selectedStreams() const {
  QList<QPair<QString, QString>> out;
  for (QGraphicsItem* item : selectedItems()) {
    if (auto* edge = qgraphicsitem_cast<EdgeItem*>(item)) out.append({edge->from(), edge->to()});
  }
  return out;
}

void TopologyScene::selectIds(const QStringList& ids) {
  clearSelection();
  for (const QString& id : ids) {
    if (ComponentItem* item = itemFor(id)) item->setSelected(true);
  }
}

void TopologyScene::selectStream(const QString& from, const QString& to) {
  clearSelection();
  for (EdgeItem* e : edgesByEnd_.values(from)) {
    if (e->from() == from && e->to() == to) e->setSelected(true);
  }
}

QRectF TopologyScene::contentsRect() const {
  QRectF r;
  for (ComponentItem* item : components_) r = r.united(item->sceneBoundingRect());
  for (PoolItem* pool : pools_) {
    if (pool->isVisible()) r = r.united(pool->sceneBoundingRect());
  }
  for (ReplicaSetItem* set : replicaSets_) r = r.united(set->sceneBoundingRect());
  return r.isNull() ? QRectF(-200, -150, 400, 300) : r.adjusted(-40, -40, 40, 40);
}

void TopologyScene::rebuild() {
  clearSelection();
  for (PoolItem* p : pools_) delete p;
  pools_.clear();
  qDeleteAll(replicaSets_);
  replicaSets_.clear();
  QSet<EdgeItem*> edges;  // each edge is listed under both ends
  for (EdgeItem* e : edgesByEnd_) edges.insert(e);
  qDeleteAll(edges);
  edgesByEnd_.clear();
  qDeleteAll(components_);
  components_.clear();
  for (const QString& id : model_.componentIds()) addComponentItem(id);
  rebuildEdges();
  rebuildPools();
  refreshProblems();
}

void TopologyScene::addComponentItem(const QString& id) {
  if (components_.contains(id)) return;
  auto* item = new ComponentItem(id);
  addItem(item);  // the scene owns it from here
  item->setPos(model_.position(id));
  const Role role = model_.roleOf(id);
  if (role != Role::Producer) new PortItem(PortItem::Side::In, item);
  if (role != Role::Sink) new PortItem(PortItem::Side::Out, item);
  components_.insert(id, item);
}

void TopologyScene::removeComponentItem(const QString& id) {
  if (ComponentItem* item = components_.take(id)) delete item;
}

void TopologyScene::rebuildEdges() {
  // A selected stream stays selected across the rebuild (e.g. after its grouping changed),
  // and the scene says the selection changed only when a selected stream is gone.
  QList<QPair<QString, QString>> selected = selectedStreams();
  std::sort(selected.begin(), selected.end());
  {
    const QSignalBlocker quiet(this);
    QSet<EdgeItem*> old;
    for (EdgeItem* e : edgesByEnd_) old.insert(e);
    qDeleteAll(old);
    edgesByEnd_.clear();
    rebuildEdgeItems(selected);
  }
  QList<QPair<QString, QString>> now = selectedStreams();
  std::sort(now.begin(), now.end());
  if (now != selected) emit selectionChanged();
}

void TopologyScene::rebuildEdgeItems(const QList<QPair<QString, QString>>& selected) {
  for (const Stream& s : model_.topology().streams) {
    const QString from = toQString(s.from), to = toQString(s.to);
    if (!components_.contains(from) || !components_.contains(to)) continue;
    auto* edge = new EdgeItem(from, to);
    addItem(edge);
    edge->updateGeometry();
    if (selected.contains(qMakePair(from, to))) edge->setSelected(true);
    refreshEdgeToolTip(*edge);
    edgesByEnd_.insert(from, edge);
    if (to != from) edgesByEnd_.insert(to, edge);
  }
}

void TopologyScene::rebuildPools() {
  QSet<QString> balancers;
  for (const Component& c : model_.topology().components) {
    if (traitsOf(c.type).shape == ComponentTraits::Shape::Balancer)
      balancers.insert(toQString(c.id));
  }
  for (auto it = pools_.begin(); it != pools_.end();) {
    if (!balancers.contains(it.key())) {
      delete it.value();
      it = pools_.erase(it);
    } else {
      ++it;
    }
  }
  for (const QString& id : balancers) {
    PoolItem*& pool = pools_[id];
    if (!pool) {
      pool = new PoolItem(id);
      addItem(pool);
    }
    pool->updateGeometry();
    pool->update();
  }

  QSet<QString> stores;
  for (const Component& c : model_.topology().components) {
    if (traitsOf(c.type).shape == ComponentTraits::Shape::ReplicaSet)
      stores.insert(toQString(c.id));
  }
  for (auto it = replicaSets_.begin(); it != replicaSets_.end();) {
    if (!stores.contains(it.key())) {
      delete it.value();
      it = replicaSets_.erase(it);
    } else {
      ++it;
    }
  }
  for (const QString& id : stores) {
    ReplicaSetItem*& set = replicaSets_[id];
    if (!set) {
      set = new ReplicaSetItem(id);
      addItem(set);
    }
    set->updateGeometry();
    set->update();
  }
}

void TopologyScene::followMove(const QString& id) {
  if (ComponentItem* item = itemFor(id)) {
    const QPointF p = model_.position(id);
    if (item->pos() != p) item->setPos(p);
  }
  for (EdgeItem* e : edgesByEnd_.values(id)) e->updateGeometry();
  for (PoolItem* pool : pools_) pool->updateGeometry();
  if (ReplicaSetItem* set = replicaSets_.value(id)) set->updateGeometry();
}

void TopologyScene::refreshProblems() {
  for (ComponentItem* item : components_) {
    const QStringList problems = model_.problemsOf(item->id());
    item->setToolTip(problems.isEmpty() ? QString() : problems.join(QLatin1Char('\n')));
    item->update();
  }
  QSet<EdgeItem*> edges;
  for (EdgeItem* e : edgesByEnd_) edges.insert(e);
  for (EdgeItem* e : edges) {
    refreshEdgeToolTip(*e);
    e->update();
  }
}

void TopologyScene::refreshEdgeToolTip(EdgeItem& edge) {
  QStringList tip = model_.problemsOfStream(edge.from(), edge.to());
  if (const LiveEdge* live = liveEdge(edge.from(), edge.to())) {
    const QString latency = streamToolTip(edge.from(), edge.to(), *live);
    if (!latency.isEmpty()) tip.prepend(latency);
  }
  edge.setToolTip(tip.join(QLatin1Char('\n')));
}

ComponentItem* TopologyScene::componentAt(const QPointF& scenePos) const {
  for (QGraphicsItem* item : items(scenePos)) {
    if (auto* c = qgraphicsitem_cast<ComponentItem*>(item)) return c;
    if (auto* port = qgraphicsitem_cast<PortItem*>(item))
      return static_cast<ComponentItem*>(port->parentItem());
  }
  return nullptr;
}

QString TopologyScene::errorBadgeAt(const QPointF& scenePos) const {
  if (!livePainter_ || !live_) return {};
  for (auto it = components_.begin(); it != components_.end(); ++it) {
    const auto live = live_->components.constFind(it.key());
    if (live == live_->components.constEnd() || live->errors == 0) continue;
    // The view paints with the scene's font; a little slack for a finger's aim.
    const QRectF badge = livePainter_->errorBadgeRect(live->errors, font()).adjusted(-2, -2, 2, 2);
    if (badge.contains(it.value()->mapFromScene(scenePos))) return it.key();
  }
  return {};
}

void TopologyScene::mousePressEvent(QGraphicsSceneMouseEvent* event) {
  if (event->button() == Qt::LeftButton) {
    if (const QString id = errorBadgeAt(event->scenePos()); !id.isEmpty()) {
      event->accept();
      emit errorsRequested(id);
      return;
    }
    for (QGraphicsItem* item : items(event->scenePos())) {
      auto* port = qgraphicsitem_cast<PortItem*>(item);
      if (!port) continue;
      connectFrom_ = port->componentId();
      connectFromOutput_ = port->side() == PortItem::Side::Out;
      rubberEdge_ = addPath(QPainterPath(), QPen(painter_->colors().selection, 2, Qt::DashLine));
      rubberEdge_->setZValue(10);
      event->accept();
      return;
    }
    dragging_ = true;
  }
  QGraphicsScene::mousePressEvent(event);
}

void TopologyScene::mouseMoveEvent(QGraphicsSceneMouseEvent* event) {
  if (rubberEdge_) {
    const ComponentItem* source = itemFor(connectFrom_);
    if (!source) return;
    const QPointF a =
        source->pos() + (connectFromOutput_ ? painter_->outPort() : painter_->inPort());
    QPainterPath path(a);
    path.lineTo(event->scenePos());
    rubberEdge_->setPath(path);
    return;
  }
  QGraphicsScene::mouseMoveEvent(event);
  if (!dragging_ || !(event->buttons() & Qt::LeftButton)) return;
  QHash<QString, QPointF> moved;
  for (ComponentItem* item : components_) {
    if (item->isSelected() && item->pos() != model_.position(item->id()))
      moved.insert(item->id(), item->pos());
  }
  if (!moved.isEmpty()) emit moveRequested(moved, drag_);
}

void TopologyScene::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
  if (rubberEdge_) {
    delete rubberEdge_;
    rubberEdge_ = nullptr;
    const ComponentItem* target = componentAt(event->scenePos());
    const QString from = connectFrom_;
    connectFrom_.clear();
    if (target && target->id() != from) {
      if (connectFromOutput_) {
        emit connectRequested(from, target->id());
      } else {
        emit connectRequested(target->id(), from);
      }
    }
    return;
  }
  QGraphicsScene::mouseReleaseEvent(event);
  if (dragging_) {
    dragging_ = false;
    ++drag_;  // the next drag is a new undo step
  }
}

void TopologyScene::dragEnterEvent(QGraphicsSceneDragDropEvent* event) {
  event->setAccepted(event->mimeData()->hasFormat(kComponentTypeMime));
}

void TopologyScene::dragMoveEvent(QGraphicsSceneDragDropEvent* event) {
  event->setAccepted(event->mimeData()->hasFormat(kComponentTypeMime));
}

void TopologyScene::dropEvent(QGraphicsSceneDragDropEvent* event) {
  if (!event->mimeData()->hasFormat(kComponentTypeMime)) return;
  const QString type = QString::fromUtf8(event->mimeData()->data(kComponentTypeMime));
  event->acceptProposedAction();
  emit dropRequested(type, snap(event->scenePos() - painter_->componentRect().center()));
}

void TopologyScene::drawBackground(QPainter* painter, const QRectF& rect) {
  const CanvasColors& c = painter_->colors();
  painter->fillRect(rect, c.background);
  constexpr qreal kStep = 20;
  const qreal left = std::floor(rect.left() / kStep) * kStep;
  const qreal top = std::floor(rect.top() / kStep) * kStep;
  if (rect.width() / kStep * rect.height() / kStep > 40000) return;  // zoomed far out
  QPen pen(c.grid, 2);
  pen.setCapStyle(Qt::RoundCap);
  painter->setPen(pen);
  QVector<QPointF> dots;
  for (qreal x = left; x < rect.right(); x += kStep) {
    for (qreal y = top; y < rect.bottom(); y += kStep) dots.append({x, y});
  }
  painter->drawPoints(dots.data(), static_cast<int>(dots.size()));
}

}  // namespace topolab::widgets
