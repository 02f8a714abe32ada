// HistoryModel: a run's way from submit to its end, the ends that are final (a stopped run
// ignores its late result), lookups, the cap, and the summaries the cluster page shows.
#include "history_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include "canned_replies.h"

using namespace polyrun::gui;
using polyrun::gui::test::pythonJob;

namespace {

RunOutcome okOutcome(const QString& job_id) {
  RunOutcome o;
  o.job_id = job_id;
  o.slave = "slave-a";
  o.language = "python";
  o.version = "3.11.2";
  o.verdict = "OK";
  o.queue_ms = 3;
  o.total_ms = 40;
  StageOutcome run;
  run.verdict = "OK";
  run.stdout_text = "hi\n";
  run.exit_code = 0;
  run.cpu_ms = 12;
  run.wall_ms = 14;
  run.memory_bytes = 9175040;
  o.run = run;
  return o;
}

QString cell(const HistoryModel& m, int row, int column) {
  return m.data(m.index(row, column)).toString();
}

}  // namespace

class HistoryModelTest : public QObject {
  Q_OBJECT

 private slots:
  void runGoesFromSubmittedToFinished();
  void stoppedRunIgnoresLaterMessages();
  void failedRunKeepsTheError();
  void summariesAreNewestFirst();
  void oldestRunsAreDroppedBeyondTheCap();
};

void HistoryModelTest::runGoesFromSubmittedToFinished() {
  HistoryModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
  const QDateTime started = QDateTime::currentDateTime();
  QCOMPARE(m.addRun("7", pythonJob("hi\n"), started), 0);
  QCOMPARE(m.rowCount(), 1);
  QCOMPARE(m.columnCount(), int(HistoryModel::kColumnCount));
  QCOMPARE(cell(m, 0, HistoryModel::kNumber), QString("1"));
  QCOMPARE(cell(m, 0, HistoryModel::kStatus), QString("submitted"));
  QCOMPARE(cell(m, 0, HistoryModel::kLanguage), QString("python"));

  m.setJobId("7", "j-1");
  QCOMPARE(m.rowOfJob("j-1"), 0);
  QCOMPARE(m.rowOfRequest("7"), 0);
  QCOMPARE(cell(m, 0, HistoryModel::kJob), QString("j-1"));
  m.setProgress("j-1", "assigned", "slave-a");
  QCOMPARE(cell(m, 0, HistoryModel::kStatus), QString("on slave-a"));
  m.setProgress("j-1", "running", {});
  QCOMPARE(cell(m, 0, HistoryModel::kStatus), QString("running"));
  QVERIFY(!m.record(0)->isOver());

  m.setOutcome("j-1", okOutcome("j-1"), 55);
  const RunRecord* r = m.record(0);
  QCOMPARE(r->status, RunRecord::Status::kFinished);
  QCOMPARE(r->elapsed_ms, 55);
  QCOMPARE(cell(m, 0, HistoryModel::kStatus), QString("OK"));
  QCOMPARE(cell(m, 0, HistoryModel::kLanguage), QString("python 3.11.2"));
  QCOMPARE(cell(m, 0, HistoryModel::kExit), QString("0"));
  QCOMPARE(cell(m, 0, HistoryModel::kCpu), QString("12 ms"));
  QCOMPARE(cell(m, 0, HistoryModel::kMemory), QString("8.8 MiB"));
  QCOMPARE(cell(m, 0, HistoryModel::kSlave), QString("slave-a"));
  QCOMPARE(cell(m, 0, HistoryModel::kQueue), QString("3 ms"));
  QCOMPARE(m.data(m.index(0, HistoryModel::kWall), HistoryModel::kSortRole).toLongLong(), 14);
  QVERIFY(m.data(m.index(0, HistoryModel::kStatus), Qt::ForegroundRole).isValid());
  QVERIFY(changed.count() >= 4);
  QCOMPARE(m.headerData(HistoryModel::kStatus, Qt::Horizontal).toString(), QString("Verdict"));
}

void HistoryModelTest::stoppedRunIgnoresLaterMessages() {
  HistoryModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  m.addRun("1", pythonJob("hi\n"), QDateTime::currentDateTime());
  m.setStopped("1", 20);
  QCOMPARE(cell(m, 0, HistoryModel::kStatus), QString("stopped"));
  // The job id still arrives (a cancel needs it), but nothing else changes the run.
  m.setJobId("1", "j-9");
  QCOMPARE(m.record(0)->job_id, QString("j-9"));
  m.setProgress("j-9", "running", "slave-b");
  m.setOutcome("j-9", okOutcome("j-9"), 99);
  m.setFailed("1", "connection_lost", "gone", 120);
  QCOMPARE(m.record(0)->status, RunRecord::Status::kStopped);
  QVERIFY(!m.record(0)->outcome.has_value());
  QCOMPARE(m.record(0)->elapsed_ms, 20);
  QVERIFY(
      m.data(m.index(0, HistoryModel::kStatus), Qt::ToolTipRole).toString().contains("ignored"));
}

void HistoryModelTest::failedRunKeepsTheError() {
  HistoryModel m;
  m.addRun("3", pythonJob("hi\n"), QDateTime::currentDateTime());
  m.setFailed("3", "unknown_language", "no slave offers cobol", 5);
  QCOMPARE(cell(m, 0, HistoryModel::kStatus), QString("unknown_language"));
  QCOMPARE(m.data(m.index(0, HistoryModel::kStatus), Qt::ToolTipRole).toString(),
           QString("no slave offers cobol"));
  // Unknown ids change nothing and do not crash.
  m.setJobId("nope", "j-1");
  m.setProgress("j-nope", "running", {});
  m.setOutcome("j-nope", okOutcome("j-nope"), 1);
  QCOMPARE(m.rowOfRequest({}), -1);
  QCOMPARE(m.rowOfJob({}), -1);
  QVERIFY(!m.record(4));
}

void HistoryModelTest::summariesAreNewestFirst() {
  HistoryModel m;
  m.addRun("1", pythonJob("hi\n"), QDateTime::currentDateTime().addSecs(-10));
  m.setJobId("1", "j-1");
  m.setOutcome("j-1", okOutcome("j-1"), 40);
  m.addRun("2", pythonJob("hi\n"), QDateTime::currentDateTime());
  const QList<JobSummary> s = m.summaries();
  QCOMPARE(s.size(), 2);
  QCOMPARE(s[0].job_id, QString("(request 2)"));  // not accepted yet
  QCOMPARE(s[0].verdict, QString("submitted"));
  QCOMPARE(s[0].finished_ago_ms, -1);
  QCOMPARE(s[1].job_id, QString("j-1"));
  QCOMPARE(s[1].verdict, QString("OK"));
  QCOMPARE(s[1].slave, QString("slave-a"));
  QCOMPARE(s[1].total_ms, 40);
  QVERIFY(s[1].finished_ago_ms >= 9000);
}

void HistoryModelTest::oldestRunsAreDroppedBeyondTheCap() {
  HistoryModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  for (int i = 0; i < HistoryModel::kMaxRuns + 5; ++i)
    m.addRun(QString::number(i), pythonJob("hi\n"), QDateTime::currentDateTime());
  QCOMPARE(m.rowCount(), HistoryModel::kMaxRuns);
  QCOMPARE(m.record(0)->number, 6);  // numbers keep counting
  QCOMPARE(m.rowOfRequest("0"), -1);
}

QTEST_GUILESS_MAIN(HistoryModelTest)
#include "history_model_test.moc"
