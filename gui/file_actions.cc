#include "file_actions.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>

#include "client_settings.h"
#include "code_editor.h"
#include "format.h"
#include "language_support.h"
#include "message_log.h"
#include "runtimes_model.h"

namespace polyrun::gui {

using Severity = MessageLog::Severity;

FileActions::FileActions(CodeEditor* editor, RuntimesModel* runtimes, ClientSettings* settings,
                         MessageLog* messages, QWidget* dialog_parent)
    : QObject(dialog_parent),
      editor_(editor),
      runtimes_(runtimes),
      settings_(settings),
      messages_(messages),
      dialog_parent_(dialog_parent) {}

void FileActions::setCurrentPath(const QString& path) {
  current_path_ = path.isEmpty() ? QString() : QFileInfo(path).absoluteFilePath();
  content_kept_ = false;
  emit pathChanged();
}

bool FileActions::isPristine() const {
  return current_path_.isEmpty() && !editor_->document()->isModified();
}

bool FileActions::openFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    messages_->add(
        Severity::kError,
        tr("Cannot open %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    return false;
  }
  if (file.size() > kMaxSourceBytes) {
    messages_->add(Severity::kError,
                   tr("%1 is %2, more than a job may hold (%3)")
                       .arg(QDir::toNativeSeparators(path), formatBytes(double(file.size())),
                            formatBytes(double(kMaxSourceBytes))));
    return false;
  }
  const QString suffix = QFileInfo(path).suffix();
  // Highlight by extension at once, even before the master's runtimes say which language it is.
  const Runtime* known = runtimes_->runtimeAt(runtimes_->rowForExtension(suffix));
  const SyntaxFamily family = known ? syntaxFamilyOf(*known) : syntaxFamilyForExtension(suffix);
  current_path_ = QFileInfo(path).absoluteFilePath();
  content_kept_ = false;
  editor_->setSyntax(family);
  editor_->setPlainText(QString::fromUtf8(file.readAll()));
  editor_->document()->setModified(false);
  emit pathChanged();
  settings_->addRecentFile(current_path_);
  emit statusMessage(tr("Opened %1").arg(QDir::toNativeSeparators(current_path_)));
  emit fileChanged(current_path_);
  return true;
}

bool FileActions::saveToFile(const QString& path) {
  // QSaveFile writes a temporary file and renames it: a failed save never truncates the original.
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(editor_->toPlainText().toUtf8()) < 0 ||
      !file.commit()) {
    messages_->add(
        Severity::kError,
        tr("Cannot save %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    return false;
  }
  current_path_ = QFileInfo(path).absoluteFilePath();
  content_kept_ = true;
  editor_->document()->setModified(false);
  emit pathChanged();
  settings_->addRecentFile(current_path_);
  emit fileChanged(current_path_);
  emit statusMessage(tr("Saved %1").arg(QDir::toNativeSeparators(current_path_)));
  return true;
}

bool FileActions::maybeSave() {
  if (!editor_->document()->isModified()) return true;
  const auto answer = QMessageBox::question(
      dialog_parent_, tr("Unsaved changes"), tr("The program has unsaved changes. Save them?"),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Save) return save();
  return answer == QMessageBox::Discard;
}

bool FileActions::save() { return current_path_.isEmpty() ? saveAs() : saveToFile(current_path_); }

bool FileActions::saveAs() {
  QString suggestion = current_path_;
  if (suggestion.isEmpty())
    suggestion = QDir::current().filePath(suggestedFileName(editor_->syntax(), default_extension_));
  const QString path =
      QFileDialog::getSaveFileName(dialog_parent_, tr("Save source file"), suggestion);
  return !path.isEmpty() && saveToFile(path);
}

void FileActions::openWithDialog() {
  if (!maybeSave()) return;
  QStringList patterns;
  for (const Runtime& r : runtimes_->runtimes()) {
    for (const QString& ext : r.extensions) patterns << '*' + ext;
  }
  patterns.removeDuplicates();
  QString filter = tr("All files (*)");
  if (!patterns.isEmpty()) filter.prepend(tr("Sources (%1);;").arg(patterns.join(' ')));
  const QString dir =
      current_path_.isEmpty() ? QDir::currentPath() : QFileInfo(current_path_).path();
  const QString path =
      QFileDialog::getOpenFileName(dialog_parent_, tr("Open source file"), dir, filter);
  if (!path.isEmpty()) openFile(path);
}

void FileActions::openRecent(const QString& path) {
  if (!maybeSave()) return;
  if (!openFile(path)) settings_->removeRecentFile(path);  // gone or unreadable: forget it
}

void FileActions::fillRecentMenu(QMenu* menu) {
  menu->clear();
  const QStringList files = settings_->recentFiles();
  for (int i = 0; i < files.size(); ++i) {
    const QString path = files[i];
    QAction* a = menu->addAction(
        QStringLiteral("&%1 %2").arg((i + 1) % 10).arg(QDir::toNativeSeparators(path)));
    connect(a, &QAction::triggered, this, [this, path] { openRecent(path); });
  }
  if (files.isEmpty()) {
    menu->addAction(tr("No recent files"))->setEnabled(false);
    return;
  }
  menu->addSeparator();
  menu->addAction(tr("&Clear list"), this, [this] { settings_->clearRecentFiles(); });
}

}  // namespace polyrun::gui
