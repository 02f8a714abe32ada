#include "master_connection.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <QSet>
#include <QTcpSocket>
#include <QtConcurrent/QtConcurrentRun>
#include <QtEndian>
#include <algorithm>
#include <exception>
#include <utility>

#include "connection_status.h"
#include "polyrun/protocol.h"
#include "polyrun/wire_bytes.h"

namespace polyrun::gui {
namespace {
using nlohmann::json;

QString stringOf(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return QString::fromStdString(it->get_ref<const std::string&>());
}

// The protocol lets a request id be a string or a number; we send strings, but accept both.
QString idOf(const json& j) {
  auto it = j.find("id");
  if (it == j.end()) return {};
  if (it->is_string()) return QString::fromStdString(it->get_ref<const std::string&>());
  if (it->is_number_integer()) return QString::number(it->get<qint64>());
  return {};
}

}  // namespace

DecodedFrame decodeFrame(const QByteArray& frame, size_t max_frame_bytes) {
  DecodedFrame out;
  // A fresh reader per frame: core's FrameReader stays the one definition of a valid frame.
  FrameReader reader(max_frame_bytes);
  if (!reader.feed(frame.constData(), static_cast<size_t>(frame.size()))) {
    out.error = QString::fromStdString(reader.error());
    return out;
  }
  if (!reader.next(&out.message)) {
    out.error = QStringLiteral("incomplete frame");
    return out;
  }
  try {
    // A `result`, or a `job` reply carrying one: the two places a (large) result arrives.
    const std::string& type = out.message.at("type").get_ref<const std::string&>();
    if (type == msg::kResult || (type == msg::kJob && out.message.contains("result"))) {
      auto result = out.message.find("result");
      if (result == out.message.end()) {
        out.outcome_error = QStringLiteral("the result message has no \"result\" object");
      } else if (runOutcomeFromJson(*result, &out.outcome, &out.outcome_error)) {
        out.has_outcome = true;
        out.message.erase(result);  // converted: do not keep the output twice
      }
    }
  } catch (const std::exception& e) {
    out.outcome_error = QString::fromUtf8(e.what());
  }
  return out;
}

MasterConnection::MasterConnection(QObject* parent)
    : QObject(parent), socket_(new QTcpSocket(this)) {
  qRegisterMetaType<Runtime>();
  qRegisterMetaType<QList<Runtime>>();
  qRegisterMetaType<ClusterSnapshot>();
  qRegisterMetaType<RunOutcome>();
  qRegisterMetaType<CaseOutcome>();
  qRegisterMetaType<LiveOutput>();
  qRegisterMetaType<ClusterEvent>();

  // Results are sent as soon as they are ready; small requests should not wait for Nagle.
  socket_->setSocketOption(QAbstractSocket::LowDelayOption, 1);
  connect(socket_, &QTcpSocket::connected, this, &MasterConnection::onSocketConnected);
  connect(socket_, &QTcpSocket::readyRead, this, &MasterConnection::onReadyRead);
  connect(socket_, &QTcpSocket::errorOccurred, this, &MasterConnection::onSocketError);
  connect(socket_, &QTcpSocket::disconnected, this, &MasterConnection::onSocketDisconnected);

  reconnect_timer_.setSingleShot(true);
  connect(&reconnect_timer_, &QTimer::timeout, this, &MasterConnection::startAttempt);
  connect_timeout_timer_.setSingleShot(true);
  connect(&connect_timeout_timer_, &QTimer::timeout, this, &MasterConnection::onConnectTimeout);

  decode_pool_.setMaxThreadCount(1);
  connect(&decode_watcher_, &QFutureWatcherBase::finished, this,
          &MasterConnection::onThreadedDecodeFinished);
}

MasterConnection::~MasterConnection() {
  // The socket is destroyed after this body, by ~QObject; it would signal a half-destroyed
  // object on its way out.
  socket_->disconnect(this);
  socket_->abort();
}

QString MasterConnection::stateText() const {
  return connectionStateText({state_, host_, port_, last_error_, reconnectDelayMs()});
}

void MasterConnection::setReconnectBackoff(int initial_ms, int max_ms) {
  initial_backoff_ms_ = std::max(1, initial_ms);
  max_backoff_ms_ = std::max(initial_backoff_ms_, max_ms);
  next_backoff_ms_ = initial_backoff_ms_;
}

int MasterConnection::reconnectDelayMs() const {
  if (state_ != State::kWaitingToReconnect || !reconnect_timer_.isActive()) return 0;
  return std::max(0, reconnect_timer_.remainingTime());
}

void MasterConnection::connectToMaster(const QString& host, quint16 port) {
  const bool same_master = host == host_ && port == port_;
  const QString why = tr("switching to %1:%2").arg(host).arg(port);
  if (state_ == State::kConnecting || state_ == State::kConnected) {
    // Another master: end this one without scheduling a retry of the old address. The same one
    // (say, with a new token): its jobs in flight detach and carry over to the new connection.
    if (!same_master) want_connected_ = false;
    connectionEnded(why);
  }
  if (!same_master) abandonDetachedJobs(why);  // another master does not know this one's jobs
  host_ = host;
  port_ = port;
  want_connected_ = true;
  next_backoff_ms_ = initial_backoff_ms_;
  reconnect_timer_.stop();
  startAttempt();
}

void MasterConnection::setAddress(const QString& host, quint16 port) {
  if (state_ == State::kConnecting || state_ == State::kConnected) return;
  host_ = host;
  port_ = port;
}

void MasterConnection::disconnectFromMaster() {
  want_connected_ = false;
  reconnect_timer_.stop();
  if (state_ == State::kConnecting || state_ == State::kConnected) {
    connectionEnded(tr("disconnected by the user"));
    return;
  }
  setState(State::kDisconnected);
  // Between two attempts: the jobs waiting for the next connection will not get one.
  abandonDetachedJobs(tr("disconnected by the user"));
}

void MasterConnection::reconnectNow() {
  if (host_.isEmpty()) return;
  // A connection that is up (or on its way) is replaced by a fresh one; its accepted jobs
  // detach and are looked up on the new one, like after any loss.
  if (state_ == State::kConnecting || state_ == State::kConnected)
    connectionEnded(tr("reconnect requested"));
  if (state_ == State::kWaitingToReconnect) {
    reconnect_timer_.stop();
    startAttempt();
  } else if (state_ == State::kDisconnected) {
    connectToMaster(host_, port_);
  }
}

void MasterConnection::startAttempt() {
  inbox_.clear();  // a new connection starts a new byte stream
  frames_.clear();
  socket_->abort();
  setState(State::kConnecting);
  connect_timeout_timer_.start(connect_timeout_ms_);
  socket_->connectToHost(host_, port_);
}

void MasterConnection::onSocketConnected() {
  if (state_ != State::kConnecting) return;
  connect_timeout_timer_.stop();
  next_backoff_ms_ = initial_backoff_ms_;
  last_error_.clear();
  // The token goes first; requests sent after it are read by the master only once it has
  // accepted the token, so nobody waits for `authenticated`.
  if (!token_.isEmpty()) {
    pending_auth_ =
        sendRequest(RequestKind::kAuth, {{"type", msg::kAuth}, {"token", token_.toStdString()}});
  }
  for (const auto& [id, job_id] : std::exchange(queued_cancels_, {})) {
    pending_.insert(id, RequestKind::kCancel);
    sendMessage(
        {{"type", msg::kCancel}, {"id", id.toStdString()}, {"job_id", job_id.toStdString()}});
  }
  for (auto it = orphans_.begin(); it != orphans_.end(); ++it) {
    // wait: the master answers when the job ends (at once when it already has).
    const QString id =
        sendRequest(RequestKind::kLookup,
                    {{"type", msg::kJob}, {"job_id", it.key().toStdString()}, {"wait", true}});
    lookups_.insert(id, it.key());
  }
  if (events_wanted_) sendSubscribe();
  setState(State::kConnected);
  emit connected();
}

void MasterConnection::onConnectTimeout() {
  connectionEnded(tr("no answer within %1 ms").arg(connect_timeout_ms_));
}

void MasterConnection::onSocketError() {
  if (socket_->error() == QAbstractSocket::RemoteHostClosedError) {
    connectionEnded(tr("the master closed the connection"));
  } else {
    connectionEnded(socket_->errorString());
  }
}

void MasterConnection::onSocketDisconnected() {
  connectionEnded(tr("the master closed the connection"));
}

void MasterConnection::connectionEnded(const QString& reason) {
  if (state_ != State::kConnecting && state_ != State::kConnected) return;  // already handled
  ++generation_;
  connect_timeout_timer_.stop();
  last_error_ = reason;
  // The state changes before abort(): abort() may emit disconnected() synchronously, which
  // must find this connection already ended.
  state_ = want_connected_ ? State::kWaitingToReconnect : State::kDisconnected;
  socket_->abort();
  inbox_.clear();
  frames_.clear();  // a decode still on the worker is dropped when it finishes (generation)
  if (want_connected_) {
    reconnect_timer_.start(next_backoff_ms_);
    next_backoff_ms_ = std::min(next_backoff_ms_ * 2, max_backoff_ms_);
  }

  // Take the pending requests before signalling: a slot may already submit again.
  const QHash<QString, RequestKind> pending = std::exchange(pending_, {});
  const QHash<QString, QString> accepted = std::exchange(request_of_job_, {});
  lookups_.clear();  // asked again on the next connection
  pending_auth_.clear();
  pending_runtimes_.clear();
  pending_cluster_.clear();
  // An accepted job belongs to the cluster, not to this connection (docs/protocol.md): its
  // result is looked up with `job` once reconnected. Only a submit the master had not yet
  // answered is lost (it may or may not have been accepted).
  for (auto it = accepted.begin(); it != accepted.end(); ++it) {
    if (pending.value(it.value()) == RequestKind::kSubmit) orphans_.insert(it.key(), it.value());
  }
  const QList<QString> accepted_requests = accepted.values();
  const QSet<QString> detached(accepted_requests.begin(), accepted_requests.end());
  QList<QString> lost;
  for (auto it = pending.begin(); it != pending.end(); ++it) {
    // Polls are simply asked again later; lookups too, on the next connection.
    if (it.value() == RequestKind::kSubmit && !detached.contains(it.key())) lost << it.key();
  }
  // Collected before signalling: a slot may cancel() and so change orphans_.
  QList<std::pair<QString, QString>> newly_detached;
  for (auto it = orphans_.begin(); it != orphans_.end(); ++it) {
    if (accepted.contains(it.key())) newly_detached.append({it.value(), it.key()});
  }

  emit stateChanged(state_);
  emit disconnected(reason);
  for (const QString& id : lost) {
    emit errorReceived(id, QString::fromLatin1(kErrorConnectionLost),
                       tr("the connection to the master ended before it accepted the job (%1); "
                          "run it again")
                           .arg(reason));
  }
  // Without a next connection (disconnectFromMaster, another master, a refused token) nobody
  // will ask: the detached jobs are lost to this client as well.
  if (!want_connected_) {
    abandonDetachedJobs(reason);
    return;
  }
  for (const auto& [request_id, job_id] : newly_detached) emit jobDetached(request_id, job_id);
}

void MasterConnection::abandonDetachedJobs(const QString& reason) {
  queued_cancels_.clear();
  const QHash<QString, QString> abandoned = std::exchange(orphans_, {});
  for (auto it = abandoned.begin(); it != abandoned.end(); ++it) {
    emit errorReceived(it.value(), QString::fromLatin1(kErrorConnectionLost),
                       tr("disconnected from the master (%1) while job %2 was in flight; it "
                          "still runs there, but this client will not get its result")
                           .arg(reason, it.key()));
  }
}

void MasterConnection::setState(State state) {
  if (state_ == state) return;
  state_ = state;
  emit stateChanged(state_);
}

QString MasterConnection::nextRequestId() {
  // Never reused for the lifetime of this object, so a late reply can never match a new request.
  return QString::number(++request_counter_);
}

QString MasterConnection::submit(const JobRequest& job) {
  json message = {{"type", msg::kSubmit}, {"job", jobRequestToJson(job)}};
  if (isConnected()) return sendRequest(RequestKind::kSubmit, std::move(message));
  const QString id = nextRequestId();
  const QString why = tr("not connected to the master (%1)").arg(stateText());
  QMetaObject::invokeMethod(
      this,
      [this, id, why] { emit errorReceived(id, QString::fromLatin1(kErrorNotConnected), why); },
      Qt::QueuedConnection);
  return id;
}

QString MasterConnection::requestRuntimes() {
  if (!isConnected()) return {};
  if (pending_runtimes_.isEmpty())
    pending_runtimes_ = sendRequest(RequestKind::kRuntimes, {{"type", msg::kRuntimes}});
  return pending_runtimes_;
}

QString MasterConnection::requestCluster() {
  if (!isConnected()) return {};
  if (pending_cluster_.isEmpty())
    pending_cluster_ = sendRequest(RequestKind::kCluster, {{"type", msg::kCluster}});
  return pending_cluster_;
}

QString MasterConnection::cancel(const QString& job_id) {
  if (job_id.isEmpty()) return {};
  if (!isConnected()) {
    if (!orphans_.contains(job_id) || !want_connected_) return {};
    // In flight on the master, which this connection will reach again: cancel it then.
    orphans_.remove(job_id);
    const QString id = nextRequestId();
    queued_cancels_.append({id, job_id});
    return id;
  }
  return sendRequest(RequestKind::kCancel,
                     {{"type", msg::kCancel}, {"job_id", job_id.toStdString()}});
}

QString MasterConnection::sendInput(const QString& job_id, const QByteArray& data, bool eof) {
  if (job_id.isEmpty() || !isConnected()) return {};
  json message = {{"type", msg::kInput}, {"job_id", job_id.toStdString()}};
  // A byte string: UTF-8 as is, other bytes in base64 with data_encoding (core's rules).
  putBytes(message, "data", data.toStdString());
  if (eof) message["eof"] = true;
  // No entry in pending_: success is not answered, so there is nothing to wait for.
  const QString id = nextRequestId();
  message["id"] = id.toStdString();
  sendMessage(message);
  return id;
}

QString MasterConnection::sendSignal(const QString& job_id, const QString& signal) {
  if (job_id.isEmpty() || !isConnected()) return {};
  const QString id = nextRequestId();
  sendMessage({{"type", msg::kSignal},
               {"id", id.toStdString()},
               {"job_id", job_id.toStdString()},
               {"signal", signal.toStdString()}});
  return id;
}

void MasterConnection::subscribeToEvents() {
  if (events_wanted_) return;
  events_wanted_ = true;
  if (isConnected()) sendSubscribe();
}

void MasterConnection::sendSubscribe() {
  json message = {{"type", msg::kSubscribe}};
  if (last_event_id_ > 0) message["after"] = last_event_id_;
  sendRequest(RequestKind::kSubscribe, std::move(message));
}

QString MasterConnection::sendRequest(RequestKind kind, json message) {
  const QString id = nextRequestId();
  message["id"] = id.toStdString();
  pending_.insert(id, kind);
  sendMessage(message);
  return id;
}

void MasterConnection::sendMessage(const json& message) {
  // write() only appends to the socket's buffer; the event loop sends it. A failure shows up as
  // errorOccurred(), which ends the connection.
  const std::string frame = encodeFrame(message);
  socket_->write(frame.data(), static_cast<qint64>(frame.size()));
}

void MasterConnection::onReadyRead() {
  if (state_ != State::kConnected) return;
  // Take whatever arrived (part of a frame, one frame or several) and cut off the whole frames;
  // an incomplete tail stays in inbox_ until the next readyRead. Only the 4-byte headers are
  // read here: decoding is left to processFrames().
  inbox_ += socket_->readAll();
  qsizetype offset = 0;
  while (inbox_.size() - offset >= qsizetype(kFrameHeaderBytes)) {
    const quint32 length = qFromBigEndian<quint32>(inbox_.constData() + offset);
    if (length == 0 || length > max_frame_bytes_) {
      // Said at once, without waiting for (up to 4 GiB of) a payload that will not be read.
      connectionEnded(tr("the master sent a malformed frame: %1")
                          .arg(length == 0 ? tr("frame length is 0")
                                           : tr("frame of %1 bytes is over the limit of %2 bytes")
                                                 .arg(length)
                                                 .arg(max_frame_bytes_)));
      return;
    }
    const qsizetype whole = qsizetype(kFrameHeaderBytes) + qsizetype(length);
    if (inbox_.size() - offset < whole) break;
    frames_.append(inbox_.mid(offset, whole));
    offset += whole;
  }
  inbox_.remove(0, offset);
  processFrames();
}

void MasterConnection::processFrames() {
  const quint64 generation = generation_;
  QElapsedTimer turn;
  turn.start();
  // A slot connected to a signal emitted below may drop the connection: the generation check
  // stops reading the old connection's frames.
  while (!decoding_ && !frames_.isEmpty() && generation == generation_) {
    if (turn.elapsed() >= kDeliveryTurnMs) {
      // Many small frames at once (a live job's output flood): the rest waits for the next
      // turn of the event loop, so the window keeps painting and taking input between them.
      if (!continuation_queued_) {
        continuation_queued_ = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
              continuation_queued_ = false;
              processFrames();
            },
            Qt::QueuedConnection);
      }
      return;
    }
    const QByteArray frame = frames_.takeFirst();
    if (frame.size() >= kThreadedDecodeBytes) {
      decoding_ = true;
      decode_generation_ = generation_;
      decode_watcher_.setFuture(
          QtConcurrent::run(&decode_pool_, decodeFrame, frame, max_frame_bytes_));
      return;  // onThreadedDecodeFinished() delivers it and carries on
    }
    DecodedFrame decoded = decodeFrame(frame, max_frame_bytes_);
    if (!deliver(decoded)) return;
  }
}

void MasterConnection::onThreadedDecodeFinished() {
  if (!decoding_) return;
  decoding_ = false;
  // Taken, not copied: the future would otherwise hold a 16 MiB result until the next decode.
  DecodedFrame decoded = decode_watcher_.future().takeResult();
  // A frame of a connection that has ended since is dropped with it.
  if (decode_generation_ == generation_ && state_ == State::kConnected && !deliver(decoded)) return;
  processFrames();
}

bool MasterConnection::deliver(DecodedFrame& decoded) {
  if (!decoded.error.isEmpty()) {
    connectionEnded(tr("the master sent a malformed frame: %1").arg(decoded.error));
    return false;
  }
  try {
    dispatch(decoded);
  } catch (const std::exception& e) {
    // Errors stop here as values: an exception must never unwind through Qt's event loop.
    emit errorReceived(idOf(decoded.message), QString::fromLatin1(kErrorBadReply),
                       tr("could not read a \"%1\" message from the master: %2")
                           .arg(stringOf(decoded.message, "type"), QString::fromUtf8(e.what())));
  }
  return true;
}

void MasterConnection::dispatch(DecodedFrame& decoded) {
  const json& message = decoded.message;
  const std::string& type =
      message.at("type").get_ref<const std::string&>();  // FrameReader checked
  const QString id = idOf(message);

  if (type == msg::kAccepted) {
    const QString job_id = stringOf(message, "job_id");
    if (!job_id.isEmpty() && pending_.contains(id) && pending_.value(id) == RequestKind::kSubmit)
      request_of_job_.insert(job_id, id);
    emit jobAccepted(id, job_id);
  } else if (type == msg::kProgress) {
    const QString job_id = stringOf(message, "job_id");
    emit jobProgress(job_id, stringOf(message, "state"), stringOf(message, "slave"));
    if (auto test = message.find("test"); test != message.end() && !test->is_null()) {
      CaseOutcome outcome;
      QString error;
      if (caseOutcomeFromJson(*test, &outcome, &error)) {
        emit jobCaseFinished(job_id, outcome);
      } else {
        // The job goes on and its result still lists every case: only this row comes late.
        emit errorReceived({}, QString::fromLatin1(kErrorBadReply),
                           tr("unreadable test case in the progress of job %1: %2; its row "
                              "fills in with the job's result")
                               .arg(job_id, error));
      }
    }
  } else if (type == msg::kOutput) {
    LiveOutput output;
    QString error;
    const QString job_id = stringOf(message, "job_id");
    if (liveOutputFromJson(message, &output, &error)) {
      emit jobOutput(job_id, output);
    } else {
      // The run goes on and its result carries the whole output: only the live view misses it.
      emit errorReceived(
          {}, QString::fromLatin1(kErrorBadReply),
          tr("unreadable output of job %1: %2; the result will have all of it").arg(job_id, error));
    }
  } else if (type == msg::kResult) {
    handleResult(id, decoded);
  } else if (type == msg::kRuntimes) {
    forgetRequest(id);
    emit runtimesChanged(runtimesFromJson(message));
  } else if (type == msg::kCluster) {
    forgetRequest(id);
    emit clusterSnapshot(clusterSnapshotFromJson(message));
  } else if (type == msg::kCancelled) {
    // Sent to the cancel request and, with the submit's id, to the job's submitter (who may be
    // someone else than the canceller): either way no result will come for the job.
    const QString job_id = stringOf(message, "job_id");
    forgetRequest(id);
    forgetRequest(request_of_job_.take(job_id));
    emit jobCancelled(id, job_id);
  } else if (type == msg::kJob) {
    handleJob(id, decoded);
  } else if (type == msg::kEvent) {
    handleEvent(message);
  } else if (type == msg::kSubscribed) {
    forgetRequest(id);
    // A newest id below the last one seen: the master restarted (ids start again from 1) and
    // sends the events from now on, whose ids follow `newest`.
    if (auto newest = message.find("newest"); newest != message.end() &&
                                              newest->is_number_integer() &&
                                              newest->get<qint64>() < last_event_id_) {
      last_event_id_ = newest->get<qint64>();
    }
  } else if (type == msg::kAuthenticated) {
    forgetRequest(id);
  } else if (type == msg::kError) {
    handleError(id, stringOf(message, "code"), stringOf(message, "message"));
  }
  // Any other type is ignored: a newer master may send messages this client does not know yet.
}

void MasterConnection::handleJob(const QString& id, DecodedFrame& decoded) {
  const json& message = decoded.message;
  QString job_id = lookups_.take(id);
  if (job_id.isEmpty()) job_id = stringOf(message, "job_id");
  forgetRequest(id);
  const QString state = stringOf(message, "state");
  if (state == QLatin1String(state::kFinished.data(), qsizetype(state::kFinished.size()))) {
    const QString submit_id = orphans_.take(job_id);
    if (!decoded.has_outcome) {
      emit errorReceived(submit_id, QString::fromLatin1(kErrorBadReply),
                         tr("unreadable result for job %1: %2").arg(job_id, decoded.outcome_error));
      return;
    }
    if (decoded.outcome.job_id.isEmpty()) decoded.outcome.job_id = job_id;
    emit jobFinished(job_id, decoded.outcome);
  } else if (state ==
             QLatin1String(state::kCancelled.data(), qsizetype(state::kCancelled.size()))) {
    emit jobCancelled(orphans_.take(job_id), job_id);
  } else {
    emit jobProgress(job_id, state, stringOf(message, "slave"));  // still in flight
  }
}

void MasterConnection::handleEvent(const json& message) {
  auto event = message.find("event");
  ClusterEvent parsed;
  QString error;
  if (!clusterEventFromJson(event == message.end() ? json() : *event, &parsed, &error)) {
    // Later events still come: only this row of the Logs view is missing.
    emit errorReceived(
        {}, QString::fromLatin1(kErrorBadReply),
        tr("unreadable event from the master: %1; the Logs view goes on without it").arg(error));
    return;
  }
  if (parsed.id > 0) last_event_id_ = parsed.id;  // an events_dropped marker has none
  emit eventReceived(parsed);
}

void MasterConnection::handleError(const QString& id, const QString& code, const QString& message) {
  if (lookups_.contains(id)) {
    // The master cannot say what became of a job this client lost track of (unknown_job: a
    // master restarted without a journal, or the result expired): that ends the job here.
    forgetRequest(id);
    const QString job_id = lookups_.take(id);
    emit errorReceived(orphans_.take(job_id), code, message);
    return;
  }
  forgetRequest(id);
  if (code == QLatin1String(errc::kUnauthorized.data(), qsizetype(errc::kUnauthorized.size()))) {
    // A missing or wrong token: the master closes the connection, and trying again with the
    // same token cannot help. Stay down until connectToMaster() (with a new token, say).
    emit errorReceived(id, code, message);
    want_connected_ = false;
    reconnect_timer_.stop();
    connectionEnded(tr("the master refused the client token: %1").arg(message));
    return;
  }
  emit errorReceived(id, code, message);
}

void MasterConnection::handleResult(const QString& id, DecodedFrame& decoded) {
  const QString job_id = stringOf(decoded.message, "job_id");
  const QString request_id = id.isEmpty() ? request_of_job_.value(job_id) : id;
  forgetRequest(request_id);
  request_of_job_.remove(job_id);

  if (!decoded.has_outcome) {
    // The job is over either way; report it against its request so the caller stops waiting.
    emit errorReceived(request_id, QString::fromLatin1(kErrorBadReply),
                       tr("unreadable result for job %1: %2").arg(job_id, decoded.outcome_error));
    return;
  }
  RunOutcome& outcome = decoded.outcome;
  if (outcome.job_id.isEmpty()) outcome.job_id = job_id;
  emit jobFinished(job_id.isEmpty() ? outcome.job_id : job_id, outcome);
}

void MasterConnection::forgetRequest(const QString& request_id) {
  if (request_id.isEmpty()) return;
  pending_.remove(request_id);
  if (request_id == pending_runtimes_) pending_runtimes_.clear();
  if (request_id == pending_auth_) pending_auth_.clear();
  if (request_id == pending_cluster_) pending_cluster_.clear();
}

}  // namespace polyrun::gui
