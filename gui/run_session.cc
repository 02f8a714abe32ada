#include "run_session.h"

#include <QDateTime>

#include "format.h"
#include "history_model.h"
#include "master_connection.h"
#include "message_log.h"

namespace polyrun::gui {

using Severity = MessageLog::Severity;

RunSession::RunSession(MasterConnection* connection, HistoryModel* history, MessageLog* messages,
                       QObject* parent)
    : QObject(parent), connection_(connection), history_(history), messages_(messages) {
  connect(connection_, &MasterConnection::jobAccepted, this, &RunSession::onJobAccepted);
  connect(connection_, &MasterConnection::jobProgress, this, &RunSession::onJobProgress);
  connect(connection_, &MasterConnection::jobCaseFinished, this, &RunSession::onJobCaseFinished);
  connect(connection_, &MasterConnection::jobFinished, this, &RunSession::onJobFinished);
  connect(connection_, &MasterConnection::jobCancelled, this, &RunSession::onJobCancelled);
  connect(connection_, &MasterConnection::jobDetached, this, &RunSession::onJobDetached);
  connect(connection_, &MasterConnection::errorReceived, this, &RunSession::onErrorReceived);
  connect(connection_, &MasterConnection::jobOutput, this, &RunSession::onJobOutput);
  stop_timer_.setSingleShot(true);
  stop_timer_.setInterval(2000);
  connect(&stop_timer_, &QTimer::timeout, this, [this] {
    if (!interrupting_ || !isRunning()) return;
    messages_->add(Severity::kInfo, tr("Job %1 did not end within %2 s of SIGINT; cancelling it.")
                                        .arg(current_job_)
                                        .arg(stop_timer_.interval() / 1000.0));
    cancel();
  });
  idle_timer_.setSingleShot(true);
  idle_timer_.setInterval(1500);
  connect(&idle_timer_, &QTimer::timeout, this, [this] {
    if (inputOpen() && !input_sent_) emit waitingForInput();
  });
}

bool RunSession::canStart() const { return !isRunning() && connection_->isConnected(); }

bool RunSession::start(const JobRequest& job) {
  if (!canStart()) return false;
  current_request_ = connection_->submit(job);
  current_job_.clear();
  history_->addRun(current_request_, job, QDateTime::currentDateTime());
  live_ = job.stream || job.interactive;
  interactive_ = job.interactive;
  input_ended_ = input_sent_ = past_queued_ = interrupting_ = false;
  pending_input_.clear();
  input_requests_.clear();
  signal_request_.clear();
  progress_steps_ = {tr("submitted")};
  last_run_ms_ = -1;
  run_clock_.start();
  emit started();
  emit runningChanged(true);
  emit inputStateChanged();
  emit progressChanged();
  return true;
}

void RunSession::stop() {
  if (!isRunning()) return;
  // A live program may want to clean up on Ctrl-C: give it SIGINT first, then cancel.
  if (live_ && !interrupting_ && !current_job_.isEmpty()) {
    interrupt();
    return;
  }
  cancel();
}

void RunSession::interrupt() {
  signal_request_ = connection_->sendSignal(current_job_, QStringLiteral("SIGINT"));
  if (signal_request_.isEmpty()) {  // not connected: nothing to interrupt it with
    cancel();
    return;
  }
  interrupting_ = true;
  stop_timer_.start();
  addProgressStep(tr("SIGINT sent"));
  emit inputStateChanged();
}

bool RunSession::sendInput(const QByteArray& data) {
  if (!inputOpen()) return false;
  pending_input_.append({data, false});
  input_sent_ = true;
  idle_timer_.stop();
  flushInput();
  return true;
}

bool RunSession::endInput() {
  if (!inputOpen()) return false;
  pending_input_.append({QByteArray(), true});
  input_ended_ = true;
  idle_timer_.stop();
  flushInput();
  emit inputStateChanged();
  return true;
}

void RunSession::flushInput() {
  // Before the master has named the job there is no id to send input to; the master keeps
  // input that arrives before the program starts, so sending at acceptance loses nothing.
  if (current_job_.isEmpty()) return;
  while (!pending_input_.isEmpty()) {
    const auto [data, eof] = pending_input_.takeFirst();
    const QString id = connection_->sendInput(current_job_, data, eof);
    if (id.isEmpty()) {
      messages_->add(
          Severity::kWarning,
          tr("Input for job %1 was not sent: not connected to the master.").arg(current_job_));
      continue;
    }
    input_requests_.insert(id);
  }
}

void RunSession::onJobOutput(const QString& job_id, const LiveOutput& output) {
  if (!isRunning() || job_id.isEmpty() || job_id != current_job_) return;
  if (inputOpen() && !input_sent_) idle_timer_.start();  // idle counts from the last output
  emit outputReceived(output);
}

bool RunSession::takeLiveError(const QString& request_id, const QString& code,
                               const QString& message) {
  if (request_id.isEmpty()) return false;
  if (input_requests_.remove(request_id) > 0) {
    messages_->add(
        Severity::kWarning,
        tr("Input not delivered to job %1: %2").arg(current_job_, describeError(code, message)));
    if (code == QLatin1String("unknown_type") && isRunning() && !input_ended_) {
      // A master that does not know `input` will take none: say so once, close the line.
      input_ended_ = true;
      emit inputStateChanged();
    }
    return true;
  }
  if (request_id != signal_request_) return false;
  signal_request_.clear();
  if (!isRunning() || !interrupting_) return true;  // ended meanwhile
  // The master could not interrupt it (an older master, or the job is not live there): a
  // Stop must still stop, so cancel now rather than after the grace time.
  messages_->add(Severity::kWarning, tr("Could not interrupt job %1 (%2); cancelling it.")
                                         .arg(current_job_, describeError(code, message)));
  cancel();
  return true;
}

void RunSession::cancel() {
  if (!isRunning()) return;
  history_->setStopped(current_request_, run_clock_.elapsed());
  // Without a job id yet, onJobAccepted() sends the cancel once the master names the job.
  if (!current_job_.isEmpty()) sendCancel(current_job_);
  emit stopped(current_job_);
  finishRun(tr("stopped"));
}

qint64 RunSession::elapsedMs() const { return isRunning() ? run_clock_.elapsed() : last_run_ms_; }

QString RunSession::progressText() const {
  if (progress_steps_.isEmpty()) return {};
  const qint64 ms = elapsedMs();
  QString text = progress_steps_.join(QStringLiteral(" → "));
  if (!current_job_.isEmpty()) text.prepend(current_job_ + QStringLiteral(": "));
  if (ms >= 0) text += QStringLiteral("  ·  ") + formatDuration(ms);
  return text;
}

void RunSession::sendCancel(const QString& job_id) {
  const QString id = connection_->cancel(job_id);
  if (!id.isEmpty()) cancel_requests_.insert(id, job_id);
}

void RunSession::onJobAccepted(const QString& request_id, const QString& job_id) {
  if (request_id.isEmpty()) return;
  history_->setJobId(request_id, job_id);
  if (request_id == current_request_) {
    current_job_ = job_id;
    flushInput();
    emit progressChanged();
    return;
  }
  // Stopped before the master named the job: cancel it now.
  const RunRecord* r = history_->record(history_->rowOfRequest(request_id));
  if (r && r->status == RunRecord::Status::kStopped) sendCancel(job_id);
}

void RunSession::onJobProgress(const QString& job_id, const QString& state, const QString& slave) {
  if (job_id.isEmpty()) return;
  history_->setProgress(job_id, state, slave);
  if (!isRunning() || job_id != current_job_) return;
  if (state == QLatin1String("queued")) {
    if (past_queued_ && live_) emit outputRestarted();  // given back by a lost slave
    past_queued_ = false;
  } else {
    past_queued_ = true;
  }
  if (state == QLatin1String("running") && inputOpen() && !input_sent_) idle_timer_.start();
  if (state == QLatin1String("assigned")) {
    addProgressStep(slave.isEmpty() ? state : tr("on %1").arg(slave));
  } else {
    addProgressStep(state);
  }
}

void RunSession::onJobCaseFinished(const QString& job_id, const CaseOutcome& outcome) {
  if (isRunning() && !job_id.isEmpty() && job_id == current_job_) emit caseFinished(outcome);
}

void RunSession::onJobFinished(const QString& job_id, const RunOutcome& outcome) {
  if (job_id.isEmpty()) return;
  const bool current = isRunning() && job_id == current_job_;
  history_->setOutcome(job_id, outcome, current ? run_clock_.elapsed() : -1);  // stopped: ignored
  if (!current) return;
  emit finished(outcome);
  finishRun(outcome.verdict);
}

void RunSession::onJobCancelled(const QString& request_id, const QString& job_id) {
  if (cancel_requests_.remove(request_id) > 0) {
    messages_->add(Severity::kInfo, tr("Job %1 cancelled.").arg(job_id));
    return;
  }
  // The answer to the job's own submit: cancelled by this session (the run is already stopped)
  // or by someone else, which ends the run here.
  const RunRecord* r = history_->record(history_->rowOfRequest(request_id));
  if (!r || r->isOver()) return;
  const QString why = tr("Job %1 was cancelled by another client.").arg(job_id);
  history_->setFailed(request_id, QStringLiteral("cancelled"), why, run_clock_.elapsed());
  messages_->add(Severity::kWarning, why);
  if (request_id == current_request_) {
    emit failed(QStringLiteral("cancelled"), why);
    finishRun(tr("cancelled"));
  }
}

void RunSession::onJobDetached(const QString& request_id, const QString& job_id) {
  // The job runs on in the cluster; the connection fetches its end once reconnected.
  if (request_id == current_request_ && job_id == current_job_)
    addProgressStep(tr("connection lost, result awaited"));
}

void RunSession::onErrorReceived(const QString& request_id, const QString& code,
                                 const QString& message) {
  if (takeLiveError(request_id, code, message)) return;
  if (cancel_requests_.contains(request_id)) {
    const QString job_id = cancel_requests_.take(request_id);
    if (code == QLatin1String("already_finished")) {
      messages_->add(Severity::kInfo,
                     tr("Job %1 had already finished; its result is ignored.").arg(job_id));
    } else if (code == QLatin1String("unknown_type")) {
      messages_->add(Severity::kWarning,
                     tr("This master cannot cancel jobs: job %1 runs to its end on the cluster; "
                        "its result will be ignored.")
                         .arg(job_id));
    } else {
      messages_->add(Severity::kWarning,
                     tr("Could not cancel job %1: %2").arg(job_id, describeError(code, message)));
    }
    return;
  }
  // Errors that answer no run of this session (an empty id: e.g. queue_full, bad_frame) are
  // reported here too: the session is where the master's errors reach the user.
  const RunRecord* r = history_->record(history_->rowOfRequest(request_id));
  if (r && r->isOver()) return;  // e.g. the lost connection of a run already stopped
  if (r) history_->setFailed(request_id, code, message, run_clock_.elapsed());
  messages_->add(Severity::kError, describeError(code, message));
  if (!request_id.isEmpty() && request_id == current_request_) {
    emit failed(code, message);
    finishRun(code);
  }
}

void RunSession::finishRun(const QString& last_step) {
  last_run_ms_ = run_clock_.elapsed();
  current_request_.clear();
  interrupting_ = false;
  stop_timer_.stop();
  idle_timer_.stop();
  pending_input_.clear();
  addProgressStep(last_step);  // current_job_ stays for the progress line until the next run
  emit runningChanged(false);
  emit inputStateChanged();
}

void RunSession::addProgressStep(const QString& step) {
  if (progress_steps_.isEmpty() || progress_steps_.last() != step) progress_steps_ << step;
  emit progressChanged();
}

}  // namespace polyrun::gui
