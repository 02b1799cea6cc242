// A postgres-sink on the live canvas, as a user would check it: an instance
// that lost its server is marked on the component (a badge, the outline of a
// problem and the line "#1 disconnected from the server") until it is back,
// and the hover text gives rows/s, commit latency p50/p99 and reconnects.
#include <QGraphicsItem>
#include <QImage>
#include <QPainter>
#include <QtTest>

#include "live_canvas_test_util.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/live_painter.h"
#include "topolab/widgets/topology_model.h"
#include "topolab/widgets/topology_scene.h"

using namespace topolab;
using namespace topolab::widgets;
using topolab::testing::renderScene;

namespace {

constexpr char kYaml[] = R"(topolab: 1
name: db-live
components:
  - {id: gen, type: generator, params: {rate: 5000}}
  - id: db
    type: postgres-sink
    parallelism: 2
    params:
      dsn: "host=db dbname=app user=topolab"
      table: events
      columns: {k: key, v: value}
      mode: upsert
      conflict: [k]
streams:
  - {from: gen, to: db}
)";

constexpr uint64_t kMs = 1'000'000;

Topology dbTopology() { return topolab::testing::topologyOrDie(kYaml, "db-live.yaml"); }

// Cumulative snapshots of gen → db#0, db#1. Each round, a connected instance
// commits `rows` rows in batches of 1000, each commit taking 4 ms but the
// last 9 ms; a disconnected one commits nothing and fails a batch.
class DbRun {
 public:
  DbRun() {
    InstanceSnapshot gen;
    gen.component = "gen";
    now_.instances.push_back(gen);
    for (int i = 0; i < 2; ++i) {
      InstanceSnapshot db;
      db.component = "db";
      db.index = i;
      db.is_sink = true;
      db.queue_capacity = 16384;
      db.database = DatabaseStats{};
      now_.instances.push_back(db);
    }
  }
  const Snapshot& current() const { return now_; }

  const Snapshot& next(bool db1_connected, uint64_t rows = 2500) {
    now_.t_ms += 1000;
    for (size_t i = 1; i <= 2; ++i) {
      InstanceSnapshot& inst = now_.instances[i];
      DatabaseStats& d = *inst.database;
      const bool connected = i == 1 || db1_connected;
      if (connected && d.disconnected == 1) ++d.reconnects;
      d.disconnected = connected ? 0 : 1;
      if (!connected) {
        ++d.failed_batches;
        continue;
      }
      inst.counters.received += rows;
      inst.counters.acked += rows;
      d.rows += rows;
      const uint64_t commits = (rows + 999) / 1000;
      d.commits += commits;
      d.commit_latency.record(4 * kMs, commits - 1);
      d.commit_latency.record(9 * kMs);
      d.batch_rows.record(1000, commits);
    }
    return now_;
  }

 private:
  Snapshot now_;
};

// Pixels of (about) `colour` in `img`.
int pixelsOf(const QImage& img, const QColor& colour) {
  int n = 0;
  for (int y = 0; y < img.height(); ++y) {
    for (int x = 0; x < img.width(); ++x) {
      const QColor c = img.pixelColor(x, y);
      if (std::abs(c.red() - colour.red()) + std::abs(c.green() - colour.green()) +
              std::abs(c.blue() - colour.blue()) <
          24)
        ++n;
    }
  }
  return n;
}

}  // namespace

class DatabaseLiveTest : public QObject {
  Q_OBJECT

 private slots:
  void aDisconnectedInstanceIsMarkedUntilItIsBack() {
    TopologyModel model;
    model.reset(dbTopology());
    const CanvasColors colors = CanvasColors::fromPalette(QPalette());
    DesignPainter painter(colors);
    TopologyScene scene(model, painter);
    DbRun run;
    Snapshot prev = run.current();
    Snapshot cur = run.next(true);
    scene.showLive(prev, cur);
    // The component and what the live painter may draw around it.
    const QRectF area =
        scene.componentItem(QStringLiteral("db"))->sceneBoundingRect().adjusted(-20, -20, 20, 20);
    const LiveComponent* live = scene.liveComponent(QStringLiteral("db"));
    QVERIFY(live && live->database);
    QVERIFY(live->database->disconnected.isEmpty());
    const int connectedProblemPixels = pixelsOf(renderScene(scene, area), colors.problem);

    // db#1 loses its server.
    prev = cur;
    cur = run.next(false);
    scene.showLive(prev, cur);
    live = scene.liveComponent(QStringLiteral("db"));
    QCOMPARE(live->database->disconnected, QList<int>{1});
    QCOMPARE(disconnectedLabel(*live->database), QStringLiteral("#1 disconnected from the server"));
    const QString tip = scene.componentItem(QStringLiteral("db"))->toolTip();
    QVERIFY2(tip.contains(QStringLiteral("db#1 disconnected from the server")), qPrintable(tip));
    // The badge, the outline and the line are drawn in the problem colour.
    const int disconnectedProblemPixels = pixelsOf(renderScene(scene, area), colors.problem);
    QVERIFY2(disconnectedProblemPixels > connectedProblemPixels + 300,
             qPrintable(QStringLiteral("%1 vs %2 problem-coloured pixels")
                            .arg(disconnectedProblemPixels)
                            .arg(connectedProblemPixels)));

    // Back: no mark, and the reconnect counted.
    prev = cur;
    cur = run.next(true);
    scene.showLive(prev, cur);
    live = scene.liveComponent(QStringLiteral("db"));
    QVERIFY(live->database->disconnected.isEmpty());
    QCOMPARE(live->database->reconnects, 1u);
    QCOMPARE(pixelsOf(renderScene(scene, area), colors.problem), connectedProblemPixels);
  }

  void theHoverTextGivesRowsCommitLatencyAndReconnects() {
    TopologyModel model;
    model.reset(dbTopology());
    DesignPainter painter(CanvasColors::fromPalette(QPalette()));
    TopologyScene scene(model, painter);
    DbRun run;
    run.next(false);
    const Snapshot prev = run.next(true);  // db#1 reconnected once
    const Snapshot cur = run.next(true, 3000);
    scene.showLive(prev, cur);
    const QString tip = scene.componentItem(QStringLiteral("db"))->toolTip();
    // 6000 rows in the second over both instances; six commits, two of them 9 ms.
    QVERIFY2(tip.contains(QStringLiteral("rows 6.0k/s · commit p50 4.01 ms · p99 9 ms · batch "
                                         "1000 rows")),
             qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("reconnects 1 since the start · failed batches 0 in the "
                                         "interval")),
             qPrintable(tip));
    QVERIFY2(!tip.contains(QStringLiteral("disconnected")), qPrintable(tip));
  }
};

QTEST_MAIN(DatabaseLiveTest)
#include "database_live_test.moc"
