// MessageLog and describeError: repeats fold into one entry with a count, the log is capped,
// error codes read as sentences.
#include "message_log.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include "master_connection.h"

using namespace polyrun::gui;
using Severity = MessageLog::Severity;

class MessageLogTest : public QObject {
  Q_OBJECT

 private slots:
  void repeatsFoldIntoOneEntry();
  void newestFirstAndCapped();
  void errorsReadAsSentences_data();
  void errorsReadAsSentences();
};

void MessageLogTest::repeatsFoldIntoOneEntry() {
  MessageLog log;
  QAbstractItemModelTester tester(&log, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QSignalSpy latest(&log, &MessageLog::latestChanged);
  QVERIFY(!log.latest());
  for (int i = 0; i < 5; ++i) log.add(Severity::kError, "The cluster is busy: 42 jobs waiting");
  QCOMPARE(log.rowCount(), 1);
  QCOMPARE(log.latest()->count, 5);
  QCOMPARE(latest.count(), 5);
  QVERIFY(log.index(0).data().toString().endsWith("(×5)"));
  QCOMPARE(log.index(0).data(MessageLog::kCountRole).toInt(), 5);
  // Same text with another severity, or another text, is a new entry.
  log.add(Severity::kWarning, "The cluster is busy: 42 jobs waiting");
  log.add(Severity::kWarning, "Connection lost");
  QCOMPARE(log.rowCount(), 3);
  QCOMPARE(log.latest()->text, QString("Connection lost"));
  QCOMPARE(log.index(0).data(MessageLog::kSeverityRole).toInt(), int(Severity::kWarning));
  QVERIFY(log.index(0).data(Qt::ForegroundRole).isValid());
  log.clear();
  QCOMPARE(log.rowCount(), 0);
}

void MessageLogTest::newestFirstAndCapped() {
  MessageLog log;
  QAbstractItemModelTester tester(&log, QAbstractItemModelTester::FailureReportingMode::QtTest);
  for (int i = 0; i < MessageLog::kMaxEntries + 10; ++i)
    log.add(Severity::kInfo, QString("message %1").arg(i));
  QCOMPARE(log.rowCount(), MessageLog::kMaxEntries);
  QCOMPARE(log.latest()->text, QString("message %1").arg(MessageLog::kMaxEntries + 9));
  QVERIFY(log.index(log.rowCount() - 1).data().toString().endsWith("message 10"));
}

void MessageLogTest::errorsReadAsSentences_data() {
  QTest::addColumn<QString>("code");
  QTest::addColumn<QString>("message");
  QTest::addColumn<QString>("expected");
  QTest::newRow("unknown_language") << "unknown_language"
                                    << "no slave offers cobol"
                                    << "Unknown language: no slave offers cobol";
  QTest::newRow("bad_limits") << "bad_limits"
                              << "limits.run.wall_ms is over 30000"
                              << "Limits not accepted: limits.run.wall_ms is over 30000";
  QTest::newRow("queue_full") << "queue_full"
                              << "busy"
                              << "The cluster is busy: busy";
  QTest::newRow("unauthorized") << "unauthorized"
                                << ""
                                << "Not authorized (check the token in Connection settings)";
  QTest::newRow("client-side") << QString(kErrorConnectionLost) << "gone"
                               << "Connection lost: gone";
  QTest::newRow("unknown code") << "new_code"
                                << "something"
                                << "new_code: something";
  QTest::newRow("nothing at all") << ""
                                  << ""
                                  << "Unknown error";
  QTest::newRow("message only") << ""
                                << "just this"
                                << "just this";
}

void MessageLogTest::errorsReadAsSentences() {
  QFETCH(QString, code);
  QFETCH(QString, message);
  QFETCH(QString, expected);
  QCOMPARE(describeError(code, message), expected);
}

QTEST_GUILESS_MAIN(MessageLogTest)
#include "message_log_test.moc"
