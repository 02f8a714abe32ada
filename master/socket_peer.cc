#include "socket_peer.h"

#include <Poco/Net/SocketImpl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
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

// The reason for the last OpenSSL failure on this thread, for log lines.
std::string tlsError() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "unexpected end of the connection";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

int msUntil(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
}

}  // namespace

SocketPeer::SocketPeer(const Poco::Net::StreamSocket& socket, size_t max_frame_bytes,
                       size_t max_output_bytes, ssl_ctx_st* tls)
    : socket_(socket),
      fd_(static_cast<int>(socket_.impl()->sockfd())),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      reader_(max_frame_bytes),
      max_output_bytes_(max_output_bytes) {
  try {
    const Poco::Net::SocketAddress peer = socket_.peerAddress();
    address_ = peer.toString();
    const Poco::Net::IPAddress host = peer.host();
    host_ = host.toString();
    loopback_ = host.isLoopback() || address_.rfind("[::ffff:127.", 0) == 0;
    socket_.setNoDelay(true);
  } catch (const Poco::Exception&) {
    address_ = "unknown";
  }
  if (tls) {
    ssl_ = SSL_new(tls);
    try {
      socket_.setBlocking(false);  // SSL_read/SSL_write then return WANT_* instead of blocking
    } catch (const Poco::Exception&) {
      broken_ = true;
    }
    if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) {
      broken_ = true;
    } else {
      SSL_set_accept_state(ssl_);
      // Without read-ahead a record not yet decrypted stays in the kernel, where poll() sees it.
      SSL_set_read_ahead(ssl_, 0);
      // Writes resume from out_, which may have moved or grown since the try that wanted more.
      SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    }
  }
}

SocketPeer::~SocketPeer() {
  if (ssl_) SSL_free(ssl_);
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

size_t SocketPeer::backlogBytes() const {
  MutexLock lock(out_mutex_);
  return out_.size() - out_offset_;
}

void SocketPeer::append(const std::string& frames) {
  MutexLock lock(out_mutex_);
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
  MutexLock lock(out_mutex_);
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
    if (ssl_) {
      ERR_clear_error();
      const size_t chunk = std::min<size_t>(out_.size() - out_offset_, 1u << 30);
      tls_write_wants_read_ = false;
      const int n = SSL_write(ssl_, out_.data() + out_offset_, static_cast<int>(chunk));
      if (n > 0) {
        out_offset_ += static_cast<size_t>(n);
        continue;
      }
      const int err = SSL_get_error(ssl_, n);
      tls_write_wants_read_ = err == SSL_ERROR_WANT_READ;  // mid-handshake: wait for the peer
      if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ)
        break;  // the reader resumes it
      broken_ = true;
      out_.clear();
      out_offset_ = 0;
      return false;
    }
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
    MutexLock lock(out_mutex_);
    closing_ = true;
  }
  wake();
}

SocketPeer::ReadStatus SocketPeer::read(nlohmann::json* out, std::chrono::milliseconds idle,
                                        std::chrono::milliseconds frame_timeout,
                                        std::string* error) {
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
    if (reader_.nextSkipped(&skipped_)) {
      *error = skipped_.error;
      return ReadStatus::kSkipped;
    }
    bool want_out;
    bool tls_buffered = false;
    {
      MutexLock lock(out_mutex_);
      // Bytes OpenSSL already holds are not visible to poll().
      if (ssl_ && !closing_ && !broken_) tls_buffered = SSL_pending(ssl_) > 0;
      if (closing_) {
        *error = "closed by the master";
        return ReadStatus::kClosed;
      }
      if (broken_) {
        *error = "the connection broke, or the peer did not read what it was sent";
        return ReadStatus::kClosed;
      }
      // A TLS write waiting for the handshake needs the socket readable, not writable.
      want_out = (out_offset_ < out_.size() && !tls_write_wants_read_) || tls_read_wants_write_;
    }
    Clock::time_point deadline = frame_began ? *frame_began + frame_timeout : start + idle;
    if (deadline_) deadline = std::min(deadline, *deadline_);
    if (Clock::now() >= deadline) {
      if (frame_began) {
        *error = "a frame began but did not complete within " +
                 std::to_string(frame_timeout.count()) + " ms (" +
                 std::to_string(reader_.pendingBytes()) + " bytes of it received)";
        return ReadStatus::kSlowFrame;
      }
      *error = "no message for " + std::to_string(idle.count()) + " ms";
      return ReadStatus::kIdle;
    }
    pollfd fds[2] = {{fd_, static_cast<short>(POLLIN | (want_out ? POLLOUT : 0)), 0},
                     {wake_fd_, POLLIN, 0}};
    const int n = tls_buffered ? 1 : ::poll(fds, wake_fd_ >= 0 ? 2 : 1, msUntil(deadline));
    if (tls_buffered) fds[0].revents = POLLIN;
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
      MutexLock lock(out_mutex_);
      writeLocked();
    }
    if (ssl_) {
      // TLS reads may also move the handshake on, whichever way the socket became ready.
      if (!fds[0].revents) continue;
      ReadStatus status;
      const ssize_t got = readTls(buf, sizeof buf, &status, error);
      if (got < 0) return status;
      if (got == 0) continue;
      if (!reader_.feed(buf, static_cast<size_t>(got))) {
        *error = reader_.error();
        return ReadStatus::kBadFrame;
      }
      if (reader_.pendingBytes() > 0 && !frame_began) frame_began = Clock::now();
      continue;
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

ssize_t SocketPeer::readTls(char* buf, size_t size, ReadStatus* status, std::string* error) {
  MutexLock lock(out_mutex_);
  ERR_clear_error();
  errno = 0;
  const int got = SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(size, 1u << 30)));
  const int err = got > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_, got);
  tls_read_wants_write_ = err == SSL_ERROR_WANT_WRITE;
  if (got > 0 || err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    // Output queued before the handshake completed can go now.
    if (!broken_ && out_offset_ < out_.size() && SSL_is_init_finished(ssl_)) writeLocked();
    return got > 0 ? got : 0;
  }
  if (err == SSL_ERROR_ZERO_RETURN ||
      (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)) {
    if (reader_.pendingBytes() > 0) {
      *error = "the peer closed the connection in the middle of a frame (" +
               std::to_string(reader_.pendingBytes()) + " bytes of it received)";
      *status = ReadStatus::kBadFrame;
    } else {
      *error = "peer closed the connection";
      *status = ReadStatus::kClosed;
    }
    return -1;
  }
  const bool handshaking = !SSL_is_init_finished(ssl_);
  const std::string why = err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0
                              ? std::string("receive: ") + std::strerror(errno)
                              : tlsError();
  broken_ = true;  // nothing more can be sent through this SSL object
  if (handshaking) {
    // An alert is the peer's TLS refusing the master's certificate; anything else is a peer
    // that does not speak TLS at all.
    *error =
        "TLS handshake failed (" + why + "); " +
        (why.find("alert") != std::string::npos
             ? "the peer does not trust the master's certificate (master.tls.certificate): give it "
               "the CA that signed it (slave.tls.ca_file, polyrun --ca-file)"
             : "this port accepts only TLS (master.tls.enabled): the peer must connect with TLS "
               "(slave.tls.enabled, polyrun --tls)");
    *status = ReadStatus::kBadFrame;
  } else {
    *error = "TLS: " + why;
    *status = ReadStatus::kClosed;
  }
  return -1;
}

void SocketPeer::finish(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    {
      MutexLock lock(out_mutex_);
      if (broken_ || !writeLocked() || out_offset_ == out_.size()) break;
      // Before the handshake completed, nothing queued can be written.
      if (ssl_ && !SSL_is_init_finished(ssl_)) break;
    }
    pollfd fd{fd_, POLLOUT, 0};
    const int left = msUntil(deadline);
    if (left == 0 || ::poll(&fd, 1, left) <= 0 || (fd.revents & (POLLERR | POLLHUP))) break;
  }
  MutexLock lock(out_mutex_);
  if (ssl_ && !broken_ && SSL_is_init_finished(ssl_)) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // close_notify, best effort: the socket is non-blocking
  }
  broken_ = true;
  closing_ = true;
  ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace polyrun::master
