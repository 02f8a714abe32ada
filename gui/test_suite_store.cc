#include "test_suite_store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace polyrun::gui {
namespace {

// The file's format; a newer one is refused rather than half read.
constexpr int kFormatVersion = 1;

}  // namespace

QString TestSuiteStore::fileFor(const QString& source_path) const {
  const QByteArray hash =
      QCryptographicHash::hash(QFileInfo(source_path).absoluteFilePath().toUtf8(),
                               QCryptographicHash::Sha256)
          .toHex()
          .left(32);
  return QDir(dir_).filePath(QString::fromLatin1(hash) + QStringLiteral(".json"));
}

bool TestSuiteStore::load(const QString& source_path, TestSuite* suite, QString* error) const {
  *suite = {};
  QFile file(fileFor(source_path));
  if (!file.exists()) return true;
  if (!file.open(QIODevice::ReadOnly)) {
    *error = QObject::tr("cannot read the test cases of %1 from %2: %3")
                 .arg(source_path, file.fileName(), file.errorString());
    return false;
  }
  QJsonParseError parse;
  const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
  const QJsonObject o = doc.object();
  if (doc.isNull() || !doc.isObject() || o.value("version").toInt() != kFormatVersion) {
    *error = QObject::tr(
                 "the test cases of %1 in %2 are unreadable (%3); remove that file to "
                 "start with no cases")
                 .arg(source_path, file.fileName(),
                      doc.isNull() ? parse.errorString() : QObject::tr("not a version 1 file"));
    return false;
  }
  for (const QJsonValue& v : o.value("cases").toArray()) {
    const QJsonObject c = v.toObject();
    TestCaseInput t;
    t.name = c.value("name").toString();
    t.stdin_text = c.value("stdin").toString();
    if (c.value("expected_stdout").isString())
      t.expected_stdout = c.value("expected_stdout").toString();
    suite->cases << t;
  }
  const QJsonObject judge = o.value("judge").toObject();
  suite->judge.checker = judge.value("checker").toString(suite->judge.checker);
  suite->judge.tolerance = judge.value("tolerance").toDouble(suite->judge.tolerance);
  suite->judge.stop_on_failure = judge.value("stop_on_failure").toBool();
  suite->judge.checker_path = judge.value("checker_path").toString();
  return true;
}

bool TestSuiteStore::save(const QString& source_path, const TestSuite& suite,
                          QString* error) const {
  const QString path = fileFor(source_path);
  if (suite.isEmpty()) {
    if (!QFile::exists(path) || QFile::remove(path)) return true;
    *error = QObject::tr("cannot remove %1 (the test cases of %2); remove it by hand")
                 .arg(path, source_path);
    return false;
  }
  QJsonArray cases;
  for (const TestCaseInput& t : suite.cases) {
    QJsonObject c{{"name", t.name}, {"stdin", t.stdin_text}};
    if (t.expected_stdout) c.insert("expected_stdout", *t.expected_stdout);
    cases.append(c);
  }
  QJsonObject judge{{"checker", suite.judge.checker},
                    {"tolerance", suite.judge.tolerance},
                    {"stop_on_failure", suite.judge.stop_on_failure}};
  if (!suite.judge.checker_path.isEmpty()) judge.insert("checker_path", suite.judge.checker_path);
  const QJsonObject o{
      {"version", kFormatVersion},
      {"source", QFileInfo(source_path).absoluteFilePath()},  // for a person looking at the file
      {"judge", judge},
      {"cases", cases}};
  QSaveFile file(path);
  if (!QDir().mkpath(dir_) || !file.open(QIODevice::WriteOnly) ||
      file.write(QJsonDocument(o).toJson(QJsonDocument::Compact)) < 0 || !file.commit()) {
    *error = QObject::tr(
                 "cannot save the test cases of %1 to %2: %3; check that the folder is "
                 "writable")
                 .arg(source_path, path, file.errorString());
    return false;
  }
  return true;
}

}  // namespace polyrun::gui
