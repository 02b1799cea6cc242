// PropertyEditor: one row per schema param, plus id and parallelism.
#include "topolab/widgets/property_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <limits>

#include "topolab/widgets/topology_model.h"

namespace topolab::widgets {
namespace {

constexpr char kIdField[] = "\x01id";
constexpr char kParallelismField[] = "\x01parallelism";

int clampInt(std::optional<double> v, int fallback) {
  if (!v) return fallback;
  return static_cast<int>(std::clamp(*v, double(std::numeric_limits<int>::min()),
                                     double(std::numeric_limits<int>::max())));
}

QString numberText(double v) { return QString::number(v, 'g', 12); }

// Shows 20 as "20" and 0.001 as "0.001" rather than with six fixed decimals.
class CompactDoubleSpinBox final : public QDoubleSpinBox {
 public:
  using QDoubleSpinBox::QDoubleSpinBox;
  QString textFromValue(double value) const override { return numberText(value); }
};

}  // namespace

PropertyEditor::PropertyEditor(TopologyModel& model, QWidget* parent)
    : QWidget(parent), model_(model) {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(6, 6, 6, 6);
  title_ = new QLabel(this);
  title_->setWordWrap(true);
  outer->addWidget(title_);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  body_ = new QWidget(scroll);
  form_ = new QFormLayout(body_);
  form_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  scroll->setWidget(body_);
  outer->addWidget(scroll, 1);
  connect(&model_, &TopologyModel::componentChanged, this, [this](const QString& id) {
    if (id == id_) refreshValues();
  });
  connect(&model_, &TopologyModel::componentRenamed, this,
          [this](const QString& from, const QString& to) {
            if (from == id_) setComponent(to);
          });
  connect(&model_, &TopologyModel::componentRemoved, this, [this](const QString& id) {
    if (id == id_) setComponent({});
  });
  connect(&model_, &TopologyModel::modelReset, this, [this] { setComponent({}); });
  rebuild();
}

void PropertyEditor::setComponent(const QString& id) {
  id_ = id;
  rebuild();
}

void PropertyEditor::rebuild() {
  while (form_->rowCount() > 0) form_->removeRow(0);
  editors_.clear();
  const Component* c = model_.component(id_);
  if (!c) {
    title_->setText(tr("<i>Select a component to edit it.</i>"));
    return;
  }
  const ComponentType* type = model_.typeOf(id_);
  title_->setText(QStringLiteral("<b>%1</b> — %2<br><small>%3</small>")
                      .arg(id_.toHtmlEscaped(), toQString(c->type).toHtmlEscaped(),
                           type ? toQString(type->doc).toHtmlEscaped() : tr("unknown type")));

  auto* idEdit = new QLineEdit(body_);
  idEdit->setToolTip(tr("Unique id: a letter, then letters, digits, '_' or '-'"));
  connect(idEdit, &QLineEdit::editingFinished, this, [this, idEdit] {
    if (idEdit->text() != id_) emit renameRequested(id_, idEdit->text());
  });
  editors_.insert(QString::fromLatin1(kIdField), idEdit);
  form_->addRow(tr("id"), idEdit);

  auto* parallelism = new QSpinBox(body_);
  parallelism->setRange(1, 1024);
  parallelism->setKeyboardTracking(false);
  parallelism->setToolTip(tr("Number of instances"));
  connect(parallelism, &QSpinBox::valueChanged, this,
          [this](int v) { emit parallelismEdited(id_, v); });
  editors_.insert(QString::fromLatin1(kParallelismField), parallelism);
  idEdit->setMinimumWidth(60);
  parallelism->setMinimumWidth(60);
  form_->addRow(tr("parallelism"), parallelism);

  if (type) {
    for (const ParamSchema& s : type->params) {
      const QString name = toQString(s.name);
      QWidget* editor = makeEditor(name);
      if (!editor) continue;
      QString tip = toQString(s.doc);
      if (s.min || s.max) {
        tip += QStringLiteral("\n[%1 … %2]")
                   .arg(s.min ? numberText(*s.min) : QStringLiteral("−∞"),
                        s.max ? numberText(*s.max) : QStringLiteral("∞"));
      }
      if (!s.default_text.empty()) tip += tr("\ndefault: %1").arg(toQString(s.default_text));
      if (s.required) tip += tr("\nrequired");
      editor->setToolTip(tip);
      // Wide ranges would otherwise size the spin boxes past the dock.
      editor->setMinimumWidth(60);
      auto* row = new QWidget(body_);
      auto* h = new QHBoxLayout(row);
      h->setContentsMargins(0, 0, 0, 0);
      editor->setParent(row);
      h->addWidget(editor, 1);
      auto* reset = new QToolButton(row);
      reset->setText(QStringLiteral("↺"));
      reset->setToolTip(tr("Remove from the file (use the default)"));
      reset->setObjectName(QStringLiteral("reset-") + name);
      connect(reset, &QToolButton::clicked, this, [this, name] { emit paramReset(id_, name); });
      h->addWidget(reset);
      auto* label = new QLabel(name, body_);
      label->setToolTip(tip);
      form_->addRow(label, row);
      editors_.insert(name, editor);
    }
  }
  refreshValues();
}

QWidget* PropertyEditor::makeEditor(const QString& name) {
  const ComponentType* type = model_.typeOf(id_);
  const ParamSchema* s = type ? type->param(toStd(name)) : nullptr;
  if (!s) return nullptr;
  switch (s->type) {
    case ParamType::Int: {
      auto* spin = new QSpinBox(body_);
      spin->setRange(clampInt(s->min, std::numeric_limits<int>::min()),
                     clampInt(s->max, std::numeric_limits<int>::max()));
      spin->setKeyboardTracking(false);
      spin->setGroupSeparatorShown(false);
      connect(spin, &QSpinBox::valueChanged, this,
              [this, name](int v) { emit paramEdited(id_, name, QString::number(v)); });
      return spin;
    }
    case ParamType::Double: {
      auto* spin = new CompactDoubleSpinBox(body_);
      spin->setDecimals(6);
      spin->setRange(s->min.value_or(-1e12), s->max.value_or(1e12));
      spin->setKeyboardTracking(false);
      connect(spin, &QDoubleSpinBox::valueChanged, this,
              [this, name](double v) { emit paramEdited(id_, name, numberText(v)); });
      return spin;
    }
    case ParamType::Bool: {
      auto* box = new QCheckBox(body_);
      connect(box, &QCheckBox::toggled, this, [this, name](bool on) {
        emit paramEdited(id_, name, on ? QStringLiteral("true") : QStringLiteral("false"));
      });
      return box;
    }
    case ParamType::Enum: {
      auto* combo = new QComboBox(body_);
      for (const std::string& choice : s->choices) combo->addItem(toQString(choice));
      connect(combo, &QComboBox::activated, this,
              [this, name, combo](int) { emit paramEdited(id_, name, combo->currentText()); });
      return combo;
    }
    case ParamType::String:
    case ParamType::Scalar: {
      auto* edit = new QLineEdit(body_);
      connect(edit, &QLineEdit::editingFinished, this, [this, name, edit] {
        const Component* c = model_.component(id_);
        const ParamEntry* p = c ? c->param(toStd(name)) : nullptr;
        if (!p || toQString(p->text) != edit->text()) emit paramEdited(id_, name, edit->text());
      });
      return edit;
    }
  }
  return nullptr;
}

void PropertyEditor::refreshValues() {
  const Component* c = model_.component(id_);
  if (!c) return;
  if (toQString(c->type) != shownType_) {
    shownType_ = toQString(c->type);
  }
  if (auto* idEdit = qobject_cast<QLineEdit*>(editors_.value(QString::fromLatin1(kIdField)))) {
    const QSignalBlocker block(idEdit);
    idEdit->setText(id_);
  }
  if (auto* par = qobject_cast<QSpinBox*>(editors_.value(QString::fromLatin1(kParallelismField)))) {
    const QSignalBlocker block(par);
    par->setValue(c->instances());
  }
  const ComponentType* type = model_.typeOf(id_);
  if (!type) return;
  for (const ParamSchema& s : type->params) {
    QWidget* editor = editors_.value(toQString(s.name));
    if (!editor) continue;
    const ParamEntry* p = c->param(s.name);
    const QString text = toQString(p ? p->text : s.default_text);
    const QSignalBlocker block(editor);
    QFont f = editor->font();
    f.setBold(p != nullptr);  // set in the file, not a default
    editor->setFont(f);
    if (auto* spin = qobject_cast<QSpinBox*>(editor)) {
      spin->setValue(text.toInt());
    } else if (auto* dspin = qobject_cast<QDoubleSpinBox*>(editor)) {
      dspin->setValue(text.toDouble());
    } else if (auto* box = qobject_cast<QCheckBox*>(editor)) {
      box->setChecked(text == QLatin1String("true"));
    } else if (auto* combo = qobject_cast<QComboBox*>(editor)) {
      combo->setCurrentText(text);
    } else if (auto* edit = qobject_cast<QLineEdit*>(editor)) {
      edit->setText(text);
    }
  }
}

}  // namespace topolab::widgets
