// MainWindow: assembles the studio — the canvas in the middle, the palette,
// property editor and problem list as docks, and the menus and shortcuts.
// The work is done by the document and the controllers it wires together.
#pragma once

#include <QMainWindow>
#include <memory>

#include "topolab/widgets/canvas_painter.h"

class QMenu;

namespace topolab::widgets {
class PaletteWidget;
class ProblemList;
class PropertyEditor;
class TopologyScene;
class TopologyView;
}  // namespace topolab::widgets

namespace topolab::studio {

class Document;
class EditController;
class FileController;
class ValidationController;

class MainWindow final : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  Document& document() { return *document_; }
  FileController& files() { return *files_; }
  EditController& edits() { return *edits_; }
  widgets::TopologyScene& scene() { return *scene_; }
  widgets::TopologyView& view() { return *view_; }
  widgets::ProblemList& problems() { return *problems_; }

 protected:
  void closeEvent(QCloseEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  void createDocks();
  void createActions();
  void rebuildRecentMenu();
  void updateTitle();
  QPointF viewCentre() const;

  // Declared first: the scene and items draw with it until they are gone.
  std::unique_ptr<widgets::DesignPainter> painter_;
  Document* document_;                // child
  EditController* edits_;             // child
  ValidationController* validation_;  // child
  widgets::TopologyScene* scene_;     // child
  widgets::TopologyView* view_;       // child
  FileController* files_;             // child
  widgets::PaletteWidget* palette_ = nullptr;
  widgets::PropertyEditor* properties_ = nullptr;
  widgets::ProblemList* problems_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  QMenu* viewMenu_ = nullptr;
};

}  // namespace topolab::studio
