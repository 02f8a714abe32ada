#include "connection_status.h"

#include <QCoreApplication>
#include <algorithm>

namespace polyrun::gui {

namespace {

QString tr(const char* text) {
  return QCoreApplication::translate("polyrun::gui::ConnectionStatus", text);
}

}  // namespace

QString masterAddressText(const QString& host, quint16 port) {
  return QStringLiteral("%1:%2").arg(host).arg(port);
}

QString connectionStateText(const ConnectionFacts& facts) {
  const QString where = masterAddressText(facts.host, facts.port);
  switch (facts.state) {
    case MasterConnection::State::kDisconnected:
      return facts.last_error.isEmpty() ? tr("not connected")
                                        : tr("disconnected: %1").arg(facts.last_error);
    case MasterConnection::State::kConnecting:
      return tr("connecting to %1…").arg(where);
    case MasterConnection::State::kConnected:
      return tr("connected to %1").arg(where);
    case MasterConnection::State::kWaitingToReconnect: {
      const int seconds = std::max(1, (facts.reconnect_delay_ms + 999) / 1000);
      return tr("cannot reach %1 (%2); retrying in %3 s").arg(where, facts.last_error).arg(seconds);
    }
  }
  return {};
}

QColor connectionStateColor(MasterConnection::State state) {
  switch (state) {
    case MasterConnection::State::kConnected:
      return QColor(0x2e, 0x7d, 0x32);
    case MasterConnection::State::kConnecting:
    case MasterConnection::State::kWaitingToReconnect:
      return QColor(0xef, 0x6c, 0x00);
    case MasterConnection::State::kDisconnected:
      break;
  }
  return QColor(0x9e, 0x9e, 0x9e);
}

QString connectionLabelHtml(MasterConnection::State state, const QString& state_text) {
  return QStringLiteral("<span style=\"color:%1\">●</span> %2")
      .arg(connectionStateColor(state).name(), state_text.toHtmlEscaped());
}

std::optional<ConnectionNotice> ConnectionNotices::connected(const QString& where) {
  ever_connected_ = true;
  if (!trouble_) return std::nullopt;
  trouble_ = false;
  return ConnectionNotice{MessageLog::Severity::kInfo, tr("Connected to %1 again.").arg(where)};
}

ConnectionNotice ConnectionNotices::disconnected(const QString& where, const QString& reason,
                                                 bool retrying) {
  if (!retrying) return {MessageLog::Severity::kInfo, tr("Disconnected from %1.").arg(where)};
  const bool lost = ever_connected_ && !trouble_;
  trouble_ = true;
  return {MessageLog::Severity::kWarning,
          lost ? tr("Connection to %1 lost (%2); reconnecting…").arg(where, reason)
               : tr("Cannot reach the master at %1 (%2); retrying…").arg(where, reason)};
}

}  // namespace polyrun::gui
