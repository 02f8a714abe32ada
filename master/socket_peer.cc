#include "socket_peer.h"

#include <Poco/Net/SocketImpl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "output_batch.h"

namespace polyrun::master {
namespace {
using Clock = std::chrono::steady_clock;

// Output already written is dropped from the buffer's front once it is this large.
constexpr size_t kCompactBytes = 1u << 20;

int msUntil(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
}

}  // namespace

SocketPeer::SocketPeer(const Poco::Net::StreamSocket& socket, size_t max_frame_bytes,
                       size_t max_output_bytes)
    : socket_(socket),
      fd_(static_cast<int>(socket_.impl()->sockfd())),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      reader_(max_frame_bytes),
      max_output_bytes_(max_output_bytes) {
  try {
    const Poco::Net::SocketAddress peer = socket_.peerAddress();
    address_ = peer.toString();
    const Poco::Net::IPAddress host = peer.host();
    loopback_ = host.isLoopback() || address_.rfind("[::ffff:127.", 0) == 0;
    socket_.setNoDelay(true);
  } catch (const Poco::Exception&) {
    address_ = "unknown";
  }
}

SocketPeer::~SocketPeer() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void SocketPeer::wake() {
  if (wake_fd_ < 0) return;
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void SocketPeer::send(const nlohmann::json& message) { append(encodeFrame(message)); }

void SocketPeer::sendAll(const std::vector<nlohmann::json>& messages) {
  if (messages.size() == 1) return send(messages.front());
  std::string frames;
  for (const auto& m : messages) frames += encodeFrame(m);
  append(frames);
}

void SocketPeer::append(const std::string& frames) {
  std::lock_guard<std::mutex> lock(out_mutex_);
  if (broken_) return;
  const bool was_empty = out_offset_ == out_.size();
  if (was_empty) {
    out_.clear();
    out_offset_ = 0;
  }
  out_ += frames;
  if (out_.size() - out_offset_ > max_output_bytes_) {
    // The peer does not read what it is sent: drop it rather than grow without bound.
    broken_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    wake();
    return;
  }
  // Written now, unless this thread batches its output (OutputBatch) or a write is already
  // pending: the connection's thread, or the batch that queued it, writes the rest.
  if (!was_empty || OutputBatch::defer(shared_from_this())) return;
  if (writeLocked() && out_offset_ < out_.size()) wake();
}

void SocketPeer::flushQueued() {
  std::lock_guard<std::mutex> lock(out_mutex_);
  if (broken_ || out_offset_ == out_.size()) return;
  if (writeLocked() && out_offset_ < out_.size()) wake();
}

bool SocketPeer::hasMessage() {
  if (!lookahead_) {
    nlohmann::json m;
    if (reader_.next(&m)) lookahead_ = std::move(m);
  }
  return lookahead_.has_value();
}

bool SocketPeer::writeLocked() {
  while (out_offset_ < out_.size()) {
    const ssize_t n = ::send(fd_, out_.data() + out_offset_, out_.size() - out_offset_,
                             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      out_offset_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    broken_ = true;
    out_.clear();
    out_offset_ = 0;
    return false;
  }
  if (out_offset_ == out_.size()) {
    out_.clear();
    out_offset_ = 0;
  } else if (out_offset_ >= kCompactBytes) {
    out_.erase(0, out_offset_);
    out_offset_ = 0;
  }
  return true;
}

void SocketPeer::close() {
  {
    std::lock_guard<std::mutex> lock(out_mutex_);
    closing_ = true;
  }
  wake();
}

SocketPeer::ReadStatus SocketPeer::read(nlohmann::json* out, std::chrono::milliseconds idle,
                                        std::chrono::milliseconds frame_timeout, std::string* error) {
  const auto start = Clock::now();
  // A frame already begun when this call starts gets a fresh `frame_timeout`: the peer made
  // progress, since the previous call returned a message.
  std::optional<Clock::time_point> frame_began;
  if (reader_.pendingBytes() > 0) frame_began = start;
  if (lookahead_) {
    *out = std::move(*lookahead_);
    lookahead_.reset();
    return ReadStatus::kMessage;
  }
  char buf[65536];
  for (;;) {
    if (reader_.next(out)) return ReadStatus::kMessage;
    bool want_out;
    {
      std::lock_guard<std::mutex> lock(out_mutex_);
      if (closing_) {
        *error = "closed by the master";
        return ReadStatus::kClosed;
      }
      if (broken_) {
        *error = "the connection broke, or the peer did not read what it was sent";
        return ReadStatus::kClosed;
      }
      want_out = out_offset_ < out_.size();
    }
    const Clock::time_point deadline = frame_began ? *frame_began + frame_timeout : start + idle;
    if (Clock::now() >= deadline) {
      if (frame_began) {
        *error = "a frame began but did not complete within " + std::to_string(frame_timeout.count()) +
                 " ms (" + std::to_string(reader_.pendingBytes()) + " bytes of it received)";
        return ReadStatus::kSlowFrame;
      }
      *error = "no message for " + std::to_string(idle.count()) + " ms";
      return ReadStatus::kIdle;
    }
    pollfd fds[2] = {{fd_, static_cast<short>(POLLIN | (want_out ? POLLOUT : 0)), 0},
                     {wake_fd_, POLLIN, 0}};
    const int n = ::poll(fds, wake_fd_ >= 0 ? 2 : 1, msUntil(deadline));
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = std::string("poll: ") + std::strerror(errno);
      return ReadStatus::kClosed;
    }
    if (n == 0) continue;  // the deadline check above decides
    if (fds[1].revents) {
      uint64_t ignored;
      (void)!::read(wake_fd_, &ignored, sizeof ignored);
    }
    if (fds[0].revents & POLLOUT) {
      std::lock_guard<std::mutex> lock(out_mutex_);
      writeLocked();
    }
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    const ssize_t got = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (got == 0) {
      if (reader_.pendingBytes() > 0) {
        *error = "the peer closed the connection in the middle of a frame (" +
                 std::to_string(reader_.pendingBytes()) + " bytes of it received)";
        return ReadStatus::kBadFrame;
      }
      *error = "peer closed the connection";
      return ReadStatus::kClosed;
    }
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      *error = std::string("receive: ") + std::strerror(errno);
      return ReadStatus::kClosed;
    }
    if (!reader_.feed(buf, static_cast<size_t>(got))) {
      *error = reader_.error();
      return ReadStatus::kBadFrame;
    }
    if (reader_.pendingBytes() > 0 && !frame_began) frame_began = Clock::now();
  }
}

void SocketPeer::finish(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(out_mutex_);
      if (broken_ || !writeLocked() || out_offset_ == out_.size()) break;
    }
    pollfd fd{fd_, POLLOUT, 0};
    const int left = msUntil(deadline);
    if (left == 0 || ::poll(&fd, 1, left) <= 0 || (fd.revents & (POLLERR | POLLHUP))) break;
  }
  std::lock_guard<std::mutex> lock(out_mutex_);
  broken_ = true;
  closing_ = true;
  ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace polyrun::master
