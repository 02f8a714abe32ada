// LoadHistory: a point per slave and one for the queue per snapshot, older points dropped after
// the window, a slave gone for a whole window forgotten.
#include "load_history.h"

#include <QtTest>

using namespace polyrun::gui;

namespace {

ClusterSnapshot snapshot(QList<QPair<QString, double>> loads, qint64 queued_python,
                         qint64 queued_c = 0) {
  ClusterSnapshot s;
  qint64 id = 0;
  for (const auto& [name, load] : loads) {
    SlaveInfo info;
    info.id = ++id;
    info.name = name;
    info.load_avg = load;
    s.slaves << info;
  }
  s.queues = {{"python", queued_python}, {"c", queued_c}};
  return s;
}

}  // namespace

class LoadHistoryTest : public QObject {
  Q_OBJECT

 private slots:
  void recordsLoadAndQueue();
  void dropsWhatLeftTheWindow();
};

void LoadHistoryTest::recordsLoadAndQueue() {
  LoadHistory h(60'000);
  QVERIFY(h.isEmpty());
  h.addSnapshot(snapshot({{"a", 0.5}, {"b", 1.5}}, 2, 1), 1000);
  h.addSnapshot(snapshot({{"a", 0.7}}, 0), 3000);
  QCOMPARE(h.latestMs(), 1000 + 2000);
  QCOMPARE(h.slaveNames(), QStringList({"a", "b"}));
  QCOMPARE(h.loadSeries("a"), QList<QPointF>({{1000, 0.5}, {3000, 0.7}}));
  QCOMPARE(h.loadSeries("b"), QList<QPointF>({{1000, 1.5}}));
  QCOMPARE(h.queueSeries(), QList<QPointF>({{1000, 3}, {3000, 0}}));
  QCOMPARE(h.maxLoad(), 1.5);
  QCOMPARE(h.maxQueue(), 3.0);
  // A clock that goes back (wall clock adjusted) never makes the series go back.
  h.addSnapshot(snapshot({{"a", 0.1}}, 0), 2000);
  QCOMPARE(h.loadSeries("a").last().x(), 3000.0);
}

void LoadHistoryTest::dropsWhatLeftTheWindow() {
  LoadHistory h(10'000);
  h.addSnapshot(snapshot({{"a", 1}, {"b", 1}}, 1), 0);
  h.addSnapshot(snapshot({{"a", 2}}, 1), 6000);
  h.addSnapshot(snapshot({{"a", 3}}, 1), 12'000);  // the point at 0 is now older than 10 s
  QCOMPARE(h.loadSeries("a").size(), 2);
  QCOMPARE(h.loadSeries("a").first().x(), 6000.0);
  QCOMPARE(h.slaveNames(), QStringList({"a"}));  // b's only point left the window
  QCOMPARE(h.queueSeries().size(), 2);
  h.clear();
  QVERIFY(h.isEmpty());
  QCOMPARE(h.latestMs(), 0);
}

QTEST_GUILESS_MAIN(LoadHistoryTest)
#include "load_history_test.moc"
