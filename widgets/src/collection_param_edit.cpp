// CollectionParamEdit: short forms and the table both end in the catalogue's
// own conversion (convertParam) and canonical form (flowText).
#include "topolab/widgets/collection_param_edit.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSet>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include "topolab/widgets/canvas_painter.h"
#include "topolab/widgets/topology_model.h"

namespace topolab::widgets {
namespace {

bool isMap(const ParamSchema& s) { return s.type == ParamType::StringMap; }

QStringList splitWords(const QString& text) {
  static const QRegularExpression kComma(QStringLiteral("\\s*,\\s*"));
  static const QRegularExpression kSpace(QStringLiteral("\\s+"));
  return text.split(text.contains(u',') ? kComma : kSpace, Qt::SkipEmptyParts);
}

// The canonical text of a typed value, checked against the schema.
std::optional<QString> checked(const ParamSchema& schema, const std::string& flow, QString* error) {
  std::string why;
  std::optional<ParamValue> v = convertParam(schema, flow, false, &why);
  if (!v) {
    *error = toQString(why);
    return std::nullopt;
  }
  if (const auto* l = std::get_if<StringList>(&*v)) return toQString(flowText(*l));
  if (const auto* m = std::get_if<StringMap>(&*v)) {
    QSet<QString> names;
    for (const auto& [name, value] : *m) {
      if (names.contains(toQString(name))) {
        *error = QObject::tr("%1 is set twice").arg(toQString(name));
        return std::nullopt;
      }
      names.insert(toQString(name));
    }
    return toQString(flowText(*m));
  }
  *error = QObject::tr("not a list or map param");
  return std::nullopt;
}

// The items of canonical flow text, for the table (empty when it is not valid).
QList<QPair<QString, QString>> itemsOf(const ParamSchema& schema, const QString& text) {
  QList<QPair<QString, QString>> out;
  ParamSchema loose = schema;  // the table may show what breaks the count
  loose.min.reset();
  loose.max.reset();
  std::optional<ParamValue> v = convertParam(loose, toStd(text), false, nullptr);
  if (!v) return out;
  if (const auto* l = std::get_if<StringList>(&*v)) {
    for (const std::string& item : *l) out.append({toQString(item), QString()});
  } else if (const auto* m = std::get_if<StringMap>(&*v)) {
    for (const auto& [name, value] : *m) out.append({toQString(name), toQString(value)});
  }
  return out;
}

}  // namespace

std::optional<QString> canonicalCollectionText(const ParamSchema& schema, const QString& text,
                                               QString* error) {
  const QString t = text.trimmed();
  if (isMap(schema)) {
    if (t.isEmpty()) return checked(schema, "{}", error);
    if (t.startsWith(u'{')) return checked(schema, toStd(t), error);
    StringMap items;
    for (const QString& word : splitWords(t)) {
      const qsizetype eq = word.indexOf(u'=');
      if (eq <= 0) {
        *error = QObject::tr(
                     "write NAME=value pairs (RATE=2000 LANG=C) or {RATE: \"2000\"}, "
                     "not '%1'")
                     .arg(word);
        return std::nullopt;
      }
      items.emplace_back(toStd(word.left(eq)), toStd(word.mid(eq + 1)));
    }
    return checked(schema, flowText(items), error);
  }
  if (t.isEmpty()) return checked(schema, "[]", error);
  if (t.startsWith(u'[')) return checked(schema, toStd(t), error);
  StringList items;
  for (const QString& word : splitWords(t)) items.push_back(toStd(word));
  return checked(schema, flowText(items), error);
}

CollectionParamEdit::CollectionParamEdit(ParamSchema schema, QWidget* parent)
    : QWidget(parent),
      schema_(std::move(schema)),
      edit_(new QLineEdit(this)),
      button_(new QToolButton(this)) {
  auto* h = new QHBoxLayout(this);
  h->setContentsMargins(0, 0, 0, 0);
  h->setSpacing(2);
  h->addWidget(edit_, 1);
  h->addWidget(button_);
  const QString name = toQString(schema_.name);
  edit_->setObjectName(QStringLiteral("param-") + name);
  edit_->setPlaceholderText(isMap(schema_) ? tr("NAME=value …") : tr("item item …"));
  if (schema_.name == "command") edit_->setPlaceholderText(tr("program arguments…"));
  button_->setObjectName(QStringLiteral("table-") + name);
  button_->setText(QStringLiteral("…"));
  button_->setToolTip(isMap(schema_) ? tr("Edit the names and values in a table")
                                     : tr("Edit the items in a list"));
  connect(edit_, &QLineEdit::editingFinished, this, &CollectionParamEdit::commit);
  connect(button_, &QToolButton::clicked, this, &CollectionParamEdit::openTable);
}

QString CollectionParamEdit::baseToolTip() const {
  const QString hint = isMap(schema_)
                           ? tr("Write NAME=value pairs, or {NAME: value, …}")
                           : tr("Write the items separated by spaces (or commas), or [a, b, …]");
  return toolTip().isEmpty() ? hint : toolTip() + QStringLiteral("\n") + hint;
}

void CollectionParamEdit::setValueText(const QString& text) {
  shown_ = text;
  edit_->setText(text);
  showProblem({});
}

void CollectionParamEdit::commit() {
  if (edit_->text() == shown_) {
    showProblem({});
    return;
  }
  QString error;
  const std::optional<QString> text = canonicalCollectionText(schema_, edit_->text(), &error);
  if (!text) {
    showProblem(error);
    return;
  }
  showProblem({});
  if (*text == shown_) {
    edit_->setText(shown_);  // the same value written another way
    return;
  }
  edit_->setText(*text);
  emit edited(*text);
}

void CollectionParamEdit::showProblem(const QString& problem) {
  problem_ = problem;
  if (problem.isEmpty()) {
    edit_->setStyleSheet({});
    edit_->setToolTip(baseToolTip());
    return;
  }
  // Flagged and not applied until fixed, so the typed text stays to be corrected.
  const QColor colour = CanvasColors::fromPalette(palette()).problem;
  edit_->setStyleSheet(QStringLiteral("QLineEdit { border: 2px solid %1; }").arg(colour.name()));
  edit_->setToolTip(problem + QStringLiteral("\n\n") + baseToolTip());
}

void CollectionParamEdit::openTable() {
  const bool map = isMap(schema_);
  QDialog dialog(this);
  dialog.setObjectName(QStringLiteral("collectionTable"));
  dialog.setWindowTitle(toQString(schema_.name));
  auto* v = new QVBoxLayout(&dialog);
  auto* doc = new QLabel(toQString(schema_.doc), &dialog);
  doc->setWordWrap(true);
  v->addWidget(doc);
  auto* table = new QTableWidget(0, map ? 2 : 1, &dialog);
  table->setObjectName(QStringLiteral("items"));
  table->setHorizontalHeaderLabels(map ? QStringList{tr("name"), tr("value")}
                                       : QStringList{tr("item")});
  table->horizontalHeader()->setStretchLastSection(true);
  if (map) table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  table->verticalHeader()->setVisible(false);
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  // What is typed but not applied yet counts, if it reads.
  QString ignored;
  const QString start = canonicalCollectionText(schema_, edit_->text(), &ignored).value_or(shown_);
  auto addRow = [table, map](const QString& a, const QString& b) {
    const int row = table->rowCount();
    table->insertRow(row);
    table->setItem(row, 0, new QTableWidgetItem(a));
    if (map) table->setItem(row, 1, new QTableWidgetItem(b));
    return row;
  };
  for (const auto& [a, b] : itemsOf(schema_, start)) addRow(a, b);
  table->setMinimumSize(320, 180);
  v->addWidget(table, 1);

  auto* buttons = new QHBoxLayout;
  auto* add = new QPushButton(tr("Add"), &dialog);
  auto* remove = new QPushButton(tr("Remove"), &dialog);
  auto* up = new QPushButton(tr("Up"), &dialog);
  auto* down = new QPushButton(tr("Down"), &dialog);
  for (QPushButton* b : {add, remove, up, down}) {
    b->setAutoDefault(false);
    buttons->addWidget(b);
  }
  buttons->addStretch(1);
  v->addLayout(buttons);
  auto* problem = new QLabel(&dialog);
  problem->setWordWrap(true);
  problem->setStyleSheet(
      QStringLiteral("color: %1").arg(CanvasColors::fromPalette(palette()).problem.name()));
  v->addWidget(problem);
  auto* box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  v->addWidget(box);

  connect(add, &QPushButton::clicked, table, [table, addRow] {
    const int row = addRow({}, {});
    table->setCurrentCell(row, 0);
    table->editItem(table->item(row, 0));
  });
  connect(remove, &QPushButton::clicked, table, [table] {
    if (table->currentRow() >= 0) table->removeRow(table->currentRow());
  });
  auto move = [table, map](int by) {
    const int row = table->currentRow();
    const int to = row + by;
    if (row < 0 || to < 0 || to >= table->rowCount()) return;
    for (int col = 0; col < (map ? 2 : 1); ++col) {
      QTableWidgetItem* a = table->takeItem(row, col);
      QTableWidgetItem* b = table->takeItem(to, col);
      table->setItem(row, col, b);
      table->setItem(to, col, a);
    }
    table->setCurrentCell(to, table->currentColumn());
  };
  connect(up, &QPushButton::clicked, table, [move] { move(-1); });
  connect(down, &QPushButton::clicked, table, [move] { move(1); });
  connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  QString result;
  connect(box, &QDialogButtonBox::accepted, &dialog, [&, map] {
    StringList list;
    StringMap pairs;
    for (int row = 0; row < table->rowCount(); ++row) {
      const QTableWidgetItem* a = table->item(row, 0);
      const QString first = a ? a->text().trimmed() : QString();
      if (!map) {
        if (!first.isEmpty()) list.push_back(toStd(first));
        continue;
      }
      const QTableWidgetItem* b = table->item(row, 1);
      const QString second = b ? b->text() : QString();
      if (first.isEmpty() && second.isEmpty()) continue;
      if (first.isEmpty()) {
        problem->setText(tr("Row %1 has a value but no name").arg(row + 1));
        return;
      }
      pairs.emplace_back(toStd(first), toStd(second));
    }
    QString error;
    const std::optional<QString> text =
        checked(schema_, map ? flowText(pairs) : flowText(list), &error);
    if (!text) {
      problem->setText(error);
      return;
    }
    result = *text;
    dialog.accept();
  });
  if (dialog.exec() != QDialog::Accepted) return;
  showProblem({});
  edit_->setText(result);
  if (result != shown_) emit edited(result);
}

}  // namespace topolab::widgets
