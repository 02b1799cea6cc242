// ReplicaSetItem: the layout of a replicated-store drawn as a layout — the
// store's own item is the primary, its followers sit in a row beneath it with
// a replication arrow from the primary to each, all in one frame.
#pragma once

#include <QGraphicsItem>
#include <QString>

#include "topolab/widgets/canvas_painter.h"

namespace topolab::widgets {

class TopologyScene;

class ReplicaSetItem final : public QGraphicsItem {
 public:
  enum { Type = QGraphicsItem::UserType + 5 };

  explicit ReplicaSetItem(QString store);
  int type() const override { return Type; }
  const QString& store() const { return store_; }

  // Re-reads the store's position, replicas and mode, the painter's layout, and
  // its instances' live roles and lag while the canvas is live.
  void updateGeometry();
  // What is drawn, in scene coordinates (for tests and the painter).
  const ReplicaSetLook& look() const { return look_; }

  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  TopologyScene* canvas() const;

  QString store_;
  ReplicaSetLook look_;  // derived from the model
};

}  // namespace topolab::widgets
