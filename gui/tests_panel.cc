#include "tests_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

#include "format.h"
#include "test_cases_model.h"

namespace polyrun::gui {
namespace {

const char* const kCheckers[] = {"lines", "exact", "tokens", "float"};
const char kProgram[] = "program";  // a checker program of the user's (docs/checkers.md)

QPlainTextEdit* makeTextEdit(const QString& name, bool read_only, const QString& placeholder) {
  auto* edit = new QPlainTextEdit;
  edit->setObjectName(name);
  edit->setReadOnly(read_only);
  edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  edit->setLineWrapMode(QPlainTextEdit::NoWrap);
  edit->setPlaceholderText(placeholder);
  return edit;
}

QWidget* labelled(const QString& label, QWidget* widget) {
  auto* box = new QWidget;
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(new QLabel(label));
  layout->addWidget(widget, 1);
  return box;
}

// Highlights the line of `spot` and, from its column on, the rest of it more strongly.
void highlight(QPlainTextEdit* edit, const TextSpot& spot) {
  QList<QTextEdit::ExtraSelection> selections;
  QTextEdit::ExtraSelection line;
  line.format.setBackground(QColor(0xff, 0xeb, 0xee));
  line.format.setProperty(QTextFormat::FullWidthSelection, true);
  line.cursor = QTextCursor(edit->document());
  line.cursor.setPosition(spot.line_start);
  selections << line;
  QTextEdit::ExtraSelection from_column;
  from_column.format.setBackground(QColor(0xef, 0x9a, 0x9a));
  from_column.cursor = QTextCursor(edit->document());
  from_column.cursor.setPosition(spot.at);
  // To the end of the line, and at least one character (the newline, when the difference is a
  // missing character at the end of a line), within the document.
  const int last = edit->document()->characterCount() - 1;
  from_column.cursor.setPosition(std::min(last, std::max(spot.line_end, spot.at + 1)),
                                 QTextCursor::KeepAnchor);
  selections << from_column;
  edit->setExtraSelections(selections);
  QTextCursor c(edit->document());
  c.setPosition(spot.at);
  edit->setTextCursor(c);
  edit->ensureCursorVisible();
}

}  // namespace

TestsPanel::TestsPanel(QWidget* parent) : QWidget(parent), model_(new TestCasesModel(this)) {
  add_button_ = new QPushButton(tr("Add"));
  add_button_->setObjectName("addCaseButton");
  add_button_->setToolTip(tr("Add an empty test case"));
  remove_button_ = new QPushButton(tr("Remove"));
  remove_button_->setObjectName("removeCaseButton");
  import_button_ = new QPushButton(tr("Import folder…"));
  import_button_->setObjectName("importCasesButton");
  import_button_->setToolTip(
      tr("Add the cases of a folder: NAME.in is a case's stdin, NAME.out the output it must "
         "print"));
  run_button_ = new QPushButton(tr("Run all"));
  run_button_->setObjectName("runAllButton");
  run_button_->setToolTip(
      tr("Compile the editor's program once and run it on every case, as one job"));
  connect(add_button_, &QPushButton::clicked, this, &TestsPanel::addCase);
  connect(remove_button_, &QPushButton::clicked, this, &TestsPanel::removeCase);
  connect(import_button_, &QPushButton::clicked, this, &TestsPanel::importWithDialog);
  connect(run_button_, &QPushButton::clicked, this, [this] {
    commitEdits();
    if (model_->rowCount() > 0) emit runAllRequested();
  });

  checker_combo_ = new QComboBox;
  checker_combo_->setObjectName("checkerCombo");
  // The item's data is the checker's wire name.
  for (const char* c : kCheckers)
    checker_combo_->addItem(QString::fromLatin1(c), QString::fromLatin1(c));
  checker_combo_->addItem(tr("program…"), QString::fromLatin1(kProgram));
  checker_combo_->setToolTip(
      tr("lines: line by line, trailing spaces and blank lines at the end ignored\n"
         "exact: byte for byte\ntokens: whitespace-separated words\n"
         "float: tokens, numbers within the tolerance\n"
         "program…: a checker program of yours, run on each case's input, output and expected "
         "output; exit 0 accepts, 1 or 2 rejects (docs/checkers.md)"));
  checker_file_button_ = new QPushButton;
  checker_file_button_->setObjectName("checkerFileButton");
  connect(checker_file_button_, &QPushButton::clicked, this, &TestsPanel::chooseCheckerFile);
  // Only the user's own pick opens the dialog (activated), not a suite being shown.
  connect(checker_combo_, &QComboBox::activated, this, [this] {
    if (checker_combo_->currentData().toString() == QLatin1String(kProgram) &&
        checker_path_.isEmpty())
      chooseCheckerFile();
  });
  tolerance_spin_ = new QDoubleSpinBox;
  tolerance_spin_->setObjectName("toleranceSpin");
  tolerance_spin_->setDecimals(9);
  tolerance_spin_->setRange(0, 1e6);
  tolerance_spin_->setValue(JudgeOptions{}.tolerance);
  tolerance_spin_->setToolTip(tr("float: the absolute and relative tolerance"));
  stop_check_ = new QCheckBox(tr("Stop at first failure"));
  stop_check_->setObjectName("stopOnFailureCheck");
  connect(checker_combo_, &QComboBox::currentIndexChanged, this, [this] {
    updateCheckerWidgets();
    emit suiteChanged();
  });
  connect(tolerance_spin_, &QDoubleSpinBox::valueChanged, this, &TestsPanel::suiteChanged);
  connect(stop_check_, &QCheckBox::toggled, this, &TestsPanel::suiteChanged);
  updateCheckerWidgets();

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(add_button_);
  buttons->addWidget(remove_button_);
  buttons->addWidget(import_button_);
  buttons->addStretch(1);
  buttons->addWidget(run_button_);
  auto* options = new QHBoxLayout;
  auto* checker_label = new QLabel(tr("&Checker"));
  checker_label->setBuddy(checker_combo_);
  options->addWidget(checker_label);
  options->addWidget(checker_combo_);
  options->addWidget(tolerance_spin_);
  options->addWidget(checker_file_button_);
  options->addWidget(stop_check_);
  options->addStretch(1);

  table_ = new QTableView;
  table_->setObjectName("testsTable");
  table_->setModel(model_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
  table_->horizontalHeader()->setSectionResizeMode(TestCasesModel::kName, QHeaderView::Stretch);
  table_->horizontalHeader()->setSectionResizeMode(TestCasesModel::kVerdict,
                                                   QHeaderView::ResizeToContents);
  connect(table_, &QTableView::clicked, this, [this](const QModelIndex& i) { showCase(i.row()); });
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& i) {
            if (i.row() != current_row_) showCase(i.row());
          });

  summary_label_ = new QLabel;
  summary_label_->setObjectName("testsSummary");
  summary_label_->setWordWrap(true);
  summary_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  // The Case tab: what the case is.
  name_edit_ = new QLineEdit;
  name_edit_->setObjectName("caseNameEdit");
  stdin_edit_ = makeTextEdit("caseStdinEdit", false, tr("The case's input (stdin)"));
  check_output_ = new QCheckBox(tr("Check the output; expected:"));
  check_output_->setObjectName("checkOutputCheck");
  check_output_->setChecked(true);
  expected_edit_ = makeTextEdit("caseExpectedEdit", false, tr("What the program must print"));
  auto* case_page = new QWidget;
  auto* case_layout = new QVBoxLayout(case_page);
  auto* name_row = new QHBoxLayout;
  auto* name_label = new QLabel(tr("&Name"));
  name_label->setBuddy(name_edit_);
  name_row->addWidget(name_label);
  name_row->addWidget(name_edit_, 1);
  case_layout->addLayout(name_row);
  case_layout->addWidget(labelled(tr("stdin"), stdin_edit_), 1);
  case_layout->addWidget(check_output_);
  case_layout->addWidget(expected_edit_, 1);
  connect(name_edit_, &QLineEdit::textEdited, this, &TestsPanel::commitEdits);
  connect(stdin_edit_, &QPlainTextEdit::textChanged, this, &TestsPanel::commitEdits);
  connect(expected_edit_, &QPlainTextEdit::textChanged, this, &TestsPanel::commitEdits);
  connect(check_output_, &QCheckBox::toggled, this, [this](bool on) {
    expected_edit_->setEnabled(on);
    commitEdits();
  });

  // The Result tab: how it ended.
  case_verdict_ = new QLabel;
  case_verdict_->setObjectName("caseVerdict");
  case_message_ = new QLabel;
  case_message_->setObjectName("caseMessage");
  case_message_->setWordWrap(true);
  case_message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  checker_said_ = new QLabel;
  checker_said_->setObjectName("checkerSaid");
  checker_said_->setWordWrap(true);
  checker_said_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  diff_expected_ = makeTextEdit("diffExpected", true, {});
  diff_actual_ = makeTextEdit("diffActual", true, {});
  case_stderr_ = makeTextEdit("caseStderr", true, tr("(no stderr)"));
  auto* diff = new QSplitter(Qt::Horizontal);
  diff->addWidget(labelled(tr("expected"), diff_expected_));
  diff->addWidget(labelled(tr("got"), diff_actual_));
  auto* result_split = new QSplitter(Qt::Vertical);
  result_split->addWidget(diff);
  result_split->addWidget(labelled(tr("stderr"), case_stderr_));
  result_split->setStretchFactor(0, 3);
  result_split->setStretchFactor(1, 1);
  auto* result_page = new QWidget;
  auto* result_layout = new QVBoxLayout(result_page);
  auto* header = new QHBoxLayout;
  header->addWidget(case_verdict_, 0, Qt::AlignTop);
  header->addWidget(case_message_, 1);
  result_layout->addLayout(header);
  result_layout->addWidget(checker_said_);
  result_layout->addWidget(result_split, 1);

  tabs_ = new QTabWidget;
  tabs_->setObjectName("caseTabs");
  tabs_->addTab(case_page, tr("Case"));
  tabs_->addTab(result_page, tr("Result"));

  auto* top = new QWidget;
  auto* top_layout = new QVBoxLayout(top);
  top_layout->setContentsMargins(0, 0, 0, 0);
  top_layout->addLayout(buttons);
  top_layout->addLayout(options);
  top_layout->addWidget(table_, 1);
  top_layout->addWidget(summary_label_);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(top);
  split->addWidget(tabs_);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(split);

  connect(model_, &TestCasesModel::casesChanged, this, &TestsPanel::suiteChanged);
  connect(model_, &TestCasesModel::dataChanged, this,
          [this](const QModelIndex& from, const QModelIndex& to) {
            updateSummary();
            if (current_row_ >= from.row() && current_row_ <= to.row()) showResult();
          });
  connect(model_, &TestCasesModel::modelReset, this, [this] {
    updateSummary();
    showCase(model_->rowCount() > 0 ? 0 : -1);
  });
  showCase(-1);
}

TestSuite TestsPanel::suite() const { return {model_->cases(), judgeOptions()}; }

void TestsPanel::setSuite(const TestSuite& suite) {
  {
    const QSignalBlocker a(checker_combo_), b(tolerance_spin_), c(stop_check_);
    const int checker = checker_combo_->findData(suite.judge.checker);
    checker_combo_->setCurrentIndex(checker >= 0 ? checker : 0);
    checker_path_ = suite.judge.checker_path;
    tolerance_spin_->setValue(suite.judge.tolerance);
    stop_check_->setChecked(suite.judge.stop_on_failure);
  }
  updateCheckerWidgets();
  model_->setCases(suite.cases);
}

JudgeOptions TestsPanel::judgeOptions() const {
  JudgeOptions o;
  o.checker = checker_combo_->currentData().toString();
  if (o.checker == QLatin1String(kProgram)) o.checker_path = checker_path_;
  o.tolerance = tolerance_spin_->value();
  o.stop_on_failure = stop_check_->isChecked();
  return o;
}

void TestsPanel::setRunEnabled(bool enabled) {
  run_enabled_ = enabled;
  updateButtons();
}

bool TestsPanel::importFolder(const QString& dir, QString* error) {
  int added = 0;
  if (!model_->importFolder(dir, &added, error)) return false;
  showCase(current_row_ >= 0 ? current_row_ : 0);
  return true;
}

void TestsPanel::importWithDialog() {
  const QString dir = QFileDialog::getExistingDirectory(
      this, tr("Import a folder of test cases (NAME.in / NAME.out)"));
  if (dir.isEmpty()) return;
  QString error;
  if (!importFolder(dir, &error)) emit problem(error);
}

void TestsPanel::setCheckerProgram(const QString& path) {
  checker_path_ = path;
  const int program = checker_combo_->findData(QString::fromLatin1(kProgram));
  if (checker_combo_->currentIndex() != program) {
    checker_combo_->setCurrentIndex(program);  // emits suiteChanged
  } else {
    updateCheckerWidgets();
    emit suiteChanged();
  }
}

void TestsPanel::chooseCheckerFile() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Choose a checker program (run as: checker INPUT OUTPUT ANSWER)"),
      checker_path_.isEmpty() ? QString() : QFileInfo(checker_path_).absolutePath());
  if (!path.isEmpty()) setCheckerProgram(path);
}

void TestsPanel::updateCheckerWidgets() {
  const QString checker = checker_combo_->currentData().toString();
  tolerance_spin_->setEnabled(checker == QLatin1String("float"));
  const bool program = checker == QLatin1String(kProgram);
  checker_file_button_->setVisible(program);
  checker_file_button_->setText(checker_path_.isEmpty() ? tr("Choose a file…")
                                                        : QFileInfo(checker_path_).fileName());
  checker_file_button_->setToolTip(
      checker_path_.isEmpty()
          ? tr("The checker program's source; its language follows from its extension")
          : tr("%1\n(read again at each Run all; its language follows from its extension)")
                .arg(QDir::toNativeSeparators(checker_path_)));
}

bool TestsPanel::readCheckerProgram(JobFile* source, QString* error) const {
  if (checker_path_.isEmpty()) {
    *error =
        tr("No checker program is chosen: pick its file with the button beside the "
           "Checker list, or choose another checker.");
    return false;
  }
  QFile file(checker_path_);
  if (!file.open(QIODevice::ReadOnly)) {
    *error = tr("Cannot read the checker program %1: %2. Pick another file with the button "
                "beside the Checker list.")
                 .arg(QDir::toNativeSeparators(checker_path_), file.errorString());
    return false;
  }
  source->name = QFileInfo(checker_path_).fileName();
  source->content = file.readAll();
  if (file.error() != QFileDevice::NoError) {
    *error = tr("Cannot read the checker program %1: %2. Pick another file with the button "
                "beside the Checker list.")
                 .arg(QDir::toNativeSeparators(checker_path_), file.errorString());
    return false;
  }
  return true;
}

void TestsPanel::showProblem(const QString& text) {
  summary_label_->setText(text);
  summary_label_->setStyleSheet(QStringLiteral("QLabel { color: #c62828; }"));
}

void TestsPanel::addCase() {
  // Checked by default: a case is usually there to compare the output.
  const int row = model_->addCase({QString(), QString(), QString()});
  showCase(row);
  tabs_->setCurrentIndex(kCaseTab);
  stdin_edit_->setFocus();
}

void TestsPanel::removeCase() {
  if (current_row_ < 0) return;
  const int row = current_row_;
  current_row_ = -1;  // nothing to commit for a case that goes
  model_->removeCase(row);
  showCase(std::min(row, model_->rowCount() - 1));
}

void TestsPanel::commitEdits() {
  if (loading_ || current_row_ < 0 || current_row_ >= model_->rowCount()) return;
  TestCaseInput c;
  c.name = name_edit_->text();
  c.stdin_text = stdin_edit_->toPlainText();
  if (check_output_->isChecked()) c.expected_stdout = expected_edit_->toPlainText();
  model_->setCase(current_row_, c);
}

void TestsPanel::showCase(int row) {
  if (row >= model_->rowCount()) row = model_->rowCount() - 1;
  current_row_ = row;
  loading_ = true;
  const bool has_case = row >= 0;
  if (has_case) {
    const TestCaseInput& c = model_->cases()[row];
    name_edit_->setText(c.name);
    stdin_edit_->setPlainText(c.stdin_text);
    check_output_->setChecked(c.expected_stdout.has_value());
    expected_edit_->setPlainText(c.expected_stdout.value_or(QString()));
    expected_edit_->setEnabled(c.expected_stdout.has_value());
    if (table_->currentIndex().row() != row) table_->selectRow(row);
  } else {
    name_edit_->clear();
    stdin_edit_->clear();
    expected_edit_->clear();
  }
  name_edit_->setEnabled(has_case);
  stdin_edit_->setEnabled(has_case);
  check_output_->setEnabled(has_case);
  loading_ = false;
  showResult();
  const CaseOutcome* r = model_->result(row);
  if (r && r->run.verdict != QLatin1String("OK")) tabs_->setCurrentIndex(kResultTab);
  updateButtons();
}

void TestsPanel::showResult() {
  const CaseOutcome* r = model_->result(current_row_);
  if (!r) {
    case_verdict_->clear();
    case_verdict_->setStyleSheet({});
    checker_said_->hide();
    case_message_->setText(current_row_ < 0      ? tr("Add a case or import a folder of cases.")
                           : model_->isRunning() ? tr("This case has not ended yet.")
                                                 : tr("Run all to see how this case ends."));
    diff_expected_->clear();
    diff_actual_->clear();
    case_stderr_->clear();
    return;
  }
  const bool checker_failed = r->run.verdict == QLatin1String("CHECKER_ERROR");
  case_verdict_->setText(checker_failed ? tr("checker failed") : r->run.verdict);
  case_verdict_->setStyleSheet(badgeStyleSheet(verdictColor(r->run.verdict)));
  QStringList details;
  if (checker_failed) details << tr("The checker failed, not the program.");
  if (r->run.verdict != QLatin1String("SKIPPED")) {
    details << (r->run.signal != 0 ? tr("signal %1").arg(r->run.signal)
                                   : tr("exit code %1").arg(r->run.exit_code))
            << tr("cpu %1").arg(formatDuration(r->run.cpu_ms))
            << tr("wall %1").arg(formatDuration(r->run.wall_ms))
            << tr("memory %1").arg(formatBytes(double(r->run.memory_bytes)));
  }
  QString text = details.join(QStringLiteral(" · "));
  if (!r->run.message.isEmpty()) text += (text.isEmpty() ? "" : "\n") + r->run.message;
  case_message_->setText(text);
  // What a checker program said on this case (its first line: "ok 1.4142", why it rejects).
  const QString said = r->checker ? checkerSaid(*r->checker) : QString();
  checker_said_->setVisible(!said.isEmpty());
  checker_said_->setText(tr("The checker said: %1").arg(said));

  const TestCaseInput& c = model_->cases()[current_row_];
  diff_expected_->setPlainText(c.expected_stdout.value_or(QString()));
  diff_expected_->setPlaceholderText(c.expected_stdout ? tr("(nothing)")
                                                       : tr("(not checked: no expected output)"));
  // A progress message carries no outputs: they come with the job's result.
  const bool have_outputs = !model_->isRunning();
  diff_actual_->setPlainText(r->run.stdout_text);
  diff_actual_->setPlaceholderText(have_outputs ? tr("(nothing)")
                                                : tr("(the output comes with the job's result)"));
  if (r->run.stdout_truncated) diff_actual_->appendPlainText(tr("[… cut at the output limit]"));
  case_stderr_->setPlainText(r->run.stderr_text);
  diff_expected_->setExtraSelections({});
  diff_actual_->setExtraSelections({});
  if (r->line > 0) {
    // line and column are positions in the program's output; the expected output is marked at
    // the same line (for the `lines` and `exact` checkers, where the difference is).
    highlight(diff_actual_, locateSpot(diff_actual_->toPlainText(), r->line, r->column));
    if (c.expected_stdout)
      highlight(diff_expected_, locateSpot(*c.expected_stdout, r->line, r->column));
  }
}

void TestsPanel::startRun() {
  model_->startRun();
  showCase(current_row_);
  updateButtons();
}

void TestsPanel::caseFinished(const CaseOutcome& outcome) { model_->setCaseResult(outcome); }

void TestsPanel::runFinished(const RunOutcome& outcome) {
  model_->setOutcome(outcome);
  // Show the first case that did not pass: usually what the user wants to look at.
  if (outcome.summary.first_failure > 0) showCase(int(outcome.summary.first_failure - 1));
  updateButtons();
}

void TestsPanel::runEnded(const QString& why) {
  model_->endRun(why);
  updateButtons();
}

void TestsPanel::updateButtons() {
  const bool running = model_->isRunning();
  add_button_->setEnabled(!running);
  import_button_->setEnabled(!running);
  remove_button_->setEnabled(!running && current_row_ >= 0);
  run_button_->setEnabled(run_enabled_ && !running && model_->rowCount() > 0);
  run_button_->setText(running ? tr("Running…") : tr("Run all"));
  // The cases are what the job under way was sent: they stay as they are until it ends.
  name_edit_->setReadOnly(running);
  stdin_edit_->setReadOnly(running);
  expected_edit_->setReadOnly(running);
  check_output_->setEnabled(!running && current_row_ >= 0);
}

void TestsPanel::updateSummary() {
  summary_label_->setStyleSheet({});
  summary_label_->setText(model_->summaryText());
  updateButtons();
}

}  // namespace polyrun::gui
