// ProblemList: rebuilt whenever the model's problems change.
#include "topolab/widgets/problem_list.h"

#include "topolab/widgets/topology_model.h"

namespace topolab::widgets {

constexpr int kComponentRole = Qt::UserRole + 1;
constexpr int kFromRole = Qt::UserRole + 2;
constexpr int kToRole = Qt::UserRole + 3;

ProblemList::ProblemList(TopologyModel& model, QWidget* parent)
    : QListWidget(parent), model_(model) {
  setWordWrap(true);
  setAlternatingRowColors(true);
  connect(&model_, &TopologyModel::problemsChanged, this, &ProblemList::refresh);
  auto activate = [this](QListWidgetItem* item) {
    const QString id = item->data(kComponentRole).toString();
    if (!id.isEmpty()) {
      emit componentActivated(id);
    } else if (!item->data(kFromRole).toString().isEmpty()) {
      emit streamActivated(item->data(kFromRole).toString(), item->data(kToRole).toString());
    }
  };
  connect(this, &QListWidget::itemClicked, this, activate);
  connect(this, &QListWidget::itemActivated, this, activate);
  refresh();
}

void ProblemList::refresh() {
  clear();
  for (const Problem& p : model_.problems()) {
    QString text = p.message;
    if (p.line > 0) text = QStringLiteral("%1:%2: %3").arg(p.line).arg(p.col).arg(p.message);
    auto* item =
        new QListWidgetItem(style()->standardIcon(QStyle::SP_MessageBoxWarning), text, this);
    item->setData(kComponentRole, p.component);
    item->setData(kFromRole, p.stream_from);
    item->setData(kToRole, p.stream_to);
  }
}

}  // namespace topolab::widgets
