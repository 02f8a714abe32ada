#include "master_client.h"

#include "polyrun/job_json.h"
#include "polyrun/protocol.h"

namespace polyrun {
namespace {

using nlohmann::json;

// How long one blocked send may wait for the master to read before we give up on it.
constexpr int kSendTimeoutMs = 60 * 1000;
// After a failed send, how long to look for the master's reason (a refused frame, say).
constexpr auto kRefusalWait = std::chrono::milliseconds(200);

void setError(std::string* error, const std::string& message) {
  if (error) *error = message;
}

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

std::string MasterClient::address() const { return formatHostPort(host_, port_); }

bool MasterClient::enableTls(const std::string& ca_file, std::string* error,
                             const std::string& source) {
  std::shared_ptr<const ClientTls> tls;
  if (!ClientTls::create(ca_file, true, source, &tls).report(error)) return false;
  tls_ = std::move(tls);
  return true;
}

bool MasterClient::connect(std::string* error, int timeout_ms) {
  close();
  ConnectOptions options;
  options.connect_timeout_ms = timeout_ms;
  options.send_timeout_ms = kSendTimeoutMs;
  options.max_frame_bytes = kClientMaxFrameBytes;
  options.tls = tls_;
  options.peer_name = "the master";
  const Status s = FramedConnection::connect(host_, port_, options, &connection_);
  if (s.isOk()) return true;
  // A TLS failure says what to check itself; the others mean nobody answers there.
  setError(error, s.message() + (s.code() == Status::Code::kProtocolError
                                     ? std::string()
                                     : ": is the master running? start it (polyrun-master) or "
                                       "pass --master HOST:PORT"));
  return false;
}

void MasterClient::close() {
  connection_.reset();
  kept_.clear();
  broken_.clear();
}

void MasterClient::fail(std::string* error, const std::string& message) {
  setError(error, message);
  broken_ = message;
  connection_.reset();
}

bool MasterClient::post(const json& message) {
  return connection_ && connection_->send(message).isOk();
}

bool MasterClient::send(const json& message, std::string* error) {
  if (!connection_) {
    setError(error, "not connected to the master at " + address() + ": call connect() first");
    return false;
  }
  const Status s = connection_->send(message);
  if (s.isOk()) return true;
  if (s.code() == Status::Code::kInvalidArgument) {  // could not encode: the connection is fine
    setError(error, s.message());
    return false;
  }
  // The master may have refused the frame (too large, say) and said why before closing: that
  // answer is more useful than "connection reset", so look for it briefly.
  std::string detail;
  const auto deadline = FramedConnection::Clock::now() + kRefusalWait;
  for (json reply; connection_->read(&reply, deadline).isOk();) {
    if (hasType(reply, msg::kError) && reply.contains("message") && reply["message"].is_string())
      detail = "; the master said: " + reply["message"].get<std::string>();
    else
      kept_.push_back(std::move(reply));  // answers to earlier requests stay receivable
  }
  fail(error,
       s.message() + detail + (detail.empty() ? "; check that the master is still running" : ""));
  return false;
}

std::optional<json> MasterClient::readMessage(std::optional<Clock::time_point> deadline,
                                              int timeout_ms, std::string* error) {
  if (!connection_) {
    setError(error, !broken_.empty()
                        ? broken_
                        : "not connected to the master at " + address() + ": call connect() first");
    return std::nullopt;
  }
  json message;
  const Status s = connection_->read(&message, deadline.value_or(Clock::time_point::max()));
  if (s.isOk()) return message;
  switch (s.code()) {
    case Status::Code::kTimedOut:  // the connection stays up
      setError(error, "timed out after " + std::to_string(timeout_ms) +
                          " ms waiting for the master at " + address());
      break;
    case Status::Code::kUnavailable:
      fail(error,
           s.message() + "; check the master's log" +
               (tls_ ? "" : " (a master with master.tls.enabled needs --tls --ca-file FILE)"));
      break;
    case Status::Code::kProtocolError:
      fail(error, s.message() + "; is that address the master's client port (master.client.port)?");
      break;
    default:
      fail(error, s.message() + "; check that the master is still running");
      break;
  }
  return std::nullopt;
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
  // Messages for this id that came while the caller awaited another, in their order.
  for (auto it = kept_.begin(); it != kept_.end();) {
    if (!idMatches(*it, id)) {
      ++it;
      continue;
    }
    json message = std::move(*it);
    it = kept_.erase(it);
    if (is_final(message)) return message;
  }
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

std::string MasterClient::sendRequest(json message, std::string* error) {
  if (!message.is_object()) {
    setError(error, "a request must be a JSON object with a \"type\"");
    return {};
  }
  std::string id = nextId();
  message["id"] = id;
  if (!send(message, error)) return {};
  return id;
}

std::optional<json> MasterClient::awaitReply(const std::string& id, int timeout_ms,
                                             std::string* error) {
  return awaitId(id, timeout_ms, error, [](const json&) { return true; });
}

std::optional<json> MasterClient::request(json message, int timeout_ms, std::string* error) {
  const std::string id = sendRequest(std::move(message), error);
  if (id.empty()) return std::nullopt;
  return awaitReply(id, timeout_ms, error);
}

std::string MasterClient::sendSubmit(const Job& job, std::string* error) {
  std::string id = nextId();
  if (!send({{"type", msg::kSubmit}, {"id", id}, {"job", toJson(job)}}, error)) return {};
  return id;
}

std::optional<json> MasterClient::awaitJob(const std::string& id, int timeout_ms,
                                           std::string* error,
                                           const std::function<void(const json&)>& on_event) {
  return awaitId(id, timeout_ms, error, [&on_event](const json& m) {
    // The job ends with its result, a refusal, or a cancellation by anyone who knew its id.
    if (hasType(m, msg::kResult) || hasType(m, msg::kError) || hasType(m, msg::kCancelled))
      return true;
    if (on_event) on_event(m);
    return false;
  });
}

std::optional<json> MasterClient::submit(const Job& job, int timeout_ms, std::string* error,
                                         const std::function<void(const json&)>& on_event) {
  const std::string id = sendSubmit(job, error);
  if (id.empty()) return std::nullopt;
  return awaitJob(id, timeout_ms, error, on_event);
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
