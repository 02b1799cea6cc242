// PortItem: the input or output dot of a component, a child of its
// ComponentItem; dragging from one port to another asks for a stream.
#pragma once

#include <QGraphicsItem>

namespace topolab::widgets {

class PortItem final : public QGraphicsItem {
 public:
  enum { Type = QGraphicsItem::UserType + 2 };
  enum class Side { In, Out };

  PortItem(Side side, QGraphicsItem* parent);
  int type() const override { return Type; }
  Side side() const { return side_; }
  // The id of the component this port belongs to.
  QString componentId() const;

  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  Side side_;
};

}  // namespace topolab::widgets
