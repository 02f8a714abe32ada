// RecentJobsModel: rows from a list of jobs, updated in place (no reset) as the list moves on.
#include "recent_jobs_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

using namespace polyrun::gui;

namespace {

JobSummary job(const QString& id, const QString& verdict, qint64 total_ms = 30) {
  JobSummary j;
  j.job_id = id;
  j.language = "python";
  j.version = "3.11.2";
  j.verdict = verdict;
  j.slave = "slave-a";
  j.total_ms = total_ms;
  return j;
}

QStringList ids(const RecentJobsModel& m) {
  QStringList out;
  for (int row = 0; row < m.rowCount(); ++row)
    out << m.data(m.index(row, RecentJobsModel::kJob)).toString();
  return out;
}

}  // namespace

class RecentJobsModelTest : public QObject {
  Q_OBJECT

 private slots:
  void showsTheJobs();
  void newListMergesInPlace();
};

void RecentJobsModelTest::showsTheJobs() {
  RecentJobsModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  JobSummary a = job("j-2", "COMPILE_ERROR", 180);
  a.client = "10.0.0.5:41000";
  a.finished_ago_ms = 4000;
  m.setJobs({a, job("j-1", "OK")});
  QCOMPARE(m.rowCount(), 2);
  QCOMPARE(m.columnCount(), int(RecentJobsModel::kColumnCount));
  const auto cell = [&](int row, int column, int role = Qt::DisplayRole) {
    return m.data(m.index(row, column), role);
  };
  QCOMPARE(cell(0, RecentJobsModel::kClient).toString(), QString("10.0.0.5:41000"));
  QCOMPARE(cell(1, RecentJobsModel::kClient).toString(), QString("this client"));
  QCOMPARE(cell(0, RecentJobsModel::kLanguage).toString(), QString("python 3.11.2"));
  QCOMPARE(cell(0, RecentJobsModel::kVerdict).toString(), QString("COMPILE_ERROR"));
  QCOMPARE(cell(0, RecentJobsModel::kTotal).toString(), QString("180 ms"));
  QCOMPARE(cell(0, RecentJobsModel::kFinished).toString(), QString("4.00 s ago"));
  QCOMPARE(cell(1, RecentJobsModel::kFinished).toString(), QString());
  QCOMPARE(cell(0, RecentJobsModel::kTotal, RecentJobsModel::kSortRole).toLongLong(), 180);
  QVERIFY(cell(0, RecentJobsModel::kVerdict, Qt::ForegroundRole).isValid());
  QCOMPARE(m.headerData(RecentJobsModel::kVerdict, Qt::Horizontal).toString(), QString("Verdict"));
}

void RecentJobsModelTest::newListMergesInPlace() {
  RecentJobsModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  m.setJobs({job("j-3", "OK"), job("j-2", "OK"), job("j-1", "OK")});
  QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
  QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
  QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
  QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);

  m.setJobs({job("j-3", "OK"), job("j-2", "OK"), job("j-1", "OK")});
  QCOMPARE(reset.count() + inserted.count() + removed.count() + changed.count(), 0);

  // j-4 is new at the top, j-1 fell off the end, j-3 changed.
  m.setJobs({job("j-4", "RUNTIME_ERROR"), job("j-3", "TIME_LIMIT"), job("j-2", "OK")});
  QCOMPARE(ids(m), QStringList({"j-4", "j-3", "j-2"}));
  QCOMPARE(reset.count(), 0);
  QCOMPARE(inserted.count(), 1);
  QCOMPARE(removed.count(), 1);
  QCOMPARE(changed.count(), 1);
  QCOMPARE(m.jobs()[1].verdict, QString("TIME_LIMIT"));

  // A reordering moves rows.
  m.setJobs({job("j-2", "OK"), job("j-4", "RUNTIME_ERROR"), job("j-3", "TIME_LIMIT")});
  QCOMPARE(ids(m), QStringList({"j-2", "j-4", "j-3"}));
  m.setJobs({});
  QCOMPARE(m.rowCount(), 0);
}

QTEST_GUILESS_MAIN(RecentJobsModelTest)
#include "recent_jobs_model_test.moc"
