// DeployController: one deployment of the open topology on the cluster —
// plan it, deploy it all-or-nothing, follow its merged metrics, inject
// faults, stop and redeploy it. The network work runs on the control layer's
// threads; every result reaches the GUI thread as a signal of this object.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>

#include "topolab/control/cluster_client.h"
#include "topolab/control/fault_spec.h"
#include "topolab/control/metrics_watcher.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/topology.h"

namespace topolab::studio {

class ClusterController;

// A load-balancer member that left (member-down) or rejoined (member-up)
// rotation between two rounds, as an event: kind and detail as the CLI prints them.
struct MemberEvent {
  qint64 t_ms = 0;
  QString kind;
  QString detail;
};
QList<MemberEvent> memberEvents(const Snapshot& prev, const Snapshot& cur);

class DeployController final : public QObject {
  Q_OBJECT

 public:
  enum class State { Idle, Deploying, Running, Stopping };
  Q_ENUM(State)

  explicit DeployController(ClusterController& cluster, QObject* parent = nullptr);
  ~DeployController() override;  // stops following (the deployment keeps running)

  // Validates `topology` against the catalogue and the cluster's agents and
  // places its instances; nullopt with `error` (one problem a line) when it
  // cannot be deployed there.
  [[nodiscard]] std::optional<Plan> planFor(const Topology& topology, QString* error) const;
  // Deploys `topology` (its text `yaml`) by `plan` on the current cluster;
  // shell components' relative `resources` folders are found in
  // `resourcesBase` (the topology file's folder) and shipped with it.
  // deployed() or deployFailed() follows. Only when Idle.
  void deploy(const Topology& topology, const QByteArray& yaml, const Plan& plan,
              const QString& resourcesBase = {});
  // Stops the deployment everywhere; stopped() follows.
  void stop();
  // Stops the running deployment, then deploys `topology` in its place.
  void redeploy(const Topology& topology, const QByteArray& yaml, const Plan& plan,
                const QString& resourcesBase = {});
  // Injects `fault` into the running deployment; the agents report it as an
  // event (through the metrics stream), a refusal comes as faultFailed().
  void inject(const control::FaultSpec& fault);

  State state() const { return state_; }
  // The deployment's name and plan (while Deploying, Running or Stopping).
  QString deployment() const;
  const Plan& plan() const { return plan_; }
  const Topology& topology() const { return topology_; }

 signals:
  void stateChanged(DeployController::State state);
  void deployed(const QString& name, const QStringList& agents, const QString& planId);
  // `agent` is the agent that refused (empty when the failure is not one
  // agent's); `message` says what failed, naming the agent and the phase.
  void deployFailed(const QString& agent, const QString& message);
  // One metrics round: the previous and the current merged cumulative snapshots.
  void round(const topolab::Snapshot& prev, const topolab::Snapshot& cur);
  // deploy, fault, stop, finished, agent-lost, agent-back, and member-down and
  // member-up from the rounds (t_ms on the deployment's clock).
  void event(qint64 tMs, const QString& kind, const QString& detail, const QString& agent);
  void stopped(const QString& name);
  void faultFailed(const QString& message);
  // Everything worth a line in the log.
  void log(const QString& line);

 private:
  struct Pending;

  void startWatching(const std::vector<std::string>& agents);
  void stopWatching();
  void setState(State state);

  ClusterController& cluster_;
  State state_ = State::Idle;
  std::shared_ptr<control::ClusterClient> client_;  // the one the deployment was made with
  control::MetricsWatcherPtr watcher_;
  quint64 watch_ = 0;  // rounds of an earlier watcher are dropped
  Topology topology_;
  Plan plan_;
  std::unique_ptr<Pending> next_;  // a redeploy waiting for the stop
};

}  // namespace topolab::studio
