// The Run page: the editor, the language, the arguments, the limits, stdin, Run and Stop, and
// the result of the run. It builds the job from its widgets and hands it to a RunSession, shows
// what the session signals, follows the master's runtimes in its language list, and keeps the
// editor's file through its FileActions.
#pragma once

#include <QTimer>
#include <QWidget>

#include "client_types.h"
#include "test_suite_store.h"

class QAction;
class QComboBox;
class QLabel;
class QDoubleSpinBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace polyrun::gui {

class ClientSettings;
class CodeEditor;
class FileActions;
class MessageLog;
struct RunRecord;
class ResultView;
class RunSession;
class RuntimesModel;
class TestsPanel;

class RunPage : public QWidget {
  Q_OBJECT

 public:
  /// Nothing is owned; all must outlive the page. `dialog_parent` parents the file dialogs.
  RunPage(RunSession* session, ClientSettings* settings, MessageLog* messages,
          QWidget* dialog_parent, QWidget* parent = nullptr);
  ~RunPage() override;

  enum SideTab { kRunTab, kTestsTab };

  CodeEditor* editor() const { return editor_; }
  TestsPanel* testsPanel() const { return tests_panel_; }
  QTabWidget* sideTabs() const { return side_tabs_; }
  FileActions* files() const { return files_; }
  RuntimesModel* runtimes() const { return runtimes_; }
  /// Run and Stop, with their shortcuts (Ctrl+Return, Ctrl+.), for the window's menu.
  QAction* runAction() const { return run_action_; }
  QAction* stopAction() const { return stop_action_; }
  /// The language + version the next run will use; empty when no runtime is selected.
  QString selectedLanguage() const;
  QString selectedVersion() const;

  /// Shows the result (or the end) of a run of the history.
  void showRecord(const RunRecord& record);
  /// Puts the program, stdin, arguments, language and limits of `request` in the page, as an
  /// unsaved buffer. False when the user keeps unsaved changes instead.
  bool loadRequest(const JobRequest& request);

 public slots:
  /// Submits the editor's content. Does nothing while a run is under way or when not connected.
  void run();
  /// Submits the editor's content as one judged job with the Tests panel's cases and checker
  /// (what its Run all does). Does nothing when run() would not, or when there is no case.
  void runTests();
  /// The Stop control: a live run is interrupted first (SIGINT), a second press cancels it
  /// (RunSession::stop()).
  void stop();
  /// The input line's Enter: its text and a newline go to the running program, echoed into the
  /// output.
  void sendInputLine();
  /// End input (or Ctrl-D in the input line): closes the running program's stdin.
  void endInput();
  /// A new buffer with the current language's starter program (asks about unsaved changes).
  void newFile();

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void onRuntimesChanged(const QList<Runtime>& runtimes);
  void onLanguageChanged();
  /// Selects the language of files ending in `suffix`; when no runtimes are known yet, as soon
  /// as they are.
  void selectLanguageForSuffix(const QString& suffix);
  void putTemplate();
  /// The job of the editor, language, arguments and limits; false (and said) without a language.
  bool buildJob(JobRequest* job);
  /// The editor's file changed: its cases are saved, the new file's shown.
  void onPathChanged();
  void saveSuite();
  RunLimits limitsFromUi() const;
  void setLimitsInUi(const RunLimits& limits);
  void updateActions();
  void updateStdinMode();
  void showHint(const QString& text);

  RunSession* session_;
  ClientSettings* settings_;
  MessageLog* messages_;
  RuntimesModel* runtimes_;
  FileActions* files_ = nullptr;

  CodeEditor* editor_ = nullptr;
  QComboBox* language_combo_ = nullptr;
  QLineEdit* args_edit_ = nullptr;
  QPlainTextEdit* stdin_edit_ = nullptr;
  QDoubleSpinBox* wall_spin_ = nullptr;
  QDoubleSpinBox* cpu_spin_ = nullptr;
  QSpinBox* memory_spin_ = nullptr;
  QPushButton* run_button_ = nullptr;
  QPushButton* stop_button_ = nullptr;
  ResultView* result_view_ = nullptr;
  QLabel* stdin_mode_label_ = nullptr;
  QLineEdit* input_edit_ = nullptr;
  QPushButton* end_input_button_ = nullptr;
  QLabel* input_hint_ = nullptr;
  QTabWidget* side_tabs_ = nullptr;
  TestsPanel* tests_panel_ = nullptr;
  QAction* run_action_ = nullptr;
  QAction* stop_action_ = nullptr;

  QString pending_suffix_;  // extension of an opened file whose language is not known yet

  // The Tests panel's cases belong to the editor's file (docs/gui.md, "Tests"): saved a moment
  // after each change under suite_path_, the file they belong to (empty: an unsaved buffer, whose
  // cases live only in the panel until it is saved).
  TestSuiteStore suite_store_;
  QString suite_path_;
  QTimer save_timer_;
  bool tests_run_ = false;        // the run under way is the Tests panel's
  bool run_stdin_given_ = false;  // the run under way (or the last) had text in the stdin box
};

}  // namespace polyrun::gui
