#include "test_cases_model.h"

#include <QDir>
#include <QFile>
#include <QSet>
#include <string>
#include <vector>

#include "format.h"
#include "polyrun/case_files.h"

namespace polyrun::gui {
namespace {

// A case's stdin can be no larger than the master's stdin maximum (master.limits.stdin_bytes.max,
// 16 MiB by default), and a job no larger than a frame: bigger files could never be sent.
constexpr qint64 kMaxCaseFileBytes = 16 << 20;

bool readCaseFile(const QDir& dir, const std::string& name, QString* out, QString* error) {
  const QString path = dir.filePath(QString::fromStdString(name));
  QFile file(path);
  if (file.size() > kMaxCaseFileBytes) {
    *error = QObject::tr(
                 "%1 is %2, over the 16 MiB a case's input or output may have; "
                 "leave it out of the folder or make it smaller")
                 .arg(path, formatBytes(double(file.size())));
    return false;
  }
  if (!file.open(QIODevice::ReadOnly)) {
    *error = QObject::tr("cannot read %1: %2; check that it is a readable file")
                 .arg(path, file.errorString());
    return false;
  }
  *out = QString::fromUtf8(file.readAll());
  return true;
}

// How many bytes of UTF-8 `text` takes.
qint64 utf8Bytes(QStringView text) { return text.toUtf8().size(); }

}  // namespace

TextSpot locateSpot(const QString& text, qint64 line, qint64 byte_column) {
  TextSpot spot;
  int start = 0;
  for (qint64 l = 1; l < line; ++l) {
    const int newline = int(text.indexOf('\n', start));
    if (newline < 0) {
      spot.line_start = spot.line_end = spot.at = int(text.size());
      return spot;
    }
    start = newline + 1;
  }
  int end = int(text.indexOf('\n', start));
  if (end < 0) end = int(text.size());
  spot.line_start = start;
  spot.line_end = end;
  // The column counts bytes: walk the characters until their UTF-8 reaches it.
  int at = start;
  qint64 bytes = 1;
  while (at < end && bytes < byte_column) {
    const int width = text.at(at).isHighSurrogate() && at + 1 < end ? 2 : 1;
    bytes += utf8Bytes(QStringView(text).mid(at, width));
    at += width;
  }
  spot.at = at;
  return spot;
}

TestCasesModel::TestCasesModel(QObject* parent) : QAbstractTableModel(parent) {}

int TestCasesModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(cases_.size());
}

int TestCasesModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant TestCasesModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= cases_.size()) return {};
  const TestCaseInput& c = cases_[index.row()];
  const CaseOutcome* r = result(index.row());
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case kName:
        return c.name.isEmpty() ? QString::number(index.row() + 1) : c.name;
      case kVerdict:
        // Not the program's fault: said in words, not with a verdict it might be blamed for.
        if (r && r->run.verdict == QLatin1String("CHECKER_ERROR")) return tr("checker failed");
        if (r) return r->run.verdict;
        if (running_) return tr("waiting");
        return end_text_.isEmpty() || summary_ ? QString() : tr("not run");
      case kTime:
        return r && r->run.verdict != QLatin1String("SKIPPED") ? formatDuration(r->run.cpu_ms)
                                                               : QString();
      case kMemory:
        return r && r->run.verdict != QLatin1String("SKIPPED")
                   ? formatBytes(double(r->run.memory_bytes))
                   : QString();
      default:
        return {};
    }
  }
  if (role == Qt::ForegroundRole && index.column() == kVerdict && r) return QColor(Qt::white);
  if (role == Qt::BackgroundRole && index.column() == kVerdict && r)
    return verdictColor(r->run.verdict);
  if (role == Qt::ToolTipRole && r && r->run.verdict == QLatin1String("CHECKER_ERROR"))
    return tr("The checker failed, not the program: %1").arg(r->run.message);
  if (role == Qt::ToolTipRole && r && !r->run.message.isEmpty()) return r->run.message;
  if (role == Qt::TextAlignmentRole && (index.column() == kTime || index.column() == kMemory))
    return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  return {};
}

QVariant TestCasesModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kName:
      return tr("Case");
    case kVerdict:
      return tr("Verdict");
    case kTime:
      return tr("CPU time");
    case kMemory:
      return tr("Memory");
    default:
      return {};
  }
}

void TestCasesModel::setCases(const QList<TestCaseInput>& cases) {
  beginResetModel();
  cases_ = cases;
  results_ = QList<std::optional<CaseOutcome>>(cases_.size());
  running_ = false;
  summary_.reset();
  end_text_.clear();
  endResetModel();
  emit casesChanged();
}

int TestCasesModel::addCase(TestCaseInput c) {
  if (c.name.isEmpty()) {
    QSet<QString> used;
    for (const TestCaseInput& e : cases_) used.insert(e.name);
    int n = 1;
    while (used.contains(QString::number(n))) ++n;
    c.name = QString::number(n);
  }
  const int row = int(cases_.size());
  beginInsertRows({}, row, row);
  cases_ << c;
  results_ << std::nullopt;
  endInsertRows();
  emit casesChanged();
  return row;
}

void TestCasesModel::setCase(int row, const TestCaseInput& c) {
  if (row < 0 || row >= cases_.size() || cases_[row] == c) return;
  cases_[row] = c;
  results_[row].reset();
  emitRow(row);
  emit casesChanged();
}

void TestCasesModel::removeCase(int row) {
  if (row < 0 || row >= cases_.size()) return;
  beginRemoveRows({}, row, row);
  cases_.removeAt(row);
  results_.removeAt(row);
  endRemoveRows();
  emit casesChanged();
}

bool TestCasesModel::importFolder(const QString& dir_path, int* added, QString* error) {
  *added = 0;
  const QDir dir(dir_path);
  if (!dir.exists()) {
    *error =
        tr("the folder %1 does not exist; pick a folder of NAME.in / NAME.out files").arg(dir_path);
    return false;
  }
  std::vector<std::string> names;
  for (const QString& name : dir.entryList(QDir::Files | QDir::Readable | QDir::Hidden))
    names.push_back(name.toStdString());
  const std::vector<CaseFiles> files = pairCaseFiles(names);
  if (files.empty()) {
    *error = tr("the folder %1 holds no NAME.in or NAME.out file; each case is NAME.in (its "
                "stdin) and NAME.out (the output it must print)")
                 .arg(dir_path);
    return false;
  }
  // Everything is read before anything changes: a file that cannot be read leaves the cases
  // as they were.
  QList<TestCaseInput> read;
  for (const CaseFiles& f : files) {
    TestCaseInput c;
    c.name = QString::fromStdString(f.name);
    if (f.input && !readCaseFile(dir, *f.input, &c.stdin_text, error)) return false;
    if (f.expected && !readCaseFile(dir, *f.expected, &c.expected_stdout.emplace(), error))
      return false;
    read << c;
  }
  for (const TestCaseInput& c : read) {
    int row = -1;
    for (int i = 0; i < cases_.size() && row < 0; ++i)
      if (cases_[i].name == c.name) row = i;
    if (row >= 0) {
      setCase(row, c);
    } else {
      addCase(c);
    }
    ++*added;
  }
  return true;
}

void TestCasesModel::startRun() {
  for (auto& r : results_) r.reset();
  running_ = true;
  summary_.reset();
  end_text_.clear();
  if (!cases_.isEmpty()) emit dataChanged(index(0, 0), index(rowCount() - 1, kColumnCount - 1));
}

void TestCasesModel::setCaseResult(const CaseOutcome& outcome) {
  if (outcome.index < 0 || outcome.index >= results_.size()) return;
  results_[outcome.index] = outcome;
  emitRow(outcome.index);
}

void TestCasesModel::setOutcome(const RunOutcome& outcome) {
  running_ = false;
  end_text_.clear();
  for (const CaseOutcome& c : outcome.tests) {
    if (c.index >= 0 && c.index < results_.size()) results_[c.index] = c;
  }
  if (outcome.tests.isEmpty()) {
    summary_.reset();
    end_text_ =
        outcome.verdict == QLatin1String("COMPILE_ERROR") ? tr("compile error: no case ran")
        : outcome.verdict == QLatin1String("CHECKER_ERROR")
            ? tr("The checker failed, not the program; no case ran. %1").arg(outcome.message)
            : tr("%1: no case ran. %2").arg(outcome.verdict, outcome.message);
  } else {
    summary_ = outcome.summary;
  }
  if (!cases_.isEmpty()) emit dataChanged(index(0, 0), index(rowCount() - 1, kColumnCount - 1));
}

void TestCasesModel::endRun(const QString& why) {
  if (!running_) return;
  running_ = false;
  end_text_ = why;
  if (!cases_.isEmpty()) emit dataChanged(index(0, 0), index(rowCount() - 1, kColumnCount - 1));
}

const CaseOutcome* TestCasesModel::result(int row) const {
  if (row < 0 || row >= results_.size() || !results_[row]) return nullptr;
  return &*results_[row];
}

QString TestCasesModel::summaryText() const {
  if (running_) {
    int done = 0;
    for (const auto& r : results_) done += r ? 1 : 0;
    return tr("%1 of %2 cases done").arg(done).arg(results_.size());
  }
  if (!summary_) return end_text_;
  const TestsSummary& s = *summary_;
  QStringList parts{tr("passed %1 of %2").arg(s.passed).arg(s.total)};
  if (s.first_failure > 0) {
    const CaseOutcome* first = result(int(s.first_failure - 1));
    parts << (first ? tr("first failure: %1 (%2)").arg(first->name, first->run.verdict)
                    : tr("first failure: case %1").arg(s.first_failure));
  }
  parts << tr("max time %1").arg(formatDuration(s.max_cpu_ms))
        << tr("max memory %1").arg(formatBytes(double(s.max_memory_bytes)));
  return parts.join(QStringLiteral(" · "));
}

void TestCasesModel::emitRow(int row) {
  emit dataChanged(index(row, 0), index(row, kColumnCount - 1));
}

}  // namespace polyrun::gui
