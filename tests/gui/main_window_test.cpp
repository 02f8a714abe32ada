// MainWindow on the offscreen platform against a fake master: it fills the language combo and
// the cluster table, runs a program (button and Ctrl+Return) and shows progress and result,
// shows errors, opens files, and renders (screenshots saved for people to look at).
#include "main_window.h"

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

#include "fake_master.h"
#include "master_connection.h"

using nlohmann::json;
using polyrun::gui::MainWindow;
using polyrun::gui::MasterConnection;
using polyrun::gui::test::FakeMaster;

namespace {

constexpr int kTimeoutMs = 5000;

enum class SubmitReply { kRunOk, kUnknownLanguage, kNothing };

json runtimesReply(const json& request) {
  return {{"type", "runtimes"},
          {"id", request.at("id")},
          {"runtimes",
           {{{"language", "python"},
             {"version", "3.11.2"},
             {"aliases", {"py", "python3"}},
             {"extensions", {".py"}},
             {"compiled", false},
             {"slaves", 2}},
            {{"language", "c"},
             {"version", "12.2.0"},
             {"aliases", {"gcc"}},
             {"extensions", {".c", ".h"}},
             {"compiled", true},
             {"slaves", 1}}}}};
}

json clusterReply(const json& request) {
  return {
      {"type", "cluster"},
      {"id", request.at("id")},
      {"uptime_ms", 81234},
      {"slaves",
       {{{"id", 1},
         {"name", "slave-a"},
         {"address", "127.0.0.1:50122"},
         {"state", "ready"},
         {"running", 1},
         {"capacity", 2},
         {"load", {{"load_avg", 0.4}, {"memory_free_bytes", 2.1e10}}},
         {"languages",
          {{{"language", "python"}, {"version", "3.11.2"}},
           {{"language", "c"}, {"version", "12.2.0"}}}},
         {"last_heartbeat_ms", 120}},
        {{"id", 2},
         {"name", "slave-b"},
         {"address", "127.0.0.1:50123"},
         {"state", "ready"},
         {"running", 0},
         {"capacity", 4},
         {"load", {{"load_avg", 0.1}, {"memory_free_bytes", 8.0e9}}},
         {"languages", {{{"language", "python"}, {"version", "3.11.2"}}}},
         {"last_heartbeat_ms", 800}}}},
      {"queues", {{"python", 0}, {"c", 0}}},
      {"counters",
       {{"submitted", 12}, {"completed", 11}, {"by_verdict", {{"OK", 10}, {"COMPILE_ERROR", 1}}}}}};
}

// Echoes the job's stdin as the program's output, so the test sees stdin travel end to end.
void replyToSubmit(FakeMaster& master, const json& request) {
  const json id = request.at("id");
  const json& job = request.at("job");
  master.send({{"type", "accepted"}, {"id", id}, {"job_id", "j-000042"}});
  master.send({{"type", "progress"}, {"id", id}, {"job_id", "j-000042"}, {"state", "queued"}});
  master.send({{"type", "progress"},
               {"id", id},
               {"job_id", "j-000042"},
               {"state", "assigned"},
               {"slave", "slave-a"}});
  master.send({{"type", "progress"},
               {"id", id},
               {"job_id", "j-000042"},
               {"state", "running"},
               {"slave", "slave-a"}});
  master.send({{"type", "result"},
               {"id", id},
               {"job_id", "j-000042"},
               {"result",
                {{"job_id", "j-000042"},
                 {"slave", "slave-a"},
                 {"language", job.at("language")},
                 {"version", "3.11.2"},
                 {"verdict", "OK"},
                 {"message", ""},
                 {"queue_ms", 3},
                 {"total_ms", 31},
                 {"run",
                  {{"verdict", "OK"},
                   {"stdout", job.at("stdin")},
                   {"stderr", ""},
                   {"exit_code", 0},
                   {"signal", 0},
                   {"cpu_ms", 12},
                   {"wall_ms", 14},
                   {"memory_bytes", 9175040}}}}}});
}

template <typename T>
T* child(QWidget& parent, const char* name) {
  T* w = parent.findChild<T*>(QString::fromLatin1(name));
  if (!w) qFatal("no child widget named %s", name);
  return w;
}

}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT

 private slots:
  void init();
  void cleanup();

  void showsRuntimesAndSlavesFromTheMaster();
  void runButtonShowsProgressAndResult();
  void ctrlReturnRuns();
  void errorFromTheMasterEndsTheRun();
  void connectionLossEndsTheRun();
  void openFilePicksTheLanguageFromTheExtension();
  void openFileBeforeRuntimesArrivePicksLaterOn();
  void screenshots();

 private:
  void connectAndWaitForRuntimes();

  std::unique_ptr<FakeMaster> fake_;
  std::unique_ptr<MasterConnection> connection_;
  std::unique_ptr<MainWindow> window_;
  SubmitReply submitReply_ = SubmitReply::kRunOk;
};

void MainWindowTest::init() {
  submitReply_ = SubmitReply::kRunOk;
  fake_ = std::make_unique<FakeMaster>();
  QVERIFY(fake_->listen());
  fake_->setResponder([this](FakeMaster& master, const json& m) {
    const std::string type = m.at("type");
    if (type == "runtimes") master.send(runtimesReply(m));
    if (type == "cluster") master.send(clusterReply(m));
    if (type != "submit") return;
    if (submitReply_ == SubmitReply::kRunOk) replyToSubmit(master, m);
    if (submitReply_ == SubmitReply::kUnknownLanguage) {
      master.send({{"type", "error"},
                   {"id", m.at("id")},
                   {"code", "unknown_language"},
                   {"message", "no slave offers language \"cobol\"; available: c, python"}});
    }
  });
  connection_ = std::make_unique<MasterConnection>();
  connection_->setReconnectBackoff(20, 200);
  window_ = std::make_unique<MainWindow>(connection_.get());
  window_->show();
  QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
}

void MainWindowTest::cleanup() {
  window_.reset();
  connection_.reset();
  fake_.reset();
}

void MainWindowTest::connectAndWaitForRuntimes() {
  connection_->connectToMaster("127.0.0.1", fake_->port());
  QTRY_COMPARE_WITH_TIMEOUT(child<QComboBox>(*window_, "languageCombo")->count(), 2, kTimeoutMs);
}

#define CONNECT_AND_WAIT()                  \
  do {                                      \
    connectAndWaitForRuntimes();            \
    if (QTest::currentTestFailed()) return; \
  } while (false)

void MainWindowTest::showsRuntimesAndSlavesFromTheMaster() {
  auto* run = child<QPushButton>(*window_, "runButton");
  QVERIFY(!run->isEnabled());  // not connected yet
  CONNECT_AND_WAIT();
  auto* combo = child<QComboBox>(*window_, "languageCombo");
  QCOMPARE(combo->itemText(0), QString("c 12.2.0"));
  QCOMPARE(combo->itemText(1), QString("python 3.11.2"));
  QCOMPARE(combo->currentIndex(), 0);
  QTRY_VERIFY_WITH_TIMEOUT(run->isEnabled(), kTimeoutMs);

  auto* table = child<QTableView>(*window_, "slavesView");
  QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 2, kTimeoutMs);
  QCOMPARE(table->model()->index(0, 0).data().toString(), QString("slave-a"));
  QVERIFY(child<QLabel>(*window_, "clusterSummary")->text().contains("12 submitted"));
  QCOMPARE(child<QTabWidget>(*window_, "pages")->tabText(1), QString("Cluster (2)"));
  QVERIFY(child<QLabel>(*window_, "connectionLabel")->text().contains("connected to"));
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
  QTRY_VERIFY_WITH_TIMEOUT(run->isEnabled(), kTimeoutMs);

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

  QCOMPARE(child<QPlainTextEdit>(*window_, "stdoutView")->toPlainText(), QString("hi\n"));
  const QString details = child<QLabel>(*window_, "detailsLabel")->text();
  QVERIFY2(details.contains("exit code 0") && details.contains("slave-a") &&
               details.contains("cpu 12 ms") && details.contains("8.8 MiB"),
           qPrintable(details));
  const QString progress = child<QLabel>(*window_, "progressLabel")->text();
  QVERIFY2(progress.contains("j-000042") && progress.contains("queued") &&
               progress.contains("on slave-a") && progress.contains("running") &&
               progress.contains("OK"),
           qPrintable(progress));
  QVERIFY(!window_->isRunning());
  QVERIFY(run->isEnabled());
}

void MainWindowTest::ctrlReturnRuns() {
  CONNECT_AND_WAIT();
  window_->activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(window_.get()));
  auto* editor = child<QPlainTextEdit>(*window_, "editor");
  editor->setFocus();
  editor->setPlainText("int main() { return 0; }\n");
  QTRY_VERIFY_WITH_TIMEOUT(child<QPushButton>(*window_, "runButton")->isEnabled(), kTimeoutMs);
  QTest::keyClick(editor, Qt::Key_Return, Qt::ControlModifier);
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(*window_, "verdictLabel")->text(), QString("OK"),
                            kTimeoutMs);
  // The shortcut ran the program; it did not type a newline into it.
  QCOMPARE(editor->toPlainText(), QString("int main() { return 0; }\n"));
}

void MainWindowTest::errorFromTheMasterEndsTheRun() {
  submitReply_ = SubmitReply::kUnknownLanguage;
  CONNECT_AND_WAIT();
  QTRY_VERIFY_WITH_TIMEOUT(child<QPushButton>(*window_, "runButton")->isEnabled(), kTimeoutMs);
  window_->run();
  QVERIFY(window_->isRunning());
  QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(*window_, "verdictLabel")->text(),
                            QString("unknown_language"), kTimeoutMs);
  QVERIFY(child<QLabel>(*window_, "detailsLabel")->text().contains("cobol"));
  QVERIFY(!window_->isRunning());
  QVERIFY(child<QPushButton>(*window_, "runButton")->isEnabled());
}

void MainWindowTest::connectionLossEndsTheRun() {
  submitReply_ = SubmitReply::kNothing;
  CONNECT_AND_WAIT();
  QTRY_VERIFY_WITH_TIMEOUT(child<QPushButton>(*window_, "runButton")->isEnabled(), kTimeoutMs);
  window_->run();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  QVERIFY(window_->isRunning());
  fake_->closeClient();
  QTRY_VERIFY_WITH_TIMEOUT(!window_->isRunning(), kTimeoutMs);
  QCOMPARE(child<QLabel>(*window_, "verdictLabel")->text(),
           QString(polyrun::gui::kErrorConnectionLost));
  // It comes back by itself.
  QTRY_VERIFY_WITH_TIMEOUT(connection_->isConnected(), kTimeoutMs);
  QTRY_VERIFY_WITH_TIMEOUT(child<QPushButton>(*window_, "runButton")->isEnabled(), kTimeoutMs);
}

void MainWindowTest::openFilePicksTheLanguageFromTheExtension() {
  CONNECT_AND_WAIT();
  QTemporaryDir dir;
  QVERIFY(dir.isValid());
  const QString path = dir.filePath("hello.py");
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write("print('hello')\n");
  file.close();

  QCOMPARE(window_->selectedLanguage(), QString("c"));
  QVERIFY(window_->openFile(path));
  QCOMPARE(window_->selectedLanguage(), QString("python"));
  QCOMPARE(child<QPlainTextEdit>(*window_, "editor")->toPlainText(), QString("print('hello')\n"));
  QVERIFY(window_->windowTitle().contains("hello.py"));

  window_->run();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("submit").size(), size_t{1}, kTimeoutMs);
  QCOMPARE(
      fake_->receivedOfType("submit")[0].at("job").at("files")[0].at("name").get<std::string>(),
      std::string("hello.py"));

  QVERIFY(!window_->openFile(dir.filePath("missing.c")));
}

void MainWindowTest::openFileBeforeRuntimesArrivePicksLaterOn() {
  QTemporaryDir dir;
  const QString path = dir.filePath("later.py");
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write("print(1)\n");
  file.close();
  QVERIFY(window_->openFile(path));  // no runtimes known yet
  QCOMPARE(window_->selectedLanguage(), QString());
  CONNECT_AND_WAIT();
  QCOMPARE(window_->selectedLanguage(), QString("python"));  // not the first row (c)
}

void MainWindowTest::screenshots() {
  CONNECT_AND_WAIT();
  auto* table = child<QTableView>(*window_, "slavesView");
  QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 2, kTimeoutMs);
  child<QComboBox>(*window_, "languageCombo")->setCurrentIndex(1);
  child<QPlainTextEdit>(*window_, "editor")
      ->setPlainText("name = input()\nprint(f\"hello, {name}\")\n");
  child<QPlainTextEdit>(*window_, "stdinEdit")->setPlainText("polyrun\n");
  QTRY_VERIFY_WITH_TIMEOUT(child<QPushButton>(*window_, "runButton")->isEnabled(), kTimeoutMs);
  window_->run();
  QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(*window_, "verdictLabel")->text(), QString("OK"),
                            kTimeoutMs);

  const QString outDir = QStringLiteral(POLYRUN_GUI_TEST_OUTPUT_DIR);
  QVERIFY(QDir().mkpath(outDir));
  const QPixmap run = window_->grab();
  QVERIFY(!run.isNull());
  QVERIFY(run.width() > 400 && run.height() > 300);
  QVERIFY(run.save(QDir(outDir).filePath("main_window_run.png")));

  child<QTabWidget>(*window_, "pages")->setCurrentIndex(1);
  const QPixmap cluster = window_->grab();
  QVERIFY(!cluster.isNull());
  QVERIFY(cluster.save(QDir(outDir).filePath("main_window_cluster.png")));
}

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
