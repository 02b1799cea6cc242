// ErrorsPanel: a running deployment's error samples — time, component#N,
// agent, message and the key of the tuple concerned, newest last — as the
// metrics rounds bring them, filterable to one component (what the canvas's
// "N err" badge opens).
#pragma once

#include <QWidget>
#include <deque>

#include "topolab/engine/metrics.h"
#include "topolab/engine/topology.h"

class QComboBox;
class QLabel;
class QTableWidget;

namespace topolab::widgets {

class ErrorsPanel final : public QWidget {
  Q_OBJECT

 public:
  // Samples kept for the run; older ones drop.
  static constexpr size_t kMaxSamples = 5000;

  explicit ErrorsPanel(QWidget* parent = nullptr);

  // A new run: no samples, and its components to filter by (the filter stays
  // on a component the new run has).
  void setTopology(const Topology& topology);
  // The samples taken in the round prev → cur (cumulative snapshots of one run).
  void addRound(const Snapshot& prev, const Snapshot& cur);
  // Only component `id`'s samples; an empty id: every component's.
  void showComponent(const QString& id);
  QString component() const;
  // Rows shown now (after the filter).
  int rowCount() const;

 private:
  bool shown(const InstanceError& e) const;
  void appendRow(const InstanceError& e);
  void refill();
  void updateCount();

  QComboBox* filter_;
  QLabel* count_;
  QTableWidget* table_;
  std::deque<InstanceError> samples_;
};

}  // namespace topolab::widgets
