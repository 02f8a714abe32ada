#include "startup_options.h"

#include <QCommandLineParser>

#include "master_address.h"

namespace polyrun::gui {

void addStartupOptions(QCommandLineParser* parser) {
  parser->addOption({QStringLiteral("master"),
                     QStringLiteral("Master client port as HOST:PORT (also $POLYRUN_MASTER)."),
                     QStringLiteral("host:port")});
  parser->addOption(
      {QStringLiteral("host"), QStringLiteral("Master host."), QStringLiteral("host")});
  parser->addOption(
      {QStringLiteral("port"), QStringLiteral("Master client port."), QStringLiteral("port")});
  parser->addOption({QStringLiteral("token"),
                     QStringLiteral("Client API token (master.client.tokens)."),
                     QStringLiteral("token")});
  parser->addOption({QStringLiteral("no-connect"),
                     QStringLiteral("Do not connect on start (Connection > Reconnect now does).")});
  parser->addPositionalArgument(QStringLiteral("file"), QStringLiteral("Source file to open."),
                                QStringLiteral("[file]"));
}

bool resolveStartupOptions(const QCommandLineParser& parser, const QString& env_master,
                           const ConnectionSettings& saved, StartupOptions* out, QString* error) {
  StartupOptions result;
  result.connection = saved;

  // Each source replaces the address as a whole: "HOST" alone means HOST at the default port,
  // not HOST at whatever port was saved for another master.
  const auto applyAddress = [&](const QString& text, const QString& origin) {
    MasterAddress address;
    QString why;
    if (!parseMasterAddress(text, &address, &why)) {
      *error = QStringLiteral("%1: %2").arg(origin, why);
      return false;
    }
    result.connection.host = address.host;
    result.connection.port = address.port;
    return true;
  };
  if (!env_master.trimmed().isEmpty() &&
      !applyAddress(env_master, QStringLiteral("POLYRUN_MASTER")))
    return false;
  if (parser.isSet(QStringLiteral("master")) &&
      !applyAddress(parser.value(QStringLiteral("master")), QStringLiteral("--master")))
    return false;
  if (parser.isSet(QStringLiteral("host"))) {
    const QString host = parser.value(QStringLiteral("host")).trimmed();
    if (host.isEmpty()) {
      *error = QStringLiteral("--host must not be empty");
      return false;
    }
    result.connection.host = host;
  }
  if (parser.isSet(QStringLiteral("port")) &&
      !parsePort(parser.value(QStringLiteral("port")), &result.connection.port)) {
    *error = QStringLiteral("--port must be a number from 1 to 65535");
    return false;
  }
  if (parser.isSet(QStringLiteral("token")))
    result.connection.token = parser.value(QStringLiteral("token"));
  result.connect_on_start = !parser.isSet(QStringLiteral("no-connect"));
  result.files = parser.positionalArguments();
  *out = result;
  return true;
}

}  // namespace polyrun::gui
