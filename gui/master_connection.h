// The GUI's one connection to the master's client port (docs/protocol.md, "Client port").
// Widget-free: widgets only connect to its signals, so it can be tested against a fake master
// and reused by other front ends (a tray monitor, an IDE plugin).
#pragma once

#include <QByteArray>
#include <QFutureWatcher>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QTimer>
#include <nlohmann/json.hpp>
#include <utility>

#include "client_types.h"
#include "polyrun/frame.h"

class QTcpSocket;

namespace polyrun::gui {

/// Codes errorReceived() carries for failures detected on this side; the master's own codes
/// (unknown_language, bad_limits, ...) pass through unchanged.
inline constexpr char kErrorNotConnected[] = "not_connected";
inline constexpr char kErrorConnectionLost[] = "connection_lost";
inline constexpr char kErrorBadReply[] = "bad_reply";

/// A frame decoded into a message; for a `result`, the outcome is converted too. Decoding is the
/// expensive part of a large result (a 16 MiB frame takes a few hundred ms), so large frames are
/// decoded on a worker thread; see MasterConnection::kThreadedDecodeBytes.
struct DecodedFrame {
  QString error;  // non-empty: the frame is malformed (the connection must be dropped)
  nlohmann::json message;
  bool has_outcome = false;  // a `result` whose "result" object was converted (and removed)
  RunOutcome outcome;
  QString outcome_error;  // a `result` whose "result" did not parse
};

/// Decodes one whole frame (header + payload) with core's rules. Thread-safe: touches nothing but
/// its arguments.
DecodedFrame decodeFrame(const QByteArray& frame, size_t max_frame_bytes);

/// Asynchronous client of the master. Lives in the GUI thread and never blocks it: every call
/// returns at once and answers come as signals. Frames of kThreadedDecodeBytes or more are
/// decoded on a worker thread, one at a time, and messages are still delivered in the order they
/// arrived. Not thread-safe (a QObject of one thread).
///
/// After connectToMaster() it keeps the connection up: a lost or refused connection is retried
/// with exponential backoff until disconnectFromMaster(). A job the master had accepted survives
/// a lost connection (the master journals it): jobDetached() says so, and once reconnected the
/// connection asks for it (`job`, wait) and delivers its end as usual (jobFinished, jobCancelled,
/// or errorReceived with the submit's id). A submit not yet accepted when the connection ends
/// gets errorReceived(id, "connection_lost"), as do detached jobs when disconnectFromMaster() or
/// connecting elsewhere means no next connection to this master.
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

  /// Frames at least this large are decoded off the GUI thread (below it, decoding takes well
  /// under a millisecond and a thread hop would only add latency).
  static constexpr qsizetype kThreadedDecodeBytes = 256 * 1024;
  /// Frames are delivered inline for at most this long per turn of the event loop; the rest
  /// follows in the next turn, in order (a flood of small `output` messages).
  static constexpr qint64 kDeliveryTurnMs = 10;

  explicit MasterConnection(QObject* parent = nullptr);
  ~MasterConnection() override;

  State state() const { return state_; }
  bool isConnected() const { return state_ == State::kConnected; }
  QString host() const { return host_; }
  quint16 port() const { return port_; }
  /// One line for a status bar: "connected to 127.0.0.1:7400", "cannot reach ...; retrying in
  /// 2 s" (connectionStateText() in connection_status.h words each state).
  QString stateText() const;
  /// The reason the last connection ended or the last attempt failed; empty when none did.
  QString lastError() const { return last_error_; }

  /// Backoff between attempts: starts at `initial_ms`, doubles after each failure up to `max_ms`,
  /// back to `initial_ms` once connected. Defaults: 500 ms, 10 s.
  void setReconnectBackoff(int initial_ms, int max_ms);
  /// True while a large frame is being decoded on the worker thread.
  bool isDecodingInBackground() const { return decoding_; }
  /// Milliseconds until the next attempt while kWaitingToReconnect; 0 otherwise.
  int reconnectDelayMs() const;
  /// A connect attempt that has not succeeded after this long is abandoned and retried.
  void setConnectTimeout(int ms) { connect_timeout_ms_ = ms; }
  /// Largest frame accepted from the master (the master's own limit is 16 MiB by default).
  void setMaxFrameBytes(size_t bytes) { max_frame_bytes_ = bytes; }
  /// The client API token (one of the master's master.client.tokens), sent as the first message
  /// of every connection ({"type": "auth", "token": ...}); empty sends none. Takes effect on the
  /// next connection. A master that refuses it (error `unauthorized`) closes the connection;
  /// this one then stops retrying (the same token would be refused again) until
  /// connectToMaster() or reconnectNow().
  void setToken(const QString& token) { token_ = token; }
  QString token() const { return token_; }

  /// Sends a job. Returns the request id that jobAccepted() and errorReceived() will carry. When
  /// not connected the job is not sent and errorReceived(id, "not_connected") follows from the
  /// event loop, so callers handle one path only.
  QString submit(const JobRequest& job);
  /// Asks for the runtimes list; answered by runtimesChanged(). While one such request is
  /// unanswered, further calls send nothing and return its id: polling never piles up.
  QString requestRuntimes();
  /// Asks for a cluster snapshot; answered by clusterSnapshot(). Coalesced like requestRuntimes().
  QString requestCluster();
  /// Asks the master to cancel a job. Returns the request id; the master answers with
  /// jobCancelled() or errorReceived(id, ...) (already_finished, unknown_job). While reconnecting,
  /// a detached job's cancel is sent once connected. Empty, and nothing sent, when there is no
  /// connection to send it on.
  QString cancel(const QString& job_id);
  /// Live jobs (docs/protocol.md, "Interactive and streamed jobs"): bytes for an interactive
  /// job's stdin, `eof` ending it after them; a signal ("SIGINT", ...) for a live job's program.
  /// Success is not answered; a refusal comes as errorReceived() with the returned id. Empty,
  /// and nothing sent, when not connected (input is not kept across a reconnection).
  QString sendInput(const QString& job_id, const QByteArray& data, bool eof);
  QString sendSignal(const QString& job_id, const QString& signal);
  /// Asks for the cluster's events (docs/protocol.md, "subscribe -> event"), delivered by
  /// eventReceived(): sends `subscribe` now if connected, and again after every reconnect with
  /// `after` = the last event id received, so a reconnect brings only the events missed (the
  /// first subscription brings every event the master keeps). Calling it again does nothing.
  void subscribeToEvents();
  bool wantsEvents() const { return events_wanted_; }
  /// The id of the last event received; 0 before the first.
  qint64 lastEventId() const { return last_event_id_; }

 public slots:
  /// Connects (or reconnects to a new address) and keeps the connection up from then on.
  void connectToMaster(const QString& host, quint16 port);
  /// Sets the address reconnectNow() uses, without connecting (a --no-connect start). Ignored
  /// while connecting or connected.
  void setAddress(const QString& host, quint16 port);
  /// Closes the connection and stops reconnecting.
  void disconnectFromMaster();
  /// Skips the remaining backoff and tries at once (a "Reconnect now" action); a connection that
  /// is up is replaced by a new one (its jobs in flight carry over, see jobDetached()).
  void reconnectNow();

 signals:
  void stateChanged(polyrun::gui::MasterConnection::State state);
  void connected();
  /// The connection ended or an attempt failed; `reason` is for people.
  void disconnected(const QString& reason);
  void runtimesChanged(const QList<polyrun::gui::Runtime>& runtimes);
  void clusterSnapshot(const polyrun::gui::ClusterSnapshot& snapshot);
  void jobAccepted(const QString& request_id, const QString& job_id);
  /// `state` is queued, assigned, compiling or running; `slave` is empty before assignment.
  void jobProgress(const QString& job_id, const QString& state, const QString& slave);
  /// A judged job's case ended (a `progress` message with a `test` object; jobProgress() is
  /// emitted for the same message first). Cases may end in any order.
  void jobCaseFinished(const QString& job_id, const polyrun::gui::CaseOutcome& outcome);
  void jobFinished(const QString& job_id, const polyrun::gui::RunOutcome& outcome);
  /// A live job's program wrote something (an `output` message). One that does not parse is a
  /// bad_reply error with no request id; the result still carries the whole output.
  void jobOutput(const QString& job_id, const polyrun::gui::LiveOutput& output);
  /// The job was cancelled and no result will come. `request_id` is the cancel() it answers, or
  /// the job's submit when the job was cancelled by someone else.
  void jobCancelled(const QString& request_id, const QString& job_id);
  /// The connection ended while the job (submitted as `request_id`) was in flight; it runs on,
  /// and its end is delivered after reconnecting.
  void jobDetached(const QString& request_id, const QString& job_id);
  /// One of the cluster's events, or an events_dropped marker (after subscribeToEvents()).
  void eventReceived(const polyrun::gui::ClusterEvent& event);
  /// `request_id` is empty for errors that answer no request (e.g. bad_frame before a close).
  void errorReceived(const QString& request_id, const QString& code, const QString& message);

 private:
  enum class RequestKind { kSubmit, kRuntimes, kCluster, kCancel, kAuth, kLookup, kSubscribe };

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
  /// Fails the detached jobs (connection_lost): no connection to their master will ask for them.
  void abandonDetachedJobs(const QString& reason);
  QString nextRequestId();
  QString sendRequest(RequestKind kind, nlohmann::json message);
  void sendMessage(const nlohmann::json& message);
  /// Delivers whole frames in order, inline or through the worker; stops while the worker has one.
  void processFrames();
  void onThreadedDecodeFinished();
  /// False when the frame was malformed and the connection has been dropped.
  bool deliver(DecodedFrame& decoded);
  void dispatch(DecodedFrame& decoded);
  void handleResult(const QString& request_id, DecodedFrame& decoded);
  void handleError(const QString& request_id, const QString& code, const QString& message);
  void handleJob(const QString& request_id, DecodedFrame& decoded);
  void handleEvent(const nlohmann::json& message);
  void sendSubscribe();
  void forgetRequest(const QString& request_id);

  QTcpSocket* socket_;  // owned (child)
  QTimer reconnect_timer_;
  QTimer connect_timeout_timer_;
  // Bytes of the current connection not yet cut into frames, and whole frames waiting to be
  // decoded and delivered, in arrival order.
  QByteArray inbox_;
  QList<QByteArray> frames_;
  // One decode at a time on the worker keeps messages in order. The pool is declared before the
  // watcher so that on destruction the watcher goes first and the pool then waits for the task
  // (which touches only its own copies).
  QThreadPool decode_pool_;
  QFutureWatcher<DecodedFrame> decode_watcher_;
  bool decoding_ = false;
  bool continuation_queued_ = false;  // processFrames() is queued for the next turn
  quint64 decode_generation_ = 0;     // generation_ when the threaded decode started
  State state_ = State::kDisconnected;
  bool want_connected_ = false;  // between connectToMaster() and disconnectFromMaster()
  // Bumped whenever a connection ends, so a dispatch loop notices that a slot it signalled
  // dropped the connection and stops reading the old connection's frames.
  quint64 generation_ = 0;
  QString host_;
  quint16 port_ = 0;
  QString last_error_;
  QString token_;
  int initial_backoff_ms_ = 500;
  int max_backoff_ms_ = 10000;
  int next_backoff_ms_ = 500;
  int connect_timeout_ms_ = 5000;
  size_t max_frame_bytes_ = kDefaultMaxFrameBytes;
  quint64 request_counter_ = 0;
  QHash<QString, RequestKind> pending_;     // request id -> what it asked, until answered
  QHash<QString, QString> request_of_job_;  // job id -> request id, from accepted to result
  // Accepted jobs whose connection ended (job id -> submit request id): looked up with `job`
  // (wait) on the next connection, whose answer ends them as their `result` would have.
  QHash<QString, QString> orphans_;
  QHash<QString, QString> lookups_;  // lookup request id -> job id, until answered
  QList<std::pair<QString, QString>> queued_cancels_;  // (request id, job id) for reconnecting
  QString pending_auth_;                               // id of the unanswered auth request, if any
  QString pending_runtimes_;  // id of the unanswered runtimes request, if any
  QString pending_cluster_;
  bool events_wanted_ = false;  // since subscribeToEvents()
  // The last event's id, the `after` of the next subscription. Not the highest id seen: ids
  // restart with the master, and after a restart the new, lower ids are the ones to follow.
  qint64 last_event_id_ = 0;
};

}  // namespace polyrun::gui
