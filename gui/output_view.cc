#include "output_view.h"

#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollBar>
#include <QTextCharFormat>
#include <QTextCursor>
#include <QVBoxLayout>
#include <algorithm>

namespace polyrun::gui {

OutputView::OutputView(const QString& view_name, QWidget* parent) : QWidget(parent) {
  view_ = new QPlainTextEdit;
  view_->setObjectName(view_name);
  view_->setReadOnly(true);
  view_->setUndoRedoEnabled(false);  // an undo stack of 16 MiB of output helps nobody
  view_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  view_->setLineWrapMode(QPlainTextEdit::NoWrap);
  view_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

  bar_label_ = new QLabel;
  bar_label_->setObjectName(view_name + QStringLiteral("Bar"));
  bar_label_->setWordWrap(true);
  show_all_button_ = new QPushButton(tr("Show all"));
  show_all_button_->setObjectName(view_name + QStringLiteral("ShowAll"));
  save_button_ = new QPushButton(tr("Save…"));
  save_button_->setObjectName(view_name + QStringLiteral("Save"));
  connect(show_all_button_, &QPushButton::clicked, this, &OutputView::showAll);
  connect(save_button_, &QPushButton::clicked, this, &OutputView::saveWithDialog);

  bar_ = new QWidget;
  bar_->setObjectName(QStringLiteral("outputBar"));
  bar_->setStyleSheet(QStringLiteral("#outputBar { background: #fff8e1; }"));
  auto* bar_layout = new QHBoxLayout(bar_);
  bar_layout->setContentsMargins(6, 2, 6, 2);
  bar_layout->addWidget(bar_label_, 1);
  bar_layout->addWidget(show_all_button_);
  bar_layout->addWidget(save_button_);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(bar_);
  layout->addWidget(view_, 1);

  chunk_timer_.setInterval(0);  // one chunk per event-loop turn: input and paints go between
  connect(&chunk_timer_, &QTimer::timeout, this, &OutputView::appendNextChunk);
  updateBar();
}

void OutputView::setText(const QString& text) {
  chunk_timer_.stop();
  text_ = text;
  open_line_chars_ = 0;
  broke_lines_ = false;
  shown_ = safeEnd(std::min(text_.size(), kPreviewChars));
  view_->setPlainText(displayable(0, shown_));
  updateBar();
}

void OutputView::append(const QString& text, Style style) {
  if (text.isEmpty()) return;
  const bool showing_all = isComplete() && !isLoading();
  const qsizetype from = text_.size();
  text_ += text;
  if (!showing_all || from >= kPreviewChars) {
    updateBar();  // the rest waits for Show all, as a large result's does
    return;
  }
  QScrollBar* scroll = view_->verticalScrollBar();
  const bool at_end = scroll->value() == scroll->maximum();
  QTextCharFormat format;
  if (style == Style::kEcho) {
    format.setForeground(QColor(0x15, 0x65, 0xc0));
    format.setFontWeight(QFont::Bold);
  } else if (style == Style::kNote) {
    format.setForeground(QColor(0x75, 0x75, 0x75));
    format.setFontItalic(true);
  }
  const qsizetype end = safeEnd(std::min(text_.size(), kPreviewChars));
  QTextCursor cursor(view_->document());
  cursor.movePosition(QTextCursor::End);
  cursor.insertText(displayable(from, end), format);
  shown_ = end;
  if (at_end) scroll->setValue(scroll->maximum());
  updateBar();
}

void OutputView::showAll() {
  if (isComplete() || isLoading()) return;
  chunk_timer_.start();
  updateBar();
}

void OutputView::appendNextChunk() {
  const qsizetype end = safeEnd(std::min(text_.size(), shown_ + kChunkChars));
  // Appending at the end keeps the reader's scroll position and selection.
  QTextCursor cursor(view_->document());
  cursor.movePosition(QTextCursor::End);
  // A plain format: the end's own may be a live run's echo style.
  cursor.insertText(displayable(shown_, end), QTextCharFormat());
  shown_ = end;
  if (isComplete()) {
    chunk_timer_.stop();
    updateBar();
    emit loadingFinished();
    return;
  }
  updateBar();
}

bool OutputView::saveTo(const QString& path) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return false;
  const QByteArray bytes = text_.toUtf8();
  return file.write(bytes) == bytes.size() && file.commit();
}

void OutputView::saveWithDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save output"),
                                                    view_->objectName() + QStringLiteral(".txt"));
  if (path.isEmpty()) return;
  if (!saveTo(path)) bar_label_->setText(tr("Could not save %1.").arg(path));
}

QString OutputView::displayable(qsizetype from, qsizetype to) {
  QString out;
  out.reserve(to - from + (to - from) / kMaxLineChars + 1);
  qsizetype i = from;
  while (i < to) {
    const qsizetype newline = text_.indexOf(QLatin1Char('\n'), i);
    const qsizetype line_end = newline < 0 || newline >= to ? to : newline;
    // Copy the line piece by piece, breaking it wherever the view's line would get too long.
    while (i < line_end) {
      qsizetype take = std::min(line_end - i, kMaxLineChars - open_line_chars_);
      if (take <= 0) {
        out += QLatin1Char('\n');
        open_line_chars_ = 0;
        broke_lines_ = true;
        continue;
      }
      // Never between the halves of a surrogate pair.
      if (i + take < line_end && text_[i + take - 1].isHighSurrogate()) --take;
      if (take <= 0) take = 2;
      out += QStringView(text_).mid(i, take);
      i += take;
      open_line_chars_ += take;
    }
    if (line_end < to) {
      out += QLatin1Char('\n');
      open_line_chars_ = 0;
      i = line_end + 1;
    }
  }
  return out;
}

qsizetype OutputView::safeEnd(qsizetype to) const {
  if (to > 0 && to < text_.size() && text_[to - 1].isHighSurrogate()) return to - 1;
  return to;
}

void OutputView::updateBar() {
  const QLocale locale;
  QStringList notes;
  if (!isComplete()) {
    const int percent = text_.isEmpty() ? 100 : int(100 * shown_ / text_.size());
    notes << (isLoading() ? tr("Loading… %1 % of %2 characters")
                                .arg(percent)
                                .arg(locale.toString(text_.size()))
                          : tr("Showing the first %1 of %2 characters.")
                                .arg(locale.toString(shown_), locale.toString(text_.size())));
  }
  if (broke_lines_)
    notes << tr("Lines over %1 characters are broken in this view; Save keeps them whole.")
                 .arg(locale.toString(kMaxLineChars));
  show_all_button_->setVisible(!isComplete());
  show_all_button_->setEnabled(!isLoading());
  bar_label_->setText(notes.join(QLatin1Char(' ')));
  bar_->setVisible(!notes.isEmpty());
}

}  // namespace polyrun::gui
