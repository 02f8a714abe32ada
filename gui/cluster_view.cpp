#include "cluster_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "format.h"
#include "slaves_model.h"

namespace polyrun::gui {
namespace {

QString joinCounts(const QMap<QString, qint64>& counts) {
  QStringList parts;
  for (auto it = counts.begin(); it != counts.end(); ++it)
    parts << QStringLiteral("%1 %2").arg(it.key()).arg(it.value());
  return parts.join(QStringLiteral(", "));
}

}  // namespace

ClusterView::ClusterView(QWidget* parent) : QWidget(parent) {
  model_ = new SlavesModel(this);
  proxy_ = new QSortFilterProxyModel(this);
  proxy_->setSourceModel(model_);
  proxy_->setSortRole(SlavesModel::kSortRole);

  table_ = new QTableView;
  table_->setObjectName("slavesView");
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(SlavesModel::kName, Qt::AscendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setAlternatingRowColors(true);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(false);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(SlavesModel::kLanguages, QHeaderView::Stretch);

  summaryLabel_ = new QLabel;
  summaryLabel_->setObjectName("clusterSummary");
  summaryLabel_->setWordWrap(true);
  summaryLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(summaryLabel_);
  layout->addWidget(table_, 1);
  updateSummary();
}

void ClusterView::setSnapshot(const ClusterSnapshot& snapshot) {
  snapshot_ = snapshot;
  haveSnapshot_ = true;
  stale_ = false;
  model_->setSlaves(snapshot.slaves);
  table_->setEnabled(true);
  updateSummary();
}

void ClusterView::setStale(bool stale) {
  if (stale_ == stale) return;
  stale_ = stale;
  table_->setEnabled(!stale);
  updateSummary();
}

void ClusterView::updateSummary() {
  if (!haveSnapshot_) {
    summaryLabel_->setText(tr("No cluster information yet."));
    return;
  }
  QStringList lines;
  lines << tr("slaves: %1, master up %2")
               .arg(snapshot_.slaves.size())
               .arg(formatDuration(snapshot_.uptimeMs));
  QString jobs =
      tr("jobs: %1 submitted, %2 completed").arg(snapshot_.submitted).arg(snapshot_.completed);
  if (!snapshot_.byVerdict.isEmpty())
    jobs += QStringLiteral(" (%1)").arg(joinCounts(snapshot_.byVerdict));
  lines << jobs;
  if (!snapshot_.queues.isEmpty()) lines << tr("waiting: %1").arg(joinCounts(snapshot_.queues));
  QString text = lines.join('\n');
  if (stale_) text.prepend(tr("Not connected: last known state.\n"));
  summaryLabel_->setText(text);
}

}  // namespace polyrun::gui
