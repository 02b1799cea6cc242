// PropertyEditor: the fields of one component, generated from its type's
// param schema (spin boxes with the schema's range, combos for enums, line
// edits for strings; each param's doc as its tooltip). It only reports edits;
// a controller turns them into undo commands.
#pragma once

#include <QHash>
#include <QWidget>

class QFormLayout;
class QLabel;

namespace topolab::widgets {

class TopologyModel;

class PropertyEditor final : public QWidget {
  Q_OBJECT

 public:
  explicit PropertyEditor(TopologyModel& model, QWidget* parent = nullptr);

  // Shows `id` (empty: nothing selected).
  void setComponent(const QString& id);
  const QString& component() const { return id_; }
  // The editor of param `name` (for tests and focus), or nullptr.
  QWidget* editorFor(const QString& name) const { return editors_.value(name); }

 signals:
  void paramEdited(const QString& id, const QString& name, const QString& text);
  void paramReset(const QString& id, const QString& name);
  void parallelismEdited(const QString& id, int parallelism);
  void renameRequested(const QString& id, const QString& newId);

 private:
  void rebuild();
  void refreshValues();
  QWidget* makeEditor(const QString& name);

  TopologyModel& model_;
  QString id_;
  QString shownType_;
  QFormLayout* form_ = nullptr;
  QWidget* body_ = nullptr;
  QLabel* title_ = nullptr;
  QHash<QString, QWidget*> editors_;  // children of body_
};

}  // namespace topolab::widgets
