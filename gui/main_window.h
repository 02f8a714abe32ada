// The main window: the Run page (editor, language, arguments, limits, stdin, the result of the
// run), the History page (this session's runs, reopened with a double click) and the Cluster
// page. It talks to the master only through MasterConnection's signals and calls, keeps its
// state in models (runtimes, history, messages) and only wires them to widgets.
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QMainWindow>
#include <QStringList>
#include <QTimer>

#include "client_settings.h"
#include "client_types.h"
#include "master_connection.h"

class QAction;
class QActionGroup;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QMenu;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTabWidget;
class QTableView;

namespace polyrun::gui {

class ClusterView;
class CodeEditor;
class HistoryModel;
class MessageLog;
class NotificationBar;
class ResultView;
class RuntimesModel;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  /// Cluster snapshots (and the runtimes list, so a language a slave adds shows up) are asked
  /// for this often while connected.
  static constexpr int kClusterRefreshMs = 2000;
  /// Sources larger than a frame could never be submitted (the master's default frame limit).
  static constexpr qint64 kMaxSourceBytes = 16 << 20;
  enum Page { kRunPage, kHistoryPage, kClusterPage };

  /// Neither argument is owned; both must outlive the window. The window does not connect:
  /// the caller decides where to (main.cpp, or a test's fake master).
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
  bool isRunning() const { return !currentRequest_.isEmpty(); }
  HistoryModel* history() const { return history_; }
  /// How often to poll while connected (kClusterRefreshMs unless changed; tests go faster).
  void setRefreshInterval(int ms) { clusterTimer_.setInterval(ms); }
  MessageLog* messages() const { return messages_; }

 public slots:
  /// Submits the editor's content. Does nothing while a run is under way or when not connected.
  void run();
  /// Stops the run under way: asks the master to cancel the job (at once, or as soon as the
  /// master has named it) and ignores whatever it still sends about it.
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
  QWidget* buildRunPage();
  QWidget* buildHistoryPage();
  void buildMenus();
  void wireConnection();

  // Connection events.
  void onStateChanged();
  void onConnected();
  void onDisconnected(const QString& reason);
  void onRuntimesChanged(const QList<Runtime>& runtimes);
  void onClusterSnapshot(const ClusterSnapshot& snapshot);
  void onJobAccepted(const QString& requestId, const QString& jobId);
  void onJobProgress(const QString& jobId, const QString& state, const QString& slave);
  void onJobFinished(const QString& jobId, const RunOutcome& outcome);
  void onJobCancelled(const QString& requestId, const QString& jobId);
  void onJobDetached(const QString& requestId, const QString& jobId);
  void onErrorReceived(const QString& requestId, const QString& code, const QString& message);
  void poll();

  void onLanguageChanged();
  void sendCancel(const QString& jobId);
  RunLimits limitsFromUi() const;
  void setLimitsInUi(const RunLimits& limits);

  // Files. The dialog variants are for the menu; they may ask the user questions.
  void openWithDialog();
  void openRecent(const QString& path);
  void fillRecentMenu();
  bool save();
  bool saveAs();
  /// Asks whether to save unsaved changes; false when the user cancels.
  bool maybeSave();
  bool selectLanguageForSuffix(const QString& suffix);
  /// True when the editor holds nothing of the user's: empty or an untouched starter program.
  bool editorIsPristine() const;
  void putTemplate();
  void setTabWidth(int columns);
  void openConnectionDialog();

  void finishRun(const QString& lastStep);
  void addProgressStep(const QString& step);
  void updateProgressLabel();
  void updateConnectionLabel();
  void updateActions();
  void updateTitle();
  void updateLocalJobs();
  void tick();
  int historyRowAt(const QModelIndex& proxyIndex) const;
  int selectedHistoryRow() const;

  MasterConnection* connection_;
  ClientSettings* settings_;
  RuntimesModel* runtimes_;
  HistoryModel* history_;
  MessageLog* messages_;

  QTabWidget* pages_ = nullptr;
  CodeEditor* editor_ = nullptr;
  QComboBox* languageCombo_ = nullptr;
  QLineEdit* argsEdit_ = nullptr;
  QPlainTextEdit* stdinEdit_ = nullptr;
  QDoubleSpinBox* wallSpin_ = nullptr;
  QDoubleSpinBox* cpuSpin_ = nullptr;
  QSpinBox* memorySpin_ = nullptr;
  QPushButton* runButton_ = nullptr;
  QPushButton* stopButton_ = nullptr;
  ResultView* resultView_ = nullptr;
  QTableView* historyView_ = nullptr;
  QSortFilterProxyModel* historyProxy_ = nullptr;
  ClusterView* clusterView_ = nullptr;
  NotificationBar* notificationBar_ = nullptr;
  QLabel* connectionLabel_ = nullptr;
  QLabel* progressLabel_ = nullptr;
  QAction* runAction_ = nullptr;
  QAction* stopAction_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  QActionGroup* tabWidthGroup_ = nullptr;

  QTimer clusterTimer_;
  QTimer ticker_;  // refreshes the elapsed time and the reconnect countdown
  QElapsedTimer runClock_;

  QString currentRequest_;  // request id of the run under way; empty when idle
  QString currentJob_;      // its job id, once accepted
  QStringList progressSteps_;
  qint64 lastRunMs_ = -1;  // elapsed time of the finished run, -1 before the first
  QHash<QString, QString> cancelRequests_;  // cancel request id -> job id, until answered

  QString currentPath_;    // file in the editor; empty for an unsaved buffer
  QString pendingSuffix_;  // extension of an opened file whose language is not known yet
  bool everConnected_ = false;
  bool connectionTrouble_ = false;  // a loss was reported; say so when it is back
};

}  // namespace polyrun::gui
