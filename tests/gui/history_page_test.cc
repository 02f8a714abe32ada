// HistoryPage on the offscreen platform, with a HistoryModel and no window: newest run on top,
// rows that follow the model, and which run a double click, Return or the buttons name (a
// HistoryModel row, whatever the view's sort order).
#include "history_page.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

#include "canned_replies.h"
#include "history_model.h"

using namespace polyrun::gui;
using polyrun::gui::test::pythonJob;

namespace {

constexpr int kTimeoutMs = 5000;

// `count` more runs, added as the Run page adds them: run N has request id and stdin "N" and is
// model row N - 1.
void addRuns(HistoryModel& history, int count) {
  for (int i = 0; i < count; ++i) {
    const QString n = QString::number(history.rowCount() + 1);
    history.addRun(n, pythonJob(n), QDateTime::currentDateTime());
  }
}

int numberAt(const QTableView& view, int view_row) {
  return view.model()->index(view_row, HistoryModel::kNumber).data().toInt();
}

QPushButton* button(HistoryPage& page, const char* name) {
  auto* b = page.findChild<QPushButton*>(QString::fromLatin1(name));
  if (!b) qFatal("no button named %s", name);
  return b;
}

}  // namespace

class HistoryPageTest : public QObject {
  Q_OBJECT

 private slots:
  void newestRunIsOnTopAndRowsFollowTheModel();
  void returnAndDoubleClickAskToShowTheRun();
  void buttonsNameTheSelectedRun();
  void buttonsWithoutASelectionAskNothing();
};

void HistoryPageTest::newestRunIsOnTopAndRowsFollowTheModel() {
  HistoryModel history;
  addRuns(history, 3);
  HistoryPage page(&history);
  QTableView* view = page.view();
  QCOMPARE(view->objectName(), QString("historyView"));
  QCOMPARE(view->model()->rowCount(), 3);
  QCOMPARE(numberAt(*view, 0), 3);
  QCOMPARE(numberAt(*view, 2), 1);

  // A run added later goes on top; a change of a run shows in its row.
  addRuns(history, 1);
  QCOMPARE(view->model()->rowCount(), 4);
  QCOMPARE(numberAt(*view, 0), 4);
  history.setStopped("1", 20);  // run 1: the last row
  QCOMPARE(view->model()->index(3, HistoryModel::kStatus).data().toString(), QString("stopped"));
}

void HistoryPageTest::returnAndDoubleClickAskToShowTheRun() {
  HistoryModel history;
  addRuns(history, 3);
  HistoryPage page(&history);
  QSignalSpy show(&page, &HistoryPage::showRunRequested);
  QSignalSpy load(&page, &HistoryPage::loadRunRequested);
  page.resize(900, 400);
  page.show();
  QVERIFY(QTest::qWaitForWindowExposed(&page, kTimeoutMs));
  QTableView* view = page.view();

  // The oldest run is the last row of the view and row 0 of the model.
  const QModelIndex oldest = view->model()->index(2, HistoryModel::kStatus);
  view->setFocus();
  view->setCurrentIndex(oldest);
  QTest::keyClick(view, Qt::Key_Return);
  QCOMPARE(show.count(), 1);
  QCOMPARE(show.at(0).at(0).toInt(), 0);

  const QModelIndex newest = view->model()->index(0, HistoryModel::kNumber);
  const QPoint at = view->visualRect(newest).center();
  QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
  QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, at);
  QCOMPARE(show.count(), 2);
  QCOMPARE(show.at(1).at(0).toInt(), 2);
  QCOMPARE(load.count(), 0);
}

void HistoryPageTest::buttonsNameTheSelectedRun() {
  HistoryModel history;
  addRuns(history, 4);
  HistoryPage page(&history);
  QSignalSpy show(&page, &HistoryPage::showRunRequested);
  QSignalSpy load(&page, &HistoryPage::loadRunRequested);
  QTableView* view = page.view();

  // Run 3: row 1 of the view (newest first), row 2 of the model.
  view->setCurrentIndex(view->model()->index(1, HistoryModel::kNumber));
  QCOMPARE(numberAt(*view, 1), 3);
  QCOMPARE(page.selectedRow(), 2);
  button(page, "showRunButton")->click();
  QCOMPARE(show.count(), 1);
  QCOMPARE(show.at(0).at(0).toInt(), 2);
  button(page, "loadRunButton")->click();
  QCOMPARE(load.count(), 1);
  QCOMPARE(load.at(0).at(0).toInt(), 2);
  QCOMPARE(history.record(load.at(0).at(0).toInt())->request.stdin_text, QString("3"));

  // Sorted the other way the same run is still meant.
  view->sortByColumn(HistoryModel::kNumber, Qt::AscendingOrder);
  QCOMPARE(numberAt(*view, 2), 3);
  QCOMPARE(page.selectedRow(), 2);
  button(page, "loadRunButton")->click();
  QCOMPARE(load.count(), 2);
  QCOMPARE(load.at(1).at(0).toInt(), 2);
}

void HistoryPageTest::buttonsWithoutASelectionAskNothing() {
  HistoryModel history;
  HistoryPage page(&history);
  QSignalSpy show(&page, &HistoryPage::showRunRequested);
  QSignalSpy load(&page, &HistoryPage::loadRunRequested);
  QCOMPARE(page.selectedRow(), -1);
  button(page, "showRunButton")->click();
  button(page, "loadRunButton")->click();
  addRuns(history, 2);  // runs, but none chosen
  button(page, "showRunButton")->click();
  button(page, "loadRunButton")->click();
  QCOMPARE(show.count(), 0);
  QCOMPARE(load.count(), 0);
}

QTEST_MAIN(HistoryPageTest)
#include "history_page_test.moc"
