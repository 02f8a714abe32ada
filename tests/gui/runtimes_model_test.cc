// RuntimesModel: order, lookups by extension and by name, and no reset when nothing changed.
#include "runtimes_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include "canned_replies.h"

using polyrun::gui::Runtime;
using polyrun::gui::RuntimesModel;

namespace {

QList<Runtime> sample() {
  return {
      {"python", "3.9.2", {"py"}, {".py"}, false, 1},
      {"c", "12.2.0", {"gcc"}, {".c", ".h"}, true, 2},
      {"python", "3.11.2", {"py", "python3"}, {".py"}, false, 2},
      {"java", "17.0.9", {}, {".java"}, true, 1},
  };
}

}  // namespace

class RuntimesModelTest : public QObject {
  Q_OBJECT

 private slots:
  void sortedByLanguageNewestFirst();
  void rowForExtension();
  void rowOfNameOrAlias();
  void unchangedListDoesNotReset();
  void extensionPicksLanguageAmongMany();
};

void RuntimesModelTest::sortedByLanguageNewestFirst() {
  RuntimesModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.setRuntimes(sample());
  QCOMPARE(model.rowCount(), 4);
  QCOMPARE(model.index(0).data().toString(), QString("c 12.2.0"));
  QCOMPARE(model.index(1).data().toString(), QString("java 17.0.9"));
  QCOMPARE(model.index(2).data().toString(), QString("python 3.11.2"));  // 3.11 > 3.9
  QCOMPARE(model.index(3).data().toString(), QString("python 3.9.2"));
  QCOMPARE(model.index(0).data(RuntimesModel::kExtensionsRole).toStringList(),
           QStringList({".c", ".h"}));
  QCOMPARE(model.index(0).data(RuntimesModel::kCompiledRole).toBool(), true);
  QCOMPARE(model.index(2).data(RuntimesModel::kSlavesRole).toInt(), 2);
  QVERIFY(model.index(2).data(Qt::ToolTipRole).toString().contains("python3"));
  QVERIFY(model.roleNames().values().contains("language"));
}

void RuntimesModelTest::rowForExtension() {
  RuntimesModel model;
  model.setRuntimes(sample());
  QCOMPARE(model.rowForExtension(".py"), 2);  // the newest python
  QCOMPARE(model.rowForExtension("py"), 2);
  QCOMPARE(model.rowForExtension("PY"), 2);
  QCOMPARE(model.rowForExtension("h"), 0);
  QCOMPARE(model.rowForExtension("rs"), -1);
  QCOMPARE(model.rowForExtension(""), -1);
}

void RuntimesModelTest::rowOfNameOrAlias() {
  RuntimesModel model;
  model.setRuntimes(sample());
  QCOMPARE(model.rowOf("python", "3.9.2"), 3);
  QCOMPARE(model.rowOf("python", "2.7"), 2);  // version gone: the newest of the language
  QCOMPARE(model.rowOf("gcc"), 0);
  QCOMPARE(model.rowOf("cobol"), -1);
  QVERIFY(model.runtimeAt(4) == nullptr);
  QVERIFY(model.runtimeAt(-1) == nullptr);
}

void RuntimesModelTest::unchangedListDoesNotReset() {
  RuntimesModel model;
  model.setRuntimes(sample());
  QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
  QList<Runtime> shuffled = sample();
  std::reverse(shuffled.begin(), shuffled.end());
  model.setRuntimes(shuffled);  // same content, another order
  QCOMPARE(reset.count(), 0);
  shuffled[0].slaves = 5;
  model.setRuntimes(shuffled);
  QCOMPARE(reset.count(), 1);
}

void RuntimesModelTest::extensionPicksLanguageAmongMany() {
  RuntimesModel model;
  model.setRuntimes(
      polyrun::gui::runtimesFromJson(polyrun::gui::test::manyRuntimesReply({{"id", 1}})));
  QCOMPARE(model.rowCount(), 39);
  // Every extension of every language finds it (".cpp" is c++'s, c++20's and c++23's: the first,
  // plain c++, wins), with or without the dot, in any case.
  for (const Runtime& r : model.runtimes()) {
    for (const QString& ext : r.extensions) {
      const QString expected = ext == ".cpp" ? QString("c++") : r.language;
      for (const QString& asked : {ext, ext.mid(1), ext.toUpper()}) {
        const Runtime* found = model.runtimeAt(model.rowForExtension(asked));
        QVERIFY2(found && found->language == expected, qPrintable(asked));
      }
    }
  }
  QCOMPARE(model.runtimeAt(model.rowForExtension("r"))->language, QString("r"));  // ".R"
  QCOMPARE(model.runtimeAt(model.rowForExtension("js"))->language, QString("nodejs"));
  QCOMPARE(model.runtimeAt(model.rowOf("javascript"))->language, QString("nodejs"));  // alias
  QCOMPARE(model.rowForExtension("xyz"), -1);
}

QTEST_GUILESS_MAIN(RuntimesModelTest)
#include "runtimes_model_test.moc"
