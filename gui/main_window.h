// The main window assembles the pages and talks to nobody itself: the Run page (run_page.h,
// with its RunSession and FileActions), the History page (history_page.h: a run it names is
// shown or loaded on the Run page) and the Cluster page, the notification bar, the status bar
// (connection state, progress of the run) and the menus. It keeps the connection polled for
// runtimes and cluster snapshots while connected, and shows what connection_status.h says of the
// connection: its state in the status bar, its coming and going in the notification bar.
#pragma once

#include <QMainWindow>
#include <QTimer>

#include "client_settings.h"
#include "client_types.h"
#include "connection_status.h"
#include "master_connection.h"

class QActionGroup;
class QLabel;
class QMenu;
class QTabWidget;

namespace polyrun::gui {

class ClusterView;
class HistoryModel;
class HistoryPage;
class MessageLog;
class NotificationBar;
class RunPage;
class RunSession;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  /// Cluster snapshots (and the runtimes list, so a language a slave adds shows up) are asked
  /// for this often while connected.
  static constexpr int kClusterRefreshMs = 2000;
  enum Page { kRunPage, kHistoryPage, kClusterPage };

  /// Neither argument is owned; both must outlive the window. The window does not connect:
  /// the caller decides where to (main.cc, or a test's fake master).
  MainWindow(MasterConnection* connection, ClientSettings* settings, QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Loads `path` into the editor and picks the language from its extension (now, or as soon
  /// as the runtimes are known). False, with the reason in the notification bar, when
  /// unreadable. Never shows a dialog, so it is safe to call from main() and from tests.
  bool openFile(const QString& path);
  /// Writes the editor to `path` (atomically) and makes it the current file. No dialog.
  bool saveToFile(const QString& path);
  /// The language + version the next run will use; empty when no runtime is selected.
  QString selectedLanguage() const;
  QString selectedVersion() const;
  /// True from Run until the result, an error or Stop.
  bool isRunning() const;
  HistoryModel* history() const { return history_; }
  /// How often to poll while connected (kClusterRefreshMs unless changed; tests go faster).
  void setRefreshInterval(int ms) { cluster_timer_.setInterval(ms); }
  MessageLog* messages() const { return messages_; }

 public slots:
  /// Submits the editor's content. Does nothing while a run is under way or when not connected.
  void run();
  /// Stops the run under way (RunSession::stop()).
  void stop();
  /// Shows the result of the run in row `row` of history() on the Run page.
  void showRun(int row);
  /// Puts the program, stdin, arguments, language and limits of run `row` back in the editor
  /// (asks first when the editor has unsaved changes).
  void loadRunIntoEditor(int row);
  /// Saves `settings` and reconnects with them (what Connection > Settings does on OK).
  void applyConnectionSettings(const ConnectionSettings& settings);
  /// A new buffer with the current language's starter program (asks about unsaved changes).
  void newFile();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildUi();
  void buildMenus();

  // Connection events.
  void onStateChanged();
  void onConnected();
  void onDisconnected(const QString& reason);
  void onClusterSnapshot(const ClusterSnapshot& snapshot);
  void poll();
  QString masterAddress() const;  // "host:port" of the connection, for the notices

  void setTabWidth(int columns);
  void openConnectionDialog();
  void updateProgressLabel();
  void updateConnectionLabel();
  void updateTitle();
  void updateLocalJobs();
  void tick();

  MasterConnection* connection_;
  ClientSettings* settings_;
  HistoryModel* history_;
  MessageLog* messages_;
  RunSession* session_;

  QTabWidget* pages_ = nullptr;
  RunPage* run_page_ = nullptr;
  HistoryPage* history_page_ = nullptr;
  ClusterView* cluster_view_ = nullptr;
  NotificationBar* notification_bar_ = nullptr;
  QLabel* connection_label_ = nullptr;
  QLabel* progress_label_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  QActionGroup* tab_width_group_ = nullptr;

  QTimer cluster_timer_;
  QTimer ticker_;  // refreshes the elapsed time and the reconnect countdown

  ConnectionNotices notices_;  // what the message log hears of the connection's coming and going
};

}  // namespace polyrun::gui
