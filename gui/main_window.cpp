#include "main_window.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFontMetricsF>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "cluster_view.h"
#include "format.h"
#include "result_view.h"
#include "runtimes_model.h"

namespace polyrun::gui {
namespace {

constexpr int kRunPage = 0;
constexpr int kClusterPage = 1;

QFont monospaceFont() { return QFontDatabase::systemFont(QFontDatabase::FixedFont); }

// What the slaves offer, order-independent: when it changes the runtimes list is stale.
QString languagesSignature(const ClusterSnapshot& snapshot) {
  QStringList all;
  for (const SlaveInfo& s : snapshot.slaves) all << s.languages;
  all.sort();
  all.removeDuplicates();
  return all.join('\n');
}

}  // namespace

MainWindow::MainWindow(MasterConnection* connection, QWidget* parent)
    : QMainWindow(parent), connection_(connection), runtimes_(new RuntimesModel(this)) {
  buildUi();
  buildMenus();
  wireConnection();

  clusterTimer_.setInterval(kClusterRefreshMs);
  connect(&clusterTimer_, &QTimer::timeout, connection_, &MasterConnection::requestCluster);
  ticker_.setInterval(200);
  connect(&ticker_, &QTimer::timeout, this, &MainWindow::tick);

  updateTitle();
  updateConnectionLabel();
  updateActions();
  // Already connected (the caller connected before building the window): catch up.
  if (connection_->isConnected()) onConnected();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildUi() {
  editor_ = new QPlainTextEdit;
  editor_->setObjectName("editor");
  editor_->setFont(monospaceFont());
  editor_->setTabStopDistance(QFontMetricsF(editor_->font()).horizontalAdvance(' ') * 4);
  editor_->setLineWrapMode(QPlainTextEdit::NoWrap);
  editor_->setPlaceholderText(tr("Write or open a program, then Run (Ctrl+Return)."));
  connect(editor_->document(), &QTextDocument::modificationChanged, this,
          &QWidget::setWindowModified);

  languageCombo_ = new QComboBox;
  languageCombo_->setObjectName("languageCombo");
  languageCombo_->setModel(runtimes_);
  languageCombo_->setPlaceholderText(tr("no languages yet"));
  languageCombo_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  languageCombo_->setMinimumContentsLength(14);
  connect(languageCombo_, &QComboBox::currentIndexChanged, this, &MainWindow::updateActions);

  argsEdit_ = new QLineEdit;
  argsEdit_->setObjectName("argsEdit");
  argsEdit_->setPlaceholderText(tr("program arguments, quoted like a shell: -n 3 \"two words\""));

  runButton_ = new QPushButton(tr("Run"));
  runButton_->setObjectName("runButton");
  runButton_->setToolTip(tr("Run the program on the cluster (Ctrl+Return)"));
  connect(runButton_, &QPushButton::clicked, this, &MainWindow::run);

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

  stdinEdit_ = new QPlainTextEdit;
  stdinEdit_->setObjectName("stdinEdit");
  stdinEdit_->setFont(monospaceFont());
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

  auto* runPage = new QWidget;
  auto* runLayout = new QVBoxLayout(runPage);
  runLayout->addLayout(controls);
  runLayout->addWidget(split, 1);

  clusterView_ = new ClusterView;
  clusterView_->setObjectName("clusterView");

  pages_ = new QTabWidget;
  pages_->setObjectName("pages");
  pages_->setDocumentMode(true);
  pages_->insertTab(kRunPage, runPage, tr("Run"));
  pages_->insertTab(kClusterPage, clusterView_, tr("Cluster"));
  setCentralWidget(pages_);

  progressLabel_ = new QLabel;
  progressLabel_->setObjectName("progressLabel");
  connectionLabel_ = new QLabel;
  connectionLabel_->setObjectName("connectionLabel");
  statusBar()->addWidget(progressLabel_, 1);
  statusBar()->addPermanentWidget(connectionLabel_);

  resize(1100, 720);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::openWithDialog);
  open->setShortcut(QKeySequence::Open);
  saveAction_ = file->addAction(tr("&Save"), this, &MainWindow::save);
  saveAction_->setShortcut(QKeySequence::Save);
  QAction* saveAs = file->addAction(tr("Save &As…"), this, &MainWindow::saveAs);
  saveAs->setShortcut(QKeySequence::SaveAs);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* runMenu = menuBar()->addMenu(tr("&Run"));
  runAction_ = runMenu->addAction(tr("&Run"), this, &MainWindow::run);
  runAction_->setObjectName("runAction");
  // Ctrl+Return is not an editing key of QPlainTextEdit, so the shortcut works while typing.
  runAction_->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});

  QMenu* connectionMenu = menuBar()->addMenu(tr("&Connection"));
  connectionMenu->addAction(tr("&Reconnect now"), connection_, &MasterConnection::reconnectNow);
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

void MainWindow::run() {
  if (isRunning() || !connection_->isConnected()) return;
  const Runtime* runtime = runtimes_->runtimeAt(languageCombo_->currentIndex());
  if (!runtime) {
    statusBar()->showMessage(tr("Pick a language first: no slave offers one yet."), 5000);
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

  currentRequest_ = connection_->submit(job);
  currentJob_.clear();
  progressSteps_ = {tr("submitted")};
  lastRunMs_ = -1;
  runClock_.start();
  resultView_->showRunning();
  updateActions();
  updateProgressLabel();
  ticker_.start();
}

void MainWindow::onStateChanged() {
  updateConnectionLabel();
  updateActions();
  if (connection_->state() == MasterConnection::State::kWaitingToReconnect) ticker_.start();
}

void MainWindow::onConnected() {
  connection_->requestRuntimes();
  connection_->requestCluster();
  clusterTimer_.start();
}

void MainWindow::onDisconnected() {
  clusterTimer_.stop();
  clusterView_->setStale(true);
  languagesSeen_.clear();  // ask for runtimes again after reconnecting
}

void MainWindow::onRuntimesChanged(const QList<Runtime>& runtimes) {
  const QString language = selectedLanguage();
  const QString version = selectedVersion();
  runtimes_->setRuntimes(runtimes);

  int row = -1;
  if (!pendingSuffix_.isEmpty()) {
    row = runtimes_->rowForExtension(pendingSuffix_);
    if (row < 0) {
      statusBar()->showMessage(tr("No slave runs .%1 files; pick a language.").arg(pendingSuffix_),
                               8000);
    }
    pendingSuffix_.clear();
  }
  if (row < 0 && !language.isEmpty()) row = runtimes_->rowOf(language, version);
  if (row < 0 && runtimes_->rowCount() > 0) row = 0;
  languageCombo_->setCurrentIndex(row);
  updateActions();
}

void MainWindow::onClusterSnapshot(const ClusterSnapshot& snapshot) {
  clusterView_->setSnapshot(snapshot);
  pages_->setTabText(kClusterPage, tr("Cluster (%1)").arg(snapshot.slaves.size()));
  const QString signature = languagesSignature(snapshot);
  if (signature != languagesSeen_) {
    languagesSeen_ = signature;
    connection_->requestRuntimes();  // a slave came, went or changed its runners
  }
}

void MainWindow::onJobAccepted(const QString& requestId, const QString& jobId) {
  if (requestId != currentRequest_ || requestId.isEmpty()) return;
  currentJob_ = jobId;
  updateProgressLabel();
}

void MainWindow::onJobProgress(const QString& jobId, const QString& state, const QString& slave) {
  if (!isRunning() || jobId.isEmpty() || jobId != currentJob_) return;
  if (state == QLatin1String("assigned")) {
    addProgressStep(slave.isEmpty() ? state : tr("on %1").arg(slave));
  } else {
    addProgressStep(state);
  }
}

void MainWindow::onJobFinished(const QString& jobId, const RunOutcome& outcome) {
  if (!isRunning() || jobId.isEmpty() || jobId != currentJob_) return;
  resultView_->showOutcome(outcome);
  finishRun(outcome.verdict);
}

void MainWindow::onErrorReceived(const QString& requestId, const QString& code,
                                 const QString& message) {
  if (!requestId.isEmpty() && requestId == currentRequest_) {
    resultView_->showError(code, message);
    finishRun(code);
    return;
  }
  statusBar()->showMessage(tr("master: %1 (%2)").arg(message, code), 10000);
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

bool MainWindow::openFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    statusBar()->showMessage(
        tr("Cannot open %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    return false;
  }
  if (file.size() > kMaxSourceBytes) {
    statusBar()->showMessage(tr("%1 is %2, more than a job may hold (%3)")
                                 .arg(QDir::toNativeSeparators(path),
                                      formatBytes(double(file.size())),
                                      formatBytes(double(kMaxSourceBytes))));
    return false;
  }
  editor_->setPlainText(QString::fromUtf8(file.readAll()));
  editor_->document()->setModified(false);
  currentPath_ = QFileInfo(path).absoluteFilePath();
  updateTitle();
  statusBar()->showMessage(tr("Opened %1").arg(QDir::toNativeSeparators(currentPath_)), 4000);
  selectLanguageForSuffix(QFileInfo(path).suffix());
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
    statusBar()->showMessage(tr("No slave runs .%1 files; pick a language.").arg(suffix), 8000);
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
  if (path.isEmpty()) return;
  if (!openFile(path)) QMessageBox::warning(this, tr("Open"), statusBar()->currentMessage());
}

bool MainWindow::save() { return currentPath_.isEmpty() ? saveAs() : writeFile(currentPath_); }

bool MainWindow::saveAs() {
  QString suggestion = currentPath_;
  if (suggestion.isEmpty()) {
    const Runtime* r = runtimes_->runtimeAt(languageCombo_->currentIndex());
    const QString ext = r && !r->extensions.isEmpty() ? r->extensions.first() : QString();
    suggestion = QDir::current().filePath(QStringLiteral("main") + ext);
  }
  const QString path = QFileDialog::getSaveFileName(this, tr("Save source file"), suggestion);
  return !path.isEmpty() && writeFile(path);
}

bool MainWindow::writeFile(const QString& path) {
  // QSaveFile writes a temporary file and renames it: a failed save never truncates the original.
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(editor_->toPlainText().toUtf8()) < 0 ||
      !file.commit()) {
    QMessageBox::warning(
        this, tr("Save"),
        tr("Cannot save %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    return false;
  }
  currentPath_ = QFileInfo(path).absoluteFilePath();
  editor_->document()->setModified(false);
  updateTitle();
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
  if (maybeSave()) {
    event->accept();
  } else {
    event->ignore();
  }
}

}  // namespace polyrun::gui
