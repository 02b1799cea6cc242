// Stream commands: a connect appends, so building a file stream by stream keeps its order.
#include "stream_commands.h"

namespace topolab::studio {

using widgets::toQString;

ConnectCommand::ConnectCommand(TopologyModel& model, Stream stream, QUndoCommand* parent)
    : QUndoCommand(parent), model_(model), stream_(std::move(stream)) {
  setText(QObject::tr("Connect %1 → %2").arg(toQString(stream_.from), toQString(stream_.to)));
}

void ConnectCommand::redo() { model_.insertStream(-1, stream_); }

void ConnectCommand::undo() {
  model_.takeStream(static_cast<int>(model_.topology().streams.size()) - 1);
}

DisconnectCommand::DisconnectCommand(TopologyModel& model, int index, QUndoCommand* parent)
    : QUndoCommand(parent),
      model_(model),
      index_(index),
      stream_(model.topology().streams.at(static_cast<size_t>(index))) {
  setText(QObject::tr("Disconnect %1 → %2").arg(toQString(stream_.from), toQString(stream_.to)));
}

void DisconnectCommand::redo() { model_.takeStream(index_); }
void DisconnectCommand::undo() { model_.insertStream(index_, stream_); }

SetStreamCommand::SetStreamCommand(TopologyModel& model, int index, Stream stream,
                                   QUndoCommand* parent)
    : QUndoCommand(parent),
      model_(model),
      index_(index),
      to_(std::move(stream)),
      before_(model.topology().streams.at(static_cast<size_t>(index))) {
  setText(QObject::tr("Change stream %1 → %2").arg(toQString(to_.from), toQString(to_.to)));
}

void SetStreamCommand::redo() { model_.replaceStream(index_, to_); }
void SetStreamCommand::undo() { model_.replaceStream(index_, before_); }

}  // namespace topolab::studio
