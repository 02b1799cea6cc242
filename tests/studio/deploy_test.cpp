// The studio against real agents: a deploy through the studio's controllers
// feeds the dashboard the same figures `topolab watch --json` prints for the
// same deployment; faults reach the charts as markers; a deploy to an agent
// that does not answer names it and leaves nothing behind; stop ends the
// deployment everywhere; the local lab's agents start, answer, and are gone
// after it stops; the multilang example runs on the local lab with its
// programs shipped, and a program killed midway shows on its component; a
// balancer member killed and revived on a local run is a member-down and a
// member-up marker with the CLI's words.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <QDir>
#include <QFile>
#include <QGraphicsItem>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>
#include <cmath>
#include <map>

#include "agent_process.h"
#include "cluster_controller.h"
#include "deploy_controller.h"
#include "deploy_dialog.h"
#include "document.h"
#include "event_log.h"
#include "fault_menu.h"
#include "file_controller.h"
#include "local_lab.h"
#include "main_window.h"
#include "topolab/engine/plugin_loader.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/dashboard_widget.h"
#include "topolab/widgets/topology_scene.h"

using namespace topolab;
using namespace topolab::studio;
using topolab::testing::AgentProcess;

namespace {

constexpr int kAgentWaitMs = 15000;

// A small pipeline, light enough for a shared machine: one interval a second.
// A killed instance stays dead until the test revives it.
constexpr char kTopology[] = R"(topolab: 1
name: studio-live
defaults:
  delivery: at-most-once
  metrics_interval_ms: 1000
  restart: never
components:
  - id: events
    type: generator
    parallelism: 2
    params: {rate: 3000, keys: 100}
  - id: work
    type: work
    parallelism: 2
    params: {cost_us: 10, error_rate: 0.05}
  - id: store
    type: counter
    parallelism: 2
streams:
  - {from: events, to: work, grouping: shuffle}
  - {from: work, to: store, grouping: shuffle}
)";

bool writeFile(const QString& path, const QByteArray& text) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(text) == text.size();
}

QString clusterYaml(const std::vector<std::pair<std::string, std::string>>& agents,
                    const std::vector<std::string>& tokenFiles) {
  QString text = QStringLiteral("agents:\n");
  for (size_t i = 0; i < agents.size(); ++i) {
    text +=
        QStringLiteral("  - {name: %1, address: %2, token_file: %3}\n")
            .arg(QString::fromStdString(agents[i].first), QString::fromStdString(agents[i].second),
                 QString::fromStdString(tokenFiles[i]));
  }
  return text;
}

// A loopback port nothing listens on (bound, then closed).
int closedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// One interval as counted by either side: from the previous interval's end to this one's.
struct Interval {
  qint64 from_ms = 0;
  qint64 to_ms = 0;
  qint64 count = 0;

  bool operator==(const Interval&) const = default;
};

// The dashboard's throughput series (tuples/s at x seconds) back as counts per interval.
std::map<qint64, Interval> countsFromChart(const QList<QPointF>& points) {
  std::map<qint64, Interval> out;
  qint64 prev = 0;
  for (const QPointF& p : points) {
    const qint64 t = std::llround(p.x() * 1000.0);
    out[t] = {prev, t, std::llround(p.y() * static_cast<double>(t - prev) / 1000.0)};
    prev = t;
  }
  return out;
}

// `topolab watch --json` interval lines: one component's `field`, or the sum over `components`.
std::map<qint64, Interval> countsFromCli(const QList<QJsonObject>& lines,
                                         const QStringList& components, const QString& field) {
  std::map<qint64, Interval> out;
  qint64 prev = -1;
  for (const QJsonObject& line : lines) {
    if (line.value(QStringLiteral("type")).toString() != QStringLiteral("interval")) continue;
    const qint64 t = line.value(QStringLiteral("t_ms")).toInteger();
    qint64 sum = 0;
    const QJsonObject c = line.value(QStringLiteral("components")).toObject();
    for (const QString& id : components) {
      sum += c.value(id).toObject().value(field).toInteger();
    }
    if (prev >= 0) out[t] = {prev, t, sum};  // the first line's start is not known here
    prev = t;
  }
  return out;
}

// Intervals both sides have with the same start and end must agree exactly;
// returns how many were compared.
int compareIntervals(const std::map<qint64, Interval>& chart, const std::map<qint64, Interval>& cli,
                     const char* what) {
  int compared = 0;
  for (const auto& [t, c] : cli) {
    const auto it = chart.find(t);
    if (it == chart.end() || it->second.from_ms != c.from_ms) continue;
    if (it->second.count != c.count) {
      qWarning("%s at t_ms %lld (from %lld): dashboard %lld, topolab watch %lld", what,
               static_cast<long long>(t), static_cast<long long>(c.from_ms),
               static_cast<long long>(it->second.count), static_cast<long long>(c.count));
      return -1;
    }
    ++compared;
  }
  return compared;
}

bool processGone(qint64 pid) { return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

// Processes whose command line mentions `text` (e.g. a lab's directory).
QStringList processesMentioning(const QString& text) {
  QStringList found;
  for (const QString& pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
    bool number = false;
    pid.toInt(&number);
    if (!number) continue;
    QFile f(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) continue;
    const QByteArray cmdline = f.readAll().replace('\0', ' ');
    if (cmdline.contains(text.toUtf8())) found << pid + QStringLiteral(": ") + cmdline;
  }
  return found;
}

// Processes descending from `roots` whose command line mentions `text`.
QList<qint64> descendantsMentioning(const QList<qint64>& roots, const QByteArray& text) {
  QHash<qint64, qint64> parent;
  QHash<qint64, QByteArray> cmdlines;
  for (const QString& pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
    bool number = false;
    const qint64 id = pid.toLongLong(&number);
    if (!number) continue;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    QFile cmd(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (!stat.open(QIODevice::ReadOnly) || !cmd.open(QIODevice::ReadOnly)) continue;
    // "pid (name) state ppid …": the name may hold spaces, so read after its ')'.
    const QByteArray line = stat.readAll();
    const QList<QByteArray> rest = line.mid(line.lastIndexOf(')') + 2).split(' ');
    if (rest.size() > 1) parent.insert(id, rest[1].toLongLong());
    cmdlines.insert(id, cmd.readAll().replace('\0', ' '));
  }
  QList<qint64> out;
  for (auto it = cmdlines.cbegin(); it != cmdlines.cend(); ++it) {
    if (!it.value().contains(text)) continue;
    for (qint64 up = parent.value(it.key()); up > 1; up = parent.value(up)) {
      if (roots.contains(up)) {
        out << it.key();
        break;
      }
    }
  }
  return out;
}

}  // namespace

class DeployTest final : public QObject {
  Q_OBJECT

 private slots:
  void dashboardShowsWhatTopologyWatchShows();
  void deployToUnreachableAgentNamesIt();
  void localLabStartsAndStopsWithoutLeftovers();
  void localLabStopsItsAgentsWhenDestroyed();
  void agentsAddedByHandAreCheckedLikeAClusterFile();
  void localLabFindsTheAgentOfItsBuildTree();
  void planPreviewShowsPlacementAndCrossings();
  void localLabNamesAnAgentThatCannotStart();
  void multilangExampleRunsOnTheLocalLabAndAKilledProgramShows();
  void localLabAgentsLoadTheStudiosPlugins();
  void balancerMemberDownAndUpAreMarkersOnALocalRun();
};

void DeployTest::dashboardShowsWhatTopologyWatchShows() {
  AgentProcess a("node-a");
  AgentProcess b("node-b");
  QVERIFY2(a.started(), a.log().c_str());
  QVERIFY2(b.started(), b.log().c_str());
  QTemporaryDir dir;
  const QString topologyPath = dir.filePath(QStringLiteral("studio-live.yaml"));
  const QString clusterPath = dir.filePath(QStringLiteral("lab.yaml"));
  QVERIFY(writeFile(topologyPath, kTopology));
  QVERIFY(writeFile(clusterPath, clusterYaml({{"node-a", a.address()}, {"node-b", b.address()}},
                                             {a.operatorTokenFile(), b.operatorTokenFile()})
                                     .toUtf8()));

  MainWindow window;
  window.show();
  QVERIFY(window.files().openFile(topologyPath));
  QString error;
  QVERIFY2(window.cluster().openFile(clusterPath, &error), qPrintable(error));
  QTRY_VERIFY_WITH_TIMEOUT(window.cluster().allReachable(), kAgentWaitMs);

  DeployController& deploy = window.deployments();
  QSignalSpy deployed(&deploy, &DeployController::deployed);
  QSignalSpy failed(&deploy, &DeployController::deployFailed);
  window.deploy(/*preview=*/false);
  QTRY_VERIFY_WITH_TIMEOUT(!deployed.isEmpty() || !failed.isEmpty(), 30000);
  QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.front().at(1).toString()));
  QCOMPARE(deploy.state(), DeployController::State::Running);
  QCOMPARE(deployed.front().at(1).toStringList(), QStringList({"node-a", "node-b"}));

  // The CLI follows the same deployment alongside the studio.
  QProcess watch;
  watch.setProgram(QStringLiteral(TOPOLAB_CLI));
  watch.setArguments({QStringLiteral("watch"), QStringLiteral("studio-live"),
                      QStringLiteral("--cluster"), clusterPath, QStringLiteral("--json")});
  watch.start();
  QVERIFY(watch.waitForStarted());
  QList<QJsonObject> cliLines;
  QByteArray pending;
  auto readCli = [&] {
    pending += watch.readAllStandardOutput();
    qsizetype nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const QJsonDocument doc = QJsonDocument::fromJson(pending.left(nl));
      pending.remove(0, nl + 1);
      if (doc.isObject()) cliLines << doc.object();
    }
    return std::count_if(cliLines.begin(), cliLines.end(), [](const QJsonObject& o) {
      return o.value(QStringLiteral("type")).toString() == QStringLiteral("interval");
    });
  };
  widgets::DashboardWidget& dashboard = window.dashboard();
  QTRY_VERIFY_WITH_TIMEOUT(readCli() >= 6 && dashboard.history().rounds() >= 7, 40000);

  // A fault from a component's menu reaches the charts as a marker. The menu
  // lists each instance with the agent the plan put it on.
  FaultMenu faults(deploy, window);
  QObject::connect(&faults, &FaultMenu::faultRequested, &deploy,
                   [&deploy](const control::FaultSpec& f) { deploy.inject(f); });
  const std::unique_ptr<QMenu> menu = faults.build(QStringLiteral("work"));
  QVERIFY(menu);
  auto* killMenu = menu->findChild<QMenu*>(QStringLiteral("killMenu"));
  QVERIFY(killMenu);
  QStringList kills;
  for (QAction* action : killMenu->actions()) {
    if (!action->isSeparator()) kills << action->text();
  }
  QStringList expected;
  for (const PlacedInstance& p : deploy.plan().instances) {
    if (p.component == "work") {
      expected << QStringLiteral("work#%1 on %2").arg(p.index).arg(QString::fromStdString(p.agent));
    }
  }
  expected << QStringLiteral("Every instance of work");
  QCOMPARE(kills, expected);
  QVERIFY(faults.build(QStringLiteral("no-such-component")) == nullptr);
  killMenu->actions().at(1)->trigger();  // work#1
  auto hasFault = [&dashboard](const std::string& what) {
    const auto& events = dashboard.history().events();
    return std::any_of(events.begin(), events.end(), [&what](const widgets::HistoryEvent& e) {
      return e.kind == "fault" && e.detail.find(what) != std::string::npos;
    });
  };
  QTRY_VERIFY_WITH_TIMEOUT(hasFault("killed work#1"), 10000);
  // …and it can be brought back from the same menu.
  auto* reviveMenu = menu->findChild<QMenu*>(QStringLiteral("reviveMenu"));
  QVERIFY(reviveMenu);
  reviveMenu->actions().at(1)->trigger();  // work#1
  QTRY_VERIFY_WITH_TIMEOUT(hasFault("revived work#1"), 10000);
  QTRY_VERIFY_WITH_TIMEOUT(readCli() >= 8, 10000);

  watch.terminate();
  QVERIFY(watch.waitForFinished(10000));
  readCli();
  QVERIFY2(readCli() >= 5, qPrintable(QString::fromUtf8(watch.readAllStandardError())));

  // The studio's charts in chart units hold the same counts as the CLI's lines.
  dashboard.showTopology();
  dashboard.flush();
  const auto sinks =
      compareIntervals(countsFromChart(dashboard.seriesPoints("throughput")),
                       countsFromCli(cliLines, {"store"}, "received"), "tuples at the sinks");
  dashboard.showComponent(QStringLiteral("work"));
  dashboard.flush();
  const auto work =
      compareIntervals(countsFromChart(dashboard.seriesPoints("throughput")),
                       countsFromCli(cliLines, {"work"}, "received"), "tuples into work");
  dashboard.showComponent(QStringLiteral("events"));
  dashboard.flush();
  const auto events =
      compareIntervals(countsFromChart(dashboard.seriesPoints("throughput")),
                       countsFromCli(cliLines, {"events"}, "emitted"), "tuples out of events");
  QVERIFY2(sinks >= 4 && work >= 4 && events >= 4,
           qPrintable(QStringLiteral("intervals compared: sinks %1, work %2, events %3 (-1: a "
                                     "mismatch, see the warning)")
                          .arg(sinks)
                          .arg(work)
                          .arg(events)));
  // Real traffic was compared, not zeros.
  QVERIFY(dashboard.history().lastInterval().at("work").counters.received > 0);
  QVERIFY(!dashboard.markers().isEmpty());
  // The canvas shows live numbers while it runs.
  QVERIFY(window.scene().isLive());
  QVERIFY(window.scene().liveComponent(QStringLiteral("work")) != nullptr);

  // Stop ends the deployment on every agent.
  QSignalSpy stopped(&deploy, &DeployController::stopped);
  deploy.stop();
  QTRY_VERIFY_WITH_TIMEOUT(!stopped.isEmpty(), 20000);
  QCOMPARE(deploy.state(), DeployController::State::Idle);
  QCOMPARE(topolab::testing::listOn(a), std::vector<std::string>{});
  QCOMPARE(topolab::testing::listOn(b), std::vector<std::string>{});
  QVERIFY(!window.scene().isLive());
}

void DeployTest::deployToUnreachableAgentNamesIt() {
  AgentProcess a("node-a");
  QVERIFY2(a.started(), a.log().c_str());
  QTemporaryDir dir;
  const QString topologyPath = dir.filePath(QStringLiteral("studio-live.yaml"));
  const QString clusterPath = dir.filePath(QStringLiteral("lab.yaml"));
  const QString deadToken = dir.filePath(QStringLiteral("dead.token"));
  QVERIFY(writeFile(topologyPath, kTopology));
  QVERIFY(writeFile(deadToken, "0123456789abcdef\n"));
  const std::string dead = "127.0.0.1:" + std::to_string(closedPort());
  QVERIFY(writeFile(clusterPath, clusterYaml({{"node-a", a.address()}, {"node-dead", dead}},
                                             {a.operatorTokenFile(), deadToken.toStdString()})
                                     .toUtf8()));

  MainWindow window;
  QVERIFY(window.files().openFile(topologyPath));
  QString error;
  QVERIFY2(window.cluster().openFile(clusterPath, &error), qPrintable(error));
  // The panel says which agent does not answer, and why.
  QTRY_VERIFY_WITH_TIMEOUT(window.cluster().hello(QStringLiteral("node-dead")) != nullptr,
                           kAgentWaitMs);
  QVERIFY(!window.cluster().hello(QStringLiteral("node-dead"))->ok());
  QVERIFY(window.cluster().hello(QStringLiteral("node-a"))->ok());
  QVERIFY(!window.cluster().allReachable());

  DeployController& deploy = window.deployments();
  QSignalSpy deployed(&deploy, &DeployController::deployed);
  QSignalSpy failed(&deploy, &DeployController::deployFailed);
  window.deploy(/*preview=*/false);
  QTRY_VERIFY_WITH_TIMEOUT(!deployed.isEmpty() || !failed.isEmpty(), 30000);
  QVERIFY(deployed.isEmpty());
  QCOMPARE(failed.front().at(0).toString(), QStringLiteral("node-dead"));
  const QString message = failed.front().at(1).toString();
  QVERIFY2(message.contains(QStringLiteral("node-dead")), qPrintable(message));
  QVERIFY2(message.contains(QString::fromStdString(dead)), qPrintable(message));
  QCOMPARE(deploy.state(), DeployController::State::Idle);
  // The log says so too, and nothing was left on the agent that answered.
  QVERIFY(window.log().toPlainText().contains(QStringLiteral("node-dead")));
  QCOMPARE(topolab::testing::listOn(a), std::vector<std::string>{});
}

void DeployTest::localLabStartsAndStopsWithoutLeftovers() {
  LocalLab lab;
  lab.setAgentBinary(QStringLiteral(TOPOLAB_AGENT));
  QSignalSpy started(&lab, &LocalLab::started);
  QSignalSpy failed(&lab, &LocalLab::failed);
  QSignalSpy messages(&lab, &LocalLab::message);
  lab.start(3);
  QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty() || !failed.isEmpty(), 30000);
  QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.front().at(0).toString()));
  QCOMPARE(lab.state(), LocalLab::State::Running);
  QCOMPARE(lab.agents().size(), 3);
  // The first agent hosts the embedded Kafka cluster, or the lab said why it could not.
  QVERIFY(lab.agents().front().kafka ||
          std::any_of(messages.begin(), messages.end(), [](const QList<QVariant>& m) {
            return m.at(0).toString().contains(QStringLiteral("embedded Kafka"));
          }));
  const QList<qint64> pids = lab.runningPids();
  QCOMPARE(pids.size(), 3);
  const QString labDir = QFileInfo(lab.clusterFile()).absolutePath();

  // The cluster file it wrote works: every agent answers Hello with its token.
  ClusterController cluster;
  QString error;
  QVERIFY2(cluster.openFile(started.front().at(0).toString(), &error), qPrintable(error));
  QTRY_VERIFY_WITH_TIMEOUT(cluster.allReachable(), kAgentWaitMs);
  QCOMPARE(cluster.hellos().size(), size_t{3});
  QCOMPARE(cluster.hellos().front().role, std::string("operator"));
  if (!lab.kafkaBootstrap().isEmpty()) {
    QCOMPARE(QString::fromStdString(cluster.hellos().front().kafka_bootstrap),
             lab.kafkaBootstrap());
  }

  QSignalSpy stopped(&lab, &LocalLab::stopped);
  lab.stop();
  QTRY_VERIFY_WITH_TIMEOUT(!stopped.isEmpty(), 15000);
  QCOMPARE(lab.state(), LocalLab::State::Stopped);
  for (qint64 pid : pids) QVERIFY2(processGone(pid), qPrintable(QString::number(pid)));
  QCOMPARE(processesMentioning(labDir), QStringList());
  QVERIFY(!QFileInfo::exists(labDir));
}

void DeployTest::localLabStopsItsAgentsWhenDestroyed() {
  auto lab = std::make_unique<LocalLab>();
  lab->setAgentBinary(QStringLiteral(TOPOLAB_AGENT));
  QSignalSpy started(lab.get(), &LocalLab::started);
  lab->start(2);
  QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty(), 30000);
  const QList<qint64> pids = lab->runningPids();
  QCOMPARE(pids.size(), 2);
  const QString labDir = QFileInfo(lab->clusterFile()).absolutePath();
  lab.reset();  // as when the studio exits
  for (qint64 pid : pids) QVERIFY2(processGone(pid), qPrintable(QString::number(pid)));
  QCOMPARE(processesMentioning(labDir), QStringList());
}

void DeployTest::agentsAddedByHandAreCheckedLikeAClusterFile() {
  AgentProcess a("node-a");
  QVERIFY2(a.started(), a.log().c_str());
  ClusterController cluster;
  QString error;
  QVERIFY(!cluster.addAgent(QStringLiteral("node-a"), QStringLiteral("localhost"),
                            QString::fromStdString(a.operatorTokenFile()), &error));
  QVERIFY2(error.contains(QStringLiteral("localhost")) && error.contains(QStringLiteral("port")),
           qPrintable(error));
  QVERIFY(!cluster.addAgent(QStringLiteral("node-a"), QString::fromStdString(a.address()),
                            QStringLiteral("/no/such/operator.token"), &error));
  QVERIFY2(error.contains(QStringLiteral("/no/such/operator.token")), qPrintable(error));
  QVERIFY(cluster.isEmpty());

  QVERIFY2(cluster.addAgent(QStringLiteral("node-a"), QString::fromStdString(a.address()),
                            QString::fromStdString(a.operatorTokenFile()), &error),
           qPrintable(error));
  QVERIFY(!cluster.addAgent(QStringLiteral("node-a"), QStringLiteral("127.0.0.1:1"),
                            QString::fromStdString(a.operatorTokenFile()), &error));
  QVERIFY2(error.contains(QStringLiteral("already")), qPrintable(error));
  QTRY_VERIFY_WITH_TIMEOUT(cluster.allReachable(), kAgentWaitMs);
  QCOMPARE(cluster.hellos().front().role, std::string("operator"));
}

void DeployTest::localLabFindsTheAgentOfItsBuildTree() {
  // This test runs from the build tree, like a studio that was just built.
  QCOMPARE(LocalLab::findAgentBinary(),
           QFileInfo(QStringLiteral(TOPOLAB_AGENT)).canonicalFilePath());
}

void DeployTest::localLabNamesAnAgentThatCannotStart() {
  QTemporaryDir dir;
  {
    const QString missing = dir.filePath(QStringLiteral("missing/topolab-agent"));
    LocalLab lab;
    lab.setAgentBinary(missing);
    QSignalSpy failed(&lab, &LocalLab::failed);
    lab.start(2);
    QCOMPARE(failed.size(), 1);
    QVERIFY2(failed.front().at(0).toString().contains(missing),
             qPrintable(failed.front().at(0).toString()));
    QCOMPARE(lab.state(), LocalLab::State::Stopped);
  }
  // An agent that exits before it listens: the lab names it and quotes it.
  const QString broken = dir.filePath(QStringLiteral("topolab-agent"));
  QVERIFY(writeFile(broken, "#!/bin/sh\necho 'topolab-agent: error: cannot bind' >&2\nexit 1\n"));
  QVERIFY(QFile::setPermissions(broken, QFile::ReadOwner | QFile::ExeOwner));
  LocalLab lab;
  lab.setAgentBinary(broken);
  QSignalSpy failed(&lab, &LocalLab::failed);
  lab.start(2);
  QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
  const QString message = failed.front().at(0).toString();
  QVERIFY2(
      message.contains(QStringLiteral("node-")) && message.contains(QStringLiteral("cannot bind")),
      qPrintable(message));
  QTRY_COMPARE_WITH_TIMEOUT(lab.state(), LocalLab::State::Stopped, 10000);
  QVERIFY(lab.runningPids().isEmpty());
  // The lab keeps the agents' logs for the user and says where.
  const QRegularExpression kept(QStringLiteral("logs are in (\\S+)\\.$"));
  const QRegularExpressionMatch m = kept.match(message);
  QVERIFY2(m.hasMatch() && QFile::exists(m.captured(1) + QStringLiteral("/node-a.log")),
           qPrintable(message));
  QDir(m.captured(1)).removeRecursively();
}

void DeployTest::planPreviewShowsPlacementAndCrossings() {
  const LoadResult loaded =
      loadTopologyFile(std::string(TOPOLAB_EXAMPLES_DIR) + "/realtime-analytics.yaml");
  QVERIFY(loaded.ok());
  std::string error;
  const std::optional<Plan> plan =
      planDeployment(*loaded.topology, {"node-a", "node-b", "node-c"}, &error);
  QVERIFY2(plan, error.c_str());
  DeployDialog dialog(QStringLiteral("realtime-analytics"), *plan, QStringLiteral("lab.yaml"));
  auto* placement = dialog.findChild<QTreeWidget*>(QStringLiteral("placement"));
  QVERIFY(placement);
  QCOMPARE(placement->topLevelItemCount(), 3);
  // Every instance under the agent the plan gives it.
  int shown = 0;
  for (int i = 0; i < placement->topLevelItemCount(); ++i) {
    const QTreeWidgetItem* agent = placement->topLevelItem(i);
    for (int j = 0; j < agent->childCount(); ++j) {
      const QStringList id = agent->child(j)->text(0).split(u'#');
      const PlacedInstance* p = plan->find(id[0].toStdString(), id[1].toInt());
      QVERIFY(p);
      QCOMPARE(QString::fromStdString(p->agent), agent->text(0));
      ++shown;
    }
  }
  QCOMPARE(shown, static_cast<int>(plan->instances.size()));
  auto* crossings = dialog.findChild<QTreeWidget*>(QStringLiteral("crossings"));
  QVERIFY(crossings);
  QVERIFY(!plan->crossings.empty());
  QCOMPARE(crossings->topLevelItemCount(), static_cast<int>(plan->crossings.size()));
  QCOMPARE(crossings->topLevelItem(0)->text(3), QStringLiteral("grpc"));
  auto* text = dialog.findChild<QPlainTextEdit*>(QStringLiteral("planText"));
  QCOMPARE(text->toPlainText(), QString::fromStdString(formatPlan(*plan)));
}

void DeployTest::multilangExampleRunsOnTheLocalLabAndAKilledProgramShows() {
  // The example beside its programs, as a user has it.
  const QDir example(QStringLiteral(TOPOLAB_EXAMPLES_DIR "/wordcount-multilang"));
  QTemporaryDir dir;
  for (const QString& name : example.entryList(QDir::Files))
    QVERIFY(QFile::copy(example.filePath(name), dir.filePath(name)));
  MainWindow window;
  window.lab().setAgentBinary(QStringLiteral(TOPOLAB_AGENT));
  QSignalSpy started(&window.lab(), &LocalLab::started);
  QSignalSpy failed(&window.lab(), &LocalLab::failed);
  window.lab().start(2);
  QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty() || !failed.isEmpty(), 30000);
  QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.front().at(0).toString()));
  QTRY_VERIFY_WITH_TIMEOUT(window.cluster().allReachable(), kAgentWaitMs);
  // The lab's agents run the interpreters the example needs.
  for (const control::AgentHello& hello : window.cluster().hellos()) {
    const auto& allowed = hello.allowed_programs;
    QVERIFY2(std::find(allowed.begin(), allowed.end(), "python3") != allowed.end() &&
                 std::find(allowed.begin(), allowed.end(), "node") != allowed.end(),
             hello.agent.c_str());
  }

  QVERIFY(window.files().openFile(dir.filePath(QStringLiteral("wordcount-multilang.yaml"))));
  QTRY_VERIFY(window.document().model().problems().empty());
  DeployController& deploy = window.deployments();
  QSignalSpy deployed(&deploy, &DeployController::deployed);
  QSignalSpy deployFailed(&deploy, &DeployController::deployFailed);
  window.deploy(/*preview=*/false);
  QTRY_VERIFY_WITH_TIMEOUT(!deployed.isEmpty() || !deployFailed.isEmpty(), 60000);
  QVERIFY2(deployFailed.isEmpty(),
           deployFailed.isEmpty() ? "" : qPrintable(deployFailed.front().at(1).toString()));
  // The programs went with the deploy, found from the file's folder.
  QVERIFY2(window.log().toPlainText().contains(QStringLiteral("resources bundle")),
           qPrintable(window.log().toPlainText()));
  widgets::TopologyScene& scene = window.scene();
  QTRY_VERIFY_WITH_TIMEOUT(scene.liveComponent(QStringLiteral("log")) &&
                               scene.liveComponent(QStringLiteral("log"))->received_per_s > 0,
                           30000);

  // One split program killed as a crash would: its component says so.
  const QList<qint64> labPids = window.lab().runningPids();
  const QList<qint64> splits = descendantsMentioning(labPids, "split_sentence.py");
  QCOMPARE(splits.size(), 2);
  const QList<qint64> programs =
      descendantsMentioning(labPids, ".py") + descendantsMentioning(labPids, "word_count.js");
  QCOMPARE(::kill(static_cast<pid_t>(splits.front()), SIGKILL), 0);
  auto killedShows = [&scene] {
    const QList<widgets::InstanceExit>* exits = scene.instanceExits(QStringLiteral("split"));
    return exits && std::any_of(exits->begin(), exits->end(), [](const widgets::InstanceExit& e) {
             return e.reason.contains(QStringLiteral("killed by signal 9"));
           });
  };
  QTRY_VERIFY_WITH_TIMEOUT(killedShows(), 15000);
  QVERIFY(scene.componentItem(QStringLiteral("split"))
              ->toolTip()
              .contains(QStringLiteral("killed by signal 9")));
  QVERIFY2(window.log().toPlainText().contains(QStringLiteral("process-died: split#")),
           qPrintable(window.log().toPlainText()));

  // Stopped, nothing of it is left running.
  deploy.stop();
  QTRY_VERIFY_WITH_TIMEOUT(deploy.state() == DeployController::State::Idle, 20000);
  QSignalSpy stopped(&window.lab(), &LocalLab::stopped);
  window.lab().stop();
  QTRY_VERIFY_WITH_TIMEOUT(!stopped.isEmpty(), 15000);
  for (qint64 pid : programs) QVERIFY2(processGone(pid), qPrintable(QString::number(pid)));
}

// The lab's agents get the studio's plugin folders: their Hello lists the
// plugin types the palette shows. (Last: the plugin stays loaded.)
void DeployTest::localLabAgentsLoadTheStudiosPlugins() {
  const PluginLoadReport loaded = loadPluginDir(TOPOLAB_JSON_EXTRACT_DIR);
  QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.errors.front().c_str());
  MainWindow window;
  window.lab().setAgentBinary(QStringLiteral(TOPOLAB_AGENT));
  QSignalSpy started(&window.lab(), &LocalLab::started);
  QSignalSpy failed(&window.lab(), &LocalLab::failed);
  window.lab().start(1);
  QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty() || !failed.isEmpty(), 30000);
  QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.front().at(0).toString()));
  QTRY_VERIFY_WITH_TIMEOUT(window.cluster().allReachable(), kAgentWaitMs);
  for (const control::AgentHello& hello : window.cluster().hellos()) {
    QCOMPARE(hello.plugin_types, std::vector<std::string>{"json-extract"});
  }
}

// A load balancer over two instances, light enough for a shared machine.
constexpr char kBalanced[] = R"(topolab: 1
name: studio-lb
defaults:
  delivery: at-least-once
  metrics_interval_ms: 500
  restart: never
components:
  - id: requests
    type: generator
    params: {rate: 1000, keys: 100}
  - id: lb
    type: load-balancer
    params: {policy: round-robin, health_check_ms: 200}
  - id: node
    type: work
    parallelism: 2
    params: {cost_us: 10}
  - id: sink
    type: counter
streams:
  - {from: requests, to: lb}
  - {from: lb, to: node}
  - {from: node, to: sink}
)";

void DeployTest::balancerMemberDownAndUpAreMarkersOnALocalRun() {
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("studio-lb.yaml"));
  QVERIFY(writeFile(path, kBalanced));
  MainWindow window;
  window.show();
  window.lab().setAgentBinary(QStringLiteral(TOPOLAB_AGENT));
  QSignalSpy started(&window.lab(), &LocalLab::started);
  QSignalSpy failed(&window.lab(), &LocalLab::failed);
  window.lab().start(2);
  QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty() || !failed.isEmpty(), 30000);
  QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.front().at(0).toString()));
  QTRY_VERIFY_WITH_TIMEOUT(window.cluster().allReachable(), kAgentWaitMs);
  QVERIFY(window.files().openFile(path));
  DeployController& deploy = window.deployments();
  QSignalSpy deployed(&deploy, &DeployController::deployed);
  QSignalSpy deployFailed(&deploy, &DeployController::deployFailed);
  window.deploy(/*preview=*/false);
  QTRY_VERIFY_WITH_TIMEOUT(!deployed.isEmpty() || !deployFailed.isEmpty(), 30000);
  QVERIFY2(deployFailed.isEmpty(),
           deployFailed.isEmpty() ? "" : qPrintable(deployFailed.front().at(1).toString()));
  widgets::DashboardWidget& dashboard = window.dashboard();
  QCOMPARE(dashboard.deliveryText(), QStringLiteral("at-least-once"));
  QTRY_VERIFY_WITH_TIMEOUT(dashboard.history().rounds() >= 2, 20000);

  auto eventWith = [&dashboard](const std::string& kind, const std::string& detail) {
    const auto& events = dashboard.history().events();
    return std::any_of(events.begin(), events.end(), [&](const widgets::HistoryEvent& e) {
      return e.kind == kind && e.detail.find(detail) != std::string::npos;
    });
  };
  control::FaultSpec kill;
  kill.kind = control::FaultSpec::Kind::KillInstance;
  kill.component = "node";
  kill.index = 1;
  deploy.inject(kill);
  const std::string down = "lb#0: node#1 failed its health check and is out of rotation";
  QTRY_VERIFY_WITH_TIMEOUT(eventWith("member-down", down), 15000);
  control::FaultSpec revive = kill;
  revive.kind = control::FaultSpec::Kind::Revive;
  deploy.inject(revive);
  const std::string up = "lb#0: node#1 passes its health checks and is back in rotation";
  QTRY_VERIFY_WITH_TIMEOUT(eventWith("member-up", up), 15000);

  // Drawn on the charts, and written in the log like the agents' events.
  dashboard.flush();
  QStringList kinds;
  for (const widgets::EventMarker& m : dashboard.markers()) {
    if (m.kind.startsWith(QStringLiteral("member-")))
      kinds << m.kind + QStringLiteral(" ") + m.detail;
  }
  QVERIFY2(kinds.contains(QStringLiteral("member-down ") + QString::fromStdString(down)),
           qPrintable(kinds.join(u'\n')));
  QVERIFY2(kinds.contains(QStringLiteral("member-up ") + QString::fromStdString(up)),
           qPrintable(kinds.join(u'\n')));
  QVERIFY(window.log().toPlainText().contains(QString::fromStdString(down)));

  QSignalSpy stopped(&deploy, &DeployController::stopped);
  deploy.stop();
  QTRY_VERIFY_WITH_TIMEOUT(!stopped.isEmpty(), 20000);
}

QTEST_MAIN(DeployTest)
#include "deploy_test.moc"
