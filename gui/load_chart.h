// The cluster page's chart (Qt Charts): each slave's load average (left axis) and the number of
// jobs waiting in all queues (right axis, dashed) over the last minutes of a LoadHistory.
#pragma once

#include <QChartView>
#include <QHash>
#include <QStringList>

class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace polyrun::gui {

class LoadHistory;

class LoadChart : public QChartView {
  Q_OBJECT

 public:
  explicit LoadChart(QWidget* parent = nullptr);

  /// Redraws every series from `history`: a series per slave in it, plus the queue.
  void setHistory(const LoadHistory& history);
  /// Names of the slave series shown, by name (tests).
  QStringList slaveSeriesNames() const;
  /// Points of a slave's series, or of the queue series for "" (tests).
  int pointCount(const QString& slave) const;

 private:
  QLineSeries* seriesFor(const QString& slave);

  QDateTimeAxis* time_axis_;
  QValueAxis* load_axis_;
  QValueAxis* queue_axis_;
  QLineSeries* queue_series_;
  QHash<QString, QLineSeries*> slave_series_;  // owned by the chart
};

}  // namespace polyrun::gui
