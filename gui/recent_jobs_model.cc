#include "recent_jobs_model.h"

#include <QBrush>
#include <QSet>

#include "format.h"

namespace polyrun::gui {

int RecentJobsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(jobs_.size());
}

int RecentJobsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant RecentJobsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= jobs_.size()) return {};
  const JobSummary& j = jobs_[index.row()];
  const int column = index.column();
  if (role == Qt::DisplayRole) {
    switch (column) {
      case kJob:
        return j.job_id;
      case kClient:
        return j.client.isEmpty() ? tr("this client") : j.client;
      case kLanguage:
        return j.version.isEmpty() ? j.language : j.language + ' ' + j.version;
      case kVerdict:
        return j.verdict;
      case kSlave:
        return j.slave;
      case kQueue:
        return formatDuration(j.queue_ms);
      case kTotal:
        return formatDuration(j.total_ms);
      case kFinished:
        return j.finished_ago_ms < 0 ? QString()
                                     : tr("%1 ago").arg(formatDuration(j.finished_ago_ms));
      default:
        return {};
    }
  }
  if (role == kSortRole) {
    switch (column) {
      case kQueue:
        return j.queue_ms;
      case kTotal:
        return j.total_ms;
      case kFinished:
        return j.finished_ago_ms;
      default:
        return data(index, Qt::DisplayRole);
    }
  }
  if (role == Qt::ForegroundRole && column == kVerdict) return QBrush(verdictColor(j.verdict));
  if (role == Qt::TextAlignmentRole) {
    const bool numeric = column == kQueue || column == kTotal || column == kFinished;
    return QVariant::fromValue(Qt::Alignment(numeric ? Qt::AlignRight | Qt::AlignVCenter
                                                     : Qt::AlignLeft | Qt::AlignVCenter));
  }
  return {};
}

QVariant RecentJobsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kJob:
      return tr("Job");
    case kClient:
      return tr("Client");
    case kLanguage:
      return tr("Language");
    case kVerdict:
      return tr("Verdict");
    case kSlave:
      return tr("Slave");
    case kQueue:
      return tr("Queued");
    case kTotal:
      return tr("Total");
    case kFinished:
      return tr("Finished");
    default:
      return {};
  }
}

void RecentJobsModel::setJobs(const QList<JobSummary>& jobs) {
  if (jobs == jobs_) return;
  // Remove the jobs no longer listed, then walk the new list: a job already at its place is
  // updated, one found further down is moved up, a new one is inserted. Lists are short (tens).
  QSet<QString> incoming;
  for (const JobSummary& j : jobs) incoming.insert(j.job_id);
  for (int row = static_cast<int>(jobs_.size()) - 1; row >= 0; --row) {
    if (incoming.contains(jobs_[row].job_id)) continue;
    beginRemoveRows({}, row, row);
    jobs_.removeAt(row);
    endRemoveRows();
  }
  for (int row = 0; row < jobs.size(); ++row) {
    const JobSummary& j = jobs[row];
    int at = -1;
    for (int r = row; r < jobs_.size(); ++r) {
      if (jobs_[r].job_id == j.job_id) {
        at = r;
        break;
      }
    }
    if (at < 0) {
      beginInsertRows({}, row, row);
      jobs_.insert(row, j);
      endInsertRows();
      continue;
    }
    if (at != row) {
      beginMoveRows({}, at, at, {}, row);
      jobs_.move(at, row);
      endMoveRows();
    }
    if (!(jobs_[row] == j)) {
      jobs_[row] = j;
      emit dataChanged(index(row, 0), index(row, kColumnCount - 1));
    }
  }
  // Left over only when the old list named a job twice.
  if (jobs_.size() > jobs.size()) {
    beginRemoveRows({}, static_cast<int>(jobs.size()), static_cast<int>(jobs_.size()) - 1);
    jobs_.resize(jobs.size());
    endRemoveRows();
  }
}

}  // namespace polyrun::gui
