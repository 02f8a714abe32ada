#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QCloseEvent>
#include <QFileInfo>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "cluster_view.h"
#include "code_editor.h"
#include "connection_dialog.h"
#include "file_actions.h"
#include "history_model.h"
#include "message_log.h"
#include "notification_bar.h"
#include "run_page.h"
#include "run_session.h"

namespace polyrun::gui {

using Severity = MessageLog::Severity;

MainWindow::MainWindow(MasterConnection* connection, ClientSettings* settings, QWidget* parent)
    : QMainWindow(parent),
      connection_(connection),
      settings_(settings),
      history_(new HistoryModel(this)),
      messages_(new MessageLog(this)),
      session_(new RunSession(connection, history_, messages_, this)) {
  buildUi();
  buildMenus();

  connect(connection_, &MasterConnection::stateChanged, this, &MainWindow::onStateChanged);
  connect(connection_, &MasterConnection::connected, this, &MainWindow::onConnected);
  connect(connection_, &MasterConnection::disconnected, this, &MainWindow::onDisconnected);
  connect(connection_, &MasterConnection::clusterSnapshot, this, &MainWindow::onClusterSnapshot);
  connect(session_, &RunSession::progressChanged, this, &MainWindow::updateProgressLabel);
  connect(session_, &RunSession::started, &ticker_, qOverload<>(&QTimer::start));

  clusterTimer_.setInterval(kClusterRefreshMs);
  connect(&clusterTimer_, &QTimer::timeout, this, &MainWindow::poll);
  ticker_.setInterval(200);
  connect(&ticker_, &QTimer::timeout, this, &MainWindow::tick);

  // The history feeds the cluster page's recent jobs while the master lists none.
  connect(history_, &QAbstractItemModel::dataChanged, this, &MainWindow::updateLocalJobs);
  connect(history_, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateLocalJobs);
  connect(history_, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateLocalJobs);

  setTabWidth(settings_->tabWidth());
  if (!restoreGeometry(settings_->windowGeometry())) resize(1180, 760);
  updateTitle();
  updateConnectionLabel();
  // Already connected (the caller connected before building the window): catch up.
  if (connection_->isConnected()) onConnected();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildUi() {
  runPage_ = new RunPage(session_, settings_, messages_, this);
  CodeEditor* editor = runPage_->editor();
  connect(editor->document(), &QTextDocument::modificationChanged, this,
          &QWidget::setWindowModified);
  FileActions* files = runPage_->files();
  connect(files, &FileActions::pathChanged, this, &MainWindow::updateTitle);
  connect(files, &FileActions::statusMessage, this,
          [this](const QString& text) { statusBar()->showMessage(text, 4000); });

  pages_ = new QTabWidget;
  pages_->setObjectName("pages");
  pages_->setDocumentMode(true);
  pages_->insertTab(kRunPage, runPage_, tr("Run"));
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
  FileActions* files = runPage_->files();
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* newAction = file->addAction(tr("&New from template"), this, &MainWindow::newFile);
  newAction->setShortcut(QKeySequence::New);
  QAction* open = file->addAction(tr("&Open…"), files, &FileActions::openWithDialog);
  open->setShortcut(QKeySequence::Open);
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  recentMenu_->setObjectName("recentMenu");
  connect(recentMenu_, &QMenu::aboutToShow, this,
          [this, files] { files->fillRecentMenu(recentMenu_); });
  files->fillRecentMenu(recentMenu_);
  QAction* saveAction = file->addAction(tr("&Save"), files, &FileActions::save);
  saveAction->setShortcut(QKeySequence::Save);
  QAction* saveAs = file->addAction(tr("Save &As…"), files, &FileActions::saveAs);
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
  runMenu->addAction(runPage_->runAction());
  runMenu->addAction(runPage_->stopAction());

  QMenu* connectionMenu = menuBar()->addMenu(tr("&Connection"));
  connectionMenu->addAction(tr("&Settings…"), this, &MainWindow::openConnectionDialog);
  connectionMenu->addAction(tr("&Reconnect now"), connection_, &MasterConnection::reconnectNow);
  connectionMenu->addAction(tr("&Disconnect"), connection_,
                            &MasterConnection::disconnectFromMaster);
}

bool MainWindow::openFile(const QString& path) { return runPage_->files()->openFile(path); }

bool MainWindow::saveToFile(const QString& path) { return runPage_->files()->saveToFile(path); }

QString MainWindow::selectedLanguage() const { return runPage_->selectedLanguage(); }

QString MainWindow::selectedVersion() const { return runPage_->selectedVersion(); }

bool MainWindow::isRunning() const { return session_->isRunning(); }

void MainWindow::run() { runPage_->run(); }

void MainWindow::stop() { runPage_->stop(); }

void MainWindow::newFile() { runPage_->newFile(); }

void MainWindow::onStateChanged() {
  updateConnectionLabel();
  if (connection_->state() == MasterConnection::State::kWaitingToReconnect) ticker_.start();
}

void MainWindow::onConnected() {
  everConnected_ = true;
  if (connectionTrouble_) {
    connectionTrouble_ = false;
    messages_->add(
        Severity::kInfo,
        tr("Connected to %1:%2 again.").arg(connection_->host()).arg(connection_->port()));
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

void MainWindow::onClusterSnapshot(const ClusterSnapshot& snapshot) {
  clusterView_->setSnapshot(snapshot);
  pages_->setTabText(kClusterPage, tr("Cluster (%1)").arg(snapshot.slaves.size()));
}

void MainWindow::updateLocalJobs() { clusterView_->setLocalJobs(history_->summaries()); }

void MainWindow::updateProgressLabel() { progressLabel_->setText(session_->progressText()); }

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

void MainWindow::updateTitle() {
  const QString path = runPage_->files()->currentPath();
  const QString name = path.isEmpty() ? tr("untitled") : QFileInfo(path).fileName();
  setWindowTitle(tr("%1[*] — polyrun").arg(name));
  setWindowModified(runPage_->editor()->document()->isModified());
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

int MainWindow::selectedHistoryRow() const { return historyRowAt(historyView_->currentIndex()); }

void MainWindow::showRun(int row) {
  const RunRecord* r = history_->record(row);
  if (!r) return;
  runPage_->showRecord(*r);
  pages_->setCurrentIndex(kRunPage);
}

void MainWindow::loadRunIntoEditor(int row) {
  const RunRecord* record = history_->record(row);
  if (!record) return;
  // A copy: the record may go while the user is asked about unsaved changes.
  const JobRequest request = record->request;
  if (runPage_->loadRequest(request)) pages_->setCurrentIndex(kRunPage);
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
  CodeEditor* editor = runPage_->editor();
  editor->setTabWidth(columns);
  settings_->setTabWidth(editor->tabWidth());
  for (QAction* a : tabWidthGroup_->actions()) a->setChecked(a->data().toInt() == columns);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!runPage_->files()->maybeSave()) {
    event->ignore();
    return;
  }
  settings_->setWindowGeometry(saveGeometry());
  settings_->sync();
  event->accept();
}

}  // namespace polyrun::gui
