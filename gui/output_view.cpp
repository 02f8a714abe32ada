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
#include <QTextCursor>
#include <QVBoxLayout>
#include <algorithm>

namespace polyrun::gui {

OutputView::OutputView(const QString& viewName, QWidget* parent) : QWidget(parent) {
  view_ = new QPlainTextEdit;
  view_->setObjectName(viewName);
  view_->setReadOnly(true);
  view_->setUndoRedoEnabled(false);  // an undo stack of 16 MiB of output helps nobody
  view_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  view_->setLineWrapMode(QPlainTextEdit::NoWrap);
  view_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

  barLabel_ = new QLabel;
  barLabel_->setObjectName(viewName + QStringLiteral("Bar"));
  barLabel_->setWordWrap(true);
  showAllButton_ = new QPushButton(tr("Show all"));
  showAllButton_->setObjectName(viewName + QStringLiteral("ShowAll"));
  saveButton_ = new QPushButton(tr("Save…"));
  saveButton_->setObjectName(viewName + QStringLiteral("Save"));
  connect(showAllButton_, &QPushButton::clicked, this, &OutputView::showAll);
  connect(saveButton_, &QPushButton::clicked, this, &OutputView::saveWithDialog);

  bar_ = new QWidget;
  bar_->setObjectName(QStringLiteral("outputBar"));
  bar_->setStyleSheet(QStringLiteral("#outputBar { background: #fff8e1; }"));
  auto* barLayout = new QHBoxLayout(bar_);
  barLayout->setContentsMargins(6, 2, 6, 2);
  barLayout->addWidget(barLabel_, 1);
  barLayout->addWidget(showAllButton_);
  barLayout->addWidget(saveButton_);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(bar_);
  layout->addWidget(view_, 1);

  chunkTimer_.setInterval(0);  // one chunk per event-loop turn: input and paints go between
  connect(&chunkTimer_, &QTimer::timeout, this, &OutputView::appendNextChunk);
  updateBar();
}

void OutputView::setText(const QString& text) {
  chunkTimer_.stop();
  text_ = text;
  openLineChars_ = 0;
  brokeLines_ = false;
  shown_ = safeEnd(std::min(text_.size(), kPreviewChars));
  view_->setPlainText(displayable(0, shown_));
  updateBar();
}

void OutputView::showAll() {
  if (isComplete() || isLoading()) return;
  chunkTimer_.start();
  updateBar();
}

void OutputView::appendNextChunk() {
  const qsizetype end = safeEnd(std::min(text_.size(), shown_ + kChunkChars));
  // Appending at the end keeps the reader's scroll position and selection.
  QTextCursor cursor(view_->document());
  cursor.movePosition(QTextCursor::End);
  cursor.insertText(displayable(shown_, end));
  shown_ = end;
  if (isComplete()) {
    chunkTimer_.stop();
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
  if (!saveTo(path)) barLabel_->setText(tr("Could not save %1.").arg(path));
}

QString OutputView::displayable(qsizetype from, qsizetype to) {
  QString out;
  out.reserve(to - from + (to - from) / kMaxLineChars + 1);
  qsizetype i = from;
  while (i < to) {
    const qsizetype newline = text_.indexOf(QLatin1Char('\n'), i);
    const qsizetype lineEnd = newline < 0 || newline >= to ? to : newline;
    // Copy the line piece by piece, breaking it wherever the view's line would get too long.
    while (i < lineEnd) {
      qsizetype take = std::min(lineEnd - i, kMaxLineChars - openLineChars_);
      if (take <= 0) {
        out += QLatin1Char('\n');
        openLineChars_ = 0;
        brokeLines_ = true;
        continue;
      }
      // Never between the halves of a surrogate pair.
      if (i + take < lineEnd && text_[i + take - 1].isHighSurrogate()) --take;
      if (take <= 0) take = 2;
      out += QStringView(text_).mid(i, take);
      i += take;
      openLineChars_ += take;
    }
    if (lineEnd < to) {
      out += QLatin1Char('\n');
      openLineChars_ = 0;
      i = lineEnd + 1;
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
  if (brokeLines_)
    notes << tr("Lines over %1 characters are broken in this view; Save keeps them whole.")
                 .arg(locale.toString(kMaxLineChars));
  showAllButton_->setVisible(!isComplete());
  showAllButton_->setEnabled(!isLoading());
  barLabel_->setText(notes.join(QLatin1Char(' ')));
  bar_->setVisible(!notes.isEmpty());
}

}  // namespace polyrun::gui
