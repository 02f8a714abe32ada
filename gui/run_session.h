// The runs of one window, without widgets: submits a job through the MasterConnection, follows
// the one under way (accepted, progress, result, cancel, errors) and keeps the session's
// HistoryModel and MessageLog up to date. The Run page drives it and shows what it signals; a
// test drives it against a fake master with no window at all.
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <utility>

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
  /// The Stop control. A live run (JobRequest::stream) the master has named is interrupted
  /// first: its program gets SIGINT, as Ctrl-C in a terminal would, and may end as it likes. A
  /// second stop(), or stopGraceMs() without an end, cancels it. Any other run is cancelled at
  /// once (cancel()).
  void stop();
  /// Ends the run under way: asks the master to cancel the job (at once, or as soon as the
  /// master has named it) and ignores whatever it still sends about it.
  void cancel();
  /// True between a stop() that sent SIGINT and the run's end.
  bool isInterrupting() const { return interrupting_; }
  /// How long an interrupted run may take to end before it is cancelled (default 2000 ms).
  void setStopGraceMs(int ms) { stop_timer_.setInterval(ms); }
  int stopGraceMs() const { return stop_timer_.interval(); }

  /// The run under way (or the last run) streams its output / takes input while it runs.
  bool isLive() const { return live_; }
  bool isInteractive() const { return interactive_; }
  /// True while input may be sent: an interactive run under way whose input has not ended.
  bool inputOpen() const { return isRunning() && interactive_ && !input_ended_; }
  /// True when the run under way (or the last run) was sent input by sendInput().
  bool inputSent() const { return input_sent_; }
  /// Bytes for the program's stdin (`input`); sent as soon as the master has named the job,
  /// in order. False, and nothing sent, when !inputOpen().
  bool sendInput(const QByteArray& data);
  /// Ends the program's stdin (`input` with `eof`); inputOpen() is false from then on.
  bool endInput();
  /// An interactive run that has been running with no output and no input for this long, and
  /// was never sent input, signals waitingForInput() (default 1500 ms).
  void setInputHintDelayMs(int ms) { idle_timer_.setInterval(ms); }
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
  /// The live run under way wrote something (its chunks in order, bytes as written).
  void outputReceived(const polyrun::gui::LiveOutput& output);
  /// The live run under way went back to the queue (its slave was lost): its output starts over.
  void outputRestarted();
  /// inputOpen() or isInterrupting() changed.
  void inputStateChanged();
  /// The interactive run under way seems to wait for input nobody has typed (see
  /// setInputHintDelayMs()).
  void waitingForInput();

 private:
  void onJobAccepted(const QString& request_id, const QString& job_id);
  void onJobProgress(const QString& job_id, const QString& state, const QString& slave);
  void onJobCaseFinished(const QString& job_id, const CaseOutcome& outcome);
  void onJobFinished(const QString& job_id, const RunOutcome& outcome);
  void onJobCancelled(const QString& request_id, const QString& job_id);
  void onJobDetached(const QString& request_id, const QString& job_id);
  void onErrorReceived(const QString& request_id, const QString& code, const QString& message);
  void onJobOutput(const QString& job_id, const LiveOutput& output);
  /// An error answering one of this session's input or signal messages; false for any other.
  bool takeLiveError(const QString& request_id, const QString& code, const QString& message);
  void interrupt();
  void flushInput();
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

  // The live run (docs/gui.md, "Live runs").
  bool live_ = false;
  bool interactive_ = false;
  bool input_ended_ = false;  // endInput() was called (or the master refused input)
  bool input_sent_ = false;
  bool past_queued_ = false;  // a progress after `queued`: a later `queued` is a requeue
  bool interrupting_ = false;
  // Input given before the master named the job: (bytes, eof), sent once it has.
  QList<std::pair<QByteArray, bool>> pending_input_;
  QSet<QString> input_requests_;  // ids of input messages sent (only errors are answered)
  QString signal_request_;        // id of the SIGINT sent by stop()
  QTimer stop_timer_;             // cancels an interrupted run that does not end
  QTimer idle_timer_;             // waitingForInput()
};

}  // namespace polyrun::gui
