// LiveController: brings a running deployment to the screen — metrics rounds
// and events from the deploy controller into the dashboard and onto the canvas
// (live numbers on each component and stream while it runs, and instances
// whose program died with the reason), its error samples into the errors
// panel (filtered to a component when its "N err" badge is clicked), and
// which scope the dashboard shows from what is selected (a component or a
// stream on the canvas, an instance from its menu, an agent in the cluster
// panel).
#pragma once

#include <QObject>

namespace topolab::widgets {
class DashboardWidget;
class ErrorsPanel;
class TopologyScene;
}  // namespace topolab::widgets

namespace topolab::studio {

class DeployController;

class LiveController final : public QObject {
  Q_OBJECT

 public:
  LiveController(DeployController& deploy, widgets::DashboardWidget& dashboard,
                 widgets::TopologyScene& scene, widgets::ErrorsPanel& errors,
                 QObject* parent = nullptr);

  void showComponent(const QString& id);
  void showInstance(const QString& id, int index);
  void showAgent(const QString& agent);

 private:
  void followSelection();

  DeployController& deploy_;
  widgets::DashboardWidget& dashboard_;
  widgets::TopologyScene& scene_;
  widgets::ErrorsPanel& errors_;
};

}  // namespace topolab::studio
