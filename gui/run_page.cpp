#include "run_page.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "client_settings.h"
#include "code_editor.h"
#include "file_actions.h"
#include "history_model.h"
#include "language_support.h"
#include "master_connection.h"
#include "message_log.h"
#include "result_view.h"
#include "run_session.h"
#include "runtimes_model.h"

namespace polyrun::gui {
namespace {

using Severity = MessageLog::Severity;

constexpr double kMaxLimitSeconds = 3600;
constexpr int kMaxMemoryMiB = 64 * 1024;

QDoubleSpinBox* makeSecondsSpin(const QString& name, const QString& tip) {
  auto* spin = new QDoubleSpinBox;
  spin->setObjectName(name);
  spin->setRange(0, kMaxLimitSeconds);
  spin->setDecimals(1);
  spin->setSingleStep(0.5);
  spin->setSuffix(QStringLiteral(" s"));
  spin->setSpecialValueText(QObject::tr("default"));  // 0: the master's default
  spin->setToolTip(tip);
  return spin;
}

}  // namespace

RunPage::RunPage(RunSession* session, ClientSettings* settings, MessageLog* messages,
                 QWidget* dialogParent, QWidget* parent)
    : QWidget(parent),
      session_(session),
      settings_(settings),
      messages_(messages),
      runtimes_(new RuntimesModel(this)) {
  editor_ = new CodeEditor;
  editor_->setObjectName("editor");
  editor_->setPlaceholderText(tr("Write or open a program, then Run (Ctrl+Return)."));
  files_ = new FileActions(editor_, runtimes_, settings_, messages_, dialogParent);
  connect(files_, &FileActions::fileChanged, this,
          [this](const QString& path) { selectLanguageForSuffix(QFileInfo(path).suffix()); });

  languageCombo_ = new QComboBox;
  languageCombo_->setObjectName("languageCombo");
  languageCombo_->setModel(runtimes_);
  languageCombo_->setPlaceholderText(tr("no languages yet"));
  languageCombo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  languageCombo_->setMinimumContentsLength(14);
  connect(languageCombo_, &QComboBox::currentIndexChanged, this, &RunPage::onLanguageChanged);

  argsEdit_ = new QLineEdit;
  argsEdit_->setObjectName("argsEdit");
  argsEdit_->setPlaceholderText(tr("program arguments, quoted like a shell: -n 3 \"two words\""));

  runButton_ = new QPushButton(tr("Run"));
  runButton_->setObjectName("runButton");
  runButton_->setToolTip(tr("Run the program on the cluster (Ctrl+Return)"));
  connect(runButton_, &QPushButton::clicked, this, &RunPage::run);
  stopButton_ = new QPushButton(tr("Stop"));
  stopButton_->setObjectName("stopButton");
  stopButton_->setToolTip(tr("Cancel the job (Ctrl+.)"));
  connect(stopButton_, &QPushButton::clicked, this, &RunPage::stop);

  runAction_ = new QAction(tr("&Run"), this);
  runAction_->setObjectName("runAction");
  // Ctrl+Return is not an editing key of QPlainTextEdit, so the shortcut works while typing.
  runAction_->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  connect(runAction_, &QAction::triggered, this, &RunPage::run);
  stopAction_ = new QAction(tr("&Stop"), this);
  stopAction_->setObjectName("stopAction");
  stopAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
  connect(stopAction_, &QAction::triggered, this, &RunPage::stop);

  auto* controls = new QHBoxLayout;
  auto* languageLabel = new QLabel(tr("&Language"));
  languageLabel->setBuddy(languageCombo_);
  auto* argsLabel = new QLabel(tr("&Args"));
  argsLabel->setBuddy(argsEdit_);
  controls->addWidget(languageLabel);
  controls->addWidget(languageCombo_);
  controls->addSpacing(12);
  controls->addWidget(argsLabel);
  controls->addWidget(argsEdit_, 1);
  controls->addWidget(runButton_);
  controls->addWidget(stopButton_);

  const QString defaultTip =
      tr("\"default\" leaves it to the master (master.limits.run.*); a "
         "value over the master's maximum is refused.");
  wallSpin_ = makeSecondsSpin("wallSpin", tr("Wall-clock time limit of the run.\n") + defaultTip);
  cpuSpin_ = makeSecondsSpin("cpuSpin", tr("CPU time limit of the run.\n") + defaultTip);
  memorySpin_ = new QSpinBox;
  memorySpin_->setObjectName("memorySpin");
  memorySpin_->setRange(0, kMaxMemoryMiB);
  memorySpin_->setSingleStep(64);
  memorySpin_->setSuffix(QStringLiteral(" MiB"));
  memorySpin_->setSpecialValueText(tr("default"));
  memorySpin_->setToolTip(tr("Peak memory limit of the run.\n") + defaultTip);
  auto* limits = new QHBoxLayout;
  limits->addWidget(new QLabel(tr("Limits:")));
  limits->addWidget(new QLabel(tr("time")));
  limits->addWidget(wallSpin_);
  limits->addWidget(new QLabel(tr("CPU")));
  limits->addWidget(cpuSpin_);
  limits->addWidget(new QLabel(tr("memory")));
  limits->addWidget(memorySpin_);
  limits->addStretch(1);

  stdinEdit_ = new QPlainTextEdit;
  stdinEdit_->setObjectName("stdinEdit");
  stdinEdit_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  stdinEdit_->setPlaceholderText(tr("Input for the program (its stdin)"));
  auto* stdinBox = new QWidget;
  auto* stdinLayout = new QVBoxLayout(stdinBox);
  stdinLayout->setContentsMargins(0, 0, 0, 0);
  auto* stdinLabel = new QLabel(tr("&stdin"));
  stdinLabel->setBuddy(stdinEdit_);
  stdinLayout->addWidget(stdinLabel);
  stdinLayout->addWidget(stdinEdit_);

  resultView_ = new ResultView;
  resultView_->setObjectName("resultView");

  auto* side = new QSplitter(Qt::Vertical);
  side->addWidget(stdinBox);
  side->addWidget(resultView_);
  side->setStretchFactor(0, 1);
  side->setStretchFactor(1, 3);
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(editor_);
  split->addWidget(side);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addLayout(limits);
  layout->addWidget(split, 1);

  connect(session_, &RunSession::started, resultView_, &ResultView::showRunning);
  connect(session_, &RunSession::finished, resultView_, &ResultView::showOutcome);
  connect(session_, &RunSession::failed, resultView_, &ResultView::showError);
  connect(session_, &RunSession::stopped, resultView_, &ResultView::showStopped);
  connect(session_, &RunSession::runningChanged, this, &RunPage::updateActions);
  MasterConnection* connection = session_->connection();
  connect(connection, &MasterConnection::stateChanged, this, &RunPage::updateActions);
  connect(connection, &MasterConnection::runtimesChanged, this, &RunPage::onRuntimesChanged);

  setLimitsInUi(settings_->limits());
  updateActions();
}

RunPage::~RunPage() = default;

QString RunPage::selectedLanguage() const {
  const Runtime* r = runtimes_->runtimeAt(languageCombo_->currentIndex());
  return r ? r->language : QString();
}

QString RunPage::selectedVersion() const {
  const Runtime* r = runtimes_->runtimeAt(languageCombo_->currentIndex());
  return r ? r->version : QString();
}

RunLimits RunPage::limitsFromUi() const {
  RunLimits l;
  l.wallMs = std::llround(wallSpin_->value() * 1000);
  l.cpuMs = std::llround(cpuSpin_->value() * 1000);
  l.memoryBytes = qint64(memorySpin_->value()) << 20;
  return l;
}

void RunPage::setLimitsInUi(const RunLimits& limits) {
  wallSpin_->setValue(double(limits.wallMs) / 1000);
  cpuSpin_->setValue(double(limits.cpuMs) / 1000);
  memorySpin_->setValue(int(std::min<qint64>(limits.memoryBytes >> 20, kMaxMemoryMiB)));
}

void RunPage::run() {
  if (!session_->canStart()) return;
  const Runtime* runtime = runtimes_->runtimeAt(languageCombo_->currentIndex());
  if (!runtime) {
    messages_->add(Severity::kWarning, tr("Pick a language first: no slave offers one yet."));
    return;
  }
  JobRequest job;
  job.language = runtime->language;
  job.version = runtime->version;
  // The file's own name helps the runner (Java wants Main.java for class Main); a name of
  // another language would mislead it, so then the runner picks one.
  const QString path = files_->currentPath();
  QString name = path.isEmpty() ? QString() : QFileInfo(path).fileName();
  if (!name.isEmpty() &&
      !runtime->extensions.contains('.' + QFileInfo(name).suffix(), Qt::CaseInsensitive))
    name.clear();
  job.files << JobFile{name, editor_->toPlainText().toUtf8()};
  job.stdinText = stdinEdit_->toPlainText();
  job.args = QProcess::splitCommand(argsEdit_->text());
  job.limits = limitsFromUi();
  settings_->setLimits(job.limits);
  session_->start(job);
}

void RunPage::stop() { session_->stop(); }

void RunPage::onRuntimesChanged(const QList<Runtime>& runtimes) {
  const QString language = selectedLanguage();
  const QString version = selectedVersion();
  runtimes_->setRuntimes(runtimes);  // no reset (and no index change) when nothing changed

  int row = -1;
  if (!pendingSuffix_.isEmpty()) {
    row = runtimes_->rowForExtension(pendingSuffix_);
    if (row < 0) {
      messages_->add(Severity::kWarning,
                     tr("No slave runs .%1 files; pick a language.").arg(pendingSuffix_));
    }
    pendingSuffix_.clear();
  }
  if (row < 0 && !language.isEmpty()) row = runtimes_->rowOf(language, version);
  if (row < 0 && language.isEmpty()) {
    // First list of this session: the language used last time, if the cluster still has it.
    const QStringList last = settings_->lastLanguage().split(' ');
    if (!last.value(0).isEmpty()) row = runtimes_->rowOf(last.value(0), last.value(1));
  }
  if (row < 0 && runtimes_->rowCount() > 0) row = 0;
  if (languageCombo_->currentIndex() != row) languageCombo_->setCurrentIndex(row);
  updateActions();
}

void RunPage::onLanguageChanged() {
  updateActions();
  const Runtime* runtime = runtimes_->runtimeAt(languageCombo_->currentIndex());
  files_->setDefaultExtension(
      runtime && !runtime->extensions.isEmpty() ? runtime->extensions.first() : QString());
  if (!runtime) return;  // the list is being replaced; the editor keeps what it has
  settings_->setLastLanguage(runtime->language + ' ' + runtime->version);
  const SyntaxFamily family = syntaxFamily(runtime->language);
  const QString suffix = QFileInfo(files_->currentPath()).suffix();
  if (files_->isPristine()) {
    editor_->setSyntax(family);
    putTemplate();
  } else if (files_->currentPath().isEmpty() || runtimes_->rowForExtension(suffix) < 0 ||
             runtime->extensions.contains('.' + suffix, Qt::CaseInsensitive)) {
    // A file of another known language keeps its own highlighting.
    editor_->setSyntax(family);
  }
}

void RunPage::selectLanguageForSuffix(const QString& suffix) {
  if (suffix.isEmpty()) return;
  if (runtimes_->rowCount() == 0) {
    pendingSuffix_ = suffix;  // decided when the runtimes arrive
    return;
  }
  const int row = runtimes_->rowForExtension(suffix);
  if (row < 0) {
    messages_->add(Severity::kWarning, tr("No slave runs .%1 files; pick a language.").arg(suffix));
    return;
  }
  languageCombo_->setCurrentIndex(row);
}

void RunPage::putTemplate() {
  const QString text = starterTemplate(editor_->syntax());
  if (editor_->toPlainText() == text) return;
  editor_->setPlainText(text);
  editor_->document()->setModified(false);  // still nothing of the user's
}

void RunPage::newFile() {
  if (!files_->maybeSave()) return;
  editor_->clear();
  editor_->document()->setModified(false);
  files_->setCurrentPath(QString());
  const Runtime* runtime = runtimes_->runtimeAt(languageCombo_->currentIndex());
  if (runtime) editor_->setSyntax(syntaxFamily(runtime->language));
  putTemplate();
}

void RunPage::showRecord(const RunRecord& record) {
  switch (record.status) {
    case RunRecord::Status::kFinished:
      resultView_->showOutcome(*record.outcome);
      break;
    case RunRecord::Status::kFailed:
      resultView_->showError(record.errorCode, record.errorMessage);
      break;
    case RunRecord::Status::kStopped:
      resultView_->showStopped(record.jobId);
      break;
    default:
      resultView_->showRunning();
      break;
  }
}

bool RunPage::loadRequest(const JobRequest& request) {
  if (!files_->maybeSave()) return false;
  const int languageRow = runtimes_->rowOf(request.language, request.version);
  if (languageRow >= 0) languageCombo_->setCurrentIndex(languageRow);
  editor_->setSyntax(syntaxFamily(request.language));
  editor_->setPlainText(request.files.isEmpty() ? QString()
                                                : QString::fromUtf8(request.files.first().content));
  editor_->document()->setModified(true);  // an unsaved buffer: asked about before it is lost
  files_->setCurrentPath(QString());
  stdinEdit_->setPlainText(request.stdinText);
  QStringList quoted;
  for (const QString& a : request.args) {
    quoted << (a.isEmpty() || a.contains(QRegularExpression(QStringLiteral("[\\s\"']")))
                   ? '"' + QString(a).replace('"', QStringLiteral("\"\"\"")) + '"'
                   : a);
  }
  argsEdit_->setText(quoted.join(' '));
  setLimitsInUi(request.limits);
  return true;
}

void RunPage::updateActions() {
  const bool canRun = session_->canStart() && languageCombo_->currentIndex() >= 0;
  const bool running = session_->isRunning();
  runAction_->setEnabled(canRun);
  runButton_->setEnabled(canRun);
  runButton_->setText(running ? tr("Running…") : tr("Run"));
  stopAction_->setEnabled(running);
  stopButton_->setEnabled(running);
}

}  // namespace polyrun::gui
