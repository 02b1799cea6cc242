// TopologyModel: the one QObject adapter through which the GUI sees and edits
// a plain `topolab::Topology`. Views read it and react to its signals; the
// mutating methods are meant to be called only by undo commands.
#pragma once

#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

#include "topolab/engine/catalogue.h"
#include "topolab/engine/topology.h"

namespace topolab::widgets {

// One validation problem, tied to a component or a stream when it names one.
struct Problem {
  QString message;  // as the validator wrote it
  int line = 0;
  int col = 0;
  QString component;               // empty: not about one component
  QString stream_from, stream_to;  // both set: about one stream
};

// What of a topology is not a component, stream or position.
struct TopologyHeader {
  int version = 0;
  std::string name;
  std::optional<std::string> description;
  std::optional<Defaults> defaults;
  std::optional<Slo> slo;
};

class TopologyModel : public QObject {
  Q_OBJECT

 public:
  explicit TopologyModel(const Catalogue& catalogue = Catalogue::instance(),
                         QObject* parent = nullptr);

  const Topology& topology() const { return topology_; }
  const Catalogue& catalogue() const { return catalogue_; }
  const Component* component(const QString& id) const;
  QStringList componentIds() const;             // in file order
  int componentIndex(const QString& id) const;  // -1 when absent
  // The type of `id`, or nullptr for an unknown type or id.
  const ComponentType* typeOf(const QString& id) const;
  Role roleOf(const QString& id) const;  // Bolt when the type is unknown
  // The canvas position: the layout entry, or a stable fallback by file order.
  QPointF position(const QString& id) const;
  bool hasLayout(const QString& id) const;
  const LayoutPos* layoutEntry(const QString& id, int* index = nullptr) const;
  int streamIndex(const QString& from, const QString& to) const;  // -1 when absent
  // An id not used yet, `base` or `base2`, `base3`…
  QString uniqueId(const QString& base) const;
  TopologyHeader header() const;

  const std::vector<Problem>& problems() const { return problems_; }
  QStringList problemsOf(const QString& id) const;
  QStringList problemsOfStream(const QString& from, const QString& to) const;
  void setProblems(std::vector<Problem> problems);

  // Edits: each emits the matching signal, then edited().
  void reset(Topology topology);
  void insertComponent(int index, Component component);
  Component takeComponent(const QString& id);
  void putLayout(LayoutPos pos, int index = -1);  // replaces an entry for the id, or inserts
  void eraseLayout(const QString& id);
  void insertStream(int index, Stream stream);
  Stream takeStream(int index);
  void replaceStream(int index, Stream stream);
  // Sets (or with nullopt removes) a param; a new param goes to `index` or the end.
  void setParam(const QString& id, const std::string& name, std::optional<ParamEntry> value,
                int index = -1);
  void setParallelism(const QString& id, std::optional<int> parallelism);
  // The agents `id` runs on; empty removes the `placement` key.
  void setPlacement(const QString& id, std::vector<std::string> agents);
  void renameComponent(const QString& from, const QString& to);
  void setHeader(TopologyHeader header);

 signals:
  void modelReset();
  void componentAdded(const QString& id);
  void componentRemoved(const QString& id);
  void componentChanged(const QString& id);
  void componentMoved(const QString& id);
  void componentRenamed(const QString& from, const QString& to);
  void streamAdded(const QString& from, const QString& to);
  void streamRemoved(const QString& from, const QString& to);
  void streamChanged(const QString& from, const QString& to);
  void headerChanged();
  void layoutChanged();
  void problemsChanged();
  // After any edit of the topology (not of the problems).
  void edited();

 private:
  Component* mutableComponent(const QString& id);

  const Catalogue& catalogue_;
  Topology topology_;
  std::vector<Problem> problems_;
};

QString toQString(const std::string& s);
std::string toStd(const QString& s);

}  // namespace topolab::widgets
