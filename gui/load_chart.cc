#include "load_chart.h"

#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "load_history.h"

namespace polyrun::gui {

LoadChart::LoadChart(QWidget* parent) : QChartView(parent) {
  auto* chart = new QChart;
  chart->setTitle(tr("Load per slave and jobs waiting"));
  chart->setAnimationOptions(QChart::NoAnimation);  // redrawn every 2 s; animation only costs
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->setMargins(QMargins(4, 4, 4, 4));

  time_axis_ = new QDateTimeAxis;
  time_axis_->setFormat(QStringLiteral("HH:mm:ss"));
  time_axis_->setTickCount(6);
  load_axis_ = new QValueAxis;
  load_axis_->setTitleText(tr("load average"));
  load_axis_->setLabelFormat(QStringLiteral("%.1f"));
  load_axis_->setRange(0, 1);
  queue_axis_ = new QValueAxis;
  queue_axis_->setTitleText(tr("jobs waiting"));
  queue_axis_->setLabelFormat(QStringLiteral("%d"));
  queue_axis_->setRange(0, 4);
  chart->addAxis(time_axis_, Qt::AlignBottom);
  chart->addAxis(load_axis_, Qt::AlignLeft);
  chart->addAxis(queue_axis_, Qt::AlignRight);

  queue_series_ = new QLineSeries;
  queue_series_->setName(tr("jobs waiting"));
  chart->addSeries(queue_series_);
  // After addSeries(): adding applies the theme's pen.
  QPen pen(QColor(0x61, 0x61, 0x61));
  pen.setStyle(Qt::DashLine);
  pen.setWidthF(2);
  queue_series_->setPen(pen);
  queue_series_->attachAxis(time_axis_);
  queue_series_->attachAxis(queue_axis_);

  const QDateTime now = QDateTime::currentDateTime();
  time_axis_->setRange(now.addSecs(-5 * 60), now);

  setChart(chart);
  setRenderHint(QPainter::Antialiasing);
  setMinimumHeight(180);
}

void LoadChart::setHistory(const LoadHistory& history) {
  const QStringList names = history.slaveNames();
  // Slaves gone for a whole window leave the chart (and its legend).
  for (auto it = slave_series_.begin(); it != slave_series_.end();) {
    if (names.contains(it.key())) {
      ++it;
      continue;
    }
    chart()->removeSeries(it.value());
    delete it.value();
    it = slave_series_.erase(it);
  }
  for (const QString& name : names) seriesFor(name)->replace(history.loadSeries(name));
  queue_series_->replace(history.queueSeries());

  const qint64 end = history.isEmpty() ? QDateTime::currentMSecsSinceEpoch() : history.latestMs();
  time_axis_->setRange(QDateTime::fromMSecsSinceEpoch(end - history.windowMs()),
                       QDateTime::fromMSecsSinceEpoch(end));
  load_axis_->setRange(0, std::max(1.0, std::ceil(history.maxLoad() * 1.2)));
  queue_axis_->setRange(0, std::max(4.0, std::ceil(history.maxQueue() * 1.2)));
  // Round ticks (0, 0.5, 1, ...) rather than fifths of an arbitrary maximum.
  load_axis_->applyNiceNumbers();
  queue_axis_->applyNiceNumbers();
}

QStringList LoadChart::slaveSeriesNames() const {
  QStringList names = slave_series_.keys();
  names.sort();
  return names;
}

int LoadChart::pointCount(const QString& slave) const {
  if (slave.isEmpty()) return int(queue_series_->count());
  const QLineSeries* s = slave_series_.value(slave);
  return s ? int(s->count()) : 0;
}

QLineSeries* LoadChart::seriesFor(const QString& slave) {
  if (QLineSeries* s = slave_series_.value(slave)) return s;
  auto* s = new QLineSeries;
  s->setName(slave);
  chart()->addSeries(s);  // the theme picks the next colour...
  QPen pen = s->pen();    // ...which a thicker pen keeps
  pen.setWidthF(2);
  s->setPen(pen);
  s->attachAxis(time_axis_);
  s->attachAxis(load_axis_);
  slave_series_.insert(slave, s);
  return s;
}

}  // namespace polyrun::gui
