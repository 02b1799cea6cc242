// Studio behaviour a user would check: files round-trip, every example can be
// built through the undo commands alone, undo/redo restore it exactly, bad
// streams are refused with a reason, and bad params are flagged where they are.
#include <QDir>
#include <QFile>
#include <QGraphicsItem>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "component_commands.h"
#include "document.h"
#include "edit_controller.h"
#include "file_controller.h"
#include "main_window.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/palette_widget.h"
#include "topolab/widgets/problem_list.h"
#include "topolab/widgets/topology_scene.h"
#include "validation_controller.h"

using namespace topolab;
using namespace topolab::studio;

namespace {

QStringList examples() {
  return QDir(QStringLiteral(TOPOLAB_EXAMPLES_DIR))
      .entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name);
}

QString examplePath(const QString& name) {
  return QDir(QStringLiteral(TOPOLAB_EXAMPLES_DIR)).filePath(name);
}

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A canvas over a document, the way the main window assembles one.
struct Canvas {
  Document document;
  EditController edits{document};
  widgets::DesignPainter painter{widgets::CanvasColors::fromPalette(QPalette())};
  widgets::TopologyScene scene{document.model(), painter};
};

// Builds `reference` on an empty document using only the edit controller (undo commands).
void buildThroughCommands(Canvas& canvas, const Topology& reference) {
  widgets::TopologyModel& model = canvas.document.model();
  canvas.document.undoStack().push(
      new SetHeaderCommand(model, {reference.version, reference.name, reference.description,
                                   reference.defaults, reference.slo}));
  for (const Component& c : reference.components) {
    Component bare;
    bare.id = c.id;
    bare.type = c.type;
    QVERIFY(canvas.edits.addComponent(bare));
    const QString id = QString::fromStdString(c.id);
    if (c.parallelism) QVERIFY(canvas.edits.setParallelism(id, *c.parallelism));
    for (const ParamEntry& p : c.params) {
      QVERIFY(canvas.edits.setParam(id, QString::fromStdString(p.name),
                                    QString::fromStdString(p.text)));
    }
  }
  for (const Stream& s : reference.streams) {
    Grouping g = s.grouping;
    g.mark = {};
    g.field_marks.clear();
    QVERIFY(canvas.edits.connectComponents(QString::fromStdString(s.from),
                                           QString::fromStdString(s.to), g, s.transport));
  }
  int drag = 100;
  for (const LayoutPos& pos : reference.layout) {
    // Two steps of one drag: they merge into one undo step.
    const QString id = QString::fromStdString(pos.id);
    canvas.edits.moveComponents({{id, QPointF(pos.x + 17, pos.y - 3)}}, drag);
    canvas.edits.moveComponents({{id, QPointF(pos.x, pos.y)}}, drag);
    ++drag;
  }
}

}  // namespace

class StudioTest final : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("TopoLabTest"));
    QVERIFY2(examples().size() >= 4, "the examples directory should hold the shipped examples");
  }

  void openThenSaveGivesTheSameBytesForEveryExample() {
    QTemporaryDir dir;
    for (const QString& name : examples()) {
      Document document;
      QString error;
      QVERIFY2(document.open(examplePath(name), &error), qPrintable(error));
      QVERIFY(!document.isModified());
      const QString out = dir.filePath(name);
      QVERIFY2(document.saveAs(out, &error), qPrintable(error));
      QCOMPARE(readAll(out), readAll(examplePath(name)));
    }
  }

  void everyExampleCanBeBuiltThroughCommandsUndoneAndRedone_data() {
    QTest::addColumn<QString>("name");
    for (const QString& name : examples()) QTest::newRow(qPrintable(name)) << name;
  }

  void everyExampleCanBeBuiltThroughCommandsUndoneAndRedone() {
    QFETCH(QString, name);
    const LoadResult reference = loadTopologyFile(examplePath(name).toStdString());
    QVERIFY(reference.ok());
    Canvas canvas;
    canvas.document.newTopology();
    const QByteArray empty = canvas.document.text();
    QSignalSpy added(&canvas.document.model(), &widgets::TopologyModel::componentAdded);
    QSignalSpy streams(&canvas.document.model(), &widgets::TopologyModel::streamAdded);

    buildThroughCommands(canvas, *reference.topology);
    QCOMPARE(added.count(), static_cast<int>(reference.topology->components.size()));
    QCOMPARE(streams.count(), static_cast<int>(reference.topology->streams.size()));
    const QByteArray built = canvas.document.text();
    QCOMPARE(built, readAll(examplePath(name)));
    QVERIFY(canvas.document.isModified());
    for (const Component& c : reference.topology->components)
      QVERIFY(canvas.scene.componentItem(QString::fromStdString(c.id)));

    // One undo step per drag, not per mouse move.
    const Topology& r = *reference.topology;
    int expected = 1 + static_cast<int>(r.components.size() + r.streams.size() + r.layout.size());
    for (const Component& c : r.components)
      expected += static_cast<int>(c.params.size()) + (c.parallelism ? 1 : 0);
    const int steps = canvas.document.undoStack().count();
    QCOMPARE(steps, expected);
    while (canvas.document.undoStack().canUndo()) canvas.document.undoStack().undo();
    QVERIFY(canvas.document.model().topology().components.empty());
    QVERIFY(canvas.scene.items().isEmpty());
    QCOMPARE(canvas.document.text(), empty);
    QVERIFY(!canvas.document.isModified());

    while (canvas.document.undoStack().canRedo()) canvas.document.undoStack().redo();
    QCOMPARE(canvas.document.text(), built);
    QCOMPARE(canvas.document.undoStack().count(), steps);
  }

  void streamsOutOfASinkOrIntoAProducerAreRefusedWithAReason() {
    Canvas canvas;
    canvas.document.newTopology();
    const QString source = canvas.edits.addComponent(QStringLiteral("generator"), QPointF(0, 0));
    const QString work = canvas.edits.addComponent(QStringLiteral("work"), QPointF(220, 0));
    const QString sink = canvas.edits.addComponent(QStringLiteral("counter"), QPointF(440, 0));
    QVERIFY(canvas.edits.connectComponents(source, work));
    QVERIFY(canvas.edits.connectComponents(work, sink));
    const int steps = canvas.document.undoStack().count();
    QSignalSpy refused(&canvas.edits, &EditController::refused);

    QVERIFY(!canvas.edits.connectComponents(sink, work));
    QCOMPARE(refused.count(), 1);
    QVERIFY2(refused.last().at(0).toString().contains(QStringLiteral("counter is a sink")),
             qPrintable(refused.last().at(0).toString()));

    QVERIFY(!canvas.edits.connectComponents(work, source));
    QVERIFY2(refused.last().at(0).toString().contains(QStringLiteral("generator is a producer")),
             qPrintable(refused.last().at(0).toString()));

    QVERIFY(!canvas.edits.connectComponents(source, work));  // a duplicate
    QVERIFY(refused.last().at(0).toString().contains(QStringLiteral("already")));

    const QString second = canvas.edits.addComponent(QStringLiteral("work"), QPointF(220, 120));
    QVERIFY(canvas.edits.connectComponents(work, second));
    QVERIFY(!canvas.edits.connectComponents(second, work));  // a cycle
    QVERIFY(refused.last().at(0).toString().contains(QStringLiteral("cycle")));

    QCOMPARE(canvas.document.model().topology().streams.size(), size_t{3});
    QCOMPARE(canvas.document.undoStack().count(), steps + 2);  // the work and its stream
  }

  void anInvalidParamIsFlaggedOnTheItemAndInTheProblemList() {
    MainWindow window;
    EditController& edits = window.edits();
    const QString id = edits.addComponent(QStringLiteral("generator"), QPointF(0, 0));
    QCOMPARE(id, QStringLiteral("generator"));
    QTRY_VERIFY(window.document().model().problems().empty());

    QSignalSpy problemsChanged(&window.document().model(),
                               &widgets::TopologyModel::problemsChanged);
    QVERIFY(edits.setParam(id, QStringLiteral("rate"), QStringLiteral("-5")));
    QTRY_VERIFY(!window.document().model().problemsOf(id).isEmpty());
    QVERIFY(problemsChanged.count() >= 1);

    QGraphicsItem* item = window.scene().componentItem(id);
    QVERIFY(item);
    QVERIFY2(item->toolTip().contains(QStringLiteral("rate")), qPrintable(item->toolTip()));
    widgets::ProblemList& list = window.problems();
    QCOMPARE(list.count(), 1);
    QVERIFY(list.item(0)->text().contains(QStringLiteral("component 'generator'")));

    // Clicking the problem selects the component it is about.
    window.scene().clearSelection();
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTest::mouseClick(list.viewport(), Qt::LeftButton, {},
                      list.visualItemRect(list.item(0)).center());
    QCOMPARE(window.scene().selectedIds(), QStringList{id});

    // Undo clears the problem.
    window.document().undoStack().undo();
    QTRY_VERIFY(window.document().model().problemsOf(id).isEmpty());
    QCOMPARE(list.count(), 0);
  }

  void dirtyMarkerFollowsTheUndoStack() {
    MainWindow window;
    QVERIFY(window.files().openFile(examplePath(QStringLiteral("wordcount.yaml"))));
    QVERIFY(!window.isWindowModified());
    QVERIFY(window.windowTitle().contains(QStringLiteral("wordcount.yaml[*]")));
    QVERIFY(window.edits().setParallelism(QStringLiteral("count"), 4));
    QVERIFY(window.isWindowModified());
    window.document().undoStack().undo();
    QVERIFY(!window.isWindowModified());
  }

  void renameUpdatesStreamsAndLayoutAndUndoes() {
    Canvas canvas;
    QString error;
    QVERIFY(canvas.document.open(examplePath(QStringLiteral("web-tier.yaml")), &error));
    const QByteArray before = canvas.document.text();
    QVERIFY(canvas.edits.renameComponent(QStringLiteral("haproxy"), QStringLiteral("lb")));
    const QByteArray after = canvas.document.text();
    QVERIFY(!after.contains("haproxy"));
    QVERIFY(after.contains("{from: lb, to: node2}"));
    QVERIFY(after.contains("  lb: {x: 220, y: 120}"));
    QVERIFY(canvas.scene.componentItem(QStringLiteral("lb")));
    QVERIFY(!canvas.edits.renameComponent(QStringLiteral("lb"), QStringLiteral("node1")));
    QVERIFY(!canvas.edits.renameComponent(QStringLiteral("lb"), QStringLiteral("9lives")));
    canvas.document.undoStack().undo();
    QCOMPARE(canvas.document.text(), before);
  }

  void removeTakesStreamsAlongAndUndoRestoresTheFile() {
    Canvas canvas;
    QString error;
    QVERIFY(canvas.document.open(examplePath(QStringLiteral("web-tier.yaml")), &error));
    const QByteArray before = canvas.document.text();
    QVERIFY(canvas.edits.removeComponents({QStringLiteral("node2"), QStringLiteral("requests")}));
    const Topology& t = canvas.document.model().topology();
    QCOMPARE(t.components.size(), size_t{4});
    QCOMPARE(t.streams.size(), size_t{4});
    QCOMPARE(t.layout.size(), size_t{4});
    canvas.document.undoStack().undo();
    QCOMPARE(canvas.document.text(), before);
  }

  void autoLayoutPlacesWebTierAsShipped() {
    Canvas canvas;
    QString error;
    QVERIFY(canvas.document.open(examplePath(QStringLiteral("web-tier.yaml")), &error));
    const QByteArray shipped = canvas.document.text();
    canvas.edits.moveComponents({{QStringLiteral("node3"), QPointF(900, 900)},
                                 {QStringLiteral("requests"), QPointF(-300, 40)}});
    QVERIFY(canvas.document.text() != shipped);
    canvas.edits.autoLayout();
    QCOMPARE(canvas.document.text(), shipped);
  }

  void duplicateCopiesComponentsWithTheirStreamsUnderNewIds() {
    Canvas canvas;
    QString error;
    QVERIFY(canvas.document.open(examplePath(QStringLiteral("wordcount.yaml")), &error));
    const QStringList added =
        canvas.edits.duplicate({QStringLiteral("words"), QStringLiteral("count")});
    QCOMPARE(added, (QStringList{QStringLiteral("words2"), QStringLiteral("count2")}));
    QVERIFY(canvas.document.model().streamIndex(added[0], added[1]) >= 0);
    QCOMPARE(canvas.document.model().position(added[1]), QPointF(260, 40));
    canvas.document.undoStack().undo();
    QCOMPARE(canvas.document.model().topology().components.size(), size_t{3});
  }

  void paletteSearchFiltersTheCatalogue() {
    MainWindow window;
    auto* palette = window.findChild<widgets::PaletteWidget*>();
    QVERIFY(palette);
    QVERIFY(palette->visibleTypes().contains(QStringLiteral("load-balancer")));
    palette->setFilter(QStringLiteral("kafka"));
    QCOMPARE(palette->visibleTypes(),
             (QStringList{QStringLiteral("kafka-source"), QStringLiteral("kafka-sink")}));
  }
};

QTEST_MAIN(StudioTest)
#include "studio_test.moc"
