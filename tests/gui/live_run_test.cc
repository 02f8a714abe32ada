// Live runs in the window against a fake master (docs/gui.md, "Live runs"): the output views
// fill in from `output` messages before the result, which then replaces them; the input line
// sends `input` frames and echoes them; End input and Ctrl-D send `eof`; a requeue clears the
// output; the hints for a program that waits for input; and the screenshot of an interactive
// session.
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QtTest>
#include <memory>

#include "canned_replies.h"
#include "client_settings.h"
#include "fake_master.h"
#include "input_hint.h"
#include "main_window.h"
#include "master_connection.h"
#include "output_view.h"
#include "polyrun/job.h"
#include "result_view.h"
#include "run_session.h"
#include "stall_meter.h"

using nlohmann::json;
using namespace polyrun::gui;
using polyrun::OutputStream;
using polyrun::gui::test::FakeMaster;
using polyrun::gui::test::StallMeter;

namespace {

constexpr int kTimeoutMs = 5000;
constexpr char kJobId[] = "j-000077";  // what test::acceptAndRun() names the job

template <typename T>
T* child(QWidget& parent, const char* name) {
  T* w = parent.findChild<T*>(QString::fromLatin1(name));
  if (!w) qFatal("no child widget named %s", name);
  return w;
}

}  // namespace

class LiveRunTest : public QObject {
  Q_OBJECT

 private slots:
  void init();
  void cleanup();

  void outputAppearsInTheViewsBeforeTheResultWhichReplacesIt();
  void inputLineSendsLinesAndEchoesThem();
  void endInputAndCtrlDSendEof();
  void runWithStdinIsStreamedButTakesNoInput();
  void requeueClearsTheStreamedOutput();
  void programWaitingForInputGetsAHint();
  void programThatReadPastItsInputGetsAHint();
  void floodOfOutputKeepsTheWindowResponsive();
  void screenshot();

 private:
  /// Connects, picks python, fills the editor and stdin box and presses Run; returns once the
  /// fake master has the submit and the job is running.
  void startRun(const QString& stdin_text);
  QString stdoutText() { return child<QPlainTextEdit>(*window_, "stdoutView")->toPlainText(); }
  QString stderrText() { return child<QPlainTextEdit>(*window_, "stderrView")->toPlainText(); }
  void sendOutput(const std::vector<polyrun::OutputChunk>& chunks, int64_t dropped = 0) {
    fake_->send(test::outputMessage(submit_, kJobId, chunks, dropped));
  }

  std::unique_ptr<QTemporaryDir> dir_;
  std::unique_ptr<ClientSettings> settings_;
  std::unique_ptr<FakeMaster> fake_;
  std::unique_ptr<MasterConnection> connection_;
  std::unique_ptr<MainWindow> window_;
  RunSession* session_ = nullptr;
  json submit_;
};

void LiveRunTest::init() {
  dir_ = std::make_unique<QTemporaryDir>();
  QVERIFY(dir_->isValid());
  settings_ = std::make_unique<ClientSettings>(dir_->filePath("settings.ini"));
  fake_ = std::make_unique<FakeMaster>();
  QVERIFY(fake_->listen());
  submit_ = json();
  fake_->setResponder([this](FakeMaster& master, const json& m) {
    const std::string type = m.at("type");
    if (type == "runtimes") master.send(test::runtimesReply(m));
    if (type == "cluster") master.send(test::clusterReply(m));
    if (type == "cancel") master.send(test::cancelledReply(m));
    if (type == "submit") {
      submit_ = m;
      test::acceptAndRun(master, m);
    }
  });
  connection_ = std::make_unique<MasterConnection>();
  connection_->setReconnectBackoff(20, 200);
  window_ = std::make_unique<MainWindow>(connection_.get(), settings_.get());
  window_->resize(1100, 720);
  window_->show();
  QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
  session_ = window_->findChild<RunSession*>();
  QVERIFY(session_);
}

void LiveRunTest::cleanup() {
  window_.reset();
  connection_.reset();
  fake_.reset();
  settings_.reset();
  dir_.reset();
}

void LiveRunTest::startRun(const QString& stdin_text) {
  connection_->connectToMaster("127.0.0.1", fake_->port());
  auto* combo = child<QComboBox>(*window_, "languageCombo");
  QTRY_VERIFY_WITH_TIMEOUT(combo->findText("python 3.11.2") >= 0, kTimeoutMs);
  combo->setCurrentIndex(combo->findText("python 3.11.2"));
  QTRY_VERIFY_WITH_TIMEOUT(child<QPushButton>(*window_, "runButton")->isEnabled(), kTimeoutMs);
  child<QPlainTextEdit>(*window_, "editor")
      ->setPlainText("name = input('name? ')\nprint('hi', name)\n");
  child<QPlainTextEdit>(*window_, "stdinEdit")->setPlainText(stdin_text);
  window_->run();
  QTRY_VERIFY_WITH_TIMEOUT(session_->jobId() == kJobId && submit_.is_object(), kTimeoutMs);
  QTRY_VERIFY_WITH_TIMEOUT(session_->steps().contains("running"), kTimeoutMs);
}

#define START_RUN(stdin_text)               \
  do {                                      \
    startRun(stdin_text);                   \
    if (QTest::currentTestFailed()) return; \
  } while (false)

void LiveRunTest::outputAppearsInTheViewsBeforeTheResultWhichReplacesIt() {
  START_RUN("Ada\n");
  QCOMPARE(submit_.at("job").at("stream"), json(true));
  sendOutput({{OutputStream::kStdout, "step 1\n"}, {OutputStream::kStderr, "warn"}});
  QTRY_COMPARE_WITH_TIMEOUT(stdoutText(), QString("step 1\n"), kTimeoutMs);
  QCOMPARE(stderrText(), QString("warn"));
  QVERIFY(window_->isRunning());
  auto* tabs = child<QTabWidget>(*window_, "resultTabs");
  QCOMPARE(tabs->tabText(1), QString("stderr •"));  // something to read there too

  // "é" split between two messages comes out whole; a byte that is not UTF-8 as U+FFFD, as in
  // a result.
  sendOutput({{OutputStream::kStdout, "caf\xc3"}});
  sendOutput({{OutputStream::kStdout, "\xa9 \xff\n"}, {OutputStream::kStderr, "!\n"}});
  QTRY_COMPARE_WITH_TIMEOUT(stdoutText(), QString::fromUtf8("step 1\ncafé \xef\xbf\xbd\n"),
                            kTimeoutMs);
  QCOMPARE(stderrText(), QString("warn!\n"));
  // Bytes the master dropped for a slow client: a marker line says how many.
  sendOutput({{OutputStream::kStdout, "step 3\n"}}, 70000);
  QTRY_VERIFY_WITH_TIMEOUT(stdoutText().endsWith("step 3\n"), kTimeoutMs);
  QVERIFY2(stdoutText().contains("[70000 bytes of output not shown here"),
           qPrintable(stdoutText()));

  // The result is the authoritative copy: it replaces what was streamed.
  fake_->send(test::okResult(submit_, kJobId, "step 1\nstep 2\nstep 3\n"));
  QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(*window_, "verdictLabel")->text(), QString("OK"),
                            kTimeoutMs);
  QCOMPARE(stdoutText(), QString("step 1\nstep 2\nstep 3\n"));
  QCOMPARE(stderrText(), QString());
}

void LiveRunTest::inputLineSendsLinesAndEchoesThem() {
  START_RUN("");
  QCOMPARE(submit_.at("job").at("interactive"), json(true));
  QCOMPARE(submit_.at("job").value("stdin", ""), std::string());
  auto* input = child<QLineEdit>(*window_, "inputEdit");
  QTRY_VERIFY_WITH_TIMEOUT(input->isEnabled(), kTimeoutMs);
  QVERIFY(child<QPushButton>(*window_, "endInputButton")->isEnabled());
  sendOutput({{OutputStream::kStdout, "name? "}});
  QTRY_COMPARE_WITH_TIMEOUT(stdoutText(), QString("name? "), kTimeoutMs);

  QTest::keyClicks(input, "Ada");
  QTest::keyClick(input, Qt::Key_Return);
  QCOMPARE(input->text(), QString());
  // Echoed after the prompt, as a terminal shows it, in the echo style.
  QCOMPARE(stdoutText(), QString("name? Ada\n"));
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("input").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("input")[0].at("data"), json("Ada\n"));
  QCOMPARE(fake_->receivedOfType("input")[0].at("job_id"), json(kJobId));
  QVERIFY(!fake_->receivedOfType("input")[0].contains("eof"));
  auto* view = child<QPlainTextEdit>(*window_, "stdoutView");
  QTextCursor cursor(view->document());
  cursor.setPosition(int(QString("name? A").size()));  // inside the echo
  QCOMPARE(cursor.charFormat().fontWeight(), int(QFont::Bold));
  cursor.setPosition(int(QString("na").size()));  // inside the program's prompt
  QVERIFY(cursor.charFormat().fontWeight() != int(QFont::Bold));

  sendOutput({{OutputStream::kStdout, "hi Ada\nage? "}});
  QTRY_VERIFY_WITH_TIMEOUT(stdoutText().endsWith("age? "), kTimeoutMs);
  QTest::keyClicks(input, "36");
  QTest::keyClick(input, Qt::Key_Enter);  // the keypad's Enter too
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("input").size(), size_t{2}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("input")[1].at("data"), json("36\n"));
  QCOMPARE(stdoutText(), QString("name? Ada\nhi Ada\nage? 36\n"));

  // The job ends: no more input.
  fake_->send(test::okResult(submit_, kJobId, "name? hi Ada\nage? \n"));
  QTRY_VERIFY_WITH_TIMEOUT(!window_->isRunning(), kTimeoutMs);
  QVERIFY(!input->isEnabled());
  QVERIFY(!child<QPushButton>(*window_, "endInputButton")->isEnabled());
  QCOMPARE(stdoutText(), QString("name? hi Ada\nage? \n"));  // the result's copy
}

void LiveRunTest::endInputAndCtrlDSendEof() {
  START_RUN("");
  auto* input = child<QLineEdit>(*window_, "inputEdit");
  auto* end_input = child<QPushButton>(*window_, "endInputButton");
  QTRY_VERIFY_WITH_TIMEOUT(input->isEnabled(), kTimeoutMs);
  QTest::mouseClick(end_input, Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("input").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("input")[0].at("eof"), json(true));
  QCOMPARE(fake_->receivedOfType("input")[0].at("data"), json(""));
  QVERIFY(!input->isEnabled());
  QVERIFY(!end_input->isEnabled());
  QVERIFY(window_->isRunning());  // the program goes on, without stdin
  QVERIFY2(stdoutText().contains("[end of input]"), qPrintable(stdoutText()));
  window_->stop();
  window_->stop();
  QVERIFY(!window_->isRunning());

  // Ctrl-D in the input line: what is typed goes first, then the end (one line, no newline).
  submit_ = json();
  const size_t before = fake_->receivedOfType("input").size();
  window_->run();
  QTRY_VERIFY_WITH_TIMEOUT(session_->steps().contains("running") && submit_.is_object(),
                           kTimeoutMs);
  QTRY_VERIFY_WITH_TIMEOUT(input->isEnabled(), kTimeoutMs);
  QTest::keyClicks(input, "last");
  QTest::keyClick(input, Qt::Key_D, Qt::ControlModifier);
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("input").size(), before + 2, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("input")[before].at("data"), json("last"));
  QCOMPARE(fake_->receivedOfType("input")[before + 1].at("eof"), json(true));
  QCOMPARE(input->text(), QString());  // not deleted into, not kept
  QVERIFY(!input->isEnabled());
}

void LiveRunTest::runWithStdinIsStreamedButTakesNoInput() {
  START_RUN("Ada\n");
  const json job = submit_.at("job");
  QCOMPARE(job.at("stream"), json(true));
  QVERIFY(!job.contains("interactive"));
  QCOMPARE(job.at("stdin"), json("Ada\n"));
  auto* input = child<QLineEdit>(*window_, "inputEdit");
  QVERIFY(!input->isEnabled());
  QVERIFY(!child<QPushButton>(*window_, "endInputButton")->isEnabled());
  QCOMPARE(input->placeholderText(), QString("This run reads the stdin box"));
  QVERIFY(child<QLabel>(*window_, "stdinModeLabel")->text().contains("reads this text"));
  child<QPlainTextEdit>(*window_, "stdinEdit")->clear();
  QVERIFY(child<QLabel>(*window_, "stdinModeLabel")->text().contains("stays open"));
}

void LiveRunTest::requeueClearsTheStreamedOutput() {
  START_RUN("Ada\n");
  sendOutput({{OutputStream::kStdout, "first try\n"}, {OutputStream::kStderr, "oops\n"}});
  QTRY_COMPARE_WITH_TIMEOUT(stdoutText(), QString("first try\n"), kTimeoutMs);
  // Its slave was lost: the master gives the job back to the queue.
  fake_->send(
      {{"type", "progress"}, {"id", submit_.at("id")}, {"job_id", kJobId}, {"state", "queued"}});
  QTRY_VERIFY_WITH_TIMEOUT(!stdoutText().contains("first try"), kTimeoutMs);
  QVERIFY2(stdoutText().contains("starts over"), qPrintable(stdoutText()));
  QCOMPARE(stderrText(), QString());
  QCOMPARE(child<QTabWidget>(*window_, "resultTabs")->tabText(1), QString("stderr"));
  fake_->send({{"type", "progress"},
               {"id", submit_.at("id")},
               {"job_id", kJobId},
               {"state", "running"},
               {"slave", "slave-b"}});
  sendOutput({{OutputStream::kStdout, "second try\n"}});
  QTRY_VERIFY_WITH_TIMEOUT(stdoutText().endsWith("second try\n"), kTimeoutMs);
}

void LiveRunTest::programWaitingForInputGetsAHint() {
  session_->setInputHintDelayMs(100);
  START_RUN("");
  auto* hint = child<QLabel>(*window_, "inputHint");
  QTRY_VERIFY_WITH_TIMEOUT(hint->isVisible(), kTimeoutMs);
  QCOMPARE(hint->text(), waitingForInputHint());
  QVERIFY(hint->text().contains("End input (Ctrl-D)"));
  // Typing a line answers it.
  auto* input = child<QLineEdit>(*window_, "inputEdit");
  QTest::keyClicks(input, "x");
  QTest::keyClick(input, Qt::Key_Return);
  QVERIFY(!hint->isVisible());
}

void LiveRunTest::programThatReadPastItsInputGetsAHint() {
  START_RUN("");
  child<QPushButton>(*window_, "endInputButton")->click();  // nothing typed, input ended
  json result = test::okResult(submit_, kJobId, "name? ");
  result["result"]["verdict"] = "RUNTIME_ERROR";
  result["result"]["run"]["verdict"] = "RUNTIME_ERROR";
  result["result"]["run"]["exit_code"] = 1;
  result["result"]["run"]["stderr"] =
      "Traceback (most recent call last):\n  File \"main.py\", line 1, in <module>\n"
      "EOFError: EOF when reading a line\n";
  fake_->send(result);
  auto* hint = child<QLabel>(*window_, "inputHint");
  QTRY_VERIFY_WITH_TIMEOUT(hint->isVisible(), kTimeoutMs);
  QVERIFY2(hint->text().contains("got none"), qPrintable(hint->text()));

  // The same end with the stdin box filled points at the box.
  submit_ = json();
  child<QPlainTextEdit>(*window_, "stdinEdit")->setPlainText("only one line\n");
  window_->run();
  QVERIFY(!hint->isVisible());  // a new run starts without one
  QTRY_VERIFY_WITH_TIMEOUT(submit_.is_object(), kTimeoutMs);
  result["id"] = submit_.at("id");
  fake_->send(result);
  QTRY_VERIFY_WITH_TIMEOUT(hint->isVisible(), kTimeoutMs);
  QVERIFY2(hint->text().contains("stdin box has fewer lines"), qPrintable(hint->text()));
}

void LiveRunTest::floodOfOutputKeepsTheWindowResponsive() {
  START_RUN("Ada\n");
  // 1 MiB (the default output limit) as a flooding program's output comes: 64 KiB per message, the
  // most a slave sends at once. Encoded beforehand, so the fake's own work is not measured.
  std::string burst;
  for (int i = 0; burst.size() < 64 * 1024 - 40; ++i) burst += "line " + std::to_string(i) + "\n";
  QByteArray frames;
  constexpr int kMessages = 16;
  for (int i = 0; i < kMessages; ++i)
    frames +=
        test::frameBytes(test::outputMessage(submit_, kJobId, {{OutputStream::kStdout, burst}}));
  StallMeter meter;
  fake_->sendBytes(frames);
  OutputView* view = child<ResultView>(*window_, "resultView")->outputView(ResultView::kStdoutTab);
  const qsizetype total = qsizetype(burst.size()) * kMessages;
  QTRY_COMPARE_WITH_TIMEOUT(view->text().size(), total, 4 * kTimeoutMs);
  qInfo("1 MiB of live output: longest stall %lld ms of the GUI thread's CPU time",
        meter.longestStallMs());
  QVERIFY2(meter.longestStallMs() < 150, qPrintable(QString::number(meter.longestStallMs())));
  // The view shows the first 256 Ki characters and offers the rest, as for a large result.
  QCOMPARE(view->shownChars(), OutputView::kPreviewChars);
  QVERIFY(child<QLabel>(*window_, "stdoutViewBar")->text().contains("Showing the first"));
}

void LiveRunTest::screenshot() {
  START_RUN("");
  auto* input = child<QLineEdit>(*window_, "inputEdit");
  QTRY_VERIFY_WITH_TIMEOUT(input->isEnabled(), kTimeoutMs);
  child<QPlainTextEdit>(*window_, "editor")
      ->setPlainText(
          "total = 0\n"
          "while True:\n"
          "    line = input('number (empty to stop)? ')\n"
          "    if not line:\n"
          "        break\n"
          "    total += int(line)\n"
          "    print('total so far:', total)\n");
  sendOutput({{OutputStream::kStdout, "number (empty to stop)? "}});
  QTRY_VERIFY_WITH_TIMEOUT(stdoutText().endsWith("? "), kTimeoutMs);
  for (const char* n : {"12", "30"}) {
    QTest::keyClicks(input, n);
    QTest::keyClick(input, Qt::Key_Return);
    sendOutput({{OutputStream::kStdout, "total so far: " + std::string(n[0] == '1' ? "12" : "42") +
                                            "\nnumber (empty to stop)? "}});
    QTRY_VERIFY_WITH_TIMEOUT(stdoutText().endsWith("? "), kTimeoutMs);
  }
  QTest::keyClicks(input, "8");  // being typed
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("input").size(), size_t{2}, kTimeoutMs);
  const QString out_dir = QStringLiteral(POLYRUN_GUI_TEST_OUTPUT_DIR);
  QVERIFY(QDir().mkpath(out_dir));
  const QPixmap shot = window_->grab();
  QVERIFY(!shot.isNull());
  QVERIFY(shot.save(QDir(out_dir).filePath("live_run.png")));
}

QTEST_MAIN(LiveRunTest)
#include "live_run_test.moc"
