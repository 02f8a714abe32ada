#include "message_log.h"

#include <QBrush>
#include <QColor>
#include <QHash>
#include <QLocale>

#include "master_connection.h"

namespace polyrun::gui {

int MessageLog::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(entries_.size());
}

QVariant MessageLog::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= entries_.size()) return {};
  const Entry& e = entries_[index.row()];
  switch (role) {
    case Qt::DisplayRole: {
      QString text = QStringLiteral("%1  %2").arg(
          QLocale().toString(e.at.time(), QStringLiteral("HH:mm:ss")), e.text);
      if (e.count > 1) text += QStringLiteral("  (×%1)").arg(e.count);
      return text;
    }
    case Qt::ToolTipRole:
      return e.text;
    case Qt::ForegroundRole:
      return QBrush(severityColor(e.severity));
    case kSeverityRole:
      return int(e.severity);
    case kCountRole:
      return e.count;
    default:
      return {};
  }
}

void MessageLog::add(Severity severity, const QString& text) {
  if (!entries_.isEmpty() && entries_.first().severity == severity &&
      entries_.first().text == text) {
    ++entries_.first().count;
    entries_.first().at = QDateTime::currentDateTime();
    emit dataChanged(index(0), index(0));
    emit latestChanged();
    return;
  }
  if (entries_.size() >= kMaxEntries) {
    const int last = static_cast<int>(entries_.size()) - 1;
    beginRemoveRows({}, last, last);
    entries_.removeLast();
    endRemoveRows();
  }
  beginInsertRows({}, 0, 0);
  entries_.prepend(Entry{QDateTime::currentDateTime(), severity, text, 1});
  endInsertRows();
  emit latestChanged();
}

void MessageLog::clear() {
  if (entries_.isEmpty()) return;
  beginResetModel();
  entries_.clear();
  endResetModel();
  emit latestChanged();
}

QString describeError(const QString& code, const QString& message) {
  static const QHash<QString, const char*> kTitles = {
      {QStringLiteral("bad_frame"), "The master could not read a message"},
      {QStringLiteral("bad_message"), "The master rejected a request"},
      {QStringLiteral("unknown_type"), "The master does not know this request"},
      {QStringLiteral("unknown_language"), "Unknown language"},
      {QStringLiteral("bad_limits"), "Limits not accepted"},
      {QStringLiteral("unauthorized"), "Not authorized (check the token in Connection settings)"},
      {QStringLiteral("queue_full"), "The cluster is busy"},
      {QStringLiteral("internal"), "Internal error in the master"},
      {QString::fromLatin1(kErrorNotConnected), "Not connected"},
      {QString::fromLatin1(kErrorConnectionLost), "Connection lost"},
      {QString::fromLatin1(kErrorBadReply), "Unreadable reply from the master"},
  };
  const char* title = kTitles.value(code, nullptr);
  const QString head = title ? MessageLog::tr(title) : code;
  if (message.isEmpty()) return head.isEmpty() ? MessageLog::tr("Unknown error") : head;
  if (head.isEmpty()) return message;
  return QStringLiteral("%1: %2").arg(head, message);
}

QColor severityColor(MessageLog::Severity severity) {
  switch (severity) {
    case MessageLog::Severity::kError:
      return QColor(0xc6, 0x28, 0x28);
    case MessageLog::Severity::kWarning:
      return QColor(0xb2, 0x6a, 0x00);
    case MessageLog::Severity::kInfo:
      break;
  }
  return QColor(0x15, 0x65, 0xc0);
}

}  // namespace polyrun::gui
