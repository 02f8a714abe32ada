#include "polyrun/framed_socket.h"

#include <Poco/Net/NetException.h>

namespace polyrun {

FramedSocket::FramedSocket(const Poco::Net::StreamSocket& socket, size_t max_frame_bytes)
    : socket_(socket), reader_(max_frame_bytes) {
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
      int n = socket_.sendBytes(frame.data() + sent, static_cast<int>(frame.size() - sent));
      if (n <= 0) throw Poco::Net::NetException("connection closed while sending");
      sent += static_cast<size_t>(n);
    }
    return true;
  } catch (const Poco::Exception&) {
    closed_ = true;
    try {
      socket_.shutdown();
    } catch (const Poco::Exception&) {
    }
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
      if (left <= 0 || !socket_.poll(left, Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR))
        return ReadStatus::kTimeout;
      int n = socket_.receiveBytes(buf, sizeof buf);
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
