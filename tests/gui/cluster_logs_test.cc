// The Logs view of the Cluster page, in the whole window against a fake master: the window
// subscribes once the page is shown, events appear as they come, the level and slave filters
// hide rows, a reconnect asks only for what it missed (`after`), a restarted master's new ids are
// followed, events_dropped shows as a row, the table follows new rows unless scrolled up; and the
// screenshot of docs/gui.md.
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QScrollBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>
#include <vector>

#include "canned_replies.h"
#include "client_settings.h"
#include "cluster_view.h"
#include "events_model.h"
#include "fake_master.h"
#include "logs_view.h"
#include "main_window.h"
#include "master_connection.h"
#include "slaves_model.h"

using nlohmann::json;
using namespace polyrun::gui;
using polyrun::gui::test::FakeMaster;

namespace {

constexpr int kTimeoutMs = 5000;
constexpr qint64 kBaseTimeMs = 1796670783123;  // 2026-12-07T19:13:03.123Z

template <typename T>
T* child(QWidget& parent, const char* name) {
  T* w = parent.findChild<T*>(QString::fromLatin1(name));
  if (!w) qFatal("no child widget named %s", name);
  return w;
}

json makeEvent(qint64 id, const char* level, const char* kind, const std::string& message,
               const std::string& slave = {}) {
  json e = {{"id", id},
            {"time_ms", kBaseTimeMs + id * 1700},
            {"level", level},
            {"kind", kind},
            {"message", message}};
  if (!slave.empty()) e["slave"] = slave;
  return e;
}

}  // namespace

class ClusterLogsTest : public QObject {
  Q_OBJECT

 private slots:
  void init();
  void cleanup();

  void subscribesOnceTheClusterPageIsShown();
  void eventsAppearLiveAndFiltersHideThem();
  void reconnectAsksOnlyForWhatItMissed();
  void restartedMastersIdsAreFollowed();
  void droppedEventsShowAsARow();
  void unreadableEventIsReportedAndSkipped();
  void tableFollowsNewRowsUnlessScrolledUp();
  void screenshot();

 private:
  /// Connects, shows the Cluster page and waits for the backlog (events_ so far) to be shown.
  void connectAndShowLogs();
  /// Publishes an event: kept for later subscriptions and sent to the current one.
  void publish(const json& e);
  EventsModel* model() { return cluster_->logsView()->model(); }

  std::unique_ptr<QTemporaryDir> dir_;
  std::unique_ptr<ClientSettings> settings_;
  std::unique_ptr<FakeMaster> fake_;
  std::unique_ptr<MasterConnection> connection_;
  std::unique_ptr<MainWindow> window_;
  ClusterView* cluster_ = nullptr;
  std::vector<json> events_;    // the fake master's kept events
  json subscription_;           // id of the current connection's subscribe
  qint64 restart_newest_ = -1;  // >= 0: answer the next subscribe as a restarted master would
};

void ClusterLogsTest::init() {
  events_ = {makeEvent(1, "info", "master_started", "master started: clients on 7400"),
             makeEvent(2, "info", "slave_joined", "slave slave-a joined: 2 slots", "slave-a")};
  subscription_ = nullptr;
  restart_newest_ = -1;
  dir_ = std::make_unique<QTemporaryDir>();
  QVERIFY(dir_->isValid());
  settings_ = std::make_unique<ClientSettings>(dir_->filePath("settings.ini"));
  fake_ = std::make_unique<FakeMaster>();
  QVERIFY(fake_->listen());
  fake_->setResponder([this](FakeMaster& master, const json& m) {
    const std::string type = m.at("type");
    if (type == "runtimes") master.send(test::runtimesReply(m));
    if (type == "cluster") master.send(test::clusterReply(m, true));
    if (type != "subscribe") return;
    subscription_ = m.at("id");
    // As the master does (docs/protocol.md): the kept events after `after`, none when `after`
    // is above the newest.
    if (restart_newest_ >= 0) {
      master.send({{"type", "subscribed"}, {"id", subscription_}, {"newest", restart_newest_}});
      return;
    }
    const qint64 after = m.value("after", qint64{0});
    const qint64 newest = events_.empty() ? 0 : events_.back().at("id").get<qint64>();
    master.send({{"type", "subscribed"}, {"id", subscription_}, {"newest", newest}});
    for (const json& e : events_) {
      if (e.at("id").get<qint64>() > after)
        master.send({{"type", "event"}, {"id", subscription_}, {"event", e}});
    }
  });
  connection_ = std::make_unique<MasterConnection>();
  connection_->setReconnectBackoff(20, 200);
  window_ = std::make_unique<MainWindow>(connection_.get(), settings_.get());
  window_->setRefreshInterval(200);
  window_->resize(1180, 760);
  window_->show();
  QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
  cluster_ = child<ClusterView>(*window_, "clusterView");
}

void ClusterLogsTest::cleanup() {
  window_.reset();
  connection_.reset();
  fake_.reset();
  settings_.reset();
  dir_.reset();
}

void ClusterLogsTest::connectAndShowLogs() {
  connection_->connectToMaster("127.0.0.1", fake_->port());
  QTRY_VERIFY_WITH_TIMEOUT(connection_->isConnected(), kTimeoutMs);
  child<QTabWidget>(*window_, "pages")->setCurrentIndex(MainWindow::kClusterPage);
  cluster_->showLogs();
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), int(events_.size()), kTimeoutMs);
}

void ClusterLogsTest::publish(const json& e) {
  events_.push_back(e);
  fake_->send({{"type", "event"}, {"id", subscription_}, {"event", e}});
}

void ClusterLogsTest::subscribesOnceTheClusterPageIsShown() {
  connection_->connectToMaster("127.0.0.1", fake_->port());
  QTRY_VERIFY_WITH_TIMEOUT(!fake_->receivedOfType("cluster").empty(), kTimeoutMs);
  QVERIFY(fake_->receivedOfType("subscribe").empty());  // the Run page is up: nobody looks
  QVERIFY(!connection_->wantsEvents());
  child<QTabWidget>(*window_, "pages")->setCurrentIndex(MainWindow::kClusterPage);
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("subscribe").size(), size_t{1}, kTimeoutMs);
  // The first subscription asks for everything the master kept.
  QVERIFY(!fake_->receivedOfType("subscribe").front().contains("after"));
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 2, kTimeoutMs);
  QCOMPARE(model()->event(0).kind, QString("master_started"));
  QCOMPARE(model()->event(1).slave, QString("slave-a"));
  QCOMPARE(connection_->lastEventId(), qint64(2));
  // Going elsewhere and back subscribes no second time (the master would refuse it).
  child<QTabWidget>(*window_, "pages")->setCurrentIndex(MainWindow::kRunPage);
  child<QTabWidget>(*window_, "pages")->setCurrentIndex(MainWindow::kClusterPage);
  publish(makeEvent(3, "info", "slave_joined", "slave slave-b joined", "slave-b"));
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 3, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("subscribe").size(), size_t{1});
}

void ClusterLogsTest::eventsAppearLiveAndFiltersHideThem() {
  connectAndShowLogs();
  if (QTest::currentTestFailed()) return;
  publish(
      makeEvent(3, "warning", "slave_lost", "slave slave-b is gone: heartbeat timeout", "slave-b"));
  publish(makeEvent(4, "error", "language_refused", "java: self-test failed", "slave-a"));
  auto* table = child<QTableView>(*window_, "logsView");
  QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 4, kTimeoutMs);
  QCOMPARE(table->model()->index(3, EventsModel::kMessage).data().toString(),
           QString("java: self-test failed"));

  auto* level = child<QComboBox>(*window_, "logsLevelFilter");
  level->setCurrentIndex(level->findData("warning"));
  QCOMPARE(table->model()->rowCount(), 2);
  level->setCurrentIndex(level->findData("error"));
  QCOMPARE(table->model()->rowCount(), 1);
  QCOMPARE(table->model()->index(0, EventsModel::kKind).data().toString(),
           QString("language_refused"));
  level->setCurrentIndex(level->findData("info"));

  // The slave combo offers the slaves of the events and of the cluster snapshot.
  auto* slave = child<QComboBox>(*window_, "logsSlaveFilter");
  QTRY_VERIFY_WITH_TIMEOUT(slave->findData("slave-b") > 0, kTimeoutMs);
  QVERIFY(slave->findData("slave-a") > 0);
  slave->setCurrentIndex(slave->findData("slave-b"));
  QCOMPARE(table->model()->rowCount(), 1);
  QCOMPARE(table->model()->index(0, EventsModel::kSlave).data().toString(), QString("slave-b"));
  // A live event of another slave stays hidden; one of this slave shows.
  publish(makeEvent(5, "info", "slave_draining", "slave slave-a takes no new job", "slave-a"));
  publish(makeEvent(6, "info", "slave_back", "slave slave-b is back", "slave-b"));
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 6, kTimeoutMs);
  QCOMPARE(table->model()->rowCount(), 2);
  QVERIFY(child<QLabel>(*window_, "logsCount")->text().contains("2 of 6"));
  slave->setCurrentIndex(0);  // all slaves
  QCOMPARE(table->model()->rowCount(), 6);
}

void ClusterLogsTest::reconnectAsksOnlyForWhatItMissed() {
  connectAndShowLogs();
  if (QTest::currentTestFailed()) return;
  publish(makeEvent(3, "info", "slave_joined", "slave slave-b joined", "slave-b"));
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 3, kTimeoutMs);

  fake_->closeClient();
  QTRY_VERIFY_WITH_TIMEOUT(!connection_->isConnected(), kTimeoutMs);
  // Happened while this client was away: it comes with the next subscription.
  events_.push_back(makeEvent(4, "warning", "slave_lost", "slave slave-b is gone", "slave-b"));
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("subscribe").size(), size_t{2}, kTimeoutMs);
  const json again = fake_->receivedOfType("subscribe").back();
  QCOMPARE(again.value("after", qint64{-1}), qint64(3));
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 4, kTimeoutMs);
  QCOMPARE(model()->event(3).id, qint64(4));
  // Nothing twice.
  for (int row = 1; row < model()->rowCount(); ++row)
    QVERIFY(model()->event(row).id > model()->event(row - 1).id);
}

void ClusterLogsTest::restartedMastersIdsAreFollowed() {
  connectAndShowLogs();
  if (QTest::currentTestFailed()) return;
  QCOMPARE(connection_->lastEventId(), qint64(2));
  // The master restarts with one event so far: `after` 2 is above its newest, so it sends the
  // events from now, numbered from 2.
  restart_newest_ = 1;
  fake_->closeClient();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("subscribe").size(), size_t{2}, kTimeoutMs);
  QTRY_COMPARE_WITH_TIMEOUT(connection_->lastEventId(), qint64(1), kTimeoutMs);
  fake_->send({{"type", "event"},
               {"id", subscription_},
               {"event", makeEvent(2, "info", "slave_joined", "slave slave-a joined", "slave-a")}});
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 3, kTimeoutMs);
  QCOMPARE(connection_->lastEventId(), qint64(2));
  restart_newest_ = -1;
  fake_->closeClient();
  QTRY_COMPARE_WITH_TIMEOUT(fake_->receivedOfType("subscribe").size(), size_t{3}, kTimeoutMs);
  QCOMPARE(fake_->receivedOfType("subscribe").back().value("after", qint64{-1}), qint64(2));
}

void ClusterLogsTest::droppedEventsShowAsARow() {
  connectAndShowLogs();
  if (QTest::currentTestFailed()) return;
  fake_->send({{"type", "event"},
               {"id", subscription_},
               {"event",
                {{"level", "warning"},
                 {"kind", "events_dropped"},
                 {"from", 3},
                 {"to", 40},
                 {"message", "events 3 to 40 were dropped: this client read too slowly"}}}});
  publish(makeEvent(41, "info", "slave_joined", "slave slave-c joined", "slave-c"));
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 4, kTimeoutMs);
  QVERIFY(model()->event(2).isDropMarker());
  QCOMPARE(model()->event(2).dropped_to, qint64(40));
  auto* level = child<QComboBox>(*window_, "logsLevelFilter");
  level->setCurrentIndex(level->findData("error"));
  QCOMPARE(child<QTableView>(*window_, "logsView")->model()->rowCount(), 1);  // the marker
  QCOMPARE(connection_->lastEventId(), qint64(41));
}

void ClusterLogsTest::unreadableEventIsReportedAndSkipped() {
  connectAndShowLogs();
  if (QTest::currentTestFailed()) return;
  QSignalSpy errors(connection_.get(), &MasterConnection::errorReceived);
  fake_->send({{"type", "event"}, {"id", subscription_}, {"event", {{"id", 3}}}});  // no kind
  publish(makeEvent(4, "info", "slave_joined", "slave slave-b joined", "slave-b"));
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 3, kTimeoutMs);
  QCOMPARE(errors.count(), 1);
  QCOMPARE(errors.at(0).at(1).toString(), QString(kErrorBadReply));
  QVERIFY(errors.at(0).at(2).toString().contains("\"kind\""));
  QVERIFY(connection_->isConnected());
}

void ClusterLogsTest::tableFollowsNewRowsUnlessScrolledUp() {
  connectAndShowLogs();
  if (QTest::currentTestFailed()) return;
  auto* table = child<QTableView>(*window_, "logsView");
  QScrollBar* bar = table->verticalScrollBar();
  for (qint64 id = 3; id < 203; ++id)
    publish(makeEvent(id, "info", "queue_full", "python's queue is full"));
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 202, kTimeoutMs);
  QVERIFY(bar->maximum() > 0);
  QTRY_COMPARE_WITH_TIMEOUT(bar->value(), bar->maximum(), kTimeoutMs);

  bar->setValue(0);  // the user scrolls up to read
  for (qint64 id = 203; id < 213; ++id)
    publish(makeEvent(id, "info", "queue_full", "python's queue is full"));
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 212, kTimeoutMs);
  QCOMPARE(bar->value(), 0);
  QVERIFY(!cluster_->logsView()->isFollowing());

  bar->setValue(bar->maximum());  // and back down: following again
  publish(makeEvent(213, "info", "queue_full", "python's queue is full"));
  QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 213, kTimeoutMs);
  QTRY_COMPARE_WITH_TIMEOUT(bar->value(), bar->maximum(), kTimeoutMs);
  QVERIFY(cluster_->logsView()->isFollowing());
}

void ClusterLogsTest::screenshot() {
  events_ = {
      makeEvent(1, "info", "master_started", "master started: clients on 7400, slaves on 7401"),
      makeEvent(2, "info", "slave_joined",
                "slave slave-a joined from 10.0.0.11: 2 slots; c 12.2.0, python 3.11.2", "slave-a"),
      makeEvent(3, "info", "slave_joined",
                "slave slave-b joined from 10.0.0.12: 4 slots; python 3.11.2, java 17.0.15",
                "slave-b"),
      makeEvent(4, "error", "language_refused",
                "slave-b: plugin polyrun_java.so refused: self-test failed: expected output "
                "\"42\", got nothing (exit code 1)",
                "slave-b"),
      makeEvent(5, "warning", "queue_full",
                "python's queue is full (200 jobs, master.queue.max): new python jobs are refused "
                "until it drains"),
      makeEvent(6, "warning", "slave_lost",
                "slave slave-b is gone: heartbeat timeout; 2 of its jobs go back to the queue",
                "slave-b"),
      makeEvent(7, "warning", "job_requeued", "job j-000042 (python) goes back to the queue",
                "slave-b"),
      makeEvent(8, "warning", "client_refused",
                "a client was refused: wrong token; check master.client.tokens"),
      makeEvent(9, "info", "slave_back", "slave slave-b is back (10.0.0.12): 4 slots", "slave-b"),
      makeEvent(10, "info", "language_added", "slave-a now offers c++ 12.2.0", "slave-a"),
  };
  connectAndShowLogs();
  if (QTest::currentTestFailed()) return;
  QTRY_VERIFY_WITH_TIMEOUT(cluster_->model()->rowCount() == 2, kTimeoutMs);  // the slaves table
  const QString out_dir = QStringLiteral(POLYRUN_GUI_TEST_OUTPUT_DIR);
  QVERIFY(QDir().mkpath(out_dir));
  const QPixmap shot = window_->grab();
  QVERIFY(!shot.isNull());
  QVERIFY(shot.save(QDir(out_dir).filePath("cluster_logs.png")));
}

QTEST_MAIN(ClusterLogsTest)
#include "cluster_logs_test.moc"
