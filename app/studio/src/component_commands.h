// Undo commands that edit components: add, remove (with their streams and
// positions), move (consecutive steps of one drag merge), rename, params,
// parallelism, placement and the topology's header. Each captures what it needs to undo
// when it is made, and changes the model only through TopologyModel's edits.
#pragma once

#include <QHash>
#include <QPointF>
#include <QStringList>
#include <QUndoCommand>
#include <optional>
#include <vector>

#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

using widgets::TopologyModel;

enum CommandId { kMoveCommandId = 1 };

class AddComponentCommand final : public QUndoCommand {
 public:
  // Appends `component`; with `position`, also its layout entry.
  AddComponentCommand(TopologyModel& model, Component component,
                      std::optional<QPointF> position = std::nullopt,
                      QUndoCommand* parent = nullptr);
  void redo() override;
  void undo() override;

 private:
  TopologyModel& model_;
  Component component_;
  std::optional<QPointF> position_;
};

class RemoveComponentsCommand final : public QUndoCommand {
 public:
  // Removes `ids`, every stream to or from them, their layout entries and
  // the streams listed in `streams` (from, to).
  RemoveComponentsCommand(TopologyModel& model, const QStringList& ids,
                          const QList<QPair<QString, QString>>& streams = {},
                          QUndoCommand* parent = nullptr);
  void redo() override;
  void undo() override;

 private:
  TopologyModel& model_;
  std::vector<std::pair<int, Component>> components_;  // ascending index
  std::vector<std::pair<int, LayoutPos>> layout_;      // ascending index
  std::vector<std::pair<int, Stream>> streams_;        // ascending index
};

class MoveCommand final : public QUndoCommand {
 public:
  // Sets the layout position of each component; commands with the same
  // `drag` (>= 0) merge, so one drag is one undo step.
  MoveCommand(TopologyModel& model, const QHash<QString, QPointF>& positions, int drag = -1,
              QUndoCommand* parent = nullptr);
  void redo() override;
  void undo() override;
  int id() const override { return drag_ >= 0 ? kMoveCommandId : -1; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  struct Before {
    std::optional<LayoutPos> pos;
    int index = -1;
  };
  TopologyModel& model_;
  QHash<QString, QPointF> to_;
  QHash<QString, Before> before_;
  QStringList order_;  // ids in the order first moved, so new entries append predictably
  int drag_;
};

class RenameComponentCommand final : public QUndoCommand {
 public:
  RenameComponentCommand(TopologyModel& model, QString from, QString to,
                         QUndoCommand* parent = nullptr);
  void redo() override;
  void undo() override;

 private:
  TopologyModel& model_;
  QString from_, to_;
};

class SetParamCommand final : public QUndoCommand {
 public:
  // Sets param `name` of `id` to `text` as written, or removes it (nullopt);
  // `flow`: the text is a list or map in canonical flow form.
  SetParamCommand(TopologyModel& model, QString id, std::string name,
                  std::optional<std::string> text, bool flow = false,
                  QUndoCommand* parent = nullptr);
  void redo() override;
  void undo() override;

 private:
  TopologyModel& model_;
  QString id_;
  std::string name_;
  std::optional<std::string> text_;
  bool flow_;
  std::optional<ParamEntry> before_;
  int index_ = -1;
};

class SetParallelismCommand final : public QUndoCommand {
 public:
  SetParallelismCommand(TopologyModel& model, QString id, std::optional<int> parallelism,
                        QUndoCommand* parent = nullptr);
  void redo() override;
  void undo() override;

 private:
  TopologyModel& model_;
  QString id_;
  std::optional<int> to_, before_;
};

class SetPlacementCommand final : public QUndoCommand {
 public:
  // Sets the agents `id` runs on; an empty list removes the `placement` key.
  SetPlacementCommand(TopologyModel& model, QString id, std::vector<std::string> agents,
                      QUndoCommand* parent = nullptr);
  void redo() override;
  void undo() override;

 private:
  TopologyModel& model_;
  QString id_;
  std::vector<std::string> to_, before_;
};

class SetHeaderCommand final : public QUndoCommand {
 public:
  SetHeaderCommand(TopologyModel& model, widgets::TopologyHeader header,
                   QUndoCommand* parent = nullptr);
  void redo() override;
  void undo() override;

 private:
  TopologyModel& model_;
  widgets::TopologyHeader to_, before_;
};

}  // namespace topolab::studio
