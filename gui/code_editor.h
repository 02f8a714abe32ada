// The program editor: a QPlainTextEdit with a line-number gutter, the current line highlighted,
// a monospace font, a configurable tab width and syntax highlighting per language (the shape of
// Qt's "Code Editor" example).
#pragma once

#include <QPlainTextEdit>

#include "language_support.h"

namespace polyrun::gui {

class SyntaxHighlighter;

class CodeEditor : public QPlainTextEdit {
  Q_OBJECT

 public:
  explicit CodeEditor(QWidget* parent = nullptr);

  /// Columns per tab stop (1..16).
  void setTabWidth(int columns);
  int tabWidth() const { return tab_width_; }
  /// Picks the highlighting rules.
  void setSyntax(SyntaxFamily family);
  SyntaxFamily syntax() const;

  /// Width the gutter needs for the current number of lines.
  int lineNumberAreaWidth() const;
  QWidget* lineNumberArea() const { return line_number_area_; }

 protected:
  void resizeEvent(QResizeEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  friend class LineNumberArea;
  void paintLineNumbers(QPaintEvent* event);
  void updateLineNumberAreaWidth();
  void updateLineNumberArea(const QRect& rect, int dy);
  void highlightCurrentLine();
  void applyTabWidth();

  QWidget* line_number_area_;
  SyntaxHighlighter* highlighter_;
  int tab_width_ = 4;
};

}  // namespace polyrun::gui
