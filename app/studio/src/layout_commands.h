// Auto-layout: a layered, left-to-right placement of the whole topology,
// applied as one undoable move.
#pragma once

#include <QHash>
#include <QPointF>
#include <QString>

#include "topolab/engine/topology.h"

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

}  // namespace topolab::studio
