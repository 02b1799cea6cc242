// ComponentItem: one component on the canvas. It holds only the component's
// id; what it shows comes from the model and is drawn by the scene's painter.
#pragma once

#include <QGraphicsItem>
#include <QString>

namespace topolab::widgets {

class TopologyScene;

class ComponentItem final : public QGraphicsItem {
 public:
  enum { Type = QGraphicsItem::UserType + 1 };

  explicit ComponentItem(QString id);
  int type() const override { return Type; }
  const QString& id() const { return id_; }
  void setId(QString id);
  // Call after the scene's painter changed its paint rectangle.
  void refreshGeometry();

  QRectF boundingRect() const override;
  QPainterPath shape() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 protected:
  QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

 private:
  TopologyScene* canvas() const;

  QString id_;
};

}  // namespace topolab::widgets
