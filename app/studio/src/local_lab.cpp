// LocalLab: agent processes via QProcess; their stderr is read as it comes
// (an unread pipe would stall an agent) and kept in <state-dir>.log.
#include "local_lab.h"

#include <signal.h>
#include <sys/prctl.h>

#include <algorithm>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include "topolab/engine/catalogue.h"

namespace topolab::studio {

namespace {

constexpr qsizetype kTailBytes = 16 * 1024;

// What the lab's agents let multilang components run (--allow-exec): the
// interpreters of Storm's usual adapters, so examples such as
// wordcount-multilang (Python and Node.js) deploy on it.
const QStringList kLabAllowedPrograms = {QStringLiteral("python3"), QStringLiteral("node")};

QString agentName(int index) {
  return index < 26 ? QStringLiteral("node-%1").arg(QChar(u'a' + index))
                    : QStringLiteral("node-%1").arg(index + 1);
}

// The last few lines of an agent's output, for a message that says why it failed.
QString lastLines(const QByteArray& output, int count) {
  QStringList lines = QString::fromUtf8(output).split(u'\n', Qt::SkipEmptyParts);
  if (lines.size() > count) lines = lines.mid(lines.size() - count);
  return lines.join(QStringLiteral(" / "));
}

}  // namespace

struct LocalLab::Child {
  ~Child() {
    if (process) process->deleteLater();
  }
  QProcess* process = nullptr;  // child of the lab, finished before the Child goes
  QFile log;
  QByteArray tail;  // the newest output, for error messages
  QElapsedTimer since;
  bool listening = false;
  bool kafkaReported = false;
  bool finished = false;
};

LocalLab::LocalLab(QObject* parent)
    : QObject(parent), startTimer_(new QTimer(this)), killTimer_(new QTimer(this)) {
  startTimer_->setInterval(100);
  connect(startTimer_, &QTimer::timeout, this, &LocalLab::checkAllListening);
  killTimer_->setSingleShot(true);
  connect(killTimer_, &QTimer::timeout, this, [this] {
    for (const auto& c : children_) {
      if (!c->finished) c->process->kill();
    }
  });
}

LocalLab::~LocalLab() { stopAndWait(); }

QString LocalLab::findAgentBinary(QStringList* searched) {
  const QString app = QCoreApplication::applicationDirPath();
  QStringList candidates = {QDir(app).filePath(QStringLiteral("../../agent/topolab-agent")),
                            QDir(app).filePath(QStringLiteral("topolab-agent"))};
#ifdef TOPOLAB_INSTALL_BINDIR
  candidates
      << QDir(QStringLiteral(TOPOLAB_INSTALL_BINDIR)).filePath(QStringLiteral("topolab-agent"));
#endif
  for (const QString& c : candidates) {
    const QFileInfo info(c);
    if (searched) searched->append(QDir::cleanPath(info.absoluteFilePath()));
    if (info.isFile() && info.isExecutable()) return info.canonicalFilePath();
  }
  if (searched) searched->append(QStringLiteral("PATH"));
  return QStandardPaths::findExecutable(QStringLiteral("topolab-agent"));
}

void LocalLab::start(int count) {
  if (state_ != State::Stopped) return;
  if (count < 1 || count > 64) {
    emit failed(tr("A local lab has 1 to 64 agents, not %1.").arg(count));
    return;
  }
  QString binary = binary_;
  if (binary.isEmpty()) {
    QStringList searched;
    binary = findAgentBinary(&searched);
    if (binary.isEmpty()) {
      emit failed(tr("topolab-agent was not found (looked in %1). Build it (target "
                     "topolab-agent) or put it on PATH.")
                      .arg(searched.join(QStringLiteral(", "))));
      return;
    }
    binary_ = binary;
  } else if (const QFileInfo info(binary); !info.isFile() || !info.isExecutable()) {
    emit failed(tr("Cannot start the local lab: %1 is not an executable file.").arg(binary));
    return;
  }
  dir_ =
      std::make_unique<QTemporaryDir>(QDir::temp().filePath(QStringLiteral("topolab-lab-XXXXXX")));
  if (!dir_->isValid()) {
    const QString why = dir_->errorString();
    dir_.reset();
    emit failed(tr("Cannot create a directory for the lab: %1").arg(why));
    return;
  }
  agents_.clear();
  children_.clear();
  clusterFile_.clear();
  kafkaBootstrap_.clear();
  kafkaRefused_ = false;
  setState(State::Starting);
  for (int i = 0; i < count; ++i) {
    Agent a;
    a.name = agentName(i);
    a.stateDir = dir_->filePath(a.name);
    a.tokenFile = QDir(a.stateDir).filePath(QStringLiteral("operator.token"));
    agents_.append(a);
    children_.push_back(std::make_unique<Child>());
  }
  for (int i = 0; i < count; ++i) launch(i, i == 0);
  emit message(tr("Starting a local lab of %1 agents in %2").arg(count).arg(dir_->path()));
  startTimer_->start();
}

void LocalLab::launch(int index, bool kafka) {
  Agent& a = agents_[index];
  a.kafka = kafka;
  a.address.clear();
  a.pid = 0;
  auto child = std::make_unique<Child>();
  child->log.setFileName(a.stateDir + QStringLiteral(".log"));
  (void)child->log.open(QIODevice::WriteOnly | QIODevice::Append);
  auto* process = new QProcess(this);
  child->process = process;
  process->setProcessChannelMode(QProcess::MergedChannels);
  process->setProgram(binary_);
  QStringList args = {QStringLiteral("--name"),      a.name,
                      QStringLiteral("--listen"),    QStringLiteral("127.0.0.1:0"),
                      QStringLiteral("--state-dir"), a.stateDir,
                      QStringLiteral("--drain"),     QStringLiteral("2")};
  if (kafka) args << QStringLiteral("--embedded-kafka");
  for (const QString& program : kLabAllowedPrograms)
    args << QStringLiteral("--allow-exec") << program;
  // The plugins the studio loaded (--plugin-dir), so what its palette offers runs here too.
  QStringList pluginDirs;
  for (const ComponentType* type : Catalogue::instance().types()) {
    if (type->plugin.empty()) continue;
    const QString dir = QFileInfo(QString::fromStdString(type->plugin)).absolutePath();
    if (!pluginDirs.contains(dir)) pluginDirs << dir;
  }
  for (const QString& dir : pluginDirs) args << QStringLiteral("--plugin-dir") << dir;
  process->setArguments(args);
  // No agent outlives a studio that crashed.
  process->setChildProcessModifier([] { prctl(PR_SET_PDEATHSIG, SIGTERM); });
  connect(process, &QProcess::readyRead, this, [this, index] { onOutput(index); });
  connect(process, &QProcess::finished, this,
          [this, index](int code, QProcess::ExitStatus) { onFinished(index, code); });
  connect(process, &QProcess::errorOccurred, this, [this, index](QProcess::ProcessError error) {
    if (error == QProcess::FailedToStart) onFinished(index, -1);
  });
  child->since.start();
  children_[index] = std::move(child);
  process->start();
  a.pid = process->processId();
}

void LocalLab::onOutput(int index) {
  Child& c = *children_[index];
  const QByteArray data = c.process->readAll();
  if (c.log.isOpen()) {
    c.log.write(data);
    c.log.flush();
  }
  c.tail += data;
  if (c.tail.size() > kTailBytes) c.tail = c.tail.right(kTailBytes);
  static const QRegularExpression listening(QStringLiteral("listening on ([0-9.]+:[0-9]+)"));
  static const QRegularExpression kafka(QStringLiteral("kafka bootstrap: (\\S+)"));
  const QString text = QString::fromUtf8(c.tail);
  if (!c.listening) {
    const QRegularExpressionMatch m = listening.match(text);
    if (m.hasMatch()) {
      c.listening = true;
      agents_[index].address = m.captured(1);
    }
  }
  if (agents_[index].kafka && !c.kafkaReported) {
    const QRegularExpressionMatch m = kafka.match(text);
    if (m.hasMatch()) {
      c.kafkaReported = true;
      kafkaBootstrap_ = m.captured(1);
    }
  }
}

void LocalLab::onFinished(int index, int exitCode) {
  Child& c = *children_[index];
  if (c.finished) return;
  c.finished = true;
  if (c.process->bytesAvailable() > 0) onOutput(index);
  agents_[index].pid = 0;
  const Agent& a = agents_[index];
  const bool ran = c.process->error() != QProcess::FailedToStart;
  if (state_ == State::Starting && ran && a.kafka && !c.listening && !kafkaRefused_) {
    // An agent built without the embedded Kafka cluster refuses the flag: the
    // lab still runs, only `transport: kafka` and Kafka components will not.
    kafkaRefused_ = true;
    emit message(tr("%1 could not host an embedded Kafka cluster (%2); the lab runs without "
                    "Kafka.")
                     .arg(a.name, lastLines(c.tail, 2)));
    launch(index, false);
    return;
  }
  if (state_ == State::Starting) {
    const QString why = ran ? tr("exit code %1: %2").arg(exitCode).arg(lastLines(c.tail, 3))
                            : tr("cannot run %1: %2").arg(binary_, c.process->errorString());
    fail(tr("Local lab agent %1 stopped before it listened (%2)").arg(a.name, why));
  } else if (state_ == State::Running) {
    emit message(tr("Local lab agent %1 exited (code %2): %3")
                     .arg(a.name)
                     .arg(exitCode)
                     .arg(lastLines(c.tail, 2)));
  }
  const bool all =
      std::all_of(children_.begin(), children_.end(), [](const auto& ch) { return ch->finished; });
  if (all && state_ != State::Starting) {
    killTimer_->stop();
    startTimer_->stop();
    const bool wasStopping = state_ == State::Stopping;
    setState(State::Stopped);
    dir_.reset();  // removes the state dirs and logs
    if (wasStopping) emit stopped();
  }
}

void LocalLab::checkAllListening() {
  if (state_ != State::Starting) {
    startTimer_->stop();
    return;
  }
  bool ready = true;
  for (int i = 0; i < static_cast<int>(children_.size()); ++i) {
    const Child& c = *children_[i];
    const Agent& a = agents_[i];
    const bool done = c.listening && QFileInfo::exists(a.tokenFile) &&
                      // The bootstrap line follows the listening line at once.
                      (!a.kafka || c.kafkaReported || c.since.elapsed() > 3000);
    if (done) continue;
    ready = false;
    if (c.since.elapsed() > startTimeout_.count()) {
      fail(tr("Local lab agent %1 did not listen within %2 s (%3)")
               .arg(a.name)
               .arg(startTimeout_.count() / 1000.0)
               .arg(lastLines(c.tail, 3)));
      return;
    }
  }
  if (!ready) return;
  startTimer_->stop();
  QString error;
  if (!writeClusterFile(&error)) {
    fail(error);
    return;
  }
  setState(State::Running);
  QStringList names;
  for (const Agent& a : agents_) names << QStringLiteral("%1 at %2").arg(a.name, a.address);
  emit message(tr("Local lab running: %1%2")
                   .arg(names.join(QStringLiteral(", ")),
                        kafkaBootstrap_.isEmpty()
                            ? QString()
                            : tr("; embedded Kafka at %1").arg(kafkaBootstrap_)));
  emit started(clusterFile_);
}

bool LocalLab::writeClusterFile(QString* error) {
  const QString path = dir_->filePath(QStringLiteral("lab-cluster.yaml"));
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  QByteArray text = "# The studio's local lab; token paths are relative to this file.\nagents:\n";
  for (const Agent& a : agents_) {
    text += QStringLiteral("  - {name: %1, address: %2, token_file: %1/operator.token}\n")
                .arg(a.name, a.address)
                .toUtf8();
  }
  if (!kafkaBootstrap_.isEmpty()) text += "kafka: {bootstrap: embedded}\n";
  file.write(text);
  if (!file.commit()) {
    *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  clusterFile_ = path;
  return true;
}

void LocalLab::fail(const QString& message) {
  startTimer_->stop();
  // Keep the agents' logs for the user to read.
  dir_->setAutoRemove(false);
  emit failed(tr("%1. The agents' logs are in %2.").arg(message, dir_->path()));
  setState(State::Stopping);
  terminateAll();
}

void LocalLab::stop() {
  if (state_ == State::Stopped || state_ == State::Stopping) return;
  setState(State::Stopping);
  emit message(tr("Stopping the local lab"));
  terminateAll();
}

void LocalLab::terminateAll() {
  bool any = false;
  for (const auto& c : children_) {
    if (!c->finished) {
      c->process->terminate();
      any = true;
    }
  }
  if (!any) {
    // Nothing was running: finish the transition at once.
    setState(State::Stopped);
    dir_.reset();
    emit stopped();
    return;
  }
  killTimer_->start(static_cast<int>(stopDeadline_.count()));
}

void LocalLab::stopAndWait() {
  if (state_ == State::Stopped) return;
  startTimer_->stop();
  if (state_ != State::Stopping) {
    state_ = State::Stopping;
    for (const auto& c : children_) {
      if (!c->finished) c->process->terminate();
    }
  }
  QElapsedTimer waited;
  waited.start();
  for (const auto& c : children_) {
    if (c->finished) continue;
    const qint64 left = std::max<qint64>(stopDeadline_.count() - waited.elapsed(), 0);
    if (!c->process->waitForFinished(static_cast<int>(left))) {
      c->process->kill();
      c->process->waitForFinished(2000);
    }
  }
  // waitForFinished emitted finished(), which completed the stop.
  if (state_ != State::Stopped) {
    setState(State::Stopped);
    dir_.reset();
    emit stopped();
  }
}

QList<qint64> LocalLab::runningPids() const {
  QList<qint64> pids;
  for (const auto& c : children_) {
    if (!c->finished && c->process->processId() > 0) pids << c->process->processId();
  }
  return pids;
}

void LocalLab::setState(State state) {
  if (state_ == state) return;
  state_ = state;
  emit stateChanged(state);
}

}  // namespace topolab::studio
