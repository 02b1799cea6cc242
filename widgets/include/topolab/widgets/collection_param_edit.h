// CollectionParamEdit: the property editor's field for a list or map param (a
// program's command line, its output fields, its environment). One line takes
// the canonical flow text, `[python3, split.py]` or `{RATE: "2000"}`, or the
// short forms `python3 split.py` and `RATE=2000 LANG=C`; a button opens a
// table of items (or name/value pairs). A valid edit is reported in canonical
// flow form; an invalid one is flagged on the line and not reported.
#pragma once

#include <QString>
#include <QWidget>
#include <optional>

#include "topolab/engine/catalogue.h"

class QLineEdit;
class QToolButton;

namespace topolab::widgets {

// The canonical flow text of `text` typed for `schema` (a StringList or
// StringMap param), accepting the short forms; nullopt with `error` set when
// it is not a list (map) or breaks the schema's item count.
std::optional<QString> canonicalCollectionText(const ParamSchema& schema, const QString& text,
                                               QString* error);

class CollectionParamEdit final : public QWidget {
  Q_OBJECT

 public:
  CollectionParamEdit(ParamSchema schema, QWidget* parent = nullptr);

  // Shows `text` (as written in the file) and clears any flagged problem.
  void setValueText(const QString& text);
  QLineEdit* lineEdit() const { return edit_; }
  // Why the typed text was not applied, or empty.
  QString problem() const { return problem_; }
  // Takes the typed text as if editing finished (for tests and focus changes).
  void commit();
  // Opens the table of items; accepting it reports the edit.
  void openTable();

 signals:
  // A valid change, in canonical flow form.
  void edited(const QString& text);

 private:
  void showProblem(const QString& problem);
  QString baseToolTip() const;

  ParamSchema schema_;
  QLineEdit* edit_;      // child
  QToolButton* button_;  // child
  QString shown_;        // the text last set from the model
  QString problem_;
};

}  // namespace topolab::widgets
