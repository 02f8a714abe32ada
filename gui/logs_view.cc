#include "logs_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

#include "events_model.h"

namespace polyrun::gui {

LogsView::LogsView(QWidget* parent) : QWidget(parent) {
  model_ = new EventsModel(this);
  filter_ = new EventsFilter(this);
  filter_->setSourceModel(model_);

  level_combo_ = new QComboBox;
  level_combo_->setObjectName("logsLevelFilter");
  level_combo_->addItem(tr("All levels"), QStringLiteral("info"));
  level_combo_->addItem(tr("Warnings and errors"), QStringLiteral("warning"));
  level_combo_->addItem(tr("Errors only"), QStringLiteral("error"));
  slave_combo_ = new QComboBox;
  slave_combo_->setObjectName("logsSlaveFilter");
  slave_combo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  slave_combo_->addItem(tr("All slaves"), QString());
  count_label_ = new QLabel;
  count_label_->setObjectName("logsCount");

  table_ = new QTableView;
  table_->setObjectName("logsView");
  table_->setModel(filter_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setWordWrap(false);
  table_->verticalHeader()->hide();
  // Rows of one line each: fixed heights keep a table of thousands of rows cheap to lay out.
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
  QHeaderView* header = table_->horizontalHeader();
  header->setSectionResizeMode(QHeaderView::Interactive);
  header->setStretchLastSection(true);
  const int digit = table_->fontMetrics().horizontalAdvance(QLatin1Char('0'));
  table_->setColumnWidth(EventsModel::kTime, digit * 14);
  table_->setColumnWidth(EventsModel::kLevel, digit * 9);
  table_->setColumnWidth(EventsModel::kKind, digit * 18);
  table_->setColumnWidth(EventsModel::kSlave, digit * 12);

  connect(level_combo_, &QComboBox::currentIndexChanged, this, [this] {
    filter_->setMinimumLevel(level_combo_->currentData().toString());
    updateCount();
  });
  connect(slave_combo_, &QComboBox::currentIndexChanged, this, [this] {
    filter_->setSlave(slave_combo_->currentData().toString());
    updateCount();
  });
  connect(model_, &EventsModel::slavesChanged, this, &LogsView::updateSlaveCombo);
  // Whether to follow is decided before the rows arrive: after them the scroll bar's maximum
  // has already grown, and "at the bottom" could no longer be told from "scrolled up".
  connect(filter_, &QAbstractItemModel::rowsAboutToBeInserted, this, [this] {
    const QScrollBar* bar = table_->verticalScrollBar();
    follow_ = bar->value() >= bar->maximum();
  });
  connect(filter_, &QAbstractItemModel::rowsInserted, this, [this] {
    if (follow_) table_->scrollToBottom();
  });

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Level:")));
  controls->addWidget(level_combo_);
  controls->addWidget(new QLabel(tr("Slave:")));
  controls->addWidget(slave_combo_);
  controls->addStretch(1);
  controls->addWidget(count_label_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(controls);
  layout->addWidget(table_, 1);
  updateCount();
}

void LogsView::addEvent(const ClusterEvent& event) {
  model_->addEvent(event);
  updateCount();
}

void LogsView::setKnownSlaves(const QStringList& names) {
  if (names == known_slaves_) return;
  known_slaves_ = names;
  updateSlaveCombo();
}

bool LogsView::isFollowing() const {
  const QScrollBar* bar = table_->verticalScrollBar();
  return bar->value() >= bar->maximum();
}

void LogsView::updateSlaveCombo() {
  QStringList names = model_->slaves() + known_slaves_;
  names.sort();
  names.removeDuplicates();
  const QString chosen = slave_combo_->currentData().toString();
  // The chosen slave stays in the list (and chosen) even when it has left the cluster.
  if (!chosen.isEmpty() && !names.contains(chosen)) names << chosen;
  const QSignalBlocker block(slave_combo_);
  slave_combo_->clear();
  slave_combo_->addItem(tr("All slaves"), QString());
  for (const QString& name : names) slave_combo_->addItem(name, name);
  slave_combo_->setCurrentIndex(std::max(0, slave_combo_->findData(chosen)));
}

void LogsView::updateCount() {
  const int shown = filter_->rowCount();
  const int all = model_->rowCount();
  count_label_->setText(shown == all ? tr("%n event(s)", nullptr, all)
                                     : tr("%1 of %n event(s) shown", nullptr, all).arg(shown));
}

}  // namespace polyrun::gui
