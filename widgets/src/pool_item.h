// PoolItem: the frame a load-balancer draws around its members, so the
// layout reads as one pool behind one balancer (the seed's HAProxy picture).
#pragma once

#include <QGraphicsItem>
#include <QString>

namespace topolab::widgets {

class TopologyScene;

class PoolItem final : public QGraphicsItem {
 public:
  enum { Type = QGraphicsItem::UserType + 4 };

  explicit PoolItem(QString balancer);
  int type() const override { return Type; }
  const QString& balancer() const { return balancer_; }

  // Re-reads the members' positions; hides itself when there are none.
  void updateGeometry();

  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  TopologyScene* canvas() const;

  QString balancer_;
  QRectF rect_;  // derived from the members' positions
};

}  // namespace topolab::widgets
