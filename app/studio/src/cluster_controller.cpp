// ClusterController: cluster files through topolab::control; Hello answers
// are posted back to the GUI thread with this object as their context.
#include "cluster_controller.h"

#include <QFileInfo>
#include <QPointer>
#include <QTimer>

#include "gui_post.h"
#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

using widgets::toQString;
using widgets::toStd;

namespace {

// `text` as a double-quoted YAML scalar.
std::string quoted(const QString& text) {
  std::string out = "\"";
  for (const char c : text.toStdString()) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

QString diagnostics(const std::vector<Diagnostic>& errors) {
  QStringList lines;
  for (const Diagnostic& d : errors) lines << toQString(d.format());
  return lines.join(u'\n');
}

}  // namespace

ClusterController::ClusterController(QObject* parent)
    : QObject(parent), refreshTimer_(new QTimer(this)) {
  refreshTimer_->setInterval(3000);
  connect(refreshTimer_, &QTimer::timeout, this, &ClusterController::refresh);
}

ClusterController::~ClusterController() = default;

bool ClusterController::openFile(const QString& path, QString* error) {
  const control::ClusterLoadResult loaded = control::loadClusterFile(toStd(path));
  if (!loaded.ok()) {
    *error = diagnostics(loaded.errors);
    return false;
  }
  return setCluster(*loaded.cluster, error);
}

bool ClusterController::addAgent(const QString& name, const QString& address,
                                 const QString& tokenFile, QString* error) {
  if (cluster_.agent(toStd(name.trimmed()))) {
    *error = tr("There is already an agent named '%1'.").arg(name.trimmed());
    return false;
  }
  // The cluster file reader checks the fields and reads the token, so an
  // agent added by hand meets exactly the rules of a file.
  const std::string yaml = "agents:\n  - {name: " + quoted(name.trimmed()) +
                           ", address: " + quoted(address.trimmed()) +
                           ", token_file: " + quoted(tokenFile.trimmed()) + "}\n";
  const control::ClusterLoadResult loaded = control::parseCluster(yaml, "agent");
  if (!loaded.ok()) {
    QStringList lines;
    for (const Diagnostic& d : loaded.errors) lines << toQString(d.message);
    *error = lines.join(u'\n');
    return false;
  }
  control::ClusterFile cluster = cluster_;
  if (cluster.path.empty()) cluster.path = "agents added in the studio";
  cluster.agents.push_back(loaded.cluster->agents.front());
  return setCluster(std::move(cluster), error);
}

void ClusterController::clear() {
  refreshTimer_->stop();
  ++generation_;
  asking_ = false;
  cluster_ = {};
  client_.reset();
  hellos_.clear();
  emit clusterChanged();
  emit hellosChanged();
}

bool ClusterController::setCluster(control::ClusterFile cluster, QString* error) {
  std::string why;
  std::shared_ptr<control::ClusterClient> client = control::ClusterClient::create(cluster, &why);
  if (!client) {
    *error = toQString(cluster.path + ": " + why);
    return false;
  }
  ++generation_;
  asking_ = false;
  cluster_ = std::move(cluster);
  client_ = std::move(client);
  hellos_.clear();
  emit clusterChanged();
  emit hellosChanged();
  emit message(tr("Cluster: %1 agent(s) from %2").arg(cluster_.agents.size()).arg(source()));
  refresh();
  refreshTimer_->start();
  return true;
}

QString ClusterController::source() const { return toQString(cluster_.path); }

const control::AgentHello* ClusterController::hello(const QString& agent) const {
  for (const control::AgentHello& h : hellos_) {
    if (toQString(h.agent) == agent) return &h;
  }
  return nullptr;
}

bool ClusterController::allReachable() const {
  return !hellos_.empty() && hellos_.size() == cluster_.agents.size() &&
         std::all_of(hellos_.begin(), hellos_.end(),
                     [](const control::AgentHello& h) { return h.ok(); });
}

void ClusterController::refresh() {
  // One Hello round at a time: an unreachable agent takes its whole deadline.
  if (!client_ || asking_) return;
  asking_ = true;
  const quint64 generation = generation_;
  client_->helloAsync([self = QPointer<ClusterController>(this),
                       generation](std::vector<control::AgentHello> hellos) {
    postToGui(self, [generation, hellos = std::move(hellos)](ClusterController& c) mutable {
      if (generation != c.generation_) return;
      c.asking_ = false;
      c.hellos_ = std::move(hellos);
      emit c.hellosChanged();
    });
  });
}

void ClusterController::setRefreshInterval(std::chrono::milliseconds interval) {
  refreshTimer_->setInterval(static_cast<int>(interval.count()));
}

}  // namespace topolab::studio
