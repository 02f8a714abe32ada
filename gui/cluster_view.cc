#include "cluster_view.h"

#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "format.h"
#ifdef POLYRUN_GUI_HAVE_CHARTS
#include "load_chart.h"
#endif
#include "logs_view.h"
#include "recent_jobs_model.h"
#include "slaves_model.h"

namespace polyrun::gui {
namespace {

QString joinCounts(const QMap<QString, qint64>& counts, bool colour_verdicts = false) {
  QStringList parts;
  for (auto it = counts.begin(); it != counts.end(); ++it) {
    const QString part = QStringLiteral("%1 %2").arg(it.key().toHtmlEscaped()).arg(it.value());
    parts << (colour_verdicts ? QStringLiteral("<span style=\"color:%1\">%2</span>")
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

  recent_jobs_ = new RecentJobsModel(this);
  recent_jobs_table_ = makeTable(QStringLiteral("recentJobsView"));
  // The model's order is newest first; sorting is the user's choice, not on from the start.
  auto* recent_proxy = new QSortFilterProxyModel(this);
  recent_proxy->setSourceModel(recent_jobs_);
  recent_proxy->setSortRole(RecentJobsModel::kSortRole);
  recent_jobs_table_->setModel(recent_proxy);
  recent_jobs_table_->sortByColumn(-1, Qt::AscendingOrder);
  recent_jobs_table_->horizontalHeader()->setStretchLastSection(true);
  recent_jobs_title_ = new QLabel;
  recent_jobs_title_->setObjectName("recentJobsTitle");
  recent_jobs_title_->setWordWrap(true);
  auto* recent_box = new QWidget;
  auto* recent_layout = new QVBoxLayout(recent_box);
  recent_layout->setContentsMargins(0, 0, 0, 0);
  recent_layout->addWidget(recent_jobs_title_);
  recent_layout->addWidget(recent_jobs_table_, 1);

#ifdef POLYRUN_GUI_HAVE_CHARTS
  chart_ = new LoadChart;
  chart_->setObjectName("loadChart");
  QWidget* chart_box = chart_;
#else
  auto* chart_box = new QLabel(tr("The load chart needs Qt Charts, which this build lacks."));
  chart_box->setAlignment(Qt::AlignCenter);
#endif

  summary_label_ = new QLabel;
  summary_label_->setObjectName("clusterSummary");
  summary_label_->setWordWrap(true);
  summary_label_->setTextFormat(Qt::RichText);
  summary_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(chart_box);
  bottom->addWidget(recent_box);
  bottom->setStretchFactor(0, 1);
  bottom->setStretchFactor(1, 1);
  bottom->setSizes({560, 440});
  logs_ = new LogsView;
  logs_->setObjectName("logs");
  tabs_ = new QTabWidget;
  tabs_->setObjectName("clusterTabs");
  tabs_->insertTab(kLoadTab, bottom, tr("Load and recent jobs"));
  tabs_->insertTab(kLogsTab, logs_, tr("Logs"));
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(table_);
  split->addWidget(tabs_);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(summary_label_);
  layout->addWidget(split, 1);
  updateSummary();
  updateRecentJobsTitle();
}

void ClusterView::setSnapshot(const ClusterSnapshot& snapshot) {
  snapshot_ = snapshot;
  have_snapshot_ = true;
  stale_ = false;
  model_->setSlaves(snapshot.slaves);
  table_->setEnabled(true);
  history_.addSnapshot(snapshot, QDateTime::currentMSecsSinceEpoch());
#ifdef POLYRUN_GUI_HAVE_CHARTS
  chart_->setHistory(history_);
#endif
  QStringList names;
  for (const SlaveInfo& slave : snapshot.slaves) names << slave.name;
  logs_->setKnownSlaves(names);
  master_jobs_ = snapshot.has_recent_jobs;
  recent_jobs_->setJobs(master_jobs_ ? snapshot.recent_jobs : local_jobs_);
  updateSummary();
  updateRecentJobsTitle();
}

void ClusterView::setLocalJobs(const QList<JobSummary>& jobs) {
  local_jobs_ = jobs;
  if (!master_jobs_) recent_jobs_->setJobs(local_jobs_);
}

void ClusterView::setStale(bool stale) {
  if (stale_ == stale) return;
  stale_ = stale;
  table_->setEnabled(!stale);
  updateSummary();
}

void ClusterView::addEvent(const ClusterEvent& event) { logs_->addEvent(event); }

void ClusterView::showLogs() { tabs_->setCurrentIndex(kLogsTab); }

void ClusterView::updateSummary() {
  if (!have_snapshot_) {
    summary_label_->setText(tr("No cluster information yet."));
    return;
  }
  const ClusterSnapshot& s = snapshot_;
  QStringList lines;
  QString head =
      tr("<b>Slaves</b>: %1 · master up %2").arg(s.slaves.size()).arg(formatDuration(s.uptime_ms));
  if (s.clients >= 0) head += tr(" · %1 client connection(s)").arg(s.clients);
  if (s.master_state == QLatin1String("stopping"))
    head += QStringLiteral(" · <span style=\"color:#c62828\">%1</span>").arg(tr("master stopping"));
  lines << head;
  QString jobs = tr("<b>Jobs</b>: %1 submitted, %2 completed, %3 running")
                     .arg(s.submitted)
                     .arg(s.completed)
                     .arg(s.running);
  if (s.cancelled > 0) jobs += tr(", %1 cancelled").arg(s.cancelled);
  if (!s.by_verdict.isEmpty()) jobs += QStringLiteral(" · ") + joinCounts(s.by_verdict, true);
  lines << jobs;
  if (!s.by_language.isEmpty())
    lines << tr("<b>By language</b>: %1").arg(joinCounts(s.by_language));
  lines << tr("<b>Waiting</b>: %1").arg(s.queuedTotal() == 0 ? tr("none") : joinCounts(s.queues));
  QString text = lines.join(QStringLiteral("<br>"));
  if (stale_)
    text.prepend(QStringLiteral("<span style=\"color:#c62828\">%1</span><br>")
                     .arg(tr("Not connected: last known state.")));
  summary_label_->setText(text);
}

void ClusterView::updateRecentJobsTitle() {
  recent_jobs_title_->setText(
      master_jobs_ ? tr("<b>Recent jobs</b> of every client")
                   : tr("<b>Recent jobs</b> of this client (the master does not list other "
                        "clients' jobs)"));
}

}  // namespace polyrun::gui
