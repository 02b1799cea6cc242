#include "live_controller.h"

#include "deploy_controller.h"
#include "topolab/widgets/dashboard_widget.h"
#include "topolab/widgets/errors_panel.h"
#include "topolab/widgets/topology_scene.h"

namespace topolab::studio {

LiveController::LiveController(DeployController& deploy, widgets::DashboardWidget& dashboard,
                               widgets::TopologyScene& scene, widgets::ErrorsPanel& errors,
                               QObject* parent)
    : QObject(parent), deploy_(deploy), dashboard_(dashboard), scene_(scene), errors_(errors) {
  connect(&deploy_, &DeployController::deployed, &dashboard_, [this] {
    // A new run: its clock starts at zero again.
    dashboard_.clear();
    dashboard_.setTopology(deploy_.topology());
    // A fresh run fills the shortest window first; the user may widen it.
    dashboard_.setTimeWindow(widgets::DashboardWidget::TimeWindow::OneMinute);
    followSelection();
  });
  connect(&deploy_, &DeployController::deployed, &errors_,
          [this] { errors_.setTopology(deploy_.topology()); });
  // Every round's samples, also those of a last short interval.
  connect(&deploy_, &DeployController::round, &errors_,
          [this](const Snapshot& prev, const Snapshot& cur) { errors_.addRound(prev, cur); });
  connect(&scene_, &widgets::TopologyScene::errorsRequested, &errors_,
          [this](const QString& id) { errors_.showComponent(id); });
  connect(&deploy_, &DeployController::round, &dashboard_,
          [this](const Snapshot& prev, const Snapshot& cur) {
            // A last interval of a few milliseconds at a stop is no rate to
            // show: the canvas keeps the figures of the round before.
            if (dashboard_.addRound(prev, cur)) scene_.showLive(prev, cur);
          });
  // The canvas shows the design again once nothing runs; the charts keep the run.
  connect(&deploy_, &DeployController::stopped, &scene_, [this] { scene_.clearLive(); });
  connect(&deploy_, &DeployController::event, &dashboard_,
          [this](qint64 tMs, const QString& kind, const QString& detail, const QString& agent) {
            dashboard_.addEvent(tMs, kind, detail, agent);
            // A program that died shows on its component until the run ends.
            scene_.showInstanceEvent(tMs, kind, detail);
          });
  connect(&scene_, &QGraphicsScene::selectionChanged, &dashboard_, [this] { followSelection(); });
}

void LiveController::followSelection() {
  const QStringList ids = scene_.selectedIds();
  const QList<QPair<QString, QString>> streams = scene_.selectedStreams();
  if (ids.size() == 1) {
    dashboard_.showComponent(ids.front());
  } else if (ids.isEmpty() && streams.size() == 1) {
    dashboard_.showStream(streams.front().first, streams.front().second);
  } else if (ids.isEmpty()) {
    dashboard_.showTopology();
  }
}

void LiveController::showComponent(const QString& id) { dashboard_.showComponent(id); }

void LiveController::showInstance(const QString& id, int index) {
  dashboard_.showInstance(id, index);
}

void LiveController::showAgent(const QString& agent) {
  if (agent.isEmpty()) {
    followSelection();
  } else {
    dashboard_.showAgent(agent);
  }
}

}  // namespace topolab::studio
