#include "topolab/widgets/errors_panel.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

namespace topolab::widgets {
namespace {

enum Column { Time, Instance, Agent, Message, Key, Columns };

QString componentOf(const InstanceError& e) {
  const QString instance = QString::fromStdString(e.instance);
  return instance.left(instance.lastIndexOf(QLatin1Char('#')));
}

}  // namespace

ErrorsPanel::ErrorsPanel(QWidget* parent)
    : QWidget(parent),
      filter_(new QComboBox(this)),
      count_(new QLabel(this)),
      table_(new QTableWidget(0, Columns, this)) {
  filter_->setObjectName(QStringLiteral("errorsFilter"));
  table_->setObjectName(QStringLiteral("errorsTable"));
  filter_->addItem(tr("All components"), QString());
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Component:"), this));
  bar->addWidget(filter_);
  bar->addStretch();
  bar->addWidget(count_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(bar);
  layout->addWidget(table_);

  table_->setHorizontalHeaderLabels(
      {tr("Time"), tr("Instance"), tr("Agent"), tr("Message"), tr("Key")});
  table_->verticalHeader()->hide();
  // One line a sample, as in a log.
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setWordWrap(false);
  QHeaderView* header = table_->horizontalHeader();
  header->setSectionResizeMode(QHeaderView::ResizeToContents);
  header->setSectionResizeMode(Message, QHeaderView::Stretch);
  connect(filter_, &QComboBox::currentIndexChanged, this, [this] { refill(); });
  updateCount();
}

void ErrorsPanel::setTopology(const Topology& topology) {
  samples_.clear();
  const QString shown = component();  // kept when the new run has that component
  const QSignalBlocker block(filter_);
  filter_->clear();
  filter_->addItem(tr("All components"), QString());
  for (const Component& c : topology.components) {
    const QString id = QString::fromStdString(c.id);
    filter_->addItem(id, id);
  }
  filter_->setCurrentIndex(std::max(0, filter_->findData(shown)));
  refill();
}

void ErrorsPanel::addRound(const Snapshot& prev, const Snapshot& cur) {
  const std::vector<InstanceError> fresh = newErrorSamples(prev, cur);
  if (fresh.empty()) return;
  QScrollBar* bar = table_->verticalScrollBar();
  const bool at_end = bar->value() == bar->maximum();  // follow the newest unless scrolled back
  for (const InstanceError& e : fresh) {
    samples_.push_back(e);
    if (shown(e)) appendRow(e);
  }
  if (samples_.size() > kMaxSamples) {
    const size_t drop = samples_.size() - kMaxSamples;
    int rows = 0;
    for (size_t i = 0; i < drop; ++i) rows += shown(samples_[i]) ? 1 : 0;
    samples_.erase(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(drop));
    for (int i = 0; i < rows; ++i) table_->removeRow(0);
  }
  if (at_end) table_->scrollToBottom();
  updateCount();
}

void ErrorsPanel::showComponent(const QString& id) {
  int index = filter_->findData(id);
  if (index < 0) {  // a component of a run whose topology the panel was not given
    filter_->addItem(id, id);
    index = filter_->count() - 1;
  }
  filter_->setCurrentIndex(index);
}

QString ErrorsPanel::component() const { return filter_->currentData().toString(); }

int ErrorsPanel::rowCount() const { return table_->rowCount(); }

bool ErrorsPanel::shown(const InstanceError& e) const {
  const QString id = component();
  return id.isEmpty() || componentOf(e) == id;
}

void ErrorsPanel::appendRow(const InstanceError& e) {
  const int row = table_->rowCount();
  table_->insertRow(row);
  const QDateTime at = QDateTime::fromMSecsSinceEpoch(e.sample.unix_ns / 1'000'000);
  const QString cells[Columns] = {
      at.toString(QStringLiteral("HH:mm:ss.zzz")), QString::fromStdString(e.instance),
      QString::fromStdString(e.agent), QString::fromStdString(e.sample.message),
      QString::fromStdString(e.sample.key)};
  for (int c = 0; c < Columns; ++c) {
    auto* item = new QTableWidgetItem(cells[c]);
    if (c == Message) item->setToolTip(cells[c]);  // a long message in full
    table_->setItem(row, c, item);
  }
}

void ErrorsPanel::refill() {
  table_->setRowCount(0);
  for (const InstanceError& e : samples_) {
    if (shown(e)) appendRow(e);
  }
  table_->scrollToBottom();
  updateCount();
}

void ErrorsPanel::updateCount() {
  count_->setText(tr("%n sample(s)", nullptr, table_->rowCount()));
}

}  // namespace topolab::widgets
