// EditController: the rules a drawn edit must follow before it becomes a command.
#include "edit_controller.h"

#include <QRegularExpression>
#include <QSet>
#include <algorithm>
#include <deque>
#include <set>

#include "component_commands.h"
#include "document.h"
#include "layout_commands.h"
#include "stream_commands.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"

namespace topolab::studio {

using widgets::toQString;
using widgets::toStd;

EditController::EditController(Document& document, QObject* parent)
    : QObject(parent), document_(document) {}

bool EditController::refuse(const QString& message) {
  emit refused(message);
  return false;
}

QString EditController::addComponent(const QString& type, std::optional<QPointF> position) {
  const ComponentType* t = document_.model().catalogue().find(toStd(type));
  if (!t) {
    refuse(tr("Unknown component type '%1'").arg(type));
    return {};
  }
  Component c;
  c.id = toStd(document_.model().uniqueId(type));
  c.type = t->name;
  if (!addComponent(c, position)) return {};
  return toQString(c.id);
}

bool EditController::addComponent(const Component& component, std::optional<QPointF> position) {
  if (document_.model().component(toQString(component.id)))
    return refuse(tr("There is already a component '%1'").arg(toQString(component.id)));
  document_.undoStack().push(new AddComponentCommand(document_.model(), component, position));
  return true;
}

QString EditController::whyNotConnect(const QString& from, const QString& to) const {
  const widgets::TopologyModel& m = document_.model();
  if (!m.component(from) || !m.component(to)) return tr("Both ends of a stream must exist");
  if (from == to) return tr("A stream cannot lead from %1 back to itself").arg(from);
  if (m.typeOf(from) && m.roleOf(from) == Role::Sink)
    return tr("%1 is a sink (%2): nothing flows out of a sink")
        .arg(from, toQString(m.component(from)->type));
  if (m.typeOf(to) && m.roleOf(to) == Role::Producer)
    return tr("%1 is a producer (%2): nothing flows into a producer")
        .arg(to, toQString(m.component(to)->type));
  if (m.streamIndex(from, to) >= 0) return tr("There is already a stream %1 → %2").arg(from, to);
  // A cycle: `from` is reachable from `to`.
  const std::string target = toStd(from);
  std::deque<std::string> queue{toStd(to)};
  QSet<QString> seen;
  while (!queue.empty()) {
    const std::string at = queue.front();
    queue.pop_front();
    if (at == target) return tr("A stream %1 → %2 would close a cycle").arg(from, to);
    if (seen.contains(toQString(at))) continue;
    seen.insert(toQString(at));
    for (const Stream& s : m.topology().streams) {
      if (s.from == at) queue.push_back(s.to);
    }
  }
  return {};
}

bool EditController::connectComponents(const QString& from, const QString& to,
                                       const Grouping& grouping,
                                       std::optional<Transport> transport) {
  if (const QString why = whyNotConnect(from, to); !why.isEmpty()) return refuse(why);
  Stream s;
  s.from = toStd(from);
  s.to = toStd(to);
  s.grouping = grouping;
  s.transport = transport;
  document_.undoStack().push(new ConnectCommand(document_.model(), s));
  return true;
}

bool EditController::disconnect(const QString& from, const QString& to) {
  const int index = document_.model().streamIndex(from, to);
  if (index < 0) return refuse(tr("There is no stream %1 → %2").arg(from, to));
  document_.undoStack().push(new DisconnectCommand(document_.model(), index));
  return true;
}

bool EditController::setGrouping(const QString& from, const QString& to, GroupingType type,
                                 const QStringList& fields) {
  const int index = document_.model().streamIndex(from, to);
  if (index < 0) return refuse(tr("There is no stream %1 → %2").arg(from, to));
  Grouping g;
  g.type = type;
  g.present = true;
  if (type == GroupingType::Fields) {
    for (const QString& f : fields) {
      if (!f.trimmed().isEmpty()) g.fields.push_back(toStd(f.trimmed()));
    }
    if (g.fields.empty()) return refuse(tr("A fields grouping needs at least one field, e.g. key"));
  }
  const Stream& current = document_.model().topology().streams[static_cast<size_t>(index)];
  const Grouping& old = current.grouping;
  if (old.present && old.type == g.type && old.fields == g.fields) return true;
  // Keep a mapping written as one (`{type: shuffle}`), so only the edited words change.
  g.written_as_map = old.written_as_map;
  Stream s = current;
  s.grouping = g;
  document_.undoStack().push(new SetStreamCommand(document_.model(), index, s));
  return true;
}

bool EditController::setTransport(const QString& from, const QString& to, Transport transport) {
  const int index = document_.model().streamIndex(from, to);
  if (index < 0) return refuse(tr("There is no stream %1 → %2").arg(from, to));
  const Stream& current = document_.model().topology().streams[static_cast<size_t>(index)];
  if (current.transportOrAuto() == transport) return true;
  Stream s = current;
  if (transport == Transport::Auto) {
    s.transport.reset();
  } else {
    s.transport = transport;
  }
  document_.undoStack().push(new SetStreamCommand(document_.model(), index, s));
  return true;
}

bool EditController::removeComponents(const QStringList& ids) { return removeSelection(ids, {}); }

bool EditController::removeSelection(const QStringList& ids,
                                     const QList<QPair<QString, QString>>& streams) {
  if (ids.isEmpty() && streams.isEmpty()) return false;
  document_.undoStack().push(new RemoveComponentsCommand(document_.model(), ids, streams));
  return true;
}

void EditController::moveComponents(const QHash<QString, QPointF>& positions, int drag) {
  document_.undoStack().push(new MoveCommand(document_.model(), positions, drag));
}

bool EditController::renameComponent(const QString& id, const QString& newId) {
  static const QRegularExpression kId(QStringLiteral("^[A-Za-z][A-Za-z0-9_-]*$"));
  if (!document_.model().component(id)) return refuse(tr("There is no component '%1'").arg(id));
  if (!kId.match(newId).hasMatch())
    return refuse(
        tr("'%1' is not a valid id: start with a letter, then letters, digits, '_' or '-'")
            .arg(newId));
  if (document_.model().component(newId))
    return refuse(tr("There is already a component '%1'").arg(newId));
  document_.undoStack().push(new RenameComponentCommand(document_.model(), id, newId));
  return true;
}

bool EditController::setParam(const QString& id, const QString& name, const QString& text) {
  const ComponentType* type = document_.model().typeOf(id);
  if (!type) return refuse(tr("%1 has an unknown type; fix the type first").arg(id));
  const ParamSchema* schema = type->param(toStd(name));
  if (!schema) return refuse(tr("%1 has no param '%2'").arg(toQString(type->name), name));
  const Component* c = document_.model().component(id);
  std::string written = toStd(text);
  const bool collection =
      schema->type == ParamType::StringList || schema->type == ParamType::StringMap;
  if (collection) {
    // Kept in canonical flow form, as the reader keeps it; text that is not a
    // list (map) could not be written back as one, so it is refused here. Too
    // few or too many items are kept and shown as a problem, like any value.
    ParamSchema shape = *schema;
    shape.min.reset();
    shape.max.reset();
    std::string why;
    const std::optional<ParamValue> v = convertParam(shape, written, false, &why);
    if (!v) return refuse(tr("%1.%2: %3").arg(id, name, toQString(why)));
    if (const auto* l = std::get_if<StringList>(&*v)) written = flowText(*l);
    if (const auto* m = std::get_if<StringMap>(&*v)) written = flowText(*m);
  }
  if (const ParamEntry* p = c->param(toStd(name)); p && p->text == written && p->flow == collection)
    return true;
  document_.undoStack().push(
      new SetParamCommand(document_.model(), id, toStd(name), written, collection));
  return true;
}

bool EditController::resetParam(const QString& id, const QString& name) {
  const Component* c = document_.model().component(id);
  if (!c || !c->param(toStd(name))) return false;
  document_.undoStack().push(new SetParamCommand(document_.model(), id, toStd(name), std::nullopt));
  return true;
}

bool EditController::setParallelism(const QString& id, int parallelism) {
  const Component* c = document_.model().component(id);
  if (!c) return false;
  if (parallelism < 1 || parallelism > kMaxParallelism)
    return refuse(tr("parallelism must be in [1, %1]").arg(kMaxParallelism));
  if (c->instances() == parallelism) return true;
  document_.undoStack().push(new SetParallelismCommand(document_.model(), id, parallelism));
  return true;
}

bool EditController::setPlacement(const QString& id, const QStringList& agents) {
  const Component* c = document_.model().component(id);
  if (!c) return refuse(tr("There is no component '%1'").arg(id));
  std::vector<std::string> names;
  for (const QString& agent : agents) {
    const QString name = agent.trimmed();
    if (name.isEmpty()) continue;
    if (!isValidAgentName(toStd(name)))
      return refuse(tr("%1.placement: '%2' is not a valid agent name: use letters, digits, '-', "
                       "'_' and '.', starting with a letter or digit")
                        .arg(id, name));
    if (std::find(names.begin(), names.end(), toStd(name)) != names.end())
      return refuse(tr("%1.placement: agent '%2' is listed twice").arg(id, name));
    names.push_back(toStd(name));
  }
  if (c->placement == names) return true;
  document_.undoStack().push(new SetPlacementCommand(document_.model(), id, std::move(names)));
  return true;
}

void EditController::autoLayout() {
  document_.undoStack().push(makeAutoLayoutCommand(document_.model()));
}

bool EditController::group(const QStringList& ids) {
  QStringList present;
  for (const QString& id : ids) {
    if (document_.model().component(id)) present << id;
  }
  if (present.size() < 2) return refuse(tr("Select two or more components to group them"));
  document_.undoStack().push(makeGroupCommand(document_.model(), present));
  return true;
}

QByteArray EditController::copy(const QStringList& ids) const {
  const Topology& t = document_.model().topology();
  Topology part;
  part.version = kFormatVersion;
  part.name = "clipboard";
  std::set<std::string> keep;
  for (const QString& id : ids) keep.insert(toStd(id));
  for (const Component& c : t.components) {
    if (keep.count(c.id)) part.components.push_back(c);
  }
  for (const Stream& s : t.streams) {
    if (keep.count(s.from) && keep.count(s.to)) part.streams.push_back(s);
  }
  for (const Component& c : part.components) {
    const QPointF p = document_.model().position(toQString(c.id));
    LayoutPos pos;
    pos.id = c.id;
    pos.x = p.x();
    pos.y = p.y();
    part.layout.push_back(pos);
  }
  return QByteArray::fromStdString(writeTopology(part));
}

QStringList EditController::paste(const QByteArray& yaml, const QPointF& offset) {
  LoadResult loaded = parseTopology(yaml.toStdString(), "clipboard");
  if (!loaded.topology || loaded.topology->components.empty()) return {};
  widgets::TopologyModel& m = document_.model();
  auto* macro = new QUndoCommand(tr("Paste"));
  QHash<QString, QString> renamed;
  QStringList added;
  QSet<QString> taken;
  for (Component c : loaded.topology->components) {
    QString id = m.uniqueId(toQString(c.id));
    for (int n = 2; taken.contains(id) || m.component(id); ++n)
      id = toQString(c.id) + QString::number(n);
    taken.insert(id);
    renamed.insert(toQString(c.id), id);
    std::optional<QPointF> pos;
    for (const LayoutPos& p : loaded.topology->layout) {
      if (p.id == c.id) pos = QPointF(p.x, p.y) + offset;
    }
    c.id = toStd(id);
    new AddComponentCommand(m, c, pos, macro);
    added << id;
  }
  for (Stream s : loaded.topology->streams) {
    if (!renamed.contains(toQString(s.from)) || !renamed.contains(toQString(s.to))) continue;
    s.from = toStd(renamed.value(toQString(s.from)));
    s.to = toStd(renamed.value(toQString(s.to)));
    new ConnectCommand(m, s, macro);
  }
  document_.undoStack().push(macro);
  return added;
}

QStringList EditController::duplicate(const QStringList& ids) {
  if (ids.isEmpty()) return {};
  return paste(copy(ids), {40, 40});
}

}  // namespace topolab::studio
