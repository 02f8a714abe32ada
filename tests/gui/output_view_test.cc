// OutputView with outputs up to 16 MiB: a preview at once, "Show all" in chunks without
// stalling the window, long lines broken in the view only, Save writing the exact text.
#include "output_view.h"

#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include "stall_meter.h"

using namespace polyrun::gui;
using polyrun::gui::test::StallMeter;
using polyrun::gui::test::threadCpuNs;

namespace {

QString manyLines(qsizetype chars) {
  QString out;
  out.reserve(chars + 64);
  for (int i = 0; out.size() < chars; ++i) out += QStringLiteral("line %1 of output\n").arg(i);
  out.truncate(chars);
  return out;
}

}  // namespace

class OutputViewTest : public QObject {
  Q_OBJECT

 private slots:
  void smallTextIsShownWhole();
  void largeTextShowsAPreviewAtOnce();
  void showAllLoadsInChunksWithoutStalling();
  void longLinesAreBrokenOnlyInTheView();
  void saveWritesTheExactText();
};

void OutputViewTest::smallTextIsShownWhole() {
  OutputView v("stdoutView");
  v.setText("hello\nwörld ✓\n");
  QVERIFY(v.isComplete());
  QCOMPARE(v.textView()->toPlainText(), QString("hello\nwörld ✓\n"));
  QCOMPARE(v.textView()->objectName(), QString("stdoutView"));
  QVERIFY(v.textView()->isReadOnly());
  QVERIFY(v.textView()->textInteractionFlags() & Qt::TextSelectableByKeyboard);
  QVERIFY(v.findChild<QWidget*>("outputBar")->isHidden());
  v.clear();
  QCOMPARE(v.textView()->toPlainText(), QString());
}

void OutputViewTest::largeTextShowsAPreviewAtOnce() {
  OutputView v("stdoutView");
  v.resize(600, 400);
  v.show();
  QVERIFY(QTest::qWaitForWindowExposed(&v));
  const QString text = manyLines(16 << 20);
  const qint64 before = threadCpuNs();
  v.setText(text);
  QCoreApplication::processEvents();  // the first layout and paint count too
  const qint64 cost_ms = (threadCpuNs() - before) / 1'000'000;
  QVERIFY2(cost_ms < 300, qPrintable(QString::number(cost_ms)));
  QCOMPARE(v.shownChars(), OutputView::kPreviewChars);
  QVERIFY(!v.isComplete());
  QCOMPARE(v.text().size(), text.size());
  QVERIFY(!v.findChild<QWidget*>("outputBar")->isHidden());
  QVERIFY(v.findChild<QLabel*>("stdoutViewBar")->text().contains("Showing the first"));
  QVERIFY(v.findChild<QPushButton*>("stdoutViewShowAll")->isVisible());
  QCOMPARE(v.textView()->toPlainText(), text.left(OutputView::kPreviewChars));
}

void OutputViewTest::showAllLoadsInChunksWithoutStalling() {
  OutputView v("stdoutView");
  v.resize(600, 400);
  v.show();
  QVERIFY(QTest::qWaitForWindowExposed(&v));
  const QString text = manyLines(4 << 20);
  v.setText(text);
  QSignalSpy finished(&v, &OutputView::loadingFinished);
  StallMeter meter;
  QTest::mouseClick(v.findChild<QPushButton*>("stdoutViewShowAll"), Qt::LeftButton);
  QVERIFY(v.isLoading());
  QVERIFY(v.findChild<QLabel*>("stdoutViewBar")->text().contains("Loading"));
  QVERIFY(finished.wait(30'000));
  QVERIFY(v.isComplete());
  // Each chunk is one short turn of the event loop; the timer kept ticking in between.
  QVERIFY2(meter.longestStallMs() < 150, qPrintable(QString::number(meter.longestStallMs())));
  qInfo("loaded %lld chars, %d timer ticks, longest stall %lld ms", qlonglong(text.size()),
        meter.ticks(), meter.longestStallMs());
  QCOMPARE(v.textView()->toPlainText(), text);
  QVERIFY(v.findChild<QWidget*>("outputBar")->isHidden());
}

void OutputViewTest::longLinesAreBrokenOnlyInTheView() {
  OutputView v("stdoutView");
  // One line of 12 000 characters, with a surrogate pair straddling the first break point.
  QString line(OutputView::kMaxLineChars - 1, 'a');
  line += QString::fromUtf8("😀");  // two UTF-16 units
  line += QString(12'000 - line.size(), 'b');
  v.setText(line + "\nshort\n");
  const QStringList shown = v.textView()->toPlainText().split('\n');
  QVERIFY(shown.size() >= 5);  // broken at least twice
  for (const QString& l : shown) QVERIFY(l.size() <= OutputView::kMaxLineChars + 1);
  QVERIFY(v.textView()->toPlainText().contains(QString::fromUtf8("😀")));  // pair kept whole
  QVERIFY(v.findChild<QLabel*>("stdoutViewBar")->text().contains("broken"));
  QCOMPARE(v.text(), line + "\nshort\n");  // the text itself is untouched
}

void OutputViewTest::saveWritesTheExactText() {
  QTemporaryDir dir;
  OutputView v("stdoutView");
  QString text = manyLines(1 << 20);
  text += QString(20'000, 'z') + QString::fromUtf8(" ünïcödé\n");
  v.setText(text);
  const QString path = dir.filePath("out.txt");
  QVERIFY(v.saveTo(path));
  QFile file(path);
  QVERIFY(file.open(QIODevice::ReadOnly));
  QCOMPARE(QString::fromUtf8(file.readAll()), text);
  QVERIFY(!v.saveTo(dir.filePath("no/such/dir/out.txt")));
}

QTEST_MAIN(OutputViewTest)
#include "output_view_test.moc"
