#include "polyrun/framed_connection.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "openssl_api.h"

namespace polyrun {
namespace {

using transport::ossl;

using Clock = FramedConnection::Clock;

constexpr size_t kReadChunkBytes = 64 * 1024;

// poll() for `events` until `deadline` (Clock::time_point::max(): no limit), through EINTR.
// The revents, 0 on timeout, -1 with errno on error.
int pollUntil(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline != Clock::time_point::max()) {
      const auto left = deadline - Clock::now();
      // Rounded up: a poll that wakes a little early would otherwise spin with 0.
      const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(ms, 0, INT_MAX));
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n;
    return p.revents;
  }
}

// The reason of the last OpenSSL error queued on this thread, or `fallback`.
std::string sslReason(const std::string& fallback) {
  const unsigned long code = ossl().ERR_peek_last_error();
  ossl().ERR_clear_error();
  if (code == 0) return fallback;
  const char* reason = ossl().ERR_reason_error_string(code);
  if (reason != nullptr) return reason;
  char text[256];
  ossl().ERR_error_string_n(code, text, sizeof text);
  return text;
}

// OpenSSL's socket BIO writes with write(), which raises SIGPIPE on a connection the peer has
// closed and kills the process; this one sends with MSG_NOSIGNAL. The descriptor is the BIO's
// data; the BIO does not own it.
int bioFd(BIO* bio) {
  return static_cast<int>(reinterpret_cast<intptr_t>(ossl().BIO_get_data(bio)));
}

int bioWrite(BIO* bio, const char* data, int size) {
  ossl().BIO_clear_flags(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
  const ssize_t n = ::send(bioFd(bio), data, static_cast<size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    ossl().BIO_set_flags(bio, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY);
  return static_cast<int>(n);
}

int bioRead(BIO* bio, char* data, int size) {
  ossl().BIO_clear_flags(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
  const ssize_t n = ::recv(bioFd(bio), data, static_cast<size_t>(size), 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    ossl().BIO_set_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
  return static_cast<int>(n);
}

long bioCtrl(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

int bioCreate(BIO* bio) {
  ossl().BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* socketMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m =
        ossl().BIO_meth_new(ossl().BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "polyrun socket");
    ossl().BIO_meth_set_write(m, bioWrite);
    ossl().BIO_meth_set_read(m, bioRead);
    ossl().BIO_meth_set_ctrl(m, bioCtrl);
    ossl().BIO_meth_set_create(m, bioCreate);
    return m;
  }();
  return method;
}

// "60 s", or "250 ms" when not whole seconds.
std::string durationText(int ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

bool isIpAddress(const std::string& host) {
  in6_addr a;
  return ::inet_pton(AF_INET, host.c_str(), &a) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

// Connects a non-blocking TCP socket to one of host's addresses before `deadline`.
Status connectTcp(const std::string& host, uint16_t port, Clock::time_point deadline,
                  int timeout_ms, const std::string& prefix, int* fd_out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &addresses);
  if (rc != 0) {
    return Status::unavailable(prefix + "cannot resolve \"" + host + "\": " +
                               (rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc)));
  }
  Status last = Status::unavailable(prefix + "the host has no address");
  int fd = -1;
  for (addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = Status::fromErrno(prefix + "cannot make a socket", errno);
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    int err = errno;
    if (err == EINPROGRESS) {
      const int ready = pollUntil(fd, POLLOUT, deadline);
      if (ready == 0) {
        last = Status::timedOut(prefix + "no answer within " + std::to_string(timeout_ms) + " ms");
        ::close(fd);
        fd = -1;
        break;  // the time is up for every other address too
      }
      socklen_t len = sizeof err;
      if (ready < 0)
        err = errno;
      else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
      if (err == 0) break;
    }
    last = Status::unavailable(prefix + std::strerror(err));
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(addresses);
  if (fd < 0) return last;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  *fd_out = fd;
  return Status::ok();
}

// The TLS handshake on a connected socket, verifying the certificate as `tls` says.
Status handshake(int fd, const std::string& host, const std::string& address, const ClientTls& tls,
                 Clock::time_point deadline, int timeout_ms, const std::string& prefix,
                 SSL** ssl_out) {
  ossl().ERR_clear_error();
  SSL* ssl = ossl().SSL_new(tls.context());
  BIO* bio = ssl != nullptr ? ossl().BIO_new(socketMethod()) : nullptr;
  if (bio == nullptr) {
    ossl().SSL_free(ssl);
    return Status::internal(prefix + "cannot start TLS: " + sslReason("out of memory"));
  }
  ossl().BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  ossl().SSL_set_bio(ssl, bio, bio);  // the SSL owns the BIO now
  const bool ip = isIpAddress(host);
  if (!ip)
    ossl().SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                    const_cast<char*>(host.c_str()));
  if (tls.verifies()) {
    // The certificate must be issued for the name (or address) we connect to.
    const int ok =
        ip ? ossl().X509_VERIFY_PARAM_set1_ip_asc(ossl().SSL_get0_param(ssl), host.c_str())
           : ossl().SSL_set1_host(ssl, host.c_str());
    if (ok != 1) {
      ossl().SSL_free(ssl);
      return Status::internal(prefix + "cannot set the host name to verify: " + sslReason("?"));
    }
  }
  const std::string advice =
      "; check that the master has TLS on (master.tls.enabled) and that " + tls.caKey() +
      " holds the CA that signed its certificate, issued for \"" + host + "\"";
  for (;;) {
    ossl().ERR_clear_error();
    const int r = ossl().SSL_connect(ssl);
    if (r == 1) break;
    const int error = ossl().SSL_get_error(ssl, r);
    const int saved_errno = errno;
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      if (pollUntil(fd, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) == 0) {
        ossl().SSL_free(ssl);
        return Status::timedOut(prefix + "no TLS handshake within " + std::to_string(timeout_ms) +
                                " ms" + advice);
      }
      continue;
    }
    std::string reason;
    const long verify = ossl().SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      reason =
          std::string("certificate verify failed: ") + ossl().X509_verify_cert_error_string(verify);
      ossl().ERR_clear_error();
    } else if (error == SSL_ERROR_SYSCALL) {
      reason = saved_errno != 0 ? std::strerror(saved_errno)
                                : "the peer closed the connection during the handshake";
      ossl().ERR_clear_error();
    } else {
      reason = sslReason("unknown TLS error");
    }
    ossl().SSL_free(ssl);
    return Status::protocolError(prefix + "TLS handshake with " + address + " failed (" + reason +
                                 ")" + advice);
  }
  *ssl_out = ssl;
  return Status::ok();
}

}  // namespace

std::string formatHostPort(const std::string& host, uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Status FramedConnection::connect(const std::string& host, uint16_t port,
                                 const ConnectOptions& options,
                                 std::unique_ptr<FramedConnection>* out) {
  const std::string address = formatHostPort(host, port);
  const std::string peer =
      options.peer_name.empty() ? address : options.peer_name + " at " + address;
  const std::string prefix = "cannot connect to " + peer + ": ";
  const auto deadline = Clock::now() + std::chrono::milliseconds(options.connect_timeout_ms);
  int fd = -1;
  if (Status s = connectTcp(host, port, deadline, options.connect_timeout_ms, prefix, &fd);
      !s.isOk())
    return s;
  SSL* ssl = nullptr;
  if (options.tls) {
    if (Status s = handshake(fd, host, address, *options.tls, deadline, options.connect_timeout_ms,
                             prefix, &ssl);
        !s.isOk()) {
      ::close(fd);
      return s;
    }
  }
  out->reset(new FramedConnection(fd, ssl, peer, options));
  return Status::ok();
}

FramedConnection::FramedConnection(int fd, SSL* ssl, std::string peer,
                                   const ConnectOptions& options)
    : fd_(fd),
      tls_(ssl != nullptr),
      peer_(std::move(peer)),
      send_timeout_ms_(options.send_timeout_ms),
      ssl_(ssl),
      reader_(options.max_frame_bytes) {}

FramedConnection::~FramedConnection() {
  if (tls_) {
    // A close_notify, so that the master sees an orderly end rather than a truncated stream.
    // One try: the descriptor is non-blocking and nobody waits for the answer.
    if (!shut_down_ && !send_failed_ && read_error_.isOk()) ossl().SSL_shutdown(ssl_);
    ossl().SSL_free(ssl_);
  }
  ::close(fd_);
}

Status FramedConnection::send(const nlohmann::json& message) {
  std::string frame;
  try {
    frame = encodeFrame(message);
  } catch (const std::exception& e) {
    return Status::invalidArgument(std::string("cannot encode the message: ") + e.what());
  }
  return sendBytes(frame);
}

Status FramedConnection::sendBytes(std::string_view bytes) {
  MutexLock lock(send_mutex_);
  if (shut_down_ || send_failed_)
    return Status::unavailable("the connection to " + peer_ + " is shut down");
  const auto timeout = std::chrono::milliseconds(send_timeout_ms_);
  auto deadline = Clock::now() + timeout;  // moved on whenever the peer takes some bytes
  size_t sent = 0;
  Status failure;
  while (sent < bytes.size()) {
    const size_t left = bytes.size() - sent;
    ssize_t n = -1;
    int err = 0;
    bool again = false;
    bool want_read = false;
    if (!tls_) {
      n = ::send(fd_, bytes.data() + sent, left, MSG_NOSIGNAL);
      if (n < 0) {
        err = errno;
        again = err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
      }
    } else {
      MutexLock io(io_mutex_);
      ossl().ERR_clear_error();
      const int r = ossl().SSL_write(ssl_, bytes.data() + sent,
                                     static_cast<int>(std::min<size_t>(left, INT_MAX)));
      if (r > 0) {
        n = r;
      } else {
        const int e = ossl().SSL_get_error(ssl_, r);
        err = errno;
        again = e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ;
        want_read = e == SSL_ERROR_WANT_READ;
        if (!again && e != SSL_ERROR_SYSCALL) {
          failure = Status::ioError("lost the connection to " + peer_ +
                                    " while sending: TLS error: " + sslReason("unknown"));
          break;
        }
        if (!again && err == 0) err = EPIPE;
      }
    }
    if (n > 0) {
      sent += static_cast<size_t>(n);
      deadline = Clock::now() + timeout;
      continue;
    }
    if (!again) {
      failure = Status::ioError("lost the connection to " + peer_ +
                                " while sending: " + std::strerror(err));
      break;
    }
    const int ready = pollUntil(fd_, want_read ? POLLIN : POLLOUT, deadline);
    if (ready == 0) {
      failure = Status::timedOut(peer_ + " did not read for " + durationText(send_timeout_ms_) +
                                 "; gave up sending");
      break;
    }
    if (ready < 0) {
      failure = Status::fromErrno("lost the connection to " + peer_ + " while sending", errno);
      break;
    }
    if (shut_down_) {
      failure = Status::unavailable("the connection to " + peer_ + " was shut down while sending");
      break;
    }
  }
  if (failure.isOk()) return failure;
  // Later sends fail at once and the reader wakes up; what the peer sent before stays readable.
  send_failed_ = true;
  ::shutdown(fd_, SHUT_RDWR);
  return failure;
}

Status FramedConnection::read(nlohmann::json* out, Clock::time_point deadline) {
  if (reader_.next(out)) return Status::ok();
  if (!read_error_.isOk()) return read_error_;
  bool want_write = false;
  for (;;) {
    if (shut_down_)
      return failRead(Status::unavailable("the connection to " + peer_ + " was shut down"));
    bool again = false;
    const Status received = receiveSome(&again, &want_write);
    if (!received.isOk()) {
      read_error_ = received;
      // Messages that arrived whole before the failure come first.
      return reader_.next(out) ? Status::ok() : read_error_;
    }
    if (reader_.next(out)) return Status::ok();
    if (!again) continue;  // part of a frame came: there may be more right away
    // Polled even when the deadline has passed: what has arrived is still taken above.
    const int ready = pollUntil(fd_, want_write ? POLLOUT : POLLIN, deadline);
    if (ready == 0) return Status::timedOut("timed out waiting for a message from " + peer_);
    if (ready < 0) return failRead(Status::fromErrno("cannot wait for " + peer_, errno));
  }
}

Status FramedConnection::failRead(Status status) {
  read_error_ = std::move(status);
  return read_error_;
}

Status FramedConnection::receiveSome(bool* again, bool* want_write) {
  char buffer[kReadChunkBytes];
  ssize_t n;
  *want_write = false;
  if (!tls_) {
    n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        *again = true;
        return Status::ok();
      }
      return Status::fromErrno("lost the connection to " + peer_, errno);
    }
  } else {
    MutexLock io(io_mutex_);
    ossl().ERR_clear_error();
    const int r = ossl().SSL_read(ssl_, buffer, static_cast<int>(sizeof buffer));
    n = r;
    if (r <= 0) {
      const int e = ossl().SSL_get_error(ssl_, r);
      const int err = errno;
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        *again = true;
        *want_write = e == SSL_ERROR_WANT_WRITE;
        return Status::ok();
      }
      if (e == SSL_ERROR_SYSCALL && err != 0 && err != EPIPE)
        return Status::fromErrno("lost the connection to " + peer_, err);
      if (e == SSL_ERROR_SSL) {
        const unsigned long code = ossl().ERR_peek_last_error();
        // A peer that closes without TLS's close_notify has closed all the same.
        if (ERR_GET_REASON(code) != SSL_R_UNEXPECTED_EOF_WHILE_READING)
          return Status::ioError("lost the connection to " + peer_ +
                                 ": TLS error: " + sslReason("unknown"));
        ossl().ERR_clear_error();
      }
      n = 0;  // closed: close_notify, or the TCP connection ended
    }
  }
  if (n == 0) {
    if (shut_down_) return Status::unavailable("the connection to " + peer_ + " was shut down");
    const size_t pending = reader_.pendingBytes();
    return Status::unavailable(peer_ + " closed the connection" +
                               (pending > 0 ? " in the middle of a frame (" +
                                                  std::to_string(pending) + " bytes of it received)"
                                            : std::string()));
  }
  if (!reader_.feed(buffer, static_cast<size_t>(n)))
    return Status::protocolError("bad frame from " + peer_ + ": " + reader_.error());
  return Status::ok();
}

void FramedConnection::shutdown() {
  if (shut_down_.exchange(true)) return;
  // Not SSL_shutdown: it would write through the SSL object a reader may be using. Shutting the
  // TCP connection down underneath wakes the reader all the same.
  ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace polyrun
