// ClientSettings round trips through its INI file, and tolerates a hand-edited one.
#include "client_settings.h"

#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

using namespace polyrun::gui;

class ClientSettingsTest : public QObject {
  Q_OBJECT

 private slots:
  void defaultsWhenEmpty();
  void valuesSurviveARestart();
  void recentFilesAreMostRecentFirstWithoutDuplicates();
  void badValuesFallBackToDefaults();
};

void ClientSettingsTest::defaultsWhenEmpty() {
  QTemporaryDir dir;
  ClientSettings s(dir.filePath("s.ini"));
  QCOMPARE(s.connection().host, QString("127.0.0.1"));
  QCOMPARE(s.connection().port, quint16(7400));
  QVERIFY(s.connection().token.isEmpty());
  QVERIFY(s.recentFiles().isEmpty());
  QCOMPARE(s.tabWidth(), ClientSettings::kDefaultTabWidth);
  QVERIFY(s.limits().isDefault());
  QVERIFY(s.lastLanguage().isEmpty());
}

void ClientSettingsTest::valuesSurviveARestart() {
  QTemporaryDir dir;
  const QString path = dir.filePath("s.ini");
  {
    ClientSettings s(path);
    s.setConnection({"master.lan", 7500, "s3cret"});
    s.setTabWidth(8);
    s.setLimits({2500, 1000, 64 << 20});
    s.setLastLanguage("python 3.11.2");
    s.setWindowGeometry("geometry");
    s.sync();
  }
  ClientSettings s(path);
  QCOMPARE(s.connection(), (ConnectionSettings{"master.lan", 7500, "s3cret"}));
  QCOMPARE(s.tabWidth(), 8);
  QCOMPARE(s.limits(), (RunLimits{2500, 1000, 64 << 20}));
  QCOMPARE(s.lastLanguage(), QString("python 3.11.2"));
  QCOMPARE(s.windowGeometry(), QByteArray("geometry"));
  // Clearing the token removes it from the file rather than storing an empty one.
  s.setConnection({"master.lan", 7500, {}});
  s.sync();
  QSettings raw(path, QSettings::IniFormat);
  QVERIFY(!raw.contains("connection/token"));
}

void ClientSettingsTest::recentFilesAreMostRecentFirstWithoutDuplicates() {
  QTemporaryDir dir;
  ClientSettings s(dir.filePath("s.ini"));
  const QString a = dir.filePath("a.py");
  const QString b = dir.filePath("b.c");
  s.addRecentFile(a);
  s.addRecentFile(b);
  s.addRecentFile(a);
  QCOMPARE(s.recentFiles(), QStringList({a, b}));
  for (int i = 0; i < ClientSettings::kMaxRecentFiles + 3; ++i)
    s.addRecentFile(dir.filePath(QString("f%1.py").arg(i)));
  QCOMPARE(s.recentFiles().size(), ClientSettings::kMaxRecentFiles);
  QCOMPARE(s.recentFiles().first(),
           dir.filePath(QString("f%1.py").arg(ClientSettings::kMaxRecentFiles + 2)));
  s.removeRecentFile(s.recentFiles().first());
  QCOMPARE(s.recentFiles().size(), ClientSettings::kMaxRecentFiles - 1);
  s.clearRecentFiles();
  QVERIFY(s.recentFiles().isEmpty());
}

void ClientSettingsTest::badValuesFallBackToDefaults() {
  QTemporaryDir dir;
  const QString path = dir.filePath("s.ini");
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write("[connection]\nhost=\nport=99999\n[editor]\ntabWidth=100\n[limits]\nwallMs=-5\n");
  file.close();
  ClientSettings s(path);
  QCOMPARE(s.connection().host, QString("127.0.0.1"));
  QCOMPARE(s.connection().port, quint16(7400));
  QCOMPARE(s.tabWidth(), 16);
  QCOMPARE(s.limits().wall_ms, 0);
}

QTEST_GUILESS_MAIN(ClientSettingsTest)
#include "client_settings_test.moc"
