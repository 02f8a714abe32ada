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
  connect(connection_, &MasterConnection::jobFinished, this, &RunSession::onJobFinished);
  connect(connection_, &MasterConnection::jobCancelled, this, &RunSession::onJobCancelled);
  connect(connection_, &MasterConnection::jobDetached, this, &RunSession::onJobDetached);
  connect(connection_, &MasterConnection::errorReceived, this, &RunSession::onErrorReceived);
}

bool RunSession::canStart() const { return !isRunning() && connection_->isConnected(); }

bool RunSession::start(const JobRequest& job) {
  if (!canStart()) return false;
  currentRequest_ = connection_->submit(job);
  currentJob_.clear();
  history_->addRun(currentRequest_, job, QDateTime::currentDateTime());
  progressSteps_ = {tr("submitted")};
  lastRunMs_ = -1;
  runClock_.start();
  emit started();
  emit runningChanged(true);
  emit progressChanged();
  return true;
}

void RunSession::stop() {
  if (!isRunning()) return;
  history_->setStopped(currentRequest_, runClock_.elapsed());
  // Without a job id yet, onJobAccepted() sends the cancel once the master names the job.
  if (!currentJob_.isEmpty()) sendCancel(currentJob_);
  emit stopped(currentJob_);
  finishRun(tr("stopped"));
}

qint64 RunSession::elapsedMs() const { return isRunning() ? runClock_.elapsed() : lastRunMs_; }

QString RunSession::progressText() const {
  if (progressSteps_.isEmpty()) return {};
  const qint64 ms = elapsedMs();
  QString text = progressSteps_.join(QStringLiteral(" → "));
  if (!currentJob_.isEmpty()) text.prepend(currentJob_ + QStringLiteral(": "));
  if (ms >= 0) text += QStringLiteral("  ·  ") + formatDuration(ms);
  return text;
}

void RunSession::sendCancel(const QString& jobId) {
  const QString id = connection_->cancel(jobId);
  if (!id.isEmpty()) cancelRequests_.insert(id, jobId);
}

void RunSession::onJobAccepted(const QString& requestId, const QString& jobId) {
  if (requestId.isEmpty()) return;
  history_->setJobId(requestId, jobId);
  if (requestId == currentRequest_) {
    currentJob_ = jobId;
    emit progressChanged();
    return;
  }
  // Stopped before the master named the job: cancel it now.
  const RunRecord* r = history_->record(history_->rowOfRequest(requestId));
  if (r && r->status == RunRecord::Status::kStopped) sendCancel(jobId);
}

void RunSession::onJobProgress(const QString& jobId, const QString& state, const QString& slave) {
  if (jobId.isEmpty()) return;
  history_->setProgress(jobId, state, slave);
  if (!isRunning() || jobId != currentJob_) return;
  if (state == QLatin1String("assigned")) {
    addProgressStep(slave.isEmpty() ? state : tr("on %1").arg(slave));
  } else {
    addProgressStep(state);
  }
}

void RunSession::onJobFinished(const QString& jobId, const RunOutcome& outcome) {
  if (jobId.isEmpty()) return;
  const bool current = isRunning() && jobId == currentJob_;
  history_->setOutcome(jobId, outcome, current ? runClock_.elapsed() : -1);  // stopped: ignored
  if (!current) return;
  emit finished(outcome);
  finishRun(outcome.verdict);
}

void RunSession::onJobCancelled(const QString& requestId, const QString& jobId) {
  if (cancelRequests_.remove(requestId) > 0) {
    messages_->add(Severity::kInfo, tr("Job %1 cancelled.").arg(jobId));
    return;
  }
  // The answer to the job's own submit: cancelled by this session (the run is already stopped)
  // or by someone else, which ends the run here.
  const RunRecord* r = history_->record(history_->rowOfRequest(requestId));
  if (!r || r->isOver()) return;
  const QString why = tr("Job %1 was cancelled by another client.").arg(jobId);
  history_->setFailed(requestId, QStringLiteral("cancelled"), why, runClock_.elapsed());
  messages_->add(Severity::kWarning, why);
  if (requestId == currentRequest_) {
    emit failed(QStringLiteral("cancelled"), why);
    finishRun(tr("cancelled"));
  }
}

void RunSession::onJobDetached(const QString& requestId, const QString& jobId) {
  // The job runs on in the cluster; the connection fetches its end once reconnected.
  if (requestId == currentRequest_ && jobId == currentJob_)
    addProgressStep(tr("connection lost, result awaited"));
}

void RunSession::onErrorReceived(const QString& requestId, const QString& code,
                                 const QString& message) {
  if (cancelRequests_.contains(requestId)) {
    const QString jobId = cancelRequests_.take(requestId);
    if (code == QLatin1String("already_finished")) {
      messages_->add(Severity::kInfo,
                     tr("Job %1 had already finished; its result is ignored.").arg(jobId));
    } else if (code == QLatin1String("unknown_type")) {
      messages_->add(Severity::kWarning,
                     tr("This master cannot cancel jobs: job %1 runs to its end on the cluster; "
                        "its result will be ignored.")
                         .arg(jobId));
    } else {
      messages_->add(Severity::kWarning,
                     tr("Could not cancel job %1: %2").arg(jobId, describeError(code, message)));
    }
    return;
  }
  // Errors that answer no run of this session (an empty id: e.g. queue_full, bad_frame) are
  // reported here too: the session is where the master's errors reach the user.
  const RunRecord* r = history_->record(history_->rowOfRequest(requestId));
  if (r && r->isOver()) return;  // e.g. the lost connection of a run already stopped
  if (r) history_->setFailed(requestId, code, message, runClock_.elapsed());
  messages_->add(Severity::kError, describeError(code, message));
  if (!requestId.isEmpty() && requestId == currentRequest_) {
    emit failed(code, message);
    finishRun(code);
  }
}

void RunSession::finishRun(const QString& lastStep) {
  lastRunMs_ = runClock_.elapsed();
  currentRequest_.clear();
  addProgressStep(lastStep);  // currentJob_ stays for the progress line until the next run
  emit runningChanged(false);
}

void RunSession::addProgressStep(const QString& step) {
  if (progressSteps_.isEmpty() || progressSteps_.last() != step) progressSteps_ << step;
  emit progressChanged();
}

}  // namespace polyrun::gui
