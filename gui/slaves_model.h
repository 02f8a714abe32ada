// The slaves of a cluster snapshot as a table: one row per slave, one column per property.
// Views put a QSortFilterProxyModel in front and sort on kSortRole.
#pragma once

#include <QAbstractTableModel>
#include <QList>

#include "client_types.h"

namespace polyrun::gui {

class SlavesModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    kName,
    kAddress,
    kState,
    kLimits,  // "cgroup", "rlimits" or "none": how the slave holds jobs to their limits
    kLanguages,
    kJobs,    // running/capacity
    kLoad,    // CPU load average
    kMemory,  // memory free on the slave's machine
    kHeartbeat,
    kColumnCount
  };
  /// The raw value behind a cell (numbers as numbers), for sorting and for tests.
  static constexpr int kSortRole = Qt::UserRole;
  /// A heartbeat older than this is shown as a warning: the slave may be gone.
  static constexpr qint64 kStaleHeartbeatMs = 5000;

  using QAbstractTableModel::QAbstractTableModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  /// Merges a new snapshot in place: rows of slaves still present are updated (dataChanged),
  /// gone ones removed, new ones appended. Unlike a reset this keeps the view's selection and
  /// scroll position across the 2-second refresh.
  void setSlaves(const QList<SlaveInfo>& slaves);
  const QList<SlaveInfo>& slaves() const { return slaves_; }

 private:
  int rowOfKey(const QString& key) const;

  QList<SlaveInfo> slaves_;
};

}  // namespace polyrun::gui
