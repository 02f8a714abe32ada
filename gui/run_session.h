// The runs of one window, without widgets: submits a job through the MasterConnection, follows
// the one under way (accepted, progress, result, cancel, errors) and keeps the session's
// HistoryModel and MessageLog up to date. The Run page drives it and shows what it signals; a
// test drives it against a fake master with no window at all.
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QStringList>

#include "client_types.h"

namespace polyrun::gui {

class HistoryModel;
class MasterConnection;
class MessageLog;

class RunSession : public QObject {
  Q_OBJECT

 public:
  /// None of the arguments is owned; all must outlive the session.
  RunSession(MasterConnection* connection, HistoryModel* history, MessageLog* messages,
             QObject* parent = nullptr);

  MasterConnection* connection() const { return connection_; }
  /// True when start() would submit: connected, and no run under way.
  bool canStart() const;
  /// Submits `job` and adds it to the history. False, and nothing sent, when !canStart().
  bool start(const JobRequest& job);
  /// Stops the run under way: asks the master to cancel the job (at once, or as soon as the
  /// master has named it) and ignores whatever it still sends about it.
  void stop();
  /// True from start() until the result, an error or stop().
  bool isRunning() const { return !current_request_.isEmpty(); }
  /// The master's id of the run under way, or of the last run until the next starts; empty
  /// until the master has accepted it.
  QString jobId() const { return current_job_; }
  /// What the run went through: "submitted", "queued", "on slave-a", "running", then how it
  /// ended (a verdict, an error code, "stopped").
  QStringList steps() const { return progress_steps_; }
  /// Milliseconds the run under way has taken so far, or the last run took; -1 before the first.
  qint64 elapsedMs() const;
  /// One line for a status bar: "j-000042: submitted → queued → OK  ·  14 ms"; empty before the
  /// first run.
  QString progressText() const;

 signals:
  /// start() submitted a job.
  void started();
  /// steps(), jobId() or isRunning() changed.
  void progressChanged();
  /// A test case of the run under way (a judged job) ended; cases may end in any order.
  void caseFinished(const polyrun::gui::CaseOutcome& outcome);
  /// The run under way ended with a result.
  void finished(const polyrun::gui::RunOutcome& outcome);
  /// The run under way ended without a result: an error from the master or the connection
  /// (`code` as on the wire, e.g. "unknown_language", "connection_lost"), or "cancelled" by
  /// another client.
  void failed(const QString& code, const QString& message);
  /// stop() ended the run under way; `job_id` is empty when the master had not named it yet.
  void stopped(const QString& job_id);
  /// isRunning() changed.
  void runningChanged(bool running);

 private:
  void onJobAccepted(const QString& request_id, const QString& job_id);
  void onJobProgress(const QString& job_id, const QString& state, const QString& slave);
  void onJobCaseFinished(const QString& job_id, const CaseOutcome& outcome);
  void onJobFinished(const QString& job_id, const RunOutcome& outcome);
  void onJobCancelled(const QString& request_id, const QString& job_id);
  void onJobDetached(const QString& request_id, const QString& job_id);
  void onErrorReceived(const QString& request_id, const QString& code, const QString& message);
  void sendCancel(const QString& job_id);
  void finishRun(const QString& last_step);
  void addProgressStep(const QString& step);

  MasterConnection* connection_;
  HistoryModel* history_;
  MessageLog* messages_;

  QElapsedTimer run_clock_;
  QString current_request_;  // request id of the run under way; empty when idle
  QString current_job_;      // its job id, once accepted
  QStringList progress_steps_;
  qint64 last_run_ms_ = -1;  // elapsed time of the finished run, -1 before the first
  QHash<QString, QString> cancel_requests_;  // cancel request id -> job id, until answered
};

}  // namespace polyrun::gui
