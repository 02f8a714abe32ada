// ConnectionDialog: shows the given settings, returns what the fields say, refuses an empty host.
#include "connection_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QtTest>

using namespace polyrun::gui;

class ConnectionDialogTest : public QObject {
  Q_OBJECT

 private slots:
  void editsTheSettings();
  void emptyHostCannotBeAccepted();
};

void ConnectionDialogTest::editsTheSettings() {
  ConnectionDialog dialog({"master.lan", 7500, "s3cret"});
  auto* host = dialog.findChild<QLineEdit*>("hostEdit");
  auto* port = dialog.findChild<QSpinBox*>("portSpin");
  auto* token = dialog.findChild<QLineEdit*>("tokenEdit");
  QCOMPARE(host->text(), QString("master.lan"));
  QCOMPARE(port->value(), 7500);
  QCOMPARE(token->text(), QString("s3cret"));
  QCOMPARE(token->echoMode(), QLineEdit::Password);  // not shown over a shoulder

  host->setText("  10.0.0.9 ");
  port->setValue(7401);
  token->clear();
  QCOMPARE(dialog.settings(), (ConnectionSettings{"10.0.0.9", 7401, {}}));
  QVERIFY(dialog.isAcceptable());
}

void ConnectionDialogTest::emptyHostCannotBeAccepted() {
  ConnectionDialog dialog({});
  auto* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
  QVERIFY(ok->isEnabled());
  dialog.findChild<QLineEdit*>("hostEdit")->setText("   ");
  QVERIFY(!dialog.isAcceptable());
  QVERIFY(!ok->isEnabled());
  QVERIFY(!dialog.findChild<QLabel*>("problemLabel")->text().isEmpty());
}

QTEST_MAIN(ConnectionDialogTest)
#include "connection_dialog_test.moc"
