// The command line of polyrun-gui, and where the master is when the window opens: the command
// line wins over $POLYRUN_MASTER, which wins over the saved settings, which win over the defaults.
// A function of its inputs, so tests check every combination without starting the program.
#pragma once

#include <QString>
#include <QStringList>

#include "client_settings.h"

class QCommandLineParser;

namespace polyrun::gui {

struct StartupOptions {
  ConnectionSettings connection;
  bool connect_on_start = true;  // false with --no-connect
  QStringList files;             // to open; only the first is used today
};

/// Declares --host, --port, --master, --token, --no-connect and the FILE argument.
void addStartupOptions(QCommandLineParser* parser);

/// Reads a parser on which addStartupOptions() and parse()/process() were called. False, with
/// *error for people, when an address or port is malformed (the program exits with 64).
bool resolveStartupOptions(const QCommandLineParser& parser, const QString& env_master,
                           const ConnectionSettings& saved, StartupOptions* out, QString* error);

}  // namespace polyrun::gui
