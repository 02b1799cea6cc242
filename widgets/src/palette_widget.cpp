// PaletteWidget: built once from the catalogue; the search hides non-matches.
#include "topolab/widgets/palette_widget.h"

#include <QDrag>
#include <QHeaderView>
#include <QLineEdit>
#include <QMimeData>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "topolab/widgets/topology_model.h"
#include "topolab/widgets/topology_scene.h"

namespace topolab::widgets {
namespace {

constexpr int kTypeRole = Qt::UserRole + 1;

// A tree whose type rows drag out as kComponentTypeMime.
class TypeTree final : public QTreeWidget {
 public:
  using QTreeWidget::QTreeWidget;

 protected:
  QMimeData* mimeData(const QList<QTreeWidgetItem*>& items) const override {
    if (items.isEmpty() || items.front()->data(0, kTypeRole).toString().isEmpty()) return nullptr;
    auto* mime = new QMimeData;
    mime->setData(kComponentTypeMime, items.front()->data(0, kTypeRole).toString().toUtf8());
    return mime;
  }
  QStringList mimeTypes() const override { return {QString::fromLatin1(kComponentTypeMime)}; }
};

QString roleTitle(Role r) {
  switch (r) {
    case Role::Producer:
      return QObject::tr("Producers");
    case Role::Bolt:
      return QObject::tr("Bolts");
    case Role::Sink:
      return QObject::tr("Sinks");
  }
  return {};
}

}  // namespace

PaletteWidget::PaletteWidget(const Catalogue& catalogue, QWidget* parent)
    : QWidget(parent), search_(new QLineEdit(this)), tree_(new TypeTree(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  search_->setPlaceholderText(tr("Search components (Ctrl+F)"));
  search_->setClearButtonEnabled(true);
  layout->addWidget(search_);
  layout->addWidget(tree_);
  tree_->setHeaderHidden(true);
  tree_->setDragEnabled(true);
  tree_->setDragDropMode(QAbstractItemView::DragOnly);
  tree_->setRootIsDecorated(false);
  for (Role role : {Role::Producer, Role::Bolt, Role::Sink}) {
    auto* group = new QTreeWidgetItem(tree_, {roleTitle(role)});
    group->setFlags(Qt::ItemIsEnabled);
    QFont bold = group->font(0);
    bold.setBold(true);
    group->setFont(0, bold);
    for (const ComponentType* type : catalogue.types()) {
      if (type->role != role) continue;
      auto* item = new QTreeWidgetItem(group, {toQString(type->name)});
      item->setData(0, kTypeRole, toQString(type->name));
      QString tip = toQString(type->doc);
      if (!type->factory) tip += tr("\n(not runnable yet)");
      item->setToolTip(0, tip);
      item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
    }
  }
  tree_->expandAll();
  connect(search_, &QLineEdit::textChanged, this, &PaletteWidget::setFilter);
  connect(tree_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item, int) {
    const QString type = item->data(0, kTypeRole).toString();
    if (!type.isEmpty()) emit typeActivated(type);
  });
  connect(search_, &QLineEdit::returnPressed, this, [this] {
    const QStringList shown = visibleTypes();
    if (shown.size() == 1) emit typeActivated(shown.front());
  });
}

void PaletteWidget::focusSearch() {
  search_->setFocus(Qt::ShortcutFocusReason);
  search_->selectAll();
}

void PaletteWidget::setFilter(const QString& text) {
  if (search_->text() != text) search_->setText(text);
  for (int g = 0; g < tree_->topLevelItemCount(); ++g) {
    QTreeWidgetItem* group = tree_->topLevelItem(g);
    int shown = 0;
    for (int i = 0; i < group->childCount(); ++i) {
      QTreeWidgetItem* item = group->child(i);
      const bool match = text.isEmpty() || item->text(0).contains(text, Qt::CaseInsensitive) ||
                         item->toolTip(0).contains(text, Qt::CaseInsensitive);
      item->setHidden(!match);
      shown += match ? 1 : 0;
    }
    group->setHidden(shown == 0);
  }
}

QStringList PaletteWidget::visibleTypes() const {
  QStringList out;
  for (int g = 0; g < tree_->topLevelItemCount(); ++g) {
    QTreeWidgetItem* group = tree_->topLevelItem(g);
    for (int i = 0; i < group->childCount(); ++i) {
      if (!group->child(i)->isHidden()) out << group->child(i)->data(0, kTypeRole).toString();
    }
  }
  return out;
}

}  // namespace topolab::widgets
