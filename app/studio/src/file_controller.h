// FileController: the file side of the studio — open, save, save as, recent
// files (QSettings), export, Storm Flux import and export — with the dialogs
// they need. Errors reach the user as a message box on `dialogParent`;
// warnings and what was done also go to log().
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
  // File → Import Flux…: asks for a Flux file (and a properties file when it
  // uses ${…}), then importFlux(); true when something was imported.
  bool importFluxDialog();
  // Opens Storm Flux file `path` as a new untitled document (laid out when
  // the file places nothing; relative resources are found from the Flux
  // file's folder); its warnings go to log(). `properties`: Flux's --filter
  // file; `environment`: replace ${ENV-NAME} (Flux's -e). False with a
  // message box (and the errors in log()) when it cannot be imported.
  bool importFlux(const QString& path, const QString& properties = {}, bool environment = false);
  // Export → Flux…: asks where, then exportFlux().
  void exportFluxDialog();
  // Writes the open topology as a Flux file Storm's Flux loads; its warnings go to log().
  [[nodiscard]] bool exportFlux(const QString& path, QString* error);
  // Offers to save unsaved changes; false when the user cancels.
  bool maybeSave();
  QStringList recentFiles() const;

 signals:
  void recentFilesChanged();
  void message(const QString& text);
  // A line for the log dock.
  void log(const QString& line);

 private:
  void remember(const QString& path);

  Document& document_;
  widgets::TopologyScene& scene_;
  QWidget& dialogParent_;
};

}  // namespace topolab::studio
