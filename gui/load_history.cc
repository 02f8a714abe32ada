#include "load_history.h"

#include <algorithm>

namespace polyrun::gui {

void LoadHistory::addSnapshot(const ClusterSnapshot& snapshot, qint64 at_ms) {
  at_ms = std::max(at_ms, latest_ms_);
  latest_ms_ = at_ms;
  const double x = double(at_ms);
  for (const SlaveInfo& s : snapshot.slaves) load_[s.name].append(QPointF(x, s.load_avg));
  queue_.append(QPointF(x, double(snapshot.queuedTotal())));
  dropOlderThan(at_ms - window_ms_);
}

void LoadHistory::clear() {
  latest_ms_ = 0;
  load_.clear();
  queue_.clear();
}

double LoadHistory::maxLoad() const {
  double most = 0;
  for (const QList<QPointF>& points : load_) {
    for (const QPointF& p : points) most = std::max(most, p.y());
  }
  return most;
}

double LoadHistory::maxQueue() const {
  double most = 0;
  for (const QPointF& p : queue_) most = std::max(most, p.y());
  return most;
}

void LoadHistory::dropOlderThan(qint64 ms) {
  const auto old = [ms](const QPointF& p) { return p.x() < double(ms); };
  for (auto it = load_.begin(); it != load_.end();) {
    it->erase(it->begin(), std::find_if_not(it->begin(), it->end(), old));
    it = it->isEmpty() ? load_.erase(it) : std::next(it);  // a slave gone for a whole window
  }
  queue_.erase(queue_.begin(), std::find_if_not(queue_.begin(), queue_.end(), old));
}

}  // namespace polyrun::gui
