// Auto-layout: a layered, left-to-right placement of the whole topology,
// applied as one undoable move; and "group": the same placement for a few
// selected components, packed into one block where the selection starts.
#pragma once

#include <QHash>
#include <QPointF>
#include <QString>

#include "topolab/engine/topology.h"

#include <QStringList>

class QUndoCommand;

namespace topolab::widgets {
class TopologyModel;
}

namespace topolab::studio {

inline constexpr double kLayerSpacing = 220;
inline constexpr double kRowSpacing = 120;

// Layer = longest path from a source; rows within a layer follow the average
// row of their inputs; every layer is centred on the tallest one.
QHash<QString, QPointF> layeredLayout(const Topology& topology);

// A MoveCommand placing every component by layeredLayout(), titled "Auto-layout".
QUndoCommand* makeAutoLayoutCommand(widgets::TopologyModel& model);

// "Group" as the file can keep it (DESIGN.md §2 has no group key; `layout:`
// holds only {x, y} per id): a MoveCommand titled "Group" that packs `ids`
// into one left-to-right block whose top left is the selection's top left.
QUndoCommand* makeGroupCommand(widgets::TopologyModel& model, const QStringList& ids);

}  // namespace topolab::studio
