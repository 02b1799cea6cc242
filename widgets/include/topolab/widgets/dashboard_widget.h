// DashboardWidget: the live dashboard. Charts of throughput, processing and
// end-to-end latency percentiles and error rate for one scope (the topology, a
// component, an agent or an instance), with the topology's SLO bounds drawn as
// lines, pass/fail badges, event markers (deploys, faults, lost agents) and a
// time window of 1 min, 10 min or 1 h. Rounds are recorded at once in a
// MetricsHistory; the charts are redrawn in batches by a coalescing timer, and
// not at all while the widget is hidden or paused.
#pragma once

#include <QList>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QWidget>
#include <memory>

#include "topolab/widgets/metrics_history.h"

class QChart;
class QComboBox;
class QGridLayout;
class QLabel;
class QLineSeries;
class QPushButton;
class QTimer;
class QValueAxis;

namespace topolab::widgets {

class EventChartView;

struct EventMarker {
  qint64 t_ms = 0;
  QString kind;
  QString detail;
};

class DashboardWidget final : public QWidget {
  Q_OBJECT

 public:
  enum class TimeWindow { OneMinute, TenMinutes, OneHour };
  // How often pending rounds reach the charts.
  static constexpr int kRedrawIntervalMs = 400;
  // A window with more rounds than this is drawn from bucketed points (the
  // mean throughput and the highest latency and error rate of each bucket).
  static constexpr int kMaxChartPoints = 360;

  explicit DashboardWidget(QWidget* parent = nullptr);
  ~DashboardWidget() override;

  // The components (for producers' throughput) and the `slo` block to draw and judge.
  void setTopology(const topolab::Topology& topology);
  // Records one metrics round (cumulative snapshots of one run) at once; the
  // charts follow at the next redraw. False when it was no rate to chart
  // (see MetricsHistory::addRound).
  bool addRound(const topolab::Snapshot& prev, const topolab::Snapshot& cur);
  // A marker on every chart, e.g. ("fault", "kill count#1", "agent-b").
  void addEvent(qint64 t_ms, const QString& kind, const QString& detail, const QString& agent = {});
  // Forgets every round and event (a new deployment); keeps the topology.
  void clear();
  const MetricsHistory& history() const { return history_; }

  ScopeKey scope() const { return scope_; }
  TimeWindow timeWindow() const { return window_; }
  void setTimeWindow(TimeWindow window);
  bool isPaused() const { return paused_; }
  void setPaused(bool paused);

  // Writes the selected scope's series as CSV (MetricsHistory::csv). On
  // failure returns false and says why in `error` (the path and the reason).
  [[nodiscard]] bool exportCsv(const QString& path, QString* error = nullptr) const;

  // What the charts show now, in chart units: x in seconds since the run
  // started; throughput tuples/s; latencies ms; error rate %. Names:
  // "throughput", "latency p50|p90|p99", "e2e p50|p90|p99", "error rate",
  // and the SLO lines "throughput_min", "p99_ms_max", "error_rate_max".
  QList<QPointF> seriesPoints(const QString& name) const;
  QStringList seriesNames() const;
  // The markers drawn on the charts now (events inside the window).
  QList<EventMarker> markers() const;
  // The SLO badges: "throughput", "p99", "error rate".
  SloState sloBadge(const QString& name) const;
  QString sloBadgeText(const QString& name) const;
  // Times the charts were redrawn, and QXYSeries::replace calls made.
  int redrawCount() const { return redraws_; }
  int replaceCount() const { return replaces_; }
  // Draws pending rounds now if the widget is visible and not paused (the
  // timer does this on its own).
  void flush();

 public slots:
  void showTopology();
  void showComponent(const QString& id);
  void showAgent(const QString& agent);
  void showInstance(const QString& id, int index);

 signals:
  void scopeChanged();
  // After the export button: the path written, or an empty path and why not.
  void exported(const QString& path, const QString& error);

 protected:
  void showEvent(QShowEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  struct Chart;
  void setScope(ScopeKey scope);
  // Four charts in a row when the widget is wide and short, else two by two.
  void arrangeCharts(bool wide);
  void scheduleRedraw();
  void redraw();
  void refreshScopeNames();
  void refreshBadges();
  void applyTheme();
  void exportInteractively();
  QLineSeries* seriesNamed(const QString& name) const;

  MetricsHistory history_;
  ScopeKey scope_;
  TimeWindow window_ = TimeWindow::TenMinutes;
  bool paused_ = false;
  bool dirty_ = false;
  int redraws_ = 0;
  int replaces_ = 0;
  size_t scopesShown_ = 0;  // scopes in the selector, to refresh it when new ones appear
  QList<EventMarker> markers_;

  QComboBox* kindBox_ = nullptr;
  QComboBox* nameBox_ = nullptr;
  QComboBox* windowBox_ = nullptr;
  QPushButton* pauseButton_ = nullptr;
  QPushButton* exportButton_ = nullptr;
  QLabel* throughputBadge_ = nullptr;
  QLabel* p99Badge_ = nullptr;
  QLabel* errorBadge_ = nullptr;
  QLabel* status_ = nullptr;
  QTimer* timer_ = nullptr;
  QGridLayout* grid_ = nullptr;
  bool wide_ = false;
  std::vector<std::unique_ptr<Chart>> charts_;
};

}  // namespace topolab::widgets
