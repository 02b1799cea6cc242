// ClusterController: the cluster the studio works with — opened from a
// cluster file, filled by the local lab, or agents added by hand — its client
// and what each agent last said to Hello. Hello runs on the client's worker
// thread every few seconds; results arrive on the GUI thread as signals.
#pragma once

#include <QObject>
#include <QString>
#include <chrono>
#include <memory>
#include <vector>

#include "topolab/control/cluster.h"
#include "topolab/control/cluster_client.h"

class QTimer;

namespace topolab::studio {

class ClusterController final : public QObject {
  Q_OBJECT

 public:
  explicit ClusterController(QObject* parent = nullptr);
  ~ClusterController() override;

  // Replaces the cluster with the agents of `path` (tokens are read now);
  // false with `error` (FILE:LINE:COL lines) when the file has problems.
  [[nodiscard]] bool openFile(const QString& path, QString* error);
  // Adds one agent; false with `error` naming the field at fault (a bad name
  // or address, a duplicate, an unreadable token file).
  [[nodiscard]] bool addAgent(const QString& name, const QString& address, const QString& tokenFile,
                              QString* error);
  // Forgets every agent.
  void clear();

  const control::ClusterFile& cluster() const { return cluster_; }
  bool isEmpty() const { return cluster_.agents.empty(); }
  // Where the cluster came from: a file path, or a description.
  QString source() const;
  // The client for the current cluster (nullptr when empty). Shared so that a
  // running deployment keeps its own while the cluster changes.
  std::shared_ptr<control::ClusterClient> client() const { return client_; }

  // The newest Hello per agent, in cluster order (empty before the first answer).
  const std::vector<control::AgentHello>& hellos() const { return hellos_; }
  const control::AgentHello* hello(const QString& agent) const;
  // Every agent answered the last Hello.
  bool allReachable() const;

  // Asks every agent now (results come as hellosChanged()).
  void refresh();
  void setRefreshInterval(std::chrono::milliseconds interval);

 signals:
  void clusterChanged();
  void hellosChanged();
  void message(const QString& text);

 private:
  [[nodiscard]] bool setCluster(control::ClusterFile cluster, QString* error);

  control::ClusterFile cluster_;
  std::shared_ptr<control::ClusterClient> client_;
  std::vector<control::AgentHello> hellos_;
  quint64 generation_ = 0;  // answers from a replaced client are dropped
  bool asking_ = false;
  QTimer* refreshTimer_;  // child
};

}  // namespace topolab::studio
