// DashboardWidget: four charts fed from a MetricsHistory by a coalescing timer.
#include "topolab/widgets/dashboard_widget.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QPushButton>
#include <QResizeEvent>
#include <QSignalBlocker>
#include <QTimer>
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
    constexpr int kRows = 3;
    qreal rowEnd[kRows] = {-1e9, -1e9, -1e9};
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
    return dark ? QColor(0x9a, 0xa4, 0xb2) : QColor(0x5f, 0x67, 0x73);
  }

  QValueAxis* x_;
  QList<EventMarker> markers_;
};

struct DashboardWidget::Chart {
  QChart* chart = nullptr;  // owned by the view
  EventChartView* view = nullptr;
  QValueAxis* x = nullptr;
  QValueAxis* y = nullptr;
  QList<QPair<QString, QLineSeries*>> series;  // data, by name
  QString slo_name;
  QLineSeries* slo = nullptr;
};

namespace {

constexpr double kPercent = 100.0;

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

// The value a chart plots for one point (NaN: no sample).
using Field = double HistoryPoint::*;

struct SeriesSpec {
  const char* name;
  Field field;
  double scale;
  bool mean;  // bucketed points: the mean, else the highest
};

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
  kindBox_->addItem(tr("Topology"), static_cast<int>(ScopeKind::Topology));
  kindBox_->addItem(tr("Component"), static_cast<int>(ScopeKind::Component));
  kindBox_->addItem(tr("Agent"), static_cast<int>(ScopeKind::Agent));
  kindBox_->addItem(tr("Instance"), static_cast<int>(ScopeKind::Instance));
  kindBox_->setToolTip(
      tr("What the charts show: the whole topology, a component, an agent or an instance"));
  nameBox_ = new QComboBox(this);
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
  throughputBadge_ = new QLabel(this);
  p99Badge_ = new QLabel(this);
  errorBadge_ = new QLabel(this);
  status_ = new QLabel(this);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* bar = new QHBoxLayout;
  bar->addWidget(kindBox_);
  bar->addWidget(nameBox_);
  bar->addWidget(windowBox_);
  bar->addWidget(pauseButton_);
  bar->addWidget(exportButton_);
  bar->addWidget(status_, 1);
  bar->addWidget(throughputBadge_);
  bar->addWidget(p99Badge_);
  bar->addWidget(errorBadge_);

  grid_ = new QGridLayout;
  grid_->setSpacing(4);
  auto makeChart = [this](const QString& title, const QString& unit, const char* format,
                          std::initializer_list<QPair<QString, QString>> series,
                          const QString& slo) {
    auto c = std::make_unique<Chart>();
    c->chart = new QChart;
    c->chart->setTitle(title);
    c->chart->setMargins(QMargins(2, 2, 2, 2));
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
    for (const auto& [name, legend] : series) {
      auto* s = new QLineSeries;
      s->setName(legend);
      c->chart->addSeries(s);
      s->attachAxis(c->x);
      s->attachAxis(c->y);
      c->series.append({name, s});
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
    c->view->setMinimumSize(200, 160);
    charts_.push_back(std::move(c));
  };
  makeChart(tr("Throughput"), tr("tuples/s"), "%.0f",
            {{QStringLiteral("throughput"), tr("tuples/s")}}, QStringLiteral("throughput_min"));
  makeChart(tr("Error rate"), tr("errors / received (%)"), "%.2f",
            {{QStringLiteral("error rate"), tr("error rate")}}, QStringLiteral("error_rate_max"));
  makeChart(tr("Processing latency"), tr("ms"), "%.3g",
            {{QStringLiteral("latency p50"), QStringLiteral("p50")},
             {QStringLiteral("latency p90"), QStringLiteral("p90")},
             {QStringLiteral("latency p99"), QStringLiteral("p99")}},
            QString());
  makeChart(tr("End-to-end latency (at sinks)"), tr("ms"), "%.3g",
            {{QStringLiteral("e2e p50"), QStringLiteral("p50")},
             {QStringLiteral("e2e p90"), QStringLiteral("p90")},
             {QStringLiteral("e2e p99"), QStringLiteral("p99")}},
            QStringLiteral("p99_ms_max"));
  arrangeCharts(false);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(bar);
  layout->addLayout(grid_, 1);

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
    setScope({scope_.kind, toStd(nameBox_->currentText())});
  });
  connect(windowBox_, &QComboBox::activated, this, [this](int) {
    setTimeWindow(static_cast<TimeWindow>(windowBox_->currentData().toInt()));
  });
  connect(pauseButton_, &QPushButton::toggled, this, &DashboardWidget::setPaused);
  connect(exportButton_, &QPushButton::clicked, this, &DashboardWidget::exportInteractively);

  applyTheme();
  refreshBadges();
  dirty_ = true;
}

DashboardWidget::~DashboardWidget() = default;

void DashboardWidget::setTopology(const topolab::Topology& topology) {
  history_.setTopology(topology);
  const std::optional<Slo>& slo = topology.slo;
  for (const auto& c : charts_) {
    if (!c->slo) continue;
    QString legend;
    if (slo && c->slo_name == QLatin1String("throughput_min") && slo->throughput_min)
      legend = tr("SLO ≥ %1/s").arg(trimmed(*slo->throughput_min));
    if (slo && c->slo_name == QLatin1String("p99_ms_max") && slo->p99_ms_max)
      legend = tr("SLO p99 ≤ %1 ms").arg(trimmed(*slo->p99_ms_max));
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

void DashboardWidget::showTopology() { setScope(ScopeKey::topology()); }
void DashboardWidget::showComponent(const QString& id) { setScope(ScopeKey::component(toStd(id))); }
void DashboardWidget::showAgent(const QString& agent) { setScope(ScopeKey::agent(toStd(agent))); }
void DashboardWidget::showInstance(const QString& id, int index) {
  setScope(ScopeKey::instance(toStd(id), index));
}

void DashboardWidget::setScope(ScopeKey scope) {
  if (scope.kind == ScopeKind::Topology) scope.name.clear();
  const bool changed = !(scope == scope_);
  scope_ = std::move(scope);
  scopesShown_ = static_cast<size_t>(-1);  // the selector follows at the next redraw
  refreshScopeNames();
  scheduleRedraw();
  if (changed) emit scopeChanged();
}

void DashboardWidget::refreshScopeNames() {
  if (scopesShown_ == history_.scopeCount()) return;
  scopesShown_ = history_.scopeCount();
  kindBox_->setCurrentIndex(kindBox_->findData(static_cast<int>(scope_.kind)));
  QStringList names;
  for (const std::string& n : history_.scopeNames(scope_.kind)) names << toQString(n);
  if (scope_.kind != ScopeKind::Topology && !names.contains(toQString(scope_.name)))
    names.prepend(toQString(scope_.name));
  nameBox_->clear();
  nameBox_->addItems(names);
  nameBox_->setCurrentText(toQString(scope_.name));
  nameBox_->setEnabled(scope_.kind != ScopeKind::Topology);
  nameBox_->setVisible(scope_.kind != ScopeKind::Topology);
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

void DashboardWidget::arrangeCharts(bool wide) {
  wide_ = wide;
  for (size_t i = 0; i < charts_.size(); ++i) {
    EventChartView* view = charts_[i]->view;
    grid_->removeWidget(view);
    const int n = static_cast<int>(i);
    grid_->addWidget(view, wide ? 0 : n / 2, wide ? n : n % 2);
    // A short, wide panel (a bottom dock) keeps its height for the plots.
    charts_[i]->x->setTitleVisible(!wide);
  }
}

void DashboardWidget::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  const bool wide = width() >= 2.4 * height();
  if (wide != wide_) arrangeCharts(wide);
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

void DashboardWidget::redraw() {
  dirty_ = false;
  ++redraws_;
  refreshScopeNames();
  refreshBadges();

  const SeriesRing* ring = history_.series(scope_);
  const qint64 span = windowMs(window_);
  const qint64 now = ring && !ring->empty() ? ring->back().t_ms : 0;
  const qint64 end = std::max(now, span);
  const qint64 start = end - span;
  const size_t first = ring ? ring->firstAtOrAfter(start) : 0;
  const size_t count = ring ? ring->size() - first : 0;
  const size_t bucket = (count + kMaxChartPoints - 1) / kMaxChartPoints;

  static const SeriesSpec kSpecs[] = {
      {"throughput", &HistoryPoint::throughput, 1, true},
      {"error rate", &HistoryPoint::error_rate, kPercent, false},
      {"latency p50", &HistoryPoint::latency_p50_ms, 1, false},
      {"latency p90", &HistoryPoint::latency_p90_ms, 1, false},
      {"latency p99", &HistoryPoint::latency_p99_ms, 1, false},
      {"e2e p50", &HistoryPoint::e2e_p50_ms, 1, false},
      {"e2e p90", &HistoryPoint::e2e_p90_ms, 1, false},
      {"e2e p99", &HistoryPoint::e2e_p99_ms, 1, false},
  };
  const std::optional<Slo>& slo = history_.slo();
  for (const auto& c : charts_) {
    double top = 0;
    for (const auto& [name, series] : c->series) {
      const SeriesSpec* spec = nullptr;
      for (const SeriesSpec& s : kSpecs) spec = name == QLatin1String(s.name) ? &s : spec;
      Q_ASSERT(spec);
      QList<QPointF> points;
      points.reserve(static_cast<qsizetype>(count / std::max<size_t>(bucket, 1) + 1));
      for (size_t i = first; i < first + count; i += bucket) {
        const size_t stop = std::min(i + bucket, first + count);
        double sum = 0, high = -1;
        int samples = 0;
        for (size_t j = i; j < stop; ++j) {
          const double v = ring->at(j).*spec->field;
          if (std::isnan(v)) continue;
          sum += v;
          high = std::max(high, v);
          ++samples;
        }
        if (samples == 0) continue;  // no sample: a gap, not a zero
        const double v = (spec->mean ? sum / samples : high) * spec->scale;
        points.append({static_cast<double>(ring->at(stop - 1).t_ms) / 1000.0, v});
        top = std::max(top, v);
      }
      series->replace(points);
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
    c->y->setRange(0, std::max(top * 1.15, leastTop(*c->y, top)));
    c->y->applyNiceNumbers();
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

void DashboardWidget::applyTheme() {
  const QPalette pal = palette();
  const bool dark = pal.color(QPalette::Window).lightness() < 128;
  const QColor text = pal.color(QPalette::WindowText);
  QColor grid = text;
  grid.setAlpha(dark ? 50 : 40);
  const QColor sloColour = dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc6, 0x28, 0x28);
  // p50, p90, p99: one hue getting stronger, so the worst case stands out.
  const QList<QColor> ramp = dark
                                 ? QList<QColor>{QColor(0x7f, 0xb8, 0xff), QColor(0x4d, 0x8d, 0xf0),
                                                 QColor(0xf0, 0x9a, 0x3e)}
                                 : QList<QColor>{QColor(0x8a, 0xb4, 0xf8), QColor(0x1a, 0x73, 0xe8),
                                                 QColor(0xd9, 0x77, 0x06)};
  for (const auto& c : charts_) {
    c->chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    c->chart->setBackgroundBrush(pal.color(QPalette::Base));
    c->chart->setBackgroundRoundness(0);
    c->chart->setTitleBrush(text);
    QFont title = font();
    title.setBold(true);
    c->chart->setTitleFont(title);
    c->chart->legend()->setLabelColor(text);
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
    for (int i = 0; i < c->series.size(); ++i) {
      const QColor colour = c->series.size() == 1 ? ramp[1] : ramp[i % ramp.size()];
      c->series[i].second->setPen(QPen(colour, 1.8));
    }
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
    for (const auto& [n, s] : c->series) {
      if (n == name) return s;
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
    for (const auto& [n, s] : c->series) names << n;
    if (c->slo) names << c->slo_name;
  }
  return names;
}

QList<EventMarker> DashboardWidget::markers() const { return markers_; }

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
