// The Run page's Tests panel in the main window, against a fake master: Run all sends one judged
// submit whose cases are the panel's, progress messages fill the rows as cases end (in any
// order), the result brings the summary, a click on a wrong answer shows its diff; cases are
// kept with the editor's file; and a screenshot of a mixed result for docs/gui.md.
#include "tests_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

#include "canned_replies.h"
#include "client_settings.h"
#include "code_editor.h"
#include "fake_master.h"
#include "format.h"
#include "main_window.h"
#include "master_connection.h"
#include "message_log.h"
#include "run_page.h"
#include "test_cases_model.h"
#include "test_suite_store.h"

using nlohmann::json;
using namespace polyrun::gui;
using polyrun::Verdict;
using polyrun::gui::test::FakeMaster;

namespace {

constexpr int kTimeoutMs = 5000;
constexpr char kJobId[] = "j-000050";

template <typename T>
T* child(QWidget& parent, const char* name) {
  T* w = parent.findChild<T*>(QString::fromLatin1(name));
  if (!w) qFatal("no child widget named %s", name);
  return w;
}

void writeFile(const QString& path, const QByteArray& content) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(content);
}

// Types `text` as a user would (QTest::keyClicks takes no newline).
void type(QWidget* widget, const QString& text) {
  const QStringList lines = text.split('\n');
  for (int i = 0; i < lines.size(); ++i) {
    if (i > 0) QTest::keyClick(widget, Qt::Key_Return);
    QTest::keyClicks(widget, lines[i]);
  }
}

QString cell(const TestCasesModel& m, int row, int column) {
  return m.data(m.index(row, column)).toString();
}

// The cases' results in the job's order: 1 passes, 2 is a wrong answer, 3 runs out of time,
// 10 passes.
std::vector<polyrun::CaseResult> mixedResults() {
  using polyrun::gui::test::caseResult;
  return {caseResult("1", Verdict::kOk, 41, 8 << 20, "3\n"),
          caseResult("2", Verdict::kWrongAnswer, 53, 9 << 20, "4\n"),
          caseResult("3", Verdict::kTimeLimit, 1004, 8 << 20, ""),
          caseResult("10", Verdict::kOk, 38, 8 << 20, "20\n")};
}

}  // namespace

class TestsPanelTest : public QObject {
  Q_OBJECT

 private slots:
  void init();
  void cleanup();

  void runAllSendsOneJudgedJobAndFillsTheRows();
  void casesAreKeptWithTheEditorsFile();
  void stopEndsTheRunOfTheCases();
  void checkerProgramIsSentAndWhatItSaysShown();
  void unreadableCheckerProgramSubmitsNothing();

 private:
  void connectAndPickPython();

  std::unique_ptr<QTemporaryDir> dir_;
  std::unique_ptr<ClientSettings> settings_;
  std::unique_ptr<FakeMaster> fake_;
  std::unique_ptr<MasterConnection> connection_;
  std::unique_ptr<MainWindow> window_;
  json submit_;  // the last submit the fake master received
  TestsPanel* panel_ = nullptr;
};

void TestsPanelTest::init() {
  dir_ = std::make_unique<QTemporaryDir>();
  QVERIFY(dir_->isValid());
  settings_ = std::make_unique<ClientSettings>(dir_->filePath("settings.ini"));
  fake_ = std::make_unique<FakeMaster>();
  QVERIFY(fake_->listen());
  submit_ = json();
  fake_->setResponder([this](FakeMaster& master, const json& m) {
    const std::string type = m.at("type");
    if (type == "runtimes") master.send(test::runtimesReply(m));
    if (type == "cancel") master.send(test::cancelledReply(m));
    if (type != "submit") return;
    submit_ = m;
    // Accepted and running; the cases end when the test says.
    master.send({{"type", "accepted"}, {"id", m.at("id")}, {"job_id", kJobId}});
    master.send({{"type", "progress"},
                 {"id", m.at("id")},
                 {"job_id", kJobId},
                 {"state", "running"},
                 {"slave", "slave-a"}});
  });
  connection_ = std::make_unique<MasterConnection>();
  window_ = std::make_unique<MainWindow>(connection_.get(), settings_.get());
  window_->resize(1200, 760);
  window_->show();
  QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
  panel_ = child<TestsPanel>(*window_, "testsPanel");
}

void TestsPanelTest::cleanup() {
  window_.reset();
  connection_.reset();
  fake_.reset();
  settings_.reset();
  dir_.reset();
}

void TestsPanelTest::connectAndPickPython() {
  connection_->connectToMaster("127.0.0.1", fake_->port());
  auto* combo = child<QComboBox>(*window_, "languageCombo");
  QTRY_VERIFY_WITH_TIMEOUT(combo->count() >= 2, kTimeoutMs);
  combo->setCurrentIndex(1);
  QCOMPARE(window_->selectedLanguage(), QString("python"));
  child<QTabWidget>(*window_, "sideTabs")->setCurrentWidget(panel_);
}

void TestsPanelTest::runAllSendsOneJudgedJobAndFillsTheRows() {
  connectAndPickPython();
  if (QTest::currentTestFailed()) return;
  child<QPlainTextEdit>(*window_, "editor")
      ->setPlainText("a, b = map(int, input().split())\nprint(a + b)\n");

  // One case typed in, two imported from a folder (in number order: 2 before 10).
  auto* run_all = child<QPushButton>(*panel_, "runAllButton");
  QVERIFY(!run_all->isEnabled());  // no case yet
  QTest::mouseClick(child<QPushButton>(*panel_, "addCaseButton"), Qt::LeftButton);
  QCOMPARE(panel_->model()->rowCount(), 1);
  type(child<QPlainTextEdit>(*panel_, "caseStdinEdit"), "1 2\n");
  type(child<QPlainTextEdit>(*panel_, "caseExpectedEdit"), "3\n");
  QDir().mkpath(dir_->filePath("cases"));
  writeFile(dir_->filePath("cases/10.in"), "10 10\n");
  writeFile(dir_->filePath("cases/10.out"), "20\n");
  writeFile(dir_->filePath("cases/2.in"), "2 2\n");
  writeFile(dir_->filePath("cases/2.out"), "5\n");
  writeFile(dir_->filePath("cases/3.in"), "1000000000 1\n");
  writeFile(dir_->filePath("cases/3.out"), "1000000001\n");
  QString error;
  QVERIFY2(panel_->importFolder(dir_->filePath("cases"), &error), qPrintable(error));
  const QList<TestCaseInput> cases = panel_->model()->cases();
  QCOMPARE(cases.size(), 4);
  QCOMPARE(cases[0].name, QString("1"));
  QCOMPARE(cases[0].stdin_text, QString("1 2\n"));
  QCOMPARE(cases[0].expected_stdout.value_or("(none)"), QString("3\n"));
  QCOMPARE(cases[1].name, QString("2"));
  QCOMPARE(cases[2].name, QString("3"));
  QCOMPARE(cases[3].name, QString("10"));
  child<QComboBox>(*panel_, "checkerCombo")->setCurrentText("tokens");

  QTRY_VERIFY_WITH_TIMEOUT(run_all->isEnabled(), kTimeoutMs);
  QTest::mouseClick(run_all, Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(submit_.is_object(), kTimeoutMs);
  // One job, compiled once: the editor's program with the panel's cases.
  QCOMPARE(fake_->receivedOfType("submit").size(), size_t{1});
  const json& job = submit_.at("job");
  QCOMPARE(job.at("language").get<std::string>(), std::string("python"));
  QCOMPARE(job.at("files")[0].at("content").get<std::string>(),
           std::string("a, b = map(int, input().split())\nprint(a + b)\n"));
  QCOMPARE(job.at("tests").size(), size_t(cases.size()));
  for (int i = 0; i < cases.size(); ++i) {
    const json& t = job.at("tests")[size_t(i)];
    QCOMPARE(QString::fromStdString(t.at("name")), cases[i].name);
    QCOMPARE(QString::fromStdString(t.at("stdin")), cases[i].stdin_text);
    QCOMPARE(QString::fromStdString(t.at("expected_stdout")), *cases[i].expected_stdout);
  }
  QCOMPARE(job.at("checker").at("kind").get<std::string>(), std::string("tokens"));
  QCOMPARE(job.at("stop_on_failure").get<bool>(), false);
  QVERIFY(!run_all->isEnabled());  // one run at a time

  // Cases end out of order; each fills its row as its progress arrives.
  const TestCasesModel& m = *panel_->model();
  const auto results = mixedResults();
  auto* summary = child<QLabel>(*panel_, "testsSummary");
  QCOMPARE(cell(m, 0, TestCasesModel::kVerdict), QString("waiting"));
  fake_->send(test::caseProgress(submit_, kJobId, 3, results[3]));
  QTRY_COMPARE_WITH_TIMEOUT(cell(m, 3, TestCasesModel::kVerdict), QString("OK"), kTimeoutMs);
  QCOMPARE(cell(m, 3, TestCasesModel::kTime), QString("38 ms"));
  QCOMPARE(cell(m, 0, TestCasesModel::kVerdict), QString("waiting"));
  QCOMPARE(summary->text(), QString("1 of 4 cases done"));
  fake_->send(test::caseProgress(submit_, kJobId, 1, results[1]));
  QTRY_COMPARE_WITH_TIMEOUT(cell(m, 1, TestCasesModel::kVerdict), QString("WRONG_ANSWER"),
                            kTimeoutMs);
  QCOMPARE(cell(m, 1, TestCasesModel::kMemory), QString("9.0 MiB"));
  for (size_t i : {size_t{0}, size_t{2}})
    fake_->send(test::caseProgress(submit_, kJobId, i, results[i]));
  QTRY_COMPARE_WITH_TIMEOUT(cell(m, 2, TestCasesModel::kVerdict), QString("TIME_LIMIT"),
                            kTimeoutMs);
  QCOMPARE(cell(m, 0, TestCasesModel::kVerdict), QString("OK"));
  QCOMPARE(summary->text(), QString("4 of 4 cases done"));

  fake_->send(test::judgedResult(submit_, kJobId, results));
  QTRY_COMPARE_WITH_TIMEOUT(summary->text(),
                            QString("passed 2 of 4 · first failure: 2 (WRONG_ANSWER) · max time "
                                    "1.00 s · max memory 9.0 MiB"),
                            kTimeoutMs);
  QVERIFY(run_all->isEnabled());
  const QString details = child<QLabel>(*window_, "detailsLabel")->text();
  QVERIFY2(details.contains("2 of 4 test cases passed"), qPrintable(details));

  // A click on a passing case shows its output; on the wrong answer, its diff.
  auto* table = child<QTableView>(*panel_, "testsTable");
  auto* tabs = child<QTabWidget>(*panel_, "caseTabs");
  auto* actual = child<QPlainTextEdit>(*panel_, "diffActual");
  auto* expected = child<QPlainTextEdit>(*panel_, "diffExpected");
  QTest::mouseClick(table->viewport(), Qt::LeftButton, {},
                    table->visualRect(m.index(0, TestCasesModel::kName)).center());
  QCOMPARE(panel_->currentRow(), 0);
  QCOMPARE(actual->toPlainText(), QString("3\n"));
  tabs->setCurrentIndex(TestsPanel::kCaseTab);
  QTest::mouseClick(table->viewport(), Qt::LeftButton, {},
                    table->visualRect(m.index(1, TestCasesModel::kVerdict)).center());
  QCOMPARE(panel_->currentRow(), 1);
  QCOMPARE(tabs->currentIndex(), int(TestsPanel::kResultTab));
  QCOMPARE(expected->toPlainText(), QString("5\n"));
  QCOMPARE(actual->toPlainText(), QString("4\n"));
  QCOMPARE(child<QLabel>(*panel_, "caseVerdict")->text(), QString("WRONG_ANSWER"));
  const QString message = child<QLabel>(*panel_, "caseMessage")->text();
  QVERIFY2(message.contains("line 1, column 1: expected \"5\", got \"4\"") &&
               message.contains("cpu 53 ms"),
           qPrintable(message));
  QCOMPARE(child<QPlainTextEdit>(*panel_, "caseStderr")->toPlainText(),
           QString("debug: read the input\n"));
  QVERIFY(child<QLabel>(*panel_, "checkerSaid")->isHidden());  // no checker program here
  // The first difference (line 1, column 1) is highlighted on both sides.
  for (QPlainTextEdit* side : {actual, expected}) {
    const auto marks = side->extraSelections();
    QCOMPARE(marks.size(), 2);
    QCOMPARE(marks[1].cursor.selectionStart(), 0);
    QCOMPARE(marks[1].cursor.selectedText(), side == actual ? QString("4") : QString("5"));
  }

  // docs/gui.md shows it.
  const QString out_dir = QStringLiteral(POLYRUN_GUI_TEST_OUTPUT_DIR);
  QVERIFY(QDir().mkpath(out_dir));
  QVERIFY(window_->grab().save(QDir(out_dir).filePath("tests_panel.png")));

  // The run is in the history with its cases: loading it brings them back.
  panel_->setSuite({});
  child<QPlainTextEdit>(*window_, "editor")->document()->setModified(false);
  window_->loadRunIntoEditor(0);
  QCOMPARE(panel_->model()->cases(), cases);
  QCOMPARE(panel_->judgeOptions().checker, QString("tokens"));
}

void TestsPanelTest::casesAreKeptWithTheEditorsFile() {
  const TestSuiteStore store(settings_->testsDir());
  // Cases of an unsaved buffer go with it when it is saved.
  panel_->model()->addCase({"a", "1\n", QString("1\n")});
  child<QComboBox>(*panel_, "checkerCombo")->setCurrentText("exact");
  const QString a = dir_->filePath("a.py");
  QVERIFY(window_->saveToFile(a));
  TestSuite saved;
  QString error;
  QVERIFY2(store.load(a, &saved, &error), qPrintable(error));
  QCOMPARE(saved.cases.size(), 1);
  QCOMPARE(saved.judge.checker, QString("exact"));

  // A change is saved a moment later.
  panel_->model()->addCase({"b", "2\n", std::nullopt});
  QTRY_VERIFY_WITH_TIMEOUT(store.load(a, &saved, &error) && saved.cases.size() == 2, kTimeoutMs);

  // Another file has its own cases (none); the first gets its own back.
  const QString b = dir_->filePath("b.py");
  writeFile(b, "print(2)\n");
  QVERIFY(window_->openFile(b));
  QCOMPARE(panel_->model()->rowCount(), 0);
  QCOMPARE(child<QComboBox>(*panel_, "checkerCombo")->currentText(), QString("lines"));
  panel_->model()->addCase({"only-b", "", QString()});
  QVERIFY(window_->openFile(a));  // b's pending change is saved on the way
  QCOMPARE(panel_->model()->rowCount(), 2);
  QCOMPARE(panel_->model()->cases()[1], (TestCaseInput{"b", "2\n", std::nullopt}));
  QCOMPARE(child<QComboBox>(*panel_, "checkerCombo")->currentText(), QString("exact"));
  // A checker program is kept as its file's path.
  const QString checker = dir_->filePath("check.py");
  panel_->setCheckerProgram(checker);
  QVERIFY(window_->openFile(b));
  QCOMPARE(panel_->judgeOptions().checker, QString("lines"));
  QVERIFY(window_->openFile(a));
  QCOMPARE(child<QComboBox>(*panel_, "checkerCombo")->currentText(), QString("program…"));
  QCOMPARE(panel_->judgeOptions().checker_path, checker);
  QCOMPARE(child<QPushButton>(*panel_, "checkerFileButton")->text(), QString("check.py"));
  QVERIFY(store.load(a, &saved, &error));
  QCOMPARE(saved.judge.checker_path, checker);
  QVERIFY(store.load(b, &saved, &error));
  QCOMPARE(saved.cases.size(), 1);
  QCOMPARE(saved.cases[0].name, QString("only-b"));

  // A new buffer starts without cases.
  window_->newFile();
  QCOMPARE(panel_->model()->rowCount(), 0);

  // Cases that cannot be read are said, and their file is left as it is.
  const QString c = dir_->filePath("c.py");
  writeFile(c, "print(3)\n");
  QDir().mkpath(settings_->testsDir());
  writeFile(store.fileFor(c), "{broken");
  QVERIFY(window_->openFile(c));
  QCOMPARE(panel_->model()->rowCount(), 0);
  const MessageLog::Entry* said = window_->messages()->latest();
  QVERIFY(said);
  QVERIFY2(said->text.contains(store.fileFor(c)) && said->text.contains("remove that file"),
           qPrintable(said->text));
  // Leaving the file writes whatever save was pending: there must have been none.
  QVERIFY(window_->openFile(b));
  QFile broken(store.fileFor(c));
  QVERIFY(broken.open(QIODevice::ReadOnly));
  QCOMPARE(broken.readAll(), QByteArray("{broken"));
}

void TestsPanelTest::stopEndsTheRunOfTheCases() {
  connectAndPickPython();
  if (QTest::currentTestFailed()) return;
  panel_->model()->addCase({"1", "1\n", QString("1\n")});
  panel_->model()->addCase({"2", "2\n", QString("2\n")});
  child<QCheckBox>(*panel_, "stopOnFailureCheck")->setChecked(true);
  auto* run_all = child<QPushButton>(*panel_, "runAllButton");
  QTRY_VERIFY_WITH_TIMEOUT(run_all->isEnabled(), kTimeoutMs);
  QTest::mouseClick(run_all, Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(window_->isRunning() && submit_.is_object(), kTimeoutMs);
  QCOMPARE(submit_.at("job").at("stop_on_failure").get<bool>(), true);
  fake_->send(test::caseProgress(submit_, kJobId, 0,
                                 test::caseResult("1", Verdict::kOk, 5, 1 << 20, "1\n")));
  QTRY_COMPARE_WITH_TIMEOUT(cell(*panel_->model(), 0, TestCasesModel::kVerdict), QString("OK"),
                            kTimeoutMs);
  window_->stop();
  QCOMPARE(child<QLabel>(*panel_, "testsSummary")->text(), QString("stopped"));
  QCOMPARE(cell(*panel_->model(), 1, TestCasesModel::kVerdict), QString("not run"));
  QVERIFY(!panel_->model()->isRunning());

  // A plain Run shows its result on the Run tab.
  auto* side_tabs = child<QTabWidget>(*window_, "sideTabs");
  QCOMPARE(side_tabs->currentWidget(), panel_);
  QTRY_VERIFY_WITH_TIMEOUT(child<QPushButton>(*window_, "runButton")->isEnabled(), kTimeoutMs);
  window_->run();
  QVERIFY(window_->isRunning());
  QCOMPARE(side_tabs->currentIndex(), int(RunPage::kRunTab));
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{2}, kTimeoutMs);
  QVERIFY(!submit_.at("job").contains("tests"));
}

void TestsPanelTest::checkerProgramIsSentAndWhatItSaysShown() {
  connectAndPickPython();
  if (QTest::currentTestFailed()) return;
  panel_->model()->addCase({"two", "2\n", QString("1.41421356\n")});
  panel_->model()->addCase({"seven", "7\n", QString("2.64575131\n")});
  panel_->model()->addCase({"zero", "0\n", QString("0\n")});
  const QString checker = dir_->filePath("check.py");
  writeFile(checker, "import sys\nsys.exit(0)\n");
  panel_->setCheckerProgram(checker);
  auto* combo = child<QComboBox>(*panel_, "checkerCombo");
  QCOMPARE(combo->currentText(), QString("program…"));
  QCOMPARE(panel_->judgeOptions().checker, QString("program"));
  QCOMPARE(panel_->judgeOptions().checker_path, checker);
  auto* file_button = child<QPushButton>(*panel_, "checkerFileButton");
  QVERIFY(file_button->isVisible());
  QCOMPARE(file_button->text(), QString("check.py"));
  // Edited after it was chosen: Run all sends what the file holds then.
  const QByteArray source = "import sys\n# accepts within 1e-3\nsys.exit(0)\n";
  writeFile(checker, source);

  auto* run_all = child<QPushButton>(*panel_, "runAllButton");
  QTRY_VERIFY_WITH_TIMEOUT(run_all->isEnabled(), kTimeoutMs);
  QTest::mouseClick(run_all, Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(submit_.is_object(), kTimeoutMs);
  const json& sent = submit_.at("job").at("checker");
  QCOMPARE(sent.at("kind").get<std::string>(), std::string("program"));
  QCOMPARE(sent.at("language").get<std::string>(), std::string("python"));  // from .py
  QCOMPARE(sent.at("version").get<std::string>(), std::string("*"));
  QCOMPARE(sent.at("source").at("name").get<std::string>(), std::string("check.py"));
  QCOMPARE(QByteArray::fromStdString(sent.at("source").at("content").get<std::string>()), source);

  // The checker accepts case 1 (saying so), rejects case 2 and fails on case 3.
  using polyrun::gui::test::caseResult;
  std::vector<polyrun::CaseResult> results = {
      caseResult("two", Verdict::kOk, 20, 8 << 20, "1.4142\n"),
      caseResult("seven", Verdict::kOk, 21, 8 << 20, "3.5000\n"),
      caseResult("zero", Verdict::kOk, 19, 8 << 20, "0\n")};
  auto checker_stage = [](int exit_code, const std::string& out, const std::string& err) {
    polyrun::StageResult s;
    s.verdict = exit_code == 0 ? Verdict::kOk : Verdict::kRuntimeError;
    s.exit_code = exit_code;
    s.stdout_data = out;
    s.stderr_data = err;
    return s;
  };
  results[0].checker = checker_stage(0, "ok 1.4142\n", "");
  results[1].run.verdict = Verdict::kWrongAnswer;
  results[1].run.message = "sqrt(7): expected 2.645751, got 3.5000";
  results[1].checker = checker_stage(1, "sqrt(7): expected 2.645751, got 3.5000\nmore\n", "");
  results[2].run.verdict = Verdict::kCheckerError;
  results[2].run.message = "checker exited with code 3: checker failed: ValueError()";
  results[2].checker = checker_stage(3, "", "checker failed: ValueError()\n");
  fake_->send(test::judgedResult(submit_, kJobId, results));
  const TestCasesModel& m = *panel_->model();
  QTRY_VERIFY_WITH_TIMEOUT(!m.isRunning(), kTimeoutMs);

  auto* said = child<QLabel>(*panel_, "checkerSaid");
  auto* verdict = child<QLabel>(*panel_, "caseVerdict");
  auto* message = child<QLabel>(*panel_, "caseMessage");
  panel_->showCase(0);
  QVERIFY(!said->isHidden());
  QCOMPARE(said->text(), QString("The checker said: ok 1.4142"));
  panel_->showCase(1);
  QCOMPARE(verdict->text(), QString("WRONG_ANSWER"));
  QCOMPARE(said->text(), QString("The checker said: sqrt(7): expected 2.645751, got 3.5000"));
  QCOMPARE(child<QPlainTextEdit>(*panel_, "diffActual")->toPlainText(), QString("3.5000\n"));
  // A checker's failure is not the program's: its own wording and colour, in the table too.
  panel_->showCase(2);
  QCOMPARE(verdict->text(), QString("checker failed"));
  QVERIFY2(message->text().startsWith("The checker failed, not the program.") &&
               message->text().contains("checker exited with code 3"),
           qPrintable(message->text()));
  QCOMPARE(said->text(), QString("The checker said: checker failed: ValueError()"));
  QCOMPARE(cell(m, 2, TestCasesModel::kVerdict), QString("checker failed"));
  const QColor checker_colour =
      m.data(m.index(2, TestCasesModel::kVerdict), Qt::BackgroundRole).value<QColor>();
  for (int row : {0, 1}) {
    QVERIFY(m.data(m.index(row, TestCasesModel::kVerdict), Qt::BackgroundRole).value<QColor>() !=
            checker_colour);
  }
  QVERIFY(checker_colour != verdictColor("INTERNAL_ERROR"));
  QVERIFY2(m.data(m.index(2, TestCasesModel::kVerdict), Qt::ToolTipRole)
               .toString()
               .startsWith("The checker failed, not the program"),
           qPrintable(m.data(m.index(2, TestCasesModel::kVerdict), Qt::ToolTipRole).toString()));
}

void TestsPanelTest::unreadableCheckerProgramSubmitsNothing() {
  connectAndPickPython();
  if (QTest::currentTestFailed()) return;
  panel_->model()->addCase({"1", "1\n", QString("1\n")});
  auto* run_all = child<QPushButton>(*panel_, "runAllButton");
  auto* summary = child<QLabel>(*panel_, "testsSummary");
  QTRY_VERIFY_WITH_TIMEOUT(run_all->isEnabled(), kTimeoutMs);

  // "program…" with no file chosen yet.
  auto* combo = child<QComboBox>(*panel_, "checkerCombo");
  combo->setCurrentIndex(combo->findData("program"));
  QCOMPARE(child<QPushButton>(*panel_, "checkerFileButton")->text(), QString("Choose a file…"));
  QTest::mouseClick(run_all, Qt::LeftButton);
  QVERIFY2(summary->text().contains("No checker program is chosen"), qPrintable(summary->text()));

  const QString missing = dir_->filePath("gone.py");
  panel_->setCheckerProgram(missing);
  QTest::mouseClick(run_all, Qt::LeftButton);
  QVERIFY2(summary->text().contains("Cannot read the checker program " + missing) &&
               summary->text().contains("Pick another file"),
           qPrintable(summary->text()));
  const MessageLog::Entry* said = window_->messages()->latest();
  QVERIFY(said);
  QCOMPARE(said->text, summary->text());

  // A language no slave runs.
  const QString ruby = dir_->filePath("check.rb");
  writeFile(ruby, "exit 0\n");
  panel_->setCheckerProgram(ruby);
  QTest::mouseClick(run_all, Qt::LeftButton);
  QVERIFY2(summary->text().contains("No slave runs .rb files"), qPrintable(summary->text()));

  // Nothing was submitted: the first submit the master gets is that of a readable checker.
  QVERIFY(!window_->isRunning());
  QVERIFY(!panel_->model()->isRunning());
  const QString good = dir_->filePath("check.py");
  writeFile(good, "import sys\nsys.exit(0)\n");
  panel_->setCheckerProgram(good);
  QTest::mouseClick(run_all, Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(submit_.is_object(), kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("submit").size(), size_t{1});
  QCOMPARE(submit_.at("job").at("checker").at("source").at("name").get<std::string>(),
           std::string("check.py"));
  QCOMPARE(summary->text(), QString("0 of 1 cases done"));
}

QTEST_MAIN(TestsPanelTest)
#include "tests_panel_test.moc"
