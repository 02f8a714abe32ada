// The main window: an editor with a language, stdin and args, a Run action, the result of the
// last run, and a Cluster tab. It talks to the master only through MasterConnection's signals
// and calls, so everything slow happens off the UI's critical path.
#pragma once

#include <QElapsedTimer>
#include <QMainWindow>
#include <QStringList>
#include <QTimer>

#include "client_types.h"
#include "master_connection.h"

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;

namespace polyrun::gui {

class ClusterView;
class ResultView;
class RuntimesModel;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  /// Cluster snapshots are asked for this often while connected.
  static constexpr int kClusterRefreshMs = 2000;
  /// Sources larger than a frame could never be submitted (the master's default frame limit).
  static constexpr qint64 kMaxSourceBytes = 16 << 20;

  /// `connection` is not owned and must outlive the window. The window does not connect it:
  /// the caller decides where to (main.cpp, or a test's fake master).
  explicit MainWindow(MasterConnection* connection, QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Loads `path` into the editor and picks the language from its extension (now, or as soon
  /// as the runtimes are known). False, with the reason in the status bar, when unreadable.
  /// Never shows a dialog, so it is safe to call from main() and from tests.
  bool openFile(const QString& path);
  /// The language + version the next run will use; empty when no runtime is selected.
  QString selectedLanguage() const;
  QString selectedVersion() const;
  /// True from Run until the result or an error arrives.
  bool isRunning() const { return !currentRequest_.isEmpty(); }

 public slots:
  /// Submits the editor's content. Does nothing while a run is under way or when not connected.
  void run();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildUi();
  void buildMenus();
  void wireConnection();

  // Connection events.
  void onStateChanged();
  void onConnected();
  void onDisconnected();
  void onRuntimesChanged(const QList<Runtime>& runtimes);
  void onClusterSnapshot(const ClusterSnapshot& snapshot);
  void onJobAccepted(const QString& requestId, const QString& jobId);
  void onJobProgress(const QString& jobId, const QString& state, const QString& slave);
  void onJobFinished(const QString& jobId, const RunOutcome& outcome);
  void onErrorReceived(const QString& requestId, const QString& code, const QString& message);

  // Files. The dialog variants are for the menu; they may ask the user questions.
  void openWithDialog();
  bool save();
  bool saveAs();
  bool writeFile(const QString& path);
  /// Asks whether to save unsaved changes; false when the user cancels.
  bool maybeSave();
  bool selectLanguageForSuffix(const QString& suffix);

  void finishRun(const QString& lastStep);
  void addProgressStep(const QString& step);
  void updateProgressLabel();
  void updateConnectionLabel();
  void updateActions();
  void updateTitle();
  void tick();

  MasterConnection* connection_;
  RuntimesModel* runtimes_;

  QTabWidget* pages_ = nullptr;
  QPlainTextEdit* editor_ = nullptr;
  QComboBox* languageCombo_ = nullptr;
  QLineEdit* argsEdit_ = nullptr;
  QPlainTextEdit* stdinEdit_ = nullptr;
  QPushButton* runButton_ = nullptr;
  ResultView* resultView_ = nullptr;
  ClusterView* clusterView_ = nullptr;
  QLabel* connectionLabel_ = nullptr;
  QLabel* progressLabel_ = nullptr;
  QAction* runAction_ = nullptr;
  QAction* saveAction_ = nullptr;

  QTimer clusterTimer_;
  QTimer ticker_;  // refreshes the elapsed time and the reconnect countdown
  QElapsedTimer runClock_;

  QString currentRequest_;  // request id of the run under way; empty when idle
  QString currentJob_;      // its job id, once accepted
  QStringList progressSteps_;
  qint64 lastRunMs_ = -1;  // elapsed time of the finished run, -1 before the first

  QString currentPath_;    // file in the editor; empty for an unsaved buffer
  QString pendingSuffix_;  // extension of an opened file whose language is not known yet
  QString languagesSeen_;  // what slaves offered at the last snapshot, to refresh runtimes
};

}  // namespace polyrun::gui
