// The Run page's Tests panel, beside the editor: the cases of a judged job (add, edit, remove,
// import a folder of NAME.in / NAME.out), the checker and "stop at first failure", Run all, a
// table of cases filling in as they end and, for the case clicked, its diff (expected vs got,
// the first difference highlighted), stderr and message. The data lives in a TestCasesModel;
// the page builds and submits the job (runAllRequested()) and feeds the run's events back.
#pragma once

#include <QWidget>

#include "client_types.h"
#include "test_suite_store.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableView;

namespace polyrun::gui {

class TestCasesModel;

class TestsPanel : public QWidget {
  Q_OBJECT

 public:
  enum Tab { kCaseTab, kResultTab };

  explicit TestsPanel(QWidget* parent = nullptr);

  TestCasesModel* model() const { return model_; }
  /// The cases and judge options, as a job or the store takes them.
  TestSuite suite() const;
  /// Shows another file's cases and options (results are dropped).
  void setSuite(const TestSuite& suite);
  JudgeOptions judgeOptions() const;
  /// Whether Run all may start a job now (connected, a language picked, no run under way).
  void setRunEnabled(bool enabled);

  /// Adds the cases of folder `dir` (TestCasesModel::importFolder); false, with the reason in
  /// *error, when the folder gives none. No dialog.
  bool importFolder(const QString& dir, QString* error);
  /// Selects row `row` and shows it: its input on the Case tab and, once it has a result, its
  /// diff on the Result tab (which is brought forward for a case that did not pass).
  void showCase(int row);
  /// The row shown, -1 when none.
  int currentRow() const { return current_row_; }

  /// Picks checker "program" with the checker source `path` (what the file dialog of
  /// "program…" does). No dialog.
  void setCheckerProgram(const QString& path);
  /// Reads the chosen checker program's file into *source (its file name and bytes). False,
  /// with *error naming the file and what to do, when none is chosen or it cannot be read.
  bool readCheckerProgram(JobFile* source, QString* error) const;
  /// Says `text` in the summary line (a run that could not start).
  void showProblem(const QString& text);

 public slots:
  /// A run of the cases was submitted.
  void startRun();
  void caseFinished(const polyrun::gui::CaseOutcome& outcome);
  void runFinished(const polyrun::gui::RunOutcome& outcome);
  /// The run ended without a result (an error, Stop): `why` is said in the summary line.
  void runEnded(const QString& why);

 signals:
  /// Run all was pressed with at least one case.
  void runAllRequested();
  /// A case or an option changed (to be saved).
  void suiteChanged();
  /// Something to tell the user (an import that failed).
  void problem(const QString& text);

 private:
  void addCase();
  void removeCase();
  void importWithDialog();
  void chooseCheckerFile();
  void updateCheckerWidgets();
  void commitEdits();
  void showResult();
  void updateButtons();
  void updateSummary();

  TestCasesModel* model_;
  QTableView* table_ = nullptr;
  QPushButton* add_button_ = nullptr;
  QPushButton* remove_button_ = nullptr;
  QPushButton* import_button_ = nullptr;
  QPushButton* run_button_ = nullptr;
  QComboBox* checker_combo_ = nullptr;
  QDoubleSpinBox* tolerance_spin_ = nullptr;
  QPushButton* checker_file_button_ = nullptr;  // checker "program": its file, click to change
  QString checker_path_;
  QCheckBox* stop_check_ = nullptr;
  QLabel* summary_label_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QLineEdit* name_edit_ = nullptr;
  QPlainTextEdit* stdin_edit_ = nullptr;
  QCheckBox* check_output_ = nullptr;
  QPlainTextEdit* expected_edit_ = nullptr;
  QLabel* case_verdict_ = nullptr;
  QLabel* case_message_ = nullptr;
  QLabel* checker_said_ = nullptr;  // the checker program's first line on the case shown
  QPlainTextEdit* diff_expected_ = nullptr;
  QPlainTextEdit* diff_actual_ = nullptr;
  QPlainTextEdit* case_stderr_ = nullptr;

  int current_row_ = -1;
  bool run_enabled_ = false;
  bool loading_ = false;  // filling the editors from the model: no edit to commit
};

}  // namespace polyrun::gui
