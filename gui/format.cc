#include "format.h"

#include <QHash>
#include <cmath>

namespace polyrun::gui {

QString formatBytes(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (std::abs(bytes) >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  if (unit == 0) return QStringLiteral("%1 B").arg(static_cast<qint64>(bytes));
  return QStringLiteral("%1 %2").arg(bytes, 0, 'f', 1).arg(QLatin1String(kUnits[unit]));
}

QString formatDuration(qint64 ms) {
  if (ms < 1000) return QStringLiteral("%1 ms").arg(ms);
  if (ms < 60'000) return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 2);
  const qint64 s = ms / 1000;
  if (s < 3600) return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
  return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s / 60) % 60, 2, 10, QChar('0'));
}

QColor verdictColor(const QString& verdict) {
  static const QHash<QString, QColor> kColors = {
      {"OK", QColor(0x2e, 0x7d, 0x32)},
      {"COMPILE_ERROR", QColor(0xef, 0x6c, 0x00)},
      {"RUNTIME_ERROR", QColor(0xc6, 0x28, 0x28)},
      {"SIGNALED", QColor(0xad, 0x14, 0x57)},
      {"TIME_LIMIT", QColor(0x6a, 0x1b, 0x9a)},
      {"MEMORY_LIMIT", QColor(0x45, 0x27, 0xa0)},
      {"OUTPUT_LIMIT", QColor(0x00, 0x83, 0x8f)},
      {"INTERNAL_ERROR", QColor(0x42, 0x42, 0x42)},
      {"WRONG_ANSWER", QColor(0xd8, 0x43, 0x15)},
      {"SKIPPED", QColor(0x9e, 0x9e, 0x9e)},
      // Brown, apart from the program's failures: the checker program failed, not the program.
      {"CHECKER_ERROR", QColor(0x6d, 0x4c, 0x41)},
  };
  return kColors.value(verdict, QColor(0x61, 0x61, 0x61));
}

QString badgeStyleSheet(const QColor& color) {
  return QStringLiteral(
             "QLabel { background: %1; color: white; font-weight: bold; border-radius: 3px; "
             "padding: 2px 8px; }")
      .arg(color.name());
}

}  // namespace polyrun::gui
