// SlavesModel fed from a cluster reply as the master sends it: rows, columns, roles, and the
// in-place merge of the next snapshot. QAbstractItemModelTester checks the model's contract.
#include "slaves_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "client_types.h"

using polyrun::gui::clusterSnapshotFromJson;
using polyrun::gui::SlavesModel;

namespace {

const char* const kCluster = R"({
  "type": "cluster", "id": "3", "uptime_ms": 81234,
  "slaves": [
    {"id": 1, "name": "slave-a", "address": "127.0.0.1:50122", "state": "ready",
     "limits": "cgroup",
     "running": 1, "capacity": 2, "load": {"load_avg": 0.4, "memory_free_bytes": 2.1e10},
     "languages": [{"language": "python", "version": "3.11.2", "aliases": ["py"]},
                   {"language": "c", "version": "12.2.0"}],
     "last_heartbeat_ms": 120},
    {"id": 2, "name": "slave-b", "address": "10.0.0.7:40000", "state": "draining",
     "limits": "rlimits",
     "running": 0, "capacity": 4,
     "load": {"load_avg": 1.25, "cpu_busy": 0.35, "memory_free_bytes": 1073741824},
     "languages": [{"language": "java", "version": "17.0.9"}],
     "last_heartbeat_ms": 7500}
  ],
  "queues": {"python": 0, "java": 2},
  "counters": {"submitted": 12, "completed": 11, "by_verdict": {"OK": 10, "COMPILE_ERROR": 1}}
})";

QVariant cell(const SlavesModel& m, int row, int column, int role = Qt::DisplayRole) {
  return m.data(m.index(row, column), role);
}

}  // namespace

class SlavesModelTest : public QObject {
  Q_OBJECT

 private slots:
  void parsesTheClusterReply();
  void rowsAndColumnsFromSnapshot();
  void nextSnapshotMergesInPlace();
  void toleratesFieldsOfTheWrongType();
};

void SlavesModelTest::parsesTheClusterReply() {
  const auto snapshot = clusterSnapshotFromJson(nlohmann::json::parse(kCluster));
  QCOMPARE(snapshot.uptime_ms, 81234);
  QCOMPARE(snapshot.slaves.size(), 2);
  QCOMPARE(snapshot.slaves[0].languages, QStringList({"python 3.11.2", "c 12.2.0"}));
  QCOMPARE(snapshot.slaves[1].memory_free_bytes, 1073741824.0);
  QCOMPARE(snapshot.slaves[1].cpu_busy, 0.35);
  QCOMPARE(snapshot.slaves[0].cpu_busy, -1.0);  // not reported
  QCOMPARE(snapshot.queues.value("java"), 2);
  QCOMPARE(snapshot.submitted, 12);
  QCOMPARE(snapshot.completed, 11);
  QCOMPARE(snapshot.by_verdict.value("COMPILE_ERROR"), 1);
}

void SlavesModelTest::rowsAndColumnsFromSnapshot() {
  SlavesModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.setSlaves(clusterSnapshotFromJson(nlohmann::json::parse(kCluster)).slaves);

  QCOMPARE(model.rowCount(), 2);
  QCOMPARE(model.columnCount(), int(SlavesModel::kColumnCount));
  QCOMPARE(model.headerData(SlavesModel::kName, Qt::Horizontal).toString(), QString("Name"));
  QCOMPARE(model.headerData(SlavesModel::kHeartbeat, Qt::Horizontal).toString(),
           QString("Last heartbeat"));

  QCOMPARE(cell(model, 0, SlavesModel::kName).toString(), QString("slave-a"));
  QCOMPARE(cell(model, 0, SlavesModel::kAddress).toString(), QString("127.0.0.1:50122"));
  QCOMPARE(cell(model, 0, SlavesModel::kState).toString(), QString("ready"));
  QCOMPARE(cell(model, 0, SlavesModel::kJobs).toString(), QString("1/2"));
  QCOMPARE(cell(model, 0, SlavesModel::kLoad).toString(), QString("0.40"));
  QCOMPARE(cell(model, 0, SlavesModel::kLanguages).toString(), QString("python 3.11.2, c 12.2.0"));
  QCOMPARE(cell(model, 0, SlavesModel::kHeartbeat).toString(), QString("120 ms ago"));
  QCOMPARE(cell(model, 1, SlavesModel::kName).toString(), QString("slave-b"));
  QCOMPARE(cell(model, 1, SlavesModel::kJobs).toString(), QString("0/4"));
  QCOMPARE(cell(model, 1, SlavesModel::kLoad).toString(), QString("1.25 · 35 %"));
  QCOMPARE(cell(model, 0, SlavesModel::kMemory).toString(), QString("19.6 GiB"));
  QCOMPARE(cell(model, 1, SlavesModel::kMemory).toString(), QString("1.0 GiB"));
  QCOMPARE(cell(model, 1, SlavesModel::kMemory, SlavesModel::kSortRole).toDouble(), 1073741824.0);
  QCOMPARE(model.headerData(SlavesModel::kLoad, Qt::Horizontal).toString(), QString("CPU load"));
  QCOMPARE(cell(model, 1, SlavesModel::kHeartbeat).toString(), QString("7.50 s ago"));

  // Sorting sees numbers, not text.
  QCOMPARE(cell(model, 1, SlavesModel::kLoad, SlavesModel::kSortRole).toDouble(), 1.25);
  QCOMPARE(cell(model, 1, SlavesModel::kHeartbeat, SlavesModel::kSortRole).toLongLong(), 7500);
  QCOMPARE(cell(model, 0, SlavesModel::kJobs, SlavesModel::kSortRole).toDouble(), 0.5);
  // A stale heartbeat and a state other than ready stand out; a fresh one does not.
  QVERIFY(cell(model, 1, SlavesModel::kHeartbeat, Qt::ForegroundRole).isValid());
  QVERIFY(cell(model, 1, SlavesModel::kState, Qt::ForegroundRole).isValid());
  QVERIFY(!cell(model, 0, SlavesModel::kHeartbeat, Qt::ForegroundRole).isValid());
  QVERIFY(cell(model, 0, SlavesModel::kLoad, Qt::ToolTipRole).toString().contains("GiB"));
  // How each holds jobs to their limits; the weaker mode stands out and says why.
  QCOMPARE(model.headerData(SlavesModel::kLimits, Qt::Horizontal).toString(), QString("Limits"));
  QCOMPARE(cell(model, 0, SlavesModel::kLimits).toString(), QString("cgroup"));
  QCOMPARE(cell(model, 1, SlavesModel::kLimits).toString(), QString("rlimits"));
  QVERIFY(!cell(model, 0, SlavesModel::kLimits, Qt::ForegroundRole).isValid());
  QVERIFY(cell(model, 1, SlavesModel::kLimits, Qt::ForegroundRole).isValid());
  QVERIFY(cell(model, 1, SlavesModel::kLimits, Qt::ToolTipRole).toString().contains("weaker"));
  // Out of range is empty, not a crash.
  QVERIFY(!cell(model, 5, SlavesModel::kName).isValid());
}

void SlavesModelTest::nextSnapshotMergesInPlace() {
  SlavesModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  auto reply = nlohmann::json::parse(kCluster);
  model.setSlaves(clusterSnapshotFromJson(reply).slaves);

  QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
  QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
  QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
  QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

  // The same snapshot again: nothing to tell the views.
  model.setSlaves(clusterSnapshotFromJson(reply).slaves);
  QCOMPARE(changed.count() + inserted.count() + removed.count() + reset.count(), 0);

  // slave-a got busier, slave-b left, slave-c joined.
  reply["slaves"][0]["running"] = 2;
  reply["slaves"][1] = {{"id", 3}, {"name", "slave-c"}, {"state", "ready"}, {"capacity", 8}};
  model.setSlaves(clusterSnapshotFromJson(reply).slaves);
  QCOMPARE(reset.count(), 0);
  QCOMPARE(removed.count(), 1);
  QCOMPARE(inserted.count(), 1);
  QCOMPARE(changed.count(), 1);
  QCOMPARE(model.rowCount(), 2);
  QCOMPARE(cell(model, 0, SlavesModel::kName).toString(), QString("slave-a"));
  QCOMPARE(cell(model, 0, SlavesModel::kJobs).toString(), QString("2/2"));
  QCOMPARE(cell(model, 1, SlavesModel::kName).toString(), QString("slave-c"));
  QCOMPARE(cell(model, 1, SlavesModel::kJobs).toString(), QString("0/8"));

  model.setSlaves({});
  QCOMPARE(model.rowCount(), 0);
}

void SlavesModelTest::toleratesFieldsOfTheWrongType() {
  // A master with a different idea of the fields must not crash the client or throw.
  const auto snapshot = clusterSnapshotFromJson(nlohmann::json::parse(R"({
    "type": "cluster", "uptime_ms": "long",
    "slaves": [{"name": "ok", "running": "1", "load": 3, "languages": ["python", 7, {"x": 1}]},
               {"running": 1},
               "not an object"],
    "queues": [1, 2], "counters": {"submitted": 1.0, "by_verdict": {"OK": "many"}}})"));
  QCOMPARE(snapshot.uptime_ms, 0);
  QCOMPARE(snapshot.slaves.size(), 1);
  QCOMPARE(snapshot.slaves[0].name, QString("ok"));
  QCOMPARE(snapshot.slaves[0].running, 0);
  QCOMPARE(snapshot.slaves[0].languages, QStringList({"python"}));
  QVERIFY(snapshot.queues.isEmpty());
  QCOMPARE(snapshot.submitted, 1);
  QVERIFY(snapshot.by_verdict.isEmpty());

  QVERIFY(clusterSnapshotFromJson(nlohmann::json::parse(R"({"slaves": "none"})")).slaves.isEmpty());
  QVERIFY(clusterSnapshotFromJson(nlohmann::json::parse("[]")).slaves.isEmpty());
}

QTEST_GUILESS_MAIN(SlavesModelTest)
#include "slaves_model_test.moc"
