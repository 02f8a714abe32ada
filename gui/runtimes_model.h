// The languages and versions the cluster offers, for the language combo (and later an IDE's
// "new file" dialog). One row per runtime; the display text is "python 3.11.2".
#pragma once

#include <QAbstractListModel>
#include <QList>

#include "client_types.h"

namespace polyrun::gui {

class RuntimesModel : public QAbstractListModel {
  Q_OBJECT

 public:
  enum Role {
    kLanguageRole = Qt::UserRole + 1,  // QString, canonical name
    kVersionRole,                      // QString
    kAliasesRole,                      // QStringList
    kExtensionsRole,                   // QStringList, with the dot
    kCompiledRole,                     // bool
    kSlavesRole,                       // int
  };

  using QAbstractListModel::QAbstractListModel;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QHash<int, QByteArray> roleNames() const override;

  /// Replaces the list, sorted by language, newest version first. Does nothing (no reset, so
  /// views keep their selection) when the list is unchanged, which is the common case of polling.
  void setRuntimes(QList<Runtime> runtimes);
  const QList<Runtime>& runtimes() const { return runtimes_; }
  /// nullptr when `row` is out of range.
  const Runtime* runtimeAt(int row) const;

  /// First row (so the newest version) whose extensions include `suffix`, given with or without
  /// the dot, compared case-insensitively; -1 when none.
  int rowForExtension(QString suffix) const;
  /// Row of exactly language + version; failing that the first row of `language` (name or
  /// alias); -1 when the language is not offered.
  int rowOf(const QString& language, const QString& version = {}) const;

 private:
  QList<Runtime> runtimes_;
};

}  // namespace polyrun::gui
