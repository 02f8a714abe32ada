#include "master_connection.h"

#include <QMetaObject>
#include <QTcpSocket>
#include <algorithm>
#include <exception>
#include <utility>

#include "polyrun/protocol.h"

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

MasterConnection::MasterConnection(QObject* parent)
    : QObject(parent), socket_(new QTcpSocket(this)) {
  qRegisterMetaType<Runtime>();
  qRegisterMetaType<QList<Runtime>>();
  qRegisterMetaType<ClusterSnapshot>();
  qRegisterMetaType<RunOutcome>();

  // Results are sent as soon as they are ready; small requests should not wait for Nagle.
  socket_->setSocketOption(QAbstractSocket::LowDelayOption, 1);
  connect(socket_, &QTcpSocket::connected, this, &MasterConnection::onSocketConnected);
  connect(socket_, &QTcpSocket::readyRead, this, &MasterConnection::onReadyRead);
  connect(socket_, &QTcpSocket::errorOccurred, this, &MasterConnection::onSocketError);
  connect(socket_, &QTcpSocket::disconnected, this, &MasterConnection::onSocketDisconnected);

  reconnectTimer_.setSingleShot(true);
  connect(&reconnectTimer_, &QTimer::timeout, this, &MasterConnection::startAttempt);
  connectTimeoutTimer_.setSingleShot(true);
  connect(&connectTimeoutTimer_, &QTimer::timeout, this, &MasterConnection::onConnectTimeout);
}

MasterConnection::~MasterConnection() {
  // The socket is destroyed after this body, by ~QObject; it would signal a half-destroyed
  // object on its way out.
  socket_->disconnect(this);
  socket_->abort();
}

QString MasterConnection::stateText() const {
  const QString where = QStringLiteral("%1:%2").arg(host_).arg(port_);
  switch (state_) {
    case State::kDisconnected:
      return lastError_.isEmpty() ? tr("not connected") : tr("disconnected: %1").arg(lastError_);
    case State::kConnecting:
      return tr("connecting to %1…").arg(where);
    case State::kConnected:
      return tr("connected to %1").arg(where);
    case State::kWaitingToReconnect: {
      const int seconds = std::max(1, (reconnectDelayMs() + 999) / 1000);
      return tr("cannot reach %1 (%2); retrying in %3 s").arg(where, lastError_).arg(seconds);
    }
  }
  return {};
}

void MasterConnection::setReconnectBackoff(int initialMs, int maxMs) {
  initialBackoffMs_ = std::max(1, initialMs);
  maxBackoffMs_ = std::max(initialBackoffMs_, maxMs);
  nextBackoffMs_ = initialBackoffMs_;
}

int MasterConnection::reconnectDelayMs() const {
  if (state_ != State::kWaitingToReconnect || !reconnectTimer_.isActive()) return 0;
  return std::max(0, reconnectTimer_.remainingTime());
}

void MasterConnection::connectToMaster(const QString& host, quint16 port) {
  if (state_ == State::kConnecting || state_ == State::kConnected) {
    wantConnected_ = false;  // end this one without scheduling a retry of the old address
    connectionEnded(tr("switching to %1:%2").arg(host).arg(port));
  }
  host_ = host;
  port_ = port;
  wantConnected_ = true;
  nextBackoffMs_ = initialBackoffMs_;
  reconnectTimer_.stop();
  startAttempt();
}

void MasterConnection::disconnectFromMaster() {
  wantConnected_ = false;
  reconnectTimer_.stop();
  if (state_ == State::kConnecting || state_ == State::kConnected) {
    connectionEnded(tr("disconnected by the user"));
  } else {
    setState(State::kDisconnected);
  }
}

void MasterConnection::reconnectNow() {
  if (host_.isEmpty()) return;
  if (state_ == State::kWaitingToReconnect) {
    reconnectTimer_.stop();
    startAttempt();
  } else if (state_ == State::kDisconnected) {
    connectToMaster(host_, port_);
  }
}

void MasterConnection::startAttempt() {
  reader_ = FrameReader(maxFrameBytes_);  // a new connection starts a new byte stream
  socket_->abort();
  setState(State::kConnecting);
  connectTimeoutTimer_.start(connectTimeoutMs_);
  socket_->connectToHost(host_, port_);
}

void MasterConnection::onSocketConnected() {
  if (state_ != State::kConnecting) return;
  connectTimeoutTimer_.stop();
  nextBackoffMs_ = initialBackoffMs_;
  lastError_.clear();
  setState(State::kConnected);
  emit connected();
}

void MasterConnection::onConnectTimeout() {
  connectionEnded(tr("no answer within %1 ms").arg(connectTimeoutMs_));
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
  connectTimeoutTimer_.stop();
  lastError_ = reason;
  // The state changes before abort(): abort() may emit disconnected() synchronously, which
  // must find this connection already ended.
  state_ = wantConnected_ ? State::kWaitingToReconnect : State::kDisconnected;
  socket_->abort();
  if (wantConnected_) {
    reconnectTimer_.start(nextBackoffMs_);
    nextBackoffMs_ = std::min(nextBackoffMs_ * 2, maxBackoffMs_);
  }

  // Take the pending requests before signalling: a slot may already submit again.
  const QHash<QString, RequestKind> pending = std::exchange(pending_, {});
  requestOfJob_.clear();
  pendingRuntimes_.clear();
  pendingCluster_.clear();

  emit stateChanged(state_);
  emit disconnected(reason);
  for (auto it = pending.begin(); it != pending.end(); ++it) {
    if (it.value() != RequestKind::kSubmit) continue;  // polls are simply asked again later
    emit errorReceived(it.key(), QString::fromLatin1(kErrorConnectionLost),
                       tr("the connection to the master ended before the job finished (%1); "
                          "its result is lost, run it again")
                           .arg(reason));
  }
}

void MasterConnection::setState(State state) {
  if (state_ == state) return;
  state_ = state;
  emit stateChanged(state_);
}

QString MasterConnection::nextRequestId() {
  // Never reused for the lifetime of this object, so a late reply can never match a new request.
  return QString::number(++requestCounter_);
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
  if (pendingRuntimes_.isEmpty())
    pendingRuntimes_ = sendRequest(RequestKind::kRuntimes, {{"type", msg::kRuntimes}});
  return pendingRuntimes_;
}

QString MasterConnection::requestCluster() {
  if (!isConnected()) return {};
  if (pendingCluster_.isEmpty())
    pendingCluster_ = sendRequest(RequestKind::kCluster, {{"type", msg::kCluster}});
  return pendingCluster_;
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
  // Take whatever arrived: a part of a frame, one frame or several. FrameReader keeps the
  // incomplete tail until the next readyRead.
  const QByteArray bytes = socket_->readAll();
  if (!reader_.feed(bytes.constData(), static_cast<size_t>(bytes.size()))) {
    connectionEnded(
        tr("the master sent a malformed frame: %1").arg(QString::fromStdString(reader_.error())));
    return;
  }
  const quint64 generation = generation_;
  json message;
  while (generation == generation_ && reader_.next(&message)) {
    try {
      dispatch(message);
    } catch (const std::exception& e) {
      // Errors stop here as values: an exception must never unwind through Qt's event loop.
      emit errorReceived(idOf(message), QString::fromLatin1(kErrorBadReply),
                         tr("could not read a \"%1\" message from the master: %2")
                             .arg(stringOf(message, "type"), QString::fromUtf8(e.what())));
    }
  }
}

void MasterConnection::dispatch(const json& message) {
  const std::string& type =
      message.at("type").get_ref<const std::string&>();  // FrameReader checked
  const QString id = idOf(message);

  if (type == msg::kAccepted) {
    const QString jobId = stringOf(message, "job_id");
    if (!jobId.isEmpty() && pending_.contains(id) && pending_.value(id) == RequestKind::kSubmit)
      requestOfJob_.insert(jobId, id);
    emit jobAccepted(id, jobId);
  } else if (type == msg::kProgress) {
    emit jobProgress(stringOf(message, "job_id"), stringOf(message, "state"),
                     stringOf(message, "slave"));
  } else if (type == msg::kResult) {
    handleResult(id, message);
  } else if (type == msg::kRuntimes) {
    forgetRequest(id);
    emit runtimesChanged(runtimesFromJson(message));
  } else if (type == msg::kCluster) {
    forgetRequest(id);
    emit clusterSnapshot(clusterSnapshotFromJson(message));
  } else if (type == msg::kError) {
    forgetRequest(id);
    emit errorReceived(id, stringOf(message, "code"), stringOf(message, "message"));
  }
  // Any other type is ignored: a newer master may send messages this client does not know yet.
}

void MasterConnection::handleResult(const QString& id, const json& message) {
  QString jobId = stringOf(message, "job_id");
  const QString requestId = id.isEmpty() ? requestOfJob_.value(jobId) : id;
  forgetRequest(requestId);
  requestOfJob_.remove(jobId);

  auto result = message.find("result");
  RunOutcome outcome;
  QString error;
  if (result == message.end() || !runOutcomeFromJson(*result, &outcome, &error)) {
    if (error.isEmpty()) error = tr("the result message has no \"result\" object");
    // The job is over either way; report it against its request so the caller stops waiting.
    emit errorReceived(requestId, QString::fromLatin1(kErrorBadReply),
                       tr("unreadable result for job %1: %2").arg(jobId, error));
    return;
  }
  if (outcome.jobId.isEmpty()) outcome.jobId = jobId;
  emit jobFinished(jobId.isEmpty() ? outcome.jobId : jobId, outcome);
}

void MasterConnection::forgetRequest(const QString& requestId) {
  if (requestId.isEmpty()) return;
  pending_.remove(requestId);
  if (requestId == pendingRuntimes_) pendingRuntimes_.clear();
  if (requestId == pendingCluster_) pendingCluster_.clear();
}

}  // namespace polyrun::gui
