// MainWindow: assembles the studio — the canvas in the middle, the palette,
// property editor, problem list, cluster panel, live dashboard and log as
// docks, and the menus and shortcuts. The work is done by the document and
// the controllers it wires together.
#pragma once

#include <QMainWindow>
#include <memory>

#include "topolab/widgets/canvas_painter.h"

class QDockWidget;
class QLabel;
class QMenu;

namespace topolab::widgets {
class DashboardWidget;
class ErrorsPanel;
class PaletteWidget;
class ProblemList;
class PropertyEditor;
class TopologyScene;
class TopologyView;
}  // namespace topolab::widgets

namespace topolab::studio {

class ClusterController;
class ClusterPanel;
class DeployController;
class Document;
class EditController;
class EventLog;
class FaultMenu;
class FileController;
class LiveController;
class LocalLab;
class ValidationController;

class MainWindow final : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  Document& document() { return *document_; }
  FileController& files() { return *files_; }
  EditController& edits() { return *edits_; }
  widgets::TopologyScene& scene() { return *scene_; }
  widgets::TopologyView& view() { return *view_; }
  widgets::ProblemList& problems() { return *problems_; }
  ClusterController& cluster() { return *cluster_; }
  LocalLab& lab() { return *lab_; }
  DeployController& deployments() { return *deploy_; }
  widgets::DashboardWidget& dashboard() { return *dashboard_; }
  ClusterPanel& clusterPanel() { return *clusterPanel_; }
  EventLog& log() { return *log_; }
  widgets::ErrorsPanel& errors() { return *errors_; }
  QDockWidget& errorsDock() { return *errorsDock_; }

  // Deploys the open topology on the cluster, after the plan preview when
  // `preview` (a problem or a refusal is shown in a message box and the log).
  void deploy(bool preview);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  void createDocks();
  void createActions();
  void createClusterActions();
  void connectLive();
  void showError(const QString& title, const QString& text);
  void updateStatus();
  void rebuildRecentMenu();
  void updateTitle();
  QPointF viewCentre() const;

  // Declared first: the scene and items draw with it until they are gone.
  std::unique_ptr<widgets::DesignPainter> painter_;
  Document* document_;                // child
  EditController* edits_;             // child
  ValidationController* validation_;  // child
  widgets::TopologyScene* scene_;     // child
  widgets::TopologyView* view_;       // child
  FileController* files_;             // child
  ClusterController* cluster_;        // child
  LocalLab* lab_;                     // child
  DeployController* deploy_;          // child
  FaultMenu* faults_;                 // child
  widgets::PaletteWidget* palette_ = nullptr;
  widgets::PropertyEditor* properties_ = nullptr;
  widgets::ProblemList* problems_ = nullptr;
  widgets::DashboardWidget* dashboard_ = nullptr;
  ClusterPanel* clusterPanel_ = nullptr;
  EventLog* log_ = nullptr;
  QDockWidget* logDock_ = nullptr;
  widgets::ErrorsPanel* errors_ = nullptr;
  QDockWidget* errorsDock_ = nullptr;
  LiveController* live_ = nullptr;
  QLabel* clusterStatus_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  QMenu* viewMenu_ = nullptr;
};

}  // namespace topolab::studio
