#include "http_websocket.h"

#include <Poco/Logger.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <deque>
#include <string>
#include <vector>

#include "http_piston.h"
#include "messages.h"
#include "polyrun/job_json.h"
#include "polyrun/json_parse.h"
#include "polyrun/protocol.h"
#include "polyrun/thread_annotations.h"

namespace polyrun::master {
namespace {
using nlohmann::json;
using Poco::Net::WebSocket;
using Clock = std::chrono::steady_clock;

Poco::Logger& log() { return Poco::Logger::get("master.http"); }

// Piston's close codes (its api/v2 connect route).
enum CloseCode : Poco::UInt16 {
  kAlreadyInitialized = 4000,
  kInitTimeout = 4001,
  kNotifiedError = 4002,
  kNotInitialized = 4003,
  kOnlyStdin = 4004,
  kInvalidSignal = 4005,
  kJobCompleted = 4999,
};

// The Peer the scheduler talks to for one session: what it sends waits in a queue until the
// session's thread turns it into WebSocket frames. Never blocks; backlogBytes() lets the
// scheduler drop live output for a client that does not read.
class SessionPeer final : public Peer {
 public:
  explicit SessionPeer(std::string address)
      : address_(std::move(address)), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~SessionPeer() override {
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }
  void send(const json& message) override {
    {
      MutexLock lock(mutex_);
      if (closed_) return;
      bytes_ += approximateSize(message);
      queue_.push_back(message);
    }
    wake();
  }
  void close() override {
    {
      MutexLock lock(mutex_);
      closed_ = true;
    }
    wake();
  }
  std::string address() const override { return address_; }
  size_t backlogBytes() const override {
    MutexLock lock(mutex_);
    return bytes_;
  }
  int wakeFd() const { return wake_fd_; }
  // What waits, emptied; `closed` says whether close() was called.
  std::deque<json> take(bool* closed) {
    uint64_t n = 0;
    if (wake_fd_ >= 0) (void)!::read(wake_fd_, &n, sizeof n);
    MutexLock lock(mutex_);
    *closed = closed_;
    bytes_ = 0;
    return std::exchange(queue_, {});
  }

 private:
  static size_t approximateSize(const json& m) {
    size_t n = 64;
    if (auto c = m.find("chunks"); c != m.end() && c->is_array())
      for (const auto& chunk : *c)
        if (auto d = chunk.find("data"); d != chunk.end() && d->is_string())
          n += d->get_ref<const std::string&>().size();
    return n;
  }
  void wake() {
    const uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
  }

  const std::string address_;
  const int wake_fd_;
  mutable Mutex mutex_;
  std::deque<json> queue_ POLYRUN_GUARDED_BY(mutex_);
  size_t bytes_ POLYRUN_GUARDED_BY(mutex_) = 0;
  bool closed_ POLYRUN_GUARDED_BY(mutex_) = false;
};

// Piston's `data` carries text: a chunk that ends inside a UTF-8 sequence keeps those bytes for
// the next chunk of its stream, so that a character is never cut in two. Bytes that are not
// UTF-8 at all become U+FFFD when sent (as Piston's Buffer.toString() does).
std::string completeUtf8(std::string& carry, const std::string& data) {
  std::string text = carry + data;
  carry.clear();
  size_t i = text.size();
  // At most three bytes back: where the last sequence starts, and whether it is whole.
  for (size_t back = 1; back <= 3 && back <= text.size(); ++back) {
    const auto c = static_cast<unsigned char>(text[text.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte
    const size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (need > back) i = text.size() - back;
    break;
  }
  carry = text.substr(i);
  text.resize(i);
  return text;
}

std::string frameText(const json& message) {
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

// One session, from the upgrade to the close.
class Session {
 public:
  Session(Scheduler& scheduler, WebSocket& ws, const ConnectSettings& settings,
          const ClientIdentity& who, std::string address)
      : scheduler_(scheduler),
        ws_(ws),
        settings_(settings),
        peer_(std::make_shared<SessionPeer>("websocket " + address)) {
    peer_->setIdentity(who);
  }

  void run() {
    scheduler_.addClient(peer_);
    const auto init_deadline = Clock::now() + settings_.init_timeout;
    std::vector<char> buffer;
    try {
      while (!done_) {
        // TLS may hold decrypted bytes the socket no longer shows: look before polling.
        const bool ready = ws_.available() > 0 || waitForInput(init_deadline);
        if (done_) break;
        if (!initialized_ && Clock::now() >= init_deadline && !ready) {
          closeWith(kInitTimeout, "Initialization Timeout");
          break;
        }
        if (ready) readFrame(buffer);
        forward();
      }
    } catch (const Poco::TimeoutException&) {
      log().information("WebSocket session of %s: the client stopped reading or sending",
                        peer_->address());
    } catch (const std::exception& e) {
      log().information("WebSocket session of %s ended: %s", peer_->address(),
                        std::string(e.what()));
    }
    // A session that ends before its job (the client left) frees the job's slot.
    if (!job_id_.empty() && !finished_) scheduler_.cancel(peer_, "websocket-gone", job_id_);
    scheduler_.clientGone(peer_.get());
    peer_->close();
  }

 private:
  // Waits for a frame from the client or a message from the scheduler; true for a frame.
  bool waitForInput(Clock::time_point init_deadline) {
    pollfd fds[2] = {{static_cast<int>(ws_.impl()->sockfd()), POLLIN, 0},
                     {peer_->wakeFd(), POLLIN, 0}};
    int timeout = -1;
    if (!initialized_)
      timeout = static_cast<int>(std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(init_deadline - Clock::now())
                     .count() +
                 1));
    const int n = ::poll(fds, 2, timeout);
    return n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR));
  }

  void readFrame(std::vector<char>& buffer) {
    buffer.resize(settings_.max_message_bytes);
    int flags = 0;
    const int n = ws_.receiveFrame(buffer.data(), static_cast<int>(buffer.size()), flags);
    const int op = flags & WebSocket::FRAME_OP_BITMASK;
    if ((n == 0 && flags == 0) || op == WebSocket::FRAME_OP_CLOSE) {
      done_ = true;  // the client closed
      return;
    }
    if (op == WebSocket::FRAME_OP_PING) {
      ws_.sendFrame(buffer.data(), n,
                    static_cast<int>(WebSocket::FRAME_FLAG_FIN) | WebSocket::FRAME_OP_PONG);
      return;
    }
    if (op != WebSocket::FRAME_OP_TEXT && op != WebSocket::FRAME_OP_BINARY) return;
    json m;
    if (Status s = parseJson(std::string_view(buffer.data(), static_cast<size_t>(n)), &m);
        !s.isOk() || !m.is_object()) {
      return fail(s.isOk() ? "a message must be a JSON object" : s.message());
    }
    const std::string type = m.value("type", "");
    if (type == "init") return init(m);
    if (type == "data") {
      if (!initialized_) return closeWith(kNotInitialized, "Not yet initialized");
      if (m.value("stream", "") != "stdin") return closeWith(kOnlyStdin, "Can only write to stdin");
      const auto data = m.find("data");
      if (data == m.end() || !data->is_string())
        return fail("data: \"data\" must be a string (the program's stdin)");
      const auto eof = m.find("eof");
      pending_bytes_ += data->get_ref<const std::string&>().size();
      if (pending_bytes_ > settings_.max_message_bytes)  // a job not yet accepted holds it all
        return fail("more input than " + std::to_string(settings_.max_message_bytes) +
                    " bytes before the job was accepted; wait for its stage message");
      pending_.push_back(
          {data->get<std::string>(), eof != m.end() && eof->is_boolean() && eof->get<bool>(), 0});
      return feed();
    }
    if (type == "signal") {
      if (!initialized_) return closeWith(kNotInitialized, "Not yet initialized");
      const auto name = m.find("signal");
      const int signo =
          name != m.end() && name->is_string() ? signalNumber(name->get<std::string>()) : 0;
      if (signo == 0) return closeWith(kInvalidSignal, "Invalid signal");
      pending_.push_back({{}, false, signo});
      return feed();
    }
    // Piston ignores other types; so does this.
  }

  // Passes on what the client sent for the program, once the job has its id (a client may send
  // input right behind its init).
  void feed() {
    if (job_id_.empty()) return;
    for (Pending& p : pending_) {
      if (p.signo != 0)
        scheduler_.signal(peer_, "signal", job_id_, p.signo);
      else
        scheduler_.input(peer_, "input", job_id_, std::move(p.data), p.eof);
    }
    pending_.clear();
    pending_bytes_ = 0;
  }

  void init(const json& m) {
    if (initialized_) return closeWith(kAlreadyInitialized, "Already Initialized");
    PistonExecute e;
    std::string error;
    if (!parsePistonExecute(m, scheduler_.runtimes(), scheduler_.config().maxima, &e, &error))
      return fail(error);
    e.job.interactive = true;
    compiled_ = e.compiled;
    initialized_ = true;
    send({{"type", "runtime"}, {"language", e.language}, {"version", e.version}});
    scheduler_.submit(peer_, "connect", std::move(e.job));
  }

  // Turns what the scheduler said into Piston's messages.
  void forward() {
    bool closed = false;
    for (const json& m : peer_->take(&closed)) {
      if (done_) return;
      const std::string type = m.value("type", "");
      if (type == msg::kAccepted) {
        job_id_ = m.value("job_id", "");
        feed();
      } else if (type == msg::kProgress) {
        const std::string state = m.value("state", "");
        if (state == state::kCompiling) stage("compile");
        if (state == state::kRunning && !run_stage_) {
          if (compiled_) {  // compiled, perhaps from the compile cache
            stage("compile");
            send({{"type", "exit"}, {"stage", "compile"}, {"code", 0}, {"signal", nullptr}});
          }
          stage("run");
          run_stage_ = true;
        }
      } else if (type == msg::kOutput) {
        std::vector<OutputChunk> chunks;
        if (auto c = m.find("chunks"); c == m.end() || !fromJson(*c, &chunks).isOk()) continue;
        for (const OutputChunk& c : chunks) {
          const bool err = c.stream == OutputStream::kStderr;
          const std::string text = completeUtf8(err ? err_carry_ : out_carry_, c.data);
          if (!text.empty()) data(outputStreamName(c.stream), text);
        }
      } else if (type == msg::kResult) {
        finished_ = true;
        return finish(m.value("result", json::object()));
      } else if (m.value("id", json()) != json("connect")) {
        // An input or signal the master refused: said, and the session goes on.
        if (type == msg::kError) send({{"type", "error"}, {"message", m.value("message", "")}});
      } else if (type == msg::kError || type == msg::kCancelled) {
        finished_ = true;
        return fail(type == msg::kError ? m.value("message", std::string("the job failed"))
                                        : "the job was cancelled");
      }
    }
    if (closed && !done_) fail("the master is stopping");
  }

  void finish(const json& result_json) {
    JobResult result;
    if (Status s = fromJson(result_json, &result); !s.isOk()) return fail(s.message());
    auto exitOf = [&](const char* name, const StageResult& s) {
      send({{"type", "exit"},
            {"stage", name},
            {"code", s.exit_code >= 0 && s.signal == 0 ? json(s.exit_code) : json(nullptr)},
            {"signal", signalName(s.signal)},
            {"status", pistonStatus(s)},
            {"message", s.message.empty() ? json(nullptr) : json(s.message)},
            {"verdict", verdictName(s.verdict)}});
    };
    if (result.compile && result.compile->verdict != Verdict::kOk) {
      // The compiler's output comes with its end: it is not streamed.
      stage("compile");
      if (!result.compile->stdout_data.empty()) data("stdout", result.compile->stdout_data);
      if (!result.compile->stderr_data.empty()) data("stderr", result.compile->stderr_data);
      exitOf("compile", *result.compile);
    } else if (result.run) {
      for (auto* carry : {&out_carry_, &err_carry_})
        if (!carry->empty()) data(carry == &out_carry_ ? "stdout" : "stderr", *carry);
      if (!run_stage_) stage("run");
      exitOf("run", *result.run);
    } else {
      return fail(result.message.empty() ? "the job ended without running" : result.message);
    }
    closeWith(kJobCompleted, "Job Completed");
  }

  void stage(const char* name) {
    if (last_stage_ == name) return;
    last_stage_ = name;
    send({{"type", "stage"}, {"stage", name}});
  }
  void data(std::string_view stream, const std::string& text) {
    send({{"type", "data"}, {"stream", stream}, {"data", text}});
  }
  void send(const json& message) {
    const std::string text = frameText(message);
    ws_.sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
  }
  // Piston's way: the error as a message, then close 4002 (a close reason is short).
  void fail(const std::string& message) {
    send({{"type", "error"}, {"message", message}});
    closeWith(kNotifiedError, "Notified Error");
  }
  void closeWith(Poco::UInt16 code, const std::string& reason) {
    if (done_) return;
    done_ = true;
    ws_.shutdown(code, reason);
  }

  Scheduler& scheduler_;
  WebSocket& ws_;
  const ConnectSettings& settings_;
  std::shared_ptr<SessionPeer> peer_;
  bool initialized_ = false;
  bool compiled_ = false;
  bool run_stage_ = false;
  bool finished_ = false;
  bool done_ = false;
  std::string job_id_;
  std::string last_stage_;
  std::string out_carry_, err_carry_;
  struct Pending {  // input (signo 0) or a signal, sent before the job had its id
    std::string data;
    bool eof = false;
    int signo = 0;
  };
  std::vector<Pending> pending_;
  size_t pending_bytes_ = 0;
};

}  // namespace

PistonConnect::PistonConnect(std::shared_ptr<Scheduler> scheduler, ConnectSettings settings)
    : scheduler_(std::move(scheduler)), settings_(settings) {}

bool PistonConnect::isRoute(const std::string& path) {
  return path == "/api/v2/connect" || path == "/api/v2/piston/connect";
}

void PistonConnect::serve(Poco::Net::HTTPServerRequest& request,
                          Poco::Net::HTTPServerResponse& response, const ClientIdentity& who) {
  auto refuse = [&](Poco::Net::HTTPResponse::HTTPStatus status, const std::string& text) {
    try {
      const std::string body = frameText(json{{"message", text}}) + "\n";
      response.setStatus(status);
      response.setContentType("application/json");
      response.setKeepAlive(false);
      response.setContentLength64(static_cast<Poco::Int64>(body.size()));
      response.sendBuffer(body.data(), body.size());
    } catch (const std::exception&) {  // the client went away
    }
  };
  if (sessions_.fetch_add(1) >= settings_.max_sessions) {
    --sessions_;
    return refuse(Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                  "this master serves at most " + std::to_string(settings_.max_sessions) +
                      " interactive sessions at once (master.http.websocket.max); retry later");
  }
  struct Release {
    std::atomic<int>& n;
    ~Release() { --n; }
  } release{sessions_};
  try {
    WebSocket ws(request, response);
    ws.setMaxPayloadSize(static_cast<int>(settings_.max_message_bytes));
    ws.setSendTimeout(Poco::Timespan(settings_.send_timeout.count() * 1000));
    ws.setReceiveTimeout(Poco::Timespan(settings_.send_timeout.count() * 1000));
    Session(*scheduler_, ws, settings_, who, request.clientAddress().toString()).run();
  } catch (const Poco::Net::WebSocketException& e) {
    // Not an upgrade (Poco has answered nothing yet for these).
    if (e.code() == WebSocket::WS_ERR_NO_HANDSHAKE ||
        e.code() == WebSocket::WS_ERR_HANDSHAKE_NO_VERSION ||
        e.code() == WebSocket::WS_ERR_HANDSHAKE_UNSUPPORTED_VERSION ||
        e.code() == WebSocket::WS_ERR_HANDSHAKE_NO_KEY)
      refuse(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST,
             request.getURI() +
                 " is Piston's interactive route: connect with a WebSocket client (GET with "
                 "Upgrade: websocket), then send {\"type\": \"init\", ...} (docs/http-api.md)");
  } catch (const std::exception& e) {
    log().information("WebSocket session of %s: %s", request.clientAddress().toString(),
                      std::string(e.what()));
  }
}

}  // namespace polyrun::master
