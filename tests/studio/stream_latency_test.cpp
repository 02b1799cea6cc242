// Per-stream latency in the studio, as a user would check it: each stream
// that carried tuples is a scope of the dashboard ("events → enrich") whose
// latency chart holds the stream's percentiles round by round; selecting a
// stream on the canvas shows it there; and while a run is live, hovering a
// stream shows its latency over the last interval. Fed from synthetic
// snapshots of realtime-analytics whose streams carry known latencies.
#include <QApplication>
#include <QComboBox>
#include <QGraphicsItem>
#include <QGraphicsView>
#include <QHelpEvent>
#include <QToolTip>
#include <QtTest>
#include <cmath>
#include <map>
#include <string>
#include <utility>

#include "file_controller.h"
#include "main_window.h"
#include "synthetic_run.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/dashboard_widget.h"
#include "topolab/widgets/metrics_history.h"
#include "topolab/widgets/topology_model.h"
#include "topolab/widgets/topology_scene.h"

using namespace topolab;
using namespace topolab::widgets;

namespace {

constexpr uint64_t kUs = 1'000;
constexpr uint64_t kMs = 1'000'000;

QString analyticsPath() { return QStringLiteral(TOPOLAB_EXAMPLES_DIR "/realtime-analytics.yaml"); }

Topology analytics() {
  LoadResult r = loadTopologyFile(analyticsPath().toStdString());
  if (!r.ok()) qFatal("cannot load %s", qPrintable(analyticsPath()));
  return *r.topology;
}

// Cumulative snapshots of realtime-analytics (events ×2 → enrich ×4 → counts
// ×2 → store) in which the test says what each stream's tuples took; a
// stream's tuples are spread over its target's instances.
class AnalyticsRun {
 public:
  AnalyticsRun() : now_(topolab::testing::analyticsStart()) {}

  const Snapshot& current() const { return now_; }

  // In this round, `count` tuples on from → to took `latency_ns` each.
  void carry(const std::string& from, const std::string& to, uint64_t latency_ns, uint64_t count) {
    std::vector<InstanceSnapshot*> targets;
    for (InstanceSnapshot& inst : now_.instances) {
      if (inst.component == to) targets.push_back(&inst);
    }
    for (size_t i = 0; i < targets.size(); ++i) {
      const uint64_t share = count / targets.size() + (i < count % targets.size() ? 1 : 0);
      if (share == 0) continue;
      InstanceSnapshot& target = *targets[i];
      StreamLatency* in = nullptr;
      for (StreamLatency& s : target.inputs) in = s.from == from ? &s : in;
      if (!in) in = &target.inputs.emplace_back(StreamLatency{from, Histogram()});
      in->latency.record(latency_ns, share);
      target.counters.received += share;
      uint64_t& most = round_max_[{target.component + "#" + std::to_string(target.index), from}];
      most = std::max(most, latency_ns);
    }
  }

  // Ends the round `interval_ms` later: each histogram's max becomes the round's.
  const Snapshot& next(int64_t interval_ms = 1000) {
    now_.t_ms += interval_ms;
    for (InstanceSnapshot& inst : now_.instances) {
      for (StreamLatency& in : inst.inputs)
        in.latency.setMax(round_max_[{inst.component + "#" + std::to_string(inst.index), in.from}]);
    }
    round_max_.clear();
    return now_;
  }

 private:
  Snapshot now_;
  std::map<std::pair<std::string, std::string>, uint64_t> round_max_;
};

// The milliseconds a histogram holding only `values` reports at quantile q.
double expectedMs(std::initializer_list<std::pair<uint64_t, uint64_t>> values, double q) {
  Histogram h;
  uint64_t most = 0;
  for (auto [v, n] : values) {
    h.record(v, n);
    most = std::max(most, v);
  }
  h.setMax(most);
  return static_cast<double>(h.quantile(q)) / 1e6;
}

// The example of the hover text: 98,120 tuples, p50 0.4 ms, p99 2.1 ms,
// p99.9 3.0 ms and max 4.2 ms.
void carryTheExample(AnalyticsRun& run) {
  run.carry("events", "enrich", 400 * kUs, 97'000);
  run.carry("events", "enrich", 2'100 * kUs, 1'000);
  run.carry("events", "enrich", 3 * kMs, 100);
  run.carry("events", "enrich", 4'200 * kUs, 20);
}

// Round 1: events → enrich at 1 ms (p99 5 ms), enrich → counts at 0.2 ms.
// Round 2: the example on events → enrich, enrich → counts at 0.3 ms.
// Round 3: nothing on events → enrich; enrich → counts at 0.2 ms.
// counts → store never carries a tuple.
template <typename Sink>
void feedThreeRounds(Sink& sink, AnalyticsRun& run) {
  Snapshot prev = run.current();
  run.carry("events", "enrich", 1 * kMs, 9'800);
  run.carry("events", "enrich", 5 * kMs, 200);
  run.carry("enrich", "counts", 200 * kUs, 10'000);
  QVERIFY(sink.addRound(prev, run.next()));
  prev = run.current();
  carryTheExample(run);
  run.carry("enrich", "counts", 300 * kUs, 98'000);
  QVERIFY(sink.addRound(prev, run.next()));
  prev = run.current();
  run.carry("enrich", "counts", 200 * kUs, 5'000);
  QVERIFY(sink.addRound(prev, run.next()));
}

double round1P99() { return expectedMs({{1 * kMs, 9'800}, {5 * kMs, 200}}, 0.99); }
double round2P99() {
  return expectedMs({{400 * kUs, 97'000}, {2'100 * kUs, 1'000}, {3 * kMs, 100}, {4'200 * kUs, 20}},
                    0.99);
}

QStringList itemsOf(const QComboBox& box) {
  QStringList items;
  for (int i = 0; i < box.count(); ++i) items << box.itemText(i);
  return items;
}

// Picks `text` in `box` as a click on it does.
void choose(QComboBox& box, const QString& text) {
  const int at = box.findText(text);
  QVERIFY2(at >= 0, qPrintable(text + QStringLiteral(" not in ") + itemsOf(box).join(", ")));
  box.setCurrentIndex(at);
  emit box.activated(at);
}

// The hover text the view shows at scene point `at`.
QString toolTipAt(QGraphicsView& view, const QPointF& at) {
  const QPoint local = view.mapFromScene(at);
  QHelpEvent help(QEvent::ToolTip, local, view.viewport()->mapToGlobal(local));
  QApplication::sendEvent(view.viewport(), &help);
  return QToolTip::isVisible() ? QToolTip::text() : QString();
}

}  // namespace

class StreamLatencyTest final : public QObject {
  Q_OBJECT

 private slots:
  void historyKeepsEachStreamRoundByRound() {
    MetricsHistory history;
    history.setTopology(analytics());
    AnalyticsRun run;
    feedThreeRounds(history, run);

    // Only the streams that carried tuples, by the engine's "from:to".
    QCOMPARE(history.scopeNames(ScopeKind::Stream),
             (std::vector<std::string>{"enrich:counts", "events:enrich"}));
    const SeriesRing* ring = history.series(ScopeKey::stream("events", "enrich"));
    QVERIFY(ring);
    QCOMPARE(ring->size(), size_t{3});
    QCOMPARE(ring->at(0).latency_p99_ms, round1P99());
    QCOMPARE(ring->at(0).throughput, 10'000.0);
    QCOMPARE(ring->at(1).latency_p99_ms, round2P99());
    QCOMPARE(ring->at(1).latency_max_ms, 4.2);
    QCOMPARE(ring->at(1).throughput, 98'120.0);
    // An idle round: no tuples, no latency (a gap on the chart, not a zero).
    QCOMPARE(ring->at(2).t_ms, int64_t{3000});
    QCOMPARE(ring->at(2).throughput, 0.0);
    QVERIFY(std::isnan(ring->at(2).latency_p99_ms));
    // A stream has no errors or end-to-end latency of its own.
    QVERIFY(std::isnan(ring->at(1).error_rate));
    QVERIFY(std::isnan(ring->at(1).e2e_p99_ms));
    QCOMPARE(history.series(ScopeKey::stream("enrich", "counts"))->back().latency_p99_ms,
             expectedMs({{200 * kUs, 5'000}}, 0.99));
  }

  void dashboardChartsAStreamPickedFromTheScopeList() {
    DashboardWidget dash;
    dash.setTopology(analytics());
    AnalyticsRun run;
    feedThreeRounds(dash, run);
    dash.resize(1400, 600);
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    QSignalSpy changed(&dash, &DashboardWidget::scopeChanged);

    auto* kind = dash.findChild<QComboBox*>(QStringLiteral("scopeKind"));
    auto* name = dash.findChild<QComboBox*>(QStringLiteral("scopeName"));
    QVERIFY(kind && name);
    choose(*kind, QStringLiteral("Stream"));
    QVERIFY(name->isVisible());
    QCOMPARE(itemsOf(*name), QStringList({"enrich → counts", "events → enrich"}));
    choose(*name, QStringLiteral("events → enrich"));
    QCOMPARE(dash.scope(), ScopeKey::stream("events", "enrich"));
    QCOMPARE(changed.count(), 2);
    dash.flush();

    // Its p99 round by round; the idle third round is a gap.
    QCOMPARE(dash.seriesPoints(QStringLiteral("latency p99")),
             QList<QPointF>({{1, round1P99()}, {2, round2P99()}}));
    QCOMPARE(dash.seriesPoints(QStringLiteral("throughput")).back(), QPointF(3, 0));
    QVERIFY(dash.chartTitles().contains(QStringLiteral("Stream latency")));
    QVERIFY(!dash.chartTitles().contains(QStringLiteral("Processing latency")));
    // The tail percentiles as for a component.
    dash.setPercentileShown(QStringLiteral("max"), true);
    dash.flush();
    QCOMPARE(dash.seriesPoints(QStringLiteral("latency max")).at(1), QPointF(2, 4.2));

    // Back to a component: its processing latency again.
    dash.showComponent(QStringLiteral("enrich"));
    dash.flush();
    QCOMPARE(kind->currentText(), QStringLiteral("Component"));
    QVERIFY(dash.chartTitles().contains(QStringLiteral("Processing latency")));
  }

  void selectingAStreamOnTheCanvasShowsItOnTheDashboard() {
    studio::MainWindow window;
    QVERIFY(window.files().openFile(analyticsPath()));
    DashboardWidget& dash = window.dashboard();

    window.scene().selectStream(QStringLiteral("enrich"), QStringLiteral("counts"));
    QCOMPARE(dash.scope(), ScopeKey::stream("enrich", "counts"));
    window.scene().selectIds({QStringLiteral("counts")});
    QCOMPARE(dash.scope(), ScopeKey::component("counts"));
    window.scene().clearSelection();
    QCOMPARE(dash.scope(), ScopeKey::topology());
  }

  void hoveringAStreamShowsItsLatencyWhileLive() {
    TopologyModel model;
    model.reset(analytics());
    DesignPainter painter(CanvasColors::fromPalette(QPalette()));
    TopologyScene scene(model, painter);
    QGraphicsView view(&scene);
    view.resize(1000, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    // The middle of events → enrich, between the two components.
    const QPointF middle = (model.position(QStringLiteral("events")) + painter.outPort() +
                            model.position(QStringLiteral("enrich")) + painter.inPort()) /
                           2;
    QGraphicsItem* edge = scene.streamItem(QStringLiteral("events"), QStringLiteral("enrich"));
    QVERIFY(edge && edge->contains(edge->mapFromScene(middle)));
    view.centerOn(middle);
    // Not live: nothing to say about a stream without problems.
    QCOMPARE(edge->toolTip(), QString());

    AnalyticsRun run;
    run.carry("events", "enrich", 10 * kMs, 5'000);  // an earlier round, not in the text
    run.next();
    const Snapshot prev = run.current();
    carryTheExample(run);
    scene.showLive(prev, run.next());

    const QString expected = QStringLiteral(
        "events → enrich: p50 0.4 ms · p99 2.1 ms · p99.9 3.0 ms · max 4.2 ms "
        "(98,120 tuples in the last 1 s)");
    QCOMPARE(edge->toolTip(), expected);
    QTRY_COMPARE(toolTipAt(view, middle), expected);
    // A stream that carried nothing in the interval has nothing to show.
    QCOMPARE(scene.streamItem(QStringLiteral("counts"), QStringLiteral("store"))->toolTip(),
             QString());

    // Once the run stops, the edge is back to its design hover text.
    scene.clearLive();
    QCOMPARE(edge->toolTip(), QString());
  }

  void aStreamsProblemsFollowItsLatencyInTheHoverText() {
    TopologyModel model;
    model.reset(analytics());
    Problem problem;
    problem.message = QStringLiteral("1:1: a problem with this stream");
    problem.stream_from = QStringLiteral("events");
    problem.stream_to = QStringLiteral("enrich");
    model.setProblems({problem});
    DesignPainter painter(CanvasColors::fromPalette(QPalette()));
    TopologyScene scene(model, painter);
    QGraphicsItem* edge = scene.streamItem(QStringLiteral("events"), QStringLiteral("enrich"));
    QVERIFY(edge);
    QCOMPARE(edge->toolTip(), problem.message);

    AnalyticsRun run;
    const Snapshot prev = run.current();
    run.carry("events", "enrich", 400 * kUs, 1'000);
    scene.showLive(prev, run.next());
    QCOMPARE(edge->toolTip(),
             QStringLiteral("events → enrich: p50 0.4 ms · p99 0.4 ms · p99.9 "
                            "0.4 ms · max 0.4 ms (1,000 tuples in the last 1 s)\n") +
                 problem.message);
    scene.clearLive();
    QCOMPARE(edge->toolTip(), problem.message);
  }
};

QTEST_MAIN(StreamLatencyTest)
#include "stream_latency_test.moc"
