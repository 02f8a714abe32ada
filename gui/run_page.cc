#include "run_page.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "client_settings.h"
#include "code_editor.h"
#include "file_actions.h"
#include "history_model.h"
#include "input_hint.h"
#include "language_support.h"
#include "master_connection.h"
#include "message_log.h"
#include "result_view.h"
#include "run_session.h"
#include "runtimes_model.h"
#include "tests_panel.h"

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
                 QWidget* dialog_parent, QWidget* parent)
    : QWidget(parent),
      session_(session),
      settings_(settings),
      messages_(messages),
      runtimes_(new RuntimesModel(this)),
      suite_store_(settings->testsDir()) {
  editor_ = new CodeEditor;
  editor_->setObjectName("editor");
  editor_->setPlaceholderText(tr("Write or open a program, then Run (Ctrl+Return)."));
  files_ = new FileActions(editor_, runtimes_, settings_, messages_, dialog_parent);
  connect(files_, &FileActions::fileChanged, this,
          [this](const QString& path) { selectLanguageForSuffix(QFileInfo(path).suffix()); });

  language_combo_ = new QComboBox;
  language_combo_->setObjectName("languageCombo");
  language_combo_->setModel(runtimes_);
  language_combo_->setPlaceholderText(tr("no languages yet"));
  language_combo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  language_combo_->setMinimumContentsLength(14);
  language_combo_->setMaxVisibleItems(24);  // a cluster may offer dozens of languages
  connect(language_combo_, &QComboBox::currentIndexChanged, this, &RunPage::onLanguageChanged);

  args_edit_ = new QLineEdit;
  args_edit_->setObjectName("argsEdit");
  args_edit_->setPlaceholderText(tr("program arguments, quoted like a shell: -n 3 \"two words\""));

  run_button_ = new QPushButton(tr("Run"));
  run_button_->setObjectName("runButton");
  run_button_->setToolTip(tr("Run the program on the cluster (Ctrl+Return)"));
  connect(run_button_, &QPushButton::clicked, this, &RunPage::run);
  stop_button_ = new QPushButton(tr("Stop"));
  stop_button_->setObjectName("stopButton");
  stop_button_->setToolTip(
      tr("Interrupt the program (SIGINT, as Ctrl-C would); press again to cancel the job "
         "(Ctrl+.)"));
  connect(stop_button_, &QPushButton::clicked, this, &RunPage::stop);

  run_action_ = new QAction(tr("&Run"), this);
  run_action_->setObjectName("runAction");
  // Ctrl+Return is not an editing key of QPlainTextEdit, so the shortcut works while typing.
  run_action_->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  connect(run_action_, &QAction::triggered, this, &RunPage::run);
  stop_action_ = new QAction(tr("&Stop"), this);
  stop_action_->setObjectName("stopAction");
  stop_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
  connect(stop_action_, &QAction::triggered, this, &RunPage::stop);

  auto* controls = new QHBoxLayout;
  auto* language_label = new QLabel(tr("&Language"));
  language_label->setBuddy(language_combo_);
  auto* args_label = new QLabel(tr("&Args"));
  args_label->setBuddy(args_edit_);
  controls->addWidget(language_label);
  controls->addWidget(language_combo_);
  controls->addSpacing(12);
  controls->addWidget(args_label);
  controls->addWidget(args_edit_, 1);
  controls->addWidget(run_button_);
  controls->addWidget(stop_button_);

  const QString default_tip =
      tr("\"default\" leaves it to the master (master.limits.run.*); a "
         "value over the master's maximum is refused.");
  wall_spin_ = makeSecondsSpin("wallSpin", tr("Wall-clock time limit of the run.\n") + default_tip);
  cpu_spin_ = makeSecondsSpin("cpuSpin", tr("CPU time limit of the run.\n") + default_tip);
  memory_spin_ = new QSpinBox;
  memory_spin_->setObjectName("memorySpin");
  memory_spin_->setRange(0, kMaxMemoryMiB);
  memory_spin_->setSingleStep(64);
  memory_spin_->setSuffix(QStringLiteral(" MiB"));
  memory_spin_->setSpecialValueText(tr("default"));
  memory_spin_->setToolTip(tr("Peak memory limit of the run.\n") + default_tip);
  auto* limits = new QHBoxLayout;
  limits->addWidget(new QLabel(tr("Limits:")));
  limits->addWidget(new QLabel(tr("time")));
  limits->addWidget(wall_spin_);
  limits->addWidget(new QLabel(tr("CPU")));
  limits->addWidget(cpu_spin_);
  limits->addWidget(new QLabel(tr("memory")));
  limits->addWidget(memory_spin_);
  limits->addStretch(1);

  stdin_edit_ = new QPlainTextEdit;
  stdin_edit_->setObjectName("stdinEdit");
  stdin_edit_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  stdin_edit_->setPlaceholderText(tr("Input for the program (its stdin)"));
  auto* stdin_box = new QWidget;
  auto* stdin_layout = new QVBoxLayout(stdin_box);
  stdin_layout->setContentsMargins(0, 0, 0, 0);
  auto* stdin_label = new QLabel(tr("&stdin"));
  stdin_label->setBuddy(stdin_edit_);
  stdin_mode_label_ = new QLabel;
  stdin_mode_label_->setObjectName("stdinModeLabel");
  stdin_mode_label_->setWordWrap(true);
  stdin_layout->addWidget(stdin_label);
  stdin_layout->addWidget(stdin_edit_);
  stdin_layout->addWidget(stdin_mode_label_);
  connect(stdin_edit_, &QPlainTextEdit::textChanged, this, &RunPage::updateStdinMode);

  result_view_ = new ResultView;
  result_view_->setObjectName("resultView");

  // The input line of a live run, under its output (docs/gui.md, "Live runs").
  input_edit_ = new QLineEdit;
  input_edit_->setObjectName("inputEdit");
  input_edit_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  input_edit_->installEventFilter(this);  // Ctrl-D
  connect(input_edit_, &QLineEdit::returnPressed, this, &RunPage::sendInputLine);
  end_input_button_ = new QPushButton(tr("End input"));
  end_input_button_->setObjectName("endInputButton");
  end_input_button_->setToolTip(
      tr("Close the program's stdin, as Ctrl-D in a terminal (Ctrl-D "
         "in the input line)"));
  connect(end_input_button_, &QPushButton::clicked, this, &RunPage::endInput);
  input_hint_ = new QLabel;
  input_hint_->setObjectName("inputHint");
  input_hint_->setWordWrap(true);
  input_hint_->setStyleSheet(QStringLiteral("#inputHint { background: #fff8e1; padding: 3px; }"));
  input_hint_->hide();
  auto* input_row = new QHBoxLayout;
  input_row->addWidget(input_edit_, 1);
  input_row->addWidget(end_input_button_);
  auto* output_box = new QWidget;
  auto* output_layout = new QVBoxLayout(output_box);
  output_layout->setContentsMargins(0, 0, 0, 0);
  output_layout->addWidget(result_view_, 1);
  output_layout->addWidget(input_hint_);
  output_layout->addLayout(input_row);

  auto* side = new QSplitter(Qt::Vertical);
  side->addWidget(stdin_box);
  side->addWidget(output_box);
  side->setStretchFactor(0, 1);
  side->setStretchFactor(1, 3);
  tests_panel_ = new TestsPanel;
  tests_panel_->setObjectName("testsPanel");
  side_tabs_ = new QTabWidget;
  side_tabs_->setObjectName("sideTabs");
  side_tabs_->addTab(side, tr("Run"));
  side_tabs_->addTab(tests_panel_, tr("Tests"));
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(editor_);
  split->addWidget(side_tabs_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addLayout(limits);
  layout->addWidget(split, 1);

  connect(session_, &RunSession::started, result_view_, &ResultView::showRunning);
  connect(session_, &RunSession::finished, result_view_, &ResultView::showOutcome);
  connect(session_, &RunSession::failed, result_view_, &ResultView::showError);
  connect(session_, &RunSession::stopped, result_view_, &ResultView::showStopped);
  connect(session_, &RunSession::runningChanged, this, &RunPage::updateActions);
  connect(session_, &RunSession::inputStateChanged, this, &RunPage::updateActions);
  connect(session_, &RunSession::started, this, [this] {
    showHint({});
    if (session_->inputOpen()) input_edit_->setFocus();  // typing goes to the program
  });
  connect(session_, &RunSession::outputReceived, this, [this](const LiveOutput& output) {
    showHint({});  // it is not (only) waiting: a hint would mislead
    result_view_->appendOutput(output);
  });
  connect(session_, &RunSession::outputRestarted, this, [this] {
    result_view_->restartOutput(
        tr("[the job went back to the queue (its slave was lost); its output starts over]\n"));
  });
  connect(session_, &RunSession::waitingForInput, this,
          [this] { showHint(waitingForInputHint()); });
  connect(session_, &RunSession::finished, this, [this](const RunOutcome& outcome) {
    showHint(tests_run_ ? QString()
                        : endOfInputHint(outcome, run_stdin_given_, session_->inputSent()));
  });
  connect(session_, &RunSession::failed, this, [this] { showHint({}); });
  connect(session_, &RunSession::stopped, this, [this] { showHint({}); });
  connect(tests_panel_, &TestsPanel::runAllRequested, this, &RunPage::runTests);
  connect(tests_panel_, &TestsPanel::problem, this,
          [this](const QString& text) { messages_->add(Severity::kError, text); });
  connect(session_, &RunSession::caseFinished, this, [this](const CaseOutcome& outcome) {
    if (tests_run_) tests_panel_->caseFinished(outcome);
  });
  connect(session_, &RunSession::finished, this, [this](const RunOutcome& outcome) {
    if (tests_run_) tests_panel_->runFinished(outcome);
    tests_run_ = false;
  });
  connect(session_, &RunSession::failed, this, [this](const QString& code, const QString& why) {
    if (tests_run_) tests_panel_->runEnded(tr("%1: %2").arg(code, why));
    tests_run_ = false;
  });
  connect(session_, &RunSession::stopped, this, [this] {
    if (tests_run_) tests_panel_->runEnded(tr("stopped"));
    tests_run_ = false;
  });
  save_timer_.setSingleShot(true);
  save_timer_.setInterval(500);
  connect(&save_timer_, &QTimer::timeout, this, &RunPage::saveSuite);
  connect(tests_panel_, &TestsPanel::suiteChanged, this, [this] {
    if (!suite_path_.isEmpty()) save_timer_.start();
  });
  connect(files_, &FileActions::pathChanged, this, &RunPage::onPathChanged);
  MasterConnection* connection = session_->connection();
  connect(connection, &MasterConnection::stateChanged, this, &RunPage::updateActions);
  connect(connection, &MasterConnection::runtimesChanged, this, &RunPage::onRuntimesChanged);

  setLimitsInUi(settings_->limits());
  updateStdinMode();
  updateActions();
}

RunPage::~RunPage() {
  if (save_timer_.isActive()) saveSuite();
}

QString RunPage::selectedLanguage() const {
  const Runtime* r = runtimes_->runtimeAt(language_combo_->currentIndex());
  return r ? r->language : QString();
}

QString RunPage::selectedVersion() const {
  const Runtime* r = runtimes_->runtimeAt(language_combo_->currentIndex());
  return r ? r->version : QString();
}

RunLimits RunPage::limitsFromUi() const {
  RunLimits l;
  l.wall_ms = std::llround(wall_spin_->value() * 1000);
  l.cpu_ms = std::llround(cpu_spin_->value() * 1000);
  l.memory_bytes = qint64(memory_spin_->value()) << 20;
  return l;
}

void RunPage::setLimitsInUi(const RunLimits& limits) {
  wall_spin_->setValue(double(limits.wall_ms) / 1000);
  cpu_spin_->setValue(double(limits.cpu_ms) / 1000);
  memory_spin_->setValue(int(std::min<qint64>(limits.memory_bytes >> 20, kMaxMemoryMiB)));
}

bool RunPage::buildJob(JobRequest* out) {
  const Runtime* runtime = runtimes_->runtimeAt(language_combo_->currentIndex());
  if (!runtime) {
    messages_->add(Severity::kWarning, tr("Pick a language first: no slave offers one yet."));
    return false;
  }
  JobRequest& job = *out;
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
  job.stdin_text = stdin_edit_->toPlainText();
  job.args = QProcess::splitCommand(args_edit_->text());
  job.limits = limitsFromUi();
  settings_->setLimits(job.limits);
  return true;
}

void RunPage::run() {
  if (!session_->canStart()) return;
  JobRequest job;
  if (!buildJob(&job)) return;
  // Every run from the page is live; with the stdin box empty its stdin also stays open
  // (docs/gui.md, "Live runs").
  job.stream = true;
  job.interactive = job.stdin_text.isEmpty();
  run_stdin_given_ = !job.stdin_text.isEmpty();
  if (!session_->start(job)) return;
  side_tabs_->setCurrentIndex(kRunTab);  // where its result shows
}

void RunPage::runTests() {
  if (!session_->canStart()) return;
  const TestSuite suite = tests_panel_->suite();
  if (suite.cases.isEmpty()) {
    messages_->add(Severity::kWarning, tr("Add a test case first (Tests: Add or Import folder)."));
    return;
  }
  JobRequest job;
  if (!buildJob(&job)) return;
  job.tests = suite.cases;
  job.judge = suite.judge;
  if (suite.judge.checker == QLatin1String("program")) {
    // Read now, so that edits to the checker since it was chosen count.
    QString error;
    if (!tests_panel_->readCheckerProgram(&job.checker_source, &error)) {
      tests_panel_->showProblem(error);
      messages_->add(Severity::kError, error);
      return;
    }
    // Its language as the editor picks one for a file: by extension, among the cluster's.
    const QString suffix = QFileInfo(job.checker_source.name).suffix();
    const Runtime* runtime = runtimes_->runtimeAt(runtimes_->rowForExtension(suffix));
    if (!runtime) {
      error = tr("No slave runs .%1 files, so the checker program %2 cannot run: write it in a "
                 "language the cluster offers (see the language list).")
                  .arg(suffix, job.checker_source.name);
      tests_panel_->showProblem(error);
      messages_->add(Severity::kError, error);
      return;
    }
    job.checker_language = runtime->language;
    job.checker_version = QStringLiteral("*");
  }
  if (!session_->start(job)) return;
  tests_run_ = true;
  tests_panel_->startRun();
}

void RunPage::onPathChanged() {
  const QString path = files_->currentPath();
  if (path == suite_path_) return;
  if (save_timer_.isActive()) saveSuite();  // the old file's last changes
  const bool kept = files_->pathKeptContent();
  suite_path_ = path;
  if (path.isEmpty()) {
    // A new buffer (or a run loaded from the history) starts without cases.
    tests_panel_->setSuite({});
    return;
  }
  TestSuite suite;
  QString error;
  const bool loaded = suite_store_.load(path, &suite, &error);
  if (!loaded) messages_->add(Severity::kWarning, error);
  if (kept && suite.isEmpty()) {
    // Saved under a new name: the cases go with the program (once a file that could not be
    // read has been said, the next change of the cases replaces it).
    if (loaded) saveSuite();
    return;
  }
  tests_panel_->setSuite(suite);
  // What was just read needs no saving, and an unreadable file stays until the cases change.
  save_timer_.stop();
}

void RunPage::saveSuite() {
  save_timer_.stop();
  if (suite_path_.isEmpty()) return;
  QString error;
  if (!suite_store_.save(suite_path_, tests_panel_->suite(), &error))
    messages_->add(Severity::kError, error);
}

void RunPage::stop() { session_->stop(); }

void RunPage::sendInputLine() {
  const QString line = input_edit_->text() + QLatin1Char('\n');
  if (!session_->sendInput(line.toUtf8())) return;
  result_view_->echoInput(line);
  input_edit_->clear();
  showHint({});
}

void RunPage::endInput() {
  // What is typed but not yet sent goes first, as a terminal's Ctrl-D sends the line so far.
  const QString rest = input_edit_->text();
  if (!rest.isEmpty() && session_->sendInput(rest.toUtf8())) {
    result_view_->echoInput(rest);
    input_edit_->clear();
  }
  if (!session_->endInput()) return;
  result_view_->addNote(tr("[end of input]\n"));
  showHint({});
}

bool RunPage::eventFilter(QObject* watched, QEvent* event) {
  if (watched == input_edit_ &&
      (event->type() == QEvent::KeyPress || event->type() == QEvent::ShortcutOverride)) {
    auto* key = static_cast<QKeyEvent*>(event);
    if (key->key() == Qt::Key_D && key->modifiers() == Qt::ControlModifier) {
      // ShortcutOverride: claim the key, so no shortcut (nor QLineEdit's delete) takes it.
      if (event->type() == QEvent::KeyPress) endInput();
      event->accept();
      return true;
    }
  }
  return QWidget::eventFilter(watched, event);
}

void RunPage::showHint(const QString& text) {
  input_hint_->setText(text);
  input_hint_->setVisible(!text.isEmpty());
}

void RunPage::updateStdinMode() {
  stdin_mode_label_->setText(
      stdin_edit_->toPlainText().isEmpty()
          ? tr("Empty: the program's stdin stays open while it runs; type its input in the line "
               "under the output.")
          : tr("The program reads this text as its stdin; empty the box to type its input while "
               "it runs instead."));
}

void RunPage::onRuntimesChanged(const QList<Runtime>& runtimes) {
  const QString language = selectedLanguage();
  const QString version = selectedVersion();
  runtimes_->setRuntimes(runtimes);  // no reset (and no index change) when nothing changed

  int row = -1;
  if (!pending_suffix_.isEmpty()) {
    row = runtimes_->rowForExtension(pending_suffix_);
    if (row < 0) {
      messages_->add(Severity::kWarning,
                     tr("No slave runs .%1 files; pick a language.").arg(pending_suffix_));
    }
    pending_suffix_.clear();
  }
  if (row < 0 && !language.isEmpty()) row = runtimes_->rowOf(language, version);
  if (row < 0 && language.isEmpty()) {
    // First list of this session: the language used last time, if the cluster still has it.
    const QStringList last = settings_->lastLanguage().split(' ');
    if (!last.value(0).isEmpty()) row = runtimes_->rowOf(last.value(0), last.value(1));
  }
  if (row < 0 && runtimes_->rowCount() > 0) row = 0;
  if (language_combo_->currentIndex() != row) language_combo_->setCurrentIndex(row);
  updateActions();
}

void RunPage::onLanguageChanged() {
  updateActions();
  const Runtime* runtime = runtimes_->runtimeAt(language_combo_->currentIndex());
  files_->setDefaultExtension(
      runtime && !runtime->extensions.isEmpty() ? runtime->extensions.first() : QString());
  if (!runtime) return;  // the list is being replaced; the editor keeps what it has
  settings_->setLastLanguage(runtime->language + ' ' + runtime->version);
  const SyntaxFamily family = syntaxFamilyOf(*runtime);
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
    pending_suffix_ = suffix;  // decided when the runtimes arrive
    return;
  }
  const int row = runtimes_->rowForExtension(suffix);
  if (row < 0) {
    messages_->add(Severity::kWarning, tr("No slave runs .%1 files; pick a language.").arg(suffix));
    return;
  }
  language_combo_->setCurrentIndex(row);
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
  const Runtime* runtime = runtimes_->runtimeAt(language_combo_->currentIndex());
  if (runtime) editor_->setSyntax(syntaxFamilyOf(*runtime));
  putTemplate();
}

void RunPage::showRecord(const RunRecord& record) {
  side_tabs_->setCurrentIndex(kRunTab);
  switch (record.status) {
    case RunRecord::Status::kFinished:
      result_view_->showOutcome(*record.outcome);
      break;
    case RunRecord::Status::kFailed:
      result_view_->showError(record.error_code, record.error_message);
      break;
    case RunRecord::Status::kStopped:
      result_view_->showStopped(record.job_id);
      break;
    default:
      result_view_->showRunning();
      break;
  }
}

bool RunPage::loadRequest(const JobRequest& request) {
  if (!files_->maybeSave()) return false;
  const int language_row = runtimes_->rowOf(request.language, request.version);
  if (language_row >= 0) language_combo_->setCurrentIndex(language_row);
  const Runtime* runtime = runtimes_->runtimeAt(language_row);
  editor_->setSyntax(runtime ? syntaxFamilyOf(*runtime) : syntaxFamily(request.language));
  editor_->setPlainText(request.files.isEmpty() ? QString()
                                                : QString::fromUtf8(request.files.first().content));
  editor_->document()->setModified(true);  // an unsaved buffer: asked about before it is lost
  files_->setCurrentPath(QString());
  stdin_edit_->setPlainText(request.stdin_text);
  QStringList quoted;
  for (const QString& a : request.args) {
    quoted << (a.isEmpty() || a.contains(QRegularExpression(QStringLiteral("[\\s\"']")))
                   ? '"' + QString(a).replace('"', QStringLiteral("\"\"\"")) + '"'
                   : a);
  }
  args_edit_->setText(quoted.join(' '));
  setLimitsInUi(request.limits);
  if (!request.tests.isEmpty()) tests_panel_->setSuite({request.tests, request.judge});
  return true;
}

void RunPage::updateActions() {
  const bool can_run = session_->canStart() && language_combo_->currentIndex() >= 0;
  const bool running = session_->isRunning();
  run_action_->setEnabled(can_run);
  run_button_->setEnabled(can_run);
  run_button_->setText(running ? tr("Running…") : tr("Run"));
  stop_action_->setEnabled(running);
  stop_button_->setEnabled(running);
  stop_button_->setText(session_->isInterrupting() ? tr("Cancel") : tr("Stop"));
  const bool input_open = session_->inputOpen();
  input_edit_->setEnabled(input_open);
  end_input_button_->setEnabled(input_open);
  if (input_open) {
    input_edit_->setPlaceholderText(tr("Type a line for the program and press Enter"));
  } else if (running && session_->isInteractive()) {
    input_edit_->setPlaceholderText(tr("Input ended"));
  } else if (running) {
    input_edit_->setPlaceholderText(tr("This run reads the stdin box"));
  } else {
    input_edit_->setPlaceholderText(
        tr("Input for the running program: Run with the stdin box empty to type here"));
  }
  tests_panel_->setRunEnabled(can_run);
}

}  // namespace polyrun::gui
