#include "result_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QTabWidget>
#include <QVBoxLayout>

#include "format.h"
#include "output_view.h"

namespace polyrun::gui {
namespace {

QString joinStreams(const StageOutcome& stage) {
  if (stage.stdoutText.isEmpty()) return stage.stderrText;
  if (stage.stderrText.isEmpty()) return stage.stdoutText;
  return stage.stdoutText + (stage.stdoutText.endsWith('\n') ? "" : "\n") + stage.stderrText;
}

}  // namespace

ResultView::ResultView(QWidget* parent) : QWidget(parent) {
  verdictLabel_ = new QLabel;
  verdictLabel_->setObjectName("verdictLabel");
  detailsLabel_ = new QLabel;
  detailsLabel_->setObjectName("detailsLabel");
  detailsLabel_->setWordWrap(true);
  detailsLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  stdoutView_ = new OutputView(QStringLiteral("stdoutView"));
  stderrView_ = new OutputView(QStringLiteral("stderrView"));
  compileView_ = new OutputView(QStringLiteral("compileView"));
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

void ResultView::showStopped(const QString& jobId) {
  setBadge(tr("stopped"), verdictColor({}));
  detailsLabel_->setText(
      jobId.isEmpty()
          ? tr("Stopped before the master accepted the job; it is cancelled once accepted.")
          : tr("Stopped job %1: the master was asked to cancel it; a result that still arrives "
               "is ignored.")
                .arg(jobId));
}

OutputView* ResultView::outputView(int tab) const {
  switch (tab) {
    case kStdoutTab:
      return stdoutView_;
    case kStderrTab:
      return stderrView_;
    case kCompileTab:
      return compileView_;
    default:
      return nullptr;
  }
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
  outputView(tab)->setText(text);
  QString title = tr(kTitles[tab]);
  if (truncated)
    title += tr(" (truncated)");
  else if (!text.isEmpty())
    title += QStringLiteral(" •");  // says "something here" at a glance
  tabs_->setTabText(tab, title);
}

}  // namespace polyrun::gui
