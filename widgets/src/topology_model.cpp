// TopologyModel: reads and the small edits undo commands are built from.
#include "topolab/widgets/topology_model.h"

#include <algorithm>

namespace topolab::widgets {

QString toQString(const std::string& s) { return QString::fromStdString(s); }
std::string toStd(const QString& s) { return s.toStdString(); }

TopologyModel::TopologyModel(const Catalogue& catalogue, QObject* parent)
    : QObject(parent), catalogue_(catalogue) {
  topology_.version = 1;
  topology_.name = "untitled";
}

const Component* TopologyModel::component(const QString& id) const {
  return topology_.component(toStd(id));
}

Component* TopologyModel::mutableComponent(const QString& id) {
  return topology_.component(toStd(id));
}

QStringList TopologyModel::componentIds() const {
  QStringList ids;
  ids.reserve(static_cast<qsizetype>(topology_.components.size()));
  for (const Component& c : topology_.components) ids << toQString(c.id);
  return ids;
}

int TopologyModel::componentIndex(const QString& id) const {
  const std::string key = toStd(id);
  for (size_t i = 0; i < topology_.components.size(); ++i) {
    if (topology_.components[i].id == key) return static_cast<int>(i);
  }
  return -1;
}

const ComponentType* TopologyModel::typeOf(const QString& id) const {
  const Component* c = component(id);
  return c ? catalogue_.find(c->type) : nullptr;
}

Role TopologyModel::roleOf(const QString& id) const {
  const ComponentType* t = typeOf(id);
  return t ? t->role : Role::Bolt;
}

const LayoutPos* TopologyModel::layoutEntry(const QString& id, int* index) const {
  const std::string key = toStd(id);
  for (size_t i = 0; i < topology_.layout.size(); ++i) {
    if (topology_.layout[i].id == key) {
      if (index) *index = static_cast<int>(i);
      return &topology_.layout[i];
    }
  }
  return nullptr;
}

bool TopologyModel::hasLayout(const QString& id) const { return layoutEntry(id) != nullptr; }

QPointF TopologyModel::position(const QString& id) const {
  if (const LayoutPos* p = layoutEntry(id)) return {p->x, p->y};
  // Components the file does not place go in a row below the origin, by file order.
  const int i = std::max(0, componentIndex(id));
  return {220.0 * (i % 6), 360.0 + 120.0 * (i / 6)};
}

int TopologyModel::streamIndex(const QString& from, const QString& to) const {
  const std::string f = toStd(from), t = toStd(to);
  for (size_t i = 0; i < topology_.streams.size(); ++i) {
    if (topology_.streams[i].from == f && topology_.streams[i].to == t) return static_cast<int>(i);
  }
  return -1;
}

QString TopologyModel::uniqueId(const QString& base) const {
  QString stem = base;
  stem.replace(QLatin1Char('-'), QLatin1Char('_'));
  if (stem.isEmpty() || !stem.front().isLetter()) stem.prepend(QLatin1Char('c'));
  if (!component(stem)) return stem;
  for (int n = 2;; ++n) {
    const QString candidate = stem + QString::number(n);
    if (!component(candidate)) return candidate;
  }
}

TopologyHeader TopologyModel::header() const {
  return {topology_.version, topology_.name, topology_.description, topology_.defaults,
          topology_.slo};
}

QStringList TopologyModel::problemsOf(const QString& id) const {
  QStringList out;
  for (const Problem& p : problems_) {
    if (p.component == id) out << p.message;
  }
  return out;
}

QStringList TopologyModel::problemsOfStream(const QString& from, const QString& to) const {
  QStringList out;
  for (const Problem& p : problems_) {
    if (p.stream_from == from && p.stream_to == to) out << p.message;
  }
  return out;
}

void TopologyModel::setProblems(std::vector<Problem> problems) {
  problems_ = std::move(problems);
  emit problemsChanged();
}

void TopologyModel::reset(Topology topology) {
  topology_ = std::move(topology);
  emit modelReset();
  emit edited();
}

void TopologyModel::insertComponent(int index, Component component) {
  const QString id = toQString(component.id);
  auto& list = topology_.components;
  index =
      (index < 0 || index > static_cast<int>(list.size())) ? static_cast<int>(list.size()) : index;
  list.insert(list.begin() + index, std::move(component));
  emit componentAdded(id);
  emit edited();
}

Component TopologyModel::takeComponent(const QString& id) {
  const int index = componentIndex(id);
  Q_ASSERT(index >= 0);
  Component c = std::move(topology_.components[static_cast<size_t>(index)]);
  topology_.components.erase(topology_.components.begin() + index);
  emit componentRemoved(id);
  emit edited();
  return c;
}

void TopologyModel::putLayout(LayoutPos pos, int index) {
  const QString id = toQString(pos.id);
  int at = -1;
  if (layoutEntry(id, &at)) {
    topology_.layout[static_cast<size_t>(at)] = std::move(pos);
  } else {
    auto& list = topology_.layout;
    index = (index < 0 || index > static_cast<int>(list.size())) ? static_cast<int>(list.size())
                                                                 : index;
    list.insert(list.begin() + index, std::move(pos));
  }
  emit componentMoved(id);
  emit edited();
}

void TopologyModel::eraseLayout(const QString& id) {
  int at = -1;
  if (!layoutEntry(id, &at)) return;
  topology_.layout.erase(topology_.layout.begin() + at);
  emit componentMoved(id);
  emit edited();
}

void TopologyModel::insertStream(int index, Stream stream) {
  const QString from = toQString(stream.from), to = toQString(stream.to);
  auto& list = topology_.streams;
  index =
      (index < 0 || index > static_cast<int>(list.size())) ? static_cast<int>(list.size()) : index;
  list.insert(list.begin() + index, std::move(stream));
  emit streamAdded(from, to);
  emit edited();
}

Stream TopologyModel::takeStream(int index) {
  Q_ASSERT(index >= 0 && index < static_cast<int>(topology_.streams.size()));
  Stream s = std::move(topology_.streams[static_cast<size_t>(index)]);
  topology_.streams.erase(topology_.streams.begin() + index);
  emit streamRemoved(toQString(s.from), toQString(s.to));
  emit edited();
  return s;
}

void TopologyModel::replaceStream(int index, Stream stream) {
  Q_ASSERT(index >= 0 && index < static_cast<int>(topology_.streams.size()));
  const QString from = toQString(stream.from), to = toQString(stream.to);
  topology_.streams[static_cast<size_t>(index)] = std::move(stream);
  emit streamChanged(from, to);
  emit edited();
}

void TopologyModel::setParam(const QString& id, const std::string& name,
                             std::optional<ParamEntry> value, int index) {
  Component* c = mutableComponent(id);
  Q_ASSERT(c);
  auto it = std::find_if(c->params.begin(), c->params.end(),
                         [&](const ParamEntry& p) { return p.name == name; });
  if (!value) {
    if (it != c->params.end()) c->params.erase(it);
  } else if (it != c->params.end()) {
    *it = std::move(*value);
  } else {
    const int size = static_cast<int>(c->params.size());
    index = (index < 0 || index > size) ? size : index;
    c->params.insert(c->params.begin() + index, std::move(*value));
  }
  emit componentChanged(id);
  emit edited();
}

void TopologyModel::setParallelism(const QString& id, std::optional<int> parallelism) {
  Component* c = mutableComponent(id);
  Q_ASSERT(c);
  c->parallelism = parallelism;
  emit componentChanged(id);
  emit edited();
}

void TopologyModel::setPlacement(const QString& id, std::vector<std::string> agents) {
  Component* c = mutableComponent(id);
  Q_ASSERT(c);
  c->placement = std::move(agents);
  emit componentChanged(id);
  emit edited();
}

void TopologyModel::renameComponent(const QString& from, const QString& to) {
  Component* c = mutableComponent(from);
  Q_ASSERT(c);
  const std::string f = toStd(from), t = toStd(to);
  c->id = t;
  for (Stream& s : topology_.streams) {
    if (s.from == f) s.from = t;
    if (s.to == f) s.to = t;
  }
  for (LayoutPos& p : topology_.layout) {
    if (p.id == f) p.id = t;
  }
  emit componentRenamed(from, to);
  emit edited();
}

void TopologyModel::setHeader(TopologyHeader header) {
  topology_.version = header.version;
  topology_.name = std::move(header.name);
  topology_.description = std::move(header.description);
  topology_.defaults = std::move(header.defaults);
  topology_.slo = std::move(header.slo);
  emit headerChanged();
  emit edited();
}

}  // namespace topolab::widgets
