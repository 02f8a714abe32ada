#include "code_editor.h"

#include <QFontDatabase>
#include <QFontMetricsF>
#include <QPainter>
#include <QTextBlock>
#include <algorithm>

#include "syntax_highlighter.h"

namespace polyrun::gui {

// The gutter: paints nothing itself, CodeEditor knows the blocks' geometry.
class LineNumberArea : public QWidget {
 public:
  explicit LineNumberArea(CodeEditor* editor) : QWidget(editor), editor_(editor) {}
  QSize sizeHint() const override { return QSize(editor_->lineNumberAreaWidth(), 0); }

 protected:
  void paintEvent(QPaintEvent* event) override { editor_->paintLineNumbers(event); }

 private:
  CodeEditor* editor_;
};

CodeEditor::CodeEditor(QWidget* parent)
    : QPlainTextEdit(parent),
      line_number_area_(new LineNumberArea(this)),
      highlighter_(new SyntaxHighlighter(SyntaxFamily::kPlain, document())) {
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  setLineWrapMode(QPlainTextEdit::NoWrap);
  line_number_area_->setObjectName("lineNumberArea");
  connect(this, &QPlainTextEdit::blockCountChanged, this, &CodeEditor::updateLineNumberAreaWidth);
  connect(this, &QPlainTextEdit::updateRequest, this, &CodeEditor::updateLineNumberArea);
  connect(this, &QPlainTextEdit::cursorPositionChanged, this, &CodeEditor::highlightCurrentLine);
  updateLineNumberAreaWidth();
  highlightCurrentLine();
  applyTabWidth();
}

void CodeEditor::setTabWidth(int columns) {
  tab_width_ = std::clamp(columns, 1, 16);
  applyTabWidth();
}

void CodeEditor::setSyntax(SyntaxFamily family) { highlighter_->setFamily(family); }

SyntaxFamily CodeEditor::syntax() const { return highlighter_->family(); }

int CodeEditor::lineNumberAreaWidth() const {
  int digits = 1;
  for (int max = std::max(1, blockCount()); max >= 10; max /= 10) ++digits;
  digits = std::max(digits, 2);  // the gutter does not jump at line 10
  return 10 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits;
}

void CodeEditor::resizeEvent(QResizeEvent* event) {
  QPlainTextEdit::resizeEvent(event);
  const QRect cr = contentsRect();
  line_number_area_->setGeometry(QRect(cr.left(), cr.top(), lineNumberAreaWidth(), cr.height()));
}

void CodeEditor::changeEvent(QEvent* event) {
  QPlainTextEdit::changeEvent(event);
  // Tab stops and the gutter are measured in the font's units.
  if (event->type() == QEvent::FontChange) {
    applyTabWidth();
    updateLineNumberAreaWidth();
  }
}

void CodeEditor::updateLineNumberAreaWidth() { setViewportMargins(lineNumberAreaWidth(), 0, 0, 0); }

void CodeEditor::updateLineNumberArea(const QRect& rect, int dy) {
  if (dy != 0) {
    line_number_area_->scroll(0, dy);
  } else {
    line_number_area_->update(0, rect.y(), line_number_area_->width(), rect.height());
  }
  if (rect.contains(viewport()->rect())) updateLineNumberAreaWidth();
}

void CodeEditor::highlightCurrentLine() {
  QList<QTextEdit::ExtraSelection> selections;
  if (!isReadOnly()) {
    QTextEdit::ExtraSelection selection;
    selection.format.setBackground(QColor(0xf3, 0xf6, 0xfb));
    selection.format.setProperty(QTextFormat::FullWidthSelection, true);
    selection.cursor = textCursor();
    selection.cursor.clearSelection();
    selections.append(selection);
  }
  setExtraSelections(selections);
}

void CodeEditor::applyTabWidth() {
  setTabStopDistance(QFontMetricsF(font()).horizontalAdvance(QLatin1Char(' ')) * tab_width_);
}

void CodeEditor::paintLineNumbers(QPaintEvent* event) {
  QPainter painter(line_number_area_);
  painter.fillRect(event->rect(), QColor(0xf5, 0xf5, 0xf5));
  painter.setFont(font());
  const int current = textCursor().blockNumber();
  QTextBlock block = firstVisibleBlock();
  int number = block.blockNumber();
  int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
  int bottom = top + qRound(blockBoundingRect(block).height());
  while (block.isValid() && top <= event->rect().bottom()) {
    if (block.isVisible() && bottom >= event->rect().top()) {
      painter.setPen(number == current ? QColor(0x42, 0x42, 0x42) : QColor(0x9e, 0x9e, 0x9e));
      painter.drawText(0, top, line_number_area_->width() - 5, fontMetrics().height(),
                       Qt::AlignRight, QString::number(number + 1));
    }
    block = block.next();
    top = bottom;
    bottom = top + qRound(blockBoundingRect(block).height());
    ++number;
  }
}

}  // namespace polyrun::gui
