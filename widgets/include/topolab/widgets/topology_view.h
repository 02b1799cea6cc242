// TopologyView: the canvas viewport — wheel zoom around the cursor, fit to
// contents, pan with the middle button (or Space + drag), rubber-band selection.
#pragma once

#include <QGraphicsView>

namespace topolab::widgets {

class TopologyScene;

class TopologyView final : public QGraphicsView {
  Q_OBJECT

 public:
  explicit TopologyView(TopologyScene& scene, QWidget* parent = nullptr);

  void zoomBy(qreal factor);
  // Shows the whole topology, never magnified beyond 100 %.
  void fitAll();
  qreal zoom() const { return transform().m11(); }

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void keyReleaseEvent(QKeyEvent* event) override;

 private:
  TopologyScene& scene_;
};

}  // namespace topolab::widgets
