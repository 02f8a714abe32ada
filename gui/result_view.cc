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
  if (stage.stdout_text.isEmpty()) return stage.stderr_text;
  if (stage.stderr_text.isEmpty()) return stage.stdout_text;
  return stage.stdout_text + (stage.stdout_text.endsWith('\n') ? "" : "\n") + stage.stderr_text;
}

}  // namespace

ResultView::ResultView(QWidget* parent) : QWidget(parent) {
  verdict_label_ = new QLabel;
  verdict_label_->setObjectName("verdictLabel");
  details_label_ = new QLabel;
  details_label_->setObjectName("detailsLabel");
  details_label_->setWordWrap(true);
  details_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  stdout_view_ = new OutputView(QStringLiteral("stdoutView"));
  stderr_view_ = new OutputView(QStringLiteral("stderrView"));
  compile_view_ = new OutputView(QStringLiteral("compileView"));
  tabs_ = new QTabWidget;
  tabs_->setObjectName("resultTabs");
  tabs_->addTab(stdout_view_, {});
  tabs_->addTab(stderr_view_, {});
  tabs_->addTab(compile_view_, {});

  auto* header = new QHBoxLayout;
  header->addWidget(verdict_label_, 0, Qt::AlignTop);
  header->addWidget(details_label_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(header);
  layout->addWidget(tabs_, 1);
  clear();
}

void ResultView::clear() {
  setBadge(tr("no run yet"), QColor(0x9e, 0x9e, 0x9e));
  details_label_->setText(tr("Write a program, pick a language and press Run (Ctrl+Return)."));
  setTab(kStdoutTab, {}, false);
  setTab(kStderrTab, {}, false);
  setTab(kCompileTab, {}, false);
}

void ResultView::resetDecoders() {
  stdout_decoder_ = QStringDecoder(QStringDecoder::Utf8);
  stderr_decoder_ = QStringDecoder(QStringDecoder::Utf8);
}

void ResultView::appendOutput(const LiveOutput& output) {
  if (output.dropped > 0) {
    addNote(tr("[%1 bytes of output not shown here: this window fell behind; the result has "
               "all of it]\n")
                .arg(output.dropped));
  }
  bool wrote[2] = {false, false};
  for (const LiveChunk& chunk : output.chunks) {
    QStringDecoder& decoder = chunk.is_stderr ? stderr_decoder_ : stdout_decoder_;
    const QString text = decoder.decode(chunk.data);
    outputView(chunk.is_stderr ? kStderrTab : kStdoutTab)->append(text);
    wrote[chunk.is_stderr] = wrote[chunk.is_stderr] || !text.isEmpty();
  }
  if (wrote[0]) updateTabTitle(kStdoutTab);
  if (wrote[1]) updateTabTitle(kStderrTab);
}

void ResultView::echoInput(const QString& text) {
  stdout_view_->append(text, OutputView::Style::kEcho);
  updateTabTitle(kStdoutTab);
}

void ResultView::addNote(const QString& text) {
  QString line = text;
  // A note starts a line of its own, whatever the program left open.
  if (!stdout_view_->text().isEmpty() && !stdout_view_->text().endsWith('\n')) line.prepend('\n');
  stdout_view_->append(line, OutputView::Style::kNote);
  updateTabTitle(kStdoutTab);
}

void ResultView::restartOutput(const QString& note) {
  resetDecoders();
  setTab(kStdoutTab, {}, false);
  setTab(kStderrTab, {}, false);
  if (!note.isEmpty()) addNote(note);
}

void ResultView::showRunning() {
  clear();
  resetDecoders();
  setBadge(tr("running"), QColor(0x15, 0x65, 0xc0));
  details_label_->clear();
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
                                   : tr("exit code %1").arg(stage->exit_code))
            << tr("cpu %1 ms").arg(stage->cpu_ms) << tr("wall %1 ms").arg(stage->wall_ms)
            << tr("memory %1").arg(formatBytes(double(stage->memory_bytes)));
  }
  figures << tr("slave %1").arg(outcome.slave.isEmpty() ? tr("(none)") : outcome.slave)
          << tr("queued %1").arg(formatDuration(outcome.queue_ms))
          << tr("total %1").arg(formatDuration(outcome.total_ms));
  QString details = figures.join(QStringLiteral(" · "));
  if (!outcome.language.isEmpty())
    details +=
        QStringLiteral("\n%1 %2, job %3").arg(outcome.language, outcome.version, outcome.job_id);
  const QString message = !outcome.message.isEmpty() ? outcome.message
                          : stage                    ? stage->message
                                                     : QString();
  if (!message.isEmpty()) details += '\n' + message;
  if (!outcome.tests.isEmpty()) {
    details += '\n' + tr("%1 of %2 test cases passed; the Tests tab has each case")
                          .arg(outcome.summary.passed)
                          .arg(outcome.summary.total);
  }
  details_label_->setText(details);

  const StageOutcome empty;
  const StageOutcome& run = outcome.run ? *outcome.run : empty;
  setTab(kStdoutTab, run.stdout_text, run.stdout_truncated);
  setTab(kStderrTab, run.stderr_text, run.stderr_truncated);
  if (outcome.compile) {
    setTab(kCompileTab, joinStreams(*outcome.compile),
           outcome.compile->stdout_truncated || outcome.compile->stderr_truncated);
  } else {
    setTab(kCompileTab, {}, false);
  }

  // Show where the interesting text is: the compiler's complaint, or stderr when stdout is empty.
  if (!outcome.run && outcome.compile) {
    tabs_->setCurrentIndex(kCompileTab);
  } else if (run.stdout_text.isEmpty() && !run.stderr_text.isEmpty()) {
    tabs_->setCurrentIndex(kStderrTab);
  } else {
    tabs_->setCurrentIndex(kStdoutTab);
  }
}

void ResultView::showError(const QString& code, const QString& message) {
  clear();
  setBadge(code.isEmpty() ? tr("error") : code, verdictColor({}));
  details_label_->setText(message);
}

void ResultView::showStopped(const QString& job_id) {
  setBadge(tr("stopped"), verdictColor({}));
  details_label_->setText(
      job_id.isEmpty()
          ? tr("Stopped before the master accepted the job; it is cancelled once accepted.")
          : tr("Stopped job %1: the master was asked to cancel it; a result that still arrives "
               "is ignored.")
                .arg(job_id));
}

OutputView* ResultView::outputView(int tab) const {
  switch (tab) {
    case kStdoutTab:
      return stdout_view_;
    case kStderrTab:
      return stderr_view_;
    case kCompileTab:
      return compile_view_;
    default:
      return nullptr;
  }
}

void ResultView::setBadge(const QString& text, const QColor& color) {
  verdict_label_->setText(text);
  verdict_label_->setStyleSheet(badgeStyleSheet(color));
}

void ResultView::setTab(Tab tab, const QString& text, bool truncated) {
  outputView(tab)->setText(text);
  updateTabTitle(tab, truncated);
}

void ResultView::updateTabTitle(Tab tab, bool truncated) {
  static const char* const kTitles[] = {"stdout", "stderr", "compile output"};
  QString title = tr(kTitles[tab]);
  if (truncated)
    title += tr(" (truncated)");
  else if (!outputView(tab)->text().isEmpty())
    title += QStringLiteral(" •");  // says "something here" at a glance
  tabs_->setTabText(tab, title);
}

}  // namespace polyrun::gui
