// Where polyrun-gui connects on start: command line over $POLYRUN_MASTER over saved settings over
// the defaults, and malformed values refused with a message.
#include "startup_options.h"

#include <QCommandLineParser>
#include <QtTest>

using namespace polyrun::gui;

namespace {

bool resolve(const QStringList& args, const QString& env, const ConnectionSettings& saved,
             StartupOptions* out, QString* error) {
  QCommandLineParser parser;
  addStartupOptions(&parser);
  if (!parser.parse(QStringList{"polyrun-gui"} + args)) {
    *error = parser.errorText();
    return false;
  }
  return resolveStartupOptions(parser, env, saved, out, error);
}

}  // namespace

class StartupOptionsTest : public QObject {
  Q_OBJECT

 private slots:
  void precedence_data();
  void precedence();
  void tokenFileAndNoConnect();
  void malformedValuesAreRefused_data();
  void malformedValuesAreRefused();
};

void StartupOptionsTest::precedence_data() {
  QTest::addColumn<QStringList>("args");
  QTest::addColumn<QString>("env");
  QTest::addColumn<QString>("host");
  QTest::addColumn<int>("port");
  QTest::newRow("saved settings") << QStringList{} << ""
                                  << "saved.lan" << 7600;
  QTest::newRow("environment over saved") << QStringList{} << "env.lan:7700"
                                          << "env.lan" << 7700;
  QTest::newRow("environment host only") << QStringList{} << "env.lan"
                                         << "env.lan" << 7400;
  QTest::newRow("--master over environment")
      << QStringList{"--master", "cli.lan:7800"} << "env.lan:7700"
      << "cli.lan" << 7800;
  QTest::newRow("--host and --port over everything")
      << QStringList{"--master", "cli.lan:7800", "--host", "h.lan", "--port", "7900"}
      << "env.lan:7700"
      << "h.lan" << 7900;
  QTest::newRow("--port alone keeps the saved host") << QStringList{"--port", "7901"} << ""
                                                     << "saved.lan" << 7901;
}

void StartupOptionsTest::precedence() {
  QFETCH(QStringList, args);
  QFETCH(QString, env);
  QFETCH(QString, host);
  QFETCH(int, port);
  StartupOptions out;
  QString error;
  QVERIFY2(resolve(args, env, {"saved.lan", 7600, "saved-token"}, &out, &error), qPrintable(error));
  QCOMPARE(out.connection.host, host);
  QCOMPARE(int(out.connection.port), port);
  QCOMPARE(out.connection.token, QString("saved-token"));
  QVERIFY(out.connect_on_start);
}

void StartupOptionsTest::tokenFileAndNoConnect() {
  StartupOptions out;
  QString error;
  QVERIFY(resolve({"--token", "cli-token", "--no-connect", "prog.py"}, {}, {}, &out, &error));
  QCOMPARE(out.connection.token, QString("cli-token"));
  QVERIFY(!out.connect_on_start);
  QCOMPARE(out.files, QStringList{"prog.py"});
  QCOMPARE(out.connection.host, QString("127.0.0.1"));
  QCOMPARE(int(out.connection.port), 7400);
}

void StartupOptionsTest::malformedValuesAreRefused_data() {
  QTest::addColumn<QStringList>("args");
  QTest::addColumn<QString>("env");
  QTest::addColumn<QString>("mentions");
  QTest::newRow("bad environment") << QStringList{} << "h:http"
                                   << "POLYRUN_MASTER";
  QTest::newRow("bad --master") << QStringList{"--master", "h:0"} << ""
                                << "--master";
  QTest::newRow("bad --port") << QStringList{"--port", "70000"} << ""
                              << "--port";
  QTest::newRow("empty --host") << QStringList{"--host", " "} << ""
                                << "--host";
}

void StartupOptionsTest::malformedValuesAreRefused() {
  QFETCH(QStringList, args);
  QFETCH(QString, env);
  QFETCH(QString, mentions);
  StartupOptions out;
  out.connection.host = "untouched";
  QString error;
  QVERIFY(!resolve(args, env, {}, &out, &error));
  QVERIFY2(error.contains(mentions), qPrintable(error));
  QCOMPARE(out.connection.host, QString("untouched"));
}

QTEST_GUILESS_MAIN(StartupOptionsTest)
#include "startup_options_test.moc"
