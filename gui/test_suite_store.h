// Where the Tests panel keeps each source file's cases between sessions: one JSON file per
// source file in a folder of the client's own (ClientSettings::testsDir()), named after a hash
// of the source's absolute path, so nothing is written beside the user's sources. Widget-free.
#pragma once

#include <QList>
#include <QString>

#include "client_types.h"

namespace polyrun::gui {

/// A source file's cases and how they are judged.
struct TestSuite {
  QList<TestCaseInput> cases;
  JudgeOptions judge;

  bool isEmpty() const { return cases.isEmpty() && judge == JudgeOptions{}; }
  bool operator==(const TestSuite&) const = default;
};

class TestSuiteStore {
 public:
  /// `dir` is created when the first suite is saved.
  explicit TestSuiteStore(const QString& dir) : dir_(dir) {}

  /// The file that holds the suite of `source_path` (which need not exist).
  QString fileFor(const QString& source_path) const;
  /// The suite saved for `source_path`; an empty one when none was. False, with *error saying
  /// which file and what is wrong with it, when the file cannot be read or parsed.
  bool load(const QString& source_path, TestSuite* suite, QString* error) const;
  /// Saves (atomically) the suite of `source_path`; an empty suite removes its file. False, with
  /// *error naming the file, when it cannot be written.
  bool save(const QString& source_path, const TestSuite& suite, QString* error) const;

 private:
  QString dir_;
};

}  // namespace polyrun::gui
