// The file behind the Run page's editor: open, save, save as, the recent files, and the
// question about unsaved changes. It owns the editor's path (empty for an unsaved buffer); the
// editor's document owns the dirty state (isModified). The dialog variants are for the menus;
// openFile() and saveToFile() never show one, so main() and tests may call them.
#pragma once

#include <QObject>
#include <QString>

class QMenu;
class QWidget;

namespace polyrun::gui {

class ClientSettings;
class CodeEditor;
class MessageLog;
class RuntimesModel;

class FileActions : public QObject {
  Q_OBJECT

 public:
  /// Sources larger than a frame could never be submitted (the master's default frame limit).
  static constexpr qint64 kMaxSourceBytes = 16 << 20;

  /// Nothing is owned; all must outlive this object. `dialog_parent` parents the file dialogs
  /// and the unsaved-changes question.
  FileActions(CodeEditor* editor, RuntimesModel* runtimes, ClientSettings* settings,
              MessageLog* messages, QWidget* dialog_parent);

  /// Absolute path of the file in the editor; empty for an unsaved buffer.
  QString currentPath() const { return current_path_; }
  /// Makes `path` the editor's file without reading or writing it (empty: an unsaved buffer,
  /// e.g. a new one or a run loaded from the history). Emits pathChanged().
  void setCurrentPath(const QString& path);
  /// True when the last change of currentPath() kept the editor's content (a save, possibly
  /// under a new name); false when it came with other content (open, a new buffer).
  bool pathKeptContent() const { return content_kept_; }
  /// True when the editor holds nothing of the user's: no file and no unsaved change.
  bool isPristine() const;
  /// The extension (".py") Save As suggests for an unsaved buffer: the selected language's.
  void setDefaultExtension(const QString& extension) { default_extension_ = extension; }

  /// Loads `path` into the editor, highlighted by its extension, and remembers it among the
  /// recent files. False, with the reason in the message log, when unreadable or too large.
  bool openFile(const QString& path);
  /// Writes the editor to `path` (atomically) and makes it the current file. No dialog.
  bool saveToFile(const QString& path);
  /// Asks whether to save unsaved changes; false when the user cancels.
  bool maybeSave();
  bool save();
  bool saveAs();
  /// Asks about unsaved changes, then for a file to open.
  void openWithDialog();
  /// Asks about unsaved changes, then opens `path`; one that cannot be opened is forgotten.
  void openRecent(const QString& path);
  /// Fills `menu` with the recent files (for its aboutToShow).
  void fillRecentMenu(QMenu* menu);

 signals:
  /// currentPath() was set (it may be the same path again).
  void pathChanged();
  /// `path` was opened or saved: the language should follow its extension.
  void fileChanged(const QString& path);
  /// A short confirmation for a status bar ("Saved /tmp/a.py").
  void statusMessage(const QString& text);

 private:
  CodeEditor* editor_;
  RuntimesModel* runtimes_;
  ClientSettings* settings_;
  MessageLog* messages_;
  QWidget* dialog_parent_;
  QString current_path_;
  bool content_kept_ = false;
  QString default_extension_;
};

}  // namespace polyrun::gui
