// A TCP connection that carries frames (frame.h). Used by the master for every peer and by the
// slave for its link to the master. Any thread may send (sends are serialised); exactly one
// thread reads.
#pragma once

#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "polyrun/export.h"
#include "polyrun/frame.h"

namespace polyrun {

class POLYRUN_API FramedSocket {
 public:
  /// `tls`: the socket is a Poco SecureStreamSocket (polyrun/tls.h). Its one SSL object must not
  /// be used by two threads at once, so reads and sends are then serialised.
  FramedSocket(const Poco::Net::StreamSocket& socket, size_t max_frame_bytes, bool tls = false);
  FramedSocket(const FramedSocket&) = delete;
  FramedSocket& operator=(const FramedSocket&) = delete;

  /// Sends one message. False when the connection is broken (it is then shut down).
  bool send(const nlohmann::json& message);

  enum class ReadStatus { kMessage, kTimeout, kClosed, kBadFrame };
  /// Waits at most `timeout` for the next message. kBadFrame: *error says what was wrong;
  /// kClosed: the peer closed or the connection broke (*error says which).
  ReadStatus read(nlohmann::json* out, Poco::Timespan timeout, std::string* error);

  /// Unblocks a reader and fails later sends. Thread-safe, idempotent.
  void shutdown();
  bool isShutDown() const;

  /// "host:port" of the peer, fixed at construction.
  const std::string& peerAddress() const { return peer_; }

 private:
  void shutdownLocked();

  Poco::Net::StreamSocket socket_;
  const bool tls_;
  std::mutex io_mutex_;  // with TLS: held around each receive and send of the SSL object
  FrameReader reader_;
  std::string peer_;
  mutable std::mutex send_mutex_;  // guards sending and closed_
  bool closed_ = false;
};

}  // namespace polyrun
