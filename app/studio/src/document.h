// Document: one open topology — its model, its undo stack and its file.
// Opening replaces the model (not undoable) and marks the stack clean;
// saving writes the canonical text and marks it clean again.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QUndoStack>

#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

class Document final : public QObject {
  Q_OBJECT

 public:
  explicit Document(QObject* parent = nullptr);

  widgets::TopologyModel& model() { return *model_; }
  QUndoStack& undoStack() { return *undo_; }
  const QString& filePath() const { return path_; }
  bool isModified() const { return !undo_->isClean(); }

  // Empty topology named "untitled".
  void newTopology();
  // Reads `path`. A file with errors still opens when it is well-formed YAML
  // (the problems show on the canvas); `error` gets why it could not open.
  [[nodiscard]] bool open(const QString& path, QString* error);
  [[nodiscard]] bool saveAs(const QString& path, QString* error);
  // The text save would write.
  QByteArray text() const;
  // Replaces the model with `topology` as a new untitled document that is
  // modified until saved (e.g. an imported Flux file). `folder` stands in for
  // the file's folder until then: relative resources are found there.
  void adopt(Topology topology, const QString& folder);
  // Where relative paths in the topology (shell components' `resources`) are
  // found: the file's folder, an adopted document's folder, or empty.
  QString baseFolder() const;

 signals:
  void filePathChanged(const QString& path);

 private:
  void setPath(const QString& path);

  widgets::TopologyModel* model_;  // child
  QUndoStack* undo_;               // child
  QString path_;
  QString untitledFolder_;  // baseFolder() while there is no path
};

}  // namespace topolab::studio
