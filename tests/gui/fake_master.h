// A fake master for the GUI tests: a real QTcpServer on loopback port 0 that speaks the frame
// protocol, records what clients send and sends whatever a test tells it to, whole or in pieces.
// A fake rather than a mock: the client under test talks to a real socket.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "polyrun/frame.h"

namespace polyrun::gui::test {

/// The bytes of one frame holding `message`.
QByteArray frameBytes(const nlohmann::json& message);

class FakeMaster : public QObject {
  Q_OBJECT

 public:
  /// Called for every message a client sends, after it is recorded; may send() replies.
  using Responder = std::function<void(FakeMaster& master, const nlohmann::json& message)>;

  explicit FakeMaster(QObject* parent = nullptr);

  /// Listens on 127.0.0.1 at `port` (0: any free port).
  bool listen(quint16 port = 0);
  /// Stops accepting; an accepted client stays connected.
  void stopListening() { server_.close(); }
  quint16 port() const { return server_.serverPort(); }

  /// Connections accepted so far (a reconnect makes it grow).
  int connectionCount() const { return connection_count_; }
  /// True while the latest accepted client is connected.
  bool hasClient() const;
  /// Every message received, from every connection, in order.
  const std::vector<nlohmann::json>& received() const { return received_; }
  std::vector<nlohmann::json> receivedOfType(std::string_view type) const;

  void setResponder(Responder responder) { responder_ = std::move(responder); }
  /// Sends to the latest client: one whole frame, or raw bytes (parts of frames, garbage).
  void send(const nlohmann::json& message);
  void sendBytes(const QByteArray& bytes);
  /// Closes the latest client's connection, as a master going away would.
  void closeClient();

 signals:
  void clientConnected();
  void messageReceived();

 private:
  void onNewConnection();
  void onReadyRead();

  QTcpServer server_;
  QPointer<QTcpSocket> client_;
  FrameReader reader_;
  int connection_count_ = 0;
  std::vector<nlohmann::json> received_;
  Responder responder_;
};

}  // namespace polyrun::gui::test
