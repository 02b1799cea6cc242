// How the canvas looks: items describe what to draw as small "look" values and
// a CanvasPainter draws them, so a live overlay is another painter rather than
// branches in paint(). DesignPainter is the designer's look, light or dark.
#pragma once

#include <QColor>
#include <QPainterPath>
#include <QPalette>
#include <QRectF>
#include <QString>
#include <QStringList>

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

struct ComponentLook {
  QString id;
  QString type;
  Role role = Role::Bolt;
  int instances = 1;
  bool known_type = true;
  bool selected = false;
  QStringList problems;
  QString detail;  // one short line under the type, e.g. "round-robin" or "3 replicas"
};

struct EdgeLook {
  QPainterPath path;  // in item coordinates, ending at the target port
  QPointF label_at;
  QString label;      // grouping, e.g. "fields [key]"; empty: none
  QString transport;  // empty when auto
  bool from_balancer = false;
  bool selected = false;
  bool problem = false;
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
};

class CanvasPainter {
 public:
  virtual ~CanvasPainter() = default;

  // Geometry of a component item, in item coordinates (the position is its top left).
  virtual QRectF componentRect() const = 0;
  virtual QPainterPath componentShape(Role role, const QString& type) const = 0;
  virtual QPointF inPort() const = 0;
  virtual QPointF outPort() const = 0;
  virtual qreal portRadius() const = 0;
  // The rectangle an edge's label takes around EdgeLook::label_at.
  virtual QRectF edgeLabelRect(const EdgeLook& look) const = 0;

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
