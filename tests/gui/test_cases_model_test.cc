// The Tests panel's data without widgets: TestCasesModel (add, edit, remove, import a folder in
// natural order, rows filling in from progress in any order, the summary), locateSpot (a
// checker's line and byte column in a QString), TestSuiteStore (cases kept per source file) and
// the wire conversions of a judged job (client_types.h).
#include "test_cases_model.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "client_types.h"
#include "format.h"
#include "test_suite_store.h"

using nlohmann::json;
using namespace polyrun::gui;

namespace {

QString cell(const TestCasesModel& m, int row, int column, int role = Qt::DisplayRole) {
  return m.data(m.index(row, column), role).toString();
}

void writeFile(const QString& path, const QByteArray& content) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(content);
}

CaseOutcome caseOutcome(int index, const QString& name, const QString& verdict, qint64 cpu_ms,
                        qint64 memory_bytes) {
  CaseOutcome c;
  c.index = index;
  c.name = name;
  c.run.verdict = verdict;
  c.run.exit_code = 0;
  c.run.cpu_ms = cpu_ms;
  c.run.wall_ms = cpu_ms + 2;
  c.run.memory_bytes = memory_bytes;
  return c;
}

QList<TestCaseInput> threeCases() {
  return {{"1", "1 2\n", QString("3\n")},
          {"2", "2 2\n", QString("5\n")},
          {"3", "0 0\n", QString("0\n")}};
}

}  // namespace

class TestCasesModelTest : public QObject {
  Q_OBJECT

 private slots:
  void addEditAndRemoveCases();
  void importReadsAFolderInNaturalOrder();
  void importThatFailsChangesNothing();
  void progressFillsRowsInAnyOrder();
  void resultFillsEveryRowAndTheSummary();
  void compileErrorAndAbortedRunsAreSaid();
  void locateSpotCountsBytesOfUtf8();
  void storeKeepsSuitesPerSourceFile();
  void storeRefusesAnUnreadableFile();
  void judgedJobGoesOnTheWire();
  void caseProgressAndJudgedResultAreRead();
};

void TestCasesModelTest::addEditAndRemoveCases() {
  TestCasesModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QSignalSpy changed(&m, &TestCasesModel::casesChanged);
  QCOMPARE(m.addCase(), 0);
  QCOMPARE(m.addCase(), 1);
  QCOMPARE(m.addCase({"big", "x\n", std::nullopt}), 2);
  QCOMPARE(m.rowCount(), 3);
  QCOMPARE(cell(m, 0, TestCasesModel::kName), QString("1"));
  QCOMPARE(cell(m, 1, TestCasesModel::kName), QString("2"));
  QCOMPARE(cell(m, 2, TestCasesModel::kName), QString("big"));
  QCOMPARE(changed.count(), 3);

  // The smallest free number names a new case.
  m.removeCase(0);
  QCOMPARE(m.rowCount(), 2);
  QCOMPARE(m.cases()[0].name, QString("2"));
  QCOMPARE(m.addCase(), 2);
  QCOMPARE(m.cases()[2].name, QString("1"));

  // An edit replaces the case and drops the result it had.
  m.startRun();
  m.setCaseResult(caseOutcome(0, "2", "OK", 5, 1 << 20));
  QVERIFY(m.result(0));
  const TestCaseInput edited{"two", "2 2\n", QString("4\n")};
  const int before = int(changed.count());
  m.setCase(0, edited);
  QCOMPARE(m.cases()[0], edited);
  QVERIFY(!m.result(0));
  QCOMPARE(changed.count(), before + 1);
  m.setCase(0, edited);  // the same again: nothing to save
  QCOMPARE(changed.count(), before + 1);

  // An unnamed case shows the number the master gives it.
  m.setCase(1, {"", "", std::nullopt});
  QCOMPARE(cell(m, 1, TestCasesModel::kName), QString("2"));
  m.removeCase(7);  // out of range: ignored
  QCOMPARE(m.rowCount(), 3);
}

void TestCasesModelTest::importReadsAFolderInNaturalOrder() {
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  writeFile(dir.filePath("10.in"), "10\n");
  writeFile(dir.filePath("10.out"), "100\n");
  writeFile(dir.filePath("2.in"), "2\n");  // run, not checked
  writeFile(dir.filePath("1.out"), "");    // empty stdin
  writeFile(dir.filePath("1.in"), "1\n");
  writeFile(dir.filePath("README.md"), "ignored");
  writeFile(dir.filePath("edge.out"), "e\n");  // no .in: empty stdin

  TestCasesModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  m.addCase({"2", "old\n", QString("old\n")});  // replaced in place by the folder's "2"
  m.addCase({"mine", "", std::nullopt});
  int added = 0;
  QString error;
  QVERIFY2(m.importFolder(dir.path(), &added, &error), qPrintable(error));
  QCOMPARE(added, 4);
  QStringList names;
  for (const TestCaseInput& c : m.cases()) names << c.name;
  QCOMPARE(names, QStringList({"2", "mine", "1", "10", "edge"}));
  QCOMPARE(m.cases()[0].stdin_text, QString("2\n"));
  QVERIFY(!m.cases()[0].expected_stdout.has_value());
  QCOMPARE(m.cases()[2].stdin_text, QString("1\n"));
  QCOMPARE(m.cases()[2].expected_stdout, std::optional<QString>(QString()));
  QCOMPARE(m.cases()[3].expected_stdout, std::optional<QString>(QString("100\n")));
  QCOMPARE(m.cases()[4].stdin_text, QString());
}

void TestCasesModelTest::importThatFailsChangesNothing() {
  TestCasesModel m;
  m.addCase({"keep", "k\n", QString("k\n")});
  QTemporaryDir dir;
  int added = -1;
  QString error;
  QVERIFY(!m.importFolder(dir.filePath("missing"), &added, &error));
  QVERIFY2(error.contains("does not exist") && error.contains("NAME.in"), qPrintable(error));
  writeFile(dir.filePath("notes.txt"), "x");
  QVERIFY(!m.importFolder(dir.path(), &added, &error));
  QVERIFY2(error.contains("holds no NAME.in or NAME.out"), qPrintable(error));
  QCOMPARE(added, 0);
  QCOMPARE(m.rowCount(), 1);
  QCOMPARE(m.cases()[0].name, QString("keep"));
}

void TestCasesModelTest::progressFillsRowsInAnyOrder() {
  TestCasesModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  m.setCases(threeCases());
  QCOMPARE(m.summaryText(), QString());
  m.startRun();
  QVERIFY(m.isRunning());
  QCOMPARE(cell(m, 0, TestCasesModel::kVerdict), QString("waiting"));
  QCOMPARE(m.summaryText(), QString("0 of 3 cases done"));

  QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
  m.setCaseResult(caseOutcome(2, "3", "OK", 7, 8 << 20));
  QCOMPARE(changed.count(), 1);
  QCOMPARE(changed[0][0].toModelIndex().row(), 2);
  QCOMPARE(cell(m, 2, TestCasesModel::kVerdict), QString("OK"));
  QCOMPARE(cell(m, 2, TestCasesModel::kTime), QString("7 ms"));
  QCOMPARE(cell(m, 2, TestCasesModel::kMemory), QString("8.0 MiB"));
  QCOMPARE(cell(m, 0, TestCasesModel::kVerdict), QString("waiting"));
  m.setCaseResult(caseOutcome(0, "1", "WRONG_ANSWER", 5, 1 << 20));
  QCOMPARE(m.summaryText(), QString("2 of 3 cases done"));
  // Coloured as the result view colours verdicts.
  QCOMPARE(m.data(m.index(0, TestCasesModel::kVerdict), Qt::BackgroundRole).value<QColor>(),
           verdictColor("WRONG_ANSWER"));
  QCOMPARE(m.data(m.index(2, TestCasesModel::kVerdict), Qt::BackgroundRole).value<QColor>(),
           verdictColor("OK"));
  QVERIFY(verdictColor("WRONG_ANSWER") != verdictColor("OK"));
  m.setCaseResult(caseOutcome(3, "x", "OK", 1, 1));  // not a row: ignored
  m.setCaseResult(caseOutcome(-1, "x", "OK", 1, 1));
  QCOMPARE(m.summaryText(), QString("2 of 3 cases done"));
}

void TestCasesModelTest::resultFillsEveryRowAndTheSummary() {
  TestCasesModel m;
  m.setCases(threeCases());
  m.startRun();
  RunOutcome o;
  o.verdict = "WRONG_ANSWER";
  o.tests = {caseOutcome(0, "1", "OK", 40, 8 << 20),
             caseOutcome(1, "2", "WRONG_ANSWER", 53, 9 << 20),
             caseOutcome(2, "3", "SKIPPED", 0, 0)};
  o.tests[1].run.stdout_text = "4\n";
  o.tests[1].line = 1;
  o.tests[1].column = 1;
  o.summary = {3, 1, 2, 53, 60, 9 << 20};
  m.setOutcome(o);
  QVERIFY(!m.isRunning());
  QCOMPARE(cell(m, 1, TestCasesModel::kVerdict), QString("WRONG_ANSWER"));
  QCOMPARE(m.result(1)->run.stdout_text, QString("4\n"));
  QCOMPARE(cell(m, 2, TestCasesModel::kVerdict), QString("SKIPPED"));
  QCOMPARE(cell(m, 2, TestCasesModel::kTime), QString());  // not run: no figures
  QCOMPARE(m.summaryText(), QString("passed 1 of 3 · first failure: 2 (WRONG_ANSWER) · max time "
                                    "53 ms · max memory 9.0 MiB"));
  QCOMPARE(m.summary()->first_failure, 2);
}

void TestCasesModelTest::compileErrorAndAbortedRunsAreSaid() {
  TestCasesModel m;
  m.setCases(threeCases());
  m.startRun();
  RunOutcome o;
  o.verdict = "COMPILE_ERROR";
  m.setOutcome(o);
  QCOMPARE(m.summaryText(), QString("compile error: no case ran"));
  QCOMPARE(cell(m, 0, TestCasesModel::kVerdict), QString("not run"));

  // A checker program that does not compile: its failure, not the program's.
  m.startRun();
  o.verdict = "CHECKER_ERROR";
  o.message = "the checker program failed before any case ran: it did not compile";
  m.setOutcome(o);
  QCOMPARE(m.summaryText(),
           QString("The checker failed, not the program; no case ran. the checker program failed "
                   "before any case ran: it did not compile"));

  m.startRun();
  m.setCaseResult(caseOutcome(0, "1", "OK", 1, 1));
  m.endRun("stopped");
  QVERIFY(!m.isRunning());
  QCOMPARE(m.summaryText(), QString("stopped"));
  QCOMPARE(cell(m, 0, TestCasesModel::kVerdict), QString("OK"));
  QCOMPARE(cell(m, 1, TestCasesModel::kVerdict), QString("not run"));
}

void TestCasesModelTest::locateSpotCountsBytesOfUtf8() {
  const QString text = QString::fromUtf8("ab\nhé€x\n\xf0\x9f\x98\x80z\n");
  TextSpot s = locateSpot(text, 1, 2);
  QCOMPARE(s.line_start, 0);
  QCOMPARE(s.line_end, 2);
  QCOMPARE(s.at, 1);
  // "é" is 2 bytes and "€" 3: byte column 7 of line 2 is the "x".
  s = locateSpot(text, 2, 7);
  QCOMPARE(s.line_start, 3);
  QCOMPARE(text.at(s.at), QChar('x'));
  QCOMPARE(s.line_end, 7);
  // A 4-byte character is two QChars: byte column 5 is after both.
  s = locateSpot(text, 3, 5);
  QCOMPARE(text.at(s.at), QChar('z'));
  // Past the end of a line: the line's end; past the last line: the text's end.
  s = locateSpot(text, 1, 99);
  QCOMPARE(s.at, 2);
  s = locateSpot(text, 9, 1);
  QCOMPARE(s.at, int(text.size()));
  QCOMPARE(s.line_start, int(text.size()));
}

void TestCasesModelTest::storeKeepsSuitesPerSourceFile() {
  QTemporaryDir dir;
  const TestSuiteStore store(dir.filePath("tests"));
  TestSuite suite{threeCases(), {"float", 0.01, true, {}}};
  suite.cases[1].expected_stdout.reset();
  QString error;
  QVERIFY2(store.save(dir.filePath("a.py"), suite, &error), qPrintable(error));
  TestSuite read;
  QVERIFY(store.load(dir.filePath("a.py"), &read, &error));
  QCOMPARE(read, suite);
  QVERIFY(read.judge.checker_path.isEmpty());
  // A checker program is kept as its path (its content is read at each run, not stored).
  const TestSuite with_program{threeCases(), {"program", 1e-6, false, dir.filePath("check.py")}};
  QVERIFY2(store.save(dir.filePath("c.py"), with_program, &error), qPrintable(error));
  QVERIFY(store.load(dir.filePath("c.py"), &read, &error));
  QCOMPARE(read.judge.checker, QString("program"));
  QCOMPARE(read.judge.checker_path, dir.filePath("check.py"));
  QCOMPARE(read, with_program);
  // Another file has its own (none yet).
  QVERIFY(store.fileFor(dir.filePath("b.py")) != store.fileFor(dir.filePath("a.py")));
  QVERIFY(store.load(dir.filePath("b.py"), &read, &error));
  QVERIFY(read.isEmpty());
  // Nothing left to keep: the file goes.
  QVERIFY(QFile::exists(store.fileFor(dir.filePath("a.py"))));
  QVERIFY(store.save(dir.filePath("a.py"), {}, &error));
  QVERIFY(!QFile::exists(store.fileFor(dir.filePath("a.py"))));
}

void TestCasesModelTest::storeRefusesAnUnreadableFile() {
  QTemporaryDir dir;
  const TestSuiteStore store(dir.path());
  writeFile(store.fileFor("/src/a.py"), "{not json");
  TestSuite read{threeCases(), {}};
  QString error;
  QVERIFY(!store.load("/src/a.py", &read, &error));
  QVERIFY2(error.contains("/src/a.py") && error.contains("remove that file"), qPrintable(error));
  QVERIFY(read.isEmpty());
  writeFile(store.fileFor("/src/a.py"), R"({"version": 99, "cases": []})");
  QVERIFY(!store.load("/src/a.py", &read, &error));
  QVERIFY2(error.contains("not a version 1 file"), qPrintable(error));
}

void TestCasesModelTest::judgedJobGoesOnTheWire() {
  JobRequest request;
  request.language = "python";
  request.files << JobFile{"sum.py", "print(1)\n"};
  json job = jobRequestToJson(request);
  QVERIFY(!job.contains("tests"));  // a plain run stays as it was
  QVERIFY(!job.contains("checker"));

  request.tests = threeCases();
  request.tests[2].expected_stdout.reset();
  request.judge = {"float", 0.5, true, {}};
  job = jobRequestToJson(request);
  QCOMPARE(job.at("tests").size(), size_t{3});
  QCOMPARE(job.at("tests")[1].at("name").get<std::string>(), std::string("2"));
  QCOMPARE(job.at("tests")[1].at("stdin").get<std::string>(), std::string("2 2\n"));
  QCOMPARE(job.at("tests")[1].at("expected_stdout").get<std::string>(), std::string("5\n"));
  QVERIFY(!job.at("tests")[2].contains("expected_stdout"));
  QCOMPARE(job.at("checker").at("kind").get<std::string>(), std::string("float"));
  QCOMPARE(job.at("checker").at("abs_tolerance").get<double>(), 0.5);
  QCOMPARE(job.at("stop_on_failure").get<bool>(), true);
}

void TestCasesModelTest::caseProgressAndJudgedResultAreRead() {
  // The `test` object of docs/judging.md's progress example.
  const json test = json::parse(R"({"index": 1, "name": "2", "verdict": "WRONG_ANSWER",
      "exit_code": 0, "signal": 0, "cpu_ms": 12, "wall_ms": 14, "memory_bytes": 8470528,
      "line": 1, "column": 1, "message": "line 1, column 1: expected \"5\", got \"4\""})");
  CaseOutcome c;
  QString error;
  QVERIFY2(caseOutcomeFromJson(test, &c, &error), qPrintable(error));
  QCOMPARE(c.index, 1);
  QCOMPARE(c.name, QString("2"));
  QCOMPARE(c.run.verdict, QString("WRONG_ANSWER"));
  QCOMPARE(c.run.cpu_ms, 12);
  QCOMPARE(c.run.memory_bytes, 8470528);
  QCOMPARE(c.line, 1);
  QCOMPARE(c.column, 1);
  QVERIFY(c.run.message.contains("expected \"5\""));
  json bad = test;
  bad.erase("index");
  QVERIFY(!caseOutcomeFromJson(bad, &c, &error));
  QVERIFY2(error.contains("index"), qPrintable(error));
  bad = test;
  bad["verdict"] = "GREAT";
  QVERIFY(!caseOutcomeFromJson(bad, &c, &error));
  QVERIFY(!caseOutcomeFromJson(json::array(), &c, &error));

  json result = {
      {"job_id", "j-1"}, {"verdict", "WRONG_ANSWER"}, {"tests", json::array({test, test})}};
  result["tests"][0]["verdict"] = "OK";
  result["tests"][0]["cpu_ms"] = 30;
  result["tests"][1]["stdout"] = "4\n";
  RunOutcome o;
  QVERIFY2(runOutcomeFromJson(result, &o, &error), qPrintable(error));
  QCOMPARE(o.tests.size(), 2);
  QCOMPARE(o.tests[1].index, 1);
  QCOMPARE(o.tests[1].run.stdout_text, QString("4\n"));
  QCOMPARE(o.tests[1].line, 1);
  QCOMPARE(o.summary.total, 2);
  QCOMPARE(o.summary.passed, 1);
  QCOMPARE(o.summary.first_failure, 2);
  QCOMPARE(o.summary.max_cpu_ms, 30);
}

QTEST_GUILESS_MAIN(TestCasesModelTest)
#include "test_cases_model_test.moc"
