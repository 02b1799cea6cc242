// The live canvas: figures of the latest metrics interval per component and
// per stream, and LivePainter, which draws them over another painter's design
// look (a load tint and bar, an error badge, rates under components and on
// streams, each replica's role and lag). The design look is untouched: the overlay is a different
// painter.
#pragma once

#include <QHash>
#include <QPair>
#include <QString>
#include <optional>

#include "topolab/engine/metrics.h"
#include "topolab/engine/topology.h"
#include "topolab/widgets/canvas_painter.h"

namespace topolab::widgets {

// Load at or above these is amber, then red.
inline constexpr double kBusyLoad = 0.5;
inline constexpr double kSaturatedLoad = 0.8;

LoadLevel loadLevelOf(double load);

struct LiveFigures {
  QHash<QString, LiveComponent> components;        // by component id
  QHash<QPair<QString, QString>, LiveEdge> edges;  // by (from, to)
  // A replicated-store's instances by store id: the primary first (if there is
  // one), then the others in index order — the order of its replica set's boxes.
  QHash<QString, QList<LiveReplica>> replicas;
};

// The interval prev → cur (cumulative snapshots of one run of `topology`). A
// stream's rate is exact when it can be told: a load-balancer's members count
// what was sent to each; otherwise the target's received/s when the stream is
// its only input, or the source's emitted/s when it is the source's only
// output; other streams are not `known`. A stream's latency is the engine's
// (ComponentStats::input_latency) when the interval measured any.
LiveFigures liveFigures(const Topology& topology, const Snapshot& prev, const Snapshot& cur);

// What a replica box shows: "#2 follower" over "lag 12 ops · 30 ms"; a dead
// instance shows the last write it applied, a primary its epoch.
QString replicaBoxText(const LiveReplica& r);
// The hover lines of a replicated store: every instance's role, applied
// sequence, lag and keys, and the primary's write latency p99.
QString replicaToolTip(const QList<LiveReplica>& replicas);

// An event of the run about one instance's program: "process-died" (detail
// "split#1: python3 killed by signal 9 (Killed); its stderr ended with: …"),
// "restart" ("split#1 restarted (1 of 3 within 60 s)") or "instance-failed"
// ("split#1 is dead (restart: never)"); nullopt for any other event.
struct InstanceEvent {
  enum class Kind { Died, Restarted, Failed };
  Kind kind = Kind::Died;
  QString component;
  int index = 0;
  QString text;         // the reason, the restart or why it stays dead
  QString stderr_tail;  // Died: its last stderr lines
};
std::optional<InstanceEvent> parseInstanceEvent(const QString& kind, const QString& detail);
// Folds `event` (at `t_ms`) into what is known of the component's instances.
void applyInstanceEvent(QList<InstanceExit>& exits, const InstanceEvent& event, qint64 t_ms);
// The line under a component whose program died: "#1 died: killed by signal 9
// (Killed)" (the reason without the program's name, which the component
// shows), "#1 dead: …" when it stays dead, "+1 more · " before it when others
// are down too; empty when every instance that died was restarted.
QString exitLabel(const QList<InstanceExit>& exits);

// The line under a database sink that lost its server: "#1 disconnected from
// the server", "+1 more · " before it when others are too; empty when every
// instance is connected.
QString disconnectedLabel(const LiveDatabase& database);

// "850/s", "12.5k/s", "1.25M/s".
QString rateText(double per_s);
// "45 µs", "0.4 ms", "2.1 ms", "250 ms", "1.5 s".
QString latencyText(double ms);
// The hover line of a stream with a measured latency: "events → enrich: p50
// 0.4 ms · p99 2.1 ms · p99.9 3.0 ms · max 4.2 ms (98,120 tuples in the last
// 1 s)"; empty when its latency is not known.
QString streamToolTip(const QString& from, const QString& to, const LiveEdge& live);
// The hover text of a component: rates, errors, queue, blocked time, p99,
// load; a database sink's rows/s, commit latency, batch size and reconnects.
QString liveToolTip(const QString& id, const LiveComponent& live);

class LivePainter final : public CanvasPainter {
 public:
  explicit LivePainter(const CanvasPainter& base) : base_(&base) {}
  void setBase(const CanvasPainter& base) { base_ = &base; }

  // The tint and bar colour of a load level.
  static QColor levelColour(LoadLevel level, bool dark);
  // Where a component's "N err" badge is drawn, in item coordinates, with
  // `font` the painter's font (a click there opens the errors).
  QRectF errorBadgeRect(uint64_t errors, const QFont& font) const;

  QRectF componentRect() const override { return base_->componentRect(); }
  QRectF componentPaintRect() const override;
  QPainterPath componentShape(Role role, const QString& type) const override {
    return base_->componentShape(role, type);
  }
  QPointF inPort() const override { return base_->inPort(); }
  QPointF outPort() const override { return base_->outPort(); }
  qreal portRadius() const override { return base_->portRadius(); }
  QRectF edgeLabelRect(const EdgeLook& look) const override;
  // Replica boxes hold two lines (role, lag); the primary's rates pill sits
  // under it and its role pill over it.
  ReplicaSetMetrics replicaSetMetrics() const override { return {{104, 34}, 36, 48}; }

  void paintComponent(QPainter& p, const ComponentLook& look) const override;
  void paintPort(QPainter& p, const QPointF& at, Role role, bool hovered) const override {
    base_->paintPort(p, at, role, hovered);
  }
  void paintEdge(QPainter& p, const EdgeLook& look) const override;
  void paintPool(QPainter& p, const PoolLook& look) const override { base_->paintPool(p, look); }
  void paintReplicaSet(QPainter& p, const ReplicaSetLook& look) const override;
  const CanvasColors& colors() const override { return base_->colors(); }

 private:
  QRectF liveEdgeRect(const EdgeLook& look) const;

  const CanvasPainter* base_;
};

}  // namespace topolab::widgets
