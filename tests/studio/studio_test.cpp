// Studio behaviour a user would check: files round-trip, every example can be
// built through the undo commands alone, undo/redo restore it exactly, bad
// streams are refused with a reason, and bad params are flagged where they are.
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDir>
#include <QFile>
#include <QGraphicsItem>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "cluster_controller.h"
#include "component_commands.h"
#include "dark_palette.h"
#include "document.h"
#include "edit_controller.h"
#include "exporter.h"
#include "file_controller.h"
#include "main_window.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/palette_widget.h"
#include "topolab/widgets/problem_list.h"
#include "topolab/widgets/property_editor.h"
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
    if (!c.placement.empty()) {
      QStringList agents;
      for (const std::string& a : c.placement) agents << QString::fromStdString(a);
      QVERIFY(canvas.edits.setPlacement(id, agents));
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

// WCAG contrast ratio of two colours (1 … 21); 4.5 is the floor for body text.
double contrast(const QColor& a, const QColor& b) {
  auto luminance = [](const QColor& c) {
    auto channel = [](double v) {
      return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
  };
  const double la = luminance(a), lb = luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
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
      expected += static_cast<int>(c.params.size()) + (c.parallelism ? 1 : 0) +
                  (c.placement.empty() ? 0 : 1);
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

  void aSelectedStreamShowsItsGroupingAndTransportAndEachChangeUndoes() {
    MainWindow window;
    QVERIFY(window.files().openFile(examplePath(QStringLiteral("realtime-analytics.yaml"))));
    const QByteArray shipped = window.document().text();
    auto* editor = window.findChild<widgets::PropertyEditor*>();
    QVERIFY(editor);
    window.scene().selectStream(QStringLiteral("enrich"), QStringLiteral("counts"));
    QCOMPARE(editor->stream(), qMakePair(QStringLiteral("enrich"), QStringLiteral("counts")));
    auto* grouping = editor->findChild<QComboBox*>(QStringLiteral("grouping"));
    auto* transport = editor->findChild<QComboBox*>(QStringLiteral("transport"));
    auto* key = editor->findChild<QCheckBox*>(QStringLiteral("field-key"));
    auto* value = editor->findChild<QCheckBox*>(QStringLiteral("field-value"));
    QVERIFY(grouping && transport && key && value);
    QCOMPARE(grouping->currentText(), QStringLiteral("fields"));
    QVERIFY(key->isChecked() && key->isEnabled());
    QVERIFY(!value->isChecked());
    QCOMPARE(transport->currentText(), QStringLiteral("auto"));
    const int steps = window.document().undoStack().count();

    // Hash on value too, then on value only: each change is one undo step.
    value->click();
    QVERIFY(window.document().text().contains(
        "{from: enrich, to: counts, grouping: {type: fields, fields: [key, value]}}"));
    key->click();
    QVERIFY(window.document().text().contains("grouping: {type: fields, fields: [value]}}"));
    // Unticking the last field is refused and the box shows the file again.
    QSignalSpy refused(&window.edits(), &EditController::refused);
    value->click();
    QCOMPARE(refused.count(), 1);
    QVERIFY(value->isChecked());

    grouping->setCurrentText(QStringLiteral("global"));
    emit grouping->activated(grouping->currentIndex());
    QVERIFY(
        window.document().text().contains("{from: enrich, to: counts, grouping: {type: global}}"));
    QVERIFY(!key->isEnabled());
    transport->setCurrentText(QStringLiteral("kafka"));
    emit transport->activated(transport->currentIndex());
    QVERIFY(window.document().text().contains(
        "{from: enrich, to: counts, grouping: {type: global}, transport: kafka}"));
    QCOMPARE(window.document().undoStack().count(), steps + 4);

    // Undo puts the file and the editor back.
    window.document().undoStack().undo();
    QCOMPARE(transport->currentText(), QStringLiteral("auto"));
    while (window.document().undoStack().index() > steps) window.document().undoStack().undo();
    QCOMPARE(window.document().text(), shipped);
    QCOMPARE(grouping->currentText(), QStringLiteral("fields"));
    QVERIFY(key->isChecked() && !value->isChecked());

    // A plain `shuffle` stays a plain word; picking a component shows the component again.
    window.scene().selectStream(QStringLiteral("events"), QStringLiteral("enrich"));
    grouping = editor->findChild<QComboBox*>(QStringLiteral("grouping"));
    grouping->setCurrentText(QStringLiteral("fields"));
    emit grouping->activated(grouping->currentIndex());
    QVERIFY(window.document().text().contains(
        "{from: events, to: enrich, grouping: {type: fields, fields: [key]}}"));
    window.scene().selectIds({QStringLiteral("store")});
    QCOMPARE(editor->component(), QStringLiteral("store"));
    QVERIFY(!editor->findChild<QComboBox*>(QStringLiteral("transport")));
  }

  void placementIsEditedFromThePropertyEditorAndChecksAgainstTheCluster() {
    MainWindow window;
    QVERIFY(window.files().openFile(examplePath(QStringLiteral("web-tier.yaml"))));
    const QByteArray shipped = window.document().text();
    QVERIFY(!shipped.contains("placement"));
    auto* editor = window.findChild<widgets::PropertyEditor*>();
    QVERIFY(editor);
    window.scene().selectIds({QStringLiteral("node2")});
    QCOMPARE(editor->component(), QStringLiteral("node2"));
    auto* placement = editor->findChild<QLineEdit*>(QStringLiteral("placement"));
    QVERIFY(placement);
    QCOMPARE(placement->text(), QString());
    const int steps = window.document().undoStack().count();

    // Two agents, typed loosely: written as a flow list, one undo step.
    placement->setText(QStringLiteral(" node-a ,node-b,"));
    emit placement->editingFinished();
    QCOMPARE(window.document().undoStack().count(), steps + 1);
    QVERIFY(window.document().text().contains("placement: [node-a, node-b]"));
    QCOMPARE(placement->text(), QStringLiteral("node-a, node-b"));
    QVERIFY(placement->property("problem").toString().isEmpty());

    // An invalid agent name is flagged on the field and not applied.
    const QByteArray pinned = window.document().text();
    placement->setText(QStringLiteral("node-a, bad name"));
    emit placement->editingFinished();
    QCOMPARE(window.document().text(), pinned);
    QCOMPARE(window.document().undoStack().count(), steps + 1);
    QVERIFY(placement->property("problem").toString().contains("'bad name' is not a valid agent"));
    QVERIFY(placement->toolTip().contains("'bad name'"));
    QVERIFY(!placement->styleSheet().isEmpty());
    // The controller refuses it too, naming the component.
    QSignalSpy refused(&window.edits(), &EditController::refused);
    QVERIFY(!window.edits().setPlacement(QStringLiteral("node2"), {QStringLiteral("-x")}));
    QCOMPARE(refused.count(), 1);
    QVERIFY(refused.front().front().toString().contains("node2.placement: '-x'"));

    // Undo restores the file and the field; clearing the field removes the key.
    window.document().undoStack().undo();
    QCOMPARE(window.document().text(), shipped);
    QCOMPARE(placement->text(), QString());
    QVERIFY(placement->property("problem").toString().isEmpty());
    window.document().undoStack().redo();
    QCOMPARE(window.document().text(), pinned);
    placement->setText(QString());
    emit placement->editingFinished();
    QCOMPARE(window.document().text(), shipped);

    // With a cluster known, its agents are offered and a placement elsewhere is a problem.
    QTemporaryDir dir;
    const QString token = dir.filePath(QStringLiteral("token"));
    QFile file(token);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("secret\n");
    file.close();
    QString error;
    QVERIFY2(window.cluster().addAgent(QStringLiteral("node-a"), QStringLiteral("127.0.0.1:1"),
                                       token, &error),
             qPrintable(error));
    QVERIFY2(window.cluster().addAgent(QStringLiteral("node-b"), QStringLiteral("127.0.0.1:2"),
                                       token, &error),
             qPrintable(error));
    QCOMPARE(editor->agentNames(),
             (QStringList{QStringLiteral("node-a"), QStringLiteral("node-b")}));
    QVERIFY(placement->completer());
    placement->completer()->setCompletionPrefix(QStringLiteral("node-"));
    QCOMPARE(placement->completer()->completionCount(), 2);
    QVERIFY(placement->toolTip().contains("cluster: node-a, node-b"));
    placement->setText(QStringLiteral("node-a, node-c"));
    emit placement->editingFinished();
    QVERIFY(window.document().text().contains("placement: [node-a, node-c]"));
    QTRY_VERIFY(window.document()
                    .model()
                    .problemsOf(QStringLiteral("node2"))
                    .join('\n')
                    .contains("placement on unknown agent 'node-c'"));
    window.document().undoStack().undo();
    QTRY_VERIFY(window.document().model().problemsOf(QStringLiteral("node2")).isEmpty());
  }

  void groupPacksTheSelectionIntoOneBlockInOneUndoStep() {
    MainWindow window;
    QVERIFY(window.files().openFile(examplePath(QStringLiteral("web-tier.yaml"))));
    const QByteArray shipped = window.document().text();
    widgets::TopologyModel& model = window.document().model();
    const QString n1 = QStringLiteral("node1"), n2 = QStringLiteral("node2"),
                  n3 = QStringLiteral("node3"), out = QStringLiteral("responses");
    window.edits().moveComponents({{n1, QPointF(400, 300)},
                                   {n2, QPointF(900, -200)},
                                   {n3, QPointF(600, 700)},
                                   {out, QPointF(1200, 50)}});
    const QByteArray scattered = window.document().text();
    const int steps = window.document().undoStack().count();

    // Edit ▸ Group (Ctrl+G) on node1..3 and responses.
    window.scene().selectIds({n1, n2, n3, out});
    QAction* group = nullptr;
    for (QAction* a : window.findChildren<QAction*>()) {
      if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_G)) group = a;
    }
    QVERIFY(group);
    group->trigger();
    QCOMPARE(window.document().undoStack().count(), steps + 1);
    QCOMPARE(window.document().undoStack().undoText(), QStringLiteral("Group 4 components"));
    // The nodes stack in one column at the selection's top left, responses to their right.
    QCOMPARE(model.position(n1), QPointF(400, -200));
    QCOMPARE(model.position(n2), QPointF(400, -80));
    QCOMPARE(model.position(n3), QPointF(400, 40));
    QCOMPARE(model.position(out), QPointF(620, -80));
    QCOMPARE(window.scene().selectedIds(), (QStringList{n1, n2, n3, out}));
    // Only positions changed: the file's format has no group key to add.
    LoadResult grouped = parseTopology(window.document().text().toStdString(), "grouped");
    QVERIFY(grouped.ok());

    // One component is not a group.
    QSignalSpy refused(&window.edits(), &EditController::refused);
    QVERIFY(!window.edits().group({n1}));
    QCOMPARE(refused.count(), 1);

    window.document().undoStack().undo();
    QCOMPARE(window.document().text(), scattered);
    window.document().undoStack().undo();
    QCOMPARE(window.document().text(), shipped);
  }

  void svgExportHoldsEveryComponentId() {
    Canvas canvas;
    QString error;
    QVERIFY(canvas.document.open(examplePath(QStringLiteral("web-tier.yaml")), &error));
    canvas.scene.selectIds({QStringLiteral("haproxy")});
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("web-tier.svg"));
    QVERIFY2(exportSvg(canvas.scene, path, &error), qPrintable(error));
    const QByteArray svg = readAll(path);
    QVERIFY(svg.contains("<svg"));
    for (const Component& c : canvas.document.model().topology().components) {
      QVERIFY2(svg.contains(">" + QByteArray::fromStdString(c.id) + "<"), c.id.c_str());
    }
    QVERIFY(svg.contains(">round-robin pool<"));
    // The export leaves the selection as it was.
    QCOMPARE(canvas.scene.selectedIds(), QStringList{QStringLiteral("haproxy")});
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("could not open")));
    QTest::ignoreMessage(QtWarningMsg, "QPainter::begin(): Returned false");
    QVERIFY(!exportSvg(canvas.scene, dir.filePath(QStringLiteral("missing/dir/x.svg")), &error));
    QVERIFY(error.contains(QStringLiteral("x.svg")));
  }

  void aReplicatedStoreIsDrawnAsAPrimaryWithItsReplicas() {
    const QString file = QDir(QStringLiteral(TOPOLAB_STUDIO_DATA_DIR))
                             .filePath(QStringLiteral("replicated-store.yaml"));
    const LoadResult loaded = loadTopologyFile(file.toStdString());
    QVERIFY2(loaded.ok(), loaded.errors.empty() ? "" : loaded.errors.front().message.c_str());
    Canvas canvas;
    QString error;
    QVERIFY(canvas.document.open(file, &error));
    QCOMPARE(canvas.document.text(), readAll(file));
    const QString store = QStringLiteral("store");
    QGraphicsItem* set = canvas.scene.replicaSetItem(store);
    QVERIFY(set);
    QVERIFY(!canvas.scene.replicaSetItem(QStringLiteral("totals")));
    // The frame holds the primary (the store's own item) and the replicas beneath it.
    const QRectF primary = canvas.scene.componentItem(store)->sceneBoundingRect();
    QVERIFY(set->sceneBoundingRect().contains(
        canvas.painter.componentRect().translated(canvas.document.model().position(store))));
    QVERIFY(set->sceneBoundingRect().bottom() > primary.bottom() + 20);

    QTemporaryDir dir;
    auto exported = [&] {
      const QString path = dir.filePath(QStringLiteral("store.svg"));
      if (!exportSvg(canvas.scene, path, &error)) return QByteArray();
      return readAll(path);
    };
    QByteArray svg = exported();
    for (const char* label : {">replica 1<", ">replica 2<", ">replica 3<", ">replica set · sync<"})
      QVERIFY2(svg.contains(label), label);
    QVERIFY(!svg.contains(">replica 4<"));

    // More replicas: the row folds after four boxes; the frame follows the store when it moves.
    QVERIFY(canvas.edits.setParam(store, QStringLiteral("replicas"), QStringLiteral("6")));
    svg = exported();
    QVERIFY(svg.contains(">replica 3<") && svg.contains(">+3<") && !svg.contains(">replica 4<"));
    const QRectF before = set->sceneBoundingRect();
    canvas.edits.moveComponents({{store, QPointF(440, 200)}});
    QCOMPARE(set->sceneBoundingRect(), before.translated(0, 200));
    QVERIFY(canvas.edits.setParam(store, QStringLiteral("replicas"), QStringLiteral("0")));
    QVERIFY(exported().contains(">primary only<"));

    // Removing the store removes its frame; undo brings it back.
    QVERIFY(canvas.edits.removeComponents({store}));
    QVERIFY(!canvas.scene.replicaSetItem(store));
    canvas.document.undoStack().undo();
    QVERIFY(canvas.scene.replicaSetItem(store));
  }

  void aDarkPaletteGivesADarkReadableCanvas() {
    MainWindow window;
    QVERIFY(!window.scene().painter().colors().dark);
    const QPalette dark = darkPalette();
    QVERIFY(contrast(dark.color(QPalette::WindowText), dark.color(QPalette::Window)) >= 7);
    QVERIFY(contrast(dark.color(QPalette::Text), dark.color(QPalette::Base)) >= 7);
    window.setPalette(dark);
    const widgets::CanvasColors& c = window.scene().painter().colors();
    QVERIFY(c.dark);
    QVERIFY2(contrast(c.text, c.background) >= 7, "ids on the canvas");
    QVERIFY2(contrast(c.subtext, c.background) >= 4.5, "types under the ids");
    QVERIFY2(contrast(c.text, c.label_bg) >= 4.5, "edge labels");
    for (const QColor& accent : {c.producer, c.bolt, c.sink, c.balancer, c.store})
      QVERIFY2(contrast(accent, c.background) >= 3, "outlines, pool and replica-set titles");
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
