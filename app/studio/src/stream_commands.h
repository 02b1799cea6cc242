// Undo commands for streams: connect (append a stream), disconnect and
// change (grouping, transport).
// Whether a stream may be drawn is the EditController's question, asked first.
#pragma once

#include <QUndoCommand>

#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

using widgets::TopologyModel;

class ConnectCommand final : public QUndoCommand {
 public:
  ConnectCommand(TopologyModel& model, Stream stream, QUndoCommand* parent = nullptr);
  void redo() override;
  void undo() override;

 private:
  TopologyModel& model_;
  Stream stream_;
};

class DisconnectCommand final : public QUndoCommand {
 public:
  // Removes the stream at `index`.
  DisconnectCommand(TopologyModel& model, int index, QUndoCommand* parent = nullptr);
  void redo() override;
  void undo() override;

 private:
  TopologyModel& model_;
  int index_;
  Stream stream_;
};

class SetStreamCommand final : public QUndoCommand {
 public:
  // Replaces the stream at `index` (same ends) with `stream`: its grouping or transport.
  SetStreamCommand(TopologyModel& model, int index, Stream stream, QUndoCommand* parent = nullptr);
  void redo() override;
  void undo() override;

 private:
  TopologyModel& model_;
  int index_;
  Stream to_, before_;
};

}  // namespace topolab::studio
