#include "runtimes_model.h"

#include <QVersionNumber>
#include <algorithm>

namespace polyrun::gui {

int RuntimesModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(runtimes_.size());
}

QVariant RuntimesModel::data(const QModelIndex& index, int role) const {
  const Runtime* r = runtimeAt(index.row());
  if (!index.isValid() || !r) return {};
  switch (role) {
    case Qt::DisplayRole:
      return r->version.isEmpty() ? r->language : r->language + ' ' + r->version;
    case Qt::ToolTipRole:
      return tr("%1 %2\naliases: %3\nextensions: %4\n%5, offered by %n slave(s)", nullptr,
                r->slaves)
          .arg(r->language, r->version, r->aliases.join(", "), r->extensions.join(" "),
               r->compiled ? tr("compiled") : tr("interpreted"));
    case kLanguageRole:
      return r->language;
    case kVersionRole:
      return r->version;
    case kAliasesRole:
      return r->aliases;
    case kExtensionsRole:
      return r->extensions;
    case kCompiledRole:
      return r->compiled;
    case kSlavesRole:
      return r->slaves;
    default:
      return {};
  }
}

QHash<int, QByteArray> RuntimesModel::roleNames() const {
  QHash<int, QByteArray> names = QAbstractListModel::roleNames();
  names.insert(kLanguageRole, "language");
  names.insert(kVersionRole, "version");
  names.insert(kAliasesRole, "aliases");
  names.insert(kExtensionsRole, "extensions");
  names.insert(kCompiledRole, "compiled");
  names.insert(kSlavesRole, "slaves");
  return names;
}

void RuntimesModel::setRuntimes(QList<Runtime> runtimes) {
  std::stable_sort(runtimes.begin(), runtimes.end(), [](const Runtime& a, const Runtime& b) {
    if (a.language != b.language) return a.language < b.language;
    return QVersionNumber::fromString(a.version) > QVersionNumber::fromString(b.version);
  });
  if (runtimes == runtimes_) return;
  beginResetModel();
  runtimes_ = std::move(runtimes);
  endResetModel();
}

const Runtime* RuntimesModel::runtimeAt(int row) const {
  if (row < 0 || row >= runtimes_.size()) return nullptr;
  return &runtimes_[row];
}

int RuntimesModel::rowForExtension(QString suffix) const {
  if (suffix.isEmpty()) return -1;
  if (!suffix.startsWith('.')) suffix.prepend('.');
  for (int row = 0; row < runtimes_.size(); ++row) {
    if (runtimes_[row].extensions.contains(suffix, Qt::CaseInsensitive)) return row;
  }
  return -1;
}

int RuntimesModel::rowOf(const QString& language, const QString& version) const {
  int first_of_language = -1;
  for (int row = 0; row < runtimes_.size(); ++row) {
    const Runtime& r = runtimes_[row];
    if (r.language != language && !r.aliases.contains(language)) continue;
    if (r.version == version) return row;
    if (first_of_language < 0) first_of_language = row;
  }
  return first_of_language;
}

}  // namespace polyrun::gui
