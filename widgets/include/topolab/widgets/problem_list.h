// ProblemList: the model's validation problems, one row each ("LINE:COL:
// message" when the problem has a position); activating a row asks to select
// the component or stream it is about.
#pragma once

#include <QListWidget>

namespace topolab::widgets {

class TopologyModel;

class ProblemList final : public QListWidget {
  Q_OBJECT

 public:
  explicit ProblemList(TopologyModel& model, QWidget* parent = nullptr);

 signals:
  void componentActivated(const QString& id);
  void streamActivated(const QString& from, const QString& to);

 private:
  void refresh();

  TopologyModel& model_;
};

}  // namespace topolab::widgets
