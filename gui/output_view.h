// One output stream of a run (stdout, stderr or compiler output) in a read-only, selectable,
// monospace view that stays responsive whatever the size. A stream may hold 16 MiB (the maximum
// output limit) and a single QPlainTextEdit::setPlainText of that blocks the window for seconds,
// so the view shows a preview (the first kPreviewChars) with a bar offering "Show all", which
// appends the rest in chunks between events, and "Save…", which writes the exact text. Lines
// longer than kMaxLineChars are broken in the view (laying out one very long line is quadratic
// in QTextLayout); the bar says so, and Save writes them unbroken.
#pragma once

#include <QString>
#include <QTimer>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace polyrun::gui {

class OutputView : public QWidget {
  Q_OBJECT

 public:
  static constexpr qsizetype kPreviewChars = 256 * 1024;
  static constexpr qsizetype kChunkChars = 256 * 1024;
  static constexpr qsizetype kMaxLineChars = 5000;

  /// `view_name` becomes the object name of the text view ("stdoutView").
  explicit OutputView(const QString& view_name, QWidget* parent = nullptr);

  /// How appended text looks: the program's output, the user's input echoed into a live run's
  /// transcript, or a note of the client's own ("[end of input]").
  enum class Style { kOutput, kEcho, kNote };

  /// Shows `text` (a preview when large). Stops loading a previous text.
  void setText(const QString& text);
  /// Adds `text` at the end, as a live run writes it. Shown at once (and scrolled to, when the
  /// view was at its end) while the text stays within the preview; past it, the bar offers the
  /// rest as for setText().
  void append(const QString& text, Style style = Style::kOutput);
  void clear() { setText({}); }
  /// The whole text, whatever is shown.
  const QString& text() const { return text_; }
  /// Characters of text() in the view so far.
  qsizetype shownChars() const { return shown_; }
  bool isComplete() const { return shown_ == text_.size(); }
  /// True while showAll() is appending chunks.
  bool isLoading() const { return chunk_timer_.isActive(); }
  QPlainTextEdit* textView() const { return view_; }

 public slots:
  /// Appends the rest of the text, one chunk per event-loop turn; loadingFinished() at the end.
  void showAll();
  /// Writes text() to `path` as UTF-8, exactly (no broken lines). False when it cannot.
  bool saveTo(const QString& path);

 signals:
  void loadingFinished();

 private:
  void appendNextChunk();
  void saveWithDialog();
  /// text_[from, to) as shown: long lines broken, tracking the open line's length across calls.
  QString displayable(qsizetype from, qsizetype to);
  /// An end no further than `to` that does not split a surrogate pair.
  qsizetype safeEnd(qsizetype to) const;
  void updateBar();

  QPlainTextEdit* view_;
  QWidget* bar_;
  QLabel* bar_label_;
  QPushButton* show_all_button_;
  QPushButton* save_button_;
  QTimer chunk_timer_;
  QString text_;
  qsizetype shown_ = 0;
  qsizetype open_line_chars_ = 0;  // characters of the view's last line so far
  bool broke_lines_ = false;
};

}  // namespace polyrun::gui
