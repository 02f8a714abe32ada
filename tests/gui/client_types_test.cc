// The wire <-> Qt conversions of client_types.h, and master addresses from the command line.
#include "client_types.h"

#include <QtTest>
#include <nlohmann/json.hpp>

#include "master_address.h"
#include "polyrun/base64.h"

using nlohmann::json;
using namespace polyrun::gui;

class ClientTypesTest : public QObject {
  Q_OBJECT

 private slots:
  void jobRequestToJsonSendsUtf8AsIs();
  void jobRequestToJsonSendsOtherBytesAsBase64();
  void jobRequestToJsonSendsOnlyTheLimitsSet();
  void clusterSnapshotReadsCountersAndRecentJobs();
  void runtimesSkipInvalidEntries();
  void runOutcomeWithCompileErrorHasNoRun();
  void runOutcomeRejectsUnknownVerdict();
  void clusterEventReadsEveryField();
  void clusterEventWithoutKindIsRefused();
  void masterAddress_data();
  void masterAddress();
};

void ClientTypesTest::clusterEventReadsEveryField() {
  ClusterEvent e;
  QString error;
  QVERIFY(clusterEventFromJson(json::parse(R"({"id": 121, "time_ms": 1796670783123,
      "time": "2026-12-07T19:13:03.123Z", "level": "warning", "kind": "job_requeued",
      "slave": "slave-b", "language": "python", "job_id": "j-1", "client": "10.0.0.5:4100",
      "message": "job j-1 goes back to the queue", "future_field": [1]})"),
                               &e, &error));
  QCOMPARE(e.id, qint64(121));
  QCOMPARE(e.time_ms, qint64(1796670783123));
  QCOMPARE(e.level, QString("warning"));
  QCOMPARE(e.kind, QString("job_requeued"));
  QCOMPARE(e.slave, QString("slave-b"));
  QCOMPARE(e.language, QString("python"));
  QCOMPARE(e.job_id, QString("j-1"));
  QCOMPARE(e.client, QString("10.0.0.5:4100"));
  QCOMPARE(e.message, QString("job j-1 goes back to the queue"));
  QVERIFY(!e.isDropMarker());

  QVERIFY(clusterEventFromJson(json::parse(R"({"level": "warning", "kind": "events_dropped",
      "from": 7, "to": 9, "message": "events 7 to 9 were dropped"})"),
                               &e, &error));
  QVERIFY(e.isDropMarker());
  QCOMPARE(e.id, qint64(0));  // a marker has no id of its own
  QCOMPARE(e.dropped_from, qint64(7));
  QCOMPARE(e.dropped_to, qint64(9));
}

void ClientTypesTest::clusterEventWithoutKindIsRefused() {
  ClusterEvent e;
  QString error;
  QVERIFY(!clusterEventFromJson(json(), &e, &error));
  QVERIFY2(error.contains("\"event\""), qPrintable(error));
  QVERIFY(!clusterEventFromJson(json::array({1}), &e, &error));
  QVERIFY(!clusterEventFromJson(json{{"id", 3}, {"level", "info"}}, &e, &error));
  QVERIFY2(error.contains("\"kind\""), qPrintable(error));
  QVERIFY(!clusterEventFromJson(json{{"kind", 5}}, &e, &error));  // not a string
  // Fields of the wrong type count as absent.
  QVERIFY(
      clusterEventFromJson(json{{"kind", "queue_full"}, {"id", "x"}, {"slave", 1}}, &e, &error));
  QCOMPARE(e.id, qint64(0));
  QCOMPARE(e.slave, QString());
}

void ClientTypesTest::jobRequestToJsonSendsUtf8AsIs() {
  JobRequest r;
  r.language = "c++";
  r.files << JobFile{"main.cpp", QString("// héllo ✓\n").toUtf8()} << JobFile{{}, "x"};
  r.stdin_text = QString("ünï\n");
  r.args = {"-v"};
  const json j = jobRequestToJson(r);
  QCOMPARE(j.at("language").get<std::string>(), std::string("c++"));
  QCOMPARE(j.at("files").size(), size_t{2});
  QCOMPARE(j.at("files")[0].at("encoding").get<std::string>(), std::string("utf8"));
  QCOMPARE(QString::fromStdString(j.at("files")[0].at("content").get<std::string>()),
           QString("// héllo ✓\n"));
  QCOMPARE(j.at("files")[1].at("name").get<std::string>(), std::string());
  QCOMPARE(QString::fromStdString(j.at("stdin").get<std::string>()), QString("ünï\n"));
  QCOMPARE(j.at("args")[0].get<std::string>(), std::string("-v"));
}

void ClientTypesTest::jobRequestToJsonSendsOtherBytesAsBase64() {
  for (const QByteArray& bytes :
       {QByteArray("\xff\xfe latin1 \xe9", 11), QByteArray("ok \xe2\x9c", 5)}) {
    JobRequest r;
    r.language = "python";
    r.files << JobFile{"data.bin", bytes};
    const json f = jobRequestToJson(r).at("files")[0];
    QCOMPARE(f.at("encoding").get<std::string>(), std::string("base64"));
    const auto decoded = polyrun::base64Decode(f.at("content").get<std::string>());
    QVERIFY(decoded.has_value());
    QCOMPARE(QByteArray(decoded->data(), qsizetype(decoded->size())), bytes);
  }
}

void ClientTypesTest::jobRequestToJsonSendsOnlyTheLimitsSet() {
  JobRequest r;
  r.language = "python";
  r.files << JobFile{"main.py", "print(1)"};
  QVERIFY(!jobRequestToJson(r).contains("limits"));  // all default: left to the master

  r.limits.wall_ms = 2500;
  r.limits.memory_bytes = 64 << 20;
  QCOMPARE(jobRequestToJson(r).at("limits"),
           json({{"run", {{"wall_ms", 2500}, {"memory_bytes", 64 << 20}}}}));
  r.limits = RunLimits{0, 700, 0};
  QCOMPARE(jobRequestToJson(r).at("limits"), json({{"run", {{"cpu_ms", 700}}}}));
  QVERIFY(!r.limits.isDefault());
}

void ClientTypesTest::clusterSnapshotReadsCountersAndRecentJobs() {
  const auto s = clusterSnapshotFromJson(json::parse(R"({"type": "cluster",
      "state": "stopping", "clients": 3,
      "queues": {"python": 2, "c": 3},
      "counters": {"submitted": 5, "completed": 4, "running": 1,
                   "by_verdict": {"OK": 4}, "by_language": {"python": 3, "c": 1}},
      "recent_jobs": [
        {"job_id": "j-2", "client": "10.0.0.5:41000", "language": "c", "version": "12",
         "verdict": "COMPILE_ERROR", "slave": "slave-a", "queue_ms": 2, "total_ms": 180,
         "finished_ms_ago": 4000},
        {"job_id": "j-1", "language": "python"},
        {"language": "no job id: skipped"}]})"));
  QCOMPARE(s.running, 1);
  QCOMPARE(s.master_state, QString("stopping"));
  QCOMPARE(s.clients, 3);
  QCOMPARE(s.by_language.value("python"), 3);
  QCOMPARE(s.by_language.value("c"), 1);
  QCOMPARE(s.queuedTotal(), 5);
  QVERIFY(s.has_recent_jobs);
  QCOMPARE(s.recent_jobs.size(), 2);
  QCOMPARE(s.recent_jobs[0].job_id, QString("j-2"));
  QCOMPARE(s.recent_jobs[0].client, QString("10.0.0.5:41000"));
  QCOMPARE(s.recent_jobs[0].verdict, QString("COMPILE_ERROR"));
  QCOMPARE(s.recent_jobs[0].total_ms, 180);
  QCOMPARE(s.recent_jobs[0].finished_ago_ms, 4000);
  QCOMPARE(s.recent_jobs[1].finished_ago_ms, -1);  // not said: unknown

  // A master without the list: the GUI knows it has only its own jobs to show.
  const auto old = clusterSnapshotFromJson(json::parse(R"({"type": "cluster"})"));
  QVERIFY(!old.has_recent_jobs);
  QCOMPARE(old.clients, -1);
  QVERIFY(old.recent_jobs.isEmpty());
}

void ClientTypesTest::runtimesSkipInvalidEntries() {
  const auto list = runtimesFromJson(json::parse(R"({"type": "runtimes", "runtimes": [
      {"language": "python", "version": "3.11.2", "aliases": ["py"], "extensions": [".py"]},
      {"language": 7}, {"version": "1"}, "c", {"language": "c", "aliases": "gcc"},
      {"language": "java", "version": "17", "slaves": "two"}]})"));
  QCOMPARE(list.size(), 2);
  QCOMPARE(list[0].language, QString("python"));
  QCOMPARE(list[1].language, QString("java"));
  QCOMPARE(list[1].slaves, 0);
  QVERIFY(runtimesFromJson(json::parse(R"({"runtimes": {}})")).isEmpty());
  // An extension written without its dot gets one, as the rest of the client compares them.
  const auto bare = runtimesFromJson(json::parse(
      R"({"runtimes": [{"language": "ruby", "version": "3.1", "extensions": ["rb", ".erb"]}]})"));
  QCOMPARE(bare.value(0).extensions, QStringList({".rb", ".erb"}));
}

void ClientTypesTest::runOutcomeWithCompileErrorHasNoRun() {
  RunOutcome o;
  QString error;
  QVERIFY(
      runOutcomeFromJson(json::parse(R"({"job_id": "j-1", "slave": "s", "verdict": "COMPILE_ERROR",
      "message": "compilation failed", "queue_ms": 1, "total_ms": 300,
      "compile": {"verdict": "COMPILE_ERROR", "stderr": "main.c:1: error", "exit_code": 1}})"),
                         &o, &error));
  QCOMPARE(o.verdict, QString("COMPILE_ERROR"));
  QVERIFY(o.compile.has_value());
  QCOMPARE(o.compile->stderr_text, QString("main.c:1: error"));
  QCOMPARE(o.compile->exit_code, 1);
  QVERIFY(!o.run.has_value());
}

void ClientTypesTest::runOutcomeRejectsUnknownVerdict() {
  RunOutcome o;
  QString error;
  QVERIFY(!runOutcomeFromJson(json::parse(R"({"verdict": "MAYBE"})"), &o, &error));
  QVERIFY(error.contains("MAYBE"));
  QVERIFY(!runOutcomeFromJson(json::parse(R"({"run": {"exit_code": "zero"}})"), &o, &error));
  QVERIFY(error.contains("exit_code"));
  QVERIFY(!runOutcomeFromJson(json::parse("[]"), &o, &error));
}

void ClientTypesTest::masterAddress_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<bool>("ok");
  QTest::addColumn<QString>("host");
  QTest::addColumn<int>("port");
  QTest::newRow("host:port") << "master.lan:7500" << true << "master.lan" << 7500;
  QTest::newRow("host only") << "master.lan" << true << "master.lan" << 7400;
  QTest::newRow("port only") << ":7501" << true << "127.0.0.1" << 7501;
  QTest::newRow("ipv6 with port") << "[::1]:7502" << true << "::1" << 7502;
  QTest::newRow("ipv6 bare") << "fe80::1" << true << "fe80::1" << 7400;
  QTest::newRow("spaces") << "  10.0.0.2:7400 " << true << "10.0.0.2" << 7400;
  QTest::newRow("empty") << "" << false << "" << 0;
  QTest::newRow("port zero") << "h:0" << false << "" << 0;
  QTest::newRow("port too big") << "h:65536" << false << "" << 0;
  QTest::newRow("port not a number") << "h:http" << false << "" << 0;
  QTest::newRow("empty port") << "h:" << false << "" << 0;
  QTest::newRow("unclosed bracket") << "[::1:7400" << false << "" << 0;
  QTest::newRow("junk after bracket") << "[::1]7400" << false << "" << 0;
}

void ClientTypesTest::masterAddress() {
  QFETCH(QString, text);
  QFETCH(bool, ok);
  QFETCH(QString, host);
  QFETCH(int, port);
  MasterAddress address;
  address.host = "untouched";
  QString error;
  QCOMPARE(parseMasterAddress(text, &address, &error), ok);
  if (ok) {
    QCOMPARE(address.host, host);
    QCOMPARE(int(address.port), port);
  } else {
    QCOMPARE(address.host, QString("untouched"));
    QVERIFY(!error.isEmpty());
  }
}

QTEST_GUILESS_MAIN(ClientTypesTest)
#include "client_types_test.moc"
