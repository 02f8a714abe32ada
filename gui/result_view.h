// The outcome of one run: a coloured verdict, the figures (exit code, times, memory, slave,
// queue time) and tabs with stdout, stderr and compiler output.
#pragma once

#include <QColor>
#include <QWidget>

#include "client_types.h"

class QLabel;
class QPlainTextEdit;
class QTabWidget;

namespace polyrun::gui {

/// Background colour of the verdict badge; unknown verdicts (and client errors) are grey.
QColor verdictColor(const QString& verdict);

class ResultView : public QWidget {
  Q_OBJECT

 public:
  /// Larger outputs are cut in the view (not in the result): QPlainTextEdit stays responsive
  /// with a few MiB, not with the 16 MiB a stream may hold at the maximum output limit.
  static constexpr qsizetype kMaxShownChars = 2'000'000;

  explicit ResultView(QWidget* parent = nullptr);

  /// Empties everything: no run yet.
  void clear();
  /// A run is under way: the previous outcome is cleared, the badge says so.
  void showRunning();
  void showOutcome(const RunOutcome& outcome);
  /// The run ended without a result: an error from the master or from the connection.
  void showError(const QString& code, const QString& message);

 private:
  enum Tab { kStdoutTab, kStderrTab, kCompileTab };

  void setBadge(const QString& text, const QColor& color);
  void setTab(Tab tab, const QString& text, bool truncated);

  QLabel* verdictLabel_;
  QLabel* detailsLabel_;
  QTabWidget* tabs_;
  QPlainTextEdit* stdoutView_;
  QPlainTextEdit* stderrView_;
  QPlainTextEdit* compileView_;
};

}  // namespace polyrun::gui
