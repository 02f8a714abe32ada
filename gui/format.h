// Numbers and verdicts for people: sizes, durations and verdict colours as the GUI shows them.
#pragma once

#include <QColor>
#include <QString>

namespace polyrun::gui {

/// "512 B", "8.8 MiB", "2.0 GiB" (binary units, as the limits are configured).
QString formatBytes(double bytes);
/// "850 ms", "1.25 s", "3 min 05 s", "2 h 07 min".
QString formatDuration(qint64 ms);
/// The colour of a verdict (OK green, COMPILE_ERROR orange, RUNTIME_ERROR red, WRONG_ANSWER deep
/// orange, SKIPPED light grey, ...); grey for
/// anything else (client states such as "stopped", error codes).
QColor verdictColor(const QString& verdict);

/// The style sheet of a verdict badge: a QLabel in white bold on `color`, rounded.
QString badgeStyleSheet(const QColor& color);

}  // namespace polyrun::gui
