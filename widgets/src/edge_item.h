// EdgeItem: one stream, drawn from its source's output port to its target's
// input port. It holds the two ids; geometry follows the model's positions.
#pragma once

#include <QGraphicsItem>
#include <QPainterPath>
#include <QString>

#include "topolab/widgets/canvas_painter.h"

namespace topolab::widgets {

class TopologyScene;

class EdgeItem final : public QGraphicsItem {
 public:
  enum { Type = QGraphicsItem::UserType + 3 };

  EdgeItem(QString from, QString to);
  int type() const override { return Type; }
  const QString& from() const { return from_; }
  const QString& to() const { return to_; }

  // Re-reads the endpoints' positions (call after either moved).
  void updateGeometry();

  QRectF boundingRect() const override;
  QPainterPath shape() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  TopologyScene* canvas() const;
  EdgeLook look() const;

  QString from_, to_;
  // Cached geometry derived from the model, rebuilt by updateGeometry().
  QPainterPath path_;
  QRectF bounds_;
};

}  // namespace topolab::widgets
