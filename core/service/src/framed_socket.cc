#include "polyrun/framed_socket.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketImpl.h>
#include <sys/socket.h>

namespace polyrun {

FramedSocket::FramedSocket(const Poco::Net::StreamSocket& socket, size_t max_frame_bytes, bool tls)
    : socket_(socket), tls_(tls), reader_(max_frame_bytes) {
  try {
    peer_ = socket_.peerAddress().toString();
  } catch (const Poco::Exception&) {
    peer_ = "unknown";
  }
  try {
    socket_.setNoDelay(true);
    // A peer that stops reading must not block the sender forever.
    socket_.setSendTimeout(Poco::Timespan(30, 0));
  } catch (const Poco::Exception&) {
  }
}

bool FramedSocket::send(const nlohmann::json& message) {
  const std::string frame = encodeFrame(message);
  std::lock_guard<std::mutex> lock(send_mutex_);
  if (closed_) return false;
  try {
    size_t sent = 0;
    while (sent < frame.size()) {
      int n;
      {
        std::unique_lock<std::mutex> io(io_mutex_, std::defer_lock);
        if (tls_) io.lock();
        n = socket_.sendBytes(frame.data() + sent, static_cast<int>(frame.size() - sent));
      }
      if (n <= 0) throw Poco::Net::NetException("connection closed while sending");
      sent += static_cast<size_t>(n);
    }
    return true;
  } catch (const Poco::Exception&) {
    closed_ = true;
    shutdownLocked();
    return false;
  }
}

FramedSocket::ReadStatus FramedSocket::read(nlohmann::json* out, Poco::Timespan timeout,
                                            std::string* error) {
  if (reader_.next(out)) return ReadStatus::kMessage;
  const Poco::Timestamp start;
  char buf[65536];
  for (;;) {
    if (isShutDown()) {
      *error = "connection shut down";
      return ReadStatus::kClosed;
    }
    const Poco::Timespan left = timeout - Poco::Timespan(start.elapsed());
    try {
      // Bytes TLS already decrypted are not visible to poll().
      bool buffered = false;
      if (tls_) {
        std::lock_guard<std::mutex> io(io_mutex_);
        buffered = socket_.available() > 0;
      }
      if (!buffered && (left <= 0 || !socket_.poll(left, Poco::Net::Socket::SELECT_READ |
                                                             Poco::Net::Socket::SELECT_ERROR)))
        return ReadStatus::kTimeout;
      int n;
      {
        std::unique_lock<std::mutex> io(io_mutex_, std::defer_lock);
        if (tls_) io.lock();
        n = socket_.receiveBytes(buf, sizeof buf);
      }
      if (n <= 0) {
        *error = reader_.pendingBytes() > 0
                     ? "peer closed the connection in the middle of a frame (" +
                           std::to_string(reader_.pendingBytes()) + " bytes of it received)"
                     : "peer closed the connection";
        return ReadStatus::kClosed;
      }
      if (!reader_.feed(buf, static_cast<size_t>(n))) {
        *error = reader_.error();
        return ReadStatus::kBadFrame;
      }
    } catch (const Poco::Exception& e) {
      *error = e.displayText();
      return ReadStatus::kClosed;
    }
    if (reader_.next(out)) return ReadStatus::kMessage;
  }
}

void FramedSocket::shutdown() {
  std::lock_guard<std::mutex> lock(send_mutex_);
  if (closed_) return;
  closed_ = true;
  shutdownLocked();
}

void FramedSocket::shutdownLocked() {
  if (tls_) {
    // A TLS shutdown would write through the SSL object a reader may be using: shut the TCP
    // connection down underneath instead, which wakes the reader all the same.
    ::shutdown(static_cast<int>(socket_.impl()->sockfd()), SHUT_RDWR);
    return;
  }
  try {
    socket_.shutdown();
  } catch (const Poco::Exception&) {
  }
}

bool FramedSocket::isShutDown() const {
  std::lock_guard<std::mutex> lock(send_mutex_);
  return closed_;
}

}  // namespace polyrun
