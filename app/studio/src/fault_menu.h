// FaultMenu: the context menu of a component on the canvas while its topology
// is deployed — kill or revive one instance (#N, with the agent it runs on) or all, add
// latency, fail a fraction of tuples — and "show on the dashboard" for the
// component or one instance. It only asks; the deploy controller injects.
#pragma once

#include <QObject>
#include <QString>
#include <memory>

#include "topolab/control/fault_spec.h"

class QMenu;
class QPoint;
class QWidget;

namespace topolab::studio {

class DeployController;

class FaultMenu final : public QObject {
  Q_OBJECT

 public:
  FaultMenu(DeployController& deploy, QWidget& dialogParent, QObject* parent = nullptr);

  // The menu for `component` (nullptr when nothing of it is deployed).
  [[nodiscard]] std::unique_ptr<QMenu> build(const QString& component);
  // Builds the menu and runs it at `globalPos`.
  void popup(const QString& component, const QPoint& globalPos);

 signals:
  void faultRequested(const topolab::control::FaultSpec& fault);
  void componentChosen(const QString& component);
  void instanceChosen(const QString& component, int index);

 private:
  void askLatency(const QString& component);
  void askFailure(const QString& component);

  DeployController& deploy_;
  QWidget& dialogParent_;
};

}  // namespace topolab::studio
