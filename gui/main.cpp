// polyrun-gui: the desktop client. Parses where the master is, shows the window, connects.
#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

#include "main_window.h"
#include "master_address.h"
#include "master_connection.h"

namespace {

int usageError(const QString& message) {
  QTextStream(stderr) << "polyrun-gui: " << message << '\n';
  return 64;  // EX_USAGE
}

}  // namespace

int main(int argc, char* argv[]) {
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("polyrun-gui"));
  QApplication::setApplicationDisplayName(QStringLiteral("polyrun"));
  QApplication::setApplicationVersion(QStringLiteral(POLYRUN_VERSION));
  QApplication::setOrganizationName(QStringLiteral("polyrun"));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral(
      "Desktop client of a polyrun cluster: edit a program, run it on the cluster, watch the "
      "slaves.\nThe master is taken from --host/--port, else from $POLYRUN_MASTER (HOST:PORT), "
      "else 127.0.0.1:7400."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption hostOption(QStringLiteral("host"),
                                      QStringLiteral("Master host (default 127.0.0.1)."),
                                      QStringLiteral("host"));
  const QCommandLineOption portOption(QStringLiteral("port"),
                                      QStringLiteral("Master client port (default 7400)."),
                                      QStringLiteral("port"));
  parser.addOption(hostOption);
  parser.addOption(portOption);
  parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("Source file to open."),
                               QStringLiteral("[file]"));
  parser.process(app);

  polyrun::gui::MasterAddress address;
  const QString fromEnv = qEnvironmentVariable("POLYRUN_MASTER");
  if (!fromEnv.isEmpty()) {
    QString error;
    if (!polyrun::gui::parseMasterAddress(fromEnv, &address, &error))
      return usageError(QStringLiteral("POLYRUN_MASTER: %1").arg(error));
  }
  if (parser.isSet(hostOption)) address.host = parser.value(hostOption);
  if (parser.isSet(portOption) && !polyrun::gui::parsePort(parser.value(portOption), &address.port))
    return usageError(QStringLiteral("--port must be a number from 1 to 65535"));

  polyrun::gui::MasterConnection connection;
  polyrun::gui::MainWindow window(&connection);
  const QStringList files = parser.positionalArguments();
  if (!files.isEmpty()) window.openFile(files.first());
  window.show();
  connection.connectToMaster(address.host, address.port);
  return app.exec();
}
