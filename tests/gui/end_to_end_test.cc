// MasterConnection against a real cluster: polyrun-master and one polyrun-slave (with the Python
// and C runners) started as processes on loopback, ports chosen by the kernel (port 0, learnt
// from master.ready.file). Programs run through the client object as the window runs them, and
// live ones through the RunSession the Run page drives (prompt, answer, prompt; End input; Stop
// as SIGINT) and through the window itself (answers typed in its input line).
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "client_settings.h"
#include "client_types.h"
#include "history_model.h"
#include "main_window.h"
#include "master_connection.h"
#include "message_log.h"
#include "run_session.h"

using namespace polyrun::gui;

namespace {

constexpr int kStartMs = 30'000;  // master up, slave registered (plugin self-tests included)
constexpr int kJobMs = 20'000;    // one job, compilation included
constexpr char kSlaveToken[] = "gui-e2e-slave-token";
constexpr char kClientToken[] = "gui-e2e-client-token";

// What one submitted job produced, gathered from the connection's signals.
struct JobWatch {
  QString request_id;
  QString job_id;
  QStringList states;
  std::optional<RunOutcome> outcome;
  QString error_code;
  QString error_message;
  bool cancelled = false;
  bool over() const { return outcome.has_value() || !error_code.isEmpty() || cancelled; }
};

}  // namespace

class EndToEndTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void cleanupTestCase();
  void init();
  void cleanup();

  void runtimesAndClusterComeFromTheSlave();
  void pythonProgramRunsWithStdinAndArgs();
  void cProgramCompilesAndRuns();
  void judgedJobReportsEachCase();
  void checkerProgramJudgesTheCases();
  void compileErrorAndRuntimeErrorAreVerdicts();
  void cancelStopsARunningJob();
  void jobInFlightSurvivesAReconnection();
  void clientWithoutTheTokenIsRefused();
  void interactiveProgramIsDrivenLineByLine();
  void endInputClosesTheProgramsStdin();
  void stopInterruptsALiveProgramBeforeCancelling();
  void windowRunsAnInteractiveProgram();

 private:
  QProcess* start(const QString& program, const QStringList& args, const QString& log);
  JobWatch* submit(const JobRequest& job);
  QString logs() const;

  QTemporaryDir dir_;
  QProcess* master_ = nullptr;
  QProcess* slave_ = nullptr;
  quint16 client_port_ = 0;
  std::unique_ptr<MasterConnection> connection_;
  std::vector<std::unique_ptr<JobWatch>> jobs_;
};

QProcess* EndToEndTest::start(const QString& program, const QStringList& args, const QString& log) {
  auto* p = new QProcess(this);
  p->setProcessChannelMode(QProcess::MergedChannels);
  p->setStandardOutputFile(dir_.filePath(log));
  p->setStandardInputFile(QProcess::nullDevice());
  p->start(QStringLiteral(POLYRUN_BIN_DIR) + '/' + program, args);
  return p;
}

QString EndToEndTest::logs() const {
  QString all;
  for (const char* name : {"master.log", "slave.log"}) {
    QFile f(dir_.filePath(name));
    if (f.open(QIODevice::ReadOnly)) all += QStringLiteral("--- %1\n%2").arg(name, f.readAll());
  }
  return all;
}

void EndToEndTest::initTestCase() {
  QVERIFY(dir_.isValid());
  // Only the runners this suite uses: the slave self-tests every plugin it loads, and the JVM's
  // would double the start-up time.
  const QDir plugins(dir_.filePath("plugins"));
  QVERIFY(QDir().mkpath(plugins.path()));
  for (const char* name : {"polyrun_python.so", "polyrun_c.so"}) {
    const QString from = QStringLiteral(POLYRUN_PLUGIN_DIR) + '/' + name;
    QVERIFY2(QFile::exists(from), qPrintable(from));
    QVERIFY(QFile::link(from, plugins.filePath(name)));
  }

  const QString ready = dir_.filePath("master.ready.json");
  master_ =
      start("polyrun-master",
            {"--define=master.slave.token=" + QString(kSlaveToken), "--define=master.client.port=0",
             "--define=master.slave.port=0", "--define=master.heartbeat.ms=200",
             // Loopback clients need the token too, so the token path is exercised.
             "--define=master.client.tokens=" + QString(kClientToken),
             "--define=master.client.auth.loopback=true", "--define=master.ready.file=" + ready},
            "master.log");
  QVERIFY2(master_->waitForStarted(), qPrintable(master_->errorString()));
  QTRY_VERIFY2_WITH_TIMEOUT(QFile::exists(ready), qPrintable(logs()), kStartMs);
  QFile ready_file(ready);
  QVERIFY(ready_file.open(QIODevice::ReadOnly));
  const auto ports = nlohmann::json::parse(ready_file.readAll().toStdString(), nullptr, false);
  QVERIFY(ports.is_object() && ports.contains("client_port") && ports.contains("slave_port"));
  client_port_ = ports["client_port"].get<quint16>();

  slave_ = start("polyrun-slave",
                 {"--define=slave.token=" + QString(kSlaveToken),
                  "--define=slave.master.port=" + QString::number(ports["slave_port"].get<int>()),
                  "--define=slave.name=gui-e2e", "--define=slave.plugins.dir=" + plugins.path(),
                  "--define=slave.jobs.max=2", "--define=slave.work.dir=" + dir_.filePath("work")},
                 "slave.log");
  QVERIFY2(slave_->waitForStarted(), qPrintable(slave_->errorString()));
}

void EndToEndTest::cleanupTestCase() {
  for (QProcess* p : {slave_, master_}) {
    if (!p || p->state() == QProcess::NotRunning) continue;
    p->terminate();  // SIGTERM: both shut down cleanly
    if (!p->waitForFinished(10'000)) {
      p->kill();
      p->waitForFinished(5'000);
    }
  }
}

void EndToEndTest::init() {
  jobs_.clear();
  connection_ = std::make_unique<MasterConnection>();
  connection_->setReconnectBackoff(50, 500);
  connection_->setToken(kClientToken);
  MasterConnection* c = connection_.get();
  connect(c, &MasterConnection::jobAccepted, this, [this](const QString& id, const QString& job) {
    for (auto& w : jobs_) {
      if (w->request_id == id) w->job_id = job;
    }
  });
  connect(c, &MasterConnection::jobProgress, this,
          [this](const QString& job, const QString& state, const QString&) {
            for (auto& w : jobs_) {
              if (w->job_id == job) w->states << state;
            }
          });
  connect(c, &MasterConnection::jobFinished, this,
          [this](const QString& job, const RunOutcome& outcome) {
            for (auto& w : jobs_) {
              if (w->job_id == job) w->outcome = outcome;
            }
          });
  connect(c, &MasterConnection::jobCancelled, this, [this](const QString& id, const QString& job) {
    for (auto& w : jobs_) {
      if (w->job_id == job || w->request_id == id) w->cancelled = true;
    }
  });
  connect(c, &MasterConnection::errorReceived, this,
          [this](const QString& id, const QString& code, const QString& message) {
            for (auto& w : jobs_) {
              if (w->request_id == id) {
                w->error_code = code;
                w->error_message = message;
              }
            }
          });
  QSignalSpy connected(c, &MasterConnection::connected);
  c->connectToMaster("127.0.0.1", client_port_);
  QVERIFY(connected.wait(kStartMs));

  // Ready once the slave offers both languages (it registers after its plugins' self-tests).
  QList<Runtime> runtimes;
  connect(c, &MasterConnection::runtimesChanged, this,
          [&runtimes](const QList<Runtime>& r) { runtimes = r; });
  const auto offers = [&runtimes](const char* language) {
    return std::any_of(runtimes.begin(), runtimes.end(),
                       [language](const Runtime& r) { return r.language == language; });
  };
  const auto ready = [&] {
    c->requestRuntimes();  // coalesced: one request in flight at a time
    return offers("python") && offers("c");
  };
  QTRY_VERIFY2_WITH_TIMEOUT(ready(), qPrintable(logs()), kStartMs);
  disconnect(c, &MasterConnection::runtimesChanged, this, nullptr);
}

void EndToEndTest::cleanup() {
  if (QTest::currentTestFailed()) qInfo().noquote() << logs();
  connection_.reset();
}

JobWatch* EndToEndTest::submit(const JobRequest& job) {
  jobs_.push_back(std::make_unique<JobWatch>());
  JobWatch* w = jobs_.back().get();
  w->request_id = connection_->submit(job);
  return w;
}

void EndToEndTest::runtimesAndClusterComeFromTheSlave() {
  QSignalSpy runtimes(connection_.get(), &MasterConnection::runtimesChanged);
  connection_->requestRuntimes();
  QVERIFY(runtimes.wait(kJobMs));
  const auto list = runtimes.at(0).at(0).value<QList<Runtime>>();
  for (const Runtime& r : list) {
    QVERIFY(r.slaves >= 1);
    QVERIFY(!r.version.isEmpty());
    if (r.language == "python") QVERIFY(r.extensions.contains(".py"));
    if (r.language == "c") QVERIFY(r.compiled);
  }

  QSignalSpy snapshots(connection_.get(), &MasterConnection::clusterSnapshot);
  connection_->requestCluster();
  QVERIFY(snapshots.wait(kJobMs));
  const auto snapshot = snapshots.at(0).at(0).value<ClusterSnapshot>();
  QCOMPARE(snapshot.slaves.size(), 1);
  QCOMPARE(snapshot.slaves[0].name, QString("gui-e2e"));
  QCOMPARE(snapshot.slaves[0].capacity, 2);
  QCOMPARE(snapshot.slaves[0].state, QString("ready"));
  QVERIFY(snapshot.slaves[0].languages.join(' ').contains("python"));
  QVERIFY(snapshot.uptime_ms > 0);
}

void EndToEndTest::judgedJobReportsEachCase() {
  // What the Tests panel sends: one job, three cases, the `lines` checker.
  JobRequest job;
  job.language = "python";
  job.files << JobFile{"sum.py", "a, b = map(int, input().split())\nprint(a + b)\n"};
  job.tests = {{"1", "1 2\n", QString("3\n")},
               {"2", "2 2\n", QString("5\n")},
               {"unchecked", "0 0\n", std::nullopt}};
  job.limits.wall_ms = 5000;
  QSignalSpy cases(connection_.get(), &MasterConnection::jobCaseFinished);
  JobWatch* w = submit(job);
  QTRY_VERIFY_WITH_TIMEOUT(w->over(), kJobMs);
  QVERIFY2(w->error_code.isEmpty(), qPrintable(w->error_code + ": " + w->error_message));
  const RunOutcome& o = *w->outcome;
  QCOMPARE(o.verdict, QString("WRONG_ANSWER"));
  QVERIFY(!o.run.has_value());
  QCOMPARE(o.tests.size(), 3);
  QCOMPARE(o.tests[0].run.verdict, QString("OK"));
  QCOMPARE(o.tests[1].run.verdict, QString("WRONG_ANSWER"));
  QCOMPARE(o.tests[1].run.stdout_text, QString("4\n"));
  QCOMPARE(o.tests[1].line, 1);
  QCOMPARE(o.tests[1].column, 1);
  QCOMPARE(o.tests[2].name, QString("unchecked"));
  QCOMPARE(o.tests[2].run.verdict, QString("OK"));
  QCOMPARE(o.summary.total, 3);
  QCOMPARE(o.summary.passed, 2);
  QCOMPARE(o.summary.first_failure, 2);
  // Each case was told as it ended, before the result, once.
  QList<int> told;
  for (const QList<QVariant>& signal : cases) {
    if (signal.at(0).toString() != w->job_id) continue;
    const auto c = signal.at(1).value<CaseOutcome>();
    told << c.index;
    QCOMPARE(c.run.verdict, o.tests[c.index].run.verdict);
    QCOMPARE(c.name, o.tests[c.index].name);
  }
  std::sort(told.begin(), told.end());
  QCOMPARE(told, QList<int>({0, 1, 2}));
}

void EndToEndTest::checkerProgramJudgesTheCases() {
  // What the Tests panel sends with checker "program…" and check.py (docs/checkers.md's worked
  // example): answers within 1e-3 pass, case "seven" is wrong, case "bad" makes the checker fail.
  JobRequest job;
  job.language = "python";
  job.files << JobFile{"root.py",
                       "import math\n"
                       "n = float(input())\n"
                       "print('%.4f' % (3.5 if n == 7 else math.sqrt(n)))\n"};
  job.tests = {{"two", "2\n", QString("1.41421356\n")},
               {"seven", "7\n", QString("2.64575131\n")},
               {"bad", "4\n", QString("not a number\n")}};
  job.limits.wall_ms = 5000;
  job.judge.checker = "program";
  job.checker_language = "python";
  job.checker_source = JobFile{"check.py",
                               "import sys\n"
                               "def main():\n"
                               "    got = open(sys.argv[2]).read().split()\n"
                               "    want = float(open(sys.argv[3]).read())\n"
                               "    if len(got) != 1 or abs(float(got[0]) - want) > 1e-3:\n"
                               "        print('expected %.6f, got %s' % (want, ' '.join(got)))\n"
                               "        return 1\n"
                               "    print('ok %s' % got[0])\n"
                               "    return 0\n"
                               "try:\n"
                               "    sys.exit(main())\n"
                               "except SystemExit:\n"
                               "    raise\n"
                               "except BaseException as e:\n"
                               "    print('checker failed: %r' % e)\n"
                               "    sys.exit(3)\n"};
  JobWatch* w = submit(job);
  QTRY_VERIFY_WITH_TIMEOUT(w->over(), kJobMs);
  QVERIFY2(w->error_code.isEmpty(), qPrintable(w->error_code + ": " + w->error_message));
  const RunOutcome& o = *w->outcome;
  QCOMPARE(o.tests.size(), 3);
  QCOMPARE(o.tests[0].run.verdict, QString("OK"));
  QCOMPARE(o.tests[0].run.stdout_text, QString("1.4142\n"));  // not the expected bytes
  QVERIFY(o.tests[0].checker.has_value());
  QCOMPARE(checkerSaid(*o.tests[0].checker), QString("ok 1.4142"));
  QCOMPARE(o.tests[1].run.verdict, QString("WRONG_ANSWER"));
  QCOMPARE(o.tests[1].run.message, QString("expected 2.645751, got 3.5000"));
  QCOMPARE(checkerSaid(*o.tests[1].checker), QString("expected 2.645751, got 3.5000"));
  QCOMPARE(o.tests[2].run.verdict, QString("CHECKER_ERROR"));
  QVERIFY2(o.tests[2].run.message.contains("exited with code 3"),
           qPrintable(o.tests[2].run.message));
  QVERIFY2(checkerSaid(*o.tests[2].checker).startsWith("checker failed: ValueError"),
           qPrintable(checkerSaid(*o.tests[2].checker)));
  QCOMPARE(o.verdict, QString("WRONG_ANSWER"));  // the first case that did not pass
  QCOMPARE(o.summary.passed, 1);
  QCOMPARE(o.summary.first_failure, 2);
}

void EndToEndTest::pythonProgramRunsWithStdinAndArgs() {
  JobRequest job;
  job.language = "python";
  job.files << JobFile{"main.py",
                       "import sys\n"
                       "name = input()\n"
                       "print(name[::-1], *sys.argv[1:])\n"
                       "print('to stderr', file=sys.stderr)\n"};
  job.stdin_text = "polyrun\n";
  job.args = {"a", "two words"};
  job.limits.wall_ms = 5000;
  JobWatch* w = submit(job);
  QTRY_VERIFY_WITH_TIMEOUT(w->over(), kJobMs);
  QVERIFY2(w->error_code.isEmpty(), qPrintable(w->error_code + ": " + w->error_message));
  QVERIFY(w->outcome.has_value());
  const RunOutcome& o = *w->outcome;
  QCOMPARE(o.verdict, QString("OK"));
  QCOMPARE(o.job_id, w->job_id);
  QCOMPARE(o.slave, QString("gui-e2e"));
  QCOMPARE(o.language, QString("python"));
  QVERIFY(o.run.has_value());
  QCOMPARE(o.run->stdout_text, QString("nurylop a two words\n"));
  QCOMPARE(o.run->stderr_text, QString("to stderr\n"));
  QCOMPARE(o.run->exit_code, 0);
  QVERIFY(o.run->wall_ms > 0);
  QVERIFY(!o.compile.has_value());
  // The progress came live, in the order of the job's way through the cluster.
  QVERIFY2(w->states.contains("running"), qPrintable(w->states.join(',')));
  QVERIFY(w->states.indexOf("assigned") < w->states.indexOf("running"));
}

void EndToEndTest::cProgramCompilesAndRuns() {
  JobRequest job;
  job.language = "c";
  job.files << JobFile{"main.c",
                       "#include <stdio.h>\n"
                       "int main(int argc, char **argv) {\n"
                       "  int a = 0, b = 0;\n"
                       "  if (scanf(\"%d %d\", &a, &b) != 2) return 2;\n"
                       "  printf(\"%d %s\\n\", a * b, argc > 1 ? argv[1] : \"-\");\n"
                       "  return 0;\n"
                       "}\n"};
  job.stdin_text = "6 7\n";
  job.args = {"product"};
  JobWatch* w = submit(job);
  QTRY_VERIFY_WITH_TIMEOUT(w->over(), kJobMs);
  QVERIFY2(w->outcome.has_value(), qPrintable(w->error_code + ": " + w->error_message));
  const RunOutcome& o = *w->outcome;
  QVERIFY2(o.verdict == "OK", qPrintable(o.verdict + ": " + o.message));
  QCOMPARE(o.run->stdout_text, QString("42 product\n"));
  QVERIFY(o.compile.has_value());
  QCOMPARE(o.compile->verdict, QString("OK"));
  QVERIFY(w->states.contains("compiling"));
}

void EndToEndTest::compileErrorAndRuntimeErrorAreVerdicts() {
  JobRequest broken;
  broken.language = "c";
  broken.files << JobFile{"main.c", "int main(void) { return undefined_name; }\n"};
  JobRequest failing;
  failing.language = "python";
  failing.files << JobFile{"main.py", "import sys\nprint('bye')\nsys.exit(3)\n"};
  // Both at once: replies of different jobs interleave on one connection.
  JobWatch* c = submit(broken);
  JobWatch* p = submit(failing);
  QTRY_VERIFY_WITH_TIMEOUT(c->over() && p->over(), kJobMs);
  QVERIFY(c->outcome && p->outcome);
  QCOMPARE(c->outcome->verdict, QString("COMPILE_ERROR"));
  QVERIFY(!c->outcome->run.has_value());
  QVERIFY(c->outcome->compile->stderr_text.contains("undefined_name"));
  QCOMPARE(p->outcome->verdict, QString("RUNTIME_ERROR"));
  QCOMPARE(p->outcome->run->exit_code, 3);
  QCOMPARE(p->outcome->run->stdout_text, QString("bye\n"));
}

void EndToEndTest::cancelStopsARunningJob() {
  JobRequest job;
  job.language = "python";
  job.files << JobFile{"main.py", "import time\nprint('started', flush=True)\ntime.sleep(30)\n"};
  JobWatch* w = submit(job);
  QTRY_VERIFY_WITH_TIMEOUT(w->states.contains("running"), kJobMs);
  QSignalSpy cancelled(connection_.get(), &MasterConnection::jobCancelled);
  const QString cancel_id = connection_->cancel(w->job_id);
  QVERIFY(!cancel_id.isEmpty());
  QTRY_VERIFY_WITH_TIMEOUT(w->cancelled, kJobMs);
  // Both the cancel request and the job's own submit are answered with `cancelled`.
  const auto answered = [&cancelled](const QString& id) {
    for (const auto& args : cancelled) {
      if (args.at(0).toString() == id) return true;
    }
    return false;
  };
  QTRY_VERIFY_WITH_TIMEOUT(answered(cancel_id) && answered(w->request_id), kJobMs);
  QVERIFY(!w->outcome.has_value());  // no result for a cancelled job
  QVERIFY(connection_->isConnected());

  // The slot is free again: the next job runs at once.
  JobRequest next;
  next.language = "python";
  next.files << JobFile{"main.py", "print('after')\n"};
  JobWatch* after = submit(next);
  QTRY_VERIFY_WITH_TIMEOUT(after->over(), kJobMs);
  QVERIFY(after->outcome.has_value());
  QCOMPARE(after->outcome->run->stdout_text, QString("after\n"));
}

void EndToEndTest::jobInFlightSurvivesAReconnection() {
  JobRequest job;
  job.language = "python";
  job.files << JobFile{"main.py", "import time\ntime.sleep(0.5)\nprint('still here')\n"};
  JobWatch* w = submit(job);
  QTRY_VERIFY_WITH_TIMEOUT(w->states.contains("running"), kJobMs);
  QSignalSpy detached(connection_.get(), &MasterConnection::jobDetached);
  connection_->reconnectNow();  // a new connection, as after a network hiccup
  QCOMPARE(detached.count(), 1);
  QCOMPARE(detached.at(0).at(1).toString(), w->job_id);
  // The master kept the job; the new connection asks for it and gets its result.
  QTRY_VERIFY_WITH_TIMEOUT(w->over(), kJobMs);
  QVERIFY2(w->outcome.has_value(), qPrintable(w->error_code + ": " + w->error_message));
  QCOMPARE(w->outcome->verdict, QString("OK"));
  QCOMPARE(w->outcome->run->stdout_text, QString("still here\n"));
}

void EndToEndTest::clientWithoutTheTokenIsRefused() {
  MasterConnection stranger;
  stranger.setReconnectBackoff(50, 500);
  QSignalSpy errors(&stranger, &MasterConnection::errorReceived);
  QSignalSpy connected(&stranger, &MasterConnection::connected);
  stranger.setToken("not-the-token");
  stranger.connectToMaster("127.0.0.1", client_port_);
  QVERIFY(connected.wait(kJobMs));
  QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), kJobMs);
  QCOMPARE(errors.at(0).at(1).toString(), QString("unauthorized"));
  QTRY_COMPARE_WITH_TIMEOUT(stranger.state(), MasterConnection::State::kDisconnected, kJobMs);
  QCOMPARE(stranger.reconnectDelayMs(), 0);  // no retry with a token that was refused
}

namespace {

// A RunSession as the Run page drives one, with what the program wrote so far decoded.
struct LiveWatch {
  explicit LiveWatch(MasterConnection* connection) : session(connection, &history, &messages) {
    QObject::connect(&session, &RunSession::outputReceived, &session,
                     [this](const LiveOutput& output) {
                       for (const LiveChunk& c : output.chunks)
                         (c.is_stderr ? err : out) += QString::fromUtf8(c.data);
                     });
    QObject::connect(&session, &RunSession::finished, &session,
                     [this](const RunOutcome& o) { outcome = o; });
    QObject::connect(
        &session, &RunSession::failed, &session,
        [this](const QString& code, const QString& message) { failure = code + ": " + message; });
  }
  bool start(const QString& program) {
    JobRequest job;
    job.language = "python";
    job.files << JobFile{"main.py", program.toUtf8()};
    job.stream = true;  // as RunPage::run() with the stdin box empty
    job.interactive = true;
    return session.start(job);
  }
  QString why() const { return failure + " / out: " + out + " / err: " + err; }

  HistoryModel history;
  MessageLog messages;
  RunSession session;
  QString out;
  QString err;
  std::optional<RunOutcome> outcome;
  QString failure;
};

}  // namespace

// Waits for `condition` on the live run `w`, saying what it wrote when it does not come.
#define WAIT_LIVE(w, condition) QTRY_VERIFY2_WITH_TIMEOUT(condition, qPrintable((w).why()), kJobMs)

void EndToEndTest::interactiveProgramIsDrivenLineByLine() {
  LiveWatch w(connection_.get());
  QVERIFY(
      w.start("name = input('name? ')\n"
              "print('hello', name)\n"
              "age = input('age? ')\n"
              "print(name, 'is', age)\n"));
  // Each prompt arrives while the program waits for its answer.
  WAIT_LIVE(w, w.out == "name? ");
  QVERIFY(w.session.isRunning());
  QVERIFY(w.session.sendInput("Ada\n"));
  WAIT_LIVE(w, w.out == "name? hello Ada\nage? ");
  QVERIFY(w.session.isRunning());
  QVERIFY(w.session.sendInput("36\n"));
  WAIT_LIVE(w, w.outcome.has_value());
  QCOMPARE(w.outcome->verdict, QString("OK"));
  QCOMPARE(w.outcome->run->stdout_text, QString("name? hello Ada\nage? Ada is 36\n"));
  QCOMPARE(w.out, w.outcome->run->stdout_text);  // streamed whole, in order
}

void EndToEndTest::endInputClosesTheProgramsStdin() {
  LiveWatch w(connection_.get());
  QVERIFY(
      w.start("import sys\n"
              "print('ready', flush=True)\n"
              "data = sys.stdin.read()\n"
              "print(len(data), repr(data))\n"));
  WAIT_LIVE(w, w.out == "ready\n");
  QVERIFY(w.session.sendInput("ab\n"));
  QVERIFY(w.session.sendInput("c"));
  QVERIFY(w.session.endInput());  // what Ctrl-D in the input line sends
  WAIT_LIVE(w, w.outcome.has_value());
  QCOMPARE(w.outcome->run->stdout_text, QString("ready\n4 'ab\\nc'\n"));
}

void EndToEndTest::stopInterruptsALiveProgramBeforeCancelling() {
  LiveWatch w(connection_.get());
  QVERIFY(
      w.start("import time\n"
              "print('started', flush=True)\n"
              "try:\n"
              "    time.sleep(30)\n"
              "except KeyboardInterrupt:\n"
              "    print('interrupted', flush=True)\n"
              "    raise SystemExit(3)\n"));
  WAIT_LIVE(w, w.out == "started\n");
  w.session.stop();  // the Stop button, pressed once: SIGINT, as Ctrl-C
  QVERIFY(w.session.isInterrupting());
  // The program handles it and ends on its own: a result, not a cancellation.
  WAIT_LIVE(w, w.outcome.has_value());
  QCOMPARE(w.outcome->verdict, QString("RUNTIME_ERROR"));
  QCOMPARE(w.outcome->run->exit_code, 3);
  QCOMPARE(w.outcome->run->stdout_text, QString("started\ninterrupted\n"));
  QVERIFY(w.failure.isEmpty());
}

void EndToEndTest::windowRunsAnInteractiveProgram() {
  // The window as a person uses it: Run with the stdin box empty, answer each prompt in the
  // input line.
  ClientSettings settings(dir_.filePath("window-settings.ini"));
  MainWindow window(connection_.get(), &settings);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  auto* combo = window.findChild<QComboBox*>("languageCombo");
  auto* editor = window.findChild<QPlainTextEdit*>("editor");
  auto* input = window.findChild<QLineEdit*>("inputEdit");
  auto* stdout_view = window.findChild<QPlainTextEdit*>("stdoutView");
  auto* verdict = window.findChild<QLabel*>("verdictLabel");
  QVERIFY(combo && editor && input && stdout_view && verdict);
  QTRY_VERIFY_WITH_TIMEOUT(combo->findText("python", Qt::MatchStartsWith) >= 0, kJobMs);
  combo->setCurrentIndex(combo->findText("python", Qt::MatchStartsWith));
  editor->setPlainText(
      "name = input('name? ')\nprint('hello', name)\nage = input('age? ')\n"
      "print(name, 'is', age)\n");
  window.run();
  QVERIFY(window.isRunning());
  const auto transcript = [&] { return stdout_view->toPlainText(); };
  QTRY_VERIFY2_WITH_TIMEOUT(transcript() == "name? " && input->isEnabled(),
                            qPrintable(transcript()), kJobMs);
  QTest::keyClicks(input, "Ada");
  QTest::keyClick(input, Qt::Key_Return);
  QTRY_VERIFY2_WITH_TIMEOUT(transcript() == "name? Ada\nhello Ada\nage? ", qPrintable(transcript()),
                            kJobMs);
  QTest::keyClicks(input, "36");
  QTest::keyClick(input, Qt::Key_Return);
  QTRY_COMPARE_WITH_TIMEOUT(verdict->text(), QString("OK"), kJobMs);
  // The result's copy: the program's output alone.
  QCOMPARE(transcript(), QString("name? hello Ada\nage? Ada is 36\n"));
  QVERIFY(!input->isEnabled());
}

// A QApplication (offscreen, as ctest runs it) for the window's test.
QTEST_MAIN(EndToEndTest)
#include "end_to_end_test.moc"
