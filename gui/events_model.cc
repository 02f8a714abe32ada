#include "events_model.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QFont>
#include <algorithm>

namespace polyrun::gui {
namespace {

QString dropMarkerText(const ClusterEvent& e) {
  if (!e.message.isEmpty()) return e.message;
  return EventsModel::tr("events %1 to %2 did not reach this client (it read too slowly)")
      .arg(e.dropped_from)
      .arg(e.dropped_to);
}

}  // namespace

int eventLevelRank(const QString& level) {
  if (level == QLatin1String("error")) return 2;
  if (level == QLatin1String("warning")) return 1;
  return 0;
}

EventsModel::EventsModel(QObject* parent, int max_rows)
    : QAbstractTableModel(parent), max_rows_(std::max(1, max_rows)) {}

void EventsModel::addEvent(const ClusterEvent& event) {
  if (events_.size() >= max_rows_) {
    const int excess = int(events_.size()) - max_rows_ + 1;
    beginRemoveRows({}, 0, excess - 1);
    events_.remove(0, excess);
    endRemoveRows();
  }
  const int row = int(events_.size());
  beginInsertRows({}, row, row);
  events_.append(event);
  endInsertRows();
  if (!event.slave.isEmpty()) {
    auto it = std::lower_bound(slaves_.begin(), slaves_.end(), event.slave);
    if (it == slaves_.end() || *it != event.slave) {
      slaves_.insert(it, event.slave);
      emit slavesChanged();
    }
  }
}

void EventsModel::clear() {
  beginResetModel();
  events_.clear();
  endResetModel();
}

int EventsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(events_.size());
}

int EventsModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant EventsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= events_.size()) return {};
  const ClusterEvent& e = events_.at(index.row());
  switch (role) {
    case Qt::DisplayRole:
      switch (index.column()) {
        case kTime:
          return e.time_ms > 0 ? QDateTime::fromMSecsSinceEpoch(e.time_ms).toString("HH:mm:ss.zzz")
                               : QString();
        case kLevel:
          return e.level;
        case kKind:
          return e.kind;
        case kSlave:
          return e.slave;
        case kMessage:
          return e.isDropMarker() ? dropMarkerText(e) : e.message;
      }
      return {};
    case Qt::ToolTipRole: {
      if (index.column() == kTime && e.time_ms > 0)
        return QDateTime::fromMSecsSinceEpoch(e.time_ms).toString(Qt::ISODateWithMs);
      QStringList lines{e.isDropMarker() ? dropMarkerText(e) : e.message};
      if (!e.language.isEmpty()) lines << tr("language: %1").arg(e.language);
      if (!e.job_id.isEmpty()) lines << tr("job: %1").arg(e.job_id);
      if (!e.client.isEmpty()) lines << tr("client: %1").arg(e.client);
      if (e.id > 0) lines << tr("event %1").arg(e.id);
      return lines.join('\n');
    }
    case Qt::ForegroundRole:
      // Colours of the verdicts' palette (format.cc): warnings orange, errors red.
      switch (eventLevelRank(e.level)) {
        case 2:
          return QBrush(QColor(0xc6, 0x28, 0x28));
        case 1:
          return QBrush(QColor(0xe6, 0x51, 0x00));
      }
      return {};
    case Qt::FontRole:
      if (e.isDropMarker() || eventLevelRank(e.level) == 2) {
        QFont font;
        font.setItalic(e.isDropMarker());
        font.setBold(eventLevelRank(e.level) == 2);
        return font;
      }
      return {};
  }
  return {};
}

QVariant EventsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kTime:
      return tr("Time");
    case kLevel:
      return tr("Level");
    case kKind:
      return tr("Kind");
    case kSlave:
      return tr("Slave");
    case kMessage:
      return tr("Message");
  }
  return {};
}

EventsFilter::EventsFilter(QObject* parent) : QSortFilterProxyModel(parent) {}

void EventsFilter::setMinimumLevel(const QString& level) {
  if (level == minimum_level_) return;
  minimum_level_ = level;
  minimum_rank_ = eventLevelRank(level);
  invalidateFilter();
}

void EventsFilter::setSlave(const QString& slave) {
  if (slave == slave_) return;
  slave_ = slave;
  invalidateFilter();
}

bool EventsFilter::filterAcceptsRow(int source_row, const QModelIndex& source_parent) const {
  const auto* events = qobject_cast<const EventsModel*>(sourceModel());
  if (!events || source_parent.isValid()) return true;
  const ClusterEvent& e = events->event(source_row);
  if (e.isDropMarker()) return true;
  if (eventLevelRank(e.level) < minimum_rank_) return false;
  return slave_.isEmpty() || e.slave == slave_;
}

}  // namespace polyrun::gui
