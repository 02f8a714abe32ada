#include "result_view.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHash>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QVBoxLayout>

#include "format.h"

namespace polyrun::gui {
namespace {

QPlainTextEdit* makeOutputView(const QString& objectName) {
  auto* view = new QPlainTextEdit;
  view->setObjectName(objectName);
  view->setReadOnly(true);
  view->setLineWrapMode(QPlainTextEdit::NoWrap);
  view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  return view;
}

QString joinStreams(const StageOutcome& stage) {
  if (stage.stdoutText.isEmpty()) return stage.stderrText;
  if (stage.stderrText.isEmpty()) return stage.stdoutText;
  return stage.stdoutText + (stage.stdoutText.endsWith('\n') ? "" : "\n") + stage.stderrText;
}

}  // namespace

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
  };
  return kColors.value(verdict, QColor(0x61, 0x61, 0x61));
}

ResultView::ResultView(QWidget* parent) : QWidget(parent) {
  verdictLabel_ = new QLabel;
  verdictLabel_->setObjectName("verdictLabel");
  detailsLabel_ = new QLabel;
  detailsLabel_->setObjectName("detailsLabel");
  detailsLabel_->setWordWrap(true);
  detailsLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  stdoutView_ = makeOutputView("stdoutView");
  stderrView_ = makeOutputView("stderrView");
  compileView_ = makeOutputView("compileView");
  tabs_ = new QTabWidget;
  tabs_->setObjectName("resultTabs");
  tabs_->addTab(stdoutView_, {});
  tabs_->addTab(stderrView_, {});
  tabs_->addTab(compileView_, {});

  auto* header = new QHBoxLayout;
  header->addWidget(verdictLabel_, 0, Qt::AlignTop);
  header->addWidget(detailsLabel_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(header);
  layout->addWidget(tabs_, 1);
  clear();
}

void ResultView::clear() {
  setBadge(tr("no run yet"), QColor(0x9e, 0x9e, 0x9e));
  detailsLabel_->setText(tr("Write a program, pick a language and press Run (Ctrl+Return)."));
  setTab(kStdoutTab, {}, false);
  setTab(kStderrTab, {}, false);
  setTab(kCompileTab, {}, false);
}

void ResultView::showRunning() {
  clear();
  setBadge(tr("running"), QColor(0x15, 0x65, 0xc0));
  detailsLabel_->clear();
}

void ResultView::showOutcome(const RunOutcome& outcome) {
  setBadge(outcome.verdict, verdictColor(outcome.verdict));

  // The figures of the stage that decided the outcome: run, or compile when nothing ran.
  const StageOutcome* stage = outcome.run       ? &*outcome.run
                              : outcome.compile ? &*outcome.compile
                                                : nullptr;
  QStringList figures;
  if (stage) {
    figures << (stage->signal != 0 ? tr("signal %1").arg(stage->signal)
                                   : tr("exit code %1").arg(stage->exitCode))
            << tr("cpu %1 ms").arg(stage->cpuMs) << tr("wall %1 ms").arg(stage->wallMs)
            << tr("memory %1").arg(formatBytes(double(stage->memoryBytes)));
  }
  figures << tr("slave %1").arg(outcome.slave.isEmpty() ? tr("(none)") : outcome.slave)
          << tr("queued %1").arg(formatDuration(outcome.queueMs))
          << tr("total %1").arg(formatDuration(outcome.totalMs));
  QString details = figures.join(QStringLiteral(" · "));
  if (!outcome.language.isEmpty())
    details +=
        QStringLiteral("\n%1 %2, job %3").arg(outcome.language, outcome.version, outcome.jobId);
  const QString message = !outcome.message.isEmpty() ? outcome.message
                          : stage                    ? stage->message
                                                     : QString();
  if (!message.isEmpty()) details += '\n' + message;
  detailsLabel_->setText(details);

  const StageOutcome empty;
  const StageOutcome& run = outcome.run ? *outcome.run : empty;
  setTab(kStdoutTab, run.stdoutText, run.stdoutTruncated);
  setTab(kStderrTab, run.stderrText, run.stderrTruncated);
  if (outcome.compile) {
    setTab(kCompileTab, joinStreams(*outcome.compile),
           outcome.compile->stdoutTruncated || outcome.compile->stderrTruncated);
  } else {
    setTab(kCompileTab, {}, false);
  }

  // Show where the interesting text is: the compiler's complaint, or stderr when stdout is empty.
  if (!outcome.run && outcome.compile) {
    tabs_->setCurrentIndex(kCompileTab);
  } else if (run.stdoutText.isEmpty() && !run.stderrText.isEmpty()) {
    tabs_->setCurrentIndex(kStderrTab);
  } else {
    tabs_->setCurrentIndex(kStdoutTab);
  }
}

void ResultView::showError(const QString& code, const QString& message) {
  clear();
  setBadge(code.isEmpty() ? tr("error") : code, verdictColor({}));
  detailsLabel_->setText(message);
}

void ResultView::setBadge(const QString& text, const QColor& color) {
  verdictLabel_->setText(text);
  verdictLabel_->setStyleSheet(
      QStringLiteral("QLabel { background: %1; color: white; font-weight: bold; "
                     "border-radius: 3px; padding: 2px 8px; }")
          .arg(color.name()));
}

void ResultView::setTab(Tab tab, const QString& text, bool truncated) {
  static const char* const kTitles[] = {"stdout", "stderr", "compile output"};
  QPlainTextEdit* view = tab == kStdoutTab   ? stdoutView_
                         : tab == kStderrTab ? stderrView_
                                             : compileView_;
  if (text.size() > kMaxShownChars) {
    view->setPlainText(text.left(kMaxShownChars) +
                       tr("\n… %1 more characters not shown").arg(text.size() - kMaxShownChars));
  } else {
    view->setPlainText(text);
  }
  QString title = tr(kTitles[tab]);
  if (truncated)
    title += tr(" (truncated)");
  else if (!text.isEmpty())
    title += QStringLiteral(" •");  // says "something here" at a glance
  tabs_->setTabText(tab, title);
}

}  // namespace polyrun::gui
