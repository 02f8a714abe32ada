// The outcome of one run: a coloured verdict, the figures (exit code, times, memory, slave,
// queue time) and tabs with stdout, stderr and compiler output (OutputViews, so a 16 MiB stream
// shows at once as a preview).
#pragma once

#include <QStringDecoder>
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

  // A live run's transcript, until its result replaces it (showOutcome: the result's output is
  // the authoritative copy). stdout's view is the transcript: the input echoed and the notes go
  // there.
  /// Appends what the program wrote: bytes decoded per stream (a character split between two
  /// chunks comes out whole; bytes that are not UTF-8 as U+FFFD, as in a result), and a marker
  /// line for `dropped` bytes.
  void appendOutput(const LiveOutput& output);
  /// The user's input, as typed, in the echo style.
  void echoInput(const QString& text);
  /// A line of the client's own ("[end of input]") in the note style.
  void addNote(const QString& text);
  /// The run starts over (requeued after a slave loss): what it wrote so far is cleared.
  void restartOutput(const QString& note);

  OutputView* outputView(int tab) const;
  enum Tab { kStdoutTab, kStderrTab, kCompileTab };

 private:
  void setBadge(const QString& text, const QColor& color);
  void setTab(Tab tab, const QString& text, bool truncated);
  void updateTabTitle(Tab tab, bool truncated = false);
  void resetDecoders();

  QLabel* verdict_label_;
  QLabel* details_label_;
  QTabWidget* tabs_;
  OutputView* stdout_view_;
  OutputView* stderr_view_;
  OutputView* compile_view_;
  QStringDecoder stdout_decoder_{QStringDecoder::Utf8};
  QStringDecoder stderr_decoder_{QStringDecoder::Utf8};
};

}  // namespace polyrun::gui
