// ClusterView: a snapshot fills the summary, the slaves table, the chart's history and series,
// and the recent jobs (the master's when it lists them, else this client's).
#include "cluster_view.h"

#include <QLabel>
#include <QTableView>
#include <QtTest>

#include "recent_jobs_model.h"
#include "slaves_model.h"
#ifdef POLYRUN_GUI_HAVE_CHARTS
#include "load_chart.h"
#endif

using namespace polyrun::gui;

namespace {

ClusterSnapshot snapshot(bool with_recent_jobs) {
  ClusterSnapshot s;
  s.uptime_ms = 81234;
  s.clients = 3;
  SlaveInfo a;
  a.id = 1;
  a.name = "slave-a";
  a.load_avg = 0.4;
  a.capacity = 2;
  SlaveInfo b;
  b.id = 2;
  b.name = "slave-b";
  b.load_avg = 1.2;
  b.capacity = 4;
  s.slaves = {a, b};
  s.queues = {{"python", 3}};
  s.submitted = 12;
  s.completed = 11;
  s.cancelled = 2;
  s.by_verdict = {{"OK", 10}, {"COMPILE_ERROR", 1}};
  s.by_language = {{"python", 9}, {"c", 2}};
  if (with_recent_jobs) {
    s.has_recent_jobs = true;
    JobSummary j;
    j.job_id = "j-77";
    j.client = "10.0.0.5:41000";
    j.verdict = "OK";
    s.recent_jobs = {j};
  }
  return s;
}

}  // namespace

class ClusterViewTest : public QObject {
  Q_OBJECT

 private slots:
  void snapshotFillsEveryPart();
  void recentJobsAreTheMastersWhenListed();
  void staleSnapshotIsMarked();
};

void ClusterViewTest::snapshotFillsEveryPart() {
  ClusterView view;
  view.resize(1000, 700);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  QCOMPARE(view.findChild<QLabel*>("clusterSummary")->text(),
           QString("No cluster information yet."));
  view.setSnapshot(snapshot(false));
  view.setSnapshot(snapshot(false));
  const QString summary = view.findChild<QLabel*>("clusterSummary")->text();
  QVERIFY2(summary.contains("12 submitted") && summary.contains("2 cancelled") &&
               summary.contains("python 9") && summary.contains("OK 10") &&
               summary.contains("python 3") && summary.contains("1 min 21 s") &&
               summary.contains("3 client connection"),
           qPrintable(summary));
  QCOMPARE(view.findChild<QTableView*>("slavesView")->model()->rowCount(), 2);
  QCOMPARE(view.loadHistory().slaveNames(), QStringList({"slave-a", "slave-b"}));
  QCOMPARE(view.loadHistory().queueSeries().size(), 2);
  QCOMPARE(view.loadHistory().maxQueue(), 3.0);
#ifdef POLYRUN_GUI_HAVE_CHARTS
  QCOMPARE(view.chart()->slaveSeriesNames(), QStringList({"slave-a", "slave-b"}));
  QCOMPARE(view.chart()->pointCount("slave-b"), 2);
  QCOMPARE(view.chart()->pointCount({}), 2);  // the queue
  // A slave gone for a whole window leaves the chart.
  view.loadHistory().clear();
  ClusterSnapshot only_a = snapshot(false);
  only_a.slaves.removeLast();
  view.setSnapshot(only_a);
  QCOMPARE(view.chart()->slaveSeriesNames(), QStringList({"slave-a"}));
#endif
}

void ClusterViewTest::recentJobsAreTheMastersWhenListed() {
  ClusterView view;
  JobSummary mine;
  mine.job_id = "j-1";
  mine.verdict = "OK";
  view.setLocalJobs({mine});
  QCOMPARE(view.recentJobsModel()->rowCount(), 1);  // before any snapshot: this client's
  view.setSnapshot(snapshot(false));
  QVERIFY(!view.showsMasterJobs());
  QCOMPARE(view.recentJobsModel()->jobs().first().job_id, QString("j-1"));
  QVERIFY(view.findChild<QLabel*>("recentJobsTitle")->text().contains("this client"));

  view.setSnapshot(snapshot(true));
  QVERIFY(view.showsMasterJobs());
  QCOMPARE(view.recentJobsModel()->jobs().first().job_id, QString("j-77"));
  QVERIFY(view.findChild<QLabel*>("recentJobsTitle")->text().contains("every client"));
  // This client's runs no longer replace the master's list.
  view.setLocalJobs({mine, mine});
  QCOMPARE(view.recentJobsModel()->rowCount(), 1);
}

void ClusterViewTest::staleSnapshotIsMarked() {
  ClusterView view;
  view.setSnapshot(snapshot(false));
  view.setStale(true);
  QVERIFY(view.findChild<QLabel*>("clusterSummary")->text().contains("Not connected"));
  QVERIFY(!view.findChild<QTableView*>("slavesView")->isEnabled());
  QCOMPARE(view.model()->rowCount(), 2);  // the last known state stays
  view.setSnapshot(snapshot(false));
  QVERIFY(!view.findChild<QLabel*>("clusterSummary")->text().contains("Not connected"));
}

QTEST_MAIN(ClusterViewTest)
#include "cluster_view_test.moc"
