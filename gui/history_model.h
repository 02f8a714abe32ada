// The runs of this session, newest last: what was asked, how far it got, how it ended. The run
// page adds a row per Run and updates it from the connection's signals; the history page lists
// them and reopens one; the cluster page shows them when the master lists no recent jobs.
#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>
#include <optional>

#include "client_types.h"

namespace polyrun::gui {

/// One run of this session.
struct RunRecord {
  enum class Status {
    kSubmitted,  // sent, not yet accepted
    kQueued,
    kAssigned,
    kCompiling,
    kRunning,
    kFinished,  // a result arrived: `outcome` is set
    kStopped,   // the user stopped it; a later result is ignored
    kFailed,    // an error ended it: `error_code`, `error_message`
  };

  int number = 0;      // 1, 2, ... in the order of Run
  QString request_id;  // MasterConnection's id of the submit
  QString job_id;      // the master's, once accepted
  QDateTime started_at;
  qint64 elapsed_ms = -1;  // from Run to the end; -1 while under way
  JobRequest request;      // to load the program back into the editor
  Status status = Status::kSubmitted;
  QString slave;
  std::optional<RunOutcome> outcome;
  QString error_code;
  QString error_message;

  bool isOver() const {
    return status == Status::kFinished || status == Status::kStopped || status == Status::kFailed;
  }
  /// What the status column says: the verdict, "stopped", the error code, or the progress state.
  QString statusText() const;
  /// As a line of a recent-jobs list.
  JobSummary summary() const;
};

class HistoryModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    kNumber,
    kStarted,
    kLanguage,
    kJob,
    kStatus,
    kExit,
    kCpu,
    kWall,
    kMemory,
    kSlave,
    kQueue,
    kColumnCount
  };
  /// Raw values (numbers as numbers) for sorting.
  static constexpr int kSortRole = Qt::UserRole;
  /// Oldest runs are dropped beyond this many, so a long session does not hoard outputs.
  static constexpr int kMaxRuns = 200;

  using QAbstractTableModel::QAbstractTableModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  /// A run was submitted. Returns its row.
  int addRun(const QString& request_id, const JobRequest& request, const QDateTime& started_at);
  /// The calls below find the run by its request or job id and do nothing when there is none
  /// or it is over (a late message for a stopped run changes nothing).
  void setJobId(const QString& request_id, const QString& job_id);
  /// `state` as in a progress message: queued, assigned, compiling, running.
  void setProgress(const QString& job_id, const QString& state, const QString& slave);
  void setOutcome(const QString& job_id, const RunOutcome& outcome, qint64 elapsed_ms);
  void setFailed(const QString& request_id, const QString& code, const QString& message,
                 qint64 elapsed_ms);
  void setStopped(const QString& request_id, qint64 elapsed_ms);

  const RunRecord* record(int row) const;
  int rowOfRequest(const QString& request_id) const;
  int rowOfJob(const QString& job_id) const;
  /// Newest first, as a recent-jobs list shows them.
  QList<JobSummary> summaries() const;

 private:
  RunRecord* mutableRecord(int row);
  void rowChanged(int row);

  QList<RunRecord> runs_;
  int next_number_ = 1;
};

}  // namespace polyrun::gui
