// PaletteWidget: the component types of the catalogue, grouped by role and
// filtered by a search box; drag one onto the canvas or activate it to add it.
#pragma once

#include <QWidget>

#include "topolab/engine/catalogue.h"

class QLineEdit;
class QTreeWidget;

namespace topolab::widgets {

class PaletteWidget final : public QWidget {
  Q_OBJECT

 public:
  explicit PaletteWidget(const Catalogue& catalogue, QWidget* parent = nullptr);
  // Focuses the search box (Ctrl+F).
  void focusSearch();
  void setFilter(const QString& text);
  // Type names currently shown, in order.
  QStringList visibleTypes() const;

 signals:
  void typeActivated(const QString& type);

 private:
  QLineEdit* search_;
  QTreeWidget* tree_;
};

}  // namespace topolab::widgets
