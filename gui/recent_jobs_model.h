// Recent jobs as a table for the cluster page: the master's `recent_jobs` (every client's jobs)
// when it sends them, else this client's runs. Newest first, as given.
#pragma once

#include <QAbstractTableModel>
#include <QList>

#include "client_types.h"

namespace polyrun::gui {

class RecentJobsModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    kJob,
    kClient,
    kLanguage,
    kVerdict,
    kSlave,
    kQueue,
    kTotal,
    kFinished,
    kColumnCount
  };
  /// Raw values (numbers as numbers) for sorting.
  static constexpr int kSortRole = Qt::UserRole;

  using QAbstractTableModel::QAbstractTableModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  /// Replaces the list, in place: rows of jobs still listed are updated (dataChanged), others
  /// removed, new ones inserted where the new list has them, so a view's selection survives the
  /// periodic refresh. Nothing is signalled when the list is unchanged.
  void setJobs(const QList<JobSummary>& jobs);
  const QList<JobSummary>& jobs() const { return jobs_; }

 private:
  QList<JobSummary> jobs_;
};

}  // namespace polyrun::gui
