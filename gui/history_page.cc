#include "history_page.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "history_model.h"

namespace polyrun::gui {

HistoryPage::HistoryPage(HistoryModel* history, QWidget* parent)
    : QWidget(parent), proxy_(new QSortFilterProxyModel(this)), view_(new QTableView) {
  proxy_->setSourceModel(history);
  proxy_->setSortRole(HistoryModel::kSortRole);
  view_->setObjectName("historyView");
  view_->setModel(proxy_);
  view_->setSortingEnabled(true);
  view_->sortByColumn(HistoryModel::kNumber, Qt::DescendingOrder);  // newest on top
  view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  view_->setSelectionMode(QAbstractItemView::SingleSelection);
  view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  view_->setAlternatingRowColors(true);
  view_->verticalHeader()->hide();
  view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  // activated: a double click, or Return on the current row.
  connect(view_, &QTableView::activated, this, [this](const QModelIndex& index) {
    if (const int row = rowAt(index); row >= 0) emit showRunRequested(row);
  });

  auto* show_button = new QPushButton(tr("Show result"));
  show_button->setObjectName("showRunButton");
  connect(show_button, &QPushButton::clicked, this, [this] {
    if (const int row = selectedRow(); row >= 0) emit showRunRequested(row);
  });
  auto* load_button = new QPushButton(tr("Load program into editor"));
  load_button->setObjectName("loadRunButton");
  connect(load_button, &QPushButton::clicked, this, [this] {
    if (const int row = selectedRow(); row >= 0) emit loadRunRequested(row);
  });
  auto* buttons = new QHBoxLayout;
  auto* hint =
      new QLabel(tr("This session's runs. Double-click one (or press Return) to see its result."));
  buttons->addWidget(hint, 1);
  buttons->addWidget(show_button);
  buttons->addWidget(load_button);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(buttons);
  layout->addWidget(view_, 1);
}

int HistoryPage::rowAt(const QModelIndex& proxy_index) const {
  return proxy_index.isValid() ? proxy_->mapToSource(proxy_index).row() : -1;
}

int HistoryPage::selectedRow() const { return rowAt(view_->currentIndex()); }

}  // namespace polyrun::gui
