// StartupSequence: one poll timer and the controllers' signals.
#include "startup_sequence.h"

#include <QApplication>
#include <QTimer>
#include <iostream>

#include "cluster_controller.h"
#include "deploy_controller.h"
#include "event_log.h"
#include "local_lab.h"
#include "main_window.h"
#include "topolab/widgets/dashboard_widget.h"
#include "topolab/widgets/topology_view.h"

namespace topolab::studio {

StartupSequence::StartupSequence(MainWindow& window, Options options, QObject* parent)
    : QObject(parent), window_(window), options_(std::move(options)), poll_(new QTimer(this)) {
  poll_->setInterval(200);
  connect(poll_, &QTimer::timeout, this, [this] {
    maybeDeploy();
    maybeScreenshot();
  });
}

bool StartupSequence::start(QString* error) {
  clock_.start();
  if (!options_.clusterFile.isEmpty() && !window_.cluster().openFile(options_.clusterFile, error)) {
    return false;
  }
  if (options_.localLab > 0) {
    connect(&window_.lab(), &LocalLab::failed, this, [this](const QString& message) {
      if (!options_.screenshot.isEmpty() || options_.deploy) giveUp(message);
    });
    window_.lab().start(options_.localLab);
  }
  if (options_.deploy) {
    connect(&window_.deployments(), &DeployController::deployFailed, this,
            [this](const QString&, const QString& message) {
              if (!options_.screenshot.isEmpty()) giveUp(message);
            });
    if (options_.durationS >= 0) {
      connect(&window_.deployments(), &DeployController::deployed, this, [this] {
        QTimer::singleShot(static_cast<int>(options_.durationS * 1000), this,
                           &StartupSequence::endRun);
      });
    }
    if (options_.fault) {
      connect(&window_.deployments(), &DeployController::deployed, this, [this] {
        QTimer::singleShot(static_cast<int>(options_.faultAfterS * 1000), this, [this] {
          if (faultSent_) return;
          faultSent_ = true;
          window_.deployments().inject(*options_.fault);
        });
      });
    }
  }
  if (options_.durationS >= 0 && !options_.deploy) {
    QTimer::singleShot(static_cast<int>(options_.durationS * 1000), this,
                       [this] { emit finished(0); });
  }
  if (!options_.screenshot.isEmpty() && options_.afterS < 0) {
    // Only the canvas: grab once the window is laid out.
    QTimer::singleShot(600, this, &StartupSequence::takeScreenshot);
  }
  poll_->start();
  return true;
}

void StartupSequence::maybeDeploy() {
  if (!options_.deploy || deployRequested_) return;
  ClusterController& cluster = window_.cluster();
  if (!cluster.isEmpty() && cluster.allReachable() &&
      window_.deployments().state() == DeployController::State::Idle) {
    deployRequested_ = true;
    window_.deploy(/*preview=*/false);
  } else if (clock_.elapsed() > kPatienceMs) {
    deployRequested_ = true;
    giveUp(tr("--deploy: the cluster did not answer within %1 s").arg(kPatienceMs / 1000));
  }
}

void StartupSequence::maybeScreenshot() {
  if (options_.screenshot.isEmpty() || options_.afterS < 0 || done_) return;
  if (clock_.elapsed() < options_.afterS * 1000) return;
  const widgets::DashboardWidget& dashboard = window_.dashboard();
  bool ready = !options_.deploy || dashboard.history().rounds() > 0;
  if (ready && options_.fault) {
    // The fault's marker should be in the picture.
    ready = std::any_of(dashboard.history().events().begin(), dashboard.history().events().end(),
                        [](const widgets::HistoryEvent& e) { return e.kind == "fault"; });
  }
  if (ready) {
    takeScreenshot();
  } else if (clock_.elapsed() > options_.afterS * 1000 + kPatienceMs) {
    giveUp(tr("--screenshot: the dashboard had no data %1 s after the start")
               .arg(clock_.elapsed() / 1000));
  }
}

void StartupSequence::takeScreenshot() {
  if (done_) return;
  done_ = true;
  window_.view().fitAll();
  window_.dashboard().flush();
  QApplication::processEvents();
  const bool ok = window_.grab().save(options_.screenshot);
  if (!ok) std::cerr << "topolab-studio: cannot save " << options_.screenshot.toStdString() << '\n';
  emit finished(ok ? 0 : 1);
}

void StartupSequence::endRun() {
  // Like an attached `topolab deploy`: the run ends with its deployment.
  DeployController& deploy = window_.deployments();
  if (deploy.state() != DeployController::State::Running) {
    emit finished(0);
    return;
  }
  connect(&deploy, &DeployController::stopped, this, [this] { emit finished(0); });
  deploy.stop();
}

void StartupSequence::giveUp(const QString& why) {
  window_.log().addLine(why);
  if (options_.screenshot.isEmpty() || done_) return;
  done_ = true;
  std::cerr << "topolab-studio: " << why.toStdString() << '\n';
  emit finished(1);
}

}  // namespace topolab::studio
