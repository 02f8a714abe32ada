// The messages the window shows in its notification bar (errors from the master, a lost
// connection, a cancelled job), newest first. A message equal to the newest one only bumps its
// count, so a master that keeps failing gives one line "... (×12)", never a storm.
#pragma once

#include <QAbstractListModel>
#include <QColor>
#include <QDateTime>
#include <QList>
#include <QString>

namespace polyrun::gui {

class MessageLog : public QAbstractListModel {
  Q_OBJECT

 public:
  enum class Severity { kInfo, kWarning, kError };
  struct Entry {
    QDateTime at;  // of the latest repetition
    Severity severity = Severity::kInfo;
    QString text;
    int count = 1;  // repetitions folded into this entry
  };
  /// Older entries are dropped beyond this many.
  static constexpr int kMaxEntries = 100;
  static constexpr int kSeverityRole = Qt::UserRole;  // int(Severity)
  static constexpr int kCountRole = Qt::UserRole + 1;

  using QAbstractListModel::QAbstractListModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

  void add(Severity severity, const QString& text);
  void clear();
  /// nullptr when empty.
  const Entry* latest() const { return entries_.isEmpty() ? nullptr : &entries_.first(); }

 signals:
  /// The newest entry is new or was repeated.
  void latestChanged();

 private:
  QList<Entry> entries_;  // newest first
};

/// A master (or client-side) error as a sentence for people: "Unknown language: no slave offers
/// ...". Unknown codes keep their name: "some_code: message".
QString describeError(const QString& code, const QString& message);

/// The colour that marks a severity in the bar and the list.
QColor severityColor(MessageLog::Severity severity);

}  // namespace polyrun::gui
