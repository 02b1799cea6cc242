// StartupSequence: what the command line asks for beyond opening a file — use
// a cluster file, start a local lab, deploy once every agent answers, inject a
// fault a while after the deploy, save a screenshot once the dashboard has
// data, quit after a duration (stopping the deployment) — carried out as events arrive, never
// blocking the event loop.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <optional>

#include "topolab/control/fault_spec.h"

class QTimer;

namespace topolab::studio {

class MainWindow;

class StartupSequence final : public QObject {
  Q_OBJECT

 public:
  struct Options {
    QString clusterFile;                      // --cluster
    int localLab = 0;                         // --local-lab N (0: none)
    bool deploy = false;                      // --deploy
    std::optional<control::FaultSpec> fault;  // --fault
    double faultAfterS = 5;                   // --fault-after: seconds after the deploy
    QString screenshot;                       // --screenshot
    double afterS = -1;     // --after: seconds after start, and once the dashboard has data
    double durationS = -1;  // --duration: seconds after the deploy (or the start) to quit
  };

  // How long --deploy waits for every agent to answer, and a screenshot for data.
  static constexpr int kPatienceMs = 60000;

  StartupSequence(MainWindow& window, Options options, QObject* parent = nullptr);

  // Acts on the options; false with `error` when one cannot be used (an
  // unreadable cluster file).
  [[nodiscard]] bool start(QString* error);

 signals:
  // The studio should quit: the screenshot was saved or --duration passed (0),
  // or what was asked could not be done (1, with the reason on stderr).
  void finished(int exitCode);

 private:
  void maybeDeploy();
  void maybeScreenshot();
  void takeScreenshot();
  void giveUp(const QString& why);
  void endRun();

  MainWindow& window_;
  Options options_;
  QElapsedTimer clock_;
  QTimer* poll_;  // child
  bool deployRequested_ = false;
  bool faultSent_ = false;
  bool done_ = false;
};

}  // namespace topolab::studio
