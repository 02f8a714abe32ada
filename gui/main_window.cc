// MainWindow builds the pages (RunPage, HistoryPage, ClusterView), the notification bar, the
// status bar and the menus, and connects them: to the MasterConnection (polled for runtimes and
// cluster snapshots while connected), to the RunSession, to the HistoryModel and to one another.
// What it shows of the connection is worded by connection_status.h; running a job is the
// RunSession's and RunPage's, the editor's file FileActions'. Its own are the window's title,
// tab width, geometry and the switch to the Run page when a run is shown or loaded.
#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QCloseEvent>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include "cluster_view.h"
#include "code_editor.h"
#include "connection_dialog.h"
#include "connection_status.h"
#include "file_actions.h"
#include "history_model.h"
#include "history_page.h"
#include "message_log.h"
#include "notification_bar.h"
#include "run_page.h"
#include "run_session.h"

namespace polyrun::gui {

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
  connect(connection_, &MasterConnection::eventReceived, cluster_view_, &ClusterView::addEvent);
  // The cluster's events are asked for once the Cluster page is first shown, and kept coming
  // from then on (and across reconnects), so its Logs view has no gap while another page is up.
  connect(pages_, &QTabWidget::currentChanged, this, [this](int page) {
    if (page == kClusterPage) connection_->subscribeToEvents();
  });
  connect(session_, &RunSession::progressChanged, this, &MainWindow::updateProgressLabel);
  connect(session_, &RunSession::started, &ticker_, qOverload<>(&QTimer::start));

  cluster_timer_.setInterval(kClusterRefreshMs);
  connect(&cluster_timer_, &QTimer::timeout, this, &MainWindow::poll);
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
  run_page_ = new RunPage(session_, settings_, messages_, this);
  CodeEditor* editor = run_page_->editor();
  connect(editor->document(), &QTextDocument::modificationChanged, this,
          &QWidget::setWindowModified);
  FileActions* files = run_page_->files();
  connect(files, &FileActions::pathChanged, this, &MainWindow::updateTitle);
  connect(files, &FileActions::statusMessage, this,
          [this](const QString& text) { statusBar()->showMessage(text, 4000); });

  pages_ = new QTabWidget;
  pages_->setObjectName("pages");
  pages_->setDocumentMode(true);
  pages_->insertTab(kRunPage, run_page_, tr("Run"));
  history_page_ = new HistoryPage(history_);
  history_page_->setObjectName("historyPage");
  connect(history_page_, &HistoryPage::showRunRequested, this, &MainWindow::showRun);
  connect(history_page_, &HistoryPage::loadRunRequested, this, &MainWindow::loadRunIntoEditor);
  pages_->insertTab(kHistoryPage, history_page_, tr("History"));
  cluster_view_ = new ClusterView;
  cluster_view_->setObjectName("clusterView");
  pages_->insertTab(kClusterPage, cluster_view_, tr("Cluster"));

  notification_bar_ = new NotificationBar(messages_);
  auto* central = new QWidget;
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(pages_, 1);
  layout->addWidget(notification_bar_);
  setCentralWidget(central);

  progress_label_ = new QLabel;
  progress_label_->setObjectName("progressLabel");
  connection_label_ = new QLabel;
  connection_label_->setObjectName("connectionLabel");
  statusBar()->addWidget(progress_label_, 1);
  statusBar()->addPermanentWidget(connection_label_);
}

void MainWindow::buildMenus() {
  FileActions* files = run_page_->files();
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* new_action = file->addAction(tr("&New from template"), this, &MainWindow::newFile);
  new_action->setShortcut(QKeySequence::New);
  QAction* open = file->addAction(tr("&Open…"), files, &FileActions::openWithDialog);
  open->setShortcut(QKeySequence::Open);
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  recent_menu_->setObjectName("recentMenu");
  connect(recent_menu_, &QMenu::aboutToShow, this,
          [this, files] { files->fillRecentMenu(recent_menu_); });
  files->fillRecentMenu(recent_menu_);
  QAction* save_action = file->addAction(tr("&Save"), files, &FileActions::save);
  save_action->setShortcut(QKeySequence::Save);
  QAction* save_as = file->addAction(tr("Save &As…"), files, &FileActions::saveAs);
  save_as->setShortcut(QKeySequence::SaveAs);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  QMenu* tabs = view->addMenu(tr("&Tab width"));
  tab_width_group_ = new QActionGroup(this);
  for (int columns : {2, 4, 8}) {
    QAction* a = tabs->addAction(tr("%n column(s)", nullptr, columns));
    a->setCheckable(true);
    a->setData(columns);
    tab_width_group_->addAction(a);
    connect(a, &QAction::triggered, this, [this, columns] { setTabWidth(columns); });
  }
  QAction* messages_action = view->addAction(tr("&Messages"));
  connect(messages_action, &QAction::triggered, this, [this] {
    notification_bar_->show();
    notification_bar_->setLogShown(true);
  });

  QMenu* run_menu = menuBar()->addMenu(tr("&Run"));
  run_menu->addAction(run_page_->runAction());
  run_menu->addAction(run_page_->stopAction());

  QMenu* connection_menu = menuBar()->addMenu(tr("&Connection"));
  connection_menu->addAction(tr("&Settings…"), this, &MainWindow::openConnectionDialog);
  connection_menu->addAction(tr("&Reconnect now"), connection_, &MasterConnection::reconnectNow);
  connection_menu->addAction(tr("&Disconnect"), connection_,
                             &MasterConnection::disconnectFromMaster);
}

bool MainWindow::openFile(const QString& path) { return run_page_->files()->openFile(path); }

bool MainWindow::saveToFile(const QString& path) { return run_page_->files()->saveToFile(path); }

QString MainWindow::selectedLanguage() const { return run_page_->selectedLanguage(); }

QString MainWindow::selectedVersion() const { return run_page_->selectedVersion(); }

bool MainWindow::isRunning() const { return session_->isRunning(); }

void MainWindow::run() { run_page_->run(); }

void MainWindow::stop() { run_page_->stop(); }

void MainWindow::newFile() { run_page_->newFile(); }

void MainWindow::onStateChanged() {
  updateConnectionLabel();
  if (connection_->state() == MasterConnection::State::kWaitingToReconnect) ticker_.start();
}

void MainWindow::onConnected() {
  if (const auto notice = notices_.connected(masterAddress()))
    messages_->add(notice->severity, notice->text);
  poll();
  cluster_timer_.start();
}

void MainWindow::onDisconnected(const QString& reason) {
  cluster_timer_.stop();
  cluster_view_->setStale(true);
  const bool retrying = connection_->state() != MasterConnection::State::kDisconnected;
  const ConnectionNotice notice = notices_.disconnected(masterAddress(), reason, retrying);
  messages_->add(notice.severity, notice.text);
}

QString MainWindow::masterAddress() const {
  return masterAddressText(connection_->host(), connection_->port());
}

void MainWindow::poll() {
  // Runtimes too: a slave that joins, leaves or changes its runners changes the language list,
  // and the reply is small. Both calls are coalesced while unanswered.
  connection_->requestRuntimes();
  connection_->requestCluster();
}

void MainWindow::onClusterSnapshot(const ClusterSnapshot& snapshot) {
  cluster_view_->setSnapshot(snapshot);
  pages_->setTabText(kClusterPage, tr("Cluster (%1)").arg(snapshot.slaves.size()));
}

void MainWindow::updateLocalJobs() { cluster_view_->setLocalJobs(history_->summaries()); }

void MainWindow::updateProgressLabel() { progress_label_->setText(session_->progressText()); }

void MainWindow::updateConnectionLabel() {
  connection_label_->setText(connectionLabelHtml(connection_->state(), connection_->stateText()));
}

void MainWindow::updateTitle() {
  const QString path = run_page_->files()->currentPath();
  const QString name = path.isEmpty() ? tr("untitled") : QFileInfo(path).fileName();
  setWindowTitle(tr("%1[*] — polyrun").arg(name));
  setWindowModified(run_page_->editor()->document()->isModified());
}

void MainWindow::tick() {
  const bool waiting = connection_->state() == MasterConnection::State::kWaitingToReconnect;
  if (waiting) updateConnectionLabel();
  if (isRunning()) updateProgressLabel();
  if (!waiting && !isRunning()) ticker_.stop();
}

void MainWindow::showRun(int row) {
  const RunRecord* r = history_->record(row);
  if (!r) return;
  run_page_->showRecord(*r);
  pages_->setCurrentIndex(kRunPage);
}

void MainWindow::loadRunIntoEditor(int row) {
  const RunRecord* record = history_->record(row);
  if (!record) return;
  // A copy: the record may go while the user is asked about unsaved changes.
  const JobRequest request = record->request;
  if (run_page_->loadRequest(request)) pages_->setCurrentIndex(kRunPage);
}

void MainWindow::applyConnectionSettings(const ConnectionSettings& settings) {
  settings_->setConnection(settings);
  settings_->sync();
  connection_->setToken(settings.token);
  notices_.forgetConnected();
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
  CodeEditor* editor = run_page_->editor();
  editor->setTabWidth(columns);
  settings_->setTabWidth(editor->tabWidth());
  for (QAction* a : tab_width_group_->actions()) a->setChecked(a->data().toInt() == columns);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!run_page_->files()->maybeSave()) {
    event->ignore();
    return;
  }
  settings_->setWindowGeometry(saveGeometry());
  settings_->sync();
  event->accept();
}

}  // namespace polyrun::gui
