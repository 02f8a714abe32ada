// connection_status: the status bar's line, colour and label for each state of the connection,
// and the notices its coming and going leave in the message log — a master never reached, a
// loss, retries, the return, a disconnect asked for, another master — with no connection at all.
#include "connection_status.h"

#include <QtTest>

using namespace polyrun::gui;
using State = MasterConnection::State;
using Severity = MessageLog::Severity;

namespace {

const QString kWhere = "127.0.0.1:7400";
// What every failed attempt with "Connection refused" says, so the log folds them into one line.
const QString kCannotReach =
    "Cannot reach the master at 127.0.0.1:7400 (Connection refused); retrying…";
const QString kBack = "Connected to 127.0.0.1:7400 again.";

ConnectionFacts facts(State state, const QString& last_error = {}, int reconnect_delay_ms = 0) {
  return {state, "127.0.0.1", 7400, last_error, reconnect_delay_ms};
}

}  // namespace

class ConnectionStatusTest : public QObject {
  Q_OBJECT

 private slots:
  void stateTextForEachState();
  void retryCountdownIsInWholeSecondsRoundedUp();
  void colourAndLabelForEachState();
  void masterNeverReachedThenReached();
  void lossThenRetriesThenBack();
  void disconnectOnRequestIsOnlySaid();
  void anotherMasterStartsAfresh();
};

void ConnectionStatusTest::stateTextForEachState() {
  QCOMPARE(masterAddressText("127.0.0.1", 7400), kWhere);
  QCOMPARE(connectionStateText(facts(State::kDisconnected)), QString("not connected"));
  QCOMPARE(connectionStateText(facts(State::kDisconnected, "the master closed the connection")),
           QString("disconnected: the master closed the connection"));
  QCOMPARE(connectionStateText(facts(State::kConnecting)),
           QString("connecting to 127.0.0.1:7400…"));
  QCOMPARE(connectionStateText(facts(State::kConnected)), QString("connected to 127.0.0.1:7400"));
  QCOMPARE(connectionStateText(facts(State::kWaitingToReconnect, "Connection refused", 2000)),
           QString("cannot reach 127.0.0.1:7400 (Connection refused); retrying in 2 s"));
}

void ConnectionStatusTest::retryCountdownIsInWholeSecondsRoundedUp() {
  const auto seconds = [](int delay_ms) {
    return connectionStateText(facts(State::kWaitingToReconnect, "refused", delay_ms));
  };
  QVERIFY(seconds(0).endsWith("retrying in 1 s"));  // the timer is due: never "0 s"
  QVERIFY(seconds(1).endsWith("retrying in 1 s"));
  QVERIFY(seconds(1000).endsWith("retrying in 1 s"));
  QVERIFY(seconds(1001).endsWith("retrying in 2 s"));
  QVERIFY(seconds(9500).endsWith("retrying in 10 s"));
}

void ConnectionStatusTest::colourAndLabelForEachState() {
  QCOMPARE(connectionStateColor(State::kConnected).name(), QString("#2e7d32"));
  QCOMPARE(connectionStateColor(State::kConnecting).name(), QString("#ef6c00"));
  QCOMPARE(connectionStateColor(State::kWaitingToReconnect).name(), QString("#ef6c00"));
  QCOMPARE(connectionStateColor(State::kDisconnected).name(), QString("#9e9e9e"));
  QCOMPARE(connectionLabelHtml(State::kConnected, "connected to 127.0.0.1:7400"),
           QString("<span style=\"color:#2e7d32\">●</span> connected to 127.0.0.1:7400"));
  // The reason comes from the network or the master: shown as text, never as markup.
  QCOMPARE(connectionLabelHtml(State::kDisconnected, "disconnected: <b>bad</b> & gone"),
           QString("<span style=\"color:#9e9e9e\">●</span> disconnected: &lt;b&gt;bad&lt;/b&gt; "
                   "&amp; gone"));
}

void ConnectionStatusTest::masterNeverReachedThenReached() {
  ConnectionNotices notices;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const ConnectionNotice n = notices.disconnected(kWhere, "Connection refused", true);
    QCOMPARE(n.severity, Severity::kWarning);
    QCOMPARE(n.text, kCannotReach);
  }
  const auto back = notices.connected(kWhere);
  QVERIFY(back.has_value());
  QCOMPARE(back->severity, Severity::kInfo);
  QCOMPARE(back->text, kBack);
  // Said once: the next connection without trouble in between is silent.
  QVERIFY(!notices.connected(kWhere).has_value());
}

void ConnectionStatusTest::lossThenRetriesThenBack() {
  ConnectionNotices notices;
  QVERIFY(!notices.connected(kWhere).has_value());  // a first connection is not news
  const ConnectionNotice lost =
      notices.disconnected(kWhere, "the master closed the connection", true);
  QCOMPARE(lost.severity, Severity::kWarning);
  QCOMPARE(lost.text, QString("Connection to 127.0.0.1:7400 lost (the master closed the "
                              "connection); reconnecting…"));
  // The retries that follow are attempts, not more losses.
  QCOMPARE(notices.disconnected(kWhere, "Connection refused", true).text, kCannotReach);
  QCOMPARE(notices.connected(kWhere).value_or(ConnectionNotice{}).text, kBack);
  // Lost again later: a loss again.
  QVERIFY(notices.disconnected(kWhere, "timeout", true).text.contains("lost (timeout)"));
}

void ConnectionStatusTest::disconnectOnRequestIsOnlySaid() {
  ConnectionNotices notices;
  notices.connected(kWhere);
  const ConnectionNotice bye = notices.disconnected(kWhere, "disconnected on request", false);
  QCOMPARE(bye.severity, Severity::kInfo);
  QCOMPARE(bye.text, QString("Disconnected from 127.0.0.1:7400."));
  // Not trouble: connecting again is not news, and a later failure is still a loss.
  QVERIFY(!notices.connected(kWhere).has_value());
  QVERIFY(notices.disconnected(kWhere, "reset", true).text.startsWith("Connection to"));
}

void ConnectionStatusTest::anotherMasterStartsAfresh() {
  ConnectionNotices notices;
  notices.connected(kWhere);
  notices.forgetConnected();  // Connection > Settings: another address
  const QString other = masterAddressText("10.0.0.9", 7500);
  QCOMPARE(notices.disconnected(other, "No route to host", true).text,
           QString("Cannot reach the master at 10.0.0.9:7500 (No route to host); retrying…"));
}

QTEST_GUILESS_MAIN(ConnectionStatusTest)
#include "connection_status_test.moc"
