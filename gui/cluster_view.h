// The "Cluster" tab: a summary line (uptime, job counters, queues) over a sortable table of
// the slaves. It only shows snapshots; MainWindow decides when to ask for them.
#pragma once

#include <QWidget>

#include "client_types.h"

class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace polyrun::gui {

class SlavesModel;

class ClusterView : public QWidget {
  Q_OBJECT

 public:
  explicit ClusterView(QWidget* parent = nullptr);

  void setSnapshot(const ClusterSnapshot& snapshot);
  /// Marks the shown snapshot as old (the connection is down) without throwing it away.
  void setStale(bool stale);
  SlavesModel* model() const { return model_; }

 private:
  void updateSummary();

  SlavesModel* model_;
  QSortFilterProxyModel* proxy_;
  QTableView* table_;
  QLabel* summaryLabel_;
  ClusterSnapshot snapshot_;
  bool haveSnapshot_ = false;
  bool stale_ = false;
};

}  // namespace polyrun::gui
