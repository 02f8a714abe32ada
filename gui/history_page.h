// The History page: this session's runs (a HistoryModel) in a sortable table, newest on top,
// with "Show result" and "Load program into editor". It only asks: a double click, Return or
// the buttons signal which run was meant, and the window decides what showing or loading means.
// The page keeps nothing of its own; what it lists, and how long, is the HistoryModel's.
#pragma once

#include <QWidget>

class QModelIndex;
class QSortFilterProxyModel;
class QTableView;

namespace polyrun::gui {

class HistoryModel;

class HistoryPage : public QWidget {
  Q_OBJECT

 public:
  /// `history` is not owned and must outlive the page.
  explicit HistoryPage(HistoryModel* history, QWidget* parent = nullptr);

  /// The HistoryModel row of the view's current row (not the sorted view's row); -1 when none.
  int selectedRow() const;
  QTableView* view() const { return view_; }

 signals:
  /// Run `row` (a HistoryModel row) was activated (double click, Return) or "Show result" was
  /// pressed on it. Never emitted without a run.
  void showRunRequested(int row);
  /// "Load program into editor" was pressed on run `row` (a HistoryModel row).
  void loadRunRequested(int row);

 private:
  int rowAt(const QModelIndex& proxy_index) const;

  QSortFilterProxyModel* proxy_;
  QTableView* view_;
};

}  // namespace polyrun::gui
