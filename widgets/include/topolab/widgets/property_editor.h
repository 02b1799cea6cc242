// PropertyEditor: the fields of one component, generated from its type's
// param schema (spin boxes with the schema's range, combos for enums, line
// edits for strings, a line and a table for lists and maps; each param's doc
// as its tooltip; a placement line taking comma-separated agent names, offered
// from the known cluster), or of one stream (its grouping, the fields a fields
// grouping hashes — key, value and the names the sender declares — and its
// transport). It only reports edits; a controller turns them into undo commands.
#pragma once

#include <QHash>
#include <QPair>
#include <QWidget>

#include "topolab/engine/topology.h"

class QFormLayout;
class QLabel;
class QStringListModel;

namespace topolab::widgets {

class TopologyModel;

class PropertyEditor final : public QWidget {
  Q_OBJECT

 public:
  explicit PropertyEditor(TopologyModel& model, QWidget* parent = nullptr);

  // Shows `id` (empty: nothing selected).
  void setComponent(const QString& id);
  const QString& component() const { return id_; }
  // Shows stream from → to (empty: nothing selected).
  void setStream(const QString& from, const QString& to);
  QPair<QString, QString> stream() const { return {streamFrom_, streamTo_}; }
  // The editor of param `name` (for tests and focus), or nullptr.
  QWidget* editorFor(const QString& name) const { return editors_.value(name); }
  // The agents of the known cluster, offered while typing a placement (empty: none known).
  void setAgentNames(const QStringList& names);
  const QStringList& agentNames() const { return agents_; }

 signals:
  void paramEdited(const QString& id, const QString& name, const QString& text);
  void paramReset(const QString& id, const QString& name);
  void parallelismEdited(const QString& id, int parallelism);
  // Valid agent names only; empty removes the placement.
  void placementEdited(const QString& id, const QStringList& agents);
  void renameRequested(const QString& id, const QString& newId);
  // `fields` is empty unless `type` is Fields.
  void groupingEdited(const QString& from, const QString& to, GroupingType type,
                      const QStringList& fields);
  void transportEdited(const QString& from, const QString& to, Transport transport);

 private:
  void rebuild();
  void rebuildStream();
  void refreshValues();
  void refreshStream();
  void emitGrouping();
  QWidget* makeEditor(const QString& name);
  QWidget* makePlacementEditor();
  void commitPlacement();
  void showPlacementProblem(const QString& problem);

  TopologyModel& model_;
  QString id_;
  QString streamFrom_, streamTo_;
  QString shownType_;
  QFormLayout* form_ = nullptr;
  QWidget* body_ = nullptr;
  QLabel* title_ = nullptr;
  QHash<QString, QWidget*> editors_;  // children of body_
  QStringList fieldNames_;            // a stream's fields offered for a fields grouping
  QStringList agents_;
  QStringListModel* agentModel_;  // child; the placement completer's choices
};

}  // namespace topolab::widgets
