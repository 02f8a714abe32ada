#include "cluster_view.h"

#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "format.h"
#ifdef POLYRUN_GUI_HAVE_CHARTS
#include "load_chart.h"
#endif
#include "recent_jobs_model.h"
#include "slaves_model.h"

namespace polyrun::gui {
namespace {

QString joinCounts(const QMap<QString, qint64>& counts, bool colourVerdicts = false) {
  QStringList parts;
  for (auto it = counts.begin(); it != counts.end(); ++it) {
    const QString part = QStringLiteral("%1 %2").arg(it.key().toHtmlEscaped()).arg(it.value());
    parts << (colourVerdicts ? QStringLiteral("<span style=\"color:%1\">%2</span>")
                                   .arg(verdictColor(it.key()).name(), part)
                             : part);
  }
  return parts.join(QStringLiteral(", "));
}

QTableView* makeTable(const QString& name) {
  auto* table = new QTableView;
  table->setObjectName(name);
  table->setSortingEnabled(true);
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->setAlternatingRowColors(true);
  table->verticalHeader()->hide();
  table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  return table;
}

}  // namespace

ClusterView::ClusterView(QWidget* parent) : QWidget(parent) {
  model_ = new SlavesModel(this);
  proxy_ = new QSortFilterProxyModel(this);
  proxy_->setSourceModel(model_);
  proxy_->setSortRole(SlavesModel::kSortRole);
  table_ = makeTable(QStringLiteral("slavesView"));
  table_->setModel(proxy_);
  table_->sortByColumn(SlavesModel::kName, Qt::AscendingOrder);
  table_->horizontalHeader()->setSectionResizeMode(SlavesModel::kLanguages, QHeaderView::Stretch);

  recentJobs_ = new RecentJobsModel(this);
  recentJobsTable_ = makeTable(QStringLiteral("recentJobsView"));
  // The model's order is newest first; sorting is the user's choice, not on from the start.
  auto* recentProxy = new QSortFilterProxyModel(this);
  recentProxy->setSourceModel(recentJobs_);
  recentProxy->setSortRole(RecentJobsModel::kSortRole);
  recentJobsTable_->setModel(recentProxy);
  recentJobsTable_->sortByColumn(-1, Qt::AscendingOrder);
  recentJobsTable_->horizontalHeader()->setStretchLastSection(true);
  recentJobsTitle_ = new QLabel;
  recentJobsTitle_->setObjectName("recentJobsTitle");
  recentJobsTitle_->setWordWrap(true);
  auto* recentBox = new QWidget;
  auto* recentLayout = new QVBoxLayout(recentBox);
  recentLayout->setContentsMargins(0, 0, 0, 0);
  recentLayout->addWidget(recentJobsTitle_);
  recentLayout->addWidget(recentJobsTable_, 1);

#ifdef POLYRUN_GUI_HAVE_CHARTS
  chart_ = new LoadChart;
  chart_->setObjectName("loadChart");
  QWidget* chartBox = chart_;
#else
  auto* chartBox = new QLabel(tr("The load chart needs Qt Charts, which this build lacks."));
  chartBox->setAlignment(Qt::AlignCenter);
#endif

  summaryLabel_ = new QLabel;
  summaryLabel_->setObjectName("clusterSummary");
  summaryLabel_->setWordWrap(true);
  summaryLabel_->setTextFormat(Qt::RichText);
  summaryLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(chartBox);
  bottom->addWidget(recentBox);
  bottom->setStretchFactor(0, 1);
  bottom->setStretchFactor(1, 1);
  bottom->setSizes({560, 440});
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(table_);
  split->addWidget(bottom);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(summaryLabel_);
  layout->addWidget(split, 1);
  updateSummary();
  updateRecentJobsTitle();
}

void ClusterView::setSnapshot(const ClusterSnapshot& snapshot) {
  snapshot_ = snapshot;
  haveSnapshot_ = true;
  stale_ = false;
  model_->setSlaves(snapshot.slaves);
  table_->setEnabled(true);
  history_.addSnapshot(snapshot, QDateTime::currentMSecsSinceEpoch());
#ifdef POLYRUN_GUI_HAVE_CHARTS
  chart_->setHistory(history_);
#endif
  masterJobs_ = snapshot.hasRecentJobs;
  recentJobs_->setJobs(masterJobs_ ? snapshot.recentJobs : localJobs_);
  updateSummary();
  updateRecentJobsTitle();
}

void ClusterView::setLocalJobs(const QList<JobSummary>& jobs) {
  localJobs_ = jobs;
  if (!masterJobs_) recentJobs_->setJobs(localJobs_);
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
  const ClusterSnapshot& s = snapshot_;
  QStringList lines;
  QString head =
      tr("<b>Slaves</b>: %1 · master up %2").arg(s.slaves.size()).arg(formatDuration(s.uptimeMs));
  if (s.clients >= 0) head += tr(" · %1 client connection(s)").arg(s.clients);
  if (s.masterState == QLatin1String("stopping"))
    head += QStringLiteral(" · <span style=\"color:#c62828\">%1</span>").arg(tr("master stopping"));
  lines << head;
  QString jobs = tr("<b>Jobs</b>: %1 submitted, %2 completed, %3 running")
                     .arg(s.submitted)
                     .arg(s.completed)
                     .arg(s.running);
  if (s.cancelled > 0) jobs += tr(", %1 cancelled").arg(s.cancelled);
  if (!s.byVerdict.isEmpty()) jobs += QStringLiteral(" · ") + joinCounts(s.byVerdict, true);
  lines << jobs;
  if (!s.byLanguage.isEmpty())
    lines << tr("<b>By language</b>: %1").arg(joinCounts(s.byLanguage));
  lines << tr("<b>Waiting</b>: %1")
               .arg(s.queuedTotal() == 0 ? tr("none") : joinCounts(s.queues));
  QString text = lines.join(QStringLiteral("<br>"));
  if (stale_)
    text.prepend(QStringLiteral("<span style=\"color:#c62828\">%1</span><br>")
                     .arg(tr("Not connected: last known state.")));
  summaryLabel_->setText(text);
}

void ClusterView::updateRecentJobsTitle() {
  recentJobsTitle_->setText(
      masterJobs_ ? tr("<b>Recent jobs</b> of every client")
                  : tr("<b>Recent jobs</b> of this client (the master does not list other "
                       "clients' jobs)"));
}

}  // namespace polyrun::gui
