#include "master_address.h"

namespace polyrun::gui {

bool parsePort(const QString& text, quint16* out) {
  bool ok = false;
  const uint value = text.trimmed().toUInt(&ok);
  if (!ok || value == 0 || value > 65535) return false;
  *out = static_cast<quint16>(value);
  return true;
}

bool parseMasterAddress(const QString& text, MasterAddress* out, QString* error) {
  const QString t = text.trimmed();
  if (t.isEmpty()) {
    *error = QStringLiteral("empty master address; expected HOST:PORT");
    return false;
  }
  MasterAddress result;
  QString host = t;
  QString port;
  if (t.startsWith('[')) {
    // "[::1]:7400": the brackets keep the address's own colons apart from the port's.
    const qsizetype close = t.indexOf(']');
    if (close < 0) {
      *error = QStringLiteral("\"%1\": missing ']' after the IPv6 address").arg(t);
      return false;
    }
    host = t.mid(1, close - 1);
    const QString rest = t.mid(close + 1);
    if (!rest.isEmpty()) {
      if (!rest.startsWith(':')) {
        *error = QStringLiteral("\"%1\": expected ':PORT' after ']'").arg(t);
        return false;
      }
      port = rest.mid(1);
    }
  } else if (t.count(':') == 1) {
    const qsizetype colon = t.indexOf(':');
    host = t.left(colon);
    port = t.mid(colon + 1);
  }
  // More than one colon without brackets: a bare IPv6 address, no port.
  if (!host.isEmpty()) result.host = host;
  if (!port.isNull() && !parsePort(port, &result.port)) {
    *error = QStringLiteral("\"%1\": port must be a number from 1 to 65535").arg(t);
    return false;
  }
  *out = result;
  return true;
}

}  // namespace polyrun::gui
