// The GUI's one connection to the master's client port (docs/protocol.md, "Client port").
// Widget-free: widgets only connect to its signals, so it can be tested against a fake master
// and reused by other front ends (a tray monitor, an IDE plugin).
#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>
#include <nlohmann/json.hpp>

#include "client_types.h"
#include "polyrun/frame.h"

class QTcpSocket;

namespace polyrun::gui {

/// Codes errorReceived() carries for failures detected on this side; the master's own codes
/// (unknown_language, bad_limits, ...) pass through unchanged.
inline constexpr char kErrorNotConnected[] = "not_connected";
inline constexpr char kErrorConnectionLost[] = "connection_lost";
inline constexpr char kErrorBadReply[] = "bad_reply";

/// Asynchronous client of the master. Lives in the GUI thread and never blocks it: every call
/// returns at once and answers come as signals. Not thread-safe (a QObject of one thread).
///
/// After connectToMaster() it keeps the connection up: a lost or refused connection is retried
/// with exponential backoff until disconnectFromMaster(). Requests still waiting for a reply when
/// the connection ends get errorReceived(id, "connection_lost", ...): the master forgets jobs of a
/// closed connection, so their results will never come.
class MasterConnection : public QObject {
  Q_OBJECT

 public:
  enum class State {
    kDisconnected,        // idle: never connected, or disconnectFromMaster() was called
    kConnecting,          // TCP connect in progress
    kConnected,           // requests may be sent
    kWaitingToReconnect,  // lost or refused; the next attempt is in reconnectDelayMs()
  };
  Q_ENUM(State)

  explicit MasterConnection(QObject* parent = nullptr);
  ~MasterConnection() override;

  State state() const { return state_; }
  bool isConnected() const { return state_ == State::kConnected; }
  QString host() const { return host_; }
  quint16 port() const { return port_; }
  /// One line for a status bar: "connected to 127.0.0.1:7400", "reconnecting in 2 s: ...".
  QString stateText() const;
  /// The reason the last connection ended or the last attempt failed; empty when none did.
  QString lastError() const { return lastError_; }

  /// Backoff between attempts: starts at `initialMs`, doubles after each failure up to `maxMs`,
  /// back to `initialMs` once connected. Defaults: 500 ms, 10 s.
  void setReconnectBackoff(int initialMs, int maxMs);
  /// Milliseconds until the next attempt while kWaitingToReconnect; 0 otherwise.
  int reconnectDelayMs() const;
  /// A connect attempt that has not succeeded after this long is abandoned and retried.
  void setConnectTimeout(int ms) { connectTimeoutMs_ = ms; }
  /// Largest frame accepted from the master (the master's own limit is 16 MiB by default).
  void setMaxFrameBytes(size_t bytes) { maxFrameBytes_ = bytes; }

  /// Sends a job. Returns the request id that jobAccepted() and errorReceived() will carry. When
  /// not connected the job is not sent and errorReceived(id, "not_connected") follows from the
  /// event loop, so callers handle one path only.
  QString submit(const JobRequest& job);
  /// Asks for the runtimes list; answered by runtimesChanged(). While one such request is
  /// unanswered, further calls send nothing and return its id: polling never piles up.
  QString requestRuntimes();
  /// Asks for a cluster snapshot; answered by clusterSnapshot(). Coalesced like requestRuntimes().
  QString requestCluster();

 public slots:
  /// Connects (or reconnects to a new address) and keeps the connection up from then on.
  void connectToMaster(const QString& host, quint16 port);
  /// Closes the connection and stops reconnecting.
  void disconnectFromMaster();
  /// Skips the remaining backoff and tries at once (a "Reconnect now" action).
  void reconnectNow();

 signals:
  void stateChanged(polyrun::gui::MasterConnection::State state);
  void connected();
  /// The connection ended or an attempt failed; `reason` is for people.
  void disconnected(const QString& reason);
  void runtimesChanged(const QList<polyrun::gui::Runtime>& runtimes);
  void clusterSnapshot(const polyrun::gui::ClusterSnapshot& snapshot);
  void jobAccepted(const QString& requestId, const QString& jobId);
  /// `state` is queued, assigned, compiling or running; `slave` is empty before assignment.
  void jobProgress(const QString& jobId, const QString& state, const QString& slave);
  void jobFinished(const QString& jobId, const polyrun::gui::RunOutcome& outcome);
  /// `requestId` is empty for errors that answer no request (e.g. bad_frame before a close).
  void errorReceived(const QString& requestId, const QString& code, const QString& message);

 private:
  enum class RequestKind { kSubmit, kRuntimes, kCluster };

  void startAttempt();
  void onSocketConnected();
  void onReadyRead();
  void onSocketError();
  void onSocketDisconnected();
  void onConnectTimeout();
  /// The single place a connection ends: idempotent, so the several socket signals that report
  /// one loss (errorOccurred, disconnected) produce one disconnected().
  void connectionEnded(const QString& reason);
  void setState(State state);
  QString nextRequestId();
  QString sendRequest(RequestKind kind, nlohmann::json message);
  void sendMessage(const nlohmann::json& message);
  void dispatch(const nlohmann::json& message);
  void handleResult(const QString& requestId, const nlohmann::json& message);
  void forgetRequest(const QString& requestId);

  QTcpSocket* socket_;  // owned (child)
  QTimer reconnectTimer_;
  QTimer connectTimeoutTimer_;
  FrameReader reader_;
  State state_ = State::kDisconnected;
  bool wantConnected_ = false;  // between connectToMaster() and disconnectFromMaster()
  // Bumped whenever a connection ends, so a dispatch loop notices that a slot it signalled
  // dropped the connection and stops reading the old connection's frames.
  quint64 generation_ = 0;
  QString host_;
  quint16 port_ = 0;
  QString lastError_;
  int initialBackoffMs_ = 500;
  int maxBackoffMs_ = 10000;
  int nextBackoffMs_ = 500;
  int connectTimeoutMs_ = 5000;
  size_t maxFrameBytes_ = kDefaultMaxFrameBytes;
  quint64 requestCounter_ = 0;
  QHash<QString, RequestKind> pending_;   // request id -> what it asked, until answered
  QHash<QString, QString> requestOfJob_;  // job id -> request id, from accepted to result
  QString pendingRuntimes_;               // id of the unanswered runtimes request, if any
  QString pendingCluster_;
};

}  // namespace polyrun::gui
