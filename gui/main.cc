// polyrun-gui: the desktop client. Works out where the master is (command line, environment,
// saved settings), shows the window, connects.
#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

#include "client_settings.h"
#include "main_window.h"
#include "master_connection.h"
#include "startup_options.h"

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
      "slaves.\nThe master is taken from --master or --host/--port, else from $POLYRUN_MASTER "
      "(HOST:PORT), else from the saved connection settings, else 127.0.0.1:7400."));
  parser.addHelpOption();
  parser.addVersionOption();
  polyrun::gui::addStartupOptions(&parser);
  parser.process(app);  // --help, --version and unknown options end here

  polyrun::gui::ClientSettings settings;
  polyrun::gui::StartupOptions options;
  QString error;
  if (!polyrun::gui::resolveStartupOptions(parser, qEnvironmentVariable("POLYRUN_MASTER"),
                                           settings.connection(), &options, &error))
    return usageError(error);

  polyrun::gui::MasterConnection connection;
  connection.setToken(options.connection.token);
  polyrun::gui::MainWindow window(&connection, &settings);
  if (!options.files.isEmpty()) window.openFile(options.files.first());
  window.show();
  if (options.connect_on_start) {
    connection.connectToMaster(options.connection.host, options.connection.port);
  } else {
    connection.setAddress(options.connection.host, options.connection.port);
  }
  return app.exec();
}
