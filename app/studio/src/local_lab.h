// LocalLab: N topolab-agent processes on loopback, started and stopped by the
// studio (DESIGN.md §7 "Started with no cluster, it offers a local lab"). Each
// agent listens on a port the system picks and keeps its tokens in its own
// state dir under one temporary dir; the first also hosts the embedded Kafka
// cluster. When every agent listens, the lab writes a cluster file for them.
#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <chrono>
#include <memory>

class QProcess;
class QTemporaryDir;
class QTimer;

namespace topolab::studio {

class LocalLab final : public QObject {
  Q_OBJECT

 public:
  enum class State { Stopped, Starting, Running, Stopping };

  struct Agent {
    QString name;
    QString address;  // 127.0.0.1:PORT once it listens
    QString stateDir;
    QString tokenFile;   // the operator token
    bool kafka = false;  // hosts the embedded Kafka cluster
    qint64 pid = 0;
  };

  explicit LocalLab(QObject* parent = nullptr);
  ~LocalLab() override;  // stops every agent, waiting for them (SIGKILL after the deadline)

  // topolab-agent next to the studio's build tree (../../agent relative to the
  // executable), then in the install prefix's bin, then on PATH; empty when none.
  // `searched` gets the places looked at, for the message that says so.
  static QString findAgentBinary(QStringList* searched = nullptr);
  // Use this binary instead of looking for one.
  void setAgentBinary(const QString& path) { binary_ = path; }
  // How long an agent may take to listen, and to stop after SIGTERM.
  void setStartTimeout(std::chrono::milliseconds t) { startTimeout_ = t; }
  void setStopDeadline(std::chrono::milliseconds t) { stopDeadline_ = t; }

  State state() const { return state_; }
  // Starts `count` agents; started() follows when all listen, failed() when
  // one cannot start (the others are stopped again). Only from Stopped.
  void start(int count);
  // SIGTERM to every agent, SIGKILL to those still there after the stop
  // deadline; stopped() follows. Does not block.
  void stop();
  // The same, waiting for the agents to be gone (the studio is closing).
  void stopAndWait();

  const QList<Agent>& agents() const { return agents_; }
  // The cluster file naming the agents: set once Running, kept after the lab
  // stopped (the file is gone then) until the next start.
  QString clusterFile() const { return clusterFile_; }
  // What the Kafka agent reported ("host:port,…"); empty without one.
  QString kafkaBootstrap() const { return kafkaBootstrap_; }
  // Process ids of the agents still running (for checks that none is left).
  QList<qint64> runningPids() const;

 signals:
  void stateChanged(LocalLab::State state);
  void started(const QString& clusterFile);
  void failed(const QString& message);
  void stopped();
  // Progress and warnings for the log (e.g. "embedded Kafka not available").
  void message(const QString& text);

 private:
  struct Child;

  void launch(int index, bool kafka);
  void onOutput(int index);
  void onFinished(int index, int exitCode);
  void checkAllListening();
  bool writeClusterFile(QString* error);
  void fail(const QString& message);
  void setState(State state);
  void terminateAll();

  QString binary_;
  std::chrono::milliseconds startTimeout_{20000};
  std::chrono::milliseconds stopDeadline_{5000};
  State state_ = State::Stopped;
  std::unique_ptr<QTemporaryDir> dir_;
  QList<Agent> agents_;
  std::vector<std::unique_ptr<Child>> children_;
  QTimer* startTimer_;  // child
  QTimer* killTimer_;   // child
  QString clusterFile_;
  QString kafkaBootstrap_;
  bool kafkaRefused_ = false;
};

}  // namespace topolab::studio
