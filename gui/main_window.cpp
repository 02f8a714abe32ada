#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QRegularExpression>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "cluster_view.h"
#include "code_editor.h"
#include "connection_dialog.h"
#include "format.h"
#include "history_model.h"
#include "language_support.h"
#include "message_log.h"
#include "notification_bar.h"
#include "result_view.h"
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

MainWindow::MainWindow(MasterConnection* connection, ClientSettings* settings, QWidget* parent)
    : QMainWindow(parent),
      connection_(connection),
      settings_(settings),
      runtimes_(new RuntimesModel(this)),
      history_(new HistoryModel(this)),
      messages_(new MessageLog(this)) {
  buildUi();
  buildMenus();
  wireConnection();

  clusterTimer_.setInterval(kClusterRefreshMs);
  connect(&clusterTimer_, &QTimer::timeout, this, &MainWindow::poll);
  ticker_.setInterval(200);
  connect(&ticker_, &QTimer::timeout, this, &MainWindow::tick);

  // The history feeds the cluster page's recent jobs while the master lists none.
  connect(history_, &QAbstractItemModel::dataChanged, this, &MainWindow::updateLocalJobs);
  connect(history_, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateLocalJobs);
  connect(history_, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateLocalJobs);

  setLimitsInUi(settings_->limits());
  setTabWidth(settings_->tabWidth());
  if (!restoreGeometry(settings_->windowGeometry())) resize(1180, 760);
  updateTitle();
  updateConnectionLabel();
  updateActions();
  // Already connected (the caller connected before building the window): catch up.
  if (connection_->isConnected()) onConnected();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildUi() {
  pages_ = new QTabWidget;
  pages_->setObjectName("pages");
  pages_->setDocumentMode(true);
  pages_->insertTab(kRunPage, buildRunPage(), tr("Run"));
  pages_->insertTab(kHistoryPage, buildHistoryPage(), tr("History"));
  clusterView_ = new ClusterView;
  clusterView_->setObjectName("clusterView");
  pages_->insertTab(kClusterPage, clusterView_, tr("Cluster"));

  notificationBar_ = new NotificationBar(messages_);
  auto* central = new QWidget;
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(pages_, 1);
  layout->addWidget(notificationBar_);
  setCentralWidget(central);

  progressLabel_ = new QLabel;
  progressLabel_->setObjectName("progressLabel");
  connectionLabel_ = new QLabel;
  connectionLabel_->setObjectName("connectionLabel");
  statusBar()->addWidget(progressLabel_, 1);
  statusBar()->addPermanentWidget(connectionLabel_);
}

QWidget* MainWindow::buildRunPage() {
  editor_ = new CodeEditor;
  editor_->setObjectName("editor");
  editor_->setPlaceholderText(tr("Write or open a program, then Run (Ctrl+Return)."));
  connect(editor_->document(), &QTextDocument::modificationChanged, this,
          &QWidget::setWindowModified);

  languageCombo_ = new QComboBox;
  languageCombo_->setObjectName("languageCombo");
  languageCombo_->setModel(runtimes_);
  languageCombo_->setPlaceholderText(tr("no languages yet"));
  languageCombo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  languageCombo_->setMinimumContentsLength(14);
  connect(languageCombo_, &QComboBox::currentIndexChanged, this, &MainWindow::onLanguageChanged);

  argsEdit_ = new QLineEdit;
  argsEdit_->setObjectName("argsEdit");
  argsEdit_->setPlaceholderText(tr("program arguments, quoted like a shell: -n 3 \"two words\""));

  runButton_ = new QPushButton(tr("Run"));
  runButton_->setObjectName("runButton");
  runButton_->setToolTip(tr("Run the program on the cluster (Ctrl+Return)"));
  connect(runButton_, &QPushButton::clicked, this, &MainWindow::run);
  stopButton_ = new QPushButton(tr("Stop"));
  stopButton_->setObjectName("stopButton");
  stopButton_->setToolTip(tr("Cancel the job (Ctrl+.)"));
  connect(stopButton_, &QPushButton::clicked, this, &MainWindow::stop);

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

  const QString defaultTip = tr("\"default\" leaves it to the master (master.limits.run.*); a "
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

  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->addLayout(controls);
  layout->addLayout(limits);
  layout->addWidget(split, 1);
  return page;
}

QWidget* MainWindow::buildHistoryPage() {
  historyProxy_ = new QSortFilterProxyModel(this);
  historyProxy_->setSourceModel(history_);
  historyProxy_->setSortRole(HistoryModel::kSortRole);
  historyView_ = new QTableView;
  historyView_->setObjectName("historyView");
  historyView_->setModel(historyProxy_);
  historyView_->setSortingEnabled(true);
  historyView_->sortByColumn(HistoryModel::kNumber, Qt::DescendingOrder);  // newest on top
  historyView_->setSelectionBehavior(QAbstractItemView::SelectRows);
  historyView_->setSelectionMode(QAbstractItemView::SingleSelection);
  historyView_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  historyView_->setAlternatingRowColors(true);
  historyView_->verticalHeader()->hide();
  historyView_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  // activated: a double click, or Return on the current row.
  connect(historyView_, &QTableView::activated, this,
          [this](const QModelIndex& index) { showRun(historyRowAt(index)); });

  auto* showButton = new QPushButton(tr("Show result"));
  showButton->setObjectName("showRunButton");
  connect(showButton, &QPushButton::clicked, this, [this] { showRun(selectedHistoryRow()); });
  auto* loadButton = new QPushButton(tr("Load program into editor"));
  loadButton->setObjectName("loadRunButton");
  connect(loadButton, &QPushButton::clicked, this,
          [this] { loadRunIntoEditor(selectedHistoryRow()); });
  auto* buttons = new QHBoxLayout;
  auto* hint =
      new QLabel(tr("This session's runs. Double-click one (or press Return) to see its result."));
  buttons->addWidget(hint, 1);
  buttons->addWidget(showButton);
  buttons->addWidget(loadButton);

  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->addLayout(buttons);
  layout->addWidget(historyView_, 1);
  return page;
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* newAction = file->addAction(tr("&New from template"), this, &MainWindow::newFile);
  newAction->setShortcut(QKeySequence::New);
  QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::openWithDialog);
  open->setShortcut(QKeySequence::Open);
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  recentMenu_->setObjectName("recentMenu");
  connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
  fillRecentMenu();
  QAction* saveAction = file->addAction(tr("&Save"), this, &MainWindow::save);
  saveAction->setShortcut(QKeySequence::Save);
  QAction* saveAs = file->addAction(tr("Save &As…"), this, &MainWindow::saveAs);
  saveAs->setShortcut(QKeySequence::SaveAs);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  QMenu* tabs = view->addMenu(tr("&Tab width"));
  tabWidthGroup_ = new QActionGroup(this);
  for (int columns : {2, 4, 8}) {
    QAction* a = tabs->addAction(tr("%n column(s)", nullptr, columns));
    a->setCheckable(true);
    a->setData(columns);
    tabWidthGroup_->addAction(a);
    connect(a, &QAction::triggered, this, [this, columns] { setTabWidth(columns); });
  }
  QAction* messagesAction = view->addAction(tr("&Messages"));
  connect(messagesAction, &QAction::triggered, this, [this] {
    notificationBar_->show();
    notificationBar_->setLogShown(true);
  });

  QMenu* runMenu = menuBar()->addMenu(tr("&Run"));
  runAction_ = runMenu->addAction(tr("&Run"), this, &MainWindow::run);
  runAction_->setObjectName("runAction");
  // Ctrl+Return is not an editing key of QPlainTextEdit, so the shortcut works while typing.
  runAction_->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  stopAction_ = runMenu->addAction(tr("&Stop"), this, &MainWindow::stop);
  stopAction_->setObjectName("stopAction");
  stopAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));

  QMenu* connectionMenu = menuBar()->addMenu(tr("&Connection"));
  connectionMenu->addAction(tr("&Settings…"), this, &MainWindow::openConnectionDialog);
  connectionMenu->addAction(tr("&Reconnect now"), connection_, &MasterConnection::reconnectNow);
  connectionMenu->addAction(tr("&Disconnect"), connection_,
                            &MasterConnection::disconnectFromMaster);
}

void MainWindow::wireConnection() {
  connect(connection_, &MasterConnection::stateChanged, this, &MainWindow::onStateChanged);
  connect(connection_, &MasterConnection::connected, this, &MainWindow::onConnected);
  connect(connection_, &MasterConnection::disconnected, this, &MainWindow::onDisconnected);
  connect(connection_, &MasterConnection::runtimesChanged, this, &MainWindow::onRuntimesChanged);
  connect(connection_, &MasterConnection::clusterSnapshot, this, &MainWindow::onClusterSnapshot);
  connect(connection_, &MasterConnection::jobAccepted, this, &MainWindow::onJobAccepted);
  connect(connection_, &MasterConnection::jobProgress, this, &MainWindow::onJobProgress);
  connect(connection_, &MasterConnection::jobFinished, this, &MainWindow::onJobFinished);
  connect(connection_, &MasterConnection::jobCancelled, this, &MainWindow::onJobCancelled);
  connect(connection_, &MasterConnection::jobDetached, this, &MainWindow::onJobDetached);
  connect(connection_, &MasterConnection::errorReceived, this, &MainWindow::onErrorReceived);
}

QString MainWindow::selectedLanguage() const {
  const Runtime* r = runtimes_->runtimeAt(languageCombo_->currentIndex());
  return r ? r->language : QString();
}

QString MainWindow::selectedVersion() const {
  const Runtime* r = runtimes_->runtimeAt(languageCombo_->currentIndex());
  return r ? r->version : QString();
}

RunLimits MainWindow::limitsFromUi() const {
  RunLimits l;
  l.wallMs = std::llround(wallSpin_->value() * 1000);
  l.cpuMs = std::llround(cpuSpin_->value() * 1000);
  l.memoryBytes = qint64(memorySpin_->value()) << 20;
  return l;
}

void MainWindow::setLimitsInUi(const RunLimits& limits) {
  wallSpin_->setValue(double(limits.wallMs) / 1000);
  cpuSpin_->setValue(double(limits.cpuMs) / 1000);
  memorySpin_->setValue(int(std::min<qint64>(limits.memoryBytes >> 20, kMaxMemoryMiB)));
}

void MainWindow::run() {
  if (isRunning() || !connection_->isConnected()) return;
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
  QString name = currentPath_.isEmpty() ? QString() : QFileInfo(currentPath_).fileName();
  if (!name.isEmpty() &&
      !runtime->extensions.contains('.' + QFileInfo(name).suffix(), Qt::CaseInsensitive))
    name.clear();
  job.files << JobFile{name, editor_->toPlainText().toUtf8()};
  job.stdinText = stdinEdit_->toPlainText();
  job.args = QProcess::splitCommand(argsEdit_->text());
  job.limits = limitsFromUi();
  settings_->setLimits(job.limits);

  currentRequest_ = connection_->submit(job);
  currentJob_.clear();
  history_->addRun(currentRequest_, job, QDateTime::currentDateTime());
  progressSteps_ = {tr("submitted")};
  lastRunMs_ = -1;
  runClock_.start();
  resultView_->showRunning();
  updateActions();
  updateProgressLabel();
  ticker_.start();
}

void MainWindow::stop() {
  if (!isRunning()) return;
  history_->setStopped(currentRequest_, runClock_.elapsed());
  // Without a job id yet, onJobAccepted() sends the cancel once the master names the job.
  if (!currentJob_.isEmpty()) sendCancel(currentJob_);
  resultView_->showStopped(currentJob_);
  finishRun(tr("stopped"));
}

void MainWindow::sendCancel(const QString& jobId) {
  const QString id = connection_->cancel(jobId);
  if (!id.isEmpty()) cancelRequests_.insert(id, jobId);
}

void MainWindow::onStateChanged() {
  updateConnectionLabel();
  updateActions();
  if (connection_->state() == MasterConnection::State::kWaitingToReconnect) ticker_.start();
}

void MainWindow::onConnected() {
  everConnected_ = true;
  if (connectionTrouble_) {
    connectionTrouble_ = false;
    messages_->add(Severity::kInfo, tr("Connected to %1:%2 again.")
                                        .arg(connection_->host())
                                        .arg(connection_->port()));
  }
  poll();
  clusterTimer_.start();
}

void MainWindow::onDisconnected(const QString& reason) {
  clusterTimer_.stop();
  clusterView_->setStale(true);
  const QString where = QStringLiteral("%1:%2").arg(connection_->host()).arg(connection_->port());
  if (connection_->state() == MasterConnection::State::kDisconnected) {
    messages_->add(Severity::kInfo, tr("Disconnected from %1.").arg(where));
    return;
  }
  // The first failure after being connected is a loss; the retries that follow are attempts,
  // and those of a master that stays away fold into one line "(×N)".
  const bool lost = everConnected_ && !connectionTrouble_;
  connectionTrouble_ = true;
  messages_->add(Severity::kWarning,
                 lost ? tr("Connection to %1 lost (%2); reconnecting…").arg(where, reason)
                      : tr("Cannot reach the master at %1 (%2); retrying…").arg(where, reason));
}

void MainWindow::poll() {
  // Runtimes too: a slave that joins, leaves or changes its runners changes the language list,
  // and the reply is small. Both calls are coalesced while unanswered.
  connection_->requestRuntimes();
  connection_->requestCluster();
}

void MainWindow::onRuntimesChanged(const QList<Runtime>& runtimes) {
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

void MainWindow::onLanguageChanged() {
  updateActions();
  const Runtime* runtime = runtimes_->runtimeAt(languageCombo_->currentIndex());
  if (!runtime) return;  // the list is being replaced; the editor keeps what it has
  settings_->setLastLanguage(runtime->language + ' ' + runtime->version);
  const SyntaxFamily family = syntaxFamily(runtime->language);
  if (editorIsPristine()) {
    editor_->setSyntax(family);
    putTemplate();
  } else if (currentPath_.isEmpty() ||
             runtimes_->rowForExtension(QFileInfo(currentPath_).suffix()) < 0 ||
             runtime->extensions.contains('.' + QFileInfo(currentPath_).suffix(),
                                          Qt::CaseInsensitive)) {
    // A file of another known language keeps its own highlighting.
    editor_->setSyntax(family);
  }
}

bool MainWindow::editorIsPristine() const {
  return currentPath_.isEmpty() && !editor_->document()->isModified();
}

void MainWindow::putTemplate() {
  const QString text = starterTemplate(editor_->syntax());
  if (editor_->toPlainText() == text) return;
  editor_->setPlainText(text);
  editor_->document()->setModified(false);  // still nothing of the user's
}

void MainWindow::newFile() {
  if (!maybeSave()) return;
  currentPath_.clear();
  editor_->clear();
  editor_->document()->setModified(false);
  const Runtime* runtime = runtimes_->runtimeAt(languageCombo_->currentIndex());
  if (runtime) editor_->setSyntax(syntaxFamily(runtime->language));
  putTemplate();
  updateTitle();
}

void MainWindow::onClusterSnapshot(const ClusterSnapshot& snapshot) {
  clusterView_->setSnapshot(snapshot);
  pages_->setTabText(kClusterPage, tr("Cluster (%1)").arg(snapshot.slaves.size()));
}

void MainWindow::updateLocalJobs() { clusterView_->setLocalJobs(history_->summaries()); }

void MainWindow::onJobAccepted(const QString& requestId, const QString& jobId) {
  if (requestId.isEmpty()) return;
  history_->setJobId(requestId, jobId);
  if (requestId == currentRequest_) {
    currentJob_ = jobId;
    updateProgressLabel();
    return;
  }
  // Stopped before the master named the job: cancel it now.
  const RunRecord* r = history_->record(history_->rowOfRequest(requestId));
  if (r && r->status == RunRecord::Status::kStopped) sendCancel(jobId);
}

void MainWindow::onJobProgress(const QString& jobId, const QString& state, const QString& slave) {
  if (jobId.isEmpty()) return;
  history_->setProgress(jobId, state, slave);
  if (!isRunning() || jobId != currentJob_) return;
  if (state == QLatin1String("assigned")) {
    addProgressStep(slave.isEmpty() ? state : tr("on %1").arg(slave));
  } else {
    addProgressStep(state);
  }
}

void MainWindow::onJobFinished(const QString& jobId, const RunOutcome& outcome) {
  if (jobId.isEmpty()) return;
  const bool current = isRunning() && jobId == currentJob_;
  history_->setOutcome(jobId, outcome, current ? runClock_.elapsed() : -1);  // stopped: ignored
  if (!current) return;
  resultView_->showOutcome(outcome);
  finishRun(outcome.verdict);
}

void MainWindow::onJobCancelled(const QString& requestId, const QString& jobId) {
  if (cancelRequests_.remove(requestId) > 0) {
    messages_->add(Severity::kInfo, tr("Job %1 cancelled.").arg(jobId));
    return;
  }
  // The answer to the job's own submit: cancelled by this window (the run is already stopped)
  // or by someone else, which ends the run here.
  const RunRecord* r = history_->record(history_->rowOfRequest(requestId));
  if (!r || r->isOver()) return;
  const QString why = tr("Job %1 was cancelled by another client.").arg(jobId);
  history_->setFailed(requestId, QStringLiteral("cancelled"), why, runClock_.elapsed());
  messages_->add(Severity::kWarning, why);
  if (requestId == currentRequest_) {
    resultView_->showError(QStringLiteral("cancelled"), why);
    finishRun(tr("cancelled"));
  }
}

void MainWindow::onJobDetached(const QString& requestId, const QString& jobId) {
  // The job runs on in the cluster; the connection fetches its end once reconnected.
  if (requestId == currentRequest_ && jobId == currentJob_)
    addProgressStep(tr("connection lost, result awaited"));
}

void MainWindow::onErrorReceived(const QString& requestId, const QString& code,
                                 const QString& message) {
  if (cancelRequests_.contains(requestId)) {
    const QString jobId = cancelRequests_.take(requestId);
    if (code == QLatin1String("already_finished")) {
      messages_->add(Severity::kInfo,
                     tr("Job %1 had already finished; its result is ignored.").arg(jobId));
    } else if (code == QLatin1String("unknown_type")) {
      messages_->add(Severity::kWarning,
                     tr("This master cannot cancel jobs: job %1 runs to its end on the cluster; "
                        "its result will be ignored.")
                         .arg(jobId));
    } else {
      messages_->add(Severity::kWarning,
                     tr("Could not cancel job %1: %2").arg(jobId, describeError(code, message)));
    }
    return;
  }
  const RunRecord* r = history_->record(history_->rowOfRequest(requestId));
  if (r && r->isOver()) return;  // e.g. the lost connection of a run already stopped
  if (r) history_->setFailed(requestId, code, message, runClock_.elapsed());
  messages_->add(Severity::kError, describeError(code, message));
  if (!requestId.isEmpty() && requestId == currentRequest_) {
    resultView_->showError(code, message);
    finishRun(code);
  }
}

void MainWindow::finishRun(const QString& lastStep) {
  lastRunMs_ = runClock_.elapsed();
  currentRequest_.clear();
  addProgressStep(lastStep);  // currentJob_ stays for the label until the next run
  updateActions();
}

void MainWindow::addProgressStep(const QString& step) {
  if (progressSteps_.isEmpty() || progressSteps_.last() != step) progressSteps_ << step;
  updateProgressLabel();
}

void MainWindow::updateProgressLabel() {
  if (progressSteps_.isEmpty()) {
    progressLabel_->clear();
    return;
  }
  const qint64 ms = isRunning() ? runClock_.elapsed() : lastRunMs_;
  QString text = progressSteps_.join(QStringLiteral(" → "));
  if (!currentJob_.isEmpty()) text.prepend(currentJob_ + QStringLiteral(": "));
  if (ms >= 0) text += QStringLiteral("  ·  ") + formatDuration(ms);
  progressLabel_->setText(text);
}

void MainWindow::updateConnectionLabel() {
  QColor color(0x9e, 0x9e, 0x9e);
  switch (connection_->state()) {
    case MasterConnection::State::kConnected:
      color = QColor(0x2e, 0x7d, 0x32);
      break;
    case MasterConnection::State::kConnecting:
    case MasterConnection::State::kWaitingToReconnect:
      color = QColor(0xef, 0x6c, 0x00);
      break;
    case MasterConnection::State::kDisconnected:
      break;
  }
  connectionLabel_->setText(QStringLiteral("<span style=\"color:%1\">●</span> %2")
                                .arg(color.name(), connection_->stateText().toHtmlEscaped()));
}

void MainWindow::updateActions() {
  const bool canRun =
      connection_->isConnected() && languageCombo_->currentIndex() >= 0 && !isRunning();
  runAction_->setEnabled(canRun);
  runButton_->setEnabled(canRun);
  runButton_->setText(isRunning() ? tr("Running…") : tr("Run"));
  stopAction_->setEnabled(isRunning());
  stopButton_->setEnabled(isRunning());
}

void MainWindow::updateTitle() {
  const QString name = currentPath_.isEmpty() ? tr("untitled") : QFileInfo(currentPath_).fileName();
  setWindowTitle(tr("%1[*] — polyrun").arg(name));
  setWindowModified(editor_->document()->isModified());
}

void MainWindow::tick() {
  const bool waiting = connection_->state() == MasterConnection::State::kWaitingToReconnect;
  if (waiting) updateConnectionLabel();
  if (isRunning()) updateProgressLabel();
  if (!waiting && !isRunning()) ticker_.stop();
}

int MainWindow::historyRowAt(const QModelIndex& proxyIndex) const {
  return proxyIndex.isValid() ? historyProxy_->mapToSource(proxyIndex).row() : -1;
}

int MainWindow::selectedHistoryRow() const {
  return historyRowAt(historyView_->currentIndex());
}

void MainWindow::showRun(int row) {
  const RunRecord* r = history_->record(row);
  if (!r) return;
  switch (r->status) {
    case RunRecord::Status::kFinished:
      resultView_->showOutcome(*r->outcome);
      break;
    case RunRecord::Status::kFailed:
      resultView_->showError(r->errorCode, r->errorMessage);
      break;
    case RunRecord::Status::kStopped:
      resultView_->showStopped(r->jobId);
      break;
    default:
      resultView_->showRunning();
      break;
  }
  pages_->setCurrentIndex(kRunPage);
}

void MainWindow::loadRunIntoEditor(int row) {
  const RunRecord* record = history_->record(row);
  if (!record || !maybeSave()) return;
  const JobRequest request = record->request;  // copy: the record may go while we work
  const int languageRow = runtimes_->rowOf(request.language, request.version);
  if (languageRow >= 0) languageCombo_->setCurrentIndex(languageRow);
  editor_->setSyntax(syntaxFamily(request.language));
  currentPath_.clear();
  editor_->setPlainText(
      request.files.isEmpty() ? QString() : QString::fromUtf8(request.files.first().content));
  editor_->document()->setModified(true);  // an unsaved buffer: asked about before it is lost
  stdinEdit_->setPlainText(request.stdinText);
  QStringList quoted;
  for (const QString& a : request.args) {
    quoted << (a.isEmpty() || a.contains(QRegularExpression(QStringLiteral("[\\s\"']")))
                   ? '"' + QString(a).replace('"', QStringLiteral("\"\"\"")) + '"'
                   : a);
  }
  argsEdit_->setText(quoted.join(' '));
  setLimitsInUi(request.limits);
  updateTitle();
  pages_->setCurrentIndex(kRunPage);
}

void MainWindow::applyConnectionSettings(const ConnectionSettings& settings) {
  settings_->setConnection(settings);
  settings_->sync();
  connection_->setToken(settings.token);
  everConnected_ = false;
  connection_->connectToMaster(settings.host, settings.port);
}

void MainWindow::openConnectionDialog() {
  ConnectionSettings current = settings_->connection();
  if (!connection_->host().isEmpty()) {
    current.host = connection_->host();
    current.port = connection_->port();
    current.token = connection_->token();
  }
  ConnectionDialog dialog(current, this);
  if (dialog.exec() == QDialog::Accepted) applyConnectionSettings(dialog.settings());
}

void MainWindow::setTabWidth(int columns) {
  editor_->setTabWidth(columns);
  settings_->setTabWidth(editor_->tabWidth());
  for (QAction* a : tabWidthGroup_->actions()) a->setChecked(a->data().toInt() == columns);
}

bool MainWindow::openFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    messages_->add(Severity::kError, tr("Cannot open %1: %2")
                                         .arg(QDir::toNativeSeparators(path), file.errorString()));
    return false;
  }
  if (file.size() > kMaxSourceBytes) {
    messages_->add(Severity::kError, tr("%1 is %2, more than a job may hold (%3)")
                                         .arg(QDir::toNativeSeparators(path),
                                              formatBytes(double(file.size())),
                                              formatBytes(double(kMaxSourceBytes))));
    return false;
  }
  const QString suffix = QFileInfo(path).suffix();
  // Highlight by extension at once, even before the master's runtimes say which language it is.
  const int knownRow = runtimes_->rowForExtension(suffix);
  const Runtime* known = runtimes_->runtimeAt(knownRow);
  const SyntaxFamily family =
      known ? syntaxFamily(known->language) : syntaxFamilyForExtension(suffix);
  currentPath_ = QFileInfo(path).absoluteFilePath();
  editor_->setSyntax(family);
  editor_->setPlainText(QString::fromUtf8(file.readAll()));
  editor_->document()->setModified(false);
  updateTitle();
  settings_->addRecentFile(currentPath_);
  statusBar()->showMessage(tr("Opened %1").arg(QDir::toNativeSeparators(currentPath_)), 4000);
  selectLanguageForSuffix(suffix);
  return true;
}

bool MainWindow::selectLanguageForSuffix(const QString& suffix) {
  if (suffix.isEmpty()) return false;
  if (runtimes_->rowCount() == 0) {
    pendingSuffix_ = suffix;  // decided when the runtimes arrive
    return false;
  }
  const int row = runtimes_->rowForExtension(suffix);
  if (row < 0) {
    messages_->add(Severity::kWarning, tr("No slave runs .%1 files; pick a language.").arg(suffix));
    return false;
  }
  languageCombo_->setCurrentIndex(row);
  return true;
}

void MainWindow::openWithDialog() {
  if (!maybeSave()) return;
  QStringList patterns;
  for (const Runtime& r : runtimes_->runtimes()) {
    for (const QString& ext : r.extensions) patterns << '*' + ext;
  }
  patterns.removeDuplicates();
  QString filter = tr("All files (*)");
  if (!patterns.isEmpty()) filter.prepend(tr("Sources (%1);;").arg(patterns.join(' ')));
  const QString dir = currentPath_.isEmpty() ? QDir::currentPath() : QFileInfo(currentPath_).path();
  const QString path = QFileDialog::getOpenFileName(this, tr("Open source file"), dir, filter);
  if (!path.isEmpty()) openFile(path);
}

void MainWindow::openRecent(const QString& path) {
  if (!maybeSave()) return;
  if (!openFile(path)) settings_->removeRecentFile(path);  // gone or unreadable: forget it
}

void MainWindow::fillRecentMenu() {
  recentMenu_->clear();
  const QStringList files = settings_->recentFiles();
  for (int i = 0; i < files.size(); ++i) {
    const QString path = files[i];
    QAction* a = recentMenu_->addAction(
        QStringLiteral("&%1 %2").arg((i + 1) % 10).arg(QDir::toNativeSeparators(path)));
    connect(a, &QAction::triggered, this, [this, path] { openRecent(path); });
  }
  if (files.isEmpty()) {
    recentMenu_->addAction(tr("No recent files"))->setEnabled(false);
    return;
  }
  recentMenu_->addSeparator();
  recentMenu_->addAction(tr("&Clear list"), this, [this] { settings_->clearRecentFiles(); });
}

bool MainWindow::save() { return currentPath_.isEmpty() ? saveAs() : saveToFile(currentPath_); }

bool MainWindow::saveAs() {
  QString suggestion = currentPath_;
  if (suggestion.isEmpty()) {
    const Runtime* r = runtimes_->runtimeAt(languageCombo_->currentIndex());
    const QString ext = r && !r->extensions.isEmpty() ? r->extensions.first() : QString();
    suggestion = QDir::current().filePath(suggestedFileName(editor_->syntax(), ext));
  }
  const QString path = QFileDialog::getSaveFileName(this, tr("Save source file"), suggestion);
  return !path.isEmpty() && saveToFile(path);
}

bool MainWindow::saveToFile(const QString& path) {
  // QSaveFile writes a temporary file and renames it: a failed save never truncates the original.
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(editor_->toPlainText().toUtf8()) < 0 ||
      !file.commit()) {
    messages_->add(Severity::kError, tr("Cannot save %1: %2")
                                         .arg(QDir::toNativeSeparators(path), file.errorString()));
    return false;
  }
  currentPath_ = QFileInfo(path).absoluteFilePath();
  editor_->document()->setModified(false);
  updateTitle();
  settings_->addRecentFile(currentPath_);
  selectLanguageForSuffix(QFileInfo(path).suffix());
  statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(currentPath_)), 4000);
  return true;
}

bool MainWindow::maybeSave() {
  if (!editor_->document()->isModified()) return true;
  const auto answer = QMessageBox::question(
      this, tr("Unsaved changes"), tr("The program has unsaved changes. Save them?"),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Save) return save();
  return answer == QMessageBox::Discard;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!maybeSave()) {
    event->ignore();
    return;
  }
  settings_->setWindowGeometry(saveGeometry());
  settings_->sync();
  event->accept();
}

}  // namespace polyrun::gui
