// FileController: the file side of the studio — open, save, save as, recent
// files (QSettings), export — with the dialogs they need. Errors reach the
// user as a message box on `dialogParent`.
#pragma once

#include <QObject>
#include <QStringList>

class QWidget;

namespace topolab::widgets {
class TopologyScene;
}

namespace topolab::studio {

class Document;

class FileController final : public QObject {
  Q_OBJECT

 public:
  FileController(Document& document, widgets::TopologyScene& scene, QWidget& dialogParent,
                 QObject* parent = nullptr);

  bool openFile(const QString& path);
  void openDialog();
  bool save();
  bool saveAs();
  void exportDialog(const QString& format);  // "png" or "svg"
  // Offers to save unsaved changes; false when the user cancels.
  bool maybeSave();
  QStringList recentFiles() const;

 signals:
  void recentFilesChanged();
  void message(const QString& text);

 private:
  void remember(const QString& path);

  Document& document_;
  widgets::TopologyScene& scene_;
  QWidget& dialogParent_;
};

}  // namespace topolab::studio
