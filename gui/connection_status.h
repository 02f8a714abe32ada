// What the window says about its connection to the master, decided apart from the widgets that
// show it: the status bar's line and colour for each state of a MasterConnection, and the notices
// of the connection's coming and going for the message log (a loss, attempts that fail, its
// return, a disconnect asked for). Widget-free and socket-free: every text is a function of what
// it is given, so each state's wording is tested without a connection (connection_status_test).
#pragma once

#include <QColor>
#include <QString>
#include <optional>

#include "master_connection.h"
#include "message_log.h"

namespace polyrun::gui {

/// One moment of a MasterConnection, what its status line is made of.
struct ConnectionFacts {
  MasterConnection::State state = MasterConnection::State::kDisconnected;
  QString host;
  quint16 port = 0;
  QString last_error;          // why the last connection ended or attempt failed; empty if none
  int reconnect_delay_ms = 0;  // until the next attempt, while kWaitingToReconnect
};

/// "host:port", as the texts below name the master.
QString masterAddressText(const QString& host, quint16 port);

/// One line for a status bar: "not connected", "connecting to 127.0.0.1:7400…", "connected to
/// 127.0.0.1:7400", "cannot reach 127.0.0.1:7400 (why); retrying in 2 s" (whole seconds rounded
/// up, at least 1), "disconnected: why". MasterConnection::stateText() says this.
QString connectionStateText(const ConnectionFacts& facts);

/// Green when connected, orange while connecting or waiting to retry, grey when disconnected.
QColor connectionStateColor(MasterConnection::State state);

/// The status bar label's rich text: a dot in the state's colour, then `state_text`, escaped.
QString connectionLabelHtml(MasterConnection::State state, const QString& state_text);

/// A line for the message log.
struct ConnectionNotice {
  MessageLog::Severity severity = MessageLog::Severity::kInfo;
  QString text;
};

/// Turns the connection's coming and going into notices. The first failure after being
/// connected is a loss; the failed attempts that follow, and those of a master not reached yet,
/// say that it cannot be reached (all alike, so the message log folds them into one line "(×N)");
/// being connected again after either says so once. A disconnect asked for says so and changes
/// nothing else.
class ConnectionNotices {
 public:
  /// Connected to `where`: a notice only when a loss or failed attempt was reported before.
  std::optional<ConnectionNotice> connected(const QString& where);
  /// The connection to `where` ended, or an attempt failed, for `reason`. `retrying` is false
  /// when it was closed on request (MasterConnection::disconnectFromMaster) and no retry follows.
  ConnectionNotice disconnected(const QString& where, const QString& reason, bool retrying);
  /// Another master is next: its first failure is "cannot reach", not a loss.
  void forgetConnected() { ever_connected_ = false; }

 private:
  bool ever_connected_ = false;
  bool trouble_ = false;  // a loss or failed attempt was reported; say so when it is back
};

}  // namespace polyrun::gui
