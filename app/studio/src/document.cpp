// Document: file I/O through the engine's loader and canonical writer.
#include "document.h"

#include <QFileInfo>
#include <QSaveFile>

#include "topolab/engine/spec.h"

namespace topolab::studio {

Document::Document(QObject* parent)
    : QObject(parent),
      model_(new widgets::TopologyModel(Catalogue::instance(), this)),
      undo_(new QUndoStack(this)) {}

void Document::setPath(const QString& path) {
  path_ = path;
  emit filePathChanged(path_);
}

void Document::newTopology() {
  Topology t;
  t.version = kFormatVersion;
  t.name = "untitled";
  undo_->clear();
  untitledFolder_.clear();
  model_->reset(std::move(t));
  undo_->setClean();
  setPath({});
}

void Document::adopt(Topology topology, const QString& folder) {
  undo_->clear();
  untitledFolder_ = folder.isEmpty() ? QString() : QFileInfo(folder).absoluteFilePath();
  model_->reset(std::move(topology));
  // Modified from the start, and no undo goes back to "clean": it has never been saved.
  undo_->resetClean();
  setPath({});
}

QString Document::baseFolder() const {
  return path_.isEmpty() ? untitledFolder_ : QFileInfo(path_).absolutePath();
}

bool Document::open(const QString& path, QString* error) {
  LoadResult loaded = loadTopologyFile(path.toStdString());
  if (!loaded.topology) {
    if (error) {
      QStringList lines;
      for (const Diagnostic& d : loaded.errors) lines << QString::fromStdString(d.format());
      *error = lines.join(QLatin1Char('\n'));
    }
    return false;
  }
  undo_->clear();
  model_->reset(std::move(*loaded.topology));
  undo_->setClean();
  setPath(QFileInfo(path).absoluteFilePath());
  return true;
}

QByteArray Document::text() const {
  return QByteArray::fromStdString(writeTopology(model_->topology()));
}

bool Document::saveAs(const QString& path, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(text()) < 0 || !file.commit()) {
    if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  undo_->setClean();
  setPath(QFileInfo(path).absoluteFilePath());
  return true;
}

}  // namespace topolab::studio
