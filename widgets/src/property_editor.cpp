// PropertyEditor: one row per schema param, plus id, parallelism and placement;
// or a stream's grouping, fields and transport.
#include "topolab/widgets/property_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStringListModel>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <array>
#include <limits>

#include "topolab/engine/catalogue.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/canvas_painter.h"
#include "topolab/widgets/collection_param_edit.h"
#include "topolab/widgets/topology_model.h"

namespace topolab::widgets {
namespace {

constexpr char kIdField[] = "\x01id";
constexpr char kParallelismField[] = "\x01parallelism";
constexpr char kPlacementField[] = "\x01placement";
constexpr char kGroupingField[] = "\x01grouping";
constexpr char kTransportField[] = "\x01transport";
// Grouping fields every tuple carries (DESIGN.md §3).
constexpr std::array<const char*, 2> kTupleFields{"key", "value"};
constexpr std::array<GroupingType, 5> kGroupings{GroupingType::Shuffle, GroupingType::Fields,
                                                 GroupingType::All, GroupingType::Global,
                                                 GroupingType::LocalOrShuffle};
constexpr std::array<Transport, 4> kTransports{Transport::Auto, Transport::Local, Transport::Grpc,
                                               Transport::Kafka};

QString fieldKey(const QString& field) { return QStringLiteral("\x01field-") + field; }

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

// Completes the agent name after the last comma, keeping the names before it.
class AgentCompleter final : public QCompleter {
 public:
  using QCompleter::QCompleter;
  QStringList splitPath(const QString& path) const override {
    return {path.section(QLatin1Char(','), -1).trimmed()};
  }
  QString pathFromIndex(const QModelIndex& index) const override {
    const QString chosen = QCompleter::pathFromIndex(index);
    const auto* edit = qobject_cast<const QLineEdit*>(widget());
    const QString text = edit ? edit->text() : QString();
    const qsizetype comma = text.lastIndexOf(QLatin1Char(','));
    return comma < 0 ? chosen : text.left(comma + 1) + QLatin1Char(' ') + chosen;
  }
};

QString placementText(const Component& c) {
  QStringList names;
  for (const std::string& agent : c.placement) names << toQString(agent);
  return names.join(QStringLiteral(", "));
}

}  // namespace

PropertyEditor::PropertyEditor(TopologyModel& model, QWidget* parent)
    : QWidget(parent), model_(model), agentModel_(new QStringListModel(this)) {
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
  connect(&model_, &TopologyModel::streamChanged, this,
          [this](const QString& from, const QString& to) {
            if (from == streamFrom_ && to == streamTo_) refreshStream();
          });
  connect(&model_, &TopologyModel::streamRemoved, this,
          [this](const QString& from, const QString& to) {
            if (from == streamFrom_ && to == streamTo_) setStream({}, {});
          });
  connect(&model_, &TopologyModel::componentRenamed, this,
          [this](const QString& from, const QString& to) {
            if (streamFrom_.isEmpty() || (from != streamFrom_ && from != streamTo_)) return;
            setStream(streamFrom_ == from ? to : streamFrom_, streamTo_ == from ? to : streamTo_);
          });
  rebuild();
}

void PropertyEditor::setComponent(const QString& id) {
  streamFrom_.clear();
  streamTo_.clear();
  id_ = id;
  rebuild();
}

void PropertyEditor::setStream(const QString& from, const QString& to) {
  id_.clear();
  streamFrom_ = from;
  streamTo_ = to;
  rebuild();
}

void PropertyEditor::rebuild() {
  while (form_->rowCount() > 0) form_->removeRow(0);
  editors_.clear();
  if (!streamFrom_.isEmpty() && model_.streamIndex(streamFrom_, streamTo_) >= 0) {
    rebuildStream();
    return;
  }
  const Component* c = model_.component(id_);
  if (!c) {
    title_->setText(tr("<i>Select a component or a stream to edit it.</i>"));
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
  form_->addRow(tr("placement"), makePlacementEditor());

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

void PropertyEditor::setAgentNames(const QStringList& names) {
  agents_ = names;
  agentModel_->setStringList(names);
  if (auto* edit = qobject_cast<QLineEdit*>(editors_.value(QString::fromLatin1(kPlacementField))))
    showPlacementProblem(edit->property("problem").toString());
}

QWidget* PropertyEditor::makePlacementEditor() {
  auto* edit = new QLineEdit(body_);
  edit->setObjectName(QStringLiteral("placement"));
  edit->setPlaceholderText(tr("any agent"));
  edit->setMinimumWidth(60);
  auto* completer = new AgentCompleter(agentModel_, edit);
  completer->setCaseSensitivity(Qt::CaseInsensitive);
  edit->setCompleter(completer);
  connect(edit, &QLineEdit::editingFinished, this, &PropertyEditor::commitPlacement);
  editors_.insert(QString::fromLatin1(kPlacementField), edit);
  showPlacementProblem({});
  return edit;
}

void PropertyEditor::commitPlacement() {
  auto* edit = qobject_cast<QLineEdit*>(editors_.value(QString::fromLatin1(kPlacementField)));
  const Component* c = model_.component(id_);
  if (!edit || !c) return;
  QStringList agents;
  for (const QString& part : edit->text().split(QLatin1Char(','))) {
    const QString name = part.trimmed();
    if (name.isEmpty()) continue;
    if (!isValidAgentName(toStd(name))) {
      showPlacementProblem(tr("'%1' is not a valid agent name: use letters, digits, '-', '_' "
                              "and '.', starting with a letter or digit")
                               .arg(name));
      return;
    }
    if (agents.contains(name)) {
      showPlacementProblem(tr("agent '%1' is listed twice").arg(name));
      return;
    }
    agents << name;
  }
  showPlacementProblem({});
  if (agents.join(QStringLiteral(", ")) != placementText(*c)) {
    emit placementEdited(id_, agents);
  } else {
    const QSignalBlocker block(edit);
    edit->setText(placementText(*c));
  }
}

void PropertyEditor::showPlacementProblem(const QString& problem) {
  auto* edit = qobject_cast<QLineEdit*>(editors_.value(QString::fromLatin1(kPlacementField)));
  if (!edit) return;
  QString tip = tr("Agents to spread the instances on, comma-separated (empty: any agent)");
  if (!agents_.isEmpty()) tip += tr("\ncluster: %1").arg(agents_.join(QStringLiteral(", ")));
  edit->setProperty("problem", problem);
  if (problem.isEmpty()) {
    edit->setStyleSheet({});
    edit->setToolTip(tip);
    return;
  }
  // Flagged and not applied until fixed, so the typed text stays to be corrected.
  const QColor colour = CanvasColors::fromPalette(palette()).problem;
  edit->setStyleSheet(QStringLiteral("QLineEdit { border: 2px solid %1; }").arg(colour.name()));
  edit->setToolTip(problem + QStringLiteral("\n\n") + tip);
}

void PropertyEditor::rebuildStream() {
  const Component* source = model_.component(streamFrom_);
  QString note = tr("stream");
  if (source && traitsOf(source->type).shape == ComponentTraits::Shape::Balancer)
    note = tr("a load-balancer spreads by its policy and ignores this grouping");
  title_->setText(QStringLiteral("<b>%1 → %2</b><br><small>%3</small>")
                      .arg(streamFrom_.toHtmlEscaped(), streamTo_.toHtmlEscaped(), note));

  auto* grouping = new QComboBox(body_);
  grouping->setObjectName(QStringLiteral("grouping"));
  for (GroupingType g : kGroupings) grouping->addItem(toQString(std::string(toString(g))));
  grouping->setToolTip(
      tr("How tuples are spread over the target's instances:\n"
         "shuffle — evenly at random; fields — equal field values go to the same instance;\n"
         "all — to every instance; global — all to one instance;\n"
         "local-or-shuffle — an instance in the same process when there is one"));
  connect(grouping, &QComboBox::activated, this, [this](int) { emitGrouping(); });
  editors_.insert(QString::fromLatin1(kGroupingField), grouping);
  form_->addRow(tr("grouping"), grouping);

  // Every tuple's key and value, and the names the sender declares for its values.
  fieldNames_.clear();
  for (const char* field : kTupleFields) fieldNames_ << QLatin1String(field);
  QStringList declared;
  if (source) {
    for (const std::string& f : outputFields(*source, model_.catalogue())) {
      if (!fieldNames_.contains(toQString(f))) declared << toQString(f);
    }
  }
  fieldNames_ << declared;
  auto* fields = new QWidget(body_);
  // The declared names may be many: they wrap under key and value.
  auto* grid = new QGridLayout(fields);
  grid->setContentsMargins(0, 0, 0, 0);
  constexpr int kPerRow = 3;
  for (qsizetype i = 0; i < fieldNames_.size(); ++i) {
    const QString& field = fieldNames_[i];
    auto* box = new QCheckBox(field, fields);
    box->setObjectName(QStringLiteral("field-") + field);
    box->setToolTip(declared.contains(field)
                        ? tr("Hash on the value %1 declares as '%2' (fields grouping only)")
                              .arg(streamFrom_, field)
                        : tr("Hash on the tuple's %1 (fields grouping only)").arg(field));
    connect(box, &QCheckBox::toggled, this, [this](bool) { emitGrouping(); });
    editors_.insert(fieldKey(field), box);
    grid->addWidget(box, static_cast<int>(i / kPerRow), static_cast<int>(i % kPerRow));
  }
  grid->setColumnStretch(kPerRow, 1);
  form_->addRow(tr("fields"), fields);

  auto* transport = new QComboBox(body_);
  transport->setObjectName(QStringLiteral("transport"));
  for (Transport t : kTransports) transport->addItem(toQString(std::string(toString(t))));
  transport->setToolTip(
      tr("How tuples travel: auto — in-process when co-located, else gRPC;\n"
         "local — in-process only; grpc — always over the network; kafka — through a topic"));
  connect(transport, &QComboBox::activated, this, [this, transport](int) {
    if (auto t = parseTransport(toStd(transport->currentText())))
      emit transportEdited(streamFrom_, streamTo_, *t);
    refreshStream();  // a refused edit puts the shown value back
  });
  editors_.insert(QString::fromLatin1(kTransportField), transport);
  form_->addRow(tr("transport"), transport);
  refreshStream();
}

void PropertyEditor::emitGrouping() {
  auto* combo = qobject_cast<QComboBox*>(editors_.value(QString::fromLatin1(kGroupingField)));
  if (!combo) return;
  const std::optional<GroupingType> type = parseGroupingType(toStd(combo->currentText()));
  if (!type) return;
  QStringList fields;
  if (*type == GroupingType::Fields) {
    for (const QString& field : fieldNames_) {
      if (auto* box = qobject_cast<QCheckBox*>(editors_.value(fieldKey(field)));
          box && box->isChecked())
        fields << field;
    }
    // Fields without a box (written by hand, and flagged by the validator) are kept.
    const int index = model_.streamIndex(streamFrom_, streamTo_);
    const Grouping* now =
        index >= 0 ? &model_.topology().streams[static_cast<size_t>(index)].grouping : nullptr;
    if (now) {
      for (const std::string& f : now->fields) {
        if (!fieldNames_.contains(toQString(f))) fields << toQString(f);
      }
    }
    // Switching to fields starts from the first value the sender names (its
    // key), else from the key: the usual choice.
    if (fields.isEmpty() && !(now && now->type == GroupingType::Fields))
      fields << fieldNames_.value(static_cast<qsizetype>(kTupleFields.size()),
                                  QStringLiteral("key"));
  }
  emit groupingEdited(streamFrom_, streamTo_, *type, fields);
  refreshStream();  // a refused edit puts the shown value back
}

void PropertyEditor::refreshStream() {
  const int index = model_.streamIndex(streamFrom_, streamTo_);
  if (index < 0) return;
  const Stream& s = model_.topology().streams[static_cast<size_t>(index)];
  if (auto* combo = qobject_cast<QComboBox*>(editors_.value(QString::fromLatin1(kGroupingField)))) {
    const QSignalBlocker block(combo);
    combo->setCurrentText(toQString(std::string(toString(s.grouping.type))));
  }
  const bool byFields = s.grouping.type == GroupingType::Fields;
  for (const QString& field : fieldNames_) {
    auto* box = qobject_cast<QCheckBox*>(editors_.value(fieldKey(field)));
    if (!box) continue;
    const QSignalBlocker block(box);
    box->setChecked(std::find(s.grouping.fields.begin(), s.grouping.fields.end(), toStd(field)) !=
                    s.grouping.fields.end());
    box->setEnabled(byFields);
  }
  if (auto* combo =
          qobject_cast<QComboBox*>(editors_.value(QString::fromLatin1(kTransportField)))) {
    const QSignalBlocker block(combo);
    combo->setCurrentText(toQString(std::string(toString(s.transportOrAuto()))));
  }
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
    case ParamType::StringList:
    case ParamType::StringMap: {
      auto* edit = new CollectionParamEdit(*s, body_);
      // The component it was made for: a line still being typed in commits
      // when it loses focus, which may be as another component is shown.
      connect(edit, &CollectionParamEdit::edited, this,
              [this, name, id = id_](const QString& text) { emit paramEdited(id, name, text); });
      return edit;
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
  if (!streamFrom_.isEmpty()) return;
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
  if (auto* edit = qobject_cast<QLineEdit*>(editors_.value(QString::fromLatin1(kPlacementField)))) {
    const QSignalBlocker block(edit);
    edit->setText(placementText(*c));
    showPlacementProblem({});
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
    if (auto* collection = qobject_cast<CollectionParamEdit*>(editor)) {
      collection->setValueText(text);
    } else if (auto* spin = qobject_cast<QSpinBox*>(editor)) {
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
