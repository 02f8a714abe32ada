// The server side of a TCP connection carrying frames (polyrun/frame.h): a Peer as the master
// needs it. The client side is FramedConnection (polyrun/framed_connection.h), used by the CLI,
// the slave, the tests and the benchmarks; the two share the frame codec and nothing else,
// because the master must never block on one peer while it serves thousands: where a client
// waits for the master, the master buffers, times out and disconnects.
// - sends never block: any thread appends to an output buffer and writes what the socket takes
//   now; the connection's own thread writes the rest when the socket becomes writable. A peer
//   that lets more than `max_output_bytes` pile up is too slow and is disconnected.
// - reads time out twice over: `idle` while no frame has begun, `frame_timeout` for the rest of
//   a frame once its first byte arrived (slow senders cannot hold a thread forever).
// Exactly one thread (the connection's) calls read() and finish(); any thread may send/close.
// With a TLS context the peer speaks TLS over the same fd (OpenSSL directly, non-blocking: the
// handshake happens inside read()/writes); the SSL object is used only under out_mutex_.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "peer.h"
#include "polyrun/frame.h"
#include "polyrun/thread_annotations.h"

struct ssl_ctx_st;
struct ssl_st;

namespace polyrun::master {

class SocketPeer final : public Peer, public std::enable_shared_from_this<SocketPeer> {
 public:
  SocketPeer(const Poco::Net::StreamSocket& socket, size_t max_frame_bytes, size_t max_output_bytes,
             ssl_ctx_st* tls = nullptr);
  ~SocketPeer() override;
  SocketPeer(const SocketPeer&) = delete;
  SocketPeer& operator=(const SocketPeer&) = delete;

  void send(const nlohmann::json& message) override;
  void sendAll(const std::vector<nlohmann::json>& messages) override;
  void close() override;
  std::string address() const override { return address_; }
  size_t backlogBytes() const override;
  /// True when the peer connects from 127.0.0.0/8 or ::1.
  bool isLoopback() const { return loopback_; }
  /// The peer's IP address, without port.
  const std::string& host() const { return host_; }

  /// From now on read() returns by `deadline` at the latest (kIdle, or kSlowFrame within a
  /// frame), whatever its own timeouts: a stranger's whole first message must arrive by then.
  /// nullopt lifts it. Only the reading thread calls this.
  void setDeadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
    deadline_ = deadline;
  }

  enum class ReadStatus {
    kMessage,    // *out holds the next message
    kIdle,       // no frame began within `idle`
    kSlowFrame,  // a frame began but did not complete within `frame_timeout`
    kBadFrame,   // malformed frame, or the peer closed in the middle of one; *error says which
    kClosed,     // the peer closed, the connection broke, or close() was called
    kSkipped,    // after skipBadFrames(): a bad frame was skipped; skipped() describes it
  };
  ReadStatus read(nlohmann::json* out, std::chrono::milliseconds idle,
                  std::chrono::milliseconds frame_timeout, std::string* error);

  /// From now on bad frames with a sound header are skipped, not fatal (FrameReader); read()
  /// reports each as kSkipped. For a trusted peer, whose bad frame must fail only what it was
  /// about.
  void skipBadFrames() { reader_.skipBadFrames(true); }
  /// The frame the last kSkipped was about.
  const FrameReader::Skipped& skipped() const { return skipped_; }

  /// True when a whole message is already received: read() returns it without waiting.
  bool hasMessage();

  /// Writes what is still queued, waiting at most `timeout` for the socket, then shuts the
  /// connection down. The connection's last act.
  void finish(std::chrono::milliseconds timeout);

  /// Writes what sends queued, as far as the socket takes it now (OutputBatch's end).
  void flushQueued();

 private:
  void append(const std::string& frames);
  bool writeLocked() POLYRUN_REQUIRES(
      out_mutex_);  // as much as the socket takes now; false when the connection broke
  // One SSL_read into buf: >0 bytes, 0 nothing yet (poll again), -1 ended (*error, *status).
  ssize_t readTls(char* buf, size_t size, ReadStatus* status, std::string* error);
  void wake();

  Poco::Net::StreamSocket socket_;
  const int fd_;
  ssl_st* ssl_ = nullptr;  // TLS, or null
  bool tls_read_wants_write_ POLYRUN_GUARDED_BY(out_mutex_) =
      false;  // SSL_read needs the socket writable (under out_mutex_)
  bool tls_write_wants_read_ POLYRUN_GUARDED_BY(out_mutex_) =
      false;          // SSL_write waits for the handshake (under out_mutex_)
  int wake_fd_ = -1;  // eventfd: readable when the reader must look again (output, close)
  FrameReader reader_;
  std::optional<nlohmann::json> lookahead_;  // taken from reader_ by hasMessage()
  FrameReader::Skipped skipped_;
  std::string address_;
  std::string host_;
  bool loopback_ = false;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  const size_t max_output_bytes_;

  mutable Mutex out_mutex_;  // guards out_, out_offset_, closing_, broken_
  std::string out_ POLYRUN_GUARDED_BY(out_mutex_);
  size_t out_offset_ POLYRUN_GUARDED_BY(out_mutex_) = 0;  // bytes of out_ already written
  bool closing_ POLYRUN_GUARDED_BY(out_mutex_) = false;   // close() called: no more reading
  bool broken_ POLYRUN_GUARDED_BY(out_mutex_) =
      false;  // writing failed or the peer is too slow: nothing more is sent
};

}  // namespace polyrun::master
