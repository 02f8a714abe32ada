// What the GUI remembers between sessions (QSettings): the master's address and token, recent
// files, editor and window preferences, the last limits. Widget-free, so tests and main() use it
// without a window; tests give it a file of their own.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <memory>

#include "client_types.h"
#include "master_address.h"

class QSettings;

namespace polyrun::gui {

/// Where and how to connect.
struct ConnectionSettings {
  QString host = QString::fromLatin1(kDefaultMasterHost);
  quint16 port = kDefaultMasterPort;
  /// The client API token (master.client.tokens); empty for none. Stored in plain text in the
  /// settings file, like an ssh config's user name: keep the file private.
  QString token;

  bool operator==(const ConnectionSettings&) const = default;
};

class ClientSettings {
 public:
  static constexpr int kMaxRecentFiles = 10;
  static constexpr int kDefaultTabWidth = 4;

  /// The application's settings (QCoreApplication organization and application names).
  ClientSettings();
  /// Settings kept in an INI file at `path` (tests; a portable install).
  explicit ClientSettings(const QString& path);
  ~ClientSettings();
  ClientSettings(const ClientSettings&) = delete;
  ClientSettings& operator=(const ClientSettings&) = delete;

  ConnectionSettings connection() const;
  void setConnection(const ConnectionSettings& connection);

  /// Most recent first; at most kMaxRecentFiles, no duplicates.
  QStringList recentFiles() const;
  /// Puts `path` (made absolute) at the top of the list.
  void addRecentFile(const QString& path);
  void removeRecentFile(const QString& path);
  void clearRecentFiles();

  /// Columns per tab stop in the editor, 1..16.
  int tabWidth() const;
  void setTabWidth(int columns);

  RunLimits limits() const;
  void setLimits(const RunLimits& limits);

  /// "python" or "python 3.11.2": the language picked last, to pick again on the next start.
  QString lastLanguage() const;
  void setLastLanguage(const QString& language);

  QByteArray windowGeometry() const;
  void setWindowGeometry(const QByteArray& geometry);
  QByteArray windowState() const;
  void setWindowState(const QByteArray& state);

  /// The folder where the Tests panel keeps each source file's cases (test_suite_store.h):
  /// `tests/` in the application's data folder (~/.local/share/polyrun/polyrun-gui/tests), or
  /// beside the INI file of ClientSettings(path). Not created here.
  QString testsDir() const { return tests_dir_; }

  /// Writes pending changes to storage now (QSettings otherwise does it later).
  void sync();

 private:
  std::unique_ptr<QSettings> settings_;
  QString tests_dir_;
};

}  // namespace polyrun::gui
