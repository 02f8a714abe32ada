// The outcome of one run: a coloured verdict, the figures (exit code, times, memory, slave,
// queue time) and tabs with stdout, stderr and compiler output (OutputViews, so a 16 MiB stream
// shows at once as a preview).
#pragma once

#include <QWidget>

#include "client_types.h"

class QLabel;
class QTabWidget;

namespace polyrun::gui {

class OutputView;

class ResultView : public QWidget {
  Q_OBJECT

 public:
  explicit ResultView(QWidget* parent = nullptr);

  /// Empties everything: no run yet.
  void clear();
  /// A run is under way: the previous outcome is cleared, the badge says so.
  void showRunning();
  void showOutcome(const RunOutcome& outcome);
  /// The run ended without a result: an error from the master or from the connection.
  void showError(const QString& code, const QString& message);
  /// The user stopped the run.
  void showStopped(const QString& job_id);

  OutputView* outputView(int tab) const;
  enum Tab { kStdoutTab, kStderrTab, kCompileTab };

 private:
  void setBadge(const QString& text, const QColor& color);
  void setTab(Tab tab, const QString& text, bool truncated);

  QLabel* verdict_label_;
  QLabel* details_label_;
  QTabWidget* tabs_;
  OutputView* stdout_view_;
  OutputView* stderr_view_;
  OutputView* compile_view_;
};

}  // namespace polyrun::gui
