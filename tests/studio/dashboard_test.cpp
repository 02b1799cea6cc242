// The live dashboard and the live canvas, as a user would check them: the
// charts hold the figures of the rounds fed in, an hour of history stays in a
// bounded ring, CSV export writes what the charts hold, SLO badges flip when a
// bound is crossed, a hidden or paused dashboard does not redraw, p99.9 and
// max can be drawn besides p50/p90/p99, back pressure (queue fill, time
// blocked) is a chart per scope, balancer members leaving rotation are
// markers, the delivery mode is in the header, the topology's throughput has
// what its producers put in beside what its sinks get, and the canvas shows
// each stream's rate and each component's load.
#include <QChart>
#include <QChartView>
#include <QFile>
#include <QGraphicsItem>
#include <QImage>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMap>
#include <QMenu>
#include <QPainter>
#include <QTemporaryDir>
#include <QToolButton>
#include <QValueAxis>
#include <QtTest>
#include <cmath>

#include "synthetic_run.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/dashboard_widget.h"
#include "topolab/widgets/live_painter.h"
#include "topolab/widgets/metrics_history.h"
#include "topolab/widgets/topology_model.h"
#include "topolab/widgets/topology_scene.h"

using namespace topolab;
using namespace topolab::widgets;
using topolab::testing::SyntheticRun;

namespace {

Topology webTier() {
  const QString path = QStringLiteral(TOPOLAB_EXAMPLES_DIR "/web-tier.yaml");
  LoadResult r = loadTopologyFile(path.toStdString());
  if (!r.ok()) qFatal("cannot load %s", qPrintable(path));
  return *r.topology;
}

// The milliseconds a histogram holding only `values` reports at quantile q:
// what one interval of the synthetic run should show.
double expectedMs(std::initializer_list<std::pair<uint64_t, uint64_t>> values, double q) {
  Histogram h;
  for (auto [v, n] : values) h.record(v, n);
  return static_cast<double>(h.quantile(q)) / 1e6;
}

// Feeds `rounds` one-second rounds of `run` into `sink` (a history or a dashboard).
template <typename Sink>
void feed(Sink& sink, SyntheticRun& run, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    const Snapshot prev = run.current();
    sink.addRound(prev, run.next());
  }
}

Topology analytics() {
  const QString path = QStringLiteral(TOPOLAB_EXAMPLES_DIR "/realtime-analytics.yaml");
  LoadResult r = loadTopologyFile(path.toStdString());
  if (!r.ok()) qFatal("cannot load %s", qPrintable(path));
  return *r.topology;
}

// Cumulative snapshots of realtime-analytics (events ×2 → enrich ×4 → counts
// ×2 → store): the producers emit a steady `rate`, and the store gets each
// round what the windows emitted in it, which the test sets.
class WindowedRun {
 public:
  double rate = 100'000;  // tuples/s emitted by events, all of them through enrich to counts

  WindowedRun() : now_(topolab::testing::analyticsStart()) {}

  const Snapshot& current() const { return now_; }

  // Ends a one-second round in which the windows' results reaching the store were `at_store`.
  const Snapshot& next(uint64_t at_store) {
    now_.t_ms += 1000;
    const auto n = static_cast<uint64_t>(rate);
    // Each component's counts of the round, shared among its instances.
    auto spread = [this](const std::string& component, uint64_t received, uint64_t emitted) {
      std::vector<InstanceSnapshot*> all;
      for (InstanceSnapshot& inst : now_.instances) {
        if (inst.component == component) all.push_back(&inst);
      }
      auto share = [&all](uint64_t count, size_t i) {
        return count / all.size() + (i < count % all.size() ? 1 : 0);
      };
      for (size_t i = 0; i < all.size(); ++i) {
        all[i]->counters.received += share(received, i);
        all[i]->counters.emitted += share(emitted, i);
      }
    };
    spread("events", 0, n);
    spread("enrich", n, n);
    spread("counts", n, at_store);
    spread("store", at_store, 0);
    return now_;
  }

 private:
  Snapshot now_;
};

// The chart of the dashboard titled `title`.
QChart* chartTitled(DashboardWidget& dash, const QString& title) {
  for (QChartView* v : dash.findChildren<QChartView*>()) {
    if (v->chart()->title() == title) return v->chart();
  }
  return nullptr;
}

// A chart's lines as its legend shows them: name → points, for the lines drawn.
QMap<QString, QList<QPointF>> linesShown(QChart& chart) {
  QMap<QString, QList<QPointF>> lines;
  for (QLegendMarker* m : chart.legend()->markers()) {
    auto* line = qobject_cast<QLineSeries*>(m->series());
    if (m->isVisible() && line && line->isVisible()) lines.insert(m->label(), line->points());
  }
  return lines;
}

QList<QByteArray> csvLines(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QList<QByteArray> lines = f.readAll().split('\n');
  if (!lines.isEmpty() && lines.back().isEmpty()) lines.pop_back();
  return lines;
}

}  // namespace

class DashboardTest final : public QObject {
  Q_OBJECT

 private slots:
  void historyHoldsEachScopesFigures() {
    MetricsHistory history;
    history.setTopology(webTier());
    SyntheticRun run;
    run.rate = 9000;
    run.node_errors = 30;
    run.slow_latency_ns = 4'000'000;
    feed(history, run, 5);
    QCOMPARE(history.rounds(), 5);

    const SeriesRing* topo = history.series(ScopeKey::topology());
    QVERIFY(topo);
    QCOMPARE(topo->size(), size_t{5});
    const HistoryPoint& last = topo->back();
    QCOMPARE(last.t_ms, int64_t{5000});
    // Tuples/s at the sink: 9000 made, 30 rejected by node2.
    QCOMPARE(last.throughput, 8970.0);
    // Errors over everything received: haproxy 9000 + nodes 9000 + responses 8970.
    QCOMPARE(last.error_rate, 30.0 / (9000 + 9000 + 8970));
    QCOMPARE(last.e2e_p99_ms, expectedMs({{2'000'000, 8970}}, 0.99));
    // Processing latency over every component: 1 µs at the sink, the nodes' mix.
    const double p99 = expectedMs({{150'000, 8100}, {4'000'000, 900}, {1'000, 8970}}, 0.99);
    QCOMPARE(last.latency_p99_ms, p99);

    // A producer's throughput is what it emits; a bolt's what it receives.
    QCOMPARE(history.series(ScopeKey::component("requests"))->back().throughput, 9000.0);
    const HistoryPoint node2 = history.series(ScopeKey::component("node2"))->back();
    QCOMPARE(node2.throughput, 3000.0);
    QCOMPARE(node2.error_rate, 30.0 / 3000);
    QCOMPARE(node2.latency_p50_ms, expectedMs({{150'000, 2700}, {4'000'000, 300}}, 0.5));
    QCOMPARE(node2.latency_p99_ms, expectedMs({{150'000, 2700}, {4'000'000, 300}}, 0.99));
    QVERIFY(std::isnan(node2.e2e_p99_ms));  // not a sink

    // An instance, and an agent as the merge of the instances it runs.
    QCOMPARE(history.series(ScopeKey::instance("node1", 0))->back().throughput, 3000.0);
    QCOMPARE(history.series(ScopeKey::agent("agent-b"))->back().throughput, 3000.0);
    // agent-a runs requests (emits 9000), haproxy (9000), node1 (3000), responses (8970).
    QCOMPARE(history.series(ScopeKey::agent("agent-a"))->back().throughput,
             9000.0 + 9000 + 3000 + 8970);
    QCOMPARE(history.scopeNames(ScopeKind::Agent),
             (std::vector<std::string>{"agent-a", "agent-b", "agent-c"}));
    QCOMPARE(history.scopeNames(ScopeKind::Instance).size(), size_t{6});

    // A round that does not move forward in time is refused.
    QVERIFY(!history.addRound(run.current(), run.current()));
    QCOMPARE(history.rounds(), 5);
  }

  void aShortLastIntervalIsNoRateOnTheCharts() {
    MetricsHistory history;
    history.setTopology(webTier());  // metrics every 1000 ms
    SyntheticRun run;
    run.rate = 9000;
    feed(history, run, 3);
    // The stop: 40 ms later, the stragglers of a whole interval arrive; as a
    // rate they would read as 25 times the offered load.
    const Snapshot before = run.current();
    run.rate = 9000.0 * 1000 / 40;
    QVERIFY(!history.addRound(before, run.next(40)));
    QCOMPARE(history.rounds(), 3);
    QCOMPARE(history.series(ScopeKey::topology())->back().throughput, 9000.0);
  }

  void historyKeepsAnHourInABoundedRing() {
    MetricsHistory history;
    SyntheticRun run;
    feed(history, run, 7200);  // two hours of one-second rounds
    const SeriesRing* topo = history.series(ScopeKey::topology());
    QCOMPARE(topo->size(), MetricsHistory::kDefaultCapacity);
    QCOMPARE(topo->capacity(), MetricsHistory::kDefaultCapacity);
    // The oldest point kept is the first of the second hour.
    QCOMPARE(topo->at(0).t_ms, int64_t{3'601'000});
    QCOMPARE(topo->back().t_ms, int64_t{7'200'000});
    QCOMPARE(topo->firstAtOrAfter(7'141'000), size_t{3600 - 60});
    for (const std::string& c : history.scopeNames(ScopeKind::Component))
      QCOMPARE(history.series(ScopeKey::component(c))->size(), MetricsHistory::kDefaultCapacity);
    QCOMPARE(MetricsHistory::kBytesPerPoint, size_t{144});

    for (int i = 0; i < int(MetricsHistory::kMaxEvents) + 5; ++i)
      history.addEvent({i, "fault", "kill node1#0", "agent-a"});
    QCOMPARE(history.events().size(), MetricsHistory::kMaxEvents);
    QCOMPARE(history.events().front().t_ms, int64_t{5});
  }

  void csvExportWritesTheSelectedScope() {
    DashboardWidget dash;
    dash.setTopology(webTier());
    SyntheticRun run;
    run.node_errors = 10;
    feed(dash, run, 3);
    dash.showComponent(QStringLiteral("node2"));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("node2.csv"));
    QString error;
    QVERIFY2(dash.exportCsv(path, &error), qPrintable(error));
    const QList<QByteArray> lines = csvLines(path);
    QCOMPARE(lines.size(), 4);
    // The first nine columns as they always were; later ones are appended.
    QCOMPARE(lines[0],
             QByteArray("t_ms,throughput_per_s,latency_p50_ms,latency_p90_ms,latency_p99_ms,"
                        "e2e_p50_ms,e2e_p90_ms,e2e_p99_ms,error_rate,"
                        "latency_p999_ms,latency_max_ms,e2e_p999_ms,e2e_max_ms,"
                        "queue_fill,blocked_share,replica_lag_ops,replica_lag_ms,ingest_per_s"));
    const QList<QByteArray> row = lines[3].split(',');
    QCOMPARE(row.size(), 18);
    QCOMPARE(row[0], QByteArray("3000"));
    QCOMPARE(row[1].toDouble(), 3333.0);
    QCOMPARE(row[4].toDouble(), expectedMs({{150'000, 3333}}, 0.99));
    QVERIFY(row[7].isEmpty());  // node2 is not a sink: no end-to-end latency
    QCOMPARE(row[8].toDouble(), 10.0 / 3333);
    QCOMPARE(row[9].toDouble(), expectedMs({{150'000, 3333}}, 0.999));
    QCOMPARE(row[10].toDouble(), 0.15);  // the interval's max, 150 µs
    QVERIFY(row[11].isEmpty() && row[12].isEmpty());
    QCOMPARE(row[13].toDouble(), 0.0);                // an empty queue
    QCOMPARE(row[14].toDouble(), 0.0);                // never blocked
    QVERIFY(row[15].isEmpty() && row[16].isEmpty());  // not a replicated store
    QVERIFY(row[17].isEmpty());                       // the producers' inflow is the topology's

    // A path that cannot be written is refused with the path in the reason.
    const QString bad = dir.filePath(QStringLiteral("missing/dir/x.csv"));
    QVERIFY(!dash.exportCsv(bad, &error));
    QVERIFY2(error.contains(bad), qPrintable(error));
  }

  void sloBadgesFlipWhenABoundIsCrossed() {
    DashboardWidget dash;
    dash.setTopology(webTier());  // throughput_min 9500, p99_ms_max 20, error_rate_max 0.001
    QCOMPARE(dash.sloBadge(QStringLiteral("throughput")), SloState::NotSet);
    SyntheticRun run;
    feed(dash, run, 2);
    QCOMPARE(dash.sloBadge(QStringLiteral("throughput")), SloState::Pass);
    QCOMPARE(dash.sloBadge(QStringLiteral("p99")), SloState::Pass);
    QCOMPARE(dash.sloBadge(QStringLiteral("error rate")), SloState::Pass);

    run.rate = 9000;  // below throughput_min
    feed(dash, run, 1);
    QCOMPARE(dash.sloBadge(QStringLiteral("throughput")), SloState::Fail);
    QCOMPARE(dash.sloBadge(QStringLiteral("error rate")), SloState::Pass);

    run.rate = 10000;
    run.node_errors = 100;    // 100 / 29,900 received > 0.001
    run.e2e_ns = 25'000'000;  // p99 25 ms > 20 ms
    feed(dash, run, 1);
    QCOMPARE(dash.sloBadge(QStringLiteral("throughput")), SloState::Pass);
    QCOMPARE(dash.sloBadge(QStringLiteral("p99")), SloState::Fail);
    QCOMPARE(dash.sloBadge(QStringLiteral("error rate")), SloState::Fail);
    QCOMPARE(dash.history().sloStatus().violations.size(), size_t{2});

    // Shown: the badge says so, and the SLO lines sit at the bounds.
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    QTRY_VERIFY(dash.redrawCount() > 0);
    QVERIFY2(dash.sloBadgeText(QStringLiteral("p99")).contains(QStringLiteral("FAIL")),
             qPrintable(dash.sloBadgeText(QStringLiteral("p99"))));
    QCOMPARE(dash.seriesPoints(QStringLiteral("throughput_min")).value(0).y(), 9500.0);
    QCOMPARE(dash.seriesPoints(QStringLiteral("p99_ms_max")).value(0).y(), 20.0);
    QCOMPARE(dash.seriesPoints(QStringLiteral("error_rate_max")).value(0).y(), 0.1);  // percent

    // No tuple reached a sink in the latest interval: no verdict.
    run.rate = 0;
    feed(dash, run, 1);
    QCOMPARE(dash.sloBadge(QStringLiteral("throughput")), SloState::NoData);
  }

  void chartsShowTheWindowInBatches() {
    DashboardWidget dash;
    dash.setTopology(webTier());
    dash.setTimeWindow(DashboardWidget::TimeWindow::OneMinute);
    dash.resize(1000, 700);
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    QTRY_VERIFY(dash.redrawCount() > 0);
    const int before = dash.redrawCount();

    SyntheticRun run;
    feed(dash, run, 90);  // arrives in one burst: one redraw, not ninety
    QTRY_COMPARE(dash.redrawCount(), before + 1);
    QTest::qWait(DashboardWidget::kRedrawIntervalMs * 2);
    QCOMPARE(dash.redrawCount(), before + 1);

    // The 1-minute window: rounds from t = 30 s to 90 s, x in seconds.
    const QList<QPointF> tp = dash.seriesPoints(QStringLiteral("throughput"));
    QCOMPARE(tp.size(), 61);
    QCOMPARE(tp.front(), QPointF(30, 10000));
    QCOMPARE(tp.back(), QPointF(90, 10000));
    QCOMPARE(dash.seriesPoints(QStringLiteral("e2e p99")).back().y(),
             expectedMs({{2'000'000, 10000}}, 0.99));
    QCOMPARE(dash.seriesPoints(QStringLiteral("error rate")).back().y(), 0.0);

    // An hour of rounds in the 1-hour window is drawn from buckets.
    feed(dash, run, 3600);
    dash.setTimeWindow(DashboardWidget::TimeWindow::OneHour);
    dash.flush();
    const QList<QPointF> hour = dash.seriesPoints(QStringLiteral("throughput"));
    QVERIFY2(hour.size() <= DashboardWidget::kMaxChartPoints &&
                 hour.size() >= DashboardWidget::kMaxChartPoints - 1,
             qPrintable(QString::number(hour.size())));
    QCOMPARE(hour.back(), QPointF(3690, 10000));
  }

  void hiddenOrPausedDashboardDoesNotRedraw() {
    DashboardWidget dash;
    dash.setTopology(webTier());
    SyntheticRun run;
    feed(dash, run, 10);
    QTest::qWait(DashboardWidget::kRedrawIntervalMs * 3);
    QCOMPARE(dash.redrawCount(), 0);
    QCOMPARE(dash.replaceCount(), 0);
    QCOMPARE(dash.history().rounds(), 10);  // recorded all the same

    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    QTRY_COMPARE(dash.redrawCount(), 1);
    QCOMPARE(dash.seriesPoints(QStringLiteral("throughput")).size(), 10);

    dash.setPaused(true);
    feed(dash, run, 5);
    QTest::qWait(DashboardWidget::kRedrawIntervalMs * 3);
    QCOMPARE(dash.redrawCount(), 1);
    QCOMPARE(dash.seriesPoints(QStringLiteral("throughput")).size(), 10);
    QCOMPARE(dash.history().rounds(), 15);
    dash.setPaused(false);
    QTRY_COMPARE(dash.redrawCount(), 2);
    QCOMPARE(dash.seriesPoints(QStringLiteral("throughput")).size(), 15);

    dash.hide();
    const int replaces = dash.replaceCount();
    feed(dash, run, 5);
    QTest::qWait(DashboardWidget::kRedrawIntervalMs * 3);
    QCOMPARE(dash.replaceCount(), replaces);
  }

  void scopeSlotsSelectWhatTheChartsShow() {
    DashboardWidget dash;
    dash.setTopology(webTier());
    SyntheticRun run;
    run.node3_alive = false;  // the balancer splits between node1 and node2
    feed(dash, run, 4);
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    QSignalSpy changed(&dash, &DashboardWidget::scopeChanged);

    dash.showComponent(QStringLiteral("node1"));
    dash.flush();
    QCOMPARE(changed.count(), 1);
    QCOMPARE(dash.scope(), ScopeKey::component("node1"));
    QCOMPARE(dash.seriesPoints(QStringLiteral("throughput")).back().y(), 5000.0);
    QVERIFY(dash.seriesPoints(QStringLiteral("e2e p99")).isEmpty());  // not a sink

    dash.showInstance(QStringLiteral("node3"), 0);
    dash.flush();
    QCOMPARE(dash.seriesPoints(QStringLiteral("throughput")).back().y(), 0.0);
    QVERIFY(dash.seriesPoints(QStringLiteral("latency p99")).isEmpty());  // nothing processed

    dash.showAgent(QStringLiteral("agent-b"));
    dash.flush();
    QCOMPARE(dash.seriesPoints(QStringLiteral("throughput")).back().y(), 5000.0);

    dash.showTopology();
    dash.flush();
    QCOMPARE(dash.scope(), ScopeKey::topology());
    QCOMPARE(dash.seriesPoints(QStringLiteral("throughput")).back().y(), 10000.0);
    QCOMPARE(changed.count(), 4);
  }

  void topologyThroughputShowsWhatGoesInBesideWhatReachesTheSinks() {
    DashboardWidget dash;
    dash.setTopology(analytics());
    WindowedRun run;
    // 1 s windows closing once per 1 s interval: the store gets 0, then 17 k.
    const uint64_t atStore[] = {0, 17'000, 0, 17'000, 0, 17'000};
    for (uint64_t n : atStore) {
      const Snapshot prev = run.current();
      QVERIFY(dash.addRound(prev, run.next(n)));
    }
    dash.resize(1400, 700);
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    dash.flush();

    QList<QPointF> in, out;
    for (int i = 0; i < 6; ++i) {
      in << QPointF(i + 1, 100'000);
      out << QPointF(i + 1, static_cast<double>(atStore[i]));
    }
    QChart* chart = chartTitled(dash, QStringLiteral("Throughput"));
    QVERIFY(chart);
    using Lines = QMap<QString, QList<QPointF>>;
    QCOMPARE(linesShown(*chart), (Lines{{"in (from producers)", in}, {"out (at sinks)", out}}));
    QCOMPARE(dash.seriesPoints(QStringLiteral("ingest")), in);
    QCOMPARE(dash.seriesPoints(QStringLiteral("throughput")), out);
    // The axis fits the higher line.
    auto* y = qobject_cast<QValueAxis*>(chart->axes(Qt::Vertical).value(0));
    QVERIFY(y && y->max() >= 100'000);

    // The SLO's throughput stays what reaches the sinks, and so does the CSV's
    // column; the inflow is a column of its own, at the end.
    const HistoryPoint& last = dash.history().series(ScopeKey::topology())->back();
    QCOMPARE(last.throughput, 17'000.0);
    QCOMPARE(last.ingest, 100'000.0);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("topology.csv"));
    QVERIFY(dash.exportCsv(path));
    const QList<QByteArray> lines = csvLines(path);
    QCOMPARE(lines.size(), 7);
    QVERIFY2(lines[0].endsWith(",ingest_per_s"), lines[0].constData());
    QCOMPARE(lines[1].split(',')[1].toDouble(), 0.0);
    QCOMPARE(lines[1].split(',').back().toDouble(), 100'000.0);
    QCOMPARE(lines[2].split(',')[1].toDouble(), 17'000.0);

    // A component has its one line, as before.
    dash.showComponent(QStringLiteral("counts"));
    dash.flush();
    QList<QPointF> counts;
    for (int i = 0; i < 6; ++i) counts << QPointF(i + 1, 100'000);
    QCOMPARE(linesShown(*chart), (Lines{{"tuples/s", counts}}));
    QVERIFY(!dash.isSeriesShown(QStringLiteral("ingest")));
    QVERIFY(dash.seriesPoints(QStringLiteral("ingest")).isEmpty());
    QVERIFY(std::isnan(dash.history().series(ScopeKey::component("counts"))->back().ingest));

    // And the topology has both again.
    dash.showTopology();
    dash.flush();
    QCOMPARE(linesShown(*chart), (Lines{{"in (from producers)", in}, {"out (at sinks)", out}}));
  }

  void eventsAreMarkedOnTheCharts() {
    DashboardWidget dash;
    dash.setTimeWindow(DashboardWidget::TimeWindow::OneMinute);
    SyntheticRun run;
    dash.addEvent(0, QStringLiteral("deploy"), QStringLiteral("web-tier on 3 agents"));
    feed(dash, run, 100);
    dash.addEvent(50'500, QStringLiteral("fault"), QStringLiteral("kill node1#0"),
                  QStringLiteral("agent-a"));
    dash.addEvent(70'000, QStringLiteral("agent-lost"), QStringLiteral("no answer for 2 s"),
                  QStringLiteral("agent-c"));
    // Late news of an earlier event: markers are in time order all the same.
    dash.addEvent(45'000, QStringLiteral("promotion"), QStringLiteral("kv#1 promoted"));
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    QTRY_VERIFY(dash.redrawCount() > 0);
    // The window is t = 40..100 s: the deploy at 0 is outside it.
    const QList<EventMarker> shown = dash.markers();
    QCOMPARE(shown.size(), 3);
    QCOMPARE(shown[0].kind, QStringLiteral("promotion"));
    QCOMPARE(shown[1].kind, QStringLiteral("fault"));
    QCOMPARE(shown[1].t_ms, 50'500);
    QCOMPARE(shown[1].detail, QStringLiteral("agent-a: kill node1#0"));
    QCOMPARE(shown[2].kind, QStringLiteral("agent-lost"));
    QCOMPARE(dash.history().events().size(), size_t{4});

    dash.setTimeWindow(DashboardWidget::TimeWindow::TenMinutes);
    dash.flush();
    QCOMPARE(dash.markers().size(), 4);
    QCOMPARE(dash.markers().front().kind, QStringLiteral("deploy"));

    dash.clear();
    dash.flush();
    QVERIFY(dash.markers().isEmpty());
    QVERIFY(dash.seriesPoints(QStringLiteral("throughput")).isEmpty());
  }

  void oneHappeningReportedByEveryAgentIsOneMarker() {
    DashboardWidget dash;
    // Each agent reports its own part of a deploy, and of a fault on a
    // component spread over them, within a moment of each other.
    // (Their reports come in any order: node-c's is the earliest.)
    dash.addEvent(100, QStringLiteral("deploy"), QStringLiteral("started 3 instances"),
                  QStringLiteral("node-a"));
    dash.addEvent(130, QStringLiteral("deploy"), QStringLiteral("started 2 instances"),
                  QStringLiteral("node-b"));
    dash.addEvent(80, QStringLiteral("deploy"), QStringLiteral("started 1 instance"),
                  QStringLiteral("node-c"));
    dash.addEvent(8000, QStringLiteral("fault"), QStringLiteral("latency 50 ms into enrich"),
                  QStringLiteral("node-a"));
    dash.addEvent(8200, QStringLiteral("fault"), QStringLiteral("latency 50 ms into enrich"),
                  QStringLiteral("node-b"));
    // The same agent twice is two happenings; so is the same kind much later.
    dash.addEvent(8300, QStringLiteral("fault"), QStringLiteral("kill enrich#0"),
                  QStringLiteral("node-b"));
    dash.addEvent(20'000, QStringLiteral("fault"), QStringLiteral("kill enrich#1"),
                  QStringLiteral("node-c"));
    // The studio's own note of a fault, then the agents acting on it.
    dash.addEvent(30'000, QStringLiteral("fault"), QStringLiteral("Injecting: kill store#0"));
    dash.addEvent(30'400, QStringLiteral("fault"), QStringLiteral("killed store#0"),
                  QStringLiteral("node-c"));
    const auto& events = dash.history().events();
    QCOMPARE(events.size(), size_t{5});
    QCOMPARE(QString::fromStdString(events[4].detail),
             QStringLiteral("Injecting: kill store#0; node-c: killed store#0"));
    QCOMPARE(QString::fromStdString(events[0].detail),
             QStringLiteral("node-a: started 3 instances; node-b: started 2 instances; node-c: "
                            "started 1 instance"));
    QVERIFY(events[0].agent.empty());
    QCOMPARE(events[0].t_ms, int64_t{80});  // the marker stands at the earliest report
    QCOMPARE(
        QString::fromStdString(events[1].detail),
        QStringLiteral("node-a: latency 50 ms into enrich; node-b: latency 50 ms into enrich"));
    QCOMPARE(QString::fromStdString(events[2].detail), QStringLiteral("kill enrich#0"));
    QCOMPARE(QString::fromStdString(events[2].agent), QStringLiteral("node-b"));
    QCOMPARE(events[3].t_ms, int64_t{20'000});
  }

  void chartsKeepAReadableShapeAtEverySize() {
    DashboardWidget dash;
    dash.resize(1000, 700);
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    auto shown = [&dash] {
      QList<QChartView*> views;
      for (QChartView* v : dash.findChildren<QChartView*>()) {
        if (v->isVisible()) views << v;
      }
      return views;
    };
    auto rows = [&] {
      QSet<int> ys;
      for (QChartView* v : shown()) ys.insert(v->geometry().top());
      return ys.size();
    };
    // Throughput, error rate, both latencies and back pressure.
    QCOMPARE(shown().size(), 5);
    QTRY_VERIFY(rows() >= 2);
    dash.resize(1180, 330);  // the bottom dock at the studio's default size: one row
    QTRY_COMPARE(rows(), 1);
    for (QChartView* v : shown()) QVERIFY(v->width() >= 200);
    dash.resize(1600, 1000);  // the whole screen: rows of charts in landscape
    QTRY_COMPARE(dash.chartColumns(), 3);
    QTRY_COMPARE(rows(), 2);
    dash.resize(420, 900);  // a narrow window: narrow columns, each still readable
    QTRY_VERIFY(dash.chartColumns() <= 2);
    auto smallest = [&] {
      QSize least(1 << 20, 1 << 20);
      for (QChartView* v : shown()) least = least.boundedTo(v->size());
      return least;
    };
    QTRY_VERIFY2(
        smallest().width() >= 190 && smallest().height() >= 200,
        qPrintable(QStringLiteral("%1 x %2").arg(smallest().width()).arg(smallest().height())));
  }

  void tailPercentilesAreSelectableOnTheLatencyCharts() {
    DashboardWidget dash;
    dash.setTopology(webTier());
    SyntheticRun run;
    run.slow_latency_ns = 4'000'000;  // every tenth tuple at the nodes takes 4 ms
    run.e2e_ns = 3'000'000;
    feed(dash, run, 3);
    dash.showComponent(QStringLiteral("node2"));
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    dash.flush();

    // p50, p90 and p99 by default; p99.9 and max are there to be chosen.
    for (const char* name : {"latency p99.9", "latency max", "e2e p99.9", "e2e max"}) {
      QVERIFY2(dash.seriesNames().contains(QLatin1String(name)), name);
      QVERIFY2(!dash.isSeriesShown(QLatin1String(name)), name);
      QVERIFY2(dash.seriesPoints(QLatin1String(name)).isEmpty(), name);
    }
    QVERIFY(dash.isSeriesShown(QStringLiteral("latency p99")));

    // Chosen from the Percentiles menu, as a user does.
    auto* button = dash.findChild<QToolButton*>();
    QVERIFY(button && button->menu());
    QStringList offered;
    for (QAction* a : button->menu()->actions()) {
      offered << a->text();
      if (a->text() == QLatin1String("p99.9") || a->text() == QLatin1String("max")) a->trigger();
      if (a->text() == QLatin1String("p50")) a->trigger();  // and p50 off
    }
    QCOMPARE(offered, QStringList({"p50", "p90", "p99", "p99.9", "max"}));
    QVERIFY(dash.isPercentileShown(QStringLiteral("max")));
    QVERIFY(!dash.isPercentileShown(QStringLiteral("p50")));
    dash.flush();
    const double p999 = expectedMs({{150'000, 3000}, {4'000'000, 333}}, 0.999);
    QCOMPARE(dash.seriesPoints(QStringLiteral("latency p99.9")).size(), 3);
    QCOMPARE(dash.seriesPoints(QStringLiteral("latency p99.9")).back(), QPointF(3, p999));
    QCOMPARE(dash.seriesPoints(QStringLiteral("latency max")).back(), QPointF(3, 4.0));
    QVERIFY(dash.seriesPoints(QStringLiteral("latency p50")).isEmpty());
    QVERIFY(dash.seriesPoints(QStringLiteral("e2e max")).isEmpty());  // node2 is no sink

    // At the sink, the end-to-end tail.
    dash.showComponent(QStringLiteral("responses"));
    dash.flush();
    QCOMPARE(dash.seriesPoints(QStringLiteral("e2e max")).back(), QPointF(3, 3.0));
    QCOMPARE(dash.seriesPoints(QStringLiteral("e2e p99.9")).back().y(),
             expectedMs({{3'000'000, 9967}}, 0.999));
    // The history keeps them per point, whatever the charts show.
    const HistoryPoint& last = dash.history().series(ScopeKey::component("node2"))->back();
    QCOMPARE(last.latency_p999_ms, p999);
    QCOMPARE(last.latency_max_ms, 4.0);
  }

  void backPressureShowsQueueFillAndTimeBlocked() {
    DashboardWidget dash;
    dash.setTopology(webTier());
    SyntheticRun run;
    run.node1_queue = SyntheticRun::kQueueCapacity / 2;  // 50 % full
    run.node2_queue = SyntheticRun::kQueueCapacity / 4;  // 25 %
    run.node1_blocked_ns = 250'000'000;                  // a quarter of each second
    feed(dash, run, 4);
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    QCOMPARE(dash.extraChart(), DashboardWidget::ExtraChart::BackPressure);

    auto last = [&dash](const char* name) {
      dash.flush();
      const QList<QPointF> points = dash.seriesPoints(QLatin1String(name));
      return points.isEmpty() ? -1.0 : points.back().y();
    };
    dash.showComponent(QStringLiteral("node1"));
    QCOMPARE(last("queue fill"), 50.0);
    QCOMPARE(last("blocked"), 25.0);
    QCOMPARE(dash.seriesPoints(QStringLiteral("blocked")).size(), 4);
    dash.showComponent(QStringLiteral("node2"));
    QCOMPARE(last("queue fill"), 25.0);
    QCOMPARE(last("blocked"), 0.0);
    dash.showInstance(QStringLiteral("node1"), 0);
    QCOMPARE(last("queue fill"), 50.0);
    QCOMPARE(last("blocked"), 25.0);
    // agent-a runs requests, haproxy, node1 and responses: its fullest queue,
    // and node1's quarter second over four instance-seconds.
    dash.showAgent(QStringLiteral("agent-a"));
    QCOMPARE(last("queue fill"), 50.0);
    QCOMPARE(last("blocked"), 6.25);
    dash.showAgent(QStringLiteral("agent-b"));
    QCOMPARE(last("queue fill"), 25.0);
    // The topology: the fullest queue anywhere, blocked over all six instances.
    dash.showTopology();
    QCOMPARE(last("queue fill"), 50.0);
    QCOMPARE(last("blocked"), 25.0 / 6);

    // Drained and unblocked: the lines come down.
    run.node1_queue = 0;
    run.node1_blocked_ns = 0;
    feed(dash, run, 1);
    QCOMPARE(last("queue fill"), 25.0);  // node2's is still a quarter full
    QCOMPARE(last("blocked"), 0.0);
  }

  void balancerMembersLeavingRotationAreMarkers() {
    DashboardWidget dash;
    dash.setTimeWindow(DashboardWidget::TimeWindow::OneMinute);
    SyntheticRun run;
    feed(dash, run, 5);
    dash.addEvent(
        5000, QStringLiteral("member-down"),
        QStringLiteral("haproxy#0: node3#0 failed its health check and is out of rotation"));
    feed(dash, run, 5);
    dash.addEvent(
        10000, QStringLiteral("member-up"),
        QStringLiteral("haproxy#0: node3#0 passes its health checks and is back in rotation"));
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    QTRY_VERIFY(dash.redrawCount() > 0);
    const QList<EventMarker> shown = dash.markers();
    QCOMPARE(shown.size(), 2);
    QCOMPARE(shown[0].kind, QStringLiteral("member-down"));
    QCOMPARE(shown[0].t_ms, 5000);
    QCOMPARE(shown[0].detail,
             QStringLiteral("haproxy#0: node3#0 failed its health check and is out of rotation"));
    QCOMPARE(shown[1].kind, QStringLiteral("member-up"));
  }

  void headerShowsTheDeliveryMode() {
    DashboardWidget dash;
    QVERIFY(dash.deliveryText().isEmpty());  // no topology yet
    dash.setTopology(webTier());
    QCOMPARE(dash.deliveryText(), QStringLiteral("at-most-once"));
    Topology t = webTier();
    t.defaults->delivery = Delivery::AtLeastOnce;
    dash.setTopology(t);
    QCOMPARE(dash.deliveryText(), QStringLiteral("at-least-once"));
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    bool visible = false;
    for (QLabel* l : dash.findChildren<QLabel*>())
      visible |= l->isVisible() && l->text() == QLatin1String("at-least-once");
    QVERIFY(visible);
  }

  void liveCanvasShowsRatesAndLoad() {
    TopologyModel model;
    model.reset(webTier());
    DesignPainter painter(CanvasColors::fromPalette(QPalette()));
    TopologyScene scene(model, painter);
    const QImage design = renderScene(scene);

    SyntheticRun run;
    run.node1_queue = 15000;  // 92 % full: saturated
    run.node2_queue = 9000;   // 55 %: busy
    run.node_errors = 12;
    run.node3_alive = false;
    const Snapshot prev = run.current();
    const Snapshot cur = run.next();
    scene.showLive(prev, cur);
    QVERIFY(scene.isLive());

    const LiveComponent* node1 = scene.liveComponent(QStringLiteral("node1"));
    QVERIFY(node1);
    QCOMPARE(node1->level, LoadLevel::Saturated);
    QCOMPARE(scene.liveComponent(QStringLiteral("node2"))->level, LoadLevel::Busy);
    QCOMPARE(scene.liveComponent(QStringLiteral("responses"))->level, LoadLevel::Normal);
    QCOMPARE(scene.liveComponent(QStringLiteral("node2"))->errors, uint64_t{12});
    QCOMPARE(scene.liveComponent(QStringLiteral("node3"))->alive, 0);

    // Streams: the balancer's members count what each was sent; others follow their ends.
    QCOMPARE(scene.liveEdge(QStringLiteral("requests"), QStringLiteral("haproxy"))->label,
             QStringLiteral("10.0k/s"));
    QCOMPARE(scene.liveEdge(QStringLiteral("haproxy"), QStringLiteral("node1"))->label,
             QStringLiteral("5.0k/s"));
    QCOMPARE(scene.liveEdge(QStringLiteral("haproxy"), QStringLiteral("node3"))->label,
             QStringLiteral("down"));
    QVERIFY(!scene.liveEdge(QStringLiteral("haproxy"), QStringLiteral("node3"))->healthy);
    QCOMPARE(scene.liveEdge(QStringLiteral("node2"), QStringLiteral("responses"))->label,
             QStringLiteral("5.0k/s"));  // 5000 sent, 12 rejected

    // Hover text with the figures.
    const QString tip = scene.componentItem(QStringLiteral("node2"))->toolTip();
    QVERIFY2(tip.contains(QStringLiteral("errors 12 in the interval")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("queue 9000 of 16384")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("received 5.0k/s")), qPrintable(tip));

    // The load bar is drawn in the level's colour: red for node1, green for responses.
    const QImage live = renderScene(scene);
    QCOMPARE(categoryAt(live, scene, QStringLiteral("node1"), painter), LoadLevel::Saturated);
    QCOMPARE(categoryAt(live, scene, QStringLiteral("node2"), painter), LoadLevel::Busy);
    QCOMPARE(categoryAt(live, scene, QStringLiteral("responses"), painter), LoadLevel::Normal);
    QVERIFY(live != design);

    // Back to the design look, exactly.
    scene.clearLive();
    QVERIFY(!scene.liveComponent(QStringLiteral("node1")));
    QCOMPARE(renderScene(scene), design);
  }

 private:
  static QRectF sceneArea() { return QRectF(-100, -100, 1000, 500); }

  static QImage renderScene(QGraphicsScene& scene) {
    QImage img(1000, 500, QImage::Format_ARGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    scene.render(&p, QRectF(0, 0, 1000, 500), sceneArea());
    return img;
  }

  // The load level whose colour is closest to the middle of a component's load bar.
  static LoadLevel categoryAt(const QImage& img, TopologyScene& scene, const QString& id,
                              const CanvasPainter& painter) {
    const QRectF r = painter.componentRect();
    const QPointF at = scene.componentItem(id)->pos() + QPointF(r.left() + 18, r.bottom() - 6) -
                       sceneArea().topLeft();
    const QColor c = img.pixelColor(at.toPoint());
    LoadLevel best = LoadLevel::Normal;
    int bestDistance = 1 << 30;
    for (LoadLevel l : {LoadLevel::Normal, LoadLevel::Busy, LoadLevel::Saturated}) {
      const QColor ref = LivePainter::levelColour(l, false);
      const int d = std::abs(ref.red() - c.red()) + std::abs(ref.green() - c.green()) +
                    std::abs(ref.blue() - c.blue());
      if (d < bestDistance) {
        bestDistance = d;
        best = l;
      }
    }
    return best;
  }
};

QTEST_MAIN(DashboardTest)
#include "dashboard_test.moc"
