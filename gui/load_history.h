// What the cluster chart draws: each slave's load average and the total queue length over the
// last minutes, one sample per cluster snapshot. Plain data, no Qt Charts: the chart widget turns
// it into series, tests check it without widgets.
#pragma once

#include <QList>
#include <QMap>
#include <QPointF>
#include <QString>
#include <QStringList>

#include "client_types.h"

namespace polyrun::gui {

class LoadHistory {
 public:
  /// Samples older than `window_ms` before the newest one are dropped.
  explicit LoadHistory(qint64 window_ms = 5 * 60 * 1000) : window_ms_(window_ms) {}

  /// Records a snapshot taken at `at_ms` (any monotonic clock in ms; times must not go back).
  void addSnapshot(const ClusterSnapshot& snapshot, qint64 at_ms);
  void clear();

  qint64 windowMs() const { return window_ms_; }
  /// Time of the newest sample; 0 when there is none.
  qint64 latestMs() const { return latest_ms_; }
  bool isEmpty() const { return queue_.isEmpty(); }

  /// Slaves with at least one sample in the window, by name.
  QStringList slaveNames() const { return load_.keys(); }
  /// Points (x = time in ms, y = load average) of one slave, oldest first.
  QList<QPointF> loadSeries(const QString& slave) const { return load_.value(slave); }
  /// Points (x = time in ms, y = jobs waiting in all queues), oldest first.
  QList<QPointF> queueSeries() const { return queue_; }
  /// Largest value in any series, for the axis ranges.
  double maxLoad() const;
  double maxQueue() const;

 private:
  void dropOlderThan(qint64 ms);

  qint64 window_ms_;
  qint64 latest_ms_ = 0;
  QMap<QString, QList<QPointF>> load_;
  QList<QPointF> queue_;
};

}  // namespace polyrun::gui
