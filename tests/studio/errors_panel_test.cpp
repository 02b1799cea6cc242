// Error samples in the studio, as a user meets them: a component with errors
// shows an "N err" badge on the live canvas; a click on it brings the Errors
// panel forward, filtered to that component, listing time, component#N,
// agent, message and key, newest last, each sample once as rounds come.
#include <QDockWidget>
#include <QGraphicsItem>
#include <QSignalSpy>
#include <QTableWidget>
#include <QtTest>

#include "deploy_controller.h"
#include "file_controller.h"
#include "main_window.h"
#include "topolab/widgets/errors_panel.h"
#include "topolab/widgets/live_painter.h"
#include "topolab/widgets/topology_scene.h"
#include "topolab/widgets/topology_view.h"

using namespace topolab;
using namespace topolab::studio;

namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kStart = 1'700'000'000 * kSecond;

// A round of realtime-analytics at `t_s` seconds: every enrich instance has
// failed `enrich_errors` tuples so far (one sample each, keys k<seq>), and
// store#0 one tuple once t_s reaches 2.
Snapshot round(int t_s, int enrich_errors) {
  Snapshot s;
  s.t_ms = t_s * 1000;
  auto add = [&](const std::string& id, int index) -> InstanceSnapshot& {
    InstanceSnapshot inst;
    inst.component = id;
    inst.index = index;
    inst.agent = index % 2 == 0 ? "node-a" : "node-b";
    inst.queue_capacity = 16384;
    inst.counters.received = inst.counters.emitted = inst.counters.acked = 1000 * t_s;
    s.instances.push_back(std::move(inst));
    return s.instances.back();
  };
  for (int i = 0; i < 2; ++i) add("events", i);
  for (int i = 0; i < 4; ++i) {
    InstanceSnapshot& e = add("enrich", i);
    e.counters.errors = enrich_errors;
    for (int n = std::max(0, enrich_errors - 20); n < enrich_errors; ++n) {
      const uint64_t seq = 100 * i + n + 1;
      e.errors.push_back({seq, kStart + n * kSecond / 10 + i,
                          "simulated failure (error_rate 0.001)", "k" + std::to_string(seq)});
    }
  }
  for (int i = 0; i < 2; ++i) add("counts", i);
  InstanceSnapshot& store = add("store", 0);
  store.is_sink = true;
  if (t_s >= 2) {
    store.counters.errors = 1;
    store.errors.push_back({7, kStart + 2 * kSecond, "rejected the tuple", ""});
  }
  return s;
}

QStringList column(const QTableWidget& table, int c) {
  QStringList out;
  for (int r = 0; r < table.rowCount(); ++r) out << table.item(r, c)->text();
  return out;
}

}  // namespace

class ErrorsPanelTest final : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QCoreApplication::setOrganizationName(QStringLiteral("TopoLabTest")); }

  void eachSampleIsListedOnceNewestLast() {
    widgets::ErrorsPanel panel;
    auto* table = panel.findChild<QTableWidget*>(QStringLiteral("errorsTable"));
    QVERIFY(table);
    panel.addRound(round(0, 0), round(1, 3));
    QCOMPARE(panel.rowCount(), 12);  // 3 for each of the 4 enrich instances
    // 5 more each: only those are new, though the instances keep all 8.
    panel.addRound(round(1, 3), round(2, 8));
    QCOMPARE(panel.rowCount(), 4 * 8 + 1);
    const QStringList keys = column(*table, 4);
    QCOMPARE(QSet<QString>(keys.begin(), keys.end()).size(), keys.size());
    // Oldest first: the store's error at 2 s comes after enrich's at 0.0–0.8 s.
    QCOMPARE(table->item(table->rowCount() - 1, 1)->text(), QStringLiteral("store#0"));
    QCOMPARE(table->item(table->rowCount() - 1, 3)->text(), QStringLiteral("rejected the tuple"));
    QCOMPARE(table->item(0, 0)->text(),
             QDateTime::fromMSecsSinceEpoch(kStart / 1'000'000).toString("HH:mm:ss.zzz"));
    QCOMPARE(table->item(0, 1)->text(), QStringLiteral("enrich#0"));
    QCOMPARE(table->item(0, 2)->text(), QStringLiteral("node-a"));
    QCOMPARE(table->item(0, 3)->text(), QStringLiteral("simulated failure (error_rate 0.001)"));
    QCOMPARE(table->item(0, 4)->text(), QStringLiteral("k1"));
    // A round without new samples adds nothing.
    panel.addRound(round(2, 8), round(3, 8));
    QCOMPARE(panel.rowCount(), 33);
  }

  void theErrBadgeOpensTheErrorsOfItsComponent() {
    MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(
        window.files().openFile(QStringLiteral(TOPOLAB_EXAMPLES_DIR "/realtime-analytics.yaml")));
    widgets::TopologyScene& scene = window.scene();
    DeployController& deploy = window.deployments();
    emit deploy.round(round(0, 0), round(1, 3));
    emit deploy.round(round(1, 3), round(2, 8));
    QVERIFY(scene.isLive());
    const QString enrich = QStringLiteral("enrich");
    QCOMPARE(scene.liveComponent(enrich)->errors, 20u);  // 5 per instance in the interval
    widgets::ErrorsPanel& panel = window.errors();
    QCOMPARE(panel.rowCount(), 33);
    QVERIFY(window.errorsDock().visibleRegion().isEmpty());  // behind the Problems tab

    // Click the badge where the live painter draws it.
    window.view().fitAll();
    QGraphicsItem* item = scene.componentItem(enrich);
    const auto* painter = dynamic_cast<const widgets::LivePainter*>(&scene.painter());
    QVERIFY(painter);
    const QRectF badge = painter->errorBadgeRect(20, scene.font());
    const QPoint at = window.view().mapFromScene(item->mapToScene(badge.center()));
    QSignalSpy requested(&scene, &widgets::TopologyScene::errorsRequested);
    QTest::mouseClick(window.view().viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(requested.size(), 1);
    QCOMPARE(requested[0][0].toString(), enrich);
    QCOMPARE(panel.component(), enrich);
    QCOMPARE(panel.rowCount(), 32);
    QTRY_VERIFY(!window.errorsDock().visibleRegion().isEmpty());
    auto* table = panel.findChild<QTableWidget*>(QStringLiteral("errorsTable"));
    for (const QString& instance : column(*table, 1)) QVERIFY(instance.startsWith("enrich#"));

    // New samples keep arriving while it is open, filtered the same way.
    emit deploy.round(round(2, 8), round(3, 10));
    QCOMPARE(panel.rowCount(), 40);
    QCOMPARE(table->item(39, 4)->text(), QStringLiteral("k310"));  // enrich#3's newest, last
    // A click beside the badge is an ordinary click.
    QTest::mouseClick(window.view().viewport(), Qt::LeftButton, {},
                      window.view().mapFromScene(item->mapToScene(QPointF(-200, -200))));
    QCOMPARE(requested.size(), 1);
    panel.showComponent({});
    QCOMPARE(panel.rowCount(), 41);
  }
};

QTEST_MAIN(ErrorsPanelTest)
#include "errors_panel_test.moc"
