// The studio with a user's own programs (shell-spout, shell-bolt): the palette
// offers them, their list and map params are edited as lists through the undo
// stack, a program, script or resources folder that is not there is a problem
// on the component, Storm Flux files come in as documents and go out again,
// and a program that died shows on the live canvas with its exit reason.
#include <QApplication>
#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QGraphicsItem>
#include <QGraphicsView>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include "deploy_controller.h"
#include "document.h"
#include "edit_controller.h"
#include "event_log.h"
#include "file_controller.h"
#include "main_window.h"
#include "program_checks.h"
#include "topolab/engine/flux.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/collection_param_edit.h"
#include "topolab/widgets/live_painter.h"
#include "topolab/widgets/palette_widget.h"
#include "topolab/widgets/problem_list.h"
#include "topolab/widgets/property_editor.h"
#include "topolab/widgets/topology_scene.h"
#include "topolab/widgets/topology_view.h"

using namespace topolab;
using namespace topolab::studio;
using widgets::toStd;

namespace {

const QString kExampleDir = QStringLiteral(TOPOLAB_EXAMPLES_DIR "/wordcount-multilang");
const QString kFluxDir = QStringLiteral(TOPOLAB_FLUX_DATA_DIR);

// The multilang example with its programs, copied where a test may change it.
QString copyExample(const QTemporaryDir& dir) {
  for (const QString& name : QDir(kExampleDir).entryList(QDir::Files)) {
    if (!QFile::copy(QDir(kExampleDir).filePath(name), dir.filePath(name))) return {};
  }
  return dir.filePath(QStringLiteral("wordcount-multilang.yaml"));
}

bool writeFile(const QString& path, const QByteArray& text) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(text) == text.size();
}

const ParamEntry* paramOf(Document& document, const char* id, const char* name) {
  const Component* c = document.model().component(QString::fromLatin1(id));
  return c ? c->param(name) : nullptr;
}

QStringList problemTexts(Document& document, const QString& id) {
  return document.model().problemsOf(id);
}

// One round of a wordcount-multilang run: every instance alive except `dead`.
Snapshot round(int64_t t_ms, uint64_t perInstance, const QStringList& dead = {}) {
  Snapshot s;
  s.t_ms = t_ms;
  auto add = [&](const std::string& id, int index, bool producer, bool sink) {
    InstanceSnapshot inst;
    inst.component = id;
    inst.index = index;
    inst.agent = "node-a";
    inst.queue_capacity = 16384;
    inst.is_sink = sink;
    inst.alive = !dead.contains(QString::fromStdString(id + "#" + std::to_string(index)));
    const uint64_t n = inst.alive ? perInstance : 0;
    if (!producer) inst.counters.received = n;
    if (!sink) inst.counters.emitted = n;
    inst.counters.acked = n;
    s.instances.push_back(std::move(inst));
  };
  add("sentences", 0, true, false);
  for (int i = 0; i < 2; ++i) add("split", i, false, false);
  for (int i = 0; i < 2; ++i) add("count", i, false, false);
  add("log", 0, false, true);
  return s;
}

}  // namespace

class MultilangTest final : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QCoreApplication::setOrganizationName(QStringLiteral("TopoLabTest")); }

  void thePaletteOffersTheShellTypesUnderTheirRoles() {
    widgets::PaletteWidget palette(Catalogue::instance());
    QVERIFY(palette.visibleTypes().contains(QStringLiteral("shell-spout")));
    QVERIFY(palette.visibleTypes().contains(QStringLiteral("shell-bolt")));
    palette.setFilter(QStringLiteral("multilang"));
    QCOMPARE(palette.visibleTypes(),
             (QStringList{QStringLiteral("shell-spout"), QStringLiteral("shell-bolt")}));

    // Dropped on the canvas, each is a program with an editable command line.
    MainWindow window;
    const QString id = window.edits().addComponent(QStringLiteral("shell-bolt"), QPointF(0, 0));
    QCOMPARE(id, QStringLiteral("shell_bolt"));
    auto* properties = window.findChild<widgets::PropertyEditor*>();
    QVERIFY(properties);
    properties->setComponent(id);
    for (const char* name : {"command", "fields", "env"})
      QVERIFY2(qobject_cast<widgets::CollectionParamEdit*>(
                   properties->editorFor(QString::fromLatin1(name))),
               name);
    // Its command is required: the validator says so on the item.
    QTRY_VERIFY(!window.document().model().problemsOf(id).isEmpty());
    QVERIFY(
        window.document().model().problemsOf(id).join(u'\n').contains(QStringLiteral("command")));
  }

  void aCommandIsEditedAsAListAndEachEditUndoes() {
    QTemporaryDir dir;
    const QString file = copyExample(dir);
    QVERIFY(!file.isEmpty());
    MainWindow window;
    QVERIFY(window.files().openFile(file));
    auto* properties = window.findChild<widgets::PropertyEditor*>();
    QVERIFY(properties);
    properties->setComponent(QStringLiteral("split"));
    auto* command = qobject_cast<widgets::CollectionParamEdit*>(
        properties->editorFor(QStringLiteral("command")));
    QVERIFY(command);
    QCOMPARE(command->lineEdit()->text(), QStringLiteral("[python3, split_sentence.py]"));
    QUndoStack& undo = window.document().undoStack();
    const int steps = undo.count();

    // Typed as a command line; kept as a list in canonical flow form.
    command->lineEdit()->setText(QStringLiteral("python3 -u split_sentence.py"));
    command->commit();
    QCOMPARE(undo.count(), steps + 1);
    const ParamEntry* p = paramOf(window.document(), "split", "command");
    QVERIFY(p);
    QCOMPARE(p->text, std::string("[python3, -u, split_sentence.py]"));
    QVERIFY(p->flow);
    QCOMPARE(command->lineEdit()->text(), QStringLiteral("[python3, -u, split_sentence.py]"));

    // Something that is not a list is flagged on the line and not applied.
    command->lineEdit()->setText(QStringLiteral("[python3, split_sentence.py"));
    command->commit();
    QVERIFY(!command->problem().isEmpty());
    QCOMPARE(undo.count(), steps + 1);
    QCOMPARE(paramOf(window.document(), "split", "command")->text,
             std::string("[python3, -u, split_sentence.py]"));

    // Undo and redo, and the file says what the editor showed.
    undo.undo();
    QCOMPARE(paramOf(window.document(), "split", "command")->text,
             std::string("[python3, split_sentence.py]"));
    QCOMPARE(command->lineEdit()->text(), QStringLiteral("[python3, split_sentence.py]"));
    QVERIFY(command->problem().isEmpty());
    undo.redo();
    QString error;
    QVERIFY2(window.document().saveAs(file, &error), qPrintable(error));
    const LoadResult saved = loadTopologyFile(file.toStdString());
    QVERIFY(saved.ok());
    QCOMPARE(saved.topology->component("split")->param("command")->text,
             std::string("[python3, -u, split_sentence.py]"));

    // The environment as NAME=value pairs.
    properties->setComponent(QStringLiteral("sentences"));
    auto* env =
        qobject_cast<widgets::CollectionParamEdit*>(properties->editorFor(QStringLiteral("env")));
    QVERIFY(env);
    const std::string shippedEnv = paramOf(window.document(), "sentences", "env")->text;
    const std::optional<ParamValue> shipped = convertParam(
        *Catalogue::instance().find("shell-spout")->param("env"), shippedEnv, false, nullptr);
    QVERIFY(shipped);
    const StringMap shippedMap = std::get<StringMap>(*shipped);
    QCOMPARE(shippedMap.size(), size_t{1});
    const QString rate = QString::fromStdString(shippedMap[0].second);
    env->lineEdit()->setText(QStringLiteral("RATE=500 GREETING=hello"));
    env->commit();
    QCOMPARE(paramOf(window.document(), "sentences", "env")->text,
             flowText(StringMap{{"RATE", "500"}, {"GREETING", "hello"}}));
    QVERIFY(paramOf(window.document(), "sentences", "env")->flow);
    undo.undo();
    QCOMPARE(paramOf(window.document(), "sentences", "env")->text, shippedEnv);

    // The table: one more name/value pair.
    QTimer::singleShot(0, this, [rate] {
      auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
      QVERIFY(dialog);
      auto* table = dialog->findChild<QTableWidget*>(QStringLiteral("items"));
      QVERIFY(table);
      QCOMPARE(table->rowCount(), 1);
      QCOMPARE(table->item(0, 0)->text(), QStringLiteral("RATE"));
      QCOMPARE(table->item(0, 1)->text(), rate);
      table->insertRow(1);
      table->setItem(1, 0, new QTableWidgetItem(QStringLiteral("WORDS")));
      table->setItem(1, 1, new QTableWidgetItem(QStringLiteral("a b c")));
      dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
    });
    const int before = undo.index();
    env->openTable();
    QCOMPARE(undo.index(), before + 1);
    QCOMPARE(paramOf(window.document(), "sentences", "env")->text,
             flowText(StringMap{{"RATE", toStd(rate)}, {"WORDS", "a b c"}}));
  }

  void aFieldsGroupingOffersTheFieldsTheSenderDeclares() {
    MainWindow window;
    QVERIFY(window.files().openFile(QDir(kExampleDir).filePath("wordcount-multilang.yaml")));
    auto* properties = window.findChild<widgets::PropertyEditor*>();
    properties->setStream(QStringLiteral("split"), QStringLiteral("count"));
    auto* word = properties->findChild<QCheckBox*>(QStringLiteral("field-word"));
    QVERIFY2(word, "split declares the field 'word'");
    QVERIFY(word->isChecked());
    auto* key = properties->findChild<QCheckBox*>(QStringLiteral("field-key"));
    QVERIFY(key && !key->isChecked());
    key->setChecked(true);
    const Stream& s = window.document().model().topology().streams[1];
    QCOMPARE(s.grouping.fields, (std::vector<std::string>{"key", "word"}));
    window.document().undoStack().undo();
    QCOMPARE(window.document().model().topology().streams[1].grouping.fields,
             std::vector<std::string>{"word"});
  }

  void aMissingProgramScriptOrResourcesFolderIsAProblemOnTheComponent() {
    QTemporaryDir dir;
    const QString file = copyExample(dir);
    MainWindow window;
    QVERIFY(window.files().openFile(file));
    QTRY_VERIFY(window.document().model().problems().empty());

    EditController& edits = window.edits();
    const QString split = QStringLiteral("split");
    // A program that is nowhere on PATH.
    QVERIFY(edits.setParam(split, QStringLiteral("command"),
                           QStringLiteral("[no-such-python-here, split_sentence.py]")));
    QTRY_VERIFY(!problemTexts(window.document(), split).isEmpty());
    QString text = problemTexts(window.document(), split).join(u'\n');
    QVERIFY2(text.contains(QStringLiteral("program 'no-such-python-here' is not found on PATH")),
             qPrintable(text));
    QVERIFY(window.scene().componentItem(split)->toolTip().contains(
        QStringLiteral("no-such-python-here")));
    QVERIFY(window.problems().count() >= 1);

    // A script the interpreter would not find in the resources folder.
    QVERIFY(edits.setParam(split, QStringLiteral("command"),
                           QStringLiteral("[python3, split_sentense.py]")));
    QTRY_VERIFY(problemTexts(window.document(), split)
                    .join(u'\n')
                    .contains(QStringLiteral("split_sentense.py is not in its resources folder")));
    // It appears once written.
    QVERIFY(writeFile(dir.filePath(QStringLiteral("split_sentense.py")), "print('hi')\n"));
    window.document().undoStack().undo();
    window.document().undoStack().redo();
    QTRY_VERIFY(problemTexts(window.document(), split).isEmpty());

    // A program by its path, relative to the resources folder: there but not executable.
    QVERIFY(writeFile(dir.filePath(QStringLiteral("run.sh")), "#!/bin/sh\nexec python3 \"$@\"\n"));
    QVERIFY(edits.setParam(split, QStringLiteral("command"),
                           QStringLiteral("[./run.sh, split_sentence.py]")));
    QTRY_VERIFY(problemTexts(window.document(), split)
                    .join(u'\n')
                    .contains(QStringLiteral("program ./run.sh is not executable")));
    QFile::setPermissions(dir.filePath(QStringLiteral("run.sh")),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    window.document().undoStack().undo();
    window.document().undoStack().redo();
    QTRY_VERIFY(problemTexts(window.document(), split).isEmpty());

    // A resources folder that is not there, relative to the file's folder.
    QVERIFY(edits.setParam(split, QStringLiteral("resources"), QStringLiteral("programs")));
    QTRY_VERIFY(problemTexts(window.document(), split)
                    .join(u'\n')
                    .contains(QStringLiteral("resources folder %1 does not exist")
                                  .arg(QDir(dir.path()).filePath(QStringLiteral("programs")))));
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("programs")));
    QVERIFY(QFile::copy(dir.filePath(QStringLiteral("split_sentence.py")),
                        dir.filePath(QStringLiteral("programs/split_sentence.py"))));
    QVERIFY(QFile::copy(dir.filePath(QStringLiteral("run.sh")),
                        dir.filePath(QStringLiteral("programs/run.sh"))));
    window.document().undoStack().undo();
    window.document().undoStack().redo();
    QTRY_VERIFY(problemTexts(window.document(), split).isEmpty());

    // The checks follow the file: saved elsewhere, the relative folder is gone.
    QTemporaryDir other;
    QString error;
    QVERIFY(window.document().saveAs(other.filePath(QStringLiteral("moved.yaml")), &error));
    QTRY_VERIFY(problemTexts(window.document(), split)
                    .join(u'\n')
                    .contains(QStringLiteral("resources folder")));
  }

  void programChecksLookUpNamesOnThePathTheComponentGets() {
    QTemporaryDir dir;
    const QByteArray yaml =
        "topolab: 1\nname: t\ncomponents:\n"
        "  - id: s\n    type: shell-spout\n"
        "    params: {command: [mytool, x.py], env: {PATH: /nowhere}}\n"
        "  - id: c\n    type: counter\n"
        "streams:\n  - {from: s, to: c}\n";
    const LoadResult loaded = parseTopology(yaml.toStdString(), "t.yaml");
    QVERIFY(loaded.ok());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("x.py")), "\n"));
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("bin")));
    QVERIFY(writeFile(dir.filePath(QStringLiteral("bin/mytool")), "#!/bin/sh\n"));
    QFile::setPermissions(dir.filePath(QStringLiteral("bin/mytool")),
                          QFile::ReadOwner | QFile::ExeOwner);
    // Its env sets PATH: the studio's own PATH does not count.
    std::vector<widgets::Problem> problems = programProblems(
        *loaded.topology, Catalogue::instance(), dir.path(), dir.filePath(QStringLiteral("bin")));
    QCOMPARE(problems.size(), size_t{1});
    QCOMPARE(problems[0].component, QStringLiteral("s"));
    QVERIFY2(problems[0].message.contains(QStringLiteral("the PATH its env sets (/nowhere)")),
             qPrintable(problems[0].message));
    // An unsaved document: only what needs no folder is checked.
    Topology t = *loaded.topology;
    t.components[0].params[1].text = flowText(StringMap{});
    QVERIFY(
        programProblems(t, Catalogue::instance(), {}, dir.filePath(QStringLiteral("bin"))).empty());
    QCOMPARE(programProblems(t, Catalogue::instance(), {}, QStringLiteral("/nowhere")).size(),
             size_t{1});
  }

  void importingAFluxFileOpensAValidUntitledDocumentWithItsWarningsInTheLog() {
    MainWindow window;
    const QString flux = QDir(kFluxDir).filePath(QStringLiteral("placeholders.flux.yaml"));
    QVERIFY(window.files().importFlux(flux));
    Document& document = window.document();
    QVERIFY(document.filePath().isEmpty());
    QVERIFY(document.isModified());
    QVERIFY(window.isWindowModified());
    QCOMPARE(document.baseFolder(), QFileInfo(flux).absolutePath());
    const Topology& t = document.model().topology();
    QVERIFY(!t.components.empty());
    QVERIFY(validateTopology(t, "imported.yaml", Catalogue::instance()).empty());
    QCOMPARE(t.layout.size(), t.components.size());  // laid out
    for (const Component& c : t.components)
      QVERIFY(window.scene().componentItem(QString::fromStdString(c.id)));
    const QString log = window.log().toPlainText();
    QVERIFY2(log.contains(QStringLiteral("Imported ")), qPrintable(log));
    QVERIFY2(log.contains(QStringLiteral(": warning: ")), qPrintable(log));
    const QString png = qEnvironmentVariable("TOPOLAB_IMPORT_PNG");
    if (!png.isEmpty()) {
      window.resize(1400, 860);
      window.show();
      QVERIFY(QTest::qWaitForWindowExposed(&window));
      window.findChild<QDockWidget*>(QStringLiteral("Log"))->raise();
      window.scene().selectIds({QString::fromStdString(t.components.back().id)});
      window.view().fitAll();
      QTest::qWait(50);
      QVERIFY(window.grab().save(png));
    }
    // Undo cannot make an imported, never saved document look saved.
    while (document.undoStack().canUndo()) document.undoStack().undo();
    QVERIFY(document.isModified());
  }

  void theMultilangExampleGoesOutAsFluxAndComesBackTheSame() {
    QTemporaryDir dir;
    const QString file = copyExample(dir);
    MainWindow window;
    QVERIFY(window.files().openFile(file));
    const Topology original = window.document().model().topology();
    const QString flux = dir.filePath(QStringLiteral("out.flux.yaml"));
    QString error;
    QVERIFY2(window.files().exportFlux(flux, &error), qPrintable(error));
    QVERIFY(window.log().toPlainText().contains(QStringLiteral("as a Flux file")));

    QVERIFY(window.files().importFlux(flux));
    Topology back = window.document().model().topology();
    Topology expected = original;
    back.layout.clear();
    expected.layout.clear();
    QVERIFY2(sameTopology(back, expected),
             (writeTopology(back) + "\n---\n" + writeTopology(expected)).c_str());
    // Its programs are found where the Flux file is.
    QTRY_VERIFY(window.document().model().problems().empty());
  }

  void aBrokenFluxFileIsRefusedAndTheDocumentStays() {
    QTemporaryDir dir;
    const QString flux = dir.filePath(QStringLiteral("bad.flux.yaml"));
    QVERIFY(writeFile(flux, "name: x\nspouts: 12\n"));
    MainWindow window;
    QVERIFY(window.files().openFile(QDir(kExampleDir).filePath("wordcount-multilang.yaml")));
    QVERIFY(!window.files().importFlux(flux));
    QVERIFY(!window.document().filePath().isEmpty());
    QVERIFY2(window.log().toPlainText().contains(QStringLiteral("bad.flux.yaml:")),
             qPrintable(window.log().toPlainText()));
    for (QWidget* w : QApplication::topLevelWidgets()) {
      if (auto* box = qobject_cast<QDialog*>(w); box && box->isVisible()) box->close();
    }
  }

  void aProgramThatDiedShowsOnTheLiveCanvasWithItsExitReason() {
    MainWindow window;
    QVERIFY(window.files().openFile(QDir(kExampleDir).filePath("wordcount-multilang.yaml")));
    widgets::TopologyScene& scene = window.scene();
    DeployController& deploy = window.deployments();
    emit deploy.round(round(0, 0), round(1000, 1000));
    QVERIFY(scene.isLive());
    const QString split = QStringLiteral("split");
    QVERIFY(scene.liveComponent(split)->exits.isEmpty());

    // The agents report what their runtimes saw.
    emit deploy.event(2500, QStringLiteral("process-died"),
                      QStringLiteral("split#1: python3 killed by signal 9 (Killed); its stderr "
                                     "ended with:\n  Traceback (most recent call last):\n  "
                                     "MemoryError"),
                      QStringLiteral("node-a"));
    emit deploy.round(round(1000, 1000), round(3000, 2000, {QStringLiteral("split#1")}));
    const widgets::LiveComponent* live = scene.liveComponent(split);
    QVERIFY(live);
    QCOMPARE(live->exits.size(), 1);
    QCOMPARE(live->exits[0].index, 1);
    QCOMPARE(live->exits[0].reason, QStringLiteral("python3 killed by signal 9 (Killed)"));
    QCOMPARE(live->alive, 1);
    QCOMPARE(widgets::exitLabel(live->exits),
             QStringLiteral("#1 died: killed by signal 9 (Killed)"));
    const QString tip = scene.componentItem(split)->toolTip();
    QVERIFY2(tip.contains(QStringLiteral("split#1 died at 2.5 s: python3 killed by signal 9")),
             qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("MemoryError")), qPrintable(tip));
    // Other components are untouched.
    QVERIFY(scene.liveComponent(QStringLiteral("count"))->exits.isEmpty());

    const QString png = qEnvironmentVariable("TOPOLAB_DEAD_PNG");
    if (!png.isEmpty()) {
      window.resize(1400, 860);
      window.show();
      QVERIFY(QTest::qWaitForWindowExposed(&window));
      window.view().fitAll();
      QVERIFY(window.grab().save(png));
    }

    // Restarted: no longer down, the hover text keeps the story.
    emit deploy.event(3100, QStringLiteral("restart"),
                      QStringLiteral("split#1 restarted (1 of 3 within 60 s)"), {});
    QVERIFY(widgets::exitLabel(scene.liveComponent(split)->exits).isEmpty());
    QVERIFY(scene.componentItem(split)->toolTip().contains(
        QStringLiteral("restarted (1 of 3 within 60 s)")));

    // Dies again and stays dead.
    emit deploy.event(4000, QStringLiteral("process-died"),
                      QStringLiteral("split#1: python3 exited with status 1"), {});
    emit deploy.event(4000, QStringLiteral("instance-failed"),
                      QStringLiteral("split#1 is dead (restart: never)"), {});
    QCOMPARE(widgets::exitLabel(scene.liveComponent(split)->exits),
             QStringLiteral("#1 dead: exited with status 1"));
    QVERIFY(scene.componentItem(split)->toolTip().contains(
        QStringLiteral("stays dead (restart: never)")));

    // Any other event is not about a program, and the design look comes back after the run.
    QVERIFY(!scene.showInstanceEvent(4100, QStringLiteral("fault"),
                                     QStringLiteral("killed split#0 on node-a")));
    emit deploy.stopped(QStringLiteral("wordcount-multilang"));
    QVERIFY(!scene.isLive());
    QVERIFY(!scene.instanceExits(split));
  }
};

QTEST_MAIN(MultilangTest)
#include "multilang_test.moc"
