// RunSession against a fake master, with no widget anywhere (a QCoreApplication): a run's
// progress and result, Stop before and after the master names the job, errors, a cancel by
// another client, a lost connection, and what it leaves in the history and the message log.
#include "run_session.h"

#include <QSignalSpy>
#include <QtTest>
#include <memory>

#include "canned_replies.h"
#include "fake_master.h"
#include "history_model.h"
#include "master_connection.h"
#include "message_log.h"

using nlohmann::json;
using namespace polyrun::gui;
using polyrun::gui::test::FakeMaster;
using polyrun::gui::test::pythonJob;
using polyrun::gui::test::SubmitReply;

namespace {

constexpr int kTimeoutMs = 5000;

}  // namespace

class RunSessionTest : public QObject {
  Q_OBJECT

 private slots:
  void init();
  void cleanup();

  void runReportsProgressAndResult();
  void judgedRunReportsEachCaseAsItEnds();
  void startIsRefusedWhenNotConnectedOrBusy();
  void stopCancelsTheJobAndIgnoresItsResult();
  void stopBeforeAcceptanceCancelsOnceAccepted();
  void errorFromTheMasterFailsTheRun();
  void cancelByAnotherClientFailsTheRun();
  void connectionLossBeforeAcceptanceFailsTheRun();

 private:
  void connectToFake();

  std::unique_ptr<FakeMaster> fake_;
  std::unique_ptr<MasterConnection> connection_;
  std::unique_ptr<HistoryModel> history_;
  std::unique_ptr<MessageLog> messages_;
  std::unique_ptr<RunSession> session_;
  SubmitReply submit_reply_ = SubmitReply::kRunOk;
};

void RunSessionTest::init() {
  submit_reply_ = SubmitReply::kRunOk;
  fake_ = std::make_unique<FakeMaster>();
  QVERIFY(fake_->listen());
  fake_->setResponder([this](FakeMaster& master, const json& m) {
    const std::string type = m.at("type");
    if (type == "cancel") master.send(test::cancelledReply(m));
    if (type == "submit") test::answerSubmit(master, m, submit_reply_);
  });
  connection_ = std::make_unique<MasterConnection>();
  connection_->setReconnectBackoff(20, 200);
  history_ = std::make_unique<HistoryModel>();
  messages_ = std::make_unique<MessageLog>();
  session_ = std::make_unique<RunSession>(connection_.get(), history_.get(), messages_.get());
}

void RunSessionTest::cleanup() {
  session_.reset();
  messages_.reset();
  history_.reset();
  connection_.reset();
  fake_.reset();
}

void RunSessionTest::connectToFake() {
  connection_->connectToMaster("127.0.0.1", fake_->port());
  QTRY_VERIFY_WITH_TIMEOUT(session_->canStart(), kTimeoutMs);
}

#define CONNECT()                           \
  do {                                      \
    connectToFake();                        \
    if (QTest::currentTestFailed()) return; \
  } while (false)

void RunSessionTest::runReportsProgressAndResult() {
  CONNECT();
  QSignalSpy started(session_.get(), &RunSession::started);
  QSignalSpy running(session_.get(), &RunSession::runningChanged);
  QSignalSpy finished(session_.get(), &RunSession::finished);
  QSignalSpy failed(session_.get(), &RunSession::failed);
  QCOMPARE(session_->progressText(), QString());  // nothing run yet
  QCOMPARE(session_->elapsedMs(), qint64(-1));

  QVERIFY(session_->start(pythonJob("hi\n")));
  QCOMPARE(started.count(), 1);
  QVERIFY(session_->isRunning());
  QVERIFY(!session_->canStart());
  QCOMPARE(session_->steps(), QStringList{"submitted"});
  QCOMPARE(history_->rowCount(), 1);
  QCOMPARE(history_->record(0)->status, RunRecord::Status::kSubmitted);

  QVERIFY(finished.wait(kTimeoutMs));
  const auto outcome = finished.at(0).at(0).value<RunOutcome>();
  QCOMPARE(outcome.verdict, QString("OK"));
  QCOMPARE(outcome.run->stdout_text, QString("hi\n"));  // the fake echoes stdin
  QVERIFY(!session_->isRunning());
  QVERIFY(session_->canStart());
  QCOMPARE(failed.count(), 0);
  QCOMPARE(running.count(), 2);
  QCOMPARE(running.at(0).at(0).toBool(), true);
  QCOMPARE(running.at(1).at(0).toBool(), false);
  QCOMPARE(session_->jobId(), QString("j-000042"));
  QCOMPARE(session_->steps(), QStringList({"submitted", "queued", "on slave-a", "running", "OK"}));
  QVERIFY(session_->elapsedMs() >= 0);
  const QString text = session_->progressText();
  QVERIFY2(text.startsWith("j-000042: submitted → queued → on slave-a → running → OK  ·  "),
           qPrintable(text));
  QCOMPARE(history_->record(0)->status, RunRecord::Status::kFinished);
  QCOMPARE(history_->record(0)->job_id, QString("j-000042"));
  QCOMPARE(history_->record(0)->request.stdin_text, QString("hi\n"));
}

void RunSessionTest::judgedRunReportsEachCaseAsItEnds() {
  using polyrun::Verdict;
  submit_reply_ = SubmitReply::kAcceptOnly;  // j-000077, running until the test says
  CONNECT();
  QSignalSpy cases(session_.get(), &RunSession::caseFinished);
  QSignalSpy finished(session_.get(), &RunSession::finished);
  JobRequest job = pythonJob({});
  job.tests = {{"1", "1\n", QString("1\n")}, {"2", "2\n", QString("5\n")}};
  QVERIFY(session_->start(job));
  QTRY_COMPARE_WITH_TIMEOUT(session_->jobId(), QString("j-000077"), kTimeoutMs);
  const json submit = fake_->receivedOfType("submit").at(0);
  const auto ok = test::caseResult("1", Verdict::kOk, 5, 1 << 20, "1\n");
  const auto wrong = test::caseResult("2", Verdict::kWrongAnswer, 6, 1 << 20, "4\n");

  // Another job's case, and a case the client cannot read, fill nothing; the latter is said.
  fake_->send(test::caseProgress(submit, "j-000001", 0, ok));
  json unreadable = test::caseProgress(submit, "j-000077", 0, ok);
  unreadable["test"].erase("index");
  fake_->send(unreadable);
  fake_->send(test::caseProgress(submit, "j-000077", 1, wrong));
  QVERIFY(cases.wait(kTimeoutMs));
  QCOMPARE(cases.count(), 1);
  const auto second = cases.at(0).at(0).value<CaseOutcome>();
  QCOMPARE(second.index, 1);
  QCOMPARE(second.name, QString("2"));
  QCOMPARE(second.run.verdict, QString("WRONG_ANSWER"));
  QCOMPARE(second.line, 1);
  QVERIFY(messages_->latest());
  QVERIFY2(messages_->latest()->text.contains("index"), qPrintable(messages_->latest()->text));

  fake_->send(test::judgedResult(submit, "j-000077", {ok, wrong}));
  QVERIFY(finished.wait(kTimeoutMs));
  const auto outcome = finished.at(0).at(0).value<RunOutcome>();
  QCOMPARE(outcome.verdict, QString("WRONG_ANSWER"));
  QCOMPARE(outcome.tests.size(), 2);
  QCOMPARE(outcome.tests[1].run.stdout_text, QString("4\n"));
  QCOMPARE(outcome.summary.passed, 1);
  QCOMPARE(outcome.summary.first_failure, 2);
  QCOMPARE(cases.count(), 1);
}

void RunSessionTest::startIsRefusedWhenNotConnectedOrBusy() {
  QVERIFY(!session_->canStart());
  QVERIFY(!session_->start(pythonJob("")));  // not connected: nothing sent, nothing recorded
  QCOMPARE(history_->rowCount(), 0);
  QVERIFY(!session_->isRunning());

  submit_reply_ = SubmitReply::kNothing;
  CONNECT();
  QVERIFY(session_->start(pythonJob("first\n")));
  QVERIFY(!session_->start(pythonJob("second\n")));  // one run at a time
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(history_->rowCount(), 1);
  QCOMPARE(fake_->receivedOfType("submit")[0].at("job").at("stdin").get<std::string>(),
           std::string("first\n"));
}

void RunSessionTest::stopCancelsTheJobAndIgnoresItsResult() {
  submit_reply_ = SubmitReply::kAcceptOnly;
  CONNECT();
  QSignalSpy stopped(session_.get(), &RunSession::stopped);
  QSignalSpy finished(session_.get(), &RunSession::finished);
  QVERIFY(session_->start(pythonJob("")));
  QTRY_VERIFY_WITH_TIMEOUT(session_->steps().contains("running"), kTimeoutMs);
  QCOMPARE(session_->jobId(), QString("j-000077"));

  session_->stop();
  QVERIFY(!session_->isRunning());  // at once, locally
  QCOMPARE(stopped.count(), 1);
  QCOMPARE(stopped.at(0).at(0).toString(), QString("j-000077"));
  QCOMPARE(session_->steps().last(), QString("stopped"));
  QCOMPARE(history_->record(0)->status, RunRecord::Status::kStopped);
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cancel").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("cancel")[0].at("job_id").get<std::string>(),
           std::string("j-000077"));
  QTRY_VERIFY_WITH_TIMEOUT(
      messages_->latest() && messages_->latest()->text.contains("Job j-000077 cancelled"),
      kTimeoutMs);

  // A result still on its way changes nothing.
  QSignalSpy connection_finished(connection_.get(), &MasterConnection::jobFinished);
  fake_->send(test::okResult(fake_->receivedOfType("submit")[0], "j-000077", "late\n"));
  QVERIFY(connection_finished.wait(kTimeoutMs));
  QCOMPARE(finished.count(), 0);
  QCOMPARE(history_->record(0)->status, RunRecord::Status::kStopped);
  QVERIFY(!history_->record(0)->outcome.has_value());
}

void RunSessionTest::stopBeforeAcceptanceCancelsOnceAccepted() {
  submit_reply_ = SubmitReply::kNothing;
  CONNECT();
  QSignalSpy stopped(session_.get(), &RunSession::stopped);
  QVERIFY(session_->start(pythonJob("")));
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  session_->stop();
  QCOMPARE(stopped.count(), 1);
  QCOMPARE(stopped.at(0).at(0).toString(), QString());  // not named yet
  QCOMPARE(fake_->receivedOfType("cancel").size(), size_t{0});

  const json submit = fake_->receivedOfType("submit")[0];
  fake_->send({{"type", "accepted"}, {"id", submit.at("id")}, {"job_id", "j-000123"}});
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cancel").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("cancel")[0].at("job_id").get<std::string>(),
           std::string("j-000123"));
  QCOMPARE(history_->record(0)->job_id, QString("j-000123"));
  QCOMPARE(history_->record(0)->status, RunRecord::Status::kStopped);
}

void RunSessionTest::errorFromTheMasterFailsTheRun() {
  submit_reply_ = SubmitReply::kUnknownLanguage;
  CONNECT();
  QSignalSpy failed(session_.get(), &RunSession::failed);
  QVERIFY(session_->start(pythonJob("")));
  QVERIFY(failed.wait(kTimeoutMs));
  QCOMPARE(failed.at(0).at(0).toString(), QString("unknown_language"));
  QVERIFY(failed.at(0).at(1).toString().contains("cobol"));
  QVERIFY(!session_->isRunning());
  QCOMPARE(session_->steps().last(), QString("unknown_language"));
  QCOMPARE(history_->record(0)->status, RunRecord::Status::kFailed);
  QCOMPARE(history_->record(0)->error_code, QString("unknown_language"));
  QVERIFY(messages_->latest());
  QCOMPARE(messages_->latest()->severity, MessageLog::Severity::kError);
  QVERIFY2(messages_->latest()->text.startsWith("Unknown language: no slave offers"),
           qPrintable(messages_->latest()->text));

  // An error that answers no request is reported too, and ends nothing.
  fake_->send({{"type", "error"}, {"code", "queue_full"}, {"message", "42 jobs waiting"}});
  QTRY_VERIFY_WITH_TIMEOUT(messages_->latest()->text.startsWith("The cluster is busy"), kTimeoutMs);
  QCOMPARE(failed.count(), 1);
}

void RunSessionTest::cancelByAnotherClientFailsTheRun() {
  submit_reply_ = SubmitReply::kAcceptOnly;
  CONNECT();
  QSignalSpy failed(session_.get(), &RunSession::failed);
  QVERIFY(session_->start(pythonJob("")));
  QTRY_VERIFY_WITH_TIMEOUT(session_->steps().contains("running"), kTimeoutMs);
  const json submit = fake_->receivedOfType("submit")[0];
  fake_->send({{"type", "cancelled"},
               {"id", submit.at("id")},
               {"job_id", "j-000077"},
               {"state", "running"}});
  QVERIFY(failed.wait(kTimeoutMs));
  QCOMPARE(failed.at(0).at(0).toString(), QString("cancelled"));
  QVERIFY(failed.at(0).at(1).toString().contains("another client"));
  QVERIFY(!session_->isRunning());
  QCOMPARE(history_->record(0)->statusText(), QString("cancelled"));
}

void RunSessionTest::connectionLossBeforeAcceptanceFailsTheRun() {
  submit_reply_ = SubmitReply::kNothing;
  CONNECT();
  QSignalSpy failed(session_.get(), &RunSession::failed);
  QVERIFY(session_->start(pythonJob("")));
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  fake_->closeClient();
  QVERIFY(failed.wait(kTimeoutMs));
  QCOMPARE(failed.at(0).at(0).toString(), QString(kErrorConnectionLost));
  QVERIFY(!session_->isRunning());
  QCOMPARE(history_->record(0)->status, RunRecord::Status::kFailed);
}

// A QCoreApplication: the session needs no widgets (nor a display).
QTEST_GUILESS_MAIN(RunSessionTest)
#include "run_session_test.moc"
