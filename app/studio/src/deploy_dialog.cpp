// DeployDialog: a table of agents and their instances, the crossing streams,
// and the plan as the CLI prints it (`topolab deploy --plan-only`).
#include "deploy_dialog.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <set>

#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

using widgets::toQString;

DeployDialog::DeployDialog(const QString& topologyName, const Plan& plan,
                           const QString& clusterSource, QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("Deploy %1").arg(topologyName));
  setObjectName(QStringLiteral("deployDialog"));
  std::set<std::string> used;
  for (const PlacedInstance& p : plan.instances) used.insert(p.agent);
  auto* summary = new QLabel(
      tr("<b>%1</b>: %2 instance(s) on %3 of %4 agent(s) of %5; %6 stream(s) cross agents.")
          .arg(topologyName.toHtmlEscaped())
          .arg(plan.instances.size())
          .arg(used.size())
          .arg(plan.agents.size())
          .arg(clusterSource.toHtmlEscaped())
          .arg(plan.crossings.size()),
      this);
  summary->setWordWrap(true);

  auto* placement = new QTreeWidget(this);
  placement->setObjectName(QStringLiteral("placement"));
  placement->setHeaderLabels({tr("Agent / instance"), tr("Task")});
  placement->setRootIsDecorated(true);
  for (const std::string& agent : plan.agents) {
    auto* row = new QTreeWidgetItem(placement, {toQString(agent)});
    const auto here = plan.on(agent);
    if (here.empty()) row->setText(1, tr("(no instances)"));
    for (const PlacedInstance* p : here) {
      new QTreeWidgetItem(row, {QStringLiteral("%1#%2").arg(toQString(p->component)).arg(p->index),
                                QString::number(p->task_id)});
    }
    row->setExpanded(true);
  }
  placement->header()->setSectionResizeMode(0, QHeaderView::Stretch);

  auto* crossings = new QTreeWidget(this);
  crossings->setObjectName(QStringLiteral("crossings"));
  crossings->setHeaderLabels({tr("Stream"), tr("From agent"), tr("To agent"), tr("Transport")});
  crossings->setRootIsDecorated(false);
  for (const CrossingStream& c : plan.crossings) {
    new QTreeWidgetItem(
        crossings,
        {QStringLiteral("%1 → %2").arg(toQString(c.from), toQString(c.to)), toQString(c.from_agent),
         toQString(c.to_agent), toQString(std::string(toString(c.transport)))});
  }

  auto* text = new QPlainTextEdit(toQString(formatPlan(plan)), this);
  text->setObjectName(QStringLiteral("planText"));
  text->setReadOnly(true);
  text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

  auto* tabs = new QTabWidget(this);
  tabs->addTab(placement, tr("Placement"));
  tabs->addTab(crossings, tr("Crossing streams (%1)").arg(plan.crossings.size()));
  tabs->addTab(text, tr("As text"));

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  QPushButton* deploy = buttons->addButton(tr("&Deploy"), QDialogButtonBox::AcceptRole);
  deploy->setDefault(true);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(summary);
  layout->addWidget(tabs, 1);
  layout->addWidget(buttons);
  resize(560, 420);
}

}  // namespace topolab::studio
