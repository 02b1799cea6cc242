// ClusterPanel: a tree of agents rebuilt from the controller's Hello answers.
#include "cluster_panel.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "cluster_controller.h"
#include "local_lab.h"
#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

using widgets::toQString;
using widgets::toStd;

namespace {

enum Column { Name, Status, Deployments, Load, Cores, Memory, Version, Address, Count };

QString memoryText(uint64_t bytes) {
  return QStringLiteral("%1 GiB").arg(static_cast<double>(bytes) / (1ull << 30), 0, 'f', 1);
}

}  // namespace

ClusterPanel::ClusterPanel(ClusterController& cluster, LocalLab& lab, QWidget* parent)
    : QWidget(parent),
      cluster_(cluster),
      lab_(lab),
      source_(new QLabel(this)),
      table_(new QTreeWidget(this)),
      labSize_(new QSpinBox(this)),
      startLab_(new QPushButton(tr("Start local lab"), this)),
      stopLab_(new QPushButton(tr("Stop lab"), this)) {
  setObjectName(QStringLiteral("clusterPanel"));
  source_->setWordWrap(true);
  source_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  table_->setObjectName(QStringLiteral("agents"));
  table_->setColumnCount(Count);
  table_->setHeaderLabels({tr("Agent"), tr("Status"), tr("Deployments"), tr("Load"), tr("Cores"),
                           tr("Memory"), tr("Version"), tr("Address")});
  table_->setRootIsDecorated(false);
  table_->setUniformRowHeights(true);
  table_->setContextMenuPolicy(Qt::CustomContextMenu);
  table_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->header()->setStretchLastSection(true);

  auto* open = new QToolButton(this);
  open->setText(tr("Open…"));
  open->setToolTip(tr("Open a cluster file"));
  auto* add = new QToolButton(this);
  add->setText(tr("Add agent…"));
  labSize_->setRange(1, 16);
  labSize_->setValue(3);
  labSize_->setSuffix(tr(" agents"));
  labSize_->setToolTip(tr("How many agents the local lab starts on this machine"));
  startLab_->setToolTip(
      tr("Start agents on loopback (the first with an embedded Kafka cluster) and use them"));

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(open);
  buttons->addWidget(add);
  buttons->addStretch(1);
  buttons->addWidget(labSize_);
  buttons->addWidget(startLab_);
  buttons->addWidget(stopLab_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(buttons);
  layout->addWidget(source_);
  layout->addWidget(table_, 1);

  connect(open, &QToolButton::clicked, this, &ClusterPanel::openDialog);
  connect(add, &QToolButton::clicked, this, &ClusterPanel::addAgentDialog);
  connect(startLab_, &QPushButton::clicked, this, &ClusterPanel::startLab);
  connect(stopLab_, &QPushButton::clicked, &lab_, [this] { lab_.stop(); });
  connect(&lab_, &LocalLab::stateChanged, this, &ClusterPanel::updateLabButtons);
  connect(&lab_, &LocalLab::failed, this,
          [this](const QString& message) { QMessageBox::warning(this, tr("Local lab"), message); });
  connect(&cluster_, &ClusterController::clusterChanged, this, &ClusterPanel::rebuild);
  connect(&cluster_, &ClusterController::hellosChanged, this, &ClusterPanel::rebuild);
  connect(table_, &QTreeWidget::customContextMenuRequested, this, &ClusterPanel::showContextMenu);
  connect(table_, &QTreeWidget::itemSelectionChanged, this, [this] {
    const QList<QTreeWidgetItem*> rows = table_->selectedItems();
    emit agentSelected(rows.isEmpty() ? QString() : rows.front()->text(Name));
  });
  rebuild();
  updateLabButtons();
}

void ClusterPanel::rebuild() {
  const QString selected =
      table_->selectedItems().isEmpty() ? QString() : table_->selectedItems().front()->text(Name);
  table_->clear();
  if (cluster_.isEmpty()) {
    source_->setText(tr("No cluster. Open a cluster file, add an agent, or start a local lab."));
    return;
  }
  source_->setText(tr("From %1").arg(cluster_.source()));
  for (const control::AgentEntry& entry : cluster_.cluster().agents) {
    const QString name = toQString(entry.name);
    auto* row = new QTreeWidgetItem(table_);
    row->setText(Name, name);
    row->setText(Address, toQString(entry.address));
    const control::AgentHello* hello = cluster_.hello(name);
    if (!hello) {
      row->setText(Status, tr("asking…"));
    } else if (!hello->ok()) {
      row->setText(Status, tr("unreachable"));
      row->setForeground(Status, QColor(0xc6, 0x28, 0x28));
      row->setToolTip(Status, toQString(hello->error));
      row->setText(Deployments, toQString(hello->error));
    } else {
      row->setText(Status, tr("reachable"));
      row->setForeground(Status, QColor(0x2e, 0x7d, 0x32));
      row->setText(Version, toQString(hello->version));
      row->setText(Cores, QString::number(hello->cores));
      row->setText(Memory, memoryText(hello->memory_bytes));
      row->setText(Load, QString::number(hello->load_average, 'f', 2));
      QStringList deployments;
      for (const std::string& d : hello->deployments) deployments << toQString(d);
      QString text =
          deployments.isEmpty() ? QStringLiteral("–") : deployments.join(QStringLiteral(", "));
      if (!hello->kafka_bootstrap.empty()) {
        text += tr("  (Kafka at %1)").arg(toQString(hello->kafka_bootstrap));
      }
      row->setText(Deployments, text);
      row->setToolTip(
          Status,
          tr("%1, token role %2").arg(toQString(hello->reported_name), toQString(hello->role)));
    }
    if (name == selected) row->setSelected(true);
  }
}

void ClusterPanel::updateLabButtons() {
  const LocalLab::State state = lab_.state();
  startLab_->setEnabled(state == LocalLab::State::Stopped);
  labSize_->setEnabled(state == LocalLab::State::Stopped);
  stopLab_->setEnabled(state == LocalLab::State::Running || state == LocalLab::State::Starting);
  startLab_->setText(state == LocalLab::State::Starting ? tr("Starting…") : tr("Start local lab"));
}

void ClusterPanel::openDialog() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open cluster file"), QString(), tr("Cluster files (*.yaml *.yml);;All files (*)"));
  if (path.isEmpty()) return;
  QString error;
  if (!cluster_.openFile(path, &error)) {
    QMessageBox::warning(this, tr("Open cluster"), tr("Cannot use %1:\n%2").arg(path, error));
  }
}

void ClusterPanel::addAgentDialog() {
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Add agent"));
  auto* name = new QLineEdit(&dialog);
  auto* address = new QLineEdit(QStringLiteral("127.0.0.1:7701"), &dialog);
  auto* token = new QLineEdit(&dialog);
  name->setPlaceholderText(QStringLiteral("node-a"));
  token->setPlaceholderText(tr("<state-dir>/operator.token"));
  auto* browse = new QToolButton(&dialog);
  browse->setText(QStringLiteral("…"));
  connect(browse, &QToolButton::clicked, &dialog, [&dialog, token] {
    const QString path = QFileDialog::getOpenFileName(&dialog, tr("Token file"));
    if (!path.isEmpty()) token->setText(path);
  });
  auto* tokenRow = new QHBoxLayout;
  tokenRow->addWidget(token, 1);
  tokenRow->addWidget(browse);
  auto* form = new QFormLayout(&dialog);
  form->addRow(tr("Name"), name);
  form->addRow(tr("Address"), address);
  form->addRow(tr("Token file"), tokenRow);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
    QString error;
    if (cluster_.addAgent(name->text(), address->text(), token->text(), &error)) {
      dialog.accept();
    } else {
      QMessageBox::warning(&dialog, tr("Add agent"), error);
    }
  });
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  dialog.exec();
}

void ClusterPanel::startLab() { lab_.start(labSize_->value()); }

void ClusterPanel::partitionDialog(const QString& agent) {
  bool ok = false;
  const int seconds = QInputDialog::getInt(
      this, tr("Cut off %1").arg(agent),
      tr("Cut %1 off from its peers for how many seconds?").arg(agent), 10, 1, 3600, 1, &ok);
  if (!ok) return;
  control::FaultSpec fault;
  fault.kind = control::FaultSpec::Kind::Partition;
  fault.agent = toStd(agent);
  fault.seconds = static_cast<unsigned>(seconds);
  emit faultRequested(fault);
}

void ClusterPanel::showContextMenu(const QPoint& pos) {
  QTreeWidgetItem* row = table_->itemAt(pos);
  if (!row) return;
  const QString agent = row->text(Name);
  QMenu menu(this);
  QAction* cut = menu.addAction(tr("Cut %1 off from its peers…").arg(agent));
  connect(cut, &QAction::triggered, this, [this, agent] { partitionDialog(agent); });
  QAction* show = menu.addAction(tr("Show %1 on the dashboard").arg(agent));
  connect(show, &QAction::triggered, this, [this, agent] { emit agentSelected(agent); });
  menu.exec(table_->viewport()->mapToGlobal(pos));
}

}  // namespace topolab::studio
