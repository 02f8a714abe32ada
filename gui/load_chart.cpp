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

  timeAxis_ = new QDateTimeAxis;
  timeAxis_->setFormat(QStringLiteral("HH:mm:ss"));
  timeAxis_->setTickCount(6);
  loadAxis_ = new QValueAxis;
  loadAxis_->setTitleText(tr("load average"));
  loadAxis_->setLabelFormat(QStringLiteral("%.1f"));
  loadAxis_->setRange(0, 1);
  queueAxis_ = new QValueAxis;
  queueAxis_->setTitleText(tr("jobs waiting"));
  queueAxis_->setLabelFormat(QStringLiteral("%d"));
  queueAxis_->setRange(0, 4);
  chart->addAxis(timeAxis_, Qt::AlignBottom);
  chart->addAxis(loadAxis_, Qt::AlignLeft);
  chart->addAxis(queueAxis_, Qt::AlignRight);

  queueSeries_ = new QLineSeries;
  queueSeries_->setName(tr("jobs waiting"));
  chart->addSeries(queueSeries_);
  // After addSeries(): adding applies the theme's pen.
  QPen pen(QColor(0x61, 0x61, 0x61));
  pen.setStyle(Qt::DashLine);
  pen.setWidthF(2);
  queueSeries_->setPen(pen);
  queueSeries_->attachAxis(timeAxis_);
  queueSeries_->attachAxis(queueAxis_);

  const QDateTime now = QDateTime::currentDateTime();
  timeAxis_->setRange(now.addSecs(-5 * 60), now);

  setChart(chart);
  setRenderHint(QPainter::Antialiasing);
  setMinimumHeight(180);
}

void LoadChart::setHistory(const LoadHistory& history) {
  const QStringList names = history.slaveNames();
  // Slaves gone for a whole window leave the chart (and its legend).
  for (auto it = slaveSeries_.begin(); it != slaveSeries_.end();) {
    if (names.contains(it.key())) {
      ++it;
      continue;
    }
    chart()->removeSeries(it.value());
    delete it.value();
    it = slaveSeries_.erase(it);
  }
  for (const QString& name : names) seriesFor(name)->replace(history.loadSeries(name));
  queueSeries_->replace(history.queueSeries());

  const qint64 end = history.isEmpty() ? QDateTime::currentMSecsSinceEpoch() : history.latestMs();
  timeAxis_->setRange(QDateTime::fromMSecsSinceEpoch(end - history.windowMs()),
                      QDateTime::fromMSecsSinceEpoch(end));
  loadAxis_->setRange(0, std::max(1.0, std::ceil(history.maxLoad() * 1.2)));
  queueAxis_->setRange(0, std::max(4.0, std::ceil(history.maxQueue() * 1.2)));
  // Round ticks (0, 0.5, 1, ...) rather than fifths of an arbitrary maximum.
  loadAxis_->applyNiceNumbers();
  queueAxis_->applyNiceNumbers();
}

QStringList LoadChart::slaveSeriesNames() const {
  QStringList names = slaveSeries_.keys();
  names.sort();
  return names;
}

int LoadChart::pointCount(const QString& slave) const {
  if (slave.isEmpty()) return int(queueSeries_->count());
  const QLineSeries* s = slaveSeries_.value(slave);
  return s ? int(s->count()) : 0;
}

QLineSeries* LoadChart::seriesFor(const QString& slave) {
  if (QLineSeries* s = slaveSeries_.value(slave)) return s;
  auto* s = new QLineSeries;
  s->setName(slave);
  chart()->addSeries(s);  // the theme picks the next colour...
  QPen pen = s->pen();    // ...which a thicker pen keeps
  pen.setWidthF(2);
  s->setPen(pen);
  s->attachAxis(timeAxis_);
  s->attachAxis(loadAxis_);
  slaveSeries_.insert(slave, s);
  return s;
}

}  // namespace polyrun::gui
