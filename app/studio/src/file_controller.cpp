// FileController: dialogs and QSettings around Document's open and save.
#include "file_controller.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QSettings>

#include "document.h"
#include "exporter.h"

namespace topolab::studio {

constexpr int kMaxRecent = 8;
constexpr char kRecentKey[] = "recentFiles";
const QString kFilter = QObject::tr("Topology files (*.yaml *.yml);;All files (*)");

FileController::FileController(Document& document, widgets::TopologyScene& scene,
                               QWidget& dialogParent, QObject* parent)
    : QObject(parent), document_(document), scene_(scene), dialogParent_(dialogParent) {}

QStringList FileController::recentFiles() const {
  return QSettings().value(kRecentKey).toStringList();
}

void FileController::remember(const QString& path) {
  QStringList files = recentFiles();
  const QString absolute = QFileInfo(path).absoluteFilePath();
  files.removeAll(absolute);
  files.prepend(absolute);
  while (files.size() > kMaxRecent) files.removeLast();
  QSettings().setValue(kRecentKey, files);
  emit recentFilesChanged();
}

bool FileController::openFile(const QString& path) {
  QString error;
  if (!document_.open(path, &error)) {
    QMessageBox::warning(&dialogParent_, tr("Open"),
                         tr("Cannot open %1:\n%2").arg(QFileInfo(path).fileName(), error));
    return false;
  }
  remember(path);
  emit message(tr("Opened %1").arg(path));
  return true;
}

void FileController::openDialog() {
  if (!maybeSave()) return;
  const QString path =
      QFileDialog::getOpenFileName(&dialogParent_, tr("Open topology"), {}, kFilter);
  if (!path.isEmpty()) openFile(path);
}

bool FileController::save() {
  if (document_.filePath().isEmpty()) return saveAs();
  QString error;
  if (!document_.saveAs(document_.filePath(), &error)) {
    QMessageBox::warning(&dialogParent_, tr("Save"), error);
    return false;
  }
  emit message(tr("Saved %1").arg(document_.filePath()));
  return true;
}

bool FileController::saveAs() {
  const QString path = QFileDialog::getSaveFileName(&dialogParent_, tr("Save topology"),
                                                    document_.filePath(), kFilter);
  if (path.isEmpty()) return false;
  QString error;
  if (!document_.saveAs(path, &error)) {
    QMessageBox::warning(&dialogParent_, tr("Save"), error);
    return false;
  }
  remember(path);
  emit message(tr("Saved %1").arg(path));
  return true;
}

void FileController::exportDialog(const QString& format) {
  const QString base = document_.filePath().isEmpty()
                           ? QStringLiteral("topology")
                           : QFileInfo(document_.filePath()).completeBaseName();
  const QString path = QFileDialog::getSaveFileName(
      &dialogParent_, tr("Export as %1").arg(format.toUpper()), base + QLatin1Char('.') + format,
      format == QLatin1String("svg") ? tr("SVG (*.svg)") : tr("PNG (*.png)"));
  if (path.isEmpty()) return;
  QString error;
  const bool ok = format == QLatin1String("svg") ? exportSvg(scene_, path, &error)
                                                 : exportPng(scene_, path, &error);
  if (!ok) {
    QMessageBox::warning(&dialogParent_, tr("Export"), error);
    return;
  }
  emit message(tr("Exported %1").arg(path));
}

bool FileController::maybeSave() {
  if (!document_.isModified()) return true;
  const auto answer = QMessageBox::question(
      &dialogParent_, tr("Unsaved changes"), tr("Save the changes to this topology first?"),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Cancel) return false;
  if (answer == QMessageBox::Save) return save();
  return true;
}

}  // namespace topolab::studio
