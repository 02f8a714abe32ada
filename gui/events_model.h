// The cluster's events as the Logs view shows them: a table model of the last events received
// (oldest first, bounded), and a filter proxy by minimum level and by slave. Widget-free.
#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QSortFilterProxyModel>
#include <QString>
#include <QStringList>

#include "client_types.h"

namespace polyrun::gui {

/// 0 for "info", 1 for "warning", 2 for "error"; 0 for a level this client does not know.
int eventLevelRank(const QString& level);

class EventsModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kTime, kLevel, kKind, kSlave, kMessage, kColumnCount };
  /// Rows kept by default: about five times what the master keeps (master.events.keep).
  static constexpr int kDefaultMaxRows = 5000;

  /// Keeps the last `max_rows` events (at least 1); older ones leave from the top.
  explicit EventsModel(QObject* parent = nullptr, int max_rows = kDefaultMaxRows);

  /// Appends an event (an events_dropped marker too, as a row of its own).
  void addEvent(const ClusterEvent& event);
  void clear();

  int maxRows() const { return max_rows_; }
  /// The event of `row` (0 <= row < rowCount()).
  const ClusterEvent& event(int row) const { return events_.at(row); }
  /// Every slave named by an event received, sorted; they stay after their rows have left.
  QStringList slaves() const { return slaves_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 signals:
  /// An event named a slave not named before; slaves() has it.
  void slavesChanged();

 private:
  QList<ClusterEvent> events_;  // oldest first
  QStringList slaves_;          // sorted
  int max_rows_;
};

/// Shows the events of EventsModel at or above a level, and of one slave or all. An
/// events_dropped marker always passes: the events it stands for may be of any level and slave.
class EventsFilter : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  explicit EventsFilter(QObject* parent = nullptr);

  /// "info" (everything, the default), "warning" (warnings and errors) or "error".
  void setMinimumLevel(const QString& level);
  QString minimumLevel() const { return minimum_level_; }
  /// A slave's name, or empty for every event (the default). With a slave, only events naming
  /// it pass: events about no slave (the master starting, a queue full) are hidden.
  void setSlave(const QString& slave);
  QString slave() const { return slave_; }

 protected:
  bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;

 private:
  QString minimum_level_ = QStringLiteral("info");
  int minimum_rank_ = 0;
  QString slave_;
};

}  // namespace polyrun::gui
