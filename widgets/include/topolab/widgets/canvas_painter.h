// How the canvas looks: items describe what to draw as small "look" values and
// a CanvasPainter draws them, so a live overlay is another painter rather than
// branches in paint(). DesignPainter is the designer's look, light or dark.
#pragma once

#include <QColor>
#include <QList>
#include <QPainterPath>
#include <QPalette>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <optional>

#include "topolab/engine/catalogue.h"

class QPainter;

namespace topolab::widgets {

struct CanvasColors {
  bool dark = false;
  QColor background, grid, text, subtext, edge, label_bg, problem, selection;
  QColor producer, bolt, sink, balancer, store;

  // Light or dark, from the window colour of `palette` (Qt 6.4 has no colour-scheme hint).
  static CanvasColors fromPalette(const QPalette& palette);
};

// How loaded a component was over the latest metrics interval: the fuller of
// its worst instance's input queue and the share of time spent blocked on a
// full downstream queue (back pressure), as NiFi colours its queues.
enum class LoadLevel { Normal, Busy, Saturated };  // green, amber, red

// What became of one instance's program (a multilang component's process),
// from the run's events: it died (why, and the tail of its stderr), and then
// was restarted or stays dead.
struct InstanceExit {
  int index = 0;        // the instance, "component#index"
  qint64 t_ms = -1;     // when it died, on the run's clock
  QString reason;       // e.g. "python3 killed by signal 9 (Killed)"
  QString stderr_tail;  // its last stderr lines, one per line; may be empty
  QString restart;      // e.g. "restarted (1 of 3 within 60 s)"; empty: not (yet)
  QString failed;       // why it stays dead, e.g. "restart: never"; empty: it may come back

  bool down() const { return restart.isEmpty(); }
};

// A database sink's figures over the latest interval (postgres-sink).
struct LiveDatabase {
  double rows_per_s = 0;      // rows committed
  double commit_p50_ms = -1;  // commit latency; -1 when nothing was committed
  double commit_p99_ms = -1;
  double batch_rows_p50 = -1;  // rows per committed transaction; -1 when none
  uint64_t failed_batches = 0;
  uint64_t reconnects = 0;  // since the run started
  QList<int> disconnected;  // instances not connected to their server now, by index
};

// One component's figures over the latest metrics interval (live overlay).
struct LiveComponent {
  double received_per_s = 0;
  double emitted_per_s = 0;
  uint64_t errors = 0;
  int64_t queue = 0;           // summed over instances, now
  int64_t queue_capacity = 0;  // summed over instances
  double queue_fill = 0;       // the fullest instance's queue / capacity, 0..1
  double blocked_ms = 0;       // summed over instances, in the interval
  double blocked_share = 0;    // blocked time / (interval × instances), 0..1
  double p99_ms = -1;          // processing latency; -1 when nothing was processed
  double e2e_p99_ms = -1;      // at sinks; -1 otherwise
  int instances = 0;
  int alive = 0;
  double load = 0;  // max(queue_fill, blocked_share)
  LoadLevel level = LoadLevel::Normal;
  QList<InstanceExit> exits;             // instances whose program died during the run, by index
  std::optional<LiveDatabase> database;  // database sinks only
};

// A stream's latency over the latest interval: from an upstream instance
// emitting a tuple to the downstream instance taking it from its input queue.
struct LiveStreamLatency {
  uint64_t tuples = 0;    // the tuples it was measured on
  double interval_s = 0;  // the interval's length
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};

// One stream's figures over the latest interval.
struct LiveEdge {
  bool known = false;  // false when the snapshot cannot tell this stream's share
  double tuples_per_s = 0;
  QString label;  // e.g. "12.5k/s"
  bool balancer_member = false;
  bool healthy = true;  // a load-balancer's member: whether it is taking tuples
  std::optional<LiveStreamLatency> latency;  // none when no tuple on it was measured
};

// One replicated-store instance over the latest interval (live overlay).
struct LiveReplica {
  int index = 0;  // the instance, "store#index"
  QString role;   // primary, follower or dead
  uint64_t epoch = 0;
  uint64_t applied = 0;  // sequence number of the last write applied
  int64_t lag_ops = 0;   // writes the primary applied that this one has not
  int64_t lag_ms = 0;
  uint64_t keys = 0;
  double write_p99_ms = -1;  // write received → acknowledged, over the interval; -1: none
};

struct ComponentLook {
  QString id;
  QString type;
  Role role = Role::Bolt;
  int instances = 1;
  bool known_type = true;
  bool selected = false;
  QStringList problems;
  QString detail;  // one short line under the type, e.g. "round-robin" or "3 replicas"
  const LiveComponent* live = nullptr;  // set while a live overlay is shown
};

struct EdgeLook {
  QPainterPath path;  // in item coordinates, ending at the target port
  QPointF label_at;
  QString label;      // grouping, e.g. "fields [key]"; empty: none
  QString transport;  // empty when auto
  bool from_balancer = false;
  bool selected = false;
  bool problem = false;
  const LiveEdge* live = nullptr;  // set while a live overlay is shown
};

struct PoolLook {
  QRectF rect;
  QString title;
};

// A replicated-store's primary (its component item) and followers, in scene coordinates.
struct ReplicaSetLook {
  QRectF frame;
  QRectF primary;
  QList<QRectF> replicas;  // at most a few; the last may stand for more
  QStringList labels;      // one per replica box
  QString title;
  QString mode;  // async, sync or quorum: async replication draws dashed arrows
  int followers = 0;
  // While a live overlay is shown: the instance in the primary's place (the
  // primary, if there is one), then one per replica box in index order.
  QList<LiveReplica> live;
};

class CanvasPainter {
 public:
  virtual ~CanvasPainter() = default;

  // Geometry of a component item, in item coordinates (the position is its top left).
  virtual QRectF componentRect() const = 0;
  // What a component item may paint, in item coordinates (badges and shadow included).
  virtual QRectF componentPaintRect() const { return componentRect().adjusted(-8, -10, 12, 10); }
  virtual QPainterPath componentShape(Role role, const QString& type) const = 0;
  virtual QPointF inPort() const = 0;
  virtual QPointF outPort() const = 0;
  virtual qreal portRadius() const = 0;
  // The rectangle an edge's label takes around EdgeLook::label_at.
  virtual QRectF edgeLabelRect(const EdgeLook& look) const = 0;
  // A replica set's layout: the size of a replica box, the gap from the
  // primary's bottom to the boxes, and the frame's room over the primary.
  struct ReplicaSetMetrics {
    QSizeF box{58, 24};
    qreal drop = 18;
    qreal top = 24;
  };
  virtual ReplicaSetMetrics replicaSetMetrics() const { return {}; }

  virtual void paintComponent(QPainter& p, const ComponentLook& look) const = 0;
  virtual void paintPort(QPainter& p, const QPointF& at, Role role, bool hovered) const = 0;
  virtual void paintEdge(QPainter& p, const EdgeLook& look) const = 0;
  virtual void paintPool(QPainter& p, const PoolLook& look) const = 0;
  virtual void paintReplicaSet(QPainter& p, const ReplicaSetLook& look) const = 0;

  virtual const CanvasColors& colors() const = 0;
};

class DesignPainter final : public CanvasPainter {
 public:
  explicit DesignPainter(CanvasColors colors) : colors_(std::move(colors)) {}
  void setColors(CanvasColors colors) { colors_ = std::move(colors); }

  QRectF componentRect() const override;
  QPainterPath componentShape(Role role, const QString& type) const override;
  QPointF inPort() const override;
  QPointF outPort() const override;
  qreal portRadius() const override { return 6; }
  QRectF edgeLabelRect(const EdgeLook& look) const override;
  void paintComponent(QPainter& p, const ComponentLook& look) const override;
  void paintPort(QPainter& p, const QPointF& at, Role role, bool hovered) const override;
  void paintEdge(QPainter& p, const EdgeLook& look) const override;
  void paintPool(QPainter& p, const PoolLook& look) const override;
  void paintReplicaSet(QPainter& p, const ReplicaSetLook& look) const override;
  const CanvasColors& colors() const override { return colors_; }

 private:
  QColor roleColor(Role role, const QString& type) const;

  CanvasColors colors_;
};

}  // namespace topolab::widgets
