// RunSession against a fake master, with no widget anywhere (a QCoreApplication): a run's
// progress and result, Stop before and after the master names the job, errors, a cancel by
// another client, a lost connection, and what it leaves in the history and the message log.
#include "run_session.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>
#include <memory>

#include "canned_replies.h"
#include "fake_master.h"
#include "history_model.h"
#include "master_connection.h"
#include "message_log.h"
#include "polyrun/job.h"

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
  void liveOutputComesInOrderBeforeTheResult();
  void inputIsSentInOrderAndEndsWithEof();
  void stopInterruptsFirstThenCancels();
  void interruptedRunIsCancelledAfterTheGraceTime();
  void interruptedRunThatEndsIsNotCancelled();
  void masterRefusingTheSignalCancelsAtOnce();
  void requeueRestartsTheOutput();
  void idleInteractiveRunAsksForInput();

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

namespace {

JobRequest liveJob(bool interactive) {
  JobRequest job = pythonJob(interactive ? QString() : QStringLiteral("given\n"));
  job.stream = true;
  job.interactive = interactive;
  return job;
}

using polyrun::OutputStream;

}  // namespace

void RunSessionTest::liveOutputComesInOrderBeforeTheResult() {
  submit_reply_ = SubmitReply::kAcceptOnly;
  CONNECT();
  QStringList order;
  connect(session_.get(), &RunSession::outputReceived, this, [&](const LiveOutput& output) {
    for (const LiveChunk& c : output.chunks)
      order << (c.is_stderr ? "err:" : "out:") + QString::fromUtf8(c.data);
  });
  connect(session_.get(), &RunSession::finished, this, [&] { order << "result"; });
  QVERIFY(session_->start(liveJob(false)));
  QVERIFY(session_->isLive());
  QVERIFY(!session_->isInteractive());
  QVERIFY(!session_->inputOpen());  // stdin came with the job
  QTRY_COMPARE_WITH_TIMEOUT(session_->jobId(), QString("j-000077"), kTimeoutMs);
  const json submit = fake_->receivedOfType("submit").at(0);
  QCOMPARE(submit.at("job").at("stream"), json(true));
  QVERIFY(!submit.at("job").contains("interactive"));
  // Another job's output is not this run's.
  fake_->send(test::outputMessage(submit, "j-000001", {{OutputStream::kStdout, "other"}}));
  fake_->send(test::outputMessage(submit, "j-000077", {{OutputStream::kStdout, "1\n"}}));
  fake_->send(test::outputMessage(
      submit, "j-000077", {{OutputStream::kStderr, "2\n"}, {OutputStream::kStdout, "3\n"}}));
  fake_->send(test::okResult(submit, "j-000077", "1\n3\n"));
  QTRY_COMPARE_WITH_TIMEOUT(order.size(), 4, kTimeoutMs);
  QCOMPARE(order, QStringList({"out:1\n", "err:2\n", "out:3\n", "result"}));
  QVERIFY(!session_->isRunning());
}

void RunSessionTest::inputIsSentInOrderAndEndsWithEof() {
  submit_reply_ = SubmitReply::kNothing;
  CONNECT();
  QSignalSpy input_state(session_.get(), &RunSession::inputStateChanged);
  QVERIFY(session_->start(liveJob(true)));
  QVERIFY(session_->inputOpen());
  QVERIFY(!session_->inputSent());
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  const json submit = fake_->receivedOfType("submit").at(0);
  QCOMPARE(submit.at("job").at("interactive"), json(true));

  // Typed before the master named the job: kept, and sent once it has.
  QVERIFY(session_->sendInput("Ada\n"));
  QVERIFY(session_->inputSent());
  QCOMPARE(fake_->receivedOfType("input").size(), size_t{0});
  fake_->send({{"type", "accepted"}, {"id", submit.at("id")}, {"job_id", "j-000123"}});
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("input").size(), size_t{1}, kTimeoutMs);
  QVERIFY(session_->sendInput("Bob\n"));
  QVERIFY(session_->endInput());
  QVERIFY(!session_->inputOpen());
  QVERIFY(!session_->sendInput("late\n"));  // after the end: refused, nothing sent
  QVERIFY(!session_->endInput());
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("input").size(), size_t{3}, kTimeoutMs);
  const auto inputs = fake_->receivedOfType("input");
  for (const json& m : inputs) QCOMPARE(m.at("job_id"), json("j-000123"));
  QCOMPARE(inputs[0].at("data"), json("Ada\n"));
  QCOMPARE(inputs[1].at("data"), json("Bob\n"));
  QVERIFY(!inputs[1].contains("eof"));
  QCOMPARE(inputs[2].at("data"), json(""));
  QCOMPARE(inputs[2].at("eof"), json(true));
  QVERIFY(input_state.count() >= 2);  // opened at start, closed by endInput()

  // A refused input is said (with the job), and is not the run's failure.
  fake_->send({{"type", "error"},
               {"id", inputs[1].at("id")},
               {"code", "bad_limits"},
               {"message", "stdin over 16 MiB"}});
  QTRY_VERIFY_WITH_TIMEOUT(
      messages_->latest() && messages_->latest()->text.contains("Input not delivered to job "
                                                                "j-000123"),
      kTimeoutMs);
  QVERIFY(session_->isRunning());

  // A non-interactive run takes no input at all.
  session_->cancel();
  QVERIFY(session_->start(liveJob(false)));
  QVERIFY(!session_->inputOpen());
  QVERIFY(!session_->sendInput("x\n"));
}

void RunSessionTest::stopInterruptsFirstThenCancels() {
  submit_reply_ = SubmitReply::kAcceptOnly;
  CONNECT();
  QSignalSpy stopped(session_.get(), &RunSession::stopped);
  QVERIFY(session_->start(liveJob(true)));
  QTRY_VERIFY_WITH_TIMEOUT(session_->steps().contains("running"), kTimeoutMs);

  session_->stop();
  QVERIFY(session_->isRunning());
  QVERIFY(session_->isInterrupting());
  QCOMPARE(stopped.count(), 0);
  QCOMPARE(session_->steps().last(), QString("SIGINT sent"));
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("signal").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("signal")[0].at("signal"), json("SIGINT"));
  QCOMPARE(fake_->receivedOfType("signal")[0].at("job_id"), json("j-000077"));
  QCOMPARE(fake_->receivedOfType("cancel").size(), size_t{0});

  session_->stop();  // the second press
  QVERIFY(!session_->isRunning());
  QVERIFY(!session_->isInterrupting());
  QCOMPARE(stopped.count(), 1);
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cancel").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("signal").size(), size_t{1});
  QCOMPARE(history_->record(0)->status, RunRecord::Status::kStopped);
}

void RunSessionTest::interruptedRunIsCancelledAfterTheGraceTime() {
  submit_reply_ = SubmitReply::kAcceptOnly;
  CONNECT();
  session_->setStopGraceMs(200);
  QSignalSpy stopped(session_.get(), &RunSession::stopped);
  QVERIFY(session_->start(liveJob(false)));
  QTRY_VERIFY_WITH_TIMEOUT(session_->steps().contains("running"), kTimeoutMs);
  QElapsedTimer clock;
  clock.start();
  session_->stop();
  QVERIFY(stopped.wait(kTimeoutMs));  // the program ignored SIGINT
  QVERIFY2(clock.elapsed() >= 190, qPrintable(QString::number(clock.elapsed())));
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cancel").size(), size_t{1}, kTimeoutMs);
  QVERIFY(messages_->latest());
  QVERIFY2(messages_->latest()->text.contains("cancel"), qPrintable(messages_->latest()->text));
}

void RunSessionTest::interruptedRunThatEndsIsNotCancelled() {
  submit_reply_ = SubmitReply::kAcceptOnly;
  CONNECT();
  session_->setStopGraceMs(200);
  QSignalSpy finished(session_.get(), &RunSession::finished);
  QSignalSpy stopped(session_.get(), &RunSession::stopped);
  QVERIFY(session_->start(liveJob(true)));
  QTRY_VERIFY_WITH_TIMEOUT(session_->steps().contains("running"), kTimeoutMs);
  session_->stop();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("signal").size(), size_t{1}, kTimeoutMs);
  // The program dies of it: its result ends the run as any result does.
  json result = test::okResult(fake_->receivedOfType("submit")[0], "j-000077", "partial\n");
  result["result"]["verdict"] = "SIGNALED";
  result["result"]["run"]["verdict"] = "SIGNALED";
  result["result"]["run"]["signal"] = 2;
  fake_->send(result);
  QVERIFY(finished.wait(kTimeoutMs));
  QCOMPARE(finished.at(0).at(0).value<RunOutcome>().verdict, QString("SIGNALED"));
  QVERIFY(!session_->isInterrupting());
  // Past the grace time nothing more happens: no cancel of a job that has ended.
  QVERIFY(!stopped.wait(400));
  QCOMPARE(fake_->receivedOfType("cancel").size(), size_t{0});
}

void RunSessionTest::masterRefusingTheSignalCancelsAtOnce() {
  submit_reply_ = SubmitReply::kAcceptOnly;
  CONNECT();
  fake_->setResponder([](FakeMaster& master, const json& m) {
    const std::string type = m.at("type");
    if (type == "submit") test::acceptAndRun(master, m);
    if (type == "cancel") master.send(test::cancelledReply(m));
    if (type == "signal") {
      master.send({{"type", "error"},
                   {"id", m.at("id")},
                   {"code", "bad_message"},
                   {"message", "job j-000077 is not live"}});
    }
  });
  QSignalSpy stopped(session_.get(), &RunSession::stopped);
  QVERIFY(session_->start(liveJob(true)));
  QTRY_VERIFY_WITH_TIMEOUT(session_->steps().contains("running"), kTimeoutMs);
  session_->stop();
  QVERIFY(stopped.wait(1000));  // well before the 2 s grace
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cancel").size(), size_t{1}, kTimeoutMs);
  QVERIFY(history_->record(0)->status == RunRecord::Status::kStopped);
}

void RunSessionTest::requeueRestartsTheOutput() {
  submit_reply_ = SubmitReply::kNothing;
  CONNECT();
  QSignalSpy restarted(session_.get(), &RunSession::outputRestarted);
  QSignalSpy outputs(session_.get(), &RunSession::outputReceived);
  QVERIFY(session_->start(liveJob(false)));
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  const json submit = fake_->receivedOfType("submit")[0];
  const auto progress = [&](const char* state) {
    fake_->send({{"type", "progress"},
                 {"id", submit.at("id")},
                 {"job_id", "j-000055"},
                 {"state", state},
                 {"slave", "slave-a"}});
  };
  fake_->send({{"type", "accepted"}, {"id", submit.at("id")}, {"job_id", "j-000055"}});
  progress("queued");  // the first queued restarts nothing
  progress("running");
  fake_->send(test::outputMessage(submit, "j-000055", {{OutputStream::kStdout, "half"}}));
  QVERIFY(outputs.wait(kTimeoutMs));
  QCOMPARE(restarted.count(), 0);
  progress("queued");  // its slave was lost
  QVERIFY(restarted.wait(kTimeoutMs));
  QCOMPARE(restarted.count(), 1);
  QVERIFY(session_->isRunning());
}

void RunSessionTest::idleInteractiveRunAsksForInput() {
  submit_reply_ = SubmitReply::kAcceptOnly;  // progress `running` at once
  CONNECT();
  session_->setInputHintDelayMs(100);
  QSignalSpy waiting(session_.get(), &RunSession::waitingForInput);
  QVERIFY(session_->start(liveJob(true)));
  QVERIFY(waiting.wait(kTimeoutMs));
  QCOMPARE(waiting.count(), 1);
  // Once input is sent, the user knows: no hint again.
  QVERIFY(session_->sendInput("x\n"));
  const json submit = fake_->receivedOfType("submit").at(0);
  fake_->send(test::outputMessage(submit, "j-000077", {{OutputStream::kStdout, "? "}}));
  QVERIFY(!waiting.wait(400));
  session_->cancel();

  // A run that is not interactive never asks.
  QVERIFY(session_->start(liveJob(false)));
  QVERIFY(!waiting.wait(400));
  QCOMPARE(waiting.count(), 1);
}

// A QCoreApplication: the session needs no widgets (nor a display).
QTEST_GUILESS_MAIN(RunSessionTest)
#include "run_session_test.moc"
