// DeployDialog: the plan preview shown before a deploy — which instance runs
// on which agent, and which streams cross agents and by what transport — with
// Deploy and Cancel. Nothing is sent to an agent until the user accepts.
#pragma once

#include <QDialog>

#include "topolab/engine/plan.h"

namespace topolab::studio {

class DeployDialog final : public QDialog {
  Q_OBJECT

 public:
  DeployDialog(const QString& topologyName, const Plan& plan, const QString& clusterSource,
               QWidget* parent = nullptr);
};

}  // namespace topolab::studio
