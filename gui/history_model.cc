#include "history_model.h"

#include <QBrush>
#include <QLocale>

#include "format.h"

namespace polyrun::gui {
namespace {

// The stage whose figures describe the run: run, or compile when nothing ran.
const StageOutcome* decidingStage(const RunRecord& r) {
  if (!r.outcome) return nullptr;
  if (r.outcome->run) return &*r.outcome->run;
  if (r.outcome->compile) return &*r.outcome->compile;
  return nullptr;
}

}  // namespace

QString RunRecord::statusText() const {
  switch (status) {
    case Status::kSubmitted:
      return QStringLiteral("submitted");
    case Status::kQueued:
      return QStringLiteral("queued");
    case Status::kAssigned:
      return slave.isEmpty() ? QStringLiteral("assigned") : QStringLiteral("on %1").arg(slave);
    case Status::kCompiling:
      return QStringLiteral("compiling");
    case Status::kRunning:
      return QStringLiteral("running");
    case Status::kFinished:
      return outcome ? outcome->verdict : QString();
    case Status::kStopped:
      return QStringLiteral("stopped");
    case Status::kFailed:
      return error_code;
  }
  return {};
}

JobSummary RunRecord::summary() const {
  JobSummary s;
  s.job_id = job_id.isEmpty() ? QStringLiteral("(request %1)").arg(request_id) : job_id;
  s.language = outcome && !outcome->language.isEmpty() ? outcome->language : request.language;
  s.version = outcome && !outcome->version.isEmpty() ? outcome->version : request.version;
  s.verdict = statusText();
  s.slave = outcome ? outcome->slave : slave;
  if (outcome) {
    s.queue_ms = outcome->queue_ms;
    s.total_ms = outcome->total_ms;
  } else if (elapsed_ms >= 0) {
    s.total_ms = elapsed_ms;
  }
  if (isOver() && elapsed_ms >= 0)
    s.finished_ago_ms = started_at.addMSecs(elapsed_ms).msecsTo(QDateTime::currentDateTime());
  return s;
}

int HistoryModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(runs_.size());
}

int HistoryModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant HistoryModel::data(const QModelIndex& index, int role) const {
  const RunRecord* r = record(index.row());
  if (!index.isValid() || !r) return {};
  const StageOutcome* stage = decidingStage(*r);
  const int column = index.column();

  if (role == Qt::DisplayRole) {
    switch (column) {
      case kNumber:
        return r->number;
      case kStarted:
        return QLocale().toString(r->started_at.time(), QStringLiteral("HH:mm:ss"));
      case kLanguage:
        return r->outcome && !r->outcome->version.isEmpty()
                   ? r->outcome->language + ' ' + r->outcome->version
                   : r->request.language;
      case kJob:
        return r->job_id;
      case kStatus:
        return r->statusText();
      case kExit:
        if (!stage) return {};
        return stage->signal != 0 ? QStringLiteral("signal %1").arg(stage->signal)
                                  : QString::number(stage->exit_code);
      case kCpu:
        return stage ? formatDuration(stage->cpu_ms) : QVariant();
      case kWall:
        return stage ? formatDuration(stage->wall_ms) : QVariant();
      case kMemory:
        return stage ? formatBytes(double(stage->memory_bytes)) : QVariant();
      case kSlave:
        return r->outcome ? r->outcome->slave : r->slave;
      case kQueue:
        return r->outcome ? formatDuration(r->outcome->queue_ms) : QVariant();
      default:
        return {};
    }
  }
  if (role == kSortRole) {
    switch (column) {
      case kNumber:
        return r->number;
      case kStarted:
        return r->started_at;
      case kCpu:
        return stage ? stage->cpu_ms : -1;
      case kWall:
        return stage ? stage->wall_ms : -1;
      case kMemory:
        return stage ? stage->memory_bytes : -1;
      case kQueue:
        return r->outcome ? r->outcome->queue_ms : -1;
      default:
        return data(index, Qt::DisplayRole);
    }
  }
  if (role == Qt::ForegroundRole && column == kStatus && r->isOver())
    return QBrush(verdictColor(r->statusText()));
  if (role == Qt::ToolTipRole && column == kStatus) {
    if (r->status == RunRecord::Status::kFailed) return r->error_message;
    if (r->outcome && !r->outcome->message.isEmpty()) return r->outcome->message;
    if (r->status == RunRecord::Status::kStopped)
      return tr("Stopped by you; a result that arrives later is ignored.");
  }
  if (role == Qt::TextAlignmentRole) {
    const bool numeric = column == kNumber || column == kExit || column == kCpu ||
                         column == kWall || column == kMemory || column == kQueue;
    return QVariant::fromValue(Qt::Alignment(numeric ? Qt::AlignRight | Qt::AlignVCenter
                                                     : Qt::AlignLeft | Qt::AlignVCenter));
  }
  return {};
}

QVariant HistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kNumber:
      return tr("#");
    case kStarted:
      return tr("Started");
    case kLanguage:
      return tr("Language");
    case kJob:
      return tr("Job");
    case kStatus:
      return tr("Verdict");
    case kExit:
      return tr("Exit");
    case kCpu:
      return tr("CPU");
    case kWall:
      return tr("Wall");
    case kMemory:
      return tr("Memory");
    case kSlave:
      return tr("Slave");
    case kQueue:
      return tr("Queued");
    default:
      return {};
  }
}

int HistoryModel::addRun(const QString& request_id, const JobRequest& request,
                         const QDateTime& started_at) {
  if (runs_.size() >= kMaxRuns) {
    beginRemoveRows({}, 0, 0);
    runs_.removeFirst();
    endRemoveRows();
  }
  RunRecord r;
  r.number = next_number_++;
  r.request_id = request_id;
  r.request = request;
  r.started_at = started_at;
  const int row = static_cast<int>(runs_.size());
  beginInsertRows({}, row, row);
  runs_.append(std::move(r));
  endInsertRows();
  return row;
}

void HistoryModel::setJobId(const QString& request_id, const QString& job_id) {
  const int row = rowOfRequest(request_id);
  RunRecord* r = mutableRecord(row);
  if (!r || job_id.isEmpty()) return;
  // Even a stopped run learns its job id: it is what a cancel names.
  r->job_id = job_id;
  if (r->status == RunRecord::Status::kSubmitted) r->status = RunRecord::Status::kQueued;
  rowChanged(row);
}

void HistoryModel::setProgress(const QString& job_id, const QString& state, const QString& slave) {
  const int row = rowOfJob(job_id);
  RunRecord* r = mutableRecord(row);
  if (!r || r->isOver()) return;
  if (state == QLatin1String("queued")) {
    r->status = RunRecord::Status::kQueued;
  } else if (state == QLatin1String("assigned")) {
    r->status = RunRecord::Status::kAssigned;
  } else if (state == QLatin1String("compiling")) {
    r->status = RunRecord::Status::kCompiling;
  } else if (state == QLatin1String("running")) {
    r->status = RunRecord::Status::kRunning;
  }
  if (!slave.isEmpty()) r->slave = slave;
  rowChanged(row);
}

void HistoryModel::setOutcome(const QString& job_id, const RunOutcome& outcome, qint64 elapsed_ms) {
  const int row = rowOfJob(job_id);
  RunRecord* r = mutableRecord(row);
  if (!r || r->isOver()) return;
  r->status = RunRecord::Status::kFinished;
  r->outcome = outcome;
  if (!outcome.slave.isEmpty()) r->slave = outcome.slave;
  r->elapsed_ms = elapsed_ms;
  rowChanged(row);
}

void HistoryModel::setFailed(const QString& request_id, const QString& code, const QString& message,
                             qint64 elapsed_ms) {
  const int row = rowOfRequest(request_id);
  RunRecord* r = mutableRecord(row);
  if (!r || r->isOver()) return;
  r->status = RunRecord::Status::kFailed;
  r->error_code = code;
  r->error_message = message;
  r->elapsed_ms = elapsed_ms;
  rowChanged(row);
}

void HistoryModel::setStopped(const QString& request_id, qint64 elapsed_ms) {
  const int row = rowOfRequest(request_id);
  RunRecord* r = mutableRecord(row);
  if (!r || r->isOver()) return;
  r->status = RunRecord::Status::kStopped;
  r->elapsed_ms = elapsed_ms;
  rowChanged(row);
}

const RunRecord* HistoryModel::record(int row) const {
  if (row < 0 || row >= runs_.size()) return nullptr;
  return &runs_[row];
}

RunRecord* HistoryModel::mutableRecord(int row) {
  if (row < 0 || row >= runs_.size()) return nullptr;
  return &runs_[row];
}

int HistoryModel::rowOfRequest(const QString& request_id) const {
  if (request_id.isEmpty()) return -1;
  // Newest first: the run being followed is almost always the last one.
  for (int row = static_cast<int>(runs_.size()) - 1; row >= 0; --row) {
    if (runs_[row].request_id == request_id) return row;
  }
  return -1;
}

int HistoryModel::rowOfJob(const QString& job_id) const {
  if (job_id.isEmpty()) return -1;
  for (int row = static_cast<int>(runs_.size()) - 1; row >= 0; --row) {
    if (runs_[row].job_id == job_id) return row;
  }
  return -1;
}

QList<JobSummary> HistoryModel::summaries() const {
  QList<JobSummary> out;
  out.reserve(runs_.size());
  for (auto it = runs_.crbegin(); it != runs_.crend(); ++it) out << it->summary();
  return out;
}

void HistoryModel::rowChanged(int row) {
  emit dataChanged(index(row, 0), index(row, kColumnCount - 1));
}

}  // namespace polyrun::gui
