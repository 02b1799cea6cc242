// MainWindow: docks, menus and the connections between the parts.
#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileInfo>
#include <QGraphicsItem>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>
#include <QToolBar>

#include "cluster_controller.h"
#include "cluster_panel.h"
#include "deploy_controller.h"
#include "deploy_dialog.h"
#include "document.h"
#include "edit_controller.h"
#include "event_log.h"
#include "fault_menu.h"
#include "file_controller.h"
#include "live_controller.h"
#include "local_lab.h"
#include "topolab/widgets/dashboard_widget.h"
#include "topolab/widgets/errors_panel.h"
#include "topolab/widgets/palette_widget.h"
#include "topolab/widgets/problem_list.h"
#include "topolab/widgets/property_editor.h"
#include "topolab/widgets/topology_scene.h"
#include "topolab/widgets/topology_view.h"
#include "validation_controller.h"

namespace topolab::studio {

constexpr char kClipboardMime[] = "application/x-topolab-yaml";

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      painter_(std::make_unique<widgets::DesignPainter>(
          widgets::CanvasColors::fromPalette(QApplication::palette()))),
      document_(new Document(this)),
      edits_(new EditController(*document_, this)),
      validation_(new ValidationController(*document_, this)),
      scene_(new widgets::TopologyScene(document_->model(), *painter_, this)),
      view_(new widgets::TopologyView(*scene_, this)),
      files_(new FileController(*document_, *scene_, *this, this)),
      cluster_(new ClusterController(this)),
      lab_(new LocalLab(this)),
      deploy_(new DeployController(*cluster_, this)),
      faults_(new FaultMenu(*deploy_, *this, this)) {
  setObjectName(QStringLiteral("studio"));
  setCentralWidget(view_);
  createDocks();
  createActions();
  createClusterActions();
  connectLive();
  statusBar();
  clusterStatus_ = new QLabel(this);
  statusBar()->addPermanentWidget(clusterStatus_);
  updateStatus();

  connect(scene_, &widgets::TopologyScene::moveRequested, edits_,
          [this](const QHash<QString, QPointF>& positions, int drag) {
            edits_->moveComponents(positions, drag);
          });
  connect(scene_, &widgets::TopologyScene::connectRequested, edits_,
          [this](const QString& from, const QString& to) { edits_->connectComponents(from, to); });
  connect(scene_, &widgets::TopologyScene::dropRequested, edits_,
          [this](const QString& type, const QPointF& at) {
            const QString id = edits_->addComponent(type, at);
            if (!id.isEmpty()) scene_->selectIds({id});
          });
  connect(edits_, &EditController::refused, statusBar(),
          [this](const QString& message) { statusBar()->showMessage(message, 8000); });
  connect(files_, &FileController::message, statusBar(),
          [this](const QString& message) { statusBar()->showMessage(message, 5000); });
  connect(&document_->undoStack(), &QUndoStack::cleanChanged, this,
          [this](bool clean) { setWindowModified(!clean); });
  connect(document_, &Document::filePathChanged, this, [this] {
    updateTitle();
    view_->fitAll();
  });
  connect(&document_->model(), &widgets::TopologyModel::headerChanged, this,
          &MainWindow::updateTitle);
  document_->newTopology();
  resize(1400, 860);
}

MainWindow::~MainWindow() {
  // The lab's agents stop while everything that shows them still exists.
  lab_->stopAndWait();
  // Items paint with painter_: take the scene down first. Items removed while
  // it goes must not reach the views that follow the selection.
  disconnect(scene_, &QGraphicsScene::selectionChanged, nullptr, nullptr);
  delete view_;
  delete scene_;
}

void MainWindow::createDocks() {
  palette_ = new widgets::PaletteWidget(document_->model().catalogue(), this);
  properties_ = new widgets::PropertyEditor(document_->model(), this);
  problems_ = new widgets::ProblemList(document_->model(), this);
  auto dock = [this](QWidget* widget, const QString& title, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(title);
    d->setWidget(widget);
    addDockWidget(area, d);
    return d;
  };
  dock(palette_, tr("Components"), Qt::LeftDockWidgetArea);
  QDockWidget* propertiesDock = dock(properties_, tr("Properties"), Qt::RightDockWidgetArea);
  palette_->setMinimumWidth(170);
  properties_->setMinimumWidth(260);
  // Wide enough for the cluster panel's columns.
  resizeDocks({propertiesDock}, {460}, Qt::Horizontal);
  clusterPanel_ = new ClusterPanel(*cluster_, *lab_, this);
  QDockWidget* clusterDock = dock(clusterPanel_, tr("Cluster"), Qt::RightDockWidgetArea);
  splitDockWidget(propertiesDock, clusterDock, Qt::Vertical);
  // A shell component has ten rows of properties; the cluster table needs a few.
  resizeDocks({propertiesDock, clusterDock}, {320, 200}, Qt::Vertical);
  dashboard_ = new widgets::DashboardWidget(this);
  QDockWidget* dashboardDock = dock(dashboard_, tr("Dashboard"), Qt::BottomDockWidgetArea);
  QDockWidget* problemsDock = dock(problems_, tr("Problems"), Qt::BottomDockWidgetArea);
  log_ = new EventLog(this);
  QDockWidget* logDock = dock(log_, tr("Log"), Qt::BottomDockWidgetArea);
  logDock_ = logDock;
  errors_ = new widgets::ErrorsPanel(this);
  errorsDock_ = dock(errors_, tr("Errors"), Qt::BottomDockWidgetArea);
  splitDockWidget(dashboardDock, problemsDock, Qt::Horizontal);
  tabifyDockWidget(problemsDock, logDock);
  tabifyDockWidget(logDock, errorsDock_);
  problemsDock->raise();
  // A click on a component's "N err" badge brings its errors to the front.
  connect(scene_, &widgets::TopologyScene::errorsRequested, errorsDock_, [this] {
    errorsDock_->show();
    errorsDock_->raise();
  });
  // While something runs, its log matters more than the design's problems.
  connect(deploy_, &DeployController::stateChanged, logDock,
          [logDock](DeployController::State state) {
            if (state == DeployController::State::Deploying) logDock->raise();
          });
  resizeDocks({dashboardDock, problemsDock}, {1000, 360}, Qt::Horizontal);
  resizeDocks({dashboardDock}, {360}, Qt::Vertical);

  connect(palette_, &widgets::PaletteWidget::typeActivated, edits_, [this](const QString& type) {
    const QString id = edits_->addComponent(type, widgets::TopologyScene::snap(viewCentre()));
    if (!id.isEmpty()) scene_->selectIds({id});
  });
  connect(scene_, &QGraphicsScene::selectionChanged, properties_, [this] {
    const QStringList ids = scene_->selectedIds();
    const QList<QPair<QString, QString>> streams = scene_->selectedStreams();
    if (ids.isEmpty() && streams.size() == 1) {
      properties_->setStream(streams.front().first, streams.front().second);
    } else {
      properties_->setComponent(ids.size() == 1 ? ids.front() : QString());
    }
  });
  connect(properties_, &widgets::PropertyEditor::groupingEdited, edits_,
          [this](const QString& from, const QString& to, GroupingType type,
                 const QStringList& fields) { edits_->setGrouping(from, to, type, fields); });
  connect(properties_, &widgets::PropertyEditor::transportEdited, edits_,
          [this](const QString& from, const QString& to, Transport transport) {
            edits_->setTransport(from, to, transport);
          });
  connect(properties_, &widgets::PropertyEditor::paramEdited, edits_,
          [this](const QString& id, const QString& name, const QString& text) {
            edits_->setParam(id, name, text);
          });
  connect(properties_, &widgets::PropertyEditor::paramReset, edits_,
          [this](const QString& id, const QString& name) { edits_->resetParam(id, name); });
  connect(properties_, &widgets::PropertyEditor::parallelismEdited, edits_,
          [this](const QString& id, int n) { edits_->setParallelism(id, n); });
  connect(
      properties_, &widgets::PropertyEditor::placementEdited, edits_,
      [this](const QString& id, const QStringList& agents) { edits_->setPlacement(id, agents); });
  // Designing against a known cluster: offer its agents and check placements on them.
  connect(cluster_, &ClusterController::clusterChanged, this, [this] {
    const std::vector<std::string> agents = cluster_->cluster().agentNames();
    QStringList names;
    for (const std::string& a : agents) names << QString::fromStdString(a);
    properties_->setAgentNames(names);
    validation_->setAgentNames(cluster_->isEmpty() ? std::nullopt : std::make_optional(agents));
  });
  connect(properties_, &widgets::PropertyEditor::renameRequested, edits_,
          [this](const QString& id, const QString& newId) {
            if (edits_->renameComponent(id, newId)) scene_->selectIds({newId});
          });
  connect(problems_, &widgets::ProblemList::componentActivated, scene_, [this](const QString& id) {
    scene_->selectIds({id});
    view_->centerOn(document_->model().position(id));
  });
  connect(problems_, &widgets::ProblemList::streamActivated, scene_,
          [this](const QString& from, const QString& to) {
            scene_->selectStream(from, to);
            view_->centerOn(document_->model().position(from));
          });
}

void MainWindow::createActions() {
  auto add = [this](QMenu* menu, const QString& text, auto&& slot,
                    QKeySequence key = QKeySequence()) {
    QAction* a = menu->addAction(text);
    a->setShortcut(key);
    connect(a, &QAction::triggered, this, slot);
    return a;
  };
  QMenu* file = menuBar()->addMenu(tr("&File"));
  add(
      file, tr("&New"),
      [this] {
        if (files_->maybeSave()) document_->newTopology();
      },
      QKeySequence::New);
  add(
      file, tr("&Open…"), [this] { files_->openDialog(); }, QKeySequence::Open);
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  connect(files_, &FileController::recentFilesChanged, this, &MainWindow::rebuildRecentMenu);
  rebuildRecentMenu();
  add(file, tr("&Import Flux…"), [this] {
    // Its warnings (Java classes become placeholders) are in the log.
    if (files_->importFluxDialog()) logDock_->raise();
  });
  add(file, tr("Open &Cluster…"), [this] { clusterPanel_->openDialog(); });
  add(
      file, tr("&Save"), [this] { files_->save(); }, QKeySequence::Save);
  add(
      file, tr("Save &As…"), [this] { files_->saveAs(); }, QKeySequence::SaveAs);
  file->addSeparator();
  add(file, tr("Export &PNG…"), [this] { files_->exportDialog(QStringLiteral("png")); });
  add(file, tr("Export S&VG…"), [this] { files_->exportDialog(QStringLiteral("svg")); });
  add(file, tr("Export &Flux…"), [this] {
    files_->exportFluxDialog();
  })->setStatusTip(tr("Write the topology as a Storm Flux file"));
  file->addSeparator();
  add(
      file, tr("&Quit"), [this] { close(); }, QKeySequence::Quit);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = document_->undoStack().createUndoAction(this, tr("&Undo"));
  undo->setShortcut(QKeySequence::Undo);
  QAction* redo = document_->undoStack().createRedoAction(this, tr("&Redo"));
  redo->setShortcut(QKeySequence::Redo);
  edit->addAction(undo);
  edit->addAction(redo);
  edit->addSeparator();
  auto copySelection = [this] {
    const QStringList ids = scene_->selectedIds();
    if (ids.isEmpty()) return false;
    auto* mime = new QMimeData;
    const QByteArray yaml = edits_->copy(ids);
    mime->setData(kClipboardMime, yaml);
    mime->setText(QString::fromUtf8(yaml));
    QGuiApplication::clipboard()->setMimeData(mime);
    return true;
  };
  add(
      edit, tr("Cu&t"),
      [this, copySelection] {
        if (copySelection()) edits_->removeComponents(scene_->selectedIds());
      },
      QKeySequence::Cut);
  add(
      edit, tr("&Copy"), [copySelection] { copySelection(); }, QKeySequence::Copy);
  add(
      edit, tr("&Paste"),
      [this] {
        const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
        if (!mime) return;
        const QByteArray yaml =
            mime->hasFormat(kClipboardMime) ? mime->data(kClipboardMime) : mime->text().toUtf8();
        const QStringList added = edits_->paste(yaml);
        if (!added.isEmpty()) scene_->selectIds(added);
      },
      QKeySequence::Paste);
  add(
      edit, tr("&Duplicate"),
      [this] {
        const QStringList added = edits_->duplicate(scene_->selectedIds());
        if (!added.isEmpty()) scene_->selectIds(added);
      },
      QKeySequence(Qt::CTRL | Qt::Key_D));
  QAction* del = add(
      edit, tr("De&lete"),
      [this] { edits_->removeSelection(scene_->selectedIds(), scene_->selectedStreams()); },
      QKeySequence::Delete);
  del->setShortcuts({QKeySequence::Delete, QKeySequence(Qt::Key_Backspace)});
  add(
      edit, tr("Select &All"), [this] { scene_->selectIds(document_->model().componentIds()); },
      QKeySequence::SelectAll);
  edit->addSeparator();
  add(
      edit, tr("&Find Component…"), [this] { palette_->focusSearch(); }, QKeySequence::Find);
  add(
      edit, tr("Auto-&layout"),
      [this] {
        edits_->autoLayout();
        view_->fitAll();
      },
      QKeySequence(Qt::CTRL | Qt::Key_L));
  QAction* group = add(
      edit, tr("&Group"),
      [this] {
        const QStringList ids = scene_->selectedIds();
        if (edits_->group(ids)) scene_->selectIds(ids);
      },
      QKeySequence(Qt::CTRL | Qt::Key_G));
  group->setStatusTip(
      tr("Arrange the selected components as one block (the file keeps positions only)"));

  viewMenu_ = menuBar()->addMenu(tr("&View"));
  add(
      viewMenu_, tr("Zoom &In"), [this] { view_->zoomBy(1.25); }, QKeySequence::ZoomIn);
  add(
      viewMenu_, tr("Zoom &Out"), [this] { view_->zoomBy(0.8); }, QKeySequence::ZoomOut);
  add(
      viewMenu_, tr("&Fit to Window"), [this] { view_->fitAll(); },
      QKeySequence(Qt::CTRL | Qt::Key_0));
  viewMenu_->addSeparator();
  for (QDockWidget* d : findChildren<QDockWidget*>()) viewMenu_->addAction(d->toggleViewAction());
}

void MainWindow::createClusterActions() {
  QMenu* menu = menuBar()->addMenu(tr("&Cluster"));
  auto add = [this, menu](const QString& text, auto&& slot, QKeySequence key = QKeySequence()) {
    QAction* a = menu->addAction(text);
    a->setShortcut(key);
    connect(a, &QAction::triggered, this, slot);
    return a;
  };
  add(tr("&Open Cluster File…"), [this] { clusterPanel_->openDialog(); });
  add(tr("&Add Agent…"), [this] { clusterPanel_->addAgentDialog(); });
  menu->addSeparator();
  QAction* startLab = add(tr("Start &Local Lab"), [this] { clusterPanel_->startLab(); });
  QAction* stopLab = add(tr("Stop Local La&b"), [this] { lab_->stop(); });
  menu->addSeparator();
  QAction* deploy = add(
      tr("&Deploy…"), [this] { this->deploy(true); }, QKeySequence(Qt::CTRL | Qt::Key_R));
  QAction* stop = add(
      tr("&Stop Deployment"), [this] { deploy_->stop(); },
      QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
  QAction* redeploy = add(tr("&Redeploy"), [this] {
    QString error;
    const Topology& topology = document_->model().topology();
    const std::optional<Plan> plan = deploy_->planFor(topology, &error);
    if (!plan) {
      showError(tr("Cannot redeploy"), error);
      return;
    }
    deploy_->redeploy(topology, document_->text(), *plan, document_->baseFolder());
  });
  auto update = [=, this] {
    const LocalLab::State labState = lab_->state();
    startLab->setEnabled(labState == LocalLab::State::Stopped);
    stopLab->setEnabled(labState == LocalLab::State::Running ||
                        labState == LocalLab::State::Starting);
    const DeployController::State state = deploy_->state();
    deploy->setEnabled(state == DeployController::State::Idle);
    stop->setEnabled(state == DeployController::State::Running);
    redeploy->setEnabled(state == DeployController::State::Running);
  };
  connect(lab_, &LocalLab::stateChanged, this, update);
  connect(deploy_, &DeployController::stateChanged, this, update);
  update();
}

void MainWindow::connectLive() {
  live_ = new LiveController(*deploy_, *dashboard_, *scene_, *errors_, this);
  connect(lab_, &LocalLab::message, log_, &EventLog::addLine);
  connect(lab_, &LocalLab::failed, log_, &EventLog::addLine);
  connect(cluster_, &ClusterController::message, log_, &EventLog::addLine);
  connect(deploy_, &DeployController::log, log_, &EventLog::addLine);
  connect(files_, &FileController::log, log_, &EventLog::addLine);
  connect(lab_, &LocalLab::started, cluster_, [this](const QString& clusterFile) {
    QString error;
    if (!cluster_->openFile(clusterFile, &error)) log_->addLine(error);
  });
  connect(lab_, &LocalLab::stopped, cluster_, [this] {
    // The lab's agents are gone; a cluster opened from elsewhere stays.
    if (!cluster_->isEmpty() && cluster_->source() == lab_->clusterFile()) cluster_->clear();
  });
  connect(cluster_, &ClusterController::hellosChanged, this, &MainWindow::updateStatus);
  connect(deploy_, &DeployController::stateChanged, this, &MainWindow::updateStatus);
  connect(deploy_, &DeployController::deployFailed, this,
          [this](const QString& agent, const QString& message) {
            showError(agent.isEmpty() ? tr("Deploy failed") : tr("Deploy failed on %1").arg(agent),
                      message);
          });
  connect(deploy_, &DeployController::faultFailed, this,
          [this](const QString& message) { showError(tr("Fault not injected"), message); });
  connect(faults_, &FaultMenu::faultRequested, deploy_,
          [this](const control::FaultSpec& fault) { deploy_->inject(fault); });
  connect(clusterPanel_, &ClusterPanel::faultRequested, deploy_,
          [this](const control::FaultSpec& fault) { deploy_->inject(fault); });
  connect(faults_, &FaultMenu::componentChosen, live_,
          [this](const QString& id) { live_->showComponent(id); });
  connect(faults_, &FaultMenu::instanceChosen, live_,
          [this](const QString& id, int index) { live_->showInstance(id, index); });
  connect(clusterPanel_, &ClusterPanel::agentSelected, live_,
          [this](const QString& agent) { live_->showAgent(agent); });

  // Right-click on a deployed component: its faults.
  view_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(view_, &QWidget::customContextMenuRequested, faults_, [this](const QPoint& pos) {
    const QPointF at = view_->mapToScene(pos);
    for (const QString& id : document_->model().componentIds()) {
      QGraphicsItem* item = scene_->componentItem(id);
      if (!item || !item->sceneBoundingRect().contains(at)) continue;
      if (deploy_->state() == DeployController::State::Running) {
        faults_->popup(id, view_->viewport()->mapToGlobal(pos));
      } else {
        statusBar()->showMessage(tr("Deploy the topology to inject faults into %1").arg(id), 5000);
      }
      return;
    }
  });
}

void MainWindow::deploy(bool preview) {
  if (deploy_->state() != DeployController::State::Idle) return;
  QString error;
  const Topology& topology = document_->model().topology();
  const std::optional<Plan> plan = deploy_->planFor(topology, &error);
  if (!plan) {
    log_->addLine(error);
    showError(tr("Cannot deploy"), error);
    return;
  }
  if (preview) {
    DeployDialog dialog(QString::fromStdString(topology.name), *plan, cluster_->source(), this);
    if (dialog.exec() != QDialog::Accepted) return;
  }
  deploy_->deploy(topology, document_->text(), *plan, document_->baseFolder());
}

void MainWindow::showError(const QString& title, const QString& text) {
  // Not exec(): a scripted run (--deploy, --screenshot) must not stop on it.
  auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

void MainWindow::updateStatus() {
  QString text;
  if (cluster_->isEmpty()) {
    text = tr("No cluster");
  } else {
    const auto& hellos = cluster_->hellos();
    const auto up = std::count_if(hellos.begin(), hellos.end(),
                                  [](const control::AgentHello& h) { return h.ok(); });
    text = tr("%1 of %2 agents reachable").arg(up).arg(cluster_->cluster().agents.size());
  }
  switch (deploy_->state()) {
    case DeployController::State::Idle:
      break;
    case DeployController::State::Deploying:
      text += tr(" · deploying %1").arg(deploy_->deployment());
      break;
    case DeployController::State::Running:
      text += tr(" · %1 running").arg(deploy_->deployment());
      break;
    case DeployController::State::Stopping:
      text += tr(" · stopping %1").arg(deploy_->deployment());
      break;
  }
  clusterStatus_->setText(text);
}

void MainWindow::rebuildRecentMenu() {
  recentMenu_->clear();
  const QStringList files = files_->recentFiles();
  for (const QString& path : files) {
    QAction* a = recentMenu_->addAction(QFileInfo(path).fileName());
    a->setToolTip(path);
    connect(a, &QAction::triggered, files_, [this, path] {
      if (files_->maybeSave()) files_->openFile(path);
    });
  }
  recentMenu_->setEnabled(!files.isEmpty());
}

void MainWindow::updateTitle() {
  const QString path = document_->filePath();
  const QString name = path.isEmpty() ? QString::fromStdString(document_->model().topology().name)
                                      : QFileInfo(path).fileName();
  setWindowTitle(tr("%1[*] — TopoLab Studio").arg(name));
  setWindowModified(document_->isModified());
}

QPointF MainWindow::viewCentre() const {
  return view_->mapToScene(view_->viewport()->rect().center()) - painter_->componentRect().center();
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (files_->maybeSave()) {
    event->accept();
  } else {
    event->ignore();
  }
}

void MainWindow::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange && painter_) {
    painter_->setColors(widgets::CanvasColors::fromPalette(palette()));
    scene_->update();
  }
  QMainWindow::changeEvent(event);
}

}  // namespace topolab::studio
