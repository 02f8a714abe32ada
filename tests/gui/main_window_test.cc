// MainWindow on the offscreen platform against a fake master: languages and cluster from the
// master, Run (button and Ctrl+Return) with progress and result, limits, Stop (cancel), errors in
// the notification bar (never a dialog), the history, files, templates and recent files,
// connection settings, a 16 MiB output that does not freeze the window, and screenshots.
#include "main_window.h"

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <memory>

#include "canned_replies.h"
#include "client_settings.h"
#include "cluster_view.h"
#include "code_editor.h"
#include "fake_master.h"
#include "history_model.h"
#include "language_support.h"
#include "master_connection.h"
#include "message_log.h"
#include "notification_bar.h"
#include "output_view.h"
#include "recent_jobs_model.h"
#include "result_view.h"
#include "stall_meter.h"

using nlohmann::json;
using namespace polyrun::gui;
using polyrun::gui::test::FakeMaster;
using polyrun::gui::test::StallMeter;
using polyrun::gui::test::SubmitReply;

namespace {

constexpr int kTimeoutMs = 5000;
constexpr int kRefreshMs = 200;  // the window's polling, faster than in real use

// What it does with a cancel.
enum class CancelReply { kCancelled, kUnknownType };

template <typename T>
T* child(QWidget& parent, const char* name) {
  T* w = parent.findChild<T*>(QString::fromLatin1(name));
  if (!w) qFatal("no child widget named %s", name);
  return w;
}

bool anyDialogOpen() {
  for (QWidget* w : QApplication::topLevelWidgets()) {
    if (w->isVisible() && qobject_cast<QDialog*>(w)) return true;
  }
  return QApplication::activeModalWidget() != nullptr;
}

void writeFile(const QString& path, const QByteArray& content) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(content);
}

}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT

 private slots:
  void init();
  void cleanup();

  void showsRuntimesAndSlavesFromTheMaster();
  void everyAdvertisedLanguageCanBePickedOpenedAndRun();
  void runButtonShowsProgressAndResult();
  void ctrlReturnRuns();
  void limitsAreSentAndRemembered();
  void stopCancelsTheJobAndIgnoresItsResult();
  void stopBeforeAcceptanceCancelsOnceAccepted();
  void masterWithoutCancelIsExplained();
  void jobCancelledByAnotherClientEndsTheRun();
  void errorFromTheMasterEndsTheRun();
  void repeatedErrorsFoldIntoOneNotification();
  void connectionLossEndsTheRunAndIsShown();
  void acceptedRunSurvivesAConnectionLoss();
  void historyReopensAndReloadsRuns();
  void runtimesAreRefreshedWithoutLosingTheChoice();
  void templateFollowsTheLanguageUntilEdited();
  void openFilePicksTheLanguageAndRemembersIt();
  void openFileBeforeRuntimesArrivePicksLaterOn();
  void saveWritesTheFile();
  void connectionSettingsAreSavedAndUsed();
  void hugeOutputKeepsTheWindowResponsive();
  void clusterPageShowsCountersChartAndJobs();
  void screenshots();

 private:
  void connectAndWaitForRuntimes();
  void waitUntilRunnable();

  std::unique_ptr<QTemporaryDir> dir_;
  std::unique_ptr<ClientSettings> settings_;
  std::unique_ptr<FakeMaster> fake_;
  std::unique_ptr<MasterConnection> connection_;
  std::unique_ptr<MainWindow> window_;
  SubmitReply submit_reply_ = SubmitReply::kRunOk;
  CancelReply cancel_reply_ = CancelReply::kCancelled;
  bool with_java_ = false;
  bool many_languages_ = false;  // runtimes: test::manyRuntimes()
  bool with_recent_jobs_ = false;
  bool huge_output_ = false;  // the submit is answered with huge_result_
  QByteArray huge_result_;    // a whole `result` frame
};

void MainWindowTest::init() {
  submit_reply_ = SubmitReply::kRunOk;
  cancel_reply_ = CancelReply::kCancelled;
  with_java_ = false;
  many_languages_ = false;
  with_recent_jobs_ = false;
  huge_output_ = false;
  dir_ = std::make_unique<QTemporaryDir>();
  QVERIFY(dir_->isValid());
  settings_ = std::make_unique<ClientSettings>(dir_->filePath("settings.ini"));
  fake_ = std::make_unique<FakeMaster>();
  QVERIFY(fake_->listen());
  fake_->setResponder([this](FakeMaster& master, const json& m) {
    const std::string type = m.at("type");
    if (type == "runtimes")
      master.send(many_languages_ ? test::manyRuntimesReply(m)
                                  : test::runtimesReply(m, with_java_));
    if (type == "cluster") master.send(test::clusterReply(m, with_recent_jobs_));
    if (type == "signal" && cancel_reply_ == CancelReply::kUnknownType) {
      // A master that cannot cancel knows no live jobs either.
      master.send({{"type", "error"},
                   {"id", m.at("id")},
                   {"code", "unknown_type"},
                   {"message", "unknown message type \"signal\""}});
    }
    if (type == "cancel") {
      if (cancel_reply_ == CancelReply::kCancelled) {
        master.send(test::cancelledReply(m));
      } else {
        master.send({{"type", "error"},
                     {"id", m.at("id")},
                     {"code", "unknown_type"},
                     {"message", "unknown message type \"cancel\""}});
      }
    }
    if (type != "submit") return;
    if (huge_output_) {
      master.send({{"type", "accepted"}, {"id", m.at("id")}, {"job_id", "j-000099"}});
      master.sendBytes(huge_result_);  // encoded beforehand: the fake's work is not measured
      return;
    }
    test::answerSubmit(master, m, submit_reply_);
  });
  connection_ = std::make_unique<MasterConnection>();
  connection_->setReconnectBackoff(20, 200);
  window_ = std::make_unique<MainWindow>(connection_.get(), settings_.get());
  window_->setRefreshInterval(kRefreshMs);
  window_->show();
  QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
}

void MainWindowTest::cleanup() {
  window_.reset();
  connection_.reset();
  fake_.reset();
  settings_.reset();
  dir_.reset();
}

void MainWindowTest::connectAndWaitForRuntimes() {
  connection_->connectToMaster("127.0.0.1", fake_->port());
  QTRY_VERIFY_WITH_TIMEOUT(child<QComboBox>(*window_, "languageCombo")->count() >= 2, kTimeoutMs);
}

void MainWindowTest::waitUntilRunnable() {
  QTRY_VERIFY_WITH_TIMEOUT(child<QPushButton>(*window_, "runButton")->isEnabled(), kTimeoutMs);
}

#define CONNECT_AND_WAIT()                  \
  do {                                      \
    connectAndWaitForRuntimes();            \
    if (QTest::currentTestFailed()) return; \
    waitUntilRunnable();                    \
    if (QTest::currentTestFailed()) return; \
  } while (false)

void MainWindowTest::showsRuntimesAndSlavesFromTheMaster() {
  auto* run = child<QPushButton>(*window_, "runButton");
  QVERIFY(!run->isEnabled());  // not connected yet
  QVERIFY(!child<QPushButton>(*window_, "stopButton")->isEnabled());
  CONNECT_AND_WAIT();
  auto* combo = child<QComboBox>(*window_, "languageCombo");
  QCOMPARE(combo->itemText(0), QString("c 12.2.0"));
  QCOMPARE(combo->itemText(1), QString("python 3.11.2"));
  QCOMPARE(combo->currentIndex(), 0);

  auto* table = child<QTableView>(*window_, "slavesView");
  QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 2, kTimeoutMs);
  QCOMPARE(table->model()->index(0, 0).data().toString(), QString("slave-a"));
  QVERIFY(child<QLabel>(*window_, "clusterSummary")->text().contains("12 submitted"));
  QCOMPARE(child<QTabWidget>(*window_, "pages")->tabText(MainWindow::kClusterPage),
           QString("Cluster (2)"));
  QVERIFY(child<QLabel>(*window_, "connectionLabel")->text().contains("connected to"));
  // The first language's starter program fills the empty editor, highlighted as C.
  auto* editor = child<CodeEditor>(*window_, "editor");
  QCOMPARE(editor->toPlainText(), starterTemplate(SyntaxFamily::kC));
  QCOMPARE(editor->syntax(), SyntaxFamily::kC);
  QVERIFY(!editor->document()->isModified());
}

void MainWindowTest::runButtonShowsProgressAndResult() {
  CONNECT_AND_WAIT();
  auto* combo = child<QComboBox>(*window_, "languageCombo");
  combo->setCurrentIndex(1);
  QCOMPARE(window_->selectedLanguage(), QString("python"));
  child<QPlainTextEdit>(*window_, "editor")->setPlainText("print(input())\n");
  child<QPlainTextEdit>(*window_, "stdinEdit")->setPlainText("hi\n");
  child<QLineEdit>(*window_, "argsEdit")->setText("x \"y z\"");
  auto* run = child<QPushButton>(*window_, "runButton");

  QTest::mouseClick(run, Qt::LeftButton);
  auto* verdict = child<QLabel>(*window_, "verdictLabel");
  QTRY_COMPARE_WITH_TIMEOUT(verdict->text(), QString("OK"), kTimeoutMs);

  const auto submits = fake_->receivedOfType("submit");
  QCOMPARE(submits.size(), size_t{1});
  const json& job = submits[0].at("job");
  QCOMPARE(job.at("language").get<std::string>(), std::string("python"));
  QCOMPARE(job.at("version").get<std::string>(), std::string("3.11.2"));
  QCOMPARE(job.at("files")[0].at("content").get<std::string>(), std::string("print(input())\n"));
  QCOMPARE(job.at("stdin").get<std::string>(), std::string("hi\n"));
  QCOMPARE(job.at("args"), json({"x", "y z"}));
  QVERIFY(!job.contains("limits"));  // all "default": the master's

  QCOMPARE(child<QPlainTextEdit>(*window_, "stdoutView")->toPlainText(), QString("hi\n"));
  const QString details = child<QLabel>(*window_, "detailsLabel")->text();
  QVERIFY2(details.contains("exit code 0") && details.contains("slave-a") &&
               details.contains("cpu 12 ms") && details.contains("wall 14 ms") &&
               details.contains("8.8 MiB") && details.contains("queued 3 ms"),
           qPrintable(details));
  const QString progress = child<QLabel>(*window_, "progressLabel")->text();
  QVERIFY2(progress.contains("j-000042") && progress.contains("queued") &&
               progress.contains("on slave-a") && progress.contains("running") &&
               progress.contains("OK"),
           qPrintable(progress));
  QVERIFY(!window_->isRunning());
  QVERIFY(run->isEnabled());

  // The run is in the history, finished.
  HistoryModel* history = window_->history();
  QCOMPARE(history->rowCount(), 1);
  QCOMPARE(history->record(0)->status, RunRecord::Status::kFinished);
  QCOMPARE(history->record(0)->job_id, QString("j-000042"));
  QCOMPARE(history->index(0, HistoryModel::kStatus).data().toString(), QString("OK"));
}

void MainWindowTest::ctrlReturnRuns() {
  CONNECT_AND_WAIT();
  window_->activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(window_.get()));
  auto* editor = child<QPlainTextEdit>(*window_, "editor");
  editor->setFocus();
  editor->setPlainText("int main() { return 0; }\n");
  QTest::keyClick(editor, Qt::Key_Return, Qt::ControlModifier);
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(*window_, "verdictLabel")->text(), QString("OK"),
                            kTimeoutMs);
  // The shortcut ran the program; it did not type a newline into it.
  QCOMPARE(editor->toPlainText(), QString("int main() { return 0; }\n"));
}

void MainWindowTest::limitsAreSentAndRemembered() {
  CONNECT_AND_WAIT();
  child<QDoubleSpinBox>(*window_, "wallSpin")->setValue(2.5);
  child<QSpinBox>(*window_, "memorySpin")->setValue(128);
  window_->run();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  const json limits = fake_->receivedOfType("submit")[0].at("job").at("limits");
  QCOMPARE(limits, json({{"run", {{"wall_ms", 2500}, {"memory_bytes", 128 << 20}}}}));
  QCOMPARE(settings_->limits().wall_ms, 2500);
  QCOMPARE(settings_->limits().cpu_ms, 0);
  QCOMPARE(settings_->limits().memory_bytes, qint64(128) << 20);
}

void MainWindowTest::stopCancelsTheJobAndIgnoresItsResult() {
  submit_reply_ = SubmitReply::kAcceptOnly;
  CONNECT_AND_WAIT();
  QSignalSpy cancelled(connection_.get(), &MasterConnection::jobCancelled);
  window_->run();
  QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>(*window_, "progressLabel")->text().contains("running"),
                           kTimeoutMs);
  QVERIFY(child<QLabel>(*window_, "progressLabel")->text().contains("j-000077"));
  auto* stop = child<QPushButton>(*window_, "stopButton");
  QVERIFY(stop->isEnabled());
  // A run from the page is live: the first press interrupts the program (SIGINT), the second
  // cancels the job (docs/gui.md, "Live runs").
  QTest::mouseClick(stop, Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("signal").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("signal")[0].at("signal").get<std::string>(),
           std::string("SIGINT"));
  QVERIFY(window_->isRunning());
  QCOMPARE(stop->text(), QString("Cancel"));
  QTest::mouseClick(stop, Qt::LeftButton);

  // Stopped at once, locally; the run button is back.
  QVERIFY(!window_->isRunning());
  QCOMPARE(child<QLabel>(*window_, "verdictLabel")->text(), QString("stopped"));
  QVERIFY(child<QPushButton>(*window_, "runButton")->isEnabled());
  QVERIFY(!stop->isEnabled());
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cancel").size(), size_t{1}, kTimeoutMs);
  const json cancel = fake_->receivedOfType("cancel")[0];
  QCOMPARE(cancel.at("job_id").get<std::string>(), std::string("j-000077"));
  QVERIFY(cancel.at("id").is_string());
  QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kTimeoutMs);
  QTRY_VERIFY_WITH_TIMEOUT(window_->messages()->latest() &&
                               window_->messages()->latest()->text.contains("j-000077 cancelled"),
                           kTimeoutMs);

  // A result that still comes (sent before the master saw the cancel) changes nothing.
  const json submit = fake_->receivedOfType("submit")[0];
  fake_->send(test::okResult(submit, "j-000077", "late\n"));
  fake_->send({{"type", "progress"}, {"job_id", "j-000077"}, {"state", "running"}});
  QSignalSpy finished(connection_.get(), &MasterConnection::jobFinished);
  QVERIFY(finished.wait(kTimeoutMs));
  QCOMPARE(child<QLabel>(*window_, "verdictLabel")->text(), QString("stopped"));
  QCOMPARE(child<QPlainTextEdit>(*window_, "stdoutView")->toPlainText(), QString());
  QCOMPARE(window_->history()->record(0)->status, RunRecord::Status::kStopped);
  QVERIFY(!window_->history()->record(0)->outcome.has_value());
}

void MainWindowTest::stopBeforeAcceptanceCancelsOnceAccepted() {
  submit_reply_ = SubmitReply::kNothing;
  CONNECT_AND_WAIT();
  window_->run();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  window_->stop();
  QVERIFY(!window_->isRunning());
  QCOMPARE(fake_->receivedOfType("cancel").size(), size_t{0});  // no job id to name yet

  const json submit = fake_->receivedOfType("submit")[0];
  fake_->send({{"type", "accepted"}, {"id", submit.at("id")}, {"job_id", "j-000123"}});
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cancel").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("cancel")[0].at("job_id").get<std::string>(),
           std::string("j-000123"));
  QCOMPARE(window_->history()->record(0)->job_id, QString("j-000123"));
  QCOMPARE(window_->history()->record(0)->status, RunRecord::Status::kStopped);
}

void MainWindowTest::masterWithoutCancelIsExplained() {
  submit_reply_ = SubmitReply::kAcceptOnly;
  cancel_reply_ = CancelReply::kUnknownType;
  CONNECT_AND_WAIT();
  window_->run();
  QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>(*window_, "progressLabel")->text().contains("j-000077"),
                           kTimeoutMs);
  window_->stop();
  // It refuses the SIGINT of the first Stop, so the run is cancelled at once, not after the
  // 2 s grace.
  QTRY_VERIFY_WITH_TIMEOUT(!window_->isRunning(), 1000);
  QCOMPARE(fake_->receivedOfType("signal").size(), size_t{1});
  auto* bar = child<NotificationBar>(*window_, "notificationBar");
  QTRY_VERIFY_WITH_TIMEOUT(bar->text().contains("cannot cancel"), kTimeoutMs);
  QVERIFY(bar->isVisible());
  QVERIFY(!anyDialogOpen());
  // The run stays "stopped", not failed: the error was the cancel's, not the job's.
  QCOMPARE(window_->history()->record(0)->status, RunRecord::Status::kStopped);
}

void MainWindowTest::jobCancelledByAnotherClientEndsTheRun() {
  submit_reply_ = SubmitReply::kAcceptOnly;
  CONNECT_AND_WAIT();
  window_->run();
  QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>(*window_, "progressLabel")->text().contains("running"),
                           kTimeoutMs);
  // What the master sends a submitter whose job someone else cancelled.
  const json submit = fake_->receivedOfType("submit")[0];
  fake_->send({{"type", "cancelled"},
               {"id", submit.at("id")},
               {"job_id", "j-000077"},
               {"state", "running"}});
  QTRY_VERIFY_WITH_TIMEOUT(!window_->isRunning(), kTimeoutMs);
  QCOMPARE(child<QLabel>(*window_, "verdictLabel")->text(), QString("cancelled"));
  QCOMPARE(window_->history()->record(0)->statusText(), QString("cancelled"));
  QVERIFY(child<NotificationBar>(*window_, "notificationBar")->text().contains("another client"));
}

void MainWindowTest::errorFromTheMasterEndsTheRun() {
  submit_reply_ = SubmitReply::kUnknownLanguage;
  CONNECT_AND_WAIT();
  window_->run();
  QVERIFY(window_->isRunning());
  QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(*window_, "verdictLabel")->text(),
                            QString("unknown_language"), kTimeoutMs);
  QVERIFY(child<QLabel>(*window_, "detailsLabel")->text().contains("cobol"));
  QVERIFY(!window_->isRunning());
  QVERIFY(child<QPushButton>(*window_, "runButton")->isEnabled());
  // Also said in words in the notification bar.
  const QString note = child<NotificationBar>(*window_, "notificationBar")->text();
  QVERIFY2(note.startsWith("Unknown language: no slave offers"), qPrintable(note));
  QCOMPARE(window_->history()->record(0)->status, RunRecord::Status::kFailed);
}

void MainWindowTest::repeatedErrorsFoldIntoOneNotification() {
  CONNECT_AND_WAIT();
  for (int i = 0; i < 20; ++i) {
    fake_->send({{"type", "error"}, {"code", "queue_full"}, {"message", "42 jobs waiting"}});
  }
  auto* bar = child<NotificationBar>(*window_, "notificationBar");
  QTRY_VERIFY_WITH_TIMEOUT(bar->text().contains("(×20)"), kTimeoutMs);
  QVERIFY2(bar->text().startsWith("The cluster is busy: 42 jobs waiting"), qPrintable(bar->text()));
  QCOMPARE(window_->messages()->rowCount(), 1);
  QVERIFY(!anyDialogOpen());

  // Dismissed until the next message; the log keeps them all.
  bar->dismiss();
  QVERIFY(!bar->isVisible());
  fake_->send({{"type", "error"}, {"code", "internal"}, {"message", "journal full"}});
  QTRY_VERIFY_WITH_TIMEOUT(bar->isVisible(), kTimeoutMs);
  QCOMPARE(window_->messages()->rowCount(), 2);
  bar->setLogShown(true);
  QVERIFY(bar->isLogShown());
}

void MainWindowTest::connectionLossEndsTheRunAndIsShown() {
  submit_reply_ = SubmitReply::kNothing;
  CONNECT_AND_WAIT();
  window_->run();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  QVERIFY(window_->isRunning());
  fake_->closeClient();
  QTRY_VERIFY_WITH_TIMEOUT(!window_->isRunning(), kTimeoutMs);
  QCOMPARE(child<QLabel>(*window_, "verdictLabel")->text(),
           QString(polyrun::gui::kErrorConnectionLost));
  auto* bar = child<NotificationBar>(*window_, "notificationBar");
  QTRY_VERIFY_WITH_TIMEOUT(window_->messages()->rowCount() >= 2, kTimeoutMs);
  // It comes back by itself, and says so.
  QTRY_VERIFY_WITH_TIMEOUT(connection_->isConnected(), kTimeoutMs);
  QTRY_VERIFY_WITH_TIMEOUT(bar->text().contains("again"), kTimeoutMs);
  bool loss_reported = false;
  for (int row = 0; row < window_->messages()->rowCount(); ++row) {
    loss_reported |= window_->messages()->index(row).data().toString().contains("lost");
  }
  QVERIFY(loss_reported);
  waitUntilRunnable();
  QVERIFY(!anyDialogOpen());
}

void MainWindowTest::acceptedRunSurvivesAConnectionLoss() {
  submit_reply_ = SubmitReply::kAcceptOnly;
  CONNECT_AND_WAIT();
  connection_->setReconnectBackoff(200, 200);  // time to see the run wait between connections
  window_->run();
  auto* progress = child<QLabel>(*window_, "progressLabel");
  QTRY_VERIFY_WITH_TIMEOUT(progress->text().contains("running"), kTimeoutMs);
  const json submit = fake_->receivedOfType("submit")[0];
  fake_->closeClient();
  // The job runs on in the cluster: the run waits, and says why.
  QTRY_VERIFY_WITH_TIMEOUT(progress->text().contains("connection lost"), kTimeoutMs);
  QVERIFY(window_->isRunning());
  // Reconnected, the window's connection asks for the job; the master has its result by then.
  fake_->setResponder([submit](FakeMaster& master, const json& m) {
    if (m.at("type") != "job") return;
    json reply = test::okResult(submit, "j-000077", "survived\n");
    reply["type"] = "job";
    reply["id"] = m.at("id");
    reply["state"] = "finished";
    master.send(reply);
  });
  QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(*window_, "verdictLabel")->text(), QString("OK"),
                            kTimeoutMs);
  QCOMPARE(child<QPlainTextEdit>(*window_, "stdoutView")->toPlainText(), QString("survived\n"));
  QCOMPARE(window_->history()->record(0)->status, RunRecord::Status::kFinished);
}

void MainWindowTest::historyReopensAndReloadsRuns() {
  CONNECT_AND_WAIT();
  child<QComboBox>(*window_, "languageCombo")->setCurrentIndex(1);
  auto* editor = child<QPlainTextEdit>(*window_, "editor");
  editor->setPlainText("print(input())\n");
  auto* stdin_edit = child<QPlainTextEdit>(*window_, "stdinEdit");
  stdin_edit->setPlainText("first\n");
  child<QLineEdit>(*window_, "argsEdit")->setText("-n \"two words\"");
  window_->run();
  QTRY_VERIFY_WITH_TIMEOUT(!window_->isRunning(), kTimeoutMs);
  stdin_edit->setPlainText("second\n");
  window_->run();
  QTRY_VERIFY_WITH_TIMEOUT(!window_->isRunning(), kTimeoutMs);
  QCOMPARE(child<QPlainTextEdit>(*window_, "stdoutView")->toPlainText(), QString("second\n"));

  // The history lists the newest first; opening the older run shows its output again.
  auto* view = child<QTableView>(*window_, "historyView");
  QCOMPARE(view->model()->rowCount(), 2);
  QCOMPARE(view->model()->index(0, HistoryModel::kNumber).data().toInt(), 2);
  auto* pages = child<QTabWidget>(*window_, "pages");
  pages->setCurrentIndex(MainWindow::kHistoryPage);
  const QModelIndex older = view->model()->index(1, HistoryModel::kStatus);
  QTRY_VERIFY_WITH_TIMEOUT(view->isVisible(), kTimeoutMs);
  view->setFocus();
  view->setCurrentIndex(older);
  QTest::keyClick(view, Qt::Key_Return);  // "activated", as a double click is
  QCOMPARE(pages->currentIndex(), int(MainWindow::kRunPage));
  QCOMPARE(child<QPlainTextEdit>(*window_, "stdoutView")->toPlainText(), QString("first\n"));

  // Loading it brings back program, stdin and arguments.
  editor->setPlainText("something else\n");
  editor->document()->setModified(false);
  window_->loadRunIntoEditor(0);
  QCOMPARE(editor->toPlainText(), QString("print(input())\n"));
  QCOMPARE(stdin_edit->toPlainText(), QString("first\n"));
  QCOMPARE(QProcess::splitCommand(child<QLineEdit>(*window_, "argsEdit")->text()),
           QStringList({"-n", "two words"}));
  QCOMPARE(window_->selectedLanguage(), QString("python"));

  // The cluster page lists this client's runs while the master lists no recent jobs.
  auto* cluster = child<ClusterView>(*window_, "clusterView");
  QVERIFY(!cluster->showsMasterJobs());
  QCOMPARE(cluster->recentJobsModel()->rowCount(), 2);
  QCOMPARE(cluster->recentJobsModel()->jobs().first().verdict, QString("OK"));
}

void MainWindowTest::everyAdvertisedLanguageCanBePickedOpenedAndRun() {
  many_languages_ = true;
  CONNECT_AND_WAIT();
  auto* combo = child<QComboBox>(*window_, "languageCombo");
  auto* editor = child<CodeEditor>(*window_, "editor");
  QCOMPARE(combo->count(), 39);
  QVERIFY(combo->maxVisibleItems() >= 20);  // a long list is not a ten-row scroll

  // Picked in the list: the editor's starter follows, or stays empty for a language it does not
  // know (which still runs).
  combo->setCurrentIndex(combo->findText("kotlin 1.0"));
  QCOMPARE(editor->syntax(), SyntaxFamily::kKotlin);
  QCOMPARE(editor->toPlainText(), starterTemplate(SyntaxFamily::kKotlin));
  combo->setCurrentIndex(combo->findText("cobol 1.0"));
  QCOMPARE(editor->syntax(), SyntaxFamily::kPlain);
  QCOMPARE(editor->toPlainText(), QString());

  // Opened: the extension picks the language among the cluster's, the name or alias the colours.
  const struct {
    const char* file;
    const char* language;
    SyntaxFamily family;
  } cases[] = {{"hello.rs", "rust", SyntaxFamily::kRust},
               {"hello.js", "nodejs", SyntaxFamily::kJavaScript},
               {"Hello.R", "r", SyntaxFamily::kPlain},
               {"hello.cpp", "c++", SyntaxFamily::kCpp},
               {"hello.exs", "elixir", SyntaxFamily::kPlain}};
  for (const auto& c : cases) {
    const QString path = dir_->filePath(c.file);
    writeFile(path, "x\n");
    QVERIFY(window_->openFile(path));
    QCOMPARE(window_->selectedLanguage(), QString(c.language));
    QCOMPARE(editor->syntax(), c.family);
  }

  // Run sends it as that language, under its own name.
  window_->run();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  const json job = fake_->receivedOfType("submit")[0].at("job");
  QCOMPARE(job.at("language").get<std::string>(), std::string("elixir"));
  QCOMPARE(job.at("files")[0].at("name").get<std::string>(), std::string("hello.exs"));

  // Saved under another language's extension, it follows that one.
  const QString rb = dir_->filePath("hello.rb");
  QVERIFY(window_->saveToFile(rb));
  QCOMPARE(window_->selectedLanguage(), QString("ruby"));
  QCOMPARE(editor->syntax(), SyntaxFamily::kRuby);
}

void MainWindowTest::runtimesAreRefreshedWithoutLosingTheChoice() {
  CONNECT_AND_WAIT();
  auto* combo = child<QComboBox>(*window_, "languageCombo");
  combo->setCurrentIndex(1);  // python
  const size_t asked = fake_->receivedOfType("runtimes").size();
  with_java_ = true;  // a slave with Java joined
  // The window asks again by itself, with the cluster refresh.
  QTRY_COMPARE_WITH_TIMEOUT(combo->count(), 3, kTimeoutMs);
  QVERIFY(fake_->receivedOfType("runtimes").size() > asked);
  QCOMPARE(window_->selectedLanguage(), QString("python"));
  QCOMPARE(combo->currentText(), QString("python 3.11.2"));
}

void MainWindowTest::templateFollowsTheLanguageUntilEdited() {
  CONNECT_AND_WAIT();
  auto* combo = child<QComboBox>(*window_, "languageCombo");
  auto* editor = child<CodeEditor>(*window_, "editor");
  combo->setCurrentIndex(1);
  QCOMPARE(editor->toPlainText(), starterTemplate(SyntaxFamily::kPython));
  QCOMPARE(editor->syntax(), SyntaxFamily::kPython);
  // Once the user typed, the program stays when the language changes.
  QTest::keyClicks(editor, "# mine");
  QTest::keyClick(editor, Qt::Key_Return);
  QVERIFY(editor->document()->isModified());
  const QString mine = editor->toPlainText();
  combo->setCurrentIndex(0);
  QCOMPARE(editor->toPlainText(), mine);
  QCOMPARE(editor->syntax(), SyntaxFamily::kC);
  // The language is remembered for the next start.
  QCOMPARE(settings_->lastLanguage(), QString("c 12.2.0"));
}

void MainWindowTest::openFilePicksTheLanguageAndRemembersIt() {
  CONNECT_AND_WAIT();
  const QString path = dir_->filePath("hello.py");
  writeFile(path, "print('hello')\n");

  QCOMPARE(window_->selectedLanguage(), QString("c"));
  QVERIFY(window_->openFile(path));
  QCOMPARE(window_->selectedLanguage(), QString("python"));
  QCOMPARE(child<QPlainTextEdit>(*window_, "editor")->toPlainText(), QString("print('hello')\n"));
  QCOMPARE(child<CodeEditor>(*window_, "editor")->syntax(), SyntaxFamily::kPython);
  QVERIFY(window_->windowTitle().contains("hello.py"));
  QCOMPARE(settings_->recentFiles(), QStringList{QFileInfo(path).absoluteFilePath()});

  window_->run();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(
      fake_->receivedOfType("submit")[0].at("job").at("files")[0].at("name").get<std::string>(),
      std::string("hello.py"));

  // A missing file is reported in the bar, not in a dialog.
  QVERIFY(!window_->openFile(dir_->filePath("missing.c")));
  QVERIFY(child<NotificationBar>(*window_, "notificationBar")->text().contains("missing.c"));
  QVERIFY(!anyDialogOpen());
}

void MainWindowTest::openFileBeforeRuntimesArrivePicksLaterOn() {
  const QString path = dir_->filePath("later.py");
  writeFile(path, "print(1)\n");
  QVERIFY(window_->openFile(path));  // no runtimes known yet
  QCOMPARE(window_->selectedLanguage(), QString());
  QCOMPARE(child<CodeEditor>(*window_, "editor")->syntax(), SyntaxFamily::kPython);
  CONNECT_AND_WAIT();
  QCOMPARE(window_->selectedLanguage(), QString("python"));  // not the first row (c)
  QCOMPARE(child<QPlainTextEdit>(*window_, "editor")->toPlainText(), QString("print(1)\n"));
}

void MainWindowTest::saveWritesTheFile() {
  CONNECT_AND_WAIT();
  auto* editor = child<QPlainTextEdit>(*window_, "editor");
  editor->setPlainText("print('saved')\n");
  const QString path = dir_->filePath("saved.py");
  QVERIFY(window_->saveToFile(path));
  QFile file(path);
  QVERIFY(file.open(QIODevice::ReadOnly));
  QCOMPARE(file.readAll(), QByteArray("print('saved')\n"));
  QVERIFY(!editor->document()->isModified());
  QCOMPARE(window_->selectedLanguage(), QString("python"));  // the extension decides
  QCOMPARE(settings_->recentFiles().value(0), QFileInfo(path).absoluteFilePath());
}

void MainWindowTest::connectionSettingsAreSavedAndUsed() {
  CONNECT_AND_WAIT();
  FakeMaster other;
  QVERIFY(other.listen());
  other.setResponder([](FakeMaster& master, const json& m) {
    if (m.at("type") == "runtimes") master.send(test::runtimesReply(m));
  });
  ConnectionSettings s;
  s.host = "127.0.0.1";
  s.port = other.port();
  s.token = "s3cret";
  window_->applyConnectionSettings(s);
  QTRY_VERIFY_WITH_TIMEOUT(other.hasClient(), kTimeoutMs);
  QTRY_VERIFY_WITH_TIMEOUT(connection_->isConnected(), kTimeoutMs);
  QCOMPARE(connection_->port(), other.port());
  QCOMPARE(connection_->token(), QString("s3cret"));
  // Remembered for the next start.
  ClientSettings reread(dir_->filePath("settings.ini"));
  QCOMPARE(reread.connection(), s);
}

void MainWindowTest::hugeOutputKeepsTheWindowResponsive() {
  huge_output_ = true;
  std::string out;
  out.reserve(16u << 20);
  // As large as a result frame may be (the master's default 16 MiB frame limit), counted as
  // encoded in JSON, where each "\n" takes two bytes.
  for (int i = 0; out.size() + size_t(i) < (16u << 20) - 4096; ++i)
    out += "line " + std::to_string(i) + " of a very chatty program\n";
  // No "id": the connection finds the request through the job id of `accepted`.
  json result =
      test::okResult({{"id", "unused"}, {"job", {{"language", "python"}}}}, "j-000099", out);
  result.erase("id");
  huge_result_ = test::frameBytes(result);
  QVERIFY(huge_result_.size() > 15 << 20 && huge_result_.size() <= (16 << 20) + 4);
  CONNECT_AND_WAIT();
  StallMeter meter;
  window_->run();
  auto* verdict = child<QLabel>(*window_, "verdictLabel");
  QTRY_COMPARE_WITH_TIMEOUT(verdict->text(), QString("OK"), 4 * kTimeoutMs);
  // A 16 MiB frame takes a few hundred ms to decode; done on a worker, the window's thread never
  // went more than a fraction of that without serving its events.
  QVERIFY2(meter.longestStallMs() < 150, qPrintable(QString::number(meter.longestStallMs())));
  OutputView* stdout_view =
      child<ResultView>(*window_, "resultView")->outputView(ResultView::kStdoutTab);
  QVERIFY(stdout_view->text().size() > 16'000'000);
  QCOMPARE(stdout_view->shownChars(), OutputView::kPreviewChars);
  QVERIFY(child<QLabel>(*window_, "stdoutViewBar")->text().contains("Showing the first"));
}

void MainWindowTest::clusterPageShowsCountersChartAndJobs() {
  with_recent_jobs_ = true;
  CONNECT_AND_WAIT();
  auto* cluster = child<ClusterView>(*window_, "clusterView");
  QTRY_VERIFY_WITH_TIMEOUT(cluster->showsMasterJobs(), kTimeoutMs);
  QCOMPARE(cluster->recentJobsModel()->rowCount(), 2);
  QCOMPARE(cluster->recentJobsModel()->jobs().first().job_id, QString("j-000011"));
  const QString summary = child<QLabel>(*window_, "clusterSummary")->text();
  QVERIFY2(summary.contains("python 9") && summary.contains("COMPILE_ERROR 1") &&
               summary.contains("1 running"),
           qPrintable(summary));
  // Every snapshot is a point of the chart's history.
  QTRY_VERIFY_WITH_TIMEOUT(cluster->loadHistory().queueSeries().size() >= 2, kTimeoutMs);
  QCOMPARE(cluster->loadHistory().slaveNames(), QStringList({"slave-a", "slave-b"}));
}

void MainWindowTest::screenshots() {
  with_recent_jobs_ = true;
  // Replies that make a realistic picture: C fails to compile, Python greets its input.
  fake_->setResponder([](FakeMaster& master, const json& m) {
    const std::string type = m.at("type");
    if (type == "runtimes") master.send(test::runtimesReply(m, true));
    if (type == "cluster") master.send(test::clusterReply(m, true));
    if (type != "submit") return;
    const json id = m.at("id");
    const bool c = m.at("job").at("language") == "c";
    const std::string job_id = c ? "j-000041" : "j-000042";
    master.send({{"type", "accepted"}, {"id", id}, {"job_id", job_id}});
    master.send({{"type", "progress"}, {"id", id}, {"job_id", job_id}, {"state", "queued"}});
    master.send({{"type", "progress"},
                 {"id", id},
                 {"job_id", job_id},
                 {"state", "assigned"},
                 {"slave", "slave-a"}});
    if (!c) {
      const std::string name = m.at("job").at("stdin").get<std::string>();
      master.send(test::okResult(m, job_id, "Hello, " + name.substr(0, name.size() - 1) + "!\n"));
      return;
    }
    master.send({{"type", "result"},
                 {"id", id},
                 {"job_id", job_id},
                 {"result",
                  {{"job_id", job_id},
                   {"slave", "slave-a"},
                   {"language", "c"},
                   {"version", "12.2.0"},
                   {"verdict", "COMPILE_ERROR"},
                   {"message", "compilation failed"},
                   {"queue_ms", 1},
                   {"total_ms", 95},
                   {"compile",
                    {{"verdict", "COMPILE_ERROR"},
                     {"stderr", "main.c:3:5: error: expected ';' before 'return'\n"},
                     {"exit_code", 1},
                     {"cpu_ms", 61},
                     {"wall_ms", 88},
                     {"memory_bytes", 24117248}}}}}});
  });
  CONNECT_AND_WAIT();
  auto* table = child<QTableView>(*window_, "slavesView");
  QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 2, kTimeoutMs);
  auto* combo = child<QComboBox>(*window_, "languageCombo");
  auto* editor = child<QPlainTextEdit>(*window_, "editor");
  combo->setCurrentIndex(0);  // c
  editor->setPlainText("int main(void) {\n    int x = 1\n    return x;\n}\n");
  window_->run();
  QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(*window_, "verdictLabel")->text(),
                            QString("COMPILE_ERROR"), kTimeoutMs);
  window_->newFile();  // unmodified by setPlainText: no question asked
  combo->setCurrentIndex(combo->findText("python 3.11.2"));
  child<QPlainTextEdit>(*window_, "stdinEdit")->setPlainText("polyrun\n");
  child<QDoubleSpinBox>(*window_, "wallSpin")->setValue(2);
  window_->run();
  QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(*window_, "verdictLabel")->text(), QString("OK"),
                            kTimeoutMs);
  QCOMPARE(child<QPlainTextEdit>(*window_, "stdoutView")->toPlainText(),
           QString("Hello, polyrun!\n"));

  const QString out_dir = QStringLiteral(POLYRUN_GUI_TEST_OUTPUT_DIR);
  QVERIFY(QDir().mkpath(out_dir));
  const QPixmap run = window_->grab();
  QVERIFY(!run.isNull());
  QVERIFY(run.width() > 400 && run.height() > 300);
  QVERIFY(run.save(QDir(out_dir).filePath("main_window_run.png")));

  // Five minutes of made-up history (a burst of jobs two minutes ago), so the chart has lines.
  auto* cluster = child<ClusterView>(*window_, "clusterView");
  const qint64 now = QDateTime::currentMSecsSinceEpoch();
  cluster->loadHistory().clear();
  for (int i = 150; i > 0; --i) {
    ClusterSnapshot s;
    const double burst = std::exp(-std::pow((i - 60) / 12.0, 2));  // 0..1, peak at i = 60
    SlaveInfo a;
    a.id = 1;
    a.name = "slave-a";
    a.load_avg = 0.3 + 1.6 * burst + 0.05 * std::sin(i / 3.0);
    SlaveInfo b;
    b.id = 2;
    b.name = "slave-b";
    b.load_avg = 0.15 + 1.1 * std::exp(-std::pow((i - 52) / 14.0, 2));
    s.slaves = {a, b};
    s.queues = {{"python", std::llround(6 * std::exp(-std::pow((i - 64) / 6.0, 2)))}};
    cluster->loadHistory().addSnapshot(s, now - i * 2000);
  }
  const size_t snapshots = fake_->receivedOfType("cluster").size();
  QTRY_VERIFY_WITH_TIMEOUT(fake_->receivedOfType("cluster").size() > snapshots, kTimeoutMs);
  QTRY_VERIFY_WITH_TIMEOUT(cluster->loadHistory().queueSeries().size() > 150, kTimeoutMs);
  child<QTabWidget>(*window_, "pages")->setCurrentIndex(MainWindow::kClusterPage);
  const QPixmap cluster_shot = window_->grab();
  QVERIFY(!cluster_shot.isNull());
  QVERIFY(cluster_shot.save(QDir(out_dir).filePath("main_window_cluster.png")));

  child<QTabWidget>(*window_, "pages")->setCurrentIndex(MainWindow::kHistoryPage);
  QVERIFY(window_->grab().save(QDir(out_dir).filePath("main_window_history.png")));
}

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
