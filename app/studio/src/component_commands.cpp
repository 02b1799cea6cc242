// Component commands: each undo restores exactly what redo changed, indices included,
// so undo-all then redo-all writes the same bytes.
#include "component_commands.h"

#include <algorithm>

namespace topolab::studio {

using widgets::toQString;
using widgets::toStd;

AddComponentCommand::AddComponentCommand(TopologyModel& model, Component component,
                                         std::optional<QPointF> position, QUndoCommand* parent)
    : QUndoCommand(parent), model_(model), component_(std::move(component)), position_(position) {
  setText(QObject::tr("Add %1").arg(toQString(component_.id)));
}

void AddComponentCommand::redo() {
  model_.insertComponent(-1, component_);
  if (position_) {
    LayoutPos pos;
    pos.id = component_.id;
    pos.x = position_->x();
    pos.y = position_->y();
    model_.putLayout(pos);
  }
}

void AddComponentCommand::undo() {
  const QString id = toQString(component_.id);
  if (position_) model_.eraseLayout(id);
  model_.takeComponent(id);
}

RemoveComponentsCommand::RemoveComponentsCommand(TopologyModel& model, const QStringList& ids,
                                                 const QList<QPair<QString, QString>>& streams,
                                                 QUndoCommand* parent)
    : QUndoCommand(parent), model_(model) {
  const Topology& t = model.topology();
  std::vector<std::string> keys;
  for (const QString& id : ids) keys.push_back(toStd(id));
  auto listed = [&](const std::string& id) {
    return std::find(keys.begin(), keys.end(), id) != keys.end();
  };
  for (size_t i = 0; i < t.components.size(); ++i) {
    if (listed(t.components[i].id)) components_.emplace_back(static_cast<int>(i), t.components[i]);
  }
  for (size_t i = 0; i < t.layout.size(); ++i) {
    if (listed(t.layout[i].id)) layout_.emplace_back(static_cast<int>(i), t.layout[i]);
  }
  for (size_t i = 0; i < t.streams.size(); ++i) {
    const QPair<QString, QString> ends{toQString(t.streams[i].from), toQString(t.streams[i].to)};
    if (listed(t.streams[i].from) || listed(t.streams[i].to) || streams.contains(ends))
      streams_.emplace_back(static_cast<int>(i), t.streams[i]);
  }
  if (ids.isEmpty()) {
    setText(QObject::tr("Remove %n streams", nullptr, int(streams_.size())));
  } else {
    setText(ids.size() == 1 ? QObject::tr("Remove %1").arg(ids.front())
                            : QObject::tr("Remove %n components", nullptr, int(ids.size())));
  }
}

void RemoveComponentsCommand::redo() {
  // Streams first, highest index first, so the scene never sees a dangling edge.
  for (auto it = streams_.rbegin(); it != streams_.rend(); ++it) model_.takeStream(it->first);
  for (auto it = layout_.rbegin(); it != layout_.rend(); ++it)
    model_.eraseLayout(toQString(it->second.id));
  for (auto it = components_.rbegin(); it != components_.rend(); ++it)
    model_.takeComponent(toQString(it->second.id));
}

void RemoveComponentsCommand::undo() {
  for (const auto& [index, c] : components_) model_.insertComponent(index, c);
  for (const auto& [index, pos] : layout_) model_.putLayout(pos, index);
  for (const auto& [index, s] : streams_) model_.insertStream(index, s);
}

MoveCommand::MoveCommand(TopologyModel& model, const QHash<QString, QPointF>& positions, int drag,
                         QUndoCommand* parent)
    : QUndoCommand(parent), model_(model), to_(positions), drag_(drag) {
  QStringList ids = positions.keys();
  // File order, so components without an entry get theirs in a predictable order.
  std::sort(ids.begin(), ids.end(), [&](const QString& a, const QString& b) {
    return model.componentIndex(a) < model.componentIndex(b);
  });
  for (const QString& id : ids) {
    Before b;
    if (const LayoutPos* p = model.layoutEntry(id, &b.index)) b.pos = *p;
    before_.insert(id, b);
  }
  order_ = ids;
  setText(ids.size() == 1 ? QObject::tr("Move %1").arg(ids.front())
                          : QObject::tr("Move %n components", nullptr, int(ids.size())));
}

void MoveCommand::redo() {
  for (const QString& id : order_) {
    const QPointF p = to_.value(id);
    const LayoutPos* now = model_.layoutEntry(id);
    if (now && now->x == p.x() && now->y == p.y()) continue;
    LayoutPos pos;
    pos.id = toStd(id);
    pos.x = p.x();
    pos.y = p.y();
    model_.putLayout(pos);
  }
}

void MoveCommand::undo() {
  // Reverse order: entries this command appended come off the end first.
  for (auto it = order_.crbegin(); it != order_.crend(); ++it) {
    const Before& b = before_[*it];
    if (b.pos) {
      model_.putLayout(*b.pos, b.index);
    } else {
      model_.eraseLayout(*it);
    }
  }
}

bool MoveCommand::mergeWith(const QUndoCommand* other) {
  const auto* move = static_cast<const MoveCommand*>(other);
  if (move->drag_ != drag_ || drag_ < 0) return false;
  for (const QString& id : move->order_) {
    if (!before_.contains(id)) {
      before_.insert(id, move->before_.value(id));
      order_ << id;
    }
    to_.insert(id, move->to_.value(id));
  }
  return true;
}

RenameComponentCommand::RenameComponentCommand(TopologyModel& model, QString from, QString to,
                                               QUndoCommand* parent)
    : QUndoCommand(parent), model_(model), from_(std::move(from)), to_(std::move(to)) {
  setText(QObject::tr("Rename %1 to %2").arg(from_, to_));
}

void RenameComponentCommand::redo() { model_.renameComponent(from_, to_); }
void RenameComponentCommand::undo() { model_.renameComponent(to_, from_); }

SetParamCommand::SetParamCommand(TopologyModel& model, QString id, std::string name,
                                 std::optional<std::string> text, bool flow, QUndoCommand* parent)
    : QUndoCommand(parent),
      model_(model),
      id_(std::move(id)),
      name_(std::move(name)),
      text_(std::move(text)),
      flow_(flow) {
  if (const Component* c = model.component(id_)) {
    for (size_t i = 0; i < c->params.size(); ++i) {
      if (c->params[i].name == name_) {
        before_ = c->params[i];
        index_ = static_cast<int>(i);
      }
    }
  }
  setText(text_ ? QObject::tr("Set %1.%2 = %3").arg(id_, toQString(name_), toQString(*text_))
                : QObject::tr("Reset %1.%2").arg(id_, toQString(name_)));
}

void SetParamCommand::redo() {
  if (!text_) {
    model_.setParam(id_, name_, std::nullopt);
    return;
  }
  ParamEntry p;
  p.name = name_;
  p.text = *text_;
  p.flow = flow_;
  model_.setParam(id_, name_, p);
}

void SetParamCommand::undo() {
  if (before_) {
    // Remove first so the old entry goes back to its old place in the file.
    model_.setParam(id_, name_, std::nullopt);
    model_.setParam(id_, name_, before_, index_);
  } else {
    model_.setParam(id_, name_, std::nullopt);
  }
}

SetParallelismCommand::SetParallelismCommand(TopologyModel& model, QString id,
                                             std::optional<int> parallelism, QUndoCommand* parent)
    : QUndoCommand(parent), model_(model), id_(std::move(id)), to_(parallelism) {
  if (const Component* c = model.component(id_)) before_ = c->parallelism;
  setText(QObject::tr("Set %1.parallelism").arg(id_));
}

void SetParallelismCommand::redo() { model_.setParallelism(id_, to_); }
void SetParallelismCommand::undo() { model_.setParallelism(id_, before_); }

SetPlacementCommand::SetPlacementCommand(TopologyModel& model, QString id,
                                         std::vector<std::string> agents, QUndoCommand* parent)
    : QUndoCommand(parent), model_(model), id_(std::move(id)), to_(std::move(agents)) {
  if (const Component* c = model.component(id_)) before_ = c->placement;
  setText(to_.empty() ? QObject::tr("Reset %1.placement").arg(id_)
                      : QObject::tr("Set %1.placement").arg(id_));
}

void SetPlacementCommand::redo() { model_.setPlacement(id_, to_); }
void SetPlacementCommand::undo() { model_.setPlacement(id_, before_); }

SetHeaderCommand::SetHeaderCommand(TopologyModel& model, widgets::TopologyHeader header,
                                   QUndoCommand* parent)
    : QUndoCommand(parent), model_(model), to_(std::move(header)), before_(model.header()) {
  setText(QObject::tr("Edit topology settings"));
}

void SetHeaderCommand::redo() { model_.setHeader(to_); }
void SetHeaderCommand::undo() { model_.setHeader(before_); }

}  // namespace topolab::studio
