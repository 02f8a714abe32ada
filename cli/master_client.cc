#include "master_client.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <climits>

#include "polyrun/job_json.h"
#include "polyrun/protocol.h"
#include "polyrun/tls.h"

namespace polyrun {
namespace {

using nlohmann::json;

// Without it a write to a connection the master has closed raises SIGPIPE and kills the caller
// instead of returning an error.
#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL;
#else
constexpr int kSendFlags = 0;
#endif

// How long one blocked write may wait for the master to read before we give up on it.
constexpr int kSendTimeoutSeconds = 60;
// poll() with no deadline still wakes up now and then; the loop simply polls again.
constexpr int64_t kIdlePollMicros = 60LL * 1000 * 1000;
constexpr size_t kReadChunkBytes = 64 * 1024;

void setError(std::string* error, const std::string& message) {
  if (error) *error = message;
}

std::string describe(const Poco::Exception& e) { return e.displayText(); }

bool idMatches(const json& message, const std::string& id) {
  auto it = message.find("id");
  if (it == message.end()) return false;
  if (it->is_string()) return it->get_ref<const std::string&>() == id;
  // The master echoes ids as sent, but a number is an equally valid echo of a numeric string.
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>()) == id;
  return false;
}

bool hasType(const json& message, std::string_view type) {
  auto it = message.find("type");
  return it != message.end() && it->is_string() && it->get_ref<const std::string&>() == type;
}

}  // namespace

MasterClient::MasterClient(std::string host, uint16_t port) : host_(std::move(host)), port_(port) {}

MasterClient::~MasterClient() { close(); }

std::string MasterClient::address() const {
  const bool ipv6 = host_.find(':') != std::string::npos;
  return (ipv6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

bool MasterClient::enableTls(const std::string& ca_file, std::string* error, const std::string& source) {
  try {
    tls_ = makeTlsClientContext(ca_file, true, source);
  } catch (const std::exception& e) {
    setError(error, e.what());
    return false;
  }
  tls_source_ = source;
  return true;
}

bool MasterClient::connect(std::string* error, int timeout_ms) {
  close();
  const std::string hint =
      ": is the master running? start it (polyrun-master) or pass --master HOST:PORT";
  try {
    const Poco::Timespan timeout(static_cast<int64_t>(timeout_ms) * 1000);
    socket_ = Poco::Net::StreamSocket();
    if (tls_) {
      socket_ = connectTls(host_, port_, tls_, timeout, tls_source_);
    } else {
      socket_.connect(Poco::Net::SocketAddress(host_, port_), timeout);
    }
    socket_.setNoDelay(true);
    socket_.setSendTimeout(Poco::Timespan(kSendTimeoutSeconds, 0));
  } catch (const Poco::Net::SSLException& e) {
    setError(error, "cannot connect to the master at " + address() + ": " + e.message());
    socket_ = Poco::Net::StreamSocket();
    return false;
  } catch (const Poco::TimeoutException&) {
    setError(error, "cannot connect to the master at " + address() + ": no answer within " +
                        std::to_string(timeout_ms) + " ms" + hint);
    socket_ = Poco::Net::StreamSocket();
    return false;
  } catch (const Poco::Exception& e) {
    setError(error, "cannot connect to the master at " + address() + ": " + describe(e) + hint);
    socket_ = Poco::Net::StreamSocket();
    return false;
  }
  connected_ = true;
  return true;
}

void MasterClient::close() {
  closeSocket();
  reader_ = FrameReader(kClientMaxFrameBytes);
  kept_.clear();
  broken_.clear();
}

void MasterClient::closeSocket() {
  if (connected_) {
    try {
      socket_.close();
    } catch (const Poco::Exception&) {
      // Closing a socket the peer already reset: nothing left to release.
    }
  }
  connected_ = false;
}

void MasterClient::fail(std::string* error, const std::string& message) {
  // Messages that arrived complete before the failure stay readable; the reason is reported
  // once they are used up.
  setError(error, message);
  broken_ = message;
  closeSocket();
}

bool MasterClient::send(const json& message, std::string* error) {
  if (!connected_) {
    setError(error, "not connected to the master at " + address() + ": call connect() first");
    return false;
  }
  std::string frame;
  try {
    frame = encodeFrame(message);
  } catch (const std::exception& e) {
    setError(error, std::string("cannot encode the message: ") + e.what());
    return false;
  }
  size_t sent = 0;
  std::string why;
  try {
    while (sent < frame.size()) {
      const int chunk = static_cast<int>(std::min<size_t>(frame.size() - sent, INT_MAX));
      const int n = socket_.sendBytes(frame.data() + sent, chunk, kSendFlags);
      if (n <= 0) {
        why = "the connection was closed";
        break;
      }
      sent += static_cast<size_t>(n);
    }
  } catch (const Poco::TimeoutException&) {
    why = "the master did not read for " + std::to_string(kSendTimeoutSeconds) + " s";
  } catch (const Poco::Exception& e) {
    why = describe(e);
  }
  if (sent == frame.size()) return true;

  // The master may have refused the frame (too large, say) and said why before closing: that
  // answer is more useful than "connection reset", so look for it briefly.
  std::string detail;
  try {
    std::array<char, kReadChunkBytes> buffer;
    while (socket_.poll(Poco::Timespan(200 * 1000), Poco::Net::Socket::SELECT_READ)) {
      const int n = socket_.receiveBytes(buffer.data(), static_cast<int>(buffer.size()));
      if (n <= 0 || !reader_.feed(buffer.data(), static_cast<size_t>(n))) break;
    }
    json reply;
    while (reader_.next(&reply)) {
      if (hasType(reply, msg::kError) && reply.contains("message") && reply["message"].is_string())
        detail = "; the master said: " + reply["message"].get<std::string>();
      else
        kept_.push_back(std::move(reply));  // answers to earlier requests stay receivable
    }
  } catch (const Poco::Exception&) {
    // Best effort only: the send error below stands on its own.
  }
  fail(error, "lost the connection to the master at " + address() + " while sending (" + why + ")" +
                  detail + (detail.empty() ? "; check that the master is still running" : ""));
  return false;
}

std::optional<json> MasterClient::readMessage(std::optional<Clock::time_point> deadline,
                                              int timeout_ms, std::string* error) {
  std::array<char, kReadChunkBytes> buffer;
  for (;;) {
    json message;
    if (reader_.next(&message)) return message;
    if (!broken_.empty()) {
      setError(error, broken_);
      return std::nullopt;
    }
    if (!connected_) {
      setError(error, "not connected to the master at " + address() + ": call connect() first");
      return std::nullopt;
    }
    int64_t wait_us = kIdlePollMicros;
    if (deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::microseconds>(*deadline - Clock::now());
      wait_us = std::clamp<int64_t>(left.count(), 0, wait_us);
    }
    int n = 0;
    try {
      // Poll even when no time is left, so that a zero timeout still picks up what has arrived.
      // Bytes TLS already decrypted are not visible to poll().
      const bool buffered = tls_ && socket_.available() > 0;
      if (!buffered && !socket_.poll(Poco::Timespan(wait_us),
                                     Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) {
        if (deadline && Clock::now() >= *deadline) {
          setError(error, "timed out after " + std::to_string(timeout_ms) +
                              " ms waiting for the master at " + address());
          return std::nullopt;
        }
        continue;
      }
      n = socket_.receiveBytes(buffer.data(), static_cast<int>(buffer.size()));
    } catch (const Poco::Exception& e) {
      fail(error, "lost the connection to the master at " + address() + ": " + describe(e) +
                      "; check that the master is still running");
      continue;  // the loop's top hands out what arrived before, then reports the failure
    }
    if (n == 0) {
      fail(error, "the master at " + address() + " closed the connection" +
                      (reader_.pendingBytes() > 0 ? " in the middle of a message" : "") +
                      "; check the master's log" +
                      (tls_ ? "" : " (a master with master.tls.enabled needs --tls --ca-file FILE)"));
      continue;
    }
    if (n < 0) continue;  // spurious wake-up (EAGAIN): poll again
    if (!reader_.feed(buffer.data(), static_cast<size_t>(n))) {
      fail(error, "bad frame from " + address() + ": " + reader_.error() +
                      "; is that address the master's client port (master.client.port)?");
      continue;  // messages completed before the bad frame are still handed out first
    }
  }
}

std::optional<json> MasterClient::receive(int timeout_ms, std::string* error) {
  if (!kept_.empty()) {
    json message = std::move(kept_.front());
    kept_.pop_front();
    return message;
  }
  std::optional<Clock::time_point> deadline;
  if (timeout_ms >= 0) deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  return readMessage(deadline, timeout_ms, error);
}

std::optional<json> MasterClient::awaitId(const std::string& id, int timeout_ms, std::string* error,
                                          const std::function<bool(const json&)>& is_final) {
  std::optional<Clock::time_point> deadline;
  if (timeout_ms >= 0) deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    std::optional<json> message = readMessage(deadline, timeout_ms, error);
    if (!message) return std::nullopt;
    if (idMatches(*message, id)) {
      if (is_final(*message)) return message;
      continue;
    }
    // An error without an id answers no request in particular: it concerns the connection
    // (bad_frame, unauthorized), so whoever is waiting must hear it.
    if (hasType(*message, msg::kError) && !message->contains("id")) return message;
    kept_.push_back(std::move(*message));
  }
}

std::optional<json> MasterClient::request(json message, int timeout_ms, std::string* error) {
  if (!message.is_object()) {
    setError(error, "a request must be a JSON object with a \"type\"");
    return std::nullopt;
  }
  const std::string id = nextId();
  message["id"] = id;
  if (!send(message, error)) return std::nullopt;
  return awaitId(id, timeout_ms, error, [](const json&) { return true; });
}

std::optional<json> MasterClient::submit(const Job& job, int timeout_ms, std::string* error,
                                         const std::function<void(const json&)>& on_event) {
  const std::string id = nextId();
  json message = {{"type", msg::kSubmit}, {"id", id}, {"job", toJson(job)}};
  if (!send(message, error)) return std::nullopt;
  return awaitId(id, timeout_ms, error, [&on_event](const json& m) {
    // The job ends with its result, a refusal, or a cancellation by anyone who knew its id.
    if (hasType(m, msg::kResult) || hasType(m, msg::kError) || hasType(m, msg::kCancelled)) return true;
    if (on_event) on_event(m);
    return false;
  });
}

std::string MasterClient::nextId() { return std::to_string(next_id_++); }

bool parseHostPort(const std::string& text, std::string* host, uint16_t* port, std::string* error) {
  const std::string form = "; expected HOST:PORT, e.g. 127.0.0.1:7400 or [::1]:7400";
  if (text.empty()) {
    setError(error, "empty master address" + form);
    return false;
  }
  std::string h;
  std::string p;
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      setError(error, "bad master address \"" + text + "\"" + form);
      return false;
    }
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      setError(error, "no port in master address \"" + text + "\"" + form);
      return false;
    }
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
    if (h.find(':') != std::string::npos) {
      setError(error, "put an IPv6 master address in brackets: \"[" + h + "]:" + p + "\"");
      return false;
    }
  }
  if (h.empty()) {
    setError(error, "no host in master address \"" + text + "\"" + form);
    return false;
  }
  const bool digits = !p.empty() && p.size() <= 5 &&
                      std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
  const long value = digits ? std::stol(p) : 0;
  if (!digits || value < 1 || value > 65535) {
    setError(error, "bad port \"" + p + "\" in master address \"" + text +
                        "\": the port is a number from 1 to 65535");
    return false;
  }
  *host = h;
  *port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace polyrun
