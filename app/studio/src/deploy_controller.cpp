// DeployController: ClusterClient's *Async calls and a MetricsWatcher, their
// results posted to the GUI thread with postToGui.
#include "deploy_controller.h"

#include "cluster_controller.h"
#include "gui_post.h"
#include "topolab/engine/plugin_loader.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

using widgets::toQString;
using widgets::toStd;

namespace {

constexpr std::chrono::milliseconds kDrain{2000};

QStringList toQStringList(const std::vector<std::string>& names) {
  QStringList out;
  for (const std::string& n : names) out << toQString(n);
  return out;
}

}  // namespace

QList<MemberEvent> memberEvents(const Snapshot& prev, const Snapshot& cur) {
  QList<MemberEvent> out;
  for (const MemberChange& c : memberChanges(prev, cur)) {
    out.append({cur.t_ms, toQString(c.kind()), toQString(c.detail())});
  }
  return out;
}

struct DeployController::Pending {
  Topology topology;
  QByteArray yaml;
  Plan plan;
  QString resourcesBase;
};

DeployController::DeployController(ClusterController& cluster, QObject* parent)
    : QObject(parent), cluster_(cluster) {}

DeployController::~DeployController() { stopWatching(); }

std::optional<Plan> DeployController::planFor(const Topology& topology, QString* error) const {
  if (cluster_.isEmpty()) {
    *error = tr("No cluster: open a cluster file, add an agent or start a local lab first.");
    return std::nullopt;
  }
  const std::vector<std::string> names = cluster_.cluster().agentNames();
  // Plugin types the agents offer (their last Hello) validate by stand-ins
  // and are placed only on those agents.
  const TypeOffers offers = control::typeOffers(cluster_.hellos(), topology);
  const auto catalogue =
      withStandIns(topology, control::offeredTypes(offers), "runs on the agents that offer it");
  const std::vector<Diagnostic> problems =
      validateTopology(topology, topology.name + ".yaml", *catalogue, &names);
  if (!problems.empty()) {
    QStringList lines;
    for (const Diagnostic& d : problems) lines << toQString(d.format());
    *error =
        tr("The topology cannot be deployed until these are fixed:\n%1").arg(lines.join(u'\n'));
    return std::nullopt;
  }
  std::string why;
  std::optional<Plan> plan = planDeployment(topology, names, &why, offers);
  if (!plan) *error = tr("No placement on this cluster: %1").arg(toQString(why));
  return plan;
}

QString DeployController::deployment() const { return toQString(topology_.name); }

void DeployController::deploy(const Topology& topology, const QByteArray& yaml, const Plan& plan,
                              const QString& resourcesBase) {
  if (state_ != State::Idle) return;
  client_ = cluster_.client();
  if (!client_) {
    emit deployFailed({}, tr("No cluster to deploy to."));
    return;
  }
  topology_ = topology;
  plan_ = plan;
  setState(State::Deploying);
  emit log(tr("Deploying %1 on %2 agent(s)…")
               .arg(deployment())
               .arg(toQStringList(plan.agents).join(QStringLiteral(", "))));
  client_->deployAsync(
      topology, yaml.toStdString(), plan,
      [self = QPointer<DeployController>(this)](control::DeployOutcome outcome) {
        postToGui(self, [outcome = std::move(outcome)](DeployController& d) {
          for (const control::AgentError& e : outcome.rollback_errors) {
            emit d.log(tr("Warning: %1: %2 (something may be left running there)")
                           .arg(toQString(e.agent), toQString(e.message)));
          }
          if (!outcome.ok) {
            d.setState(State::Idle);
            emit d.log(tr("Deploy failed: %1").arg(toQString(outcome.message)));
            emit d.deployFailed(toQString(outcome.failed_agent), toQString(outcome.message));
            return;
          }
          d.setState(State::Running);
          emit d.log(tr("Deployed %1 on %2 (plan %3)")
                         .arg(d.deployment(),
                              toQStringList(outcome.agents).join(QStringLiteral(", ")),
                              toQString(outcome.plan_id)));
          if (outcome.bundles_sent > 0) {
            emit d.log(tr("Sent %1 resources bundle(s), %2 KiB")
                           .arg(outcome.bundles_sent)
                           .arg((outcome.bundle_bytes_sent + 1023) / 1024));
          }
          d.startWatching(outcome.agents);
          emit d.deployed(d.deployment(), toQStringList(outcome.agents),
                          toQString(outcome.plan_id));
        });
      },
      toStd(resourcesBase));
}

void DeployController::startWatching(const std::vector<std::string>& agents) {
  stopWatching();
  const quint64 watch = ++watch_;
  const QPointer<DeployController> self(this);
  control::WatchCallbacks callbacks;
  callbacks.interval = [self, watch](const Snapshot& prev, const Snapshot& cur) {
    postToGui(self, [watch, prev, cur](DeployController& d) {
      if (watch != d.watch_) return;
      // Balancer members that left or rejoined rotation, before the round's figures.
      for (const MemberEvent& e : memberEvents(prev, cur)) {
        emit d.log(
            QStringLiteral("[%1 s] %2: %3").arg(e.t_ms / 1000.0, 0, 'f', 1).arg(e.kind, e.detail));
        emit d.event(e.t_ms, e.kind, e.detail, {});
      }
      emit d.round(prev, cur);
    });
  };
  callbacks.event = [self, watch](const control::WatchEvent& e) {
    postToGui(self, [watch, e](DeployController& d) {
      if (watch != d.watch_) return;
      emit d.log(QStringLiteral("[%1 s] %2: %3")
                     .arg(e.t_ms / 1000.0, 0, 'f', 1)
                     .arg(toQString(e.kind), toQString(e.detail)));
      emit d.event(e.t_ms, toQString(e.kind), toQString(e.detail), toQString(e.agent));
    });
  };
  callbacks.finished = [self, watch](const Snapshot&) {
    postToGui(self, [watch](DeployController& d) {
      if (watch != d.watch_ || d.state_ != State::Running) return;
      // Every agent's part is over: a finite run ended, or it was stopped elsewhere.
      d.stopWatching();
      d.setState(State::Idle);
      emit d.log(tr("%1 is over on every agent").arg(d.deployment()));
      emit d.stopped(d.deployment());
    });
  };
  control::WatchOptions options;
  options.count_from_start = true;
  options.min_interval = std::chrono::milliseconds(std::max(topology_.metricsIntervalMs() / 2, 1));
  std::string error;
  watcher_ = control::MetricsWatcher::start(*client_, topology_.name, agents, std::move(callbacks),
                                            options, &error);
  if (!watcher_) emit log(tr("Cannot follow %1: %2").arg(deployment(), toQString(error)));
}

void DeployController::stopWatching() {
  ++watch_;
  if (watcher_) {
    watcher_->stop();
    watcher_.reset();
  }
}

void DeployController::stop() {
  if (state_ != State::Running) return;
  setState(State::Stopping);
  emit log(tr("Stopping %1…").arg(deployment()));
  client_->stopAsync(
      topology_.name, kDrain,
      [self = QPointer<DeployController>(this)](control::StopOutcome outcome) {
        postToGui(self, [outcome = std::move(outcome)](DeployController& d) {
          for (const control::AgentStopped& s : outcome.stopped) {
            emit d.log(s.drained ? tr("Stopped %1 on %2").arg(d.deployment(), toQString(s.agent))
                                 : tr("Stopped %1 on %2; %3 tuples were still queued")
                                       .arg(d.deployment(), toQString(s.agent))
                                       .arg(s.abandoned));
          }
          for (const control::AgentError& e : outcome.errors) {
            emit d.log(
                tr("Stopping on %1 failed: %2").arg(toQString(e.agent), toQString(e.message)));
          }
          if (!outcome.ok && outcome.stopped.empty()) {
            emit d.log(tr("Stop: %1").arg(toQString(outcome.message)));
          }
          d.stopWatching();
          d.setState(State::Idle);
          emit d.stopped(d.deployment());
          if (d.next_) {
            const std::unique_ptr<Pending> next = std::move(d.next_);
            d.deploy(next->topology, next->yaml, next->plan, next->resourcesBase);
          }
        });
      });
}

void DeployController::redeploy(const Topology& topology, const QByteArray& yaml, const Plan& plan,
                                const QString& resourcesBase) {
  if (state_ == State::Idle) {
    deploy(topology, yaml, plan, resourcesBase);
    return;
  }
  if (state_ != State::Running) return;
  next_ = std::make_unique<Pending>(Pending{topology, yaml, plan, resourcesBase});
  stop();
}

void DeployController::inject(const control::FaultSpec& fault) {
  if (state_ != State::Running) {
    emit faultFailed(tr("Nothing is deployed: deploy first, then inject faults."));
    return;
  }
  const QString what = toQString(fault.describe());
  emit log(tr("Injecting: %1").arg(what));
  client_->faultAsync(
      topology_.name, fault,
      [self = QPointer<DeployController>(this), what](control::FaultOutcome outcome) {
        postToGui(self, [what, outcome = std::move(outcome)](DeployController& d) {
          for (const auto& [agent, detail] : outcome.details) emit d.log(toQString(detail));
          if (!outcome.ok) {
            const QString message = tr("%1 failed: %2").arg(what, toQString(outcome.message));
            emit d.log(message);
            emit d.faultFailed(message);
          }
        });
      });
}

void DeployController::setState(State state) {
  if (state_ == state) return;
  state_ = state;
  emit stateChanged(state);
}

}  // namespace topolab::studio
