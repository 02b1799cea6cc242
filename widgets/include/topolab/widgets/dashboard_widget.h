// DashboardWidget: the live dashboard. Charts of throughput (for the whole
// topology, tuples/s in from its producers and out at its sinks), processing
// and end-to-end latency percentiles (p50/p90/p99, and p99.9 and max on request)
// and error rate for one scope (the topology, a component, an agent, an
// instance, or a stream: its tuples/s and its latency from the upstream emit
// to being taken from the input queue), and a fifth chart of back pressure
// (queue fill and blocked time) or of a replicated store's lag per replica,
// with the topology's SLO bounds drawn as lines, pass/fail badges, its
// delivery mode, event markers (deploys, faults, lost agents, balancer
// members out of rotation) and a time window of 1 min, 10 min or 1 h. Rounds
// are recorded at once in a MetricsHistory; the charts are redrawn in batches
// by a coalescing timer, and not at all while the widget is hidden or paused.
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
class QMenu;
class QPushButton;
class QTimer;
class QToolButton;
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
  // What the fifth chart shows: back pressure, or a replicated store's lag
  // per replica (offered when the scope is a replicated store or one of its
  // instances, and chosen by itself when such a scope is selected).
  enum class ExtraChart { BackPressure, ReplicaLag };
  // How often pending rounds reach the charts.
  static constexpr int kRedrawIntervalMs = 400;
  // A window with more rounds than this is drawn from bucketed points (the
  // mean throughput and the highest latency and error rate of each bucket).
  static constexpr int kMaxChartPoints = 360;

  explicit DashboardWidget(QWidget* parent = nullptr);
  ~DashboardWidget() override;

  // The components (for producers' throughput), the `slo` block to draw and
  // judge, and the delivery mode to show.
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
  ExtraChart extraChart() const { return extra_; }
  void setExtraChart(ExtraChart chart);
  // The latency percentiles both latency charts draw: "p50", "p90", "p99"
  // (shown at first), "p99.9" and "max".
  void setPercentileShown(const QString& percentile, bool shown);
  bool isPercentileShown(const QString& percentile) const;
  // The delivery mode as the header shows it, e.g. "at-least-once".
  QString deliveryText() const;

  // Writes the selected scope's series as CSV (MetricsHistory::csv). On
  // failure returns false and says why in `error` (the path and the reason).
  [[nodiscard]] bool exportCsv(const QString& path, QString* error = nullptr) const;

  // What the charts show now, in chart units: x in seconds since the run
  // started; throughput tuples/s; latencies ms; error rate, queue fill and
  // blocked %; lag in writes. Names: "throughput" (at the sinks for the
  // topology), "ingest" (the topology's only: from its producers), "latency
  // p50|p90|p99|p99.9|max", "e2e p50|p90|p99|p99.9|max", "error rate",
  // "queue fill", "blocked", "lag COMPONENT#N" (one per replica), and the
  // SLO lines "throughput_min", "p99_ms_max", "error_rate_max". A series not
  // shown (a percentile not selected, the other fifth chart) has no points.
  // With a stream as the scope, the "latency" lines are the stream's.
  QList<QPointF> seriesPoints(const QString& name) const;
  QStringList seriesNames() const;
  // Whether a series is drawn now (its chart shown, it selected).
  bool isSeriesShown(const QString& name) const;
  // The markers drawn on the charts now (events inside the window).
  QList<EventMarker> markers() const;
  // Every chart's title, shown or not; with a stream as the scope the
  // processing latency chart is titled as the stream's latency.
  QStringList chartTitles() const;
  // The SLO badges: "throughput", "p99", "error rate".
  SloState sloBadge(const QString& name) const;
  QString sloBadgeText(const QString& name) const;
  // Times the charts were redrawn, and QXYSeries::replace calls made.
  int redrawCount() const { return redraws_; }
  // Columns of charts in the grid now.
  int chartColumns() const { return columns_; }
  int replaceCount() const { return replaces_; }
  // Draws pending rounds now if the widget is visible and not paused (the
  // timer does this on its own).
  void flush();

 public slots:
  void showTopology();
  void showComponent(const QString& id);
  void showAgent(const QString& agent);
  void showInstance(const QString& id, int index);
  void showStream(const QString& from, const QString& to);

 signals:
  void scopeChanged();
  // After the export button: the path written, or an empty path and why not.
  void exported(const QString& path, const QString& error);

 protected:
  void showEvent(QShowEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  QSize minimumSizeHint() const override;
  void changeEvent(QEvent* event) override;

 private:
  struct Chart;
  void setScope(ScopeKey scope);
  // The charts shown, in the columns that keep each closest to a landscape
  // shape while at least a readable size: a short, wide panel (a bottom dock)
  // puts them in a row, a narrow one stacks them.
  void arrangeCharts();
  void refreshExtraChoice(bool scopeChanged);
  bool scopeHasReplicas() const;
  void syncReplicaSeries(Chart& chart);
  void applySeriesColours(Chart& chart);
  void scheduleRedraw();
  void redraw();
  void refreshScopeNames();
  // Chart titles, legends and which lines are drawn, as the scope has them.
  void refreshTitles();
  // Shows the lines drawn for the scope and percentiles; clears the others.
  void showLines(Chart& chart);
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
  QToolButton* percentileButton_ = nullptr;
  QMenu* percentileMenu_ = nullptr;
  QComboBox* extraBox_ = nullptr;
  QLabel* delivery_ = nullptr;
  QLabel* throughputBadge_ = nullptr;
  QLabel* p99Badge_ = nullptr;
  QLabel* errorBadge_ = nullptr;
  QLabel* status_ = nullptr;
  QTimer* timer_ = nullptr;
  QGridLayout* grid_ = nullptr;
  int columns_ = 0;    // of the grid now (0: not arranged yet)
  int arranged_ = -1;  // the columns and the fifth chart the grid was laid out for
  ExtraChart extra_ = ExtraChart::BackPressure;
  bool lagOffered_ = false;
  QStringList percentiles_ = {QStringLiteral("p50"), QStringLiteral("p90"), QStringLiteral("p99")};
  std::vector<std::unique_ptr<Chart>> charts_;  // the fifth slot's two last
};

}  // namespace topolab::widgets
