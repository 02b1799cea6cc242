// DashboardWidget: five charts fed from a MetricsHistory by a coalescing timer.
#include "topolab/widgets/dashboard_widget.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QGraphicsLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QResizeEvent>
#include <QSignalBlocker>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "topolab/widgets/topology_model.h"

namespace topolab::widgets {

// A chart view that draws the run's events as labelled vertical lines over the plot.
class EventChartView final : public QChartView {
 public:
  EventChartView(QChart* chart, QValueAxis* x) : QChartView(chart), x_(x) {
    setRenderHint(QPainter::Antialiasing);
  }
  void setMarkers(const QList<EventMarker>& markers) {
    // Markers that moved with the window are repainted with the series; an
    // extra update here would paint every chart twice per redraw.
    const bool same = markers.size() == markers_.size() &&
                      std::equal(markers.begin(), markers.end(), markers_.begin(),
                                 [](const EventMarker& a, const EventMarker& b) {
                                   return a.t_ms == b.t_ms && a.kind == b.kind;
                                 });
    markers_ = markers;
    if (!same) viewport()->update();
  }

 protected:
  void drawForeground(QPainter* p, const QRectF&) override {
    const QRectF plot = chart()->plotArea();
    const double span = x_->max() - x_->min();
    if (markers_.isEmpty() || span <= 0 || plot.isEmpty()) return;
    p->save();
    QFont f = font();
    f.setPointSizeF(7.5);
    p->setFont(f);
    const QFontMetricsF fm(f);
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    // Labels that would overlap go on the next row down; past the last row they are left out.
    // Four: a fault, the instance it failed and the balancer taking it out
    // of rotation come within a second of each other.
    constexpr int kRows = 4;
    qreal rowEnd[kRows] = {-1e9, -1e9, -1e9, -1e9};
    for (const EventMarker& m : markers_) {
      const qreal x =
          plot.left() + (static_cast<double>(m.t_ms) / 1000.0 - x_->min()) / span * plot.width();
      if (x < plot.left() - 0.5 || x > plot.right() + 0.5) continue;
      const QColor c = colourOf(m.kind, dark);
      p->setPen(QPen(c, 1.2, Qt::DashLine));
      p->drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
      const qreal w = fm.horizontalAdvance(m.kind) + 6;
      QRectF label(x + 2, plot.top() + 1, w, fm.height() + 2);
      if (label.right() > plot.right()) label.moveRight(x - 2);
      int row = 0;
      while (row < kRows && label.left() < rowEnd[row]) ++row;
      if (row == kRows) continue;
      label.translate(0, row * (label.height() + 2));
      p->setPen(Qt::NoPen);
      p->setBrush(c);
      p->drawRoundedRect(label, 3, 3);
      p->setPen(Qt::white);
      p->drawText(label, Qt::AlignCenter, m.kind);
      rowEnd[row] = label.right() + 4;
    }
    p->restore();
  }

 private:
  static QColor colourOf(const QString& kind, bool dark) {
    if (kind == QLatin1String("fault"))
      return dark ? QColor(0xff, 0x5c, 0x5c) : QColor(0xc6, 0x28, 0x28);
    if (kind.startsWith(QLatin1String("agent-lost"))) return QColor(0xe6, 0x7e, 0x22);
    if (kind == QLatin1String("deploy") || kind == QLatin1String("agent-back"))
      return dark ? QColor(0x4d, 0xa3, 0xff) : QColor(0x1a, 0x73, 0xe8);
    if (kind == QLatin1String("promotion")) return QColor(0x8e, 0x44, 0xad);
    // A balancer member leaving rotation is not a fault injected: its own colour.
    if (kind == QLatin1String("member-down"))
      return dark ? QColor(0xf0, 0x62, 0x92) : QColor(0xc2, 0x18, 0x5b);
    if (kind == QLatin1String("member-up"))
      return dark ? QColor(0x26, 0xa6, 0x9a) : QColor(0x00, 0x79, 0x6b);
    return dark ? QColor(0x9a, 0xa4, 0xb2) : QColor(0x5f, 0x67, 0x73);
  }

  QValueAxis* x_;
  QList<EventMarker> markers_;
};

namespace {

// The value a chart plots for one point (NaN: no sample).
using Field = double HistoryPoint::*;

}  // namespace

struct DashboardWidget::Chart {
  struct Line {
    QString name;  // as seriesPoints() knows it
    QLineSeries* series = nullptr;
    Field field = nullptr;
    double scale = 1;
    bool mean = false;     // bucketed points: the mean, else the highest
    QString percentile;    // a latency line: shown only when selected
    std::string instance;  // a replica's line: read from this instance's points

    bool topology_only = false;  // drawn only while the topology is the scope
    QString legend;
    QString topology_legend;  // the legend while the topology is the scope; empty: the same

    // Whether the line is drawn for `scope` with `percentiles` selected.
    bool drawn(const ScopeKey& scope, const QStringList& percentiles) const {
      return (percentile.isEmpty() || percentiles.contains(percentile)) &&
             (!topology_only || scope.kind == ScopeKind::Topology);
    }
    QString legendFor(const ScopeKey& scope) const {
      return scope.kind == ScopeKind::Topology && !topology_legend.isEmpty() ? topology_legend
                                                                             : legend;
    }
  };
  QChart* chart = nullptr;  // owned by the view
  QString title;
  QString stream_title;  // the title while a stream is the scope; empty: the same
  EventChartView* view = nullptr;
  QValueAxis* x = nullptr;
  QValueAxis* y = nullptr;
  QList<Line> series;
  QString slo_name;
  QLineSeries* slo = nullptr;
  double fixed_top = 0;   // > 0: the y axis always spans 0 to this (percentages)
  bool replicas = false;  // one line per replica of the scope's replicated store
  bool shown = false;     // in the grid now
};

namespace {

constexpr double kPercent = 100.0;
// The least size a chart stays readable at: the layout picks its columns to keep it.
constexpr int kMinChartWidth = 200;
constexpr int kMinChartHeight = 200;

// The least top of a value axis: an axis labelled in whole numbers spans at
// least 5, so its ticks read 0, 1, 2… rather than 0, 0, 1, 1; an empty chart
// of fractions spans 1.
double leastTop(const QValueAxis& y, double top) {
  if (y.labelFormat() == QStringLiteral("%.0f")) return 5;
  return top > 0 ? 0 : 1;
}

qint64 windowMs(DashboardWidget::TimeWindow w) {
  switch (w) {
    case DashboardWidget::TimeWindow::OneMinute:
      return 60'000;
    case DashboardWidget::TimeWindow::TenMinutes:
      return 600'000;
    case DashboardWidget::TimeWindow::OneHour:
      break;
  }
  return 3'600'000;
}

// The points of `ring` from `start` on, in chart units, at most
// kMaxChartPoints (buckets of several rounds beyond that); raises `top`.
QList<QPointF> pointsOf(const SeriesRing* ring, Field field, double scale, bool mean, qint64 start,
                        double* top) {
  QList<QPointF> points;
  if (!ring) return points;
  const size_t first = ring->firstAtOrAfter(start);
  const size_t count = ring->size() - first;
  const size_t bucket = std::max<size_t>(
      (count + DashboardWidget::kMaxChartPoints - 1) / DashboardWidget::kMaxChartPoints, 1);
  points.reserve(static_cast<qsizetype>(count / bucket + 1));
  for (size_t i = first; i < first + count; i += bucket) {
    const size_t stop = std::min(i + bucket, first + count);
    double sum = 0, high = -1;
    int samples = 0;
    for (size_t j = i; j < stop; ++j) {
      const double v = ring->at(j).*field;
      if (std::isnan(v)) continue;
      sum += v;
      high = std::max(high, v);
      ++samples;
    }
    if (samples == 0) continue;  // no sample: a gap, not a zero
    const double v = (mean ? sum / samples : high) * scale;
    points.append({static_cast<double>(ring->at(stop - 1).t_ms) / 1000.0, v});
    *top = std::max(*top, v);
  }
  return points;
}

const QStringList& allPercentiles() {
  static const QStringList kAll = {QStringLiteral("p50"), QStringLiteral("p90"),
                                   QStringLiteral("p99"), QStringLiteral("p99.9"),
                                   QStringLiteral("max")};
  return kAll;
}

// What the scope selector shows for a scope's name: a stream "events:enrich"
// as "events → enrich", any other name as it is.
QString scopeLabel(const ScopeKey& scope) {
  const QString name = toQString(scope.name);
  if (scope.kind != ScopeKind::Stream || !name.contains(u':')) return name;
  return name.section(u':', 0, 0) + QStringLiteral(" → ") + name.section(u':', 1);
}

// The component of an instance's name ("kv#1" → "kv").
std::string componentOf(const std::string& instance) {
  return instance.substr(0, instance.rfind('#'));
}

QString trimmed(double v) { return QString::number(v, 'g', 6); }

QString badgeStyle(SloState s, bool dark) {
  QString bg = QStringLiteral("#8a939f");
  if (s == SloState::Pass) bg = dark ? QStringLiteral("#2e8b57") : QStringLiteral("#1e7e45");
  if (s == SloState::Fail) bg = dark ? QStringLiteral("#d64545") : QStringLiteral("#c62828");
  return QStringLiteral(
             "QLabel { background: %1; color: white; border-radius: 4px; padding: 2px 8px; "
             "font-weight: 600; }")
      .arg(bg);
}

QString stateWord(SloState s) {
  switch (s) {
    case SloState::Pass:
      return QStringLiteral("pass");
    case SloState::Fail:
      return QStringLiteral("FAIL");
    case SloState::NoData:
      return QStringLiteral("no data");
    case SloState::NotSet:
      break;
  }
  return {};
}

}  // namespace

DashboardWidget::DashboardWidget(QWidget* parent) : QWidget(parent) {
  kindBox_ = new QComboBox(this);
  kindBox_->setObjectName(QStringLiteral("scopeKind"));
  kindBox_->addItem(tr("Topology"), static_cast<int>(ScopeKind::Topology));
  kindBox_->addItem(tr("Component"), static_cast<int>(ScopeKind::Component));
  kindBox_->addItem(tr("Agent"), static_cast<int>(ScopeKind::Agent));
  kindBox_->addItem(tr("Instance"), static_cast<int>(ScopeKind::Instance));
  kindBox_->addItem(tr("Stream"), static_cast<int>(ScopeKind::Stream));
  kindBox_->setToolTip(
      tr("What the charts show: the whole topology, a component, an agent, an instance or a "
         "stream (its latency from the upstream emit to being taken from the input queue)"));
  nameBox_ = new QComboBox(this);
  nameBox_->setObjectName(QStringLiteral("scopeName"));
  nameBox_->setMinimumContentsLength(14);
  nameBox_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  nameBox_->setEnabled(false);
  nameBox_->setVisible(false);
  windowBox_ = new QComboBox(this);
  windowBox_->addItem(tr("1 min"), static_cast<int>(TimeWindow::OneMinute));
  windowBox_->addItem(tr("10 min"), static_cast<int>(TimeWindow::TenMinutes));
  windowBox_->addItem(tr("1 h"), static_cast<int>(TimeWindow::OneHour));
  windowBox_->setCurrentIndex(1);
  windowBox_->setToolTip(tr("Time window"));
  pauseButton_ = new QPushButton(tr("Pause"), this);
  pauseButton_->setCheckable(true);
  pauseButton_->setToolTip(tr("Stop redrawing the charts; rounds are still recorded"));
  exportButton_ = new QPushButton(tr("Export CSV…"), this);
  exportButton_->setToolTip(tr("Save the selected scope's series as CSV"));
  percentileMenu_ = new QMenu(this);
  for (const QString& p : allPercentiles()) {
    QAction* action = percentileMenu_->addAction(p);
    action->setCheckable(true);
    action->setChecked(percentiles_.contains(p));
    connect(action, &QAction::toggled, this, [this, p](bool on) { setPercentileShown(p, on); });
  }
  percentileButton_ = new QToolButton(this);
  percentileButton_->setText(tr("Percentiles"));
  percentileButton_->setMenu(percentileMenu_);
  percentileButton_->setPopupMode(QToolButton::InstantPopup);
  percentileButton_->setToolTip(tr("Which latency percentiles the latency charts draw"));
  extraBox_ = new QComboBox(this);
  extraBox_->addItem(tr("Back pressure"), static_cast<int>(ExtraChart::BackPressure));
  extraBox_->setToolTip(
      tr("The fifth chart: back pressure (queue fill and time blocked), or for a replicated "
         "store its lag per replica"));
  delivery_ = new QLabel(this);
  delivery_->setToolTip(tr("Delivery mode, from the topology's defaults"));
  delivery_->setVisible(false);
  throughputBadge_ = new QLabel(this);
  p99Badge_ = new QLabel(this);
  errorBadge_ = new QLabel(this);
  status_ = new QLabel(this);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* bar = new QHBoxLayout;
  bar->addWidget(kindBox_);
  bar->addWidget(nameBox_);
  bar->addWidget(windowBox_);
  bar->addWidget(percentileButton_);
  bar->addWidget(extraBox_);
  bar->addWidget(pauseButton_);
  bar->addWidget(exportButton_);
  bar->addWidget(status_, 1);
  bar->addWidget(delivery_);
  bar->addWidget(throughputBadge_);
  bar->addWidget(p99Badge_);
  bar->addWidget(errorBadge_);

  grid_ = new QGridLayout;
  grid_->setSpacing(4);
  using Line = Chart::Line;
  auto makeChart = [this](const QString& title, const QString& unit, const char* format,
                          QList<QPair<Line, QString>> lines, const QString& slo) -> Chart& {
    auto c = std::make_unique<Chart>();
    c->chart = new QChart;
    c->chart->setTitle(title);
    c->title = title;
    c->chart->setMargins(QMargins(2, 2, 2, 2));
    // The chart's own padding, besides its margins, would leave the legend
    // and the plot 18 px less of a narrow chart.
    c->chart->layout()->setContentsMargins(0, 0, 0, 0);
    c->chart->setBackgroundRoundness(0);
    c->chart->legend()->setAlignment(Qt::AlignBottom);
    c->x = new QValueAxis;
    c->x->setTitleText(tr("time since start (s)"));
    c->x->setLabelFormat(QStringLiteral("%.0f"));
    // Ticks on round times since the start, wherever the window begins.
    c->x->setTickType(QValueAxis::TicksDynamic);
    c->x->setTickAnchor(0);
    c->x->setTickInterval(100);
    c->y = new QValueAxis;
    c->y->setTitleText(unit);
    c->y->setLabelFormat(QString::fromLatin1(format));
    c->y->setRange(0, leastTop(*c->y, 0));
    c->chart->addAxis(c->x, Qt::AlignBottom);
    c->chart->addAxis(c->y, Qt::AlignLeft);
    for (auto& [line, legend] : lines) {
      line.series = new QLineSeries;
      line.legend = legend;
      line.series->setName(line.legendFor(scope_));
      c->chart->addSeries(line.series);
      line.series->attachAxis(c->x);
      line.series->attachAxis(c->y);
      c->series.append(line);
    }
    if (!slo.isEmpty()) {
      c->slo_name = slo;
      c->slo = new QLineSeries;
      c->slo->setName(tr("SLO"));
      c->chart->addSeries(c->slo);
      c->slo->attachAxis(c->x);
      c->slo->attachAxis(c->y);
    }
    c->view = new EventChartView(c->chart, c->x);
    c->view->setParent(this);  // the grid holds only the charts shown
    c->view->setMinimumSize(kMinChartWidth / 2, kMinChartHeight / 2);
    c->view->setVisible(false);
    charts_.push_back(std::move(c));
    return *charts_.back();
  };
  auto latencyLines = [](const QString& prefix, Field p50, Field p90, Field p99, Field p999,
                         Field max) {
    QList<QPair<Line, QString>> lines;
    const Field fields[] = {p50, p90, p99, p999, max};
    for (int i = 0; i < allPercentiles().size(); ++i) {
      const QString& p = allPercentiles()[i];
      lines.append({Line{prefix + p, nullptr, fields[i], 1, false, p, {}}, p});
    }
    return lines;
  };
  // The topology's tuples/s at its sinks alone can read as a stall: a window
  // that emits once per metrics interval makes it 0, then double. What the
  // producers put in beside it shows the flow is steady.
  Line ingest{QStringLiteral("ingest"), nullptr, &HistoryPoint::ingest, 1, true};
  ingest.topology_only = true;
  Line throughput{QStringLiteral("throughput"), nullptr, &HistoryPoint::throughput, 1, true};
  throughput.topology_legend = tr("out (at sinks)");
  makeChart(tr("Throughput"), tr("tuples/s"), "%.0f",
            {{ingest, tr("in (from producers)")}, {throughput, tr("tuples/s")}},
            QStringLiteral("throughput_min"));
  makeChart(tr("Error rate"), tr("errors / received (%)"), "%.2f",
            {{Line{QStringLiteral("error rate"), nullptr, &HistoryPoint::error_rate, kPercent},
              tr("error rate")}},
            QStringLiteral("error_rate_max"));
  Chart& latency =
      makeChart(tr("Processing latency"), tr("ms"), "%.4g",
                latencyLines(QStringLiteral("latency "), &HistoryPoint::latency_p50_ms,
                             &HistoryPoint::latency_p90_ms, &HistoryPoint::latency_p99_ms,
                             &HistoryPoint::latency_p999_ms, &HistoryPoint::latency_max_ms),
                {});
  // A stream's points hold its own latency where a component's hold processing.
  latency.stream_title = tr("Stream latency");
  makeChart(tr("End-to-end latency (at sinks)"), tr("ms"), "%.4g",
            latencyLines(QStringLiteral("e2e "), &HistoryPoint::e2e_p50_ms,
                         &HistoryPoint::e2e_p90_ms, &HistoryPoint::e2e_p99_ms,
                         &HistoryPoint::e2e_p999_ms, &HistoryPoint::e2e_max_ms),
            QStringLiteral("p99_ms_max"));
  Chart& pressure =
      makeChart(tr("Back pressure"), tr("% of queue / of time"), "%.0f",
                {{Line{QStringLiteral("queue fill"), nullptr, &HistoryPoint::queue_fill, kPercent},
                  tr("queue fill")},
                 {Line{QStringLiteral("blocked"), nullptr, &HistoryPoint::blocked_share, kPercent},
                  tr("blocked")}},
                {});
  pressure.fixed_top = kPercent;
  Chart& lag = makeChart(tr("Replica lag"), tr("writes behind"), "%.0f", {}, {});
  lag.replicas = true;
  arrangeCharts();

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(bar);
  layout->addLayout(grid_, 1);
  // The grid's minimum follows the arrangement, and the arrangement follows
  // the size: the panel's least size is that of one row (minimumSizeHint),
  // or an arrangement for a larger panel would keep it from shrinking.
  layout->setSizeConstraint(QLayout::SetNoConstraint);

  timer_ = new QTimer(this);
  timer_->setSingleShot(true);
  timer_->setInterval(kRedrawIntervalMs);
  connect(timer_, &QTimer::timeout, this, &DashboardWidget::flush);

  connect(kindBox_, &QComboBox::activated, this, [this](int) {
    const auto kind = static_cast<ScopeKind>(kindBox_->currentData().toInt());
    const std::vector<std::string> names = history_.scopeNames(kind);
    setScope({kind, kind == ScopeKind::Topology || names.empty() ? std::string() : names.front()});
  });
  connect(nameBox_, &QComboBox::activated, this, [this](int) {
    setScope({scope_.kind, toStd(nameBox_->currentData().toString())});
  });
  connect(windowBox_, &QComboBox::activated, this, [this](int) {
    setTimeWindow(static_cast<TimeWindow>(windowBox_->currentData().toInt()));
  });
  connect(pauseButton_, &QPushButton::toggled, this, &DashboardWidget::setPaused);
  connect(exportButton_, &QPushButton::clicked, this, &DashboardWidget::exportInteractively);
  connect(extraBox_, &QComboBox::activated, this, [this](int) {
    setExtraChart(static_cast<ExtraChart>(extraBox_->currentData().toInt()));
  });

  applyTheme();
  refreshBadges();
  dirty_ = true;
}

DashboardWidget::~DashboardWidget() = default;

void DashboardWidget::setTopology(const topolab::Topology& topology) {
  history_.setTopology(topology);
  const bool atLeastOnce = topology.delivery() == Delivery::AtLeastOnce;
  delivery_->setText(toQString(std::string(toString(topology.delivery()))));
  delivery_->setToolTip(
      atLeastOnce ? tr("Delivery mode, from the topology's defaults: every tuple tree is acked, "
                       "or failed and replayed")
                  : tr("Delivery mode, from the topology's defaults: a tuple lost with an "
                       "instance is counted as dropped, not replayed"));
  delivery_->setVisible(true);
  const std::optional<Slo>& slo = topology.slo;
  for (const auto& c : charts_) {
    if (!c->slo) continue;
    QString legend;
    if (slo && c->slo_name == QLatin1String("throughput_min") && slo->throughput_min)
      legend = tr("SLO ≥ %1/s").arg(trimmed(*slo->throughput_min));
    if (slo && c->slo_name == QLatin1String("p99_ms_max") && slo->p99_ms_max)
      legend = tr("SLO ≤ %1 ms").arg(trimmed(*slo->p99_ms_max));
    if (slo && c->slo_name == QLatin1String("error_rate_max") && slo->error_rate_max)
      legend = tr("SLO ≤ %1 %").arg(trimmed(*slo->error_rate_max * kPercent));
    c->slo->setName(legend);
    c->slo->setVisible(!legend.isEmpty());
    for (QLegendMarker* m : c->chart->legend()->markers(c->slo)) m->setVisible(!legend.isEmpty());
  }
  refreshBadges();
  scheduleRedraw();
}

bool DashboardWidget::addRound(const topolab::Snapshot& prev, const topolab::Snapshot& cur) {
  if (!history_.addRound(prev, cur)) return false;
  scheduleRedraw();
  return true;
}

void DashboardWidget::addEvent(qint64 t_ms, const QString& kind, const QString& detail,
                               const QString& agent) {
  history_.addEvent({t_ms, toStd(kind), toStd(detail), toStd(agent)});
  scheduleRedraw();
}

void DashboardWidget::clear() {
  history_.clear();
  scheduleRedraw();
}

void DashboardWidget::setTimeWindow(TimeWindow window) {
  window_ = window;
  windowBox_->setCurrentIndex(windowBox_->findData(static_cast<int>(window)));
  scheduleRedraw();
}

void DashboardWidget::setPaused(bool paused) {
  if (paused_ == paused) return;
  paused_ = paused;
  const QSignalBlocker quiet(pauseButton_);
  pauseButton_->setChecked(paused);
  pauseButton_->setText(paused ? tr("Resume") : tr("Pause"));
  if (!paused) scheduleRedraw();
}

QString DashboardWidget::deliveryText() const { return delivery_->text(); }

void DashboardWidget::setExtraChart(ExtraChart chart) {
  if (chart == ExtraChart::ReplicaLag && !lagOffered_) chart = ExtraChart::BackPressure;
  extraBox_->setCurrentIndex(extraBox_->findData(static_cast<int>(chart)));
  if (extra_ == chart) return;
  extra_ = chart;
  arrangeCharts();
  scheduleRedraw();
}

void DashboardWidget::setPercentileShown(const QString& percentile, bool shown) {
  if (!allPercentiles().contains(percentile) || percentiles_.contains(percentile) == shown) return;
  if (shown) {
    percentiles_ << percentile;
  } else {
    percentiles_.removeAll(percentile);
  }
  for (QAction* a : percentileMenu_->actions()) {
    if (a->text() != percentile) continue;
    const QSignalBlocker quiet(a);
    a->setChecked(shown);
  }
  for (const auto& c : charts_) showLines(*c);
  scheduleRedraw();
}

bool DashboardWidget::isPercentileShown(const QString& percentile) const {
  return percentiles_.contains(percentile);
}

bool DashboardWidget::scopeHasReplicas() const {
  if (scope_.kind == ScopeKind::Component) return !history_.replicaNames(scope_.name).empty();
  if (scope_.kind != ScopeKind::Instance) return false;
  const std::vector<std::string> names = history_.replicaNames(componentOf(scope_.name));
  return std::find(names.begin(), names.end(), scope_.name) != names.end();
}

void DashboardWidget::refreshExtraChoice(bool scopeChanged) {
  const bool offered = scopeHasReplicas();
  if (offered == lagOffered_ && !scopeChanged) return;
  const bool newlyOffered = offered && (!lagOffered_ || scopeChanged);
  lagOffered_ = offered;
  const int at = extraBox_->findData(static_cast<int>(ExtraChart::ReplicaLag));
  if (offered && at < 0)
    extraBox_->addItem(tr("Replica lag"), static_cast<int>(ExtraChart::ReplicaLag));
  if (!offered && at >= 0) extraBox_->removeItem(at);
  // A replicated store's scope shows its lag first; any other scope has only back pressure.
  if (newlyOffered) setExtraChart(ExtraChart::ReplicaLag);
  if (!offered) setExtraChart(ExtraChart::BackPressure);
}

void DashboardWidget::showTopology() { setScope(ScopeKey::topology()); }
void DashboardWidget::showComponent(const QString& id) { setScope(ScopeKey::component(toStd(id))); }
void DashboardWidget::showAgent(const QString& agent) { setScope(ScopeKey::agent(toStd(agent))); }
void DashboardWidget::showInstance(const QString& id, int index) {
  setScope(ScopeKey::instance(toStd(id), index));
}
void DashboardWidget::showStream(const QString& from, const QString& to) {
  setScope(ScopeKey::stream(toStd(from), toStd(to)));
}

void DashboardWidget::setScope(ScopeKey scope) {
  if (scope.kind == ScopeKind::Topology) scope.name.clear();
  const bool changed = !(scope == scope_);
  scope_ = std::move(scope);
  scopesShown_ = static_cast<size_t>(-1);  // the selector follows at the next redraw
  refreshScopeNames();
  refreshExtraChoice(changed);
  refreshTitles();
  scheduleRedraw();
  if (changed) emit scopeChanged();
}

void DashboardWidget::refreshScopeNames() {
  if (scopesShown_ == history_.scopeCount()) return;
  scopesShown_ = history_.scopeCount();
  kindBox_->setCurrentIndex(kindBox_->findData(static_cast<int>(scope_.kind)));
  std::vector<std::string> names = history_.scopeNames(scope_.kind);
  if (scope_.kind != ScopeKind::Topology &&
      std::find(names.begin(), names.end(), scope_.name) == names.end())
    names.insert(names.begin(), scope_.name);
  nameBox_->clear();
  // Each item shows the scope's label and holds its name.
  for (const std::string& n : names) nameBox_->addItem(scopeLabel({scope_.kind, n}), toQString(n));
  nameBox_->setCurrentIndex(nameBox_->findData(toQString(scope_.name)));
  nameBox_->setEnabled(scope_.kind != ScopeKind::Topology);
  nameBox_->setVisible(scope_.kind != ScopeKind::Topology);
}

void DashboardWidget::refreshTitles() {
  const bool stream = scope_.kind == ScopeKind::Stream;
  for (const auto& c : charts_) {
    c->chart->setTitle(stream && !c->stream_title.isEmpty() ? c->stream_title : c->title);
    for (const Chart::Line& l : c->series) l.series->setName(l.legendFor(scope_));
    showLines(*c);
  }
}

void DashboardWidget::showLines(Chart& c) {
  for (const Chart::Line& l : c.series) {
    const bool shown = l.drawn(scope_, percentiles_);
    l.series->setVisible(shown);
    if (!shown) l.series->clear();  // what is not shown holds no points
    for (QLegendMarker* m : c.chart->legend()->markers(l.series)) m->setVisible(shown);
  }
}

void DashboardWidget::scheduleRedraw() {
  dirty_ = true;
  if (!timer_->isActive()) timer_->start();
}

void DashboardWidget::flush() {
  // Hidden or paused: the rounds wait in the history; showing or resuming draws them.
  if (!dirty_ || paused_ || !isVisible()) return;
  redraw();
}

void DashboardWidget::arrangeCharts() {
  QList<Chart*> shown;
  for (size_t i = 0; i < charts_.size(); ++i) {
    Chart& c = *charts_[i];
    const bool extra = i + 2 >= charts_.size();
    const bool pressure = i + 2 == charts_.size();
    if (!extra || pressure == (extra_ == ExtraChart::BackPressure)) shown << &c;
  }
  // Columns: each chart as near a 16:10 landscape as the panel allows, and
  // not below the readable size where another choice keeps it.
  const int n = static_cast<int>(shown.size());
  const double w = std::max(width() - 8, 1);
  const double h = std::max(height() - 8 - kindBox_->sizeHint().height(), 1);
  int columns = 1;
  double best = 1e9;
  for (int c = 1; c <= n; ++c) {
    const int rows = (n + c - 1) / c;
    const double cw = w / c, ch = h / rows;
    double score = std::abs(std::log(cw / ch / 1.6));
    // Short of the readable size costs by how much, height the more: a
    // plot squeezed flat says nothing, a narrow one still shows its trend.
    score += 10 * std::max(0.0, 1 - cw / kMinChartWidth);
    score += 25 * std::max(0.0, 1 - ch / kMinChartHeight);
    // Below a chart's own least size (title, legend, axes) it would not fit at all.
    const QSize least = shown.front()->view->minimumSize();
    if (cw < least.width() + 4 || ch < least.height() + 4) score += 100;
    if (score < best - 1e-9) {
      best = score;
      columns = c;
    }
  }
  const int arrangement = columns * 2 + (extra_ == ExtraChart::ReplicaLag ? 1 : 0);
  if (arrangement == arranged_) return;
  arranged_ = arrangement;
  columns_ = columns;

  for (const auto& c : charts_) {
    grid_->removeWidget(c->view);
    c->shown = shown.contains(c.get());
    c->view->setVisible(c->shown);
    // What is not shown holds no points (and is not redrawn).
    if (!c->shown) {
      for (const Chart::Line& l : c->series) l.series->clear();
    }
  }
  const int rows = (n + columns - 1) / columns;
  for (int i = 0; i < n; ++i) {
    const int row = i / columns, column = i % columns;
    // The last chart of a short last row takes the rest of it.
    const int span = i == n - 1 ? columns - column : 1;
    grid_->addWidget(shown[i]->view, row, column, 1, span);
    // A short, wide panel (a bottom dock) keeps its height for the plots.
    shown[i]->x->setTitleVisible(rows > 1);
  }
  for (int c = 0; c < grid_->columnCount(); ++c) grid_->setColumnStretch(c, c < columns ? 1 : 0);
  for (int r = 0; r < grid_->rowCount(); ++r) grid_->setRowStretch(r, r < rows ? 1 : 0);
}

QSize DashboardWidget::minimumSizeHint() const {
  // The bar, and every chart shown in one row at its least size.
  int charts = 0, width = 0, height = 0;
  for (const auto& c : charts_) {
    if (!c->shown) continue;
    ++charts;
    width += c->view->minimumSize().width() + grid_->spacing();
    height = std::max(height, c->view->minimumSize().height());
  }
  const QMargins m = layout()->contentsMargins();
  const QSize bar = layout()->itemAt(0)->minimumSize();
  return {std::max(bar.width(), width) + m.left() + m.right(),
          bar.height() + layout()->spacing() + height + m.top() + m.bottom()};
}

void DashboardWidget::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  arrangeCharts();
}

void DashboardWidget::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (dirty_) scheduleRedraw();
}

void DashboardWidget::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::PaletteChange) {
    applyTheme();
    refreshBadges();
  }
}

void DashboardWidget::syncReplicaSeries(Chart& c) {
  std::vector<std::string> names;
  if (scope_.kind == ScopeKind::Component) names = history_.replicaNames(scope_.name);
  if (scope_.kind == ScopeKind::Instance && scopeHasReplicas()) names = {scope_.name};
  bool same = static_cast<size_t>(c.series.size()) == names.size();
  for (size_t i = 0; same && i < names.size(); ++i) same = c.series[i].instance == names[i];
  if (same) return;
  for (const Chart::Line& l : c.series) {
    c.chart->removeSeries(l.series);
    delete l.series;  // removeSeries hands it back to us
  }
  c.series.clear();
  for (const std::string& name : names) {
    Chart::Line l{QStringLiteral("lag ") + toQString(name),
                  new QLineSeries,
                  &HistoryPoint::replica_lag_ops,
                  1,
                  false,
                  {},
                  name};
    l.legend = toQString(name);
    l.series->setName(l.legend);
    c.chart->addSeries(l.series);
    l.series->attachAxis(c.x);
    l.series->attachAxis(c.y);
    c.series.append(l);
  }
  applySeriesColours(c);
}

void DashboardWidget::redraw() {
  dirty_ = false;
  ++redraws_;
  refreshScopeNames();
  refreshExtraChoice(false);
  refreshBadges();

  const SeriesRing* ring = history_.series(scope_);
  const qint64 span = windowMs(window_);
  const qint64 now = ring && !ring->empty() ? ring->back().t_ms : 0;
  const qint64 end = std::max(now, span);
  const qint64 start = end - span;

  const std::optional<Slo>& slo = history_.slo();
  for (const auto& c : charts_) {
    if (!c->shown) continue;
    if (c->replicas) syncReplicaSeries(*c);
    double top = 0;
    for (const Chart::Line& l : c->series) {
      if (!l.drawn(scope_, percentiles_)) continue;
      const SeriesRing* source =
          l.instance.empty() ? ring : history_.series({ScopeKind::Instance, l.instance});
      l.series->replace(pointsOf(source, l.field, l.scale, l.mean, start, &top));
      ++replaces_;
    }
    if (c->slo) {
      std::optional<double> bound;
      if (slo && c->slo_name == QLatin1String("throughput_min")) bound = slo->throughput_min;
      if (slo && c->slo_name == QLatin1String("p99_ms_max")) bound = slo->p99_ms_max;
      if (slo && c->slo_name == QLatin1String("error_rate_max") && slo->error_rate_max)
        bound = *slo->error_rate_max * kPercent;
      QList<QPointF> line;
      if (bound) {
        line = {{start / 1000.0, *bound}, {end / 1000.0, *bound}};
        top = std::max(top, *bound);
      }
      c->slo->replace(line);
      ++replaces_;
    }
    c->x->setRange(start / 1000.0, end / 1000.0);
    // 10 s, 100 s or 10 min apart; half as many ticks on a narrow chart.
    const int ticks = c->view->width() < 320 ? 3 : 6;
    c->x->setTickInterval(static_cast<double>(span) / 1000.0 / ticks);
    if (c->fixed_top > 0) {
      c->y->setRange(0, c->fixed_top);
      c->y->setTickCount(c->view->height() < 220 ? 3 : 5);
    } else {
      c->y->setRange(0, std::max(top * 1.15, leastTop(*c->y, top)));
      c->y->applyNiceNumbers();
    }
  }

  markers_.clear();
  for (const HistoryEvent& e : history_.events()) {
    if (e.t_ms < start || e.t_ms > end) continue;
    markers_.append({e.t_ms, toQString(e.kind),
                     toQString(e.agent.empty() ? e.detail : e.agent + ": " + e.detail)});
  }
  // Events can arrive out of order (from several agents and the client); labels stack by time.
  std::stable_sort(markers_.begin(), markers_.end(),
                   [](const EventMarker& a, const EventMarker& b) { return a.t_ms < b.t_ms; });
  for (const auto& c : charts_) c->view->setMarkers(markers_);
}

void DashboardWidget::refreshBadges() {
  const bool dark = palette().color(QPalette::Window).lightness() < 128;
  const SloStatus& st = history_.sloStatus();
  const std::optional<Slo>& slo = history_.slo();
  auto show = [&](QLabel* badge, SloState state, const QString& what) {
    badge->setVisible(state != SloState::NotSet);
    badge->setText(what + QStringLiteral(": ") + stateWord(state));
    badge->setStyleSheet(badgeStyle(state, dark));
  };
  show(throughputBadge_, st.throughput,
       slo && slo->throughput_min ? tr("throughput ≥ %1/s").arg(trimmed(*slo->throughput_min))
                                  : QString());
  show(p99Badge_, st.p99,
       slo && slo->p99_ms_max ? tr("e2e p99 ≤ %1 ms").arg(trimmed(*slo->p99_ms_max)) : QString());
  show(errorBadge_, st.error_rate,
       slo && slo->error_rate_max
           ? tr("errors ≤ %1 %").arg(trimmed(*slo->error_rate_max * kPercent))
           : QString());
  QString tip;
  for (const std::string& v : st.violations) tip += toQString(v) + QLatin1Char('\n');
  for (QLabel* b : {throughputBadge_, p99Badge_, errorBadge_})
    b->setToolTip(tip.isEmpty() ? tr("The latest interval meets this requirement") : tip.trimmed());
}

void DashboardWidget::applySeriesColours(Chart& c) {
  const bool dark = palette().color(QPalette::Window).lightness() < 128;
  // p50, p90, p99, p99.9, max: one hue getting stronger, then warmer, so the worst case stands out.
  const QList<QColor> ramp = dark
                                 ? QList<QColor>{QColor(0x7f, 0xb8, 0xff), QColor(0x4d, 0x8d, 0xf0),
                                                 QColor(0xf0, 0x9a, 0x3e), QColor(0xe0, 0x5d, 0x9c),
                                                 QColor(0xb3, 0x9d, 0xdb)}
                                 : QList<QColor>{QColor(0x8a, 0xb4, 0xf8), QColor(0x1a, 0x73, 0xe8),
                                                 QColor(0xd9, 0x77, 0x06), QColor(0xad, 0x14, 0x57),
                                                 QColor(0x4a, 0x23, 0x8f)};
  // Distinct hues for things that are not a ramp: queue fill and blocked, the replicas.
  const QList<QColor> distinct =
      dark ? QList<QColor>{QColor(0x4d, 0xb6, 0xac), QColor(0xf0, 0x9a, 0x3e),
                           QColor(0x9f, 0xa8, 0xff), QColor(0xe0, 0x5d, 0x9c),
                           QColor(0xc5, 0xe1, 0x6b)}
           : QList<QColor>{QColor(0x00, 0x89, 0x7b), QColor(0xd9, 0x77, 0x06),
                           QColor(0x3f, 0x51, 0xb5), QColor(0xad, 0x14, 0x57),
                           QColor(0x68, 0x9f, 0x38)};
  // A line drawn in one scope only does not change the colours of the others:
  // the throughput is the same blue in every scope, the topology's inflow teal beside it.
  const auto own = std::count_if(c.series.begin(), c.series.end(),
                                 [](const Chart::Line& l) { return !l.topology_only; });
  for (int i = 0; i < c.series.size(); ++i) {
    const Chart::Line& l = c.series[i];
    QColor colour = ramp[1];
    if (!l.percentile.isEmpty()) colour = ramp[allPercentiles().indexOf(l.percentile)];
    if (own > 1 && l.percentile.isEmpty()) colour = distinct[i % distinct.size()];
    if (l.topology_only) colour = distinct[0];
    if (c.replicas) colour = distinct[(i + 2) % distinct.size()];
    l.series->setPen(QPen(colour, 1.8));
  }
  // A theme change makes every legend marker visible again.
  showLines(c);
}

void DashboardWidget::applyTheme() {
  const QPalette pal = palette();
  const bool dark = pal.color(QPalette::Window).lightness() < 128;
  const QColor text = pal.color(QPalette::WindowText);
  QColor grid = text;
  grid.setAlpha(dark ? 50 : 40);
  const QColor sloColour = dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc6, 0x28, 0x28);
  for (const auto& c : charts_) {
    c->chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    c->chart->setBackgroundBrush(pal.color(QPalette::Base));
    c->chart->setBackgroundRoundness(0);
    c->chart->setTitleBrush(text);
    QFont title = font();
    title.setBold(true);
    c->chart->setTitleFont(title);
    c->chart->legend()->setLabelColor(text);
    // As the event labels: the topology's "in (from producers)" and "out (at
    // sinks)" fit side by side in a chart of a five-in-a-row dashboard, and a
    // name cut short all the same shows whole on hover.
    QFont legend = font();
    legend.setPointSizeF(std::max(7.0, legend.pointSizeF() - 1.5));
    c->chart->legend()->setFont(legend);
    c->chart->legend()->setShowToolTips(true);
    for (QValueAxis* a : {c->x, c->y}) {
      a->setLabelsColor(text);
      a->setTitleBrush(text);
      a->setGridLineColor(grid);
      a->setLinePenColor(grid);
      QFont small = font();
      small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1));
      a->setLabelsFont(small);
      a->setTitleFont(small);
    }
    applySeriesColours(*c);
    if (c->slo) c->slo->setPen(QPen(sloColour, 1.6, Qt::DashLine));
    c->view->setBackgroundBrush(pal.color(QPalette::Base));
  }
}

void DashboardWidget::exportInteractively() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the series as CSV"), QString(),
                                                    tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  QString error;
  if (exportCsv(path, &error)) {
    status_->setText(tr("Saved %1").arg(path));
    emit exported(path, {});
  } else {
    status_->setText(error);
    emit exported({}, error);
  }
}

bool DashboardWidget::exportCsv(const QString& path, QString* error) const {
  QFile file(path);
  const std::string text = history_.csv(scope_);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text) ||
      file.write(text.data(), static_cast<qint64>(text.size())) !=
          static_cast<qint64>(text.size())) {
    if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  file.close();
  if (file.error() != QFileDevice::NoError) {
    if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

QLineSeries* DashboardWidget::seriesNamed(const QString& name) const {
  for (const auto& c : charts_) {
    for (const Chart::Line& l : c->series) {
      if (l.name == name) return l.series;
    }
    if (c->slo && c->slo_name == name) return c->slo;
  }
  return nullptr;
}

QList<QPointF> DashboardWidget::seriesPoints(const QString& name) const {
  const QLineSeries* s = seriesNamed(name);
  return s ? s->points() : QList<QPointF>();
}

QStringList DashboardWidget::seriesNames() const {
  QStringList names;
  for (const auto& c : charts_) {
    for (const Chart::Line& l : c->series) names << l.name;
    if (c->slo) names << c->slo_name;
  }
  return names;
}

bool DashboardWidget::isSeriesShown(const QString& name) const {
  for (const auto& c : charts_) {
    for (const Chart::Line& l : c->series) {
      if (l.name == name) return c->shown && l.drawn(scope_, percentiles_);
    }
    if (c->slo && c->slo_name == name) return c->shown && c->slo->isVisible();
  }
  return false;
}

QList<EventMarker> DashboardWidget::markers() const { return markers_; }

QStringList DashboardWidget::chartTitles() const {
  QStringList titles;
  for (const auto& c : charts_) titles << c->chart->title();
  return titles;
}

SloState DashboardWidget::sloBadge(const QString& name) const {
  const SloStatus& st = history_.sloStatus();
  if (name == QLatin1String("throughput")) return st.throughput;
  if (name == QLatin1String("p99")) return st.p99;
  if (name == QLatin1String("error rate")) return st.error_rate;
  return SloState::NotSet;
}

QString DashboardWidget::sloBadgeText(const QString& name) const {
  if (name == QLatin1String("throughput")) return throughputBadge_->text();
  if (name == QLatin1String("p99")) return p99Badge_->text();
  if (name == QLatin1String("error rate")) return errorBadge_->text();
  return {};
}

}  // namespace topolab::widgets
