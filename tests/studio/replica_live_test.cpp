// A replicated store on the live canvas, as a user would check it: each
// replica box names its instance, role and lag; after a promotion the boxes
// follow the roles (not the indexes); the hover text lists every replica; the
// design look comes back exactly; a promotion is a marker on the dashboard;
// and the dashboard draws each replica's lag as its own line.
#include <QGraphicsItem>
#include <QImage>
#include <QPainter>
#include <QtTest>
#include <array>

#include "live_canvas_test_util.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/dashboard_widget.h"
#include "topolab/widgets/live_painter.h"
#include "topolab/widgets/topology_model.h"
#include "topolab/widgets/topology_scene.h"
#include "topolab/widgets/topology_view.h"

using namespace topolab;
using namespace topolab::widgets;
using topolab::testing::renderScene;

namespace {

constexpr char kStoreYaml[] = R"(topolab: 1
name: kv-live
components:
  - id: writes
    type: generator
    params: {rate: 5000, keys: 100000}
  - id: kv
    type: replicated-store
    params: {replicas: 2, mode: sync, failover_ms: 2000}
streams:
  - {from: writes, to: kv}
)";

Topology storeTopology() { return topolab::testing::topologyOrDie(kStoreYaml, "kv-live.yaml"); }

// Cumulative snapshots of `writes` → `kv` (3 instances) built from known
// figures: each round sets every instance's role, applied sequence and lag.
class StoreRun {
 public:
  struct Replica {
    std::string role;
    uint64_t epoch = 0;
    int64_t lag_ops = 0;
    int64_t lag_ms = 0;
  };

  StoreRun() {
    InstanceSnapshot gen;
    gen.component = "writes";
    gen.agent = "agent-a";
    now_.instances.push_back(gen);
    for (int i = 0; i < 3; ++i) {
      InstanceSnapshot inst;
      inst.component = "kv";
      inst.index = i;
      inst.agent = "agent-" + std::string(1, static_cast<char>('b' + i));
      inst.is_sink = true;
      inst.queue_capacity = 16384;
      inst.replica = ReplicaStats{};
      now_.instances.push_back(inst);
    }
  }

  const Snapshot& current() const { return now_; }

  // One second of `writes_per_s` writes, each acknowledged after `write_ns`.
  const Snapshot& next(const std::array<Replica, 3>& replicas, uint64_t writes_per_s = 5000,
                       uint64_t write_ns = 1'200'000) {
    now_.t_ms += 1000;
    now_.instances[0].counters.emitted += writes_per_s;
    now_.instances[0].counters.acked += writes_per_s;
    written_ += writes_per_s;
    for (int i = 0; i < 3; ++i) {
      InstanceSnapshot& inst = now_.instances[static_cast<size_t>(i) + 1];
      const Replica& want = replicas[static_cast<size_t>(i)];
      ReplicaStats& r = *inst.replica;
      r.role = want.role;
      r.epoch = want.epoch;
      r.lag_ops = want.lag_ops;
      r.lag_ms = want.lag_ms;
      inst.alive = want.role != "dead";
      if (!inst.alive) continue;  // a dead instance keeps what it had
      r.applied = written_ - static_cast<uint64_t>(want.lag_ops);
      r.keys = std::min<uint64_t>(r.applied, 100000);
      if (want.role != "primary") continue;  // followers take writes from the primary
      inst.counters.received += writes_per_s;
      inst.counters.acked += writes_per_s;
      inst.latency.record(20'000, writes_per_s);
      r.write_latency.record(write_ns, writes_per_s);
    }
    return now_;
  }

 private:
  Snapshot now_;
  uint64_t written_ = 0;
};

QStringList boxTexts(const TopologyScene& scene) {
  QStringList out;
  if (const QList<LiveReplica>* set = scene.liveReplicas(QStringLiteral("kv"))) {
    for (const LiveReplica& r : *set) out << replicaBoxText(r);
  }
  return out;
}

}  // namespace

class ReplicaLiveTest : public QObject {
  Q_OBJECT

 private slots:
  void replicaBoxesShowRoleAndLagAndFollowAPromotion() {
    TopologyModel model;
    model.reset(storeTopology());
    DesignPainter painter(CanvasColors::fromPalette(QPalette()));
    TopologyScene scene(model, painter);
    const QRectF area = scene.contentsRect().adjusted(-40, -60, 40, 60);
    const QImage design = renderScene(scene, area);
    const QRectF designFrame = scene.replicaSetItem(QStringLiteral("kv"))->boundingRect();

    StoreRun run;
    Snapshot prev = run.current();
    Snapshot cur =
        run.next({{{"primary", 0, 0, 0}, {"follower", 0, 12, 30}, {"follower", 0, 3, 8}}});
    scene.showLive(prev, cur);
    QCOMPARE(boxTexts(scene), (QStringList{QStringLiteral("#0 primary\nepoch 0"),
                                           QStringLiteral("#1 follower\nlag 12 ops · 30 ms"),
                                           QStringLiteral("#2 follower\nlag 3 ops · 8 ms")}));
    const QString tip = scene.componentItem(QStringLiteral("kv"))->toolTip();
    QVERIFY2(tip.contains(QStringLiteral("#0 primary · applied 5000 · 5000 keys · epoch 0 · "
                                         "write p99 1.2 ms")),
             qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("#1 follower · applied 4988 · lag 12 ops · 30 ms · "
                                         "4988 keys")),
             qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("#2 follower · applied 4997")), qPrintable(tip));
    // The live boxes are larger (two lines each).
    QVERIFY(scene.replicaSetItem(QStringLiteral("kv"))->boundingRect().height() >
            designFrame.height());
    const QImage before = renderScene(scene, area);
    QVERIFY(before != design);

    // kv#0's agent dies; kv#1 is promoted at epoch 1; kv#2 follows it.
    prev = cur;
    cur = run.next({{{"dead", 0, 0, 0}, {"primary", 1, 0, 0}, {"follower", 1, 40, 120}}});
    scene.showLive(prev, cur);
    QCOMPARE(boxTexts(scene), (QStringList{QStringLiteral("#1 primary\nepoch 1"),
                                           QStringLiteral("#0 dead\napplied 5000"),
                                           QStringLiteral("#2 follower\nlag 40 ops · 120 ms")}));
    const QString after = scene.componentItem(QStringLiteral("kv"))->toolTip();
    QVERIFY2(after.contains(QStringLiteral("#1 primary · applied 10000")), qPrintable(after));
    QVERIFY2(
        after.contains(QStringLiteral("#0 dead · applied 5000 · lag 0 ops · 0 ms · 5000 keys")),
        qPrintable(after));
    QVERIFY(renderScene(scene, area) != before);

    // kv#1's agent stops answering: the watcher keeps its last report (a
    // primary) but not alive. No primary now: the instances in index order.
    prev = cur;
    cur = run.next({{{"dead", 0, 0, 0}, {"primary", 1, 0, 0}, {"follower", 1, 0, 0}}});
    cur.instances[2].alive = false;
    scene.showLive(prev, cur);
    QCOMPARE(boxTexts(scene), (QStringList{QStringLiteral("#0 dead\napplied 5000"),
                                           QStringLiteral("#1 dead\napplied 15000"),
                                           QStringLiteral("#2 follower\nlag 0 ops · 0 ms")}));

    // Back to the design look, exactly.
    scene.clearLive();
    QVERIFY(!scene.liveReplicas(QStringLiteral("kv")));
    QCOMPARE(scene.replicaSetItem(QStringLiteral("kv"))->boundingRect(), designFrame);
    QCOMPARE(renderScene(scene, area), design);
  }

  void deadReplicaIsGreyAndPrimaryBoxIsHighlighted() {
    TopologyModel model;
    model.reset(storeTopology());
    DesignPainter painter(CanvasColors::fromPalette(QPalette()));
    TopologyScene scene(model, painter);
    StoreRun run;
    const Snapshot prev = run.current();
    const Snapshot cur =
        run.next({{{"dead", 0, 0, 0}, {"primary", 1, 0, 0}, {"follower", 1, 40, 120}}});
    scene.showLive(prev, cur);
    const QRectF area = scene.contentsRect();
    const QImage img = renderScene(scene, area);
    // The boxes: the dead #0 first, then the follower #2 (the primary sits on top).
    QGraphicsItem* set = scene.replicaSetItem(QStringLiteral("kv"));
    const QRectF frame = set->sceneBoundingRect();
    auto colourNear = [&](qreal x) {
      // A point in the box row, clear of the text: a few pixels inside its left edge.
      const QPointF at = QPointF(x, frame.bottom() - 14) - area.topLeft();
      return img.pixelColor(at.toPoint());
    };
    const QColor dead = colourNear(frame.center().x() - 100);
    const QColor follower = colourNear(frame.center().x() + 100);
    // Grey has no saturation; the follower's box carries the store's hue.
    QVERIFY2(dead.hslSaturation() < 30, qPrintable(dead.name()));
    QVERIFY2(follower.hslSaturation() > dead.hslSaturation(),
             qPrintable(follower.name() + QLatin1Char(' ') + dead.name()));
  }

  void promotionEventIsADashboardMarker() {
    DashboardWidget dash;
    Topology t = storeTopology();
    dash.setTopology(t);
    dash.setTimeWindow(DashboardWidget::TimeWindow::OneMinute);
    StoreRun run;
    const StoreRun::Replica primary{"primary", 0, 0, 0}, follower{"follower", 0, 5, 10};
    for (int i = 0; i < 10; ++i) {
      const Snapshot prev = run.current();
      dash.addRound(prev, run.next({{primary, follower, follower}}));
    }
    // As the live controller forwards what the metrics watcher reports.
    dash.addEvent(10'000, QStringLiteral("promotion"),
                  QStringLiteral("kv#1 promoted at epoch 1 (0 writes lost)"),
                  QStringLiteral("agent-c"));
    for (int i = 0; i < 5; ++i) {
      const Snapshot prev = run.current();
      dash.addRound(prev, run.next({{{"dead", 0, 0, 0}, {"primary", 1, 0, 0}, follower}}));
    }
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));
    QTRY_VERIFY(dash.redrawCount() > 0);
    const QList<EventMarker> shown = dash.markers();
    QCOMPARE(shown.size(), 1);
    QCOMPARE(shown[0].kind, QStringLiteral("promotion"));
    QCOMPARE(shown[0].t_ms, 10'000);
    QVERIFY2(shown[0].detail.contains(QStringLiteral("kv#1 promoted")),
             qPrintable(shown[0].detail));
  }

  void dashboardDrawsALagLinePerReplica() {
    DashboardWidget dash;
    dash.setTopology(storeTopology());
    dash.setTimeWindow(DashboardWidget::TimeWindow::OneMinute);
    StoreRun run;
    const StoreRun::Replica primary{"primary", 0, 0, 0};
    for (int i = 0; i < 3; ++i) {
      const Snapshot prev = run.current();
      dash.addRound(prev, run.next({{primary, {"follower", 0, 12, 30}, {"follower", 0, 40, 95}}}));
    }
    // kv#0 dies and kv#1 takes over; kv#2 catches up.
    const Snapshot prev = run.current();
    dash.addRound(prev,
                  run.next({{{"dead", 0, 0, 0}, {"primary", 1, 0, 0}, {"follower", 1, 7, 20}}}));
    dash.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dash));

    // The topology has no replica lines: the fifth chart is back pressure.
    dash.flush();
    QCOMPARE(dash.extraChart(), DashboardWidget::ExtraChart::BackPressure);
    // The store's scope shows its lag, one line per replica, on its own.
    dash.showComponent(QStringLiteral("kv"));
    dash.flush();
    QCOMPARE(dash.extraChart(), DashboardWidget::ExtraChart::ReplicaLag);
    for (const char* name : {"lag kv#0", "lag kv#1", "lag kv#2"}) {
      QVERIFY2(dash.seriesNames().contains(QLatin1String(name)), name);
      QVERIFY2(dash.isSeriesShown(QLatin1String(name)), name);
    }
    QCOMPARE(dash.seriesPoints(QStringLiteral("lag kv#1")),
             QList<QPointF>({{1, 12}, {2, 12}, {3, 12}, {4, 0}}));
    QCOMPARE(dash.seriesPoints(QStringLiteral("lag kv#2")),
             QList<QPointF>({{1, 40}, {2, 40}, {3, 40}, {4, 7}}));
    // A dead replica has no lag: its line stops.
    QCOMPARE(dash.seriesPoints(QStringLiteral("lag kv#0")),
             QList<QPointF>({{1, 0}, {2, 0}, {3, 0}}));
    QVERIFY(!dash.isSeriesShown(QStringLiteral("queue fill")));
    // The history keeps lag in milliseconds as well.
    QCOMPARE(dash.history().series(ScopeKey::instance("kv", 2))->back().replica_lag_ms, 20.0);

    // One replica's scope: its own line.
    dash.showInstance(QStringLiteral("kv"), 2);
    dash.flush();
    QCOMPARE(dash.extraChart(), DashboardWidget::ExtraChart::ReplicaLag);
    QVERIFY(dash.isSeriesShown(QStringLiteral("lag kv#2")));
    QVERIFY(!dash.seriesNames().contains(QStringLiteral("lag kv#1")));
    // Back pressure stays one choice away.
    dash.setExtraChart(DashboardWidget::ExtraChart::BackPressure);
    dash.flush();
    QVERIFY(dash.isSeriesShown(QStringLiteral("queue fill")));
    QVERIFY(!dash.isSeriesShown(QStringLiteral("lag kv#2")));
    // The writer is no store: no lag to choose.
    dash.showComponent(QStringLiteral("writes"));
    dash.setExtraChart(DashboardWidget::ExtraChart::ReplicaLag);
    QCOMPARE(dash.extraChart(), DashboardWidget::ExtraChart::BackPressure);
  }

  // The picture in the documentation: a view of the live canvas, grabbed.
  // Written where TOPOLAB_REPLICA_PNG says; otherwise only checked to render.
  void liveCanvasGrab() {
    TopologyModel model;
    model.reset(storeTopology());
    DesignPainter painter(CanvasColors::fromPalette(QPalette()));
    TopologyScene scene(model, painter);
    TopologyView view(scene);
    view.resize(600, 360);
    view.setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    view.setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    StoreRun run;
    Snapshot prev = run.current();
    Snapshot cur =
        run.next({{{"primary", 0, 0, 0}, {"follower", 0, 12, 30}, {"follower", 0, 3, 8}}});
    prev = cur;
    cur = run.next({{{"dead", 0, 0, 0}, {"primary", 1, 0, 0}, {"follower", 1, 12, 31}}}, 4980,
                   1'450'000);
    scene.showLive(prev, cur);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.fitAll();
    const QImage img = view.grab().toImage();
    QVERIFY(!img.isNull());
    const QString out = qEnvironmentVariable("TOPOLAB_REPLICA_PNG");
    if (!out.isEmpty()) QVERIFY(img.save(out));
  }
};

QTEST_MAIN(ReplicaLiveTest)
#include "replica_live_test.moc"
