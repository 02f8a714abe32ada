#include "fake_master.h"

#include <QHostAddress>

namespace polyrun::gui::test {

QByteArray frameBytes(const nlohmann::json& message) {
  const std::string frame = encodeFrame(message);
  return QByteArray(frame.data(), static_cast<qsizetype>(frame.size()));
}

FakeMaster::FakeMaster(QObject* parent) : QObject(parent) {
  connect(&server_, &QTcpServer::newConnection, this, &FakeMaster::onNewConnection);
}

bool FakeMaster::listen(quint16 port) { return server_.listen(QHostAddress::LocalHost, port); }

bool FakeMaster::hasClient() const {
  return client_ && client_->state() == QAbstractSocket::ConnectedState;
}

std::vector<nlohmann::json> FakeMaster::receivedOfType(std::string_view type) const {
  std::vector<nlohmann::json> out;
  for (const auto& m : received_) {
    if (m.value("type", "") == type) out.push_back(m);
  }
  return out;
}

void FakeMaster::send(const nlohmann::json& message) { sendBytes(frameBytes(message)); }

void FakeMaster::sendBytes(const QByteArray& bytes) {
  if (!client_) return;
  client_->write(bytes);
  client_->flush();
}

void FakeMaster::closeClient() {
  if (client_) client_->close();
}

void FakeMaster::onNewConnection() {
  while (QTcpSocket* socket = server_.nextPendingConnection()) {
    // One client at a time is all the tests need: a new connection replaces the old one.
    if (client_) client_->deleteLater();
    client_ = socket;
    reader_ = FrameReader();
    ++connection_count_;
    connect(socket, &QTcpSocket::readyRead, this, &FakeMaster::onReadyRead);
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    emit clientConnected();
  }
}

void FakeMaster::onReadyRead() {
  auto* socket = qobject_cast<QTcpSocket*>(sender());
  if (socket != client_) return;
  const QByteArray bytes = socket->readAll();
  if (!reader_.feed(bytes.constData(), static_cast<size_t>(bytes.size()))) {
    qWarning("fake master: client sent a malformed frame: %s", reader_.error().c_str());
    socket->close();
    return;
  }
  nlohmann::json message;
  while (reader_.next(&message)) {
    received_.push_back(message);
    if (responder_) responder_(*this, message);
    emit messageReceived();
  }
}

}  // namespace polyrun::gui::test
