// TopologyScene: the canvas. It mirrors a TopologyModel with graphics items
// and turns mouse gestures into requests (move, connect, drop a new type);
// it never edits the model itself — a controller answers the requests with
// undo commands, and the scene follows the model's signals.
#pragma once

#include <QGraphicsScene>
#include <QHash>
#include <QMultiHash>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <memory>

#include "topolab/engine/metrics.h"
#include "topolab/widgets/canvas_painter.h"
#include "topolab/widgets/topology_model.h"

class QGraphicsPathItem;

namespace topolab::widgets {

class ComponentItem;
class EdgeItem;
class LivePainter;
struct LiveFigures;
class PoolItem;
class PortItem;
class ReplicaSetItem;

inline constexpr char kComponentTypeMime[] = "application/x-topolab-component-type";

class TopologyScene final : public QGraphicsScene {
  Q_OBJECT

 public:
  TopologyScene(TopologyModel& model, const CanvasPainter& painter, QObject* parent = nullptr);
  ~TopologyScene() override;

  TopologyModel& model() const { return model_; }
  const CanvasPainter& painter() const { return *painter_; }
  // Swaps the painter (e.g. a new palette) and repaints; a live overlay stays on top of it.
  void setPainter(const CanvasPainter& painter);

  // Live numbers on the canvas for the interval prev → cur of a running
  // deployment: each component's load, rates, errors and a hover text with its
  // figures; each stream's tuples/s, and a hover text with its latency when
  // the interval measured it. Drawn by a LivePainter over the design look.
  void showLive(const topolab::Snapshot& prev, const topolab::Snapshot& cur);
  // An event of the running deployment: when it says an instance's program
  // died, was restarted or stays dead ("process-died", "restart",
  // "instance-failed"), the component shows it — outlined, the exit reason
  // under it, each instance's exit and stderr tail in its hover text — until
  // clearLive(). False for any other event. `tMs` is on the run's clock.
  bool showInstanceEvent(qint64 tMs, const QString& kind, const QString& detail);
  // What is known of `id`'s instances whose program died, nullptr when none.
  const QList<InstanceExit>* instanceExits(const QString& id) const;
  // Back to the design look.
  void clearLive();
  bool isLive() const { return livePainter_ != nullptr; }
  // The figures shown for a component or a stream, nullptr when none.
  const LiveComponent* liveComponent(const QString& id) const;
  const LiveEdge* liveEdge(const QString& from, const QString& to) const;
  // A replicated store's instances in the order of its boxes (the primary
  // first), nullptr when not live or the interval had none.
  const QList<LiveReplica>* liveReplicas(const QString& store) const;

  ComponentItem* itemFor(const QString& id) const;
  // The item showing component `id` (nullptr if none), for code outside this library.
  QGraphicsItem* componentItem(const QString& id) const;
  // The item showing stream from → to (nullptr if none), for code outside this library.
  QGraphicsItem* streamItem(const QString& from, const QString& to) const;
  // The frame showing replicated-store `id`'s primary and replicas (nullptr if none).
  QGraphicsItem* replicaSetItem(const QString& id) const;
  QStringList selectedIds() const;
  // Selected streams as (from, to) pairs.
  QList<QPair<QString, QString>> selectedStreams() const;
  void selectIds(const QStringList& ids);
  // Selects only the stream from → to (if it is shown).
  void selectStream(const QString& from, const QString& to);
  // Where a new component dropped at `scenePos` should go (snapped to the grid).
  static QPointF snap(const QPointF& scenePos);
  // The bounding rectangle of every item plus a margin.
  QRectF contentsRect() const;

 signals:
  // Positions of components being dragged; `drag` is the same for every step of one drag.
  void moveRequested(const QHash<QString, QPointF>& positions, int drag);
  void connectRequested(const QString& from, const QString& to);
  void dropRequested(const QString& type, const QPointF& scenePos);
  // While live: the user clicked component `id`'s "N err" badge.
  void errorsRequested(const QString& id);

 protected:
  void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
  void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override;
  void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;
  void dragEnterEvent(QGraphicsSceneDragDropEvent* event) override;
  void dragMoveEvent(QGraphicsSceneDragDropEvent* event) override;
  void dropEvent(QGraphicsSceneDragDropEvent* event) override;
  void drawBackground(QPainter* painter, const QRectF& rect) override;

 private:
  void rebuild();
  void addComponentItem(const QString& id);
  void removeComponentItem(const QString& id);
  void rebuildEdges();
  void rebuildEdgeItems(const QList<QPair<QString, QString>>& selected);
  void rebuildPools();  // and the replica sets
  void followMove(const QString& id);
  void refreshProblems();
  void refreshGeometry();   // after the painter's paint rectangles changed
  void refreshLiveItems();  // hover texts and paint after new live figures
  // An edge's hover text: its live latency (if known), then its problems.
  void refreshEdgeToolTip(EdgeItem& edge);
  ComponentItem* componentAt(const QPointF& scenePos) const;
  // The component whose "N err" badge is at `scenePos`; empty when none.
  QString errorBadgeAt(const QPointF& scenePos) const;

  TopologyModel& model_;
  const CanvasPainter* painter_;
  const CanvasPainter* designPainter_;  // painter_ unless live
  std::unique_ptr<LivePainter> livePainter_;
  std::unique_ptr<LiveFigures> live_;
  // Instances whose program died in the running deployment, by component
  // (what its events said; kept across metrics rounds until clearLive()).
  QHash<QString, QList<InstanceExit>> exits_;
  QHash<QString, ComponentItem*> components_;    // owned by the scene
  QMultiHash<QString, EdgeItem*> edgesByEnd_;    // owned by the scene
  QHash<QString, PoolItem*> pools_;              // owned by the scene
  QHash<QString, ReplicaSetItem*> replicaSets_;  // owned by the scene
  // A connection being dragged out of a port (view state, not topology state).
  QGraphicsPathItem* rubberEdge_ = nullptr;
  QString connectFrom_;
  bool connectFromOutput_ = true;
  int drag_ = 0;
  bool dragging_ = false;
};

}  // namespace topolab::widgets
