// The "Cluster" page: a summary (uptime, job counters by verdict and language, queues), the
// slaves table, and under it two tabs: a chart of load per slave and queue length over the last
// minutes beside the recent jobs (every client's when the master lists them, else this
// client's), and the Logs view of the cluster's events. It only shows what it is
// given; MainWindow decides when to ask the master.
#pragma once

#include <QWidget>

#include "client_types.h"
#include "load_history.h"

class QLabel;
class QSortFilterProxyModel;
class QTableView;
class QTabWidget;

namespace polyrun::gui {

class LoadChart;
class LogsView;
class RecentJobsModel;
class SlavesModel;

class ClusterView : public QWidget {
  Q_OBJECT

 public:
  explicit ClusterView(QWidget* parent = nullptr);

  /// Shows a snapshot and adds it to the chart's history, taken now.
  void setSnapshot(const ClusterSnapshot& snapshot);
  /// This client's runs, shown as recent jobs while the master sends no `recent_jobs`.
  void setLocalJobs(const QList<JobSummary>& jobs);
  /// Marks the shown snapshot as old (the connection is down) without throwing it away.
  void setStale(bool stale);
  /// Adds one of the cluster's events to the Logs view.
  void addEvent(const ClusterEvent& event);
  /// Brings the Logs tab to the front.
  void showLogs();

  enum Tab { kLoadTab, kLogsTab };

  SlavesModel* model() const { return model_; }
  RecentJobsModel* recentJobsModel() const { return recent_jobs_; }
  LogsView* logsView() const { return logs_; }
#ifdef POLYRUN_GUI_HAVE_CHARTS
  LoadChart* chart() const { return chart_; }
#endif
  /// The chart's data; tests and screenshots may add samples of the past.
  LoadHistory& loadHistory() { return history_; }
  /// True when the recent jobs shown are the master's (every client's).
  bool showsMasterJobs() const { return master_jobs_; }

 private:
  void updateSummary();
  void updateRecentJobsTitle();

  SlavesModel* model_;
  QSortFilterProxyModel* proxy_;
  QTableView* table_;
  RecentJobsModel* recent_jobs_;
  QTableView* recent_jobs_table_;
  QLabel* recent_jobs_title_;
  QTabWidget* tabs_;
  LogsView* logs_;
#ifdef POLYRUN_GUI_HAVE_CHARTS
  LoadChart* chart_;
#endif
  QLabel* summary_label_;
  LoadHistory history_;
  ClusterSnapshot snapshot_;
  QList<JobSummary> local_jobs_;
  bool have_snapshot_ = false;
  bool stale_ = false;
  bool master_jobs_ = false;
};

}  // namespace polyrun::gui
