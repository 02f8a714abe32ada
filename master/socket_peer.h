#pragma once

#include <memory>

#include "peer.h"
#include "polyrun/framed_socket.h"

namespace polyrun::master {

/// A Peer over a framed TCP connection; the connection's own thread reads from `socket()`.
class SocketPeer final : public Peer {
 public:
  SocketPeer(const Poco::Net::StreamSocket& socket, size_t max_frame_bytes)
      : socket_(socket, max_frame_bytes) {}
  void send(const nlohmann::json& message) override { socket_.send(message); }
  void close() override { socket_.shutdown(); }
  std::string address() const override { return socket_.peerAddress(); }
  FramedSocket& socket() { return socket_; }

 private:
  FramedSocket socket_;
};

}  // namespace polyrun::master
