#include "client_settings.h"

#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <algorithm>

namespace polyrun::gui {
namespace {

// Keys in one place: renaming one would silently forget a user's setting.
constexpr char kHostKey[] = "connection/host";
constexpr char kPortKey[] = "connection/port";
constexpr char kTokenKey[] = "connection/token";
constexpr char kRecentFilesKey[] = "files/recent";
constexpr char kTabWidthKey[] = "editor/tabWidth";
constexpr char kLanguageKey[] = "editor/language";
constexpr char kWallKey[] = "limits/wallMs";
constexpr char kCpuKey[] = "limits/cpuMs";
constexpr char kMemoryKey[] = "limits/memoryBytes";
constexpr char kGeometryKey[] = "window/geometry";
constexpr char kStateKey[] = "window/state";

}  // namespace

ClientSettings::ClientSettings()
    : settings_(std::make_unique<QSettings>()),
      tests_dir_(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                 QStringLiteral("/tests")) {}

ClientSettings::ClientSettings(const QString& path)
    : settings_(std::make_unique<QSettings>(path, QSettings::IniFormat)),
      tests_dir_(QFileInfo(path).absolutePath() + QStringLiteral("/tests")) {}

ClientSettings::~ClientSettings() = default;

ConnectionSettings ClientSettings::connection() const {
  ConnectionSettings c;
  c.host = settings_->value(kHostKey, c.host).toString();
  if (c.host.isEmpty()) c.host = QString::fromLatin1(kDefaultMasterHost);
  bool ok = false;
  const int port = settings_->value(kPortKey, c.port).toInt(&ok);
  if (ok && port > 0 && port <= 65535) c.port = quint16(port);  // a hand-edited file may lie
  c.token = settings_->value(kTokenKey).toString();
  return c;
}

void ClientSettings::setConnection(const ConnectionSettings& connection) {
  settings_->setValue(kHostKey, connection.host);
  settings_->setValue(kPortKey, connection.port);
  if (connection.token.isEmpty()) {
    settings_->remove(kTokenKey);
  } else {
    settings_->setValue(kTokenKey, connection.token);
  }
}

QStringList ClientSettings::recentFiles() const {
  QStringList files = settings_->value(kRecentFilesKey).toStringList();
  files.removeAll(QString());
  files.removeDuplicates();
  if (files.size() > kMaxRecentFiles) files.resize(kMaxRecentFiles);
  return files;
}

void ClientSettings::addRecentFile(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  QStringList files = recentFiles();
  files.removeAll(absolute);
  files.prepend(absolute);
  if (files.size() > kMaxRecentFiles) files.resize(kMaxRecentFiles);
  settings_->setValue(kRecentFilesKey, files);
}

void ClientSettings::removeRecentFile(const QString& path) {
  QStringList files = recentFiles();
  files.removeAll(QFileInfo(path).absoluteFilePath());
  files.removeAll(path);
  settings_->setValue(kRecentFilesKey, files);
}

void ClientSettings::clearRecentFiles() { settings_->remove(kRecentFilesKey); }

int ClientSettings::tabWidth() const {
  return std::clamp(settings_->value(kTabWidthKey, kDefaultTabWidth).toInt(), 1, 16);
}

void ClientSettings::setTabWidth(int columns) {
  settings_->setValue(kTabWidthKey, std::clamp(columns, 1, 16));
}

RunLimits ClientSettings::limits() const {
  RunLimits l;
  l.wall_ms = std::max<qint64>(0, settings_->value(kWallKey, 0).toLongLong());
  l.cpu_ms = std::max<qint64>(0, settings_->value(kCpuKey, 0).toLongLong());
  l.memory_bytes = std::max<qint64>(0, settings_->value(kMemoryKey, 0).toLongLong());
  return l;
}

void ClientSettings::setLimits(const RunLimits& limits) {
  settings_->setValue(kWallKey, limits.wall_ms);
  settings_->setValue(kCpuKey, limits.cpu_ms);
  settings_->setValue(kMemoryKey, limits.memory_bytes);
}

QString ClientSettings::lastLanguage() const { return settings_->value(kLanguageKey).toString(); }

void ClientSettings::setLastLanguage(const QString& language) {
  settings_->setValue(kLanguageKey, language);
}

QByteArray ClientSettings::windowGeometry() const {
  return settings_->value(kGeometryKey).toByteArray();
}

void ClientSettings::setWindowGeometry(const QByteArray& geometry) {
  settings_->setValue(kGeometryKey, geometry);
}

QByteArray ClientSettings::windowState() const { return settings_->value(kStateKey).toByteArray(); }

void ClientSettings::setWindowState(const QByteArray& state) {
  settings_->setValue(kStateKey, state);
}

void ClientSettings::sync() { settings_->sync(); }

}  // namespace polyrun::gui
