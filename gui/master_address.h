// Where the master's client port is: parsed from "host:port" (command line, POLYRUN_MASTER).
#pragma once

#include <QString>

namespace polyrun::gui {

inline constexpr quint16 kDefaultMasterPort = 7400;
inline constexpr char kDefaultMasterHost[] = "127.0.0.1";

struct MasterAddress {
  QString host = QString::fromLatin1(kDefaultMasterHost);
  quint16 port = kDefaultMasterPort;
};

/// Parses "host:port", "host" (default port), ":port" (default host) or "[v6addr]:port".
/// Returns false and sets *error when the port is not a number in 1..65535 or the text is empty;
/// *out is then untouched.
bool parseMasterAddress(const QString& text, MasterAddress* out, QString* error);

/// Parses a port given on its own ("7400"); false when not in 1..65535.
bool parsePort(const QString& text, quint16* out);

}  // namespace polyrun::gui
