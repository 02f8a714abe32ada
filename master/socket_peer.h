// A Peer over a TCP connection carrying frames (polyrun/frame.h), as the master needs it:
// - sends never block: any thread appends to an output buffer and writes what the socket takes
//   now; the connection's own thread writes the rest when the socket becomes writable. A peer
//   that lets more than `max_output_bytes` pile up is too slow and is disconnected.
// - reads time out twice over: `idle` while no frame has begun, `frame_timeout` for the rest of
//   a frame once its first byte arrived (slow senders cannot hold a thread forever).
// Exactly one thread (the connection's) calls read() and finish(); any thread may send/close.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "peer.h"
#include "polyrun/frame.h"

namespace polyrun::master {

class SocketPeer final : public Peer, public std::enable_shared_from_this<SocketPeer> {
 public:
  SocketPeer(const Poco::Net::StreamSocket& socket, size_t max_frame_bytes, size_t max_output_bytes);
  ~SocketPeer() override;
  SocketPeer(const SocketPeer&) = delete;
  SocketPeer& operator=(const SocketPeer&) = delete;

  void send(const nlohmann::json& message) override;
  void sendAll(const std::vector<nlohmann::json>& messages) override;
  void close() override;
  std::string address() const override { return address_; }
  /// True when the peer connects from 127.0.0.0/8 or ::1.
  bool isLoopback() const { return loopback_; }

  enum class ReadStatus {
    kMessage,    // *out holds the next message
    kIdle,       // no frame began within `idle`
    kSlowFrame,  // a frame began but did not complete within `frame_timeout`
    kBadFrame,   // malformed frame, or the peer closed in the middle of one; *error says which
    kClosed,     // the peer closed, the connection broke, or close() was called
  };
  ReadStatus read(nlohmann::json* out, std::chrono::milliseconds idle,
                  std::chrono::milliseconds frame_timeout, std::string* error);

  /// True when a whole message is already received: read() returns it without waiting.
  bool hasMessage();

  /// Writes what is still queued, waiting at most `timeout` for the socket, then shuts the
  /// connection down. The connection's last act.
  void finish(std::chrono::milliseconds timeout);

  /// Writes what sends queued, as far as the socket takes it now (OutputBatch's end).
  void flushQueued();

 private:
  void append(const std::string& frames);
  bool writeLocked();  // as much as the socket takes now; false when the connection broke
  void wake();

  Poco::Net::StreamSocket socket_;
  const int fd_;
  int wake_fd_ = -1;  // eventfd: readable when the reader must look again (output, close)
  FrameReader reader_;
  std::optional<nlohmann::json> lookahead_;  // taken from reader_ by hasMessage()
  std::string address_;
  bool loopback_ = false;
  const size_t max_output_bytes_;

  std::mutex out_mutex_;  // guards out_, out_offset_, closing_, broken_
  std::string out_;
  size_t out_offset_ = 0;  // bytes of out_ already written
  bool closing_ = false;   // close() called: no more reading
  bool broken_ = false;    // writing failed or the peer is too slow: nothing more is sent
};

}  // namespace polyrun::master
