// MasterConnection against a fake master on loopback: requests on the wire, replies (whole,
// split at odd places, malformed), errors, connection loss and reconnection.
#include "master_connection.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QtTest>
#include <memory>

#include "canned_replies.h"
#include "fake_master.h"
#include "polyrun/job.h"
#include "stall_meter.h"

using nlohmann::json;
using polyrun::gui::ClusterSnapshot;
using polyrun::gui::JobFile;
using polyrun::gui::JobRequest;
using polyrun::gui::MasterConnection;
using polyrun::gui::RunOutcome;
using polyrun::gui::Runtime;
using polyrun::gui::test::FakeMaster;
using polyrun::gui::test::frameBytes;
using polyrun::gui::test::runtimesReply;
using polyrun::gui::test::StallMeter;

namespace {

constexpr int kTimeoutMs = 5000;
// The largest output whose result still fits the master's default 16 MiB frame.
constexpr size_t kBigOutputBytes = (16u << 20) - 4096;

// JSON strings as QString, so a failed QCOMPARE prints both values.
QString qs(const json& j) {
  return j.is_string() ? QString::fromStdString(j.get<std::string>())
                       : QString::fromStdString(j.dump());
}

JobRequest helloJob() {
  JobRequest job;
  job.language = "python";
  job.version = "3";
  job.files << JobFile{"main.py", QByteArray("print(input())\n")};
  job.stdin_text = "hi\n";
  job.args = QStringList{"a", "two words"};
  return job;
}

// A result whose stdout is `bytes` long (many short lines), for the large-frame tests.
json bigResult(const std::string& id, const std::string& job_id, size_t bytes) {
  std::string out;
  out.reserve(bytes);
  // Counted as encoded in JSON, where each "\n" takes two bytes.
  size_t encoded = 0;
  for (int i = 0; encoded + 40 < bytes; ++i) {
    out += "line " + std::to_string(i) + " of output\n";
    encoded = out.size() + size_t(i) + 1;
  }
  json m = {{"type", "result"},
            {"job_id", job_id},
            {"result",
             {{"job_id", job_id},
              {"slave", "slave-a"},
              {"language", "python"},
              {"version", "3.11.2"},
              {"verdict", "OK"},
              {"run", {{"verdict", "OK"}, {"stdout", out}, {"exit_code", 0}}}}}};
  if (!id.empty()) m["id"] = id;
  return m;
}

json resultMessage(const std::string& id, const std::string& job_id) {
  return {{"type", "result"},
          {"id", id},
          {"job_id", job_id},
          {"result",
           {{"job_id", job_id},
            {"slave", "slave-a"},
            {"language", "c"},
            {"version", "12.2.0"},
            {"verdict", "RUNTIME_ERROR"},
            {"message", "exited with code 3"},
            {"queue_ms", 7},
            {"total_ms", 140},
            {"compile",
             {{"verdict", "OK"},
              {"stdout", ""},
              {"stderr", "warning: unused"},
              {"exit_code", 0},
              {"cpu_ms", 90},
              {"wall_ms", 95},
              {"memory_bytes", 30000000}}},
            {"run",
             {{"verdict", "RUNTIME_ERROR"},
              {"stdout", "hi\n"},
              {"stderr", "oops\n"},
              {"stdout_truncated", false},
              {"stderr_truncated", true},
              {"exit_code", 3},
              {"signal", 0},
              {"cpu_ms", 12},
              {"wall_ms", 14},
              {"memory_bytes", 9175040},
              {"message", "exited with code 3"}}}}}};
}

}  // namespace

class MasterConnectionTest : public QObject {
  Q_OBJECT

 private slots:
  void init();
  void cleanup();

  void connectEmitsConnectedAndState();
  void submitSendsSubmitFrame();
  void repliesInOneChunkGiveSignalsInOrder();
  void repliesSplitAtOddPlacesGiveTheRightSignals();
  void errorFrameGivesErrorReceived();
  void runtimesReplyGivesRuntimes();
  void clusterReplyGivesSnapshot();
  void pollsAreCoalescedWhileUnanswered();
  void unknownMessageTypeIsIgnored();
  void unreadableResultGivesBadReply();
  void malformedFrameDropsConnectionAndReconnects_data();
  void malformedFrameDropsConnectionAndReconnects();
  void masterClosingGivesDisconnectedThenReconnects();
  void unacceptedSubmitFailsWhenConnectionIsLost();
  void acceptedJobIsLookedUpAfterReconnecting();
  void detachedJobEndsWithTheLookupsAnswer_data();
  void detachedJobEndsWithTheLookupsAnswer();
  void cancelWhileReconnectingIsSentOnceConnected();
  void switchingMastersAbandonsDetachedJobs();
  void submitWhileDisconnectedFails();
  void retriesUntilTheMasterListens();
  void disconnectFromMasterStopsReconnecting();
  void setAddressThenReconnectNowConnects();
  void cancelSendsCancelAndReportsCancelled();
  void cancelRefusedByTheMasterNamesTheCancelRequest();
  void cancelWhileDisconnectedSendsNothing();
  void liveJobIsSubmittedWithStreamAndInteractive();
  void outputMessagesGiveJobOutputInOrder();
  void unreadableOutputGivesBadReply();
  void inputAndSignalFramesFollowTheProtocol();
  void inputAndSignalWhileDisconnectedSendNothing();
  void floodOfSmallFramesIsDeliveredOverSeveralTurns();
  void largeResultIsDecodedOffTheGuiThreadInOrder();
  void frameDecodedForAnEndedConnectionIsDropped();
  void tokenIsSentFirstOnEveryConnection();
  void refusedTokenStopsReconnecting();

 private:
  // Connects the client to the fake and waits until both ends see the connection.
  void connectToFake();

  std::unique_ptr<FakeMaster> fake_;
  std::unique_ptr<MasterConnection> connection_;
};

#define CONNECT_TO_FAKE()                   \
  do {                                      \
    connectToFake();                        \
    if (QTest::currentTestFailed()) return; \
  } while (false)

void MasterConnectionTest::init() {
  fake_ = std::make_unique<FakeMaster>();
  QVERIFY(fake_->listen());
  connection_ = std::make_unique<MasterConnection>();
  // Fast retries keep the reconnect tests short; the logic is the same at any scale.
  connection_->setReconnectBackoff(20, 200);
}

void MasterConnectionTest::cleanup() {
  connection_.reset();
  fake_.reset();
}

void MasterConnectionTest::connectToFake() {
  QSignalSpy connected(connection_.get(), &MasterConnection::connected);
  connection_->connectToMaster("127.0.0.1", fake_->port());
  QVERIFY(connected.wait(kTimeoutMs));
  QTRY_VERIFY_WITH_TIMEOUT(fake_->hasClient(), kTimeoutMs);
}

void MasterConnectionTest::connectEmitsConnectedAndState() {
  QSignalSpy states(connection_.get(), &MasterConnection::stateChanged);
  QCOMPARE(connection_->state(), MasterConnection::State::kDisconnected);
  CONNECT_TO_FAKE();
  QVERIFY(connection_->isConnected());
  QCOMPARE(fake_->connectionCount(), 1);
  QCOMPARE(states.count(), 2);
  QCOMPARE(states.at(0).at(0).value<MasterConnection::State>(),
           MasterConnection::State::kConnecting);
  QCOMPARE(states.at(1).at(0).value<MasterConnection::State>(),
           MasterConnection::State::kConnected);
  QVERIFY(connection_->stateText().contains(QString::number(fake_->port())));
}

void MasterConnectionTest::submitSendsSubmitFrame() {
  CONNECT_TO_FAKE();
  const QString id = connection_->submit(helloJob());
  QVERIFY(!id.isEmpty());
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);

  const json m = fake_->receivedOfType("submit").front();
  QCOMPARE(qs(m.at("type")), QString("submit"));
  QCOMPARE(QString::fromStdString(m.at("id").get<std::string>()), id);
  const json& job = m.at("job");
  QCOMPARE(qs(job.at("language")), QString("python"));
  QCOMPARE(qs(job.at("version")), QString("3"));
  QCOMPARE(job.at("files").size(), size_t{1});
  QCOMPARE(qs(job.at("files")[0].at("name")), QString("main.py"));
  QCOMPARE(qs(job.at("files")[0].at("content")), QString("print(input())\n"));
  QCOMPARE(qs(job.at("files")[0].at("encoding")), QString("utf8"));
  QCOMPARE(qs(job.at("stdin")), QString("hi\n"));
  QCOMPARE(job.at("args"), json({"a", "two words"}));

  // A second submit gets a new id.
  const QString second = connection_->submit(helloJob());
  QVERIFY(second != id);
}

void MasterConnectionTest::repliesInOneChunkGiveSignalsInOrder() {
  CONNECT_TO_FAKE();
  QSignalSpy accepted(connection_.get(), &MasterConnection::jobAccepted);
  QSignalSpy progress(connection_.get(), &MasterConnection::jobProgress);
  QSignalSpy finished(connection_.get(), &MasterConnection::jobFinished);
  const QString id = connection_->submit(helloJob());
  const std::string sid = id.toStdString();

  fake_->sendBytes(
      frameBytes({{"type", "accepted"}, {"id", sid}, {"job_id", "j-1"}}) +
      frameBytes({{"type", "progress"}, {"id", sid}, {"job_id", "j-1"}, {"state", "queued"}}) +
      frameBytes({{"type", "progress"},
                  {"id", sid},
                  {"job_id", "j-1"},
                  {"state", "assigned"},
                  {"slave", "slave-a"}}) +
      frameBytes(resultMessage(sid, "j-1")));
  QVERIFY(finished.wait(kTimeoutMs));
  QCOMPARE(accepted.count(), 1);
  QCOMPARE(accepted.at(0).at(0).toString(), id);
  QCOMPARE(accepted.at(0).at(1).toString(), QString("j-1"));
  QCOMPARE(progress.count(), 2);
  QCOMPARE(progress.at(0).at(1).toString(), QString("queued"));
  QCOMPARE(progress.at(1).at(1).toString(), QString("assigned"));
  QCOMPARE(progress.at(1).at(2).toString(), QString("slave-a"));
}

void MasterConnectionTest::repliesSplitAtOddPlacesGiveTheRightSignals() {
  CONNECT_TO_FAKE();
  QSignalSpy accepted(connection_.get(), &MasterConnection::jobAccepted);
  QSignalSpy progress(connection_.get(), &MasterConnection::jobProgress);
  QSignalSpy finished(connection_.get(), &MasterConnection::jobFinished);
  const QString id = connection_->submit(helloJob());
  const std::string sid = id.toStdString();

  const QList<QByteArray> frames = {
      frameBytes({{"type", "accepted"}, {"id", sid}, {"job_id", "j-7"}}),
      frameBytes({{"type", "progress"}, {"id", sid}, {"job_id", "j-7"}, {"state", "queued"}}),
      frameBytes({{"type", "progress"},
                  {"id", sid},
                  {"job_id", "j-7"},
                  {"state", "assigned"},
                  {"slave", "slave-a"}}),
      frameBytes({{"type", "progress"},
                  {"id", sid},
                  {"job_id", "j-7"},
                  {"state", "running"},
                  {"slave", "slave-a"}}),
      frameBytes(resultMessage(sid, "j-7")),
  };
  QByteArray all;
  QList<qsizetype> starts;
  for (const QByteArray& f : frames) {
    starts << all.size();
    all += f;
  }
  // Every chunk completes one frame and ends inside the next one: in its length header (2 bytes,
  // then 1 byte of it) or in its payload. The client cannot have seen a chunk before it is sent,
  // so each wait proves that an incomplete tail was kept and completed by the next read.
  const QList<qsizetype> cuts = {starts[1] + 2, starts[2] + 4 + 3, starts[3] + 1,
                                 starts[4] + 4 + frames[4].size() / 2, all.size()};
  qsizetype from = 0;
  auto sendUpTo = [&](qsizetype to) {
    fake_->sendBytes(all.mid(from, to - from));
    from = to;
  };

  sendUpTo(cuts[0]);
  QVERIFY(accepted.wait(kTimeoutMs));
  QCOMPARE(accepted.at(0).at(1).toString(), QString("j-7"));
  QCOMPARE(progress.count(), 0);

  sendUpTo(cuts[1]);
  QTRY_COMPARE_WITH_TIMEOUT(progress.count(), 1, kTimeoutMs);
  QCOMPARE(progress.at(0).at(0).toString(), QString("j-7"));
  QCOMPARE(progress.at(0).at(1).toString(), QString("queued"));
  QCOMPARE(progress.at(0).at(2).toString(), QString());

  sendUpTo(cuts[2]);
  QTRY_COMPARE_WITH_TIMEOUT(progress.count(), 2, kTimeoutMs);
  QCOMPARE(progress.at(1).at(1).toString(), QString("assigned"));
  QCOMPARE(progress.at(1).at(2).toString(), QString("slave-a"));

  sendUpTo(cuts[3]);
  QTRY_COMPARE_WITH_TIMEOUT(progress.count(), 3, kTimeoutMs);
  QCOMPARE(progress.at(2).at(1).toString(), QString("running"));
  QCOMPARE(finished.count(), 0);

  sendUpTo(cuts[4]);
  QVERIFY(finished.wait(kTimeoutMs));
  QCOMPARE(finished.count(), 1);
  QCOMPARE(finished.at(0).at(0).toString(), QString("j-7"));
  const auto outcome = finished.at(0).at(1).value<RunOutcome>();
  QCOMPARE(outcome.job_id, QString("j-7"));
  QCOMPARE(outcome.verdict, QString("RUNTIME_ERROR"));
  QCOMPARE(outcome.slave, QString("slave-a"));
  QCOMPARE(outcome.language, QString("c"));
  QCOMPARE(outcome.version, QString("12.2.0"));
  QCOMPARE(outcome.message, QString("exited with code 3"));
  QCOMPARE(outcome.queue_ms, 7);
  QCOMPARE(outcome.total_ms, 140);
  QVERIFY(outcome.compile.has_value());
  QCOMPARE(outcome.compile->verdict, QString("OK"));
  QCOMPARE(outcome.compile->stderr_text, QString("warning: unused"));
  QCOMPARE(outcome.compile->cpu_ms, 90);
  QVERIFY(outcome.run.has_value());
  QCOMPARE(outcome.run->stdout_text, QString("hi\n"));
  QCOMPARE(outcome.run->stderr_text, QString("oops\n"));
  QVERIFY(!outcome.run->stdout_truncated);
  QVERIFY(outcome.run->stderr_truncated);
  QCOMPARE(outcome.run->exit_code, 3);
  QCOMPARE(outcome.run->cpu_ms, 12);
  QCOMPARE(outcome.run->wall_ms, 14);
  QCOMPARE(outcome.run->memory_bytes, 9175040);
  QVERIFY(connection_->isConnected());
}

void MasterConnectionTest::errorFrameGivesErrorReceived() {
  CONNECT_TO_FAKE();
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  const QString id = connection_->submit(helloJob());
  fake_->send({{"type", "error"},
               {"id", id.toStdString()},
               {"code", "unknown_language"},
               {"message", "no slave offers language \"cobol\""}});
  QVERIFY(errors.wait(kTimeoutMs));
  QCOMPARE(errors.at(0).at(0).toString(), id);
  QCOMPARE(errors.at(0).at(1).toString(), QString("unknown_language"));
  QCOMPARE(errors.at(0).at(2).toString(), QString("no slave offers language \"cobol\""));
  QVERIFY(connection_->isConnected());  // only bad_frame and unauthorized end a connection

  // An error with a numeric id (the protocol allows numbers) still names the request.
  fake_->send({{"type", "error"}, {"id", 42}, {"code", "queue_full"}, {"message", "busy"}});
  QVERIFY(errors.wait(kTimeoutMs));
  QCOMPARE(errors.at(1).at(0).toString(), QString("42"));
}

void MasterConnectionTest::runtimesReplyGivesRuntimes() {
  CONNECT_TO_FAKE();
  QSignalSpy runtimes(connection_.get(), &MasterConnection::runtimesChanged);
  const QString id = connection_->requestRuntimes();
  QVERIFY(!id.isEmpty());
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("runtimes").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(qs(fake_->receivedOfType("runtimes").front().at("id")), id);

  // The canned python and c, and an entry without a language, which is skipped.
  json reply = runtimesReply(fake_->receivedOfType("runtimes").front());
  reply["runtimes"].push_back({{"version", "no language: skipped"}});
  fake_->send(reply);
  QVERIFY(runtimes.wait(kTimeoutMs));
  const auto list = runtimes.at(0).at(0).value<QList<Runtime>>();
  QCOMPARE(list.size(), 2);
  QCOMPARE(list[0].language, QString("python"));
  QCOMPARE(list[0].version, QString("3.11.2"));
  QCOMPARE(list[0].aliases, QStringList({"py", "python3"}));
  QCOMPARE(list[0].extensions, QStringList({".py"}));
  QCOMPARE(list[0].compiled, false);
  QCOMPARE(list[0].slaves, 2);
  QCOMPARE(list[1].language, QString("c"));
  QCOMPARE(list[1].compiled, true);
}

void MasterConnectionTest::clusterReplyGivesSnapshot() {
  CONNECT_TO_FAKE();
  QSignalSpy snapshots(connection_.get(), &MasterConnection::clusterSnapshot);
  const QString id = connection_->requestCluster();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cluster").size(), size_t{1}, kTimeoutMs);
  fake_->send({{"type", "cluster"},
               {"id", id.toStdString()},
               {"uptime_ms", 81234},
               {"slaves",
                {{{"id", 1},
                  {"name", "slave-a"},
                  {"address", "127.0.0.1:50122"},
                  {"state", "ready"},
                  {"running", 1},
                  {"capacity", 2},
                  {"load", {{"load_avg", 0.4}, {"memory_free_bytes", 2.1e10}}},
                  {"languages", {{{"language", "python"}, {"version", "3.11.2"}}}},
                  {"last_heartbeat_ms", 120}}}},
               {"queues", {{"python", 3}}},
               {"counters", {{"submitted", 12}, {"completed", 11}, {"by_verdict", {{"OK", 10}}}}}});
  QVERIFY(snapshots.wait(kTimeoutMs));
  const auto snapshot = snapshots.at(0).at(0).value<ClusterSnapshot>();
  QCOMPARE(snapshot.uptime_ms, 81234);
  QCOMPARE(snapshot.slaves.size(), 1);
  QCOMPARE(snapshot.slaves[0].name, QString("slave-a"));
  QCOMPARE(snapshot.slaves[0].running, 1);
  QCOMPARE(snapshot.slaves[0].capacity, 2);
  QCOMPARE(snapshot.slaves[0].load_avg, 0.4);
  QCOMPARE(snapshot.slaves[0].languages, QStringList({"python 3.11.2"}));
  QCOMPARE(snapshot.queues.value("python"), 3);
  QCOMPARE(snapshot.submitted, 12);
  QCOMPARE(snapshot.by_verdict.value("OK"), 10);
}

void MasterConnectionTest::pollsAreCoalescedWhileUnanswered() {
  CONNECT_TO_FAKE();
  const QString first = connection_->requestCluster();
  QCOMPARE(connection_->requestCluster(), first);
  QCOMPARE(connection_->requestCluster(), first);
  // Frames arrive in order: once the runtimes request is in, any extra cluster request would be.
  connection_->requestRuntimes();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("runtimes").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("cluster").size(), size_t{1});

  // Once answered, the next poll is a new request.
  QSignalSpy snapshots(connection_.get(), &MasterConnection::clusterSnapshot);
  fake_->send({{"type", "cluster"}, {"id", first.toStdString()}, {"slaves", json::array()}});
  QVERIFY(snapshots.wait(kTimeoutMs));
  const QString second = connection_->requestCluster();
  QVERIFY(second != first);
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cluster").size(), size_t{2}, kTimeoutMs);
}

void MasterConnectionTest::unknownMessageTypeIsIgnored() {
  CONNECT_TO_FAKE();
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  QSignalSpy disconnected(connection_.get(), &MasterConnection::disconnected);
  QSignalSpy accepted(connection_.get(), &MasterConnection::jobAccepted);
  const QString id = connection_->submit(helloJob());
  // A message from a newer master, then a known one: the second must still get through.
  fake_->sendBytes(frameBytes({{"type", "announcement"}, {"text", "hello"}}) +
                   frameBytes({{"type", "accepted"}, {"id", id.toStdString()}, {"job_id", "j-2"}}));
  QVERIFY(accepted.wait(kTimeoutMs));
  QCOMPARE(errors.count(), 0);
  QCOMPARE(disconnected.count(), 0);
}

void MasterConnectionTest::unreadableResultGivesBadReply() {
  CONNECT_TO_FAKE();
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  QSignalSpy finished(connection_.get(), &MasterConnection::jobFinished);
  const QString id = connection_->submit(helloJob());
  const std::string sid = id.toStdString();
  fake_->send({{"type", "accepted"}, {"id", sid}, {"job_id", "j-3"}});
  fake_->send(
      {{"type", "result"}, {"id", sid}, {"job_id", "j-3"}, {"result", {{"verdict", "MAYBE"}}}});
  QVERIFY(errors.wait(kTimeoutMs));
  QCOMPARE(errors.at(0).at(0).toString(), id);
  QCOMPARE(errors.at(0).at(1).toString(), QString(polyrun::gui::kErrorBadReply));
  QVERIFY(errors.at(0).at(2).toString().contains("MAYBE"));
  QCOMPARE(finished.count(), 0);
  QVERIFY(connection_->isConnected());
}

void MasterConnectionTest::malformedFrameDropsConnectionAndReconnects_data() {
  QTest::addColumn<QByteArray>("bytes");
  const auto header = [](quint32 n) {
    QByteArray h(4, '\0');
    h[0] = char((n >> 24) & 0xff);
    h[1] = char((n >> 16) & 0xff);
    h[2] = char((n >> 8) & 0xff);
    h[3] = char(n & 0xff);
    return h;
  };
  const auto frame = [&](const QByteArray& payload) {
    return header(quint32(payload.size())) + payload;
  };
  QTest::newRow("zero length") << header(0);
  QTest::newRow("over the frame limit") << header(0x7fffffff);
  QTest::newRow("not JSON") << frame("{\"type\": \"accepted\"");
  QTest::newRow("not an object") << frame("[1, 2, 3]");
  QTest::newRow("no type") << frame("{\"id\": \"1\"}");
  QTest::newRow("empty type") << frame("{\"type\": \"\"}");
}

void MasterConnectionTest::malformedFrameDropsConnectionAndReconnects() {
  QFETCH(QByteArray, bytes);
  CONNECT_TO_FAKE();
  QSignalSpy disconnected(connection_.get(), &MasterConnection::disconnected);
  QSignalSpy connected(connection_.get(), &MasterConnection::connected);
  fake_->sendBytes(bytes);
  QVERIFY(disconnected.wait(kTimeoutMs));
  QVERIFY2(disconnected.at(0).at(0).toString().contains("malformed"),
           qPrintable(disconnected.at(0).at(0).toString()));
  // A fresh connection starts a fresh byte stream and works again.
  QTRY_COMPARE_WITH_TIMEOUT(fake_->connectionCount(), 2, kTimeoutMs);
  QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, kTimeoutMs);
  QSignalSpy accepted(connection_.get(), &MasterConnection::jobAccepted);
  const QString id = connection_->submit(helloJob());
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  fake_->send({{"type", "accepted"}, {"id", id.toStdString()}, {"job_id", "j-9"}});
  QVERIFY(accepted.wait(kTimeoutMs));
}

void MasterConnectionTest::masterClosingGivesDisconnectedThenReconnects() {
  CONNECT_TO_FAKE();
  QSignalSpy disconnected(connection_.get(), &MasterConnection::disconnected);
  QSignalSpy connected(connection_.get(), &MasterConnection::connected);
  fake_->closeClient();
  QVERIFY(disconnected.wait(kTimeoutMs));
  QCOMPARE(disconnected.count(), 1);  // one loss, one signal, however many socket signals
  QVERIFY(!disconnected.at(0).at(0).toString().isEmpty());
  QVERIFY(!connection_->isConnected());
  QTRY_COMPARE_WITH_TIMEOUT(fake_->connectionCount(), 2, kTimeoutMs);
  QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, kTimeoutMs);
  QVERIFY(connection_->isConnected());
  QVERIFY(connection_->lastError().isEmpty());
  QCOMPARE(disconnected.count(), 1);
}

void MasterConnectionTest::unacceptedSubmitFailsWhenConnectionIsLost() {
  CONNECT_TO_FAKE();
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  const QString id = connection_->submit(helloJob());
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  fake_->closeClient();  // before `accepted`: the master may or may not have the job
  QVERIFY(errors.wait(kTimeoutMs));
  QCOMPARE(errors.count(), 1);
  QCOMPARE(errors.at(0).at(0).toString(), id);
  QCOMPARE(errors.at(0).at(1).toString(), QString(polyrun::gui::kErrorConnectionLost));
  // Reconnected, nothing is looked up for it.
  QTRY_VERIFY_WITH_TIMEOUT(connection_->isConnected(), kTimeoutMs);
  connection_->requestRuntimes();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("runtimes").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("job").size(), size_t{0});
}

void MasterConnectionTest::acceptedJobIsLookedUpAfterReconnecting() {
  CONNECT_TO_FAKE();
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  QSignalSpy detached(connection_.get(), &MasterConnection::jobDetached);
  QSignalSpy finished(connection_.get(), &MasterConnection::jobFinished);
  const QString id = connection_->submit(helloJob());
  const std::string sid = id.toStdString();
  QSignalSpy accepted(connection_.get(), &MasterConnection::jobAccepted);
  fake_->send({{"type", "accepted"}, {"id", sid}, {"job_id", "j-4"}});
  QVERIFY(accepted.wait(kTimeoutMs));
  fake_->setResponder([](FakeMaster& master, const json& m) {
    if (m.at("type") != "job") return;
    // As the master answers a `job` lookup of a finished job.
    json reply = resultMessage("", "j-4");
    reply["type"] = "job";
    reply["id"] = m.at("id");
    reply["state"] = "finished";
    master.send(reply);
  });
  fake_->closeClient();
  QVERIFY(detached.wait(kTimeoutMs));
  QCOMPARE(detached.at(0).at(0).toString(), id);
  QCOMPARE(detached.at(0).at(1).toString(), QString("j-4"));
  QCOMPARE(errors.count(), 0);  // the job is not lost

  // Once reconnected the connection asks for the job and delivers its result.
  QVERIFY(finished.wait(kTimeoutMs));
  const json lookup = fake_->receivedOfType("job").front();
  QCOMPARE(qs(lookup.at("job_id")), QString("j-4"));
  QCOMPARE(lookup.at("wait"), json(true));
  QCOMPARE(finished.at(0).at(0).toString(), QString("j-4"));
  const auto outcome = finished.at(0).at(1).value<RunOutcome>();
  QCOMPARE(outcome.verdict, QString("RUNTIME_ERROR"));
  QCOMPARE(outcome.run->stdout_text, QString("hi\n"));
  QCOMPARE(errors.count(), 0);

  // Once delivered, a further reconnection asks nothing more.
  fake_->closeClient();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->connectionCount(), 3, kTimeoutMs);
  QTRY_VERIFY_WITH_TIMEOUT(connection_->isConnected(), kTimeoutMs);
  connection_->requestRuntimes();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("runtimes").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("job").size(), size_t{1});
}

void MasterConnectionTest::detachedJobEndsWithTheLookupsAnswer_data() {
  QTest::addColumn<QString>("answer");
  QTest::newRow("cancelled meanwhile") << "cancelled";
  QTest::newRow("unknown to the master") << "unknown_job";
}

void MasterConnectionTest::detachedJobEndsWithTheLookupsAnswer() {
  QFETCH(QString, answer);
  CONNECT_TO_FAKE();
  const QString id = connection_->submit(helloJob());
  QSignalSpy accepted(connection_.get(), &MasterConnection::jobAccepted);
  fake_->send({{"type", "accepted"}, {"id", id.toStdString()}, {"job_id", "j-8"}});
  QVERIFY(accepted.wait(kTimeoutMs));
  fake_->setResponder([answer](FakeMaster& master, const json& m) {
    if (m.at("type") != "job") return;
    if (answer == "cancelled") {
      master.send({{"type", "job"}, {"id", m.at("id")}, {"job_id", "j-8"}, {"state", "cancelled"}});
    } else {
      master.send({{"type", "error"},
                   {"id", m.at("id")},
                   {"code", "unknown_job"},
                   {"message", "no job \"j-8\" on this master"}});
    }
  });
  QSignalSpy cancelled(connection_.get(), &MasterConnection::jobCancelled);
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  fake_->closeClient();
  if (answer == "cancelled") {
    QVERIFY(cancelled.wait(kTimeoutMs));
    QCOMPARE(cancelled.at(0).at(0).toString(), id);  // reported against the submit
    QCOMPARE(cancelled.at(0).at(1).toString(), QString("j-8"));
  } else {
    QVERIFY(errors.wait(kTimeoutMs));
    QCOMPARE(errors.at(0).at(0).toString(), id);
    QCOMPARE(errors.at(0).at(1).toString(), QString("unknown_job"));
  }
  QVERIFY(connection_->isConnected());
}

void MasterConnectionTest::cancelWhileReconnectingIsSentOnceConnected() {
  CONNECT_TO_FAKE();
  const QString id = connection_->submit(helloJob());
  QSignalSpy accepted(connection_.get(), &MasterConnection::jobAccepted);
  fake_->send({{"type", "accepted"}, {"id", id.toStdString()}, {"job_id", "j-10"}});
  QVERIFY(accepted.wait(kTimeoutMs));
  QSignalSpy detached(connection_.get(), &MasterConnection::jobDetached);
  connection_->setReconnectBackoff(300, 300);  // time to cancel between the two connections
  fake_->closeClient();
  QVERIFY(detached.wait(kTimeoutMs));
  QVERIFY(!connection_->isConnected());
  const QString cancel_id = connection_->cancel("j-10");
  QVERIFY(!cancel_id.isEmpty());
  QVERIFY(connection_->cancel("j-unknown").isEmpty());  // nothing to send it for
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cancel").size(), size_t{1}, kTimeoutMs);
  const json cancel = fake_->receivedOfType("cancel").front();
  QCOMPARE(qs(cancel.at("id")), cancel_id);
  QCOMPARE(qs(cancel.at("job_id")), QString("j-10"));
  // The cancelled job is not looked up as well.
  QCOMPARE(fake_->receivedOfType("job").size(), size_t{0});
}

void MasterConnectionTest::switchingMastersAbandonsDetachedJobs() {
  CONNECT_TO_FAKE();
  const QString id = connection_->submit(helloJob());
  QSignalSpy accepted(connection_.get(), &MasterConnection::jobAccepted);
  fake_->send({{"type", "accepted"}, {"id", id.toStdString()}, {"job_id", "j-11"}});
  QVERIFY(accepted.wait(kTimeoutMs));
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  QSignalSpy detached(connection_.get(), &MasterConnection::jobDetached);
  FakeMaster other;
  QVERIFY(other.listen());
  connection_->connectToMaster("127.0.0.1", other.port());
  // The other master never heard of j-11: the job is over for this client, said at once.
  QCOMPARE(detached.count(), 0);
  QCOMPARE(errors.count(), 1);
  QCOMPARE(errors.at(0).at(0).toString(), id);
  QCOMPARE(errors.at(0).at(1).toString(), QString(polyrun::gui::kErrorConnectionLost));
  QTRY_VERIFY_WITH_TIMEOUT(connection_->isConnected() && other.hasClient(), kTimeoutMs);
  connection_->requestRuntimes();
  QTRY_COMPARE_WITH_TIMEOUT(other.receivedOfType("runtimes").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(other.receivedOfType("job").size(), size_t{0});
}

void MasterConnectionTest::submitWhileDisconnectedFails() {
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  const QString id = connection_->submit(helloJob());
  QVERIFY(!id.isEmpty());
  QCOMPARE(errors.count(), 0);  // reported from the event loop, after submit() returned
  QVERIFY(errors.wait(kTimeoutMs));
  QCOMPARE(errors.at(0).at(0).toString(), id);
  QCOMPARE(errors.at(0).at(1).toString(), QString(polyrun::gui::kErrorNotConnected));
  QVERIFY(connection_->requestRuntimes().isEmpty());
  QVERIFY(connection_->requestCluster().isEmpty());
}

void MasterConnectionTest::retriesUntilTheMasterListens() {
  // A port that was free a moment ago: nobody listens there now.
  const quint16 port = fake_->port();
  fake_->stopListening();
  QSignalSpy disconnected(connection_.get(), &MasterConnection::disconnected);
  QSignalSpy connected(connection_.get(), &MasterConnection::connected);
  connection_->connectToMaster("127.0.0.1", port);
  QTRY_VERIFY_WITH_TIMEOUT(disconnected.count() >= 3, kTimeoutMs);  // refused, retried, refused...
  QVERIFY(!connection_->lastError().isEmpty());
  QVERIFY(connection_->state() == MasterConnection::State::kWaitingToReconnect ||
          connection_->state() == MasterConnection::State::kConnecting);

  QVERIFY(fake_->listen(port));
  QVERIFY(connected.wait(kTimeoutMs));
  QTRY_VERIFY_WITH_TIMEOUT(fake_->hasClient(), kTimeoutMs);
}

void MasterConnectionTest::disconnectFromMasterStopsReconnecting() {
  CONNECT_TO_FAKE();
  QSignalSpy disconnected(connection_.get(), &MasterConnection::disconnected);
  connection_->disconnectFromMaster();
  QCOMPARE(disconnected.count(), 1);
  QCOMPARE(connection_->state(), MasterConnection::State::kDisconnected);
  QCOMPARE(connection_->reconnectDelayMs(), 0);
  QTRY_VERIFY_WITH_TIMEOUT(!fake_->hasClient(), kTimeoutMs);
  QCOMPARE(fake_->connectionCount(), 1);

  // reconnectNow() brings it back on request.
  QSignalSpy connected(connection_.get(), &MasterConnection::connected);
  connection_->reconnectNow();
  QVERIFY(connected.wait(kTimeoutMs));
  QTRY_COMPARE_WITH_TIMEOUT(fake_->connectionCount(), 2, kTimeoutMs);
}

void MasterConnectionTest::setAddressThenReconnectNowConnects() {
  QSignalSpy connected(connection_.get(), &MasterConnection::connected);
  connection_->setAddress("127.0.0.1", fake_->port());
  QCOMPARE(connection_->state(), MasterConnection::State::kDisconnected);
  QCOMPARE(connection_->port(), fake_->port());
  connection_->reconnectNow();
  QVERIFY(connected.wait(kTimeoutMs));
}

void MasterConnectionTest::cancelSendsCancelAndReportsCancelled() {
  CONNECT_TO_FAKE();
  QSignalSpy cancelled(connection_.get(), &MasterConnection::jobCancelled);
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  QSignalSpy accepted(connection_.get(), &MasterConnection::jobAccepted);
  const QString submit_id = connection_->submit(helloJob());
  fake_->send({{"type", "accepted"}, {"id", submit_id.toStdString()}, {"job_id", "j-5"}});
  QVERIFY(accepted.wait(kTimeoutMs));

  const QString id = connection_->cancel("j-5");
  QVERIFY(!id.isEmpty());
  QVERIFY(id != submit_id);
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cancel").size(), size_t{1}, kTimeoutMs);
  const json m = fake_->receivedOfType("cancel").front();
  QCOMPARE(qs(m.at("id")), id);
  QCOMPARE(qs(m.at("job_id")), QString("j-5"));

  fake_->send({{"type", "cancelled"}, {"id", id.toStdString()}, {"job_id", "j-5"}});
  QVERIFY(cancelled.wait(kTimeoutMs));
  QCOMPARE(cancelled.at(0).at(0).toString(), id);
  QCOMPARE(cancelled.at(0).at(1).toString(), QString("j-5"));
  // The cancelled job's submit is over: losing the connection now fails nothing.
  fake_->closeClient();
  QSignalSpy disconnected(connection_.get(), &MasterConnection::disconnected);
  QVERIFY(disconnected.wait(kTimeoutMs));
  QCOMPARE(errors.count(), 0);
}

void MasterConnectionTest::cancelRefusedByTheMasterNamesTheCancelRequest() {
  CONNECT_TO_FAKE();
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  const QString id = connection_->cancel("j-6");
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cancel").size(), size_t{1}, kTimeoutMs);
  fake_->send({{"type", "error"},
               {"id", id.toStdString()},
               {"code", "unknown_type"},
               {"message", "unknown message type \"cancel\""}});
  QVERIFY(errors.wait(kTimeoutMs));
  QCOMPARE(errors.at(0).at(0).toString(), id);
  QCOMPARE(errors.at(0).at(1).toString(), QString("unknown_type"));
  QVERIFY(connection_->isConnected());
}

void MasterConnectionTest::cancelWhileDisconnectedSendsNothing() {
  QVERIFY(connection_->cancel("j-1").isEmpty());
  CONNECT_TO_FAKE();
  QVERIFY(connection_->cancel(QString()).isEmpty());
}

void MasterConnectionTest::liveJobIsSubmittedWithStreamAndInteractive() {
  CONNECT_TO_FAKE();
  JobRequest job = helloJob();
  job.stream = true;
  job.interactive = true;
  connection_->submit(job);
  connection_->submit(helloJob());
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{2}, kTimeoutMs);
  const json live = fake_->receivedOfType("submit")[0].at("job");
  QCOMPARE(live.at("stream"), json(true));
  QCOMPARE(live.at("interactive"), json(true));
  const json plain = fake_->receivedOfType("submit")[1].at("job");
  QVERIFY(!plain.contains("stream") && !plain.contains("interactive"));  // as before
}

void MasterConnectionTest::outputMessagesGiveJobOutputInOrder() {
  using polyrun::gui::LiveChunk;
  using polyrun::gui::LiveOutput;
  CONNECT_TO_FAKE();
  connection_->submit(helloJob());
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  const json submit = fake_->receivedOfType("submit")[0];
  QList<QString> order;
  connect(connection_.get(), &MasterConnection::jobOutput, this,
          [&](const QString& job, const LiveOutput&) { order << "output " + job; });
  connect(connection_.get(), &MasterConnection::jobFinished, this,
          [&](const QString& job) { order << "result " + job; });
  QSignalSpy outputs(connection_.get(), &MasterConnection::jobOutput);
  const std::string not_utf8("\xff\xfe\x00z", 4);
  fake_->send({{"type", "accepted"}, {"id", submit.at("id")}, {"job_id", "j-7"}});
  fake_->send(polyrun::gui::test::outputMessage(
      submit, "j-7",
      {{polyrun::OutputStream::kStdout, "name? "}, {polyrun::OutputStream::kStderr, "warn\n"}}));
  fake_->send(polyrun::gui::test::outputMessage(
      submit, "j-7", {{polyrun::OutputStream::kStdout, not_utf8}}, /*dropped=*/4096));
  fake_->send(polyrun::gui::test::okResult(submit, "j-7", "name? "));
  QTRY_COMPARE_WITH_TIMEOUT(order.size(), 3, kTimeoutMs);
  QCOMPARE(order, QList<QString>({"output j-7", "output j-7", "result j-7"}));
  const auto first = outputs.at(0).at(1).value<LiveOutput>();
  QCOMPARE(first.chunks, QList<LiveChunk>({{false, "name? "}, {true, "warn\n"}}));
  QCOMPARE(first.dropped, 0);
  const auto second = outputs.at(1).at(1).value<LiveOutput>();
  // base64 on the wire, the exact bytes here.
  QCOMPARE(second.chunks, QList<LiveChunk>({{false, QByteArray(not_utf8.data(), 4)}}));
  QCOMPARE(second.dropped, 4096);
}

void MasterConnectionTest::unreadableOutputGivesBadReply() {
  CONNECT_TO_FAKE();
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  QSignalSpy outputs(connection_.get(), &MasterConnection::jobOutput);
  fake_->send({{"type", "output"},
               {"job_id", "j-7"},
               {"chunks", {{{"stream", "stdpipe"}, {"data", "x"}}}}});
  QVERIFY(errors.wait(kTimeoutMs));
  QCOMPARE(errors.at(0).at(0).toString(), QString());
  QCOMPARE(errors.at(0).at(1).toString(), QString(polyrun::gui::kErrorBadReply));
  const QString message = errors.at(0).at(2).toString();
  QVERIFY2(message.contains("j-7") && message.contains("chunks[0].stream"), qPrintable(message));
  QCOMPARE(outputs.count(), 0);
  QVERIFY(connection_->isConnected());  // a bad message, not a bad frame
}

void MasterConnectionTest::inputAndSignalFramesFollowTheProtocol() {
  CONNECT_TO_FAKE();
  const QString line = connection_->sendInput("j-7", "Ada\n", false);
  const QString bytes = connection_->sendInput("j-7", QByteArray("\xff\x01", 2), false);
  const QString eof = connection_->sendInput("j-7", {}, true);
  const QString sigint = connection_->sendSignal("j-7", "SIGINT");
  QTRY_COMPARE_WITH_TIMEOUT(fake_->received().size(), size_t{4}, kTimeoutMs);
  const auto inputs = fake_->receivedOfType("input");
  QCOMPARE(inputs.size(), size_t{3});
  QCOMPARE(
      inputs[0],
      json({{"type", "input"}, {"id", line.toStdString()}, {"job_id", "j-7"}, {"data", "Ada\n"}}));
  QCOMPARE(inputs[1].at("data_encoding"), json("base64"));
  QCOMPARE(inputs[1].at("data"), json("/wE="));
  QCOMPARE(inputs[2].at("eof"), json(true));
  QCOMPARE(inputs[2].at("data"), json(""));
  QCOMPARE(inputs[2].at("id"), json(eof.toStdString()));
  QCOMPARE(fake_->receivedOfType("signal").at(0), json({{"type", "signal"},
                                                        {"id", sigint.toStdString()},
                                                        {"job_id", "j-7"},
                                                        {"signal", "SIGINT"}}));
  QVERIFY(!bytes.isEmpty() && bytes != line);

  // A refusal names the message it answers.
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  fake_->send({{"type", "error"},
               {"id", eof.toStdString()},
               {"code", "bad_message"},
               {"message", "the input of job j-7 has ended"}});
  QVERIFY(errors.wait(kTimeoutMs));
  QCOMPARE(errors.at(0).at(0).toString(), eof);
  QCOMPARE(errors.at(0).at(1).toString(), QString("bad_message"));
}

void MasterConnectionTest::inputAndSignalWhileDisconnectedSendNothing() {
  QVERIFY(connection_->sendInput("j-7", "x", false).isEmpty());
  QVERIFY(connection_->sendSignal("j-7", "SIGINT").isEmpty());
  CONNECT_TO_FAKE();
  QVERIFY(connection_->sendInput({}, "x", false).isEmpty());  // no job to send it to
  QVERIFY(connection_->sendSignal({}, "SIGINT").isEmpty());
}

void MasterConnectionTest::floodOfSmallFramesIsDeliveredOverSeveralTurns() {
  CONNECT_TO_FAKE();
  // 40 output messages arrive at once, and each costs its receiver 2 ms (a view laying text
  // out): delivered all in one turn, the window would not paint for 80 ms.
  QByteArray frames;
  constexpr int kMessages = 40;
  for (int i = 0; i < kMessages; ++i) {
    frames += frameBytes({{"type", "output"},
                          {"job_id", "j-7"},
                          {"chunks", {{{"stream", "stdout"}, {"data", std::to_string(i)}}}}});
  }
  int turns = 0;  // event-loop turns so far: a 0 ms timer fires once per turn
  QTimer ticker;
  ticker.setInterval(0);
  connect(&ticker, &QTimer::timeout, this, [&turns] { ++turns; });
  QList<int> turn_of;  // the turn in which each message was delivered, in order
  QList<QByteArray> data;
  connect(connection_.get(), &MasterConnection::jobOutput, this,
          [&](const QString&, const polyrun::gui::LiveOutput& output) {
            turn_of << turns;
            data << output.chunks.value(0).data;
            QElapsedTimer busy;
            busy.start();
            while (busy.nsecsElapsed() < 2'000'000) {
            }
          });
  ticker.start();
  fake_->sendBytes(frames);
  QTRY_COMPARE_WITH_TIMEOUT(turn_of.size(), kMessages, kTimeoutMs);
  for (int i = 0; i < kMessages; ++i) QCOMPARE(data[i], QByteArray::number(i));  // in order
  // At most kDeliveryTurnMs of them per turn (plus the one that crosses it).
  const int per_turn = int(MasterConnection::kDeliveryTurnMs / 2 + 1);
  QVERIFY2(turn_of.last() - turn_of.first() >= kMessages / per_turn - 1,
           qPrintable(
               QStringLiteral("delivered within %1 turns").arg(turn_of.last() - turn_of.first())));
}

void MasterConnectionTest::largeResultIsDecodedOffTheGuiThreadInOrder() {
  CONNECT_TO_FAKE();
  QSignalSpy progress(connection_.get(), &MasterConnection::jobProgress);
  QSignalSpy finished(connection_.get(), &MasterConnection::jobFinished);
  QSignalSpy snapshots(connection_.get(), &MasterConnection::clusterSnapshot);
  QList<QString> order;  // which signal came when
  connect(connection_.get(), &MasterConnection::jobProgress, this,
          [&] { order << QStringLiteral("progress"); });
  connect(connection_.get(), &MasterConnection::jobFinished, this,
          [&] { order << QStringLiteral("result"); });
  connect(connection_.get(), &MasterConnection::clusterSnapshot, this,
          [&] { order << QStringLiteral("cluster"); });
  const QString id = connection_->submit(helloJob());
  const QString cluster_id = connection_->requestCluster();
  const std::string sid = id.toStdString();
  // Encoded before measuring: the fake runs on this thread too.
  const QByteArray bytes =
      frameBytes({{"type", "accepted"}, {"id", sid}, {"job_id", "j-big"}}) +
      frameBytes({{"type", "progress"}, {"id", sid}, {"job_id", "j-big"}, {"state", "running"}}) +
      frameBytes(bigResult(sid, "j-big", kBigOutputBytes)) +
      frameBytes(
          {{"type", "cluster"}, {"id", cluster_id.toStdString()}, {"slaves", json::array()}});
  QVERIFY(bytes.size() > 15 << 20);

  StallMeter meter;
  fake_->sendBytes(bytes);
  QVERIFY(snapshots.wait(4 * kTimeoutMs));
  // Decoding 16 MiB takes a few hundred ms of CPU; none of it was on this thread.
  QVERIFY2(meter.longestStallMs() < 100, qPrintable(QString::number(meter.longestStallMs())));
  QCOMPARE(order, QList<QString>({"progress", "result", "cluster"}));
  const auto outcome = finished.at(0).at(1).value<RunOutcome>();
  QVERIFY(outcome.run->stdout_text.size() > 16'000'000);
  QVERIFY(outcome.run->stdout_text.startsWith("line 0 of output\n"));
  QVERIFY(!connection_->isDecodingInBackground());
}

void MasterConnectionTest::frameDecodedForAnEndedConnectionIsDropped() {
  CONNECT_TO_FAKE();
  QSignalSpy finished(connection_.get(), &MasterConnection::jobFinished);
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  const QString id = connection_->submit(helloJob());
  fake_->send({{"type", "accepted"}, {"id", id.toStdString()}, {"job_id", "j-old"}});
  fake_->send(bigResult(id.toStdString(), "j-old", kBigOutputBytes));
  QTRY_VERIFY_WITH_TIMEOUT(connection_->isDecodingInBackground(), 4 * kTimeoutMs);
  connection_->disconnectFromMaster();
  QCOMPARE(errors.count(), 1);  // the submit's connection_lost, at once
  QCOMPARE(errors.at(0).at(1).toString(), QString(polyrun::gui::kErrorConnectionLost));
  QTRY_VERIFY_WITH_TIMEOUT(!connection_->isDecodingInBackground(), 4 * kTimeoutMs);
  // The decoded result belonged to the ended connection: nothing is delivered.
  QCOMPARE(finished.count(), 0);

  // A new connection works normally.
  connection_->reconnectNow();
  QTRY_VERIFY_WITH_TIMEOUT(connection_->isConnected(), kTimeoutMs);
  QSignalSpy accepted(connection_.get(), &MasterConnection::jobAccepted);
  const QString again = connection_->submit(helloJob());
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{2}, kTimeoutMs);
  fake_->send({{"type", "accepted"}, {"id", again.toStdString()}, {"job_id", "j-new"}});
  QVERIFY(accepted.wait(kTimeoutMs));
}

void MasterConnectionTest::tokenIsSentFirstOnEveryConnection() {
  connection_->setToken("s3cret");
  QCOMPARE(connection_->token(), QString("s3cret"));
  fake_->setResponder([](FakeMaster& master, const json& m) {
    if (m.at("type") == "auth") master.send({{"type", "authenticated"}, {"id", m.at("id")}});
  });
  CONNECT_TO_FAKE();
  connection_->requestRuntimes();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->received().size(), size_t{2}, kTimeoutMs);
  const json auth = fake_->received().front();
  QCOMPARE(qs(auth.at("type")), QString("auth"));
  QCOMPARE(qs(auth.at("token")), QString("s3cret"));
  QVERIFY(auth.at("id").is_string());
  QCOMPARE(qs(fake_->received().back().at("type")), QString("runtimes"));

  // A new connection presents it again.
  fake_->closeClient();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("auth").size(), size_t{2}, kTimeoutMs);
  QVERIFY(connection_->isConnected());

  // No token, no auth message.
  connection_->setToken({});
  connection_->disconnectFromMaster();
  connection_->reconnectNow();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->connectionCount(), 3, kTimeoutMs);
  connection_->requestCluster();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("cluster").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("auth").size(), size_t{2});
}

void MasterConnectionTest::refusedTokenStopsReconnecting() {
  connection_->setToken("wrong");
  fake_->setResponder([](FakeMaster& master, const json& m) {
    if (m.at("type") != "auth") return;
    master.send({{"type", "error"},
                 {"id", m.at("id")},
                 {"code", "unauthorized"},
                 {"message", "wrong client token"}});
    master.closeClient();
  });
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  QSignalSpy disconnected(connection_.get(), &MasterConnection::disconnected);
  connection_->connectToMaster("127.0.0.1", fake_->port());
  QVERIFY(disconnected.wait(kTimeoutMs));
  QCOMPARE(errors.count(), 1);
  QCOMPARE(errors.at(0).at(1).toString(), QString("unauthorized"));
  QCOMPARE(connection_->state(), MasterConnection::State::kDisconnected);
  QVERIFY(connection_->stateText().contains("refused the client token"));
  // Retrying with the same token would be refused again: no retry is scheduled.
  QCOMPARE(connection_->reconnectDelayMs(), 0);
  QCOMPARE(fake_->connectionCount(), 1);

  // With the right token it connects again on request.
  fake_->setResponder({});
  connection_->setToken("right");
  connection_->reconnectNow();
  QTRY_VERIFY_WITH_TIMEOUT(connection_->isConnected(), kTimeoutMs);
  QCOMPARE(fake_->connectionCount(), 2);
}

QTEST_GUILESS_MAIN(MasterConnectionTest)
#include "master_connection_test.moc"
