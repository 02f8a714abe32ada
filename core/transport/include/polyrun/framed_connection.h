// The client side of a connection that carries frames (polyrun/frame.h) to the master: the CLI's
// MasterClient, the slave's master link, the tests and the benchmarks. Blocking, over POSIX
// sockets, optionally TLS (polyrun/client_tls.h). The master's side is master/socket_peer.h
// (non-blocking, one event loop for every peer), which shares only the frame format.
//
// Threads: any thread may send (sends are serialised); one thread at a time reads; shutdown()
// may come from any thread and unblocks the reader. Errors are values (polyrun::Status) whose
// messages name the peer ("the master at 127.0.0.1:7400") and what went wrong.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "polyrun/client_tls.h"
#include "polyrun/frame.h"
#include "polyrun/status.h"
#include "polyrun/thread_annotations.h"

struct ssl_st;  // OpenSSL's SSL

namespace polyrun {

struct ConnectOptions {
  /// For the TCP connection and the TLS handshake together.
  int connect_timeout_ms = 5000;
  /// A send blocked this long by a peer that does not read fails (and shuts the connection down).
  int send_timeout_ms = 30000;
  /// Largest frame read() accepts; a larger one is a protocol error.
  size_t max_frame_bytes = kDefaultMaxFrameBytes;
  /// Set: speak TLS, verifying the peer's certificate as the context says. Null: plain TCP.
  std::shared_ptr<const ClientTls> tls;
  /// What the peer is, for messages: "the master" gives "the master at 127.0.0.1:7400";
  /// empty gives just the address.
  std::string peer_name;
};

class FramedConnection {
 public:
  using Clock = std::chrono::steady_clock;

  /// Connects to host:port (a name, an IPv4 or an IPv6 address) and completes the TLS handshake
  /// when options.tls is set. Codes: kTimedOut (no answer in time), kUnavailable (refused,
  /// unreachable, unknown host), kProtocolError (TLS failed: the message says what and which
  /// CA file to check), kIoError (the OS refused a socket).
  static Status connect(const std::string& host, uint16_t port, const ConnectOptions& options,
                        std::unique_ptr<FramedConnection>* out);
  ~FramedConnection();
  FramedConnection(const FramedConnection&) = delete;
  FramedConnection& operator=(const FramedConnection&) = delete;

  /// Sends one message, all of it. A failure (kIoError, kTimedOut after send_timeout_ms, or
  /// kUnavailable once shut down) shuts the connection down, so later sends fail at once and
  /// the reader wakes; what the peer sent before it can still be read.
  Status send(const nlohmann::json& message);
  /// Sends bytes as they are: frames encoded beforehand (encodeFrame), or, in tests, bytes that
  /// are not a frame at all.
  Status sendBytes(std::string_view bytes);

  /// The next message, waiting until `deadline` (Clock::time_point::max(): no limit; a deadline
  /// already past still takes what has arrived). kTimedOut leaves the connection usable. Any
  /// other error ends reading for good and is returned again by every later call, once the
  /// messages that arrived whole before it have been returned: kUnavailable (the peer closed,
  /// or shutdown() was called), kProtocolError (a bad frame), kIoError (the connection broke).
  Status read(nlohmann::json* out, Clock::time_point deadline);
  Status read(nlohmann::json* out, std::chrono::milliseconds timeout) {
    return read(out, Clock::now() + timeout);
  }

  /// Makes a blocked or later read() return kUnavailable and later sends fail, without closing
  /// the descriptor (that waits for the destructor). Thread-safe, idempotent.
  void shutdown();
  bool isShutDown() const { return shut_down_.load(); }

  /// "the master at 127.0.0.1:7400" (or "127.0.0.1:7400" without a peer name; IPv6 in brackets).
  const std::string& peer() const { return peer_; }
  /// Bytes of a frame not yet complete; after a kUnavailable read, what the peer cut off.
  /// Reader thread only.
  size_t pendingBytes() const { return reader_.pendingBytes(); }

 private:
  FramedConnection(int fd, ssl_st* ssl, std::string peer, const ConnectOptions& options);

  // One recv() or SSL_read() into reader_. OK when bytes arrived or none were ready yet
  // (*again set when the socket must be polled first, *want_write when TLS waits to write).
  Status receiveSome(bool* again, bool* want_write);
  Status failRead(Status status);
  void shutdownSocket();

  const int fd_;
  const bool tls_;  // ssl_ is set; else plain TCP
  const std::string peer_;
  const int send_timeout_ms_;
  // One sender at a time, so frames never interleave: held for a whole sendBytes(), around
  // io_mutex_ (which it precedes). It guards the socket's output stream, no field.
  Mutex send_mutex_;
  Mutex io_mutex_;
  // Every call into the one SSL object (null: plain TCP) holds io_mutex_: the reader and a
  // sender never meet in it. The destructor frees it once no thread uses the connection.
  ssl_st* const ssl_ POLYRUN_GUARDED_BY(io_mutex_);
  std::atomic<bool> shut_down_{false};
  std::atomic<bool> send_failed_{false};
  // Reader thread only:
  FrameReader reader_;
  Status read_error_;  // set once reading has ended for good
};

/// "host:port", with an IPv6 host in brackets.
std::string formatHostPort(const std::string& host, uint16_t port);

}  // namespace polyrun
