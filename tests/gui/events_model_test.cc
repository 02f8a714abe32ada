// EventsModel and EventsFilter: events in arrival order, the bound on rows, events_dropped
// markers as rows, the slaves named, and filtering by minimum level and by slave.
#include "events_model.h"

#include <QSignalSpy>
#include <QtTest>

using namespace polyrun::gui;

namespace {

ClusterEvent makeEvent(qint64 id, const QString& level, const QString& kind,
                       const QString& slave = {}) {
  ClusterEvent e;
  e.id = id;
  e.time_ms = 1796670783123 + id * 1000;
  e.level = level;
  e.kind = kind;
  e.slave = slave;
  e.message = QStringLiteral("event %1 (%2)").arg(id).arg(kind);
  return e;
}

ClusterEvent dropMarker(qint64 from, qint64 to) {
  ClusterEvent e;
  e.level = "warning";
  e.kind = "events_dropped";
  e.dropped_from = from;
  e.dropped_to = to;
  return e;
}

QStringList kindsShown(const QAbstractItemModel& model) {
  QStringList out;
  for (int row = 0; row < model.rowCount(); ++row)
    out << model.index(row, EventsModel::kKind).data().toString();
  return out;
}

}  // namespace

class EventsModelTest : public QObject {
  Q_OBJECT

 private slots:
  void rowsAreEventsInArrivalOrder();
  void oldestRowsLeaveBeyondTheBound();
  void droppedMarkerIsARow();
  void slavesNamedAreListedOnce();
  void warningsAndErrorsAreColoured();
  void filterByMinimumLevel();
  void filterBySlave();
  void filterFollowsNewRows();
};

void EventsModelTest::rowsAreEventsInArrivalOrder() {
  EventsModel model;
  QCOMPARE(model.columnCount(), int(EventsModel::kColumnCount));
  model.addEvent(makeEvent(1, "info", "master_started"));
  model.addEvent(makeEvent(2, "warning", "slave_lost", "slave-b"));
  QCOMPARE(model.rowCount(), 2);
  QCOMPARE(model.index(1, EventsModel::kLevel).data().toString(), QString("warning"));
  QCOMPARE(model.index(1, EventsModel::kKind).data().toString(), QString("slave_lost"));
  QCOMPARE(model.index(1, EventsModel::kSlave).data().toString(), QString("slave-b"));
  QCOMPARE(model.index(1, EventsModel::kMessage).data().toString(),
           QString("event 2 (slave_lost)"));
  const QString time = model.index(0, EventsModel::kTime).data().toString();
  QVERIFY2(QRegularExpression("^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d$").match(time).hasMatch(),
           qPrintable(time));
  QCOMPARE(model.headerData(EventsModel::kMessage, Qt::Horizontal).toString(), QString("Message"));
}

void EventsModelTest::oldestRowsLeaveBeyondTheBound() {
  EventsModel model(nullptr, 3);
  QCOMPARE(model.maxRows(), 3);
  QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
  for (qint64 id = 1; id <= 5; ++id) model.addEvent(makeEvent(id, "info", "slave_joined"));
  QCOMPARE(model.rowCount(), 3);
  QCOMPARE(model.event(0).id, qint64(3));
  QCOMPARE(model.event(2).id, qint64(5));
  QCOMPARE(removed.count(), 2);  // one row at a time, from the top
  QCOMPARE(EventsModel().maxRows(), EventsModel::kDefaultMaxRows);
}

void EventsModelTest::droppedMarkerIsARow() {
  EventsModel model;
  model.addEvent(makeEvent(1, "info", "master_started"));
  model.addEvent(dropMarker(2, 40));
  model.addEvent(makeEvent(41, "info", "slave_joined", "slave-a"));
  QCOMPARE(model.rowCount(), 3);
  QVERIFY(model.event(1).isDropMarker());
  // Without a message of the master's, the row says which events are missing.
  const QString text = model.index(1, EventsModel::kMessage).data().toString();
  QVERIFY2(text.contains("events 2 to 40") && text.contains("too slowly"), qPrintable(text));
  QVERIFY(model.index(1, EventsModel::kMessage).data(Qt::FontRole).value<QFont>().italic());
  QCOMPARE(model.index(1, EventsModel::kTime).data().toString(), QString());  // no time of its own
  ClusterEvent said = dropMarker(5, 6);
  said.message = "events 5 to 6 were dropped: ask again with after 4";
  model.addEvent(said);
  QCOMPARE(model.index(3, EventsModel::kMessage).data().toString(), said.message);
}

void EventsModelTest::slavesNamedAreListedOnce() {
  EventsModel model;
  QSignalSpy changed(&model, &EventsModel::slavesChanged);
  model.addEvent(makeEvent(1, "info", "slave_joined", "slave-b"));
  model.addEvent(makeEvent(2, "info", "slave_joined", "slave-a"));
  model.addEvent(makeEvent(3, "warning", "slave_lost", "slave-b"));
  model.addEvent(makeEvent(4, "info", "master_started"));
  QCOMPARE(model.slaves(), QStringList({"slave-a", "slave-b"}));
  QCOMPARE(changed.count(), 2);
  model.clear();
  QCOMPARE(model.rowCount(), 0);
}

void EventsModelTest::warningsAndErrorsAreColoured() {
  EventsModel model;
  model.addEvent(makeEvent(1, "info", "slave_joined", "slave-a"));
  model.addEvent(makeEvent(2, "warning", "slave_lost", "slave-a"));
  model.addEvent(makeEvent(3, "error", "language_refused", "slave-a"));
  QVERIFY(!model.index(0, EventsModel::kMessage).data(Qt::ForegroundRole).isValid());
  const QColor warning =
      model.index(1, EventsModel::kMessage).data(Qt::ForegroundRole).value<QBrush>().color();
  const QColor error =
      model.index(2, EventsModel::kLevel).data(Qt::ForegroundRole).value<QBrush>().color();
  QVERIFY(warning.isValid() && error.isValid());
  QVERIFY(warning != error);
  QVERIFY(model.index(2, EventsModel::kMessage).data(Qt::FontRole).value<QFont>().bold());
  QCOMPARE(eventLevelRank("error"), 2);
  QCOMPARE(eventLevelRank("warning"), 1);
  QCOMPARE(eventLevelRank("info"), 0);
  QCOMPARE(eventLevelRank("debug"), 0);  // unknown levels count as info
}

void EventsModelTest::filterByMinimumLevel() {
  EventsModel model;
  EventsFilter filter;
  filter.setSourceModel(&model);
  model.addEvent(makeEvent(1, "info", "slave_joined", "slave-a"));
  model.addEvent(makeEvent(2, "warning", "slave_lost", "slave-a"));
  model.addEvent(dropMarker(3, 9));
  model.addEvent(makeEvent(10, "error", "language_refused", "slave-b"));
  QCOMPARE(filter.rowCount(), 4);
  filter.setMinimumLevel("warning");
  QCOMPARE(kindsShown(filter), QStringList({"slave_lost", "events_dropped", "language_refused"}));
  filter.setMinimumLevel("error");
  // The marker stays: the events it stands for may have been errors.
  QCOMPARE(kindsShown(filter), QStringList({"events_dropped", "language_refused"}));
  filter.setMinimumLevel("info");
  QCOMPARE(filter.rowCount(), 4);
}

void EventsModelTest::filterBySlave() {
  EventsModel model;
  EventsFilter filter;
  filter.setSourceModel(&model);
  model.addEvent(makeEvent(1, "info", "master_started"));
  model.addEvent(makeEvent(2, "info", "slave_joined", "slave-a"));
  model.addEvent(makeEvent(3, "info", "slave_joined", "slave-b"));
  model.addEvent(makeEvent(4, "error", "language_refused", "slave-b"));
  filter.setSlave("slave-b");
  QCOMPARE(kindsShown(filter), QStringList({"slave_joined", "language_refused"}));
  QCOMPARE(filter.index(0, EventsModel::kSlave).data().toString(), QString("slave-b"));
  filter.setMinimumLevel("error");  // both filters at once
  QCOMPARE(kindsShown(filter), QStringList({"language_refused"}));
  filter.setSlave({});
  filter.setMinimumLevel("info");
  QCOMPARE(filter.rowCount(), 4);
}

void EventsModelTest::filterFollowsNewRows() {
  EventsModel model;
  EventsFilter filter;
  filter.setSourceModel(&model);
  filter.setSlave("slave-a");
  model.addEvent(makeEvent(1, "info", "slave_joined", "slave-b"));
  QCOMPARE(filter.rowCount(), 0);
  model.addEvent(makeEvent(2, "info", "slave_joined", "slave-a"));
  QCOMPARE(filter.rowCount(), 1);
}

QTEST_MAIN(EventsModelTest)
#include "events_model_test.moc"
