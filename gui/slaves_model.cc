#include "slaves_model.h"

#include <QBrush>
#include <QColor>
#include <QSet>

#include "format.h"

namespace polyrun::gui {
namespace {

// The master's id identifies a slave connection; the name is the fallback for a master that
// does not send ids.
QString keyOf(const SlaveInfo& s) { return s.id != 0 ? QStringLiteral("#%1").arg(s.id) : s.name; }

}  // namespace

int SlavesModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(slaves_.size());
}

int SlavesModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant SlavesModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= slaves_.size()) return {};
  const SlaveInfo& s = slaves_[index.row()];
  const int column = index.column();

  if (role == Qt::DisplayRole) {
    switch (column) {
      case kName:
        return s.name;
      case kAddress:
        return s.address;
      case kState:
        return s.state;
      case kLimits:
        return s.limits;
      case kJobs:
        return QStringLiteral("%1/%2").arg(s.running).arg(s.capacity);
      case kLoad:
        // The load average, and how busy the CPU was since the last heartbeat when known.
        return s.cpu_busy < 0 ? QString::number(s.load_avg, 'f', 2)
                              : QStringLiteral("%1 · %2 %")
                                    .arg(QString::number(s.load_avg, 'f', 2))
                                    .arg(qRound(s.cpu_busy * 100));
      case kLanguages:
        return s.languages.join(QStringLiteral(", "));
      case kMemory:
        return formatBytes(s.memory_free_bytes);
      case kHeartbeat:
        return tr("%1 ago").arg(formatDuration(s.last_heartbeat_ms));
      default:
        return {};
    }
  }
  if (role == kSortRole) {
    switch (column) {
      case kName:
        return s.name;
      case kAddress:
        return s.address;
      case kState:
        return s.state;
      case kLimits:
        return s.limits;
      // Fullest first when sorted descending: the share of capacity in use.
      case kJobs:
        return s.capacity > 0 ? double(s.running) / s.capacity : double(s.running);
      case kLoad:
        return s.load_avg;
      case kLanguages:
        return s.languages.join(QStringLiteral(", "));
      case kMemory:
        return s.memory_free_bytes;
      case kHeartbeat:
        return s.last_heartbeat_ms;
      default:
        return {};
    }
  }
  if (role == Qt::TextAlignmentRole) {
    const bool numeric =
        column == kJobs || column == kLoad || column == kMemory || column == kHeartbeat;
    return QVariant::fromValue(Qt::Alignment(numeric ? Qt::AlignRight | Qt::AlignVCenter
                                                     : Qt::AlignLeft | Qt::AlignVCenter));
  }
  if (role == Qt::ToolTipRole) {
    if (column == kLoad) {
      QString tip = tr("load average %1").arg(s.load_avg, 0, 'f', 2);
      if (s.cpu_busy >= 0)
        tip += tr(", CPU %1 % busy since the previous heartbeat").arg(qRound(s.cpu_busy * 100));
      return tip + tr(", %1 memory free").arg(formatBytes(s.memory_free_bytes));
    }
    if (column == kLanguages) return s.languages.join('\n');
    if (column == kLimits) {
      if (s.limits == QLatin1String("cgroup"))
        return tr("a cgroup per stage limits the memory and processes of a job together");
      if (s.limits == QLatin1String("rlimits"))
        return tr(
            "weaker than configured, by its operator's choice: per-process rlimits only, so "
            "a job's processes together can use more memory and processes than its limits");
      if (s.limits == QLatin1String("none")) return tr("plain processes: no isolation, no limits");
    }
    return {};
  }
  if (role == Qt::ForegroundRole) {
    if (column == kHeartbeat && s.last_heartbeat_ms > kStaleHeartbeatMs)
      return QBrush(QColor(0xc0, 0x39, 0x2b));
    if (column == kState && s.state != QLatin1String("ready"))
      return QBrush(QColor(0xd3, 0x54, 0x00));
    // Weaker limits than a cgroup's stand out; an old master that does not say does not.
    if (column == kLimits && !s.limits.isEmpty() && s.limits != QLatin1String("cgroup"))
      return QBrush(QColor(0xc0, 0x39, 0x2b));
  }
  return {};
}

QVariant SlavesModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kName:
      return tr("Name");
    case kAddress:
      return tr("Address");
    case kState:
      return tr("State");
    case kLimits:
      return tr("Limits");
    case kJobs:
      return tr("Running");
    case kLoad:
      return tr("CPU load");
    case kMemory:
      return tr("Memory free");
    case kLanguages:
      return tr("Languages");
    case kHeartbeat:
      return tr("Last heartbeat");
    default:
      return {};
  }
}

void SlavesModel::setSlaves(const QList<SlaveInfo>& slaves) {
  // Quadratic in the number of slaves, which is tens, not thousands.
  QSet<QString> incoming;
  for (const SlaveInfo& s : slaves) incoming.insert(keyOf(s));
  for (int row = static_cast<int>(slaves_.size()) - 1; row >= 0; --row) {
    if (incoming.contains(keyOf(slaves_[row]))) continue;
    beginRemoveRows({}, row, row);
    slaves_.removeAt(row);
    endRemoveRows();
  }
  for (const SlaveInfo& s : slaves) {
    const int row = rowOfKey(keyOf(s));
    if (row < 0) {
      const int end = static_cast<int>(slaves_.size());
      beginInsertRows({}, end, end);
      slaves_.append(s);
      endInsertRows();
    } else if (!(slaves_[row] == s)) {
      slaves_[row] = s;
      emit dataChanged(index(row, 0), index(row, kColumnCount - 1));
    }
  }
}

int SlavesModel::rowOfKey(const QString& key) const {
  for (int row = 0; row < slaves_.size(); ++row) {
    if (keyOf(slaves_[row]) == key) return row;
  }
  return -1;
}

}  // namespace polyrun::gui
