// The Logs view of the Cluster page: the cluster's events as they arrive, newest at the bottom,
// filtered by a level combo and a slave combo. It follows new rows while the user is at the
// bottom and stays put once they have scrolled up to read.
#pragma once

#include <QStringList>
#include <QWidget>

#include "client_types.h"

class QComboBox;
class QLabel;
class QTableView;

namespace polyrun::gui {

class EventsFilter;
class EventsModel;

class LogsView : public QWidget {
  Q_OBJECT

 public:
  explicit LogsView(QWidget* parent = nullptr);

  /// Appends an event (or an events_dropped marker) to the table.
  void addEvent(const ClusterEvent& event);
  /// Slaves to offer in the slave combo besides those named by events (the cluster's current
  /// ones, so a quiet slave can be picked too).
  void setKnownSlaves(const QStringList& names);

  EventsModel* model() const { return model_; }
  EventsFilter* filter() const { return filter_; }
  /// True while new rows scroll the table to the bottom (the user has not scrolled up).
  bool isFollowing() const;

 private:
  void updateSlaveCombo();
  void updateCount();

  EventsModel* model_;
  EventsFilter* filter_;
  QComboBox* level_combo_;
  QComboBox* slave_combo_;
  QLabel* count_label_;
  QTableView* table_;
  QStringList known_slaves_;
  bool follow_ = true;  // decided before rows arrive, acted on after
};

}  // namespace polyrun::gui
