// ClusterPanel: the cluster dock — one row per agent with what its last Hello
// said (version, cores, memory, load, deployments) or why it did not answer;
// opening a cluster file, adding an agent by hand, starting and stopping the
// local lab; and an agent's context menu (cut it off from its peers).
#pragma once

#include <QWidget>

#include "topolab/control/fault_spec.h"

class QLabel;
class QPushButton;
class QSpinBox;
class QTreeWidget;

namespace topolab::studio {

class ClusterController;
class LocalLab;

class ClusterPanel final : public QWidget {
  Q_OBJECT

 public:
  ClusterPanel(ClusterController& cluster, LocalLab& lab, QWidget* parent = nullptr);

  QTreeWidget& table() { return *table_; }
  // Asks for a cluster file and opens it (File → Open cluster…).
  void openDialog();
  // Asks for an agent's name, address and token file and adds it.
  void addAgentDialog();
  void startLab();
  // Offers to cut `agent` off from its peers for a number of seconds.
  void partitionDialog(const QString& agent);

 signals:
  void faultRequested(const topolab::control::FaultSpec& fault);
  // An agent row was selected (empty: none).
  void agentSelected(const QString& agent);

 private:
  void rebuild();
  void updateLabButtons();
  void showContextMenu(const QPoint& pos);

  ClusterController& cluster_;
  LocalLab& lab_;
  QLabel* source_;
  QTreeWidget* table_;
  QSpinBox* labSize_;
  QPushButton* startLab_;
  QPushButton* stopLab_;
};

}  // namespace topolab::studio
