// Layered layout (a small Sugiyama): longest-path layers, barycentre rows.
#include "layout_commands.h"

#include <algorithm>
#include <limits>
#include <map>

#include "component_commands.h"
#include "topolab/engine/spec.h"

namespace topolab::studio {

QHash<QString, QPointF> layeredLayout(const Topology& topology) {
  const std::vector<std::string> order = topologicalOrder(topology);
  std::map<std::string, int> layer;
  for (const std::string& id : order) layer[id] = 0;
  // In topological order one pass settles the longest path (cycles just stop growing).
  for (const std::string& id : order) {
    for (const Stream& s : topology.streams) {
      if (s.from == id && layer.count(s.to) && layer[s.to] <= layer[id] && s.to != s.from) {
        layer[s.to] = std::max(layer[s.to], layer[id] + 1);
      }
    }
  }
  int layers = 0;
  for (const auto& [id, l] : layer) layers = std::max(layers, l + 1);
  std::vector<std::vector<std::string>> rows(static_cast<size_t>(layers));
  std::map<std::string, double> row;
  for (const Component& c : topology.components) {
    if (layer.count(c.id)) rows[static_cast<size_t>(layer[c.id])].push_back(c.id);
  }
  for (auto& ids : rows) {
    // Barycentre of the inputs' rows; ties keep file order (stable sort).
    std::map<std::string, double> key;
    for (size_t i = 0; i < ids.size(); ++i) {
      double sum = 0;
      int n = 0;
      for (const Stream& s : topology.streams) {
        if (s.to == ids[i] && row.count(s.from)) {
          sum += row[s.from];
          ++n;
        }
      }
      key[ids[i]] = n ? sum / n : static_cast<double>(i);
    }
    std::stable_sort(ids.begin(), ids.end(),
                     [&](const std::string& a, const std::string& b) { return key[a] < key[b]; });
    for (size_t i = 0; i < ids.size(); ++i)
      row[ids[i]] = static_cast<double>(i) - (ids.size() - 1) / 2.0;
  }
  size_t tallest = 1;
  for (const auto& ids : rows) tallest = std::max(tallest, ids.size());
  const double centre = (static_cast<double>(tallest) - 1) / 2.0;
  QHash<QString, QPointF> out;
  for (const auto& [id, l] : layer) {
    out.insert(QString::fromStdString(id),
               QPointF(l * kLayerSpacing, (row[id] + centre) * kRowSpacing));
  }
  return out;
}

QUndoCommand* makeAutoLayoutCommand(widgets::TopologyModel& model) {
  auto* command = new MoveCommand(model, layeredLayout(model.topology()));
  command->setText(QObject::tr("Auto-layout"));
  return command;
}

QUndoCommand* makeGroupCommand(widgets::TopologyModel& model, const QStringList& ids) {
  // The selected part of the topology, in file order, with the streams inside it.
  const Topology& whole = model.topology();
  Topology part;
  QPointF topLeft(std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
  for (const Component& c : whole.components) {
    const QString id = QString::fromStdString(c.id);
    if (!ids.contains(id)) continue;
    part.components.push_back(c);
    const QPointF p = model.position(id);
    topLeft = QPointF(std::min(topLeft.x(), p.x()), std::min(topLeft.y(), p.y()));
  }
  for (const Stream& s : whole.streams) {
    if (ids.contains(QString::fromStdString(s.from)) && ids.contains(QString::fromStdString(s.to)))
      part.streams.push_back(s);
  }
  QHash<QString, QPointF> block = layeredLayout(part);
  QPointF origin(std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
  for (const QPointF& p : block)
    origin = QPointF(std::min(origin.x(), p.x()), std::min(origin.y(), p.y()));
  for (QPointF& p : block) p += topLeft - origin;
  auto* command = new MoveCommand(model, block);
  command->setText(QObject::tr("Group %n components", nullptr, static_cast<int>(block.size())));
  return command;
}

}  // namespace topolab::studio
