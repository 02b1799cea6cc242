// FaultMenu: one QMenu per right-click, built from the running plan.
#include "fault_menu.h"

#include <QInputDialog>
#include <QMenu>

#include "deploy_controller.h"
#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

using widgets::toQString;
using widgets::toStd;

FaultMenu::FaultMenu(DeployController& deploy, QWidget& dialogParent, QObject* parent)
    : QObject(parent), deploy_(deploy), dialogParent_(dialogParent) {}

std::unique_ptr<QMenu> FaultMenu::build(const QString& component) {
  if (deploy_.state() != DeployController::State::Running) return nullptr;
  const Plan& plan = deploy_.plan();
  std::vector<const PlacedInstance*> instances;
  for (const PlacedInstance& p : plan.instances) {
    if (toQString(p.component) == component) instances.push_back(&p);
  }
  if (instances.empty()) return nullptr;

  auto menu = std::make_unique<QMenu>(tr("%1 (deployed)").arg(component));
  menu->setObjectName(QStringLiteral("faultMenu"));
  // Kill and revive take one instance (named with its agent) or all of them.
  auto perInstance = [&](const QString& title, const QString& name, control::FaultSpec::Kind kind) {
    QMenu* sub = menu->addMenu(title);
    sub->setObjectName(name);
    auto add = [&](const QString& text, int index) {
      QAction* a = sub->addAction(text);
      connect(a, &QAction::triggered, this, [this, component, index, kind] {
        control::FaultSpec fault;
        fault.kind = kind;
        fault.component = toStd(component);
        fault.index = index;
        emit faultRequested(fault);
      });
    };
    for (const PlacedInstance* p : instances) {
      add(tr("%1#%2 on %3").arg(component).arg(p->index).arg(toQString(p->agent)), p->index);
    }
    if (instances.size() > 1) {
      sub->addSeparator();
      add(tr("Every instance of %1").arg(component), -1);
    }
  };
  perInstance(tr("&Kill instance"), QStringLiteral("killMenu"),
              control::FaultSpec::Kind::KillInstance);
  perInstance(tr("&Revive instance"), QStringLiteral("reviveMenu"),
              control::FaultSpec::Kind::Revive);
  QAction* latency = menu->addAction(tr("Add &latency…"));
  connect(latency, &QAction::triggered, this, [this, component] { askLatency(component); });
  QAction* fail = menu->addAction(tr("&Fail a fraction of tuples…"));
  connect(fail, &QAction::triggered, this, [this, component] { askFailure(component); });
  menu->addSeparator();
  QAction* show = menu->addAction(tr("Show %1 on the dashboard").arg(component));
  connect(show, &QAction::triggered, this, [this, component] { emit componentChosen(component); });
  if (instances.size() > 1) {
    QMenu* one = menu->addMenu(tr("Show one instance"));
    for (const PlacedInstance* p : instances) {
      const int index = p->index;
      QAction* a = one->addAction(QStringLiteral("%1#%2").arg(component).arg(index));
      connect(a, &QAction::triggered, this,
              [this, component, index] { emit instanceChosen(component, index); });
    }
  }
  return menu;
}

void FaultMenu::popup(const QString& component, const QPoint& globalPos) {
  const std::unique_ptr<QMenu> menu = build(component);
  if (menu) menu->exec(globalPos);
}

void FaultMenu::askLatency(const QString& component) {
  bool ok = false;
  const int ms = QInputDialog::getInt(&dialogParent_, tr("Add latency"),
                                      tr("Delay every tuple into %1 by (ms):").arg(component), 50,
                                      1, 60000, 10, &ok);
  if (!ok) return;
  control::FaultSpec fault;
  fault.kind = control::FaultSpec::Kind::Latency;
  fault.component = toStd(component);
  fault.latency_ms = static_cast<unsigned>(ms);
  emit faultRequested(fault);
}

void FaultMenu::askFailure(const QString& component) {
  bool ok = false;
  const double ratio = QInputDialog::getDouble(
      &dialogParent_, tr("Fail a fraction"),
      tr("Fraction of tuples %1 fails (0 to 1):").arg(component), 0.1, 0.0, 1.0, 3, &ok, {}, 0.05);
  if (!ok) return;
  control::FaultSpec fault;
  fault.kind = control::FaultSpec::Kind::Fail;
  fault.component = toStd(component);
  fault.ratio = ratio;
  emit faultRequested(fault);
}

}  // namespace topolab::studio
