// The Tests panel's cases and how they ended, without widgets: the cases a judged job sends
// (name, stdin, expected output), their rows filling in as the cases end (progress messages, in
// any order) and the job's summary once its result arrives. docs/judging.md has the rules.
#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <optional>

#include "client_types.h"

namespace polyrun::gui {

/// Where a checker's line and column fall in a text, as offsets into the QString.
struct TextSpot {
  int line_start = 0;  // first character of the line
  int line_end = 0;    // one past its last character (before the \n)
  int at = 0;          // the column's character, within [line_start, line_end]
};
/// The spot of 1-based `line` and `byte_column` (a checker counts bytes of UTF-8, as
/// polyrun/checker.h says) in `text`. A line past the end gives the end of the text; a column
/// past the end of its line gives the line's end.
TextSpot locateSpot(const QString& text, qint64 line, qint64 byte_column);

class TestCasesModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kName, kVerdict, kTime, kMemory, kColumnCount };

  explicit TestCasesModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  const QList<TestCaseInput>& cases() const { return cases_; }
  /// Replaces every case (another file's, a run from the history); results are dropped.
  void setCases(const QList<TestCaseInput>& cases);
  /// Appends `c` and returns its row. A case without a name gets the smallest number not yet
  /// used as a name ("1", "2", ...).
  int addCase(TestCaseInput c = {});
  /// Changes row `row`'s case; its result, which was for the old one, is dropped.
  void setCase(int row, const TestCaseInput& c);
  void removeCase(int row);
  /// Adds the cases of folder `dir`: NAME.in is a case's stdin, NAME.out its expected output
  /// (polyrun/case_files.h), in natural order of NAME. A case whose name is already there is
  /// replaced in place. False, with *error naming the folder and what to do, when it cannot be
  /// read or holds no case; then nothing changes. *added counts the new and replaced cases.
  bool importFolder(const QString& dir, int* added, QString* error);

  /// A run of the cases starts: every row's result is dropped and the rows say "waiting".
  void startRun();
  /// One case ended (a progress message); an index outside the rows is ignored.
  void setCaseResult(const CaseOutcome& outcome);
  /// The job ended: its result fills every row (with outputs, which progress does not carry)
  /// and the summary.
  void setOutcome(const RunOutcome& outcome);
  /// The job ended without a result (an error, Stop): rows still waiting say so.
  void endRun(const QString& why);
  bool isRunning() const { return running_; }

  /// The result of row `row`'s case; nullptr before it ended.
  const CaseOutcome* result(int row) const;
  /// The job's totals once its result arrived.
  std::optional<TestsSummary> summary() const { return summary_; }
  /// One line: "passed 2 of 3 · first failure: 2 (WRONG_ANSWER) · max time 53 ms · max memory
  /// 8.1 MiB", "3 of 5 cases done" while running, "compile error: no case ran", or the reason
  /// the run ended; empty before a run.
  QString summaryText() const;

 signals:
  /// The cases (not their results) changed: time to save them.
  void casesChanged();

 private:
  void emitRow(int row);

  QList<TestCaseInput> cases_;
  QList<std::optional<CaseOutcome>> results_;  // one per case
  bool running_ = false;
  std::optional<TestsSummary> summary_;
  QString end_text_;  // why the last run ended without a summary, or the compile error
};

}  // namespace polyrun::gui
