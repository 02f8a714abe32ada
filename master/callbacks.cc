#include "callbacks.h"

#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/SHA2Engine.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <array>

#include "polyrun/protocol.h"

namespace polyrun::master {
namespace {

Poco::Logger& log() { return Poco::Logger::get("master.callback"); }

std::string sha256(std::string_view a, std::string_view b = {}) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(a.data(), a.size());
  engine.update(b.data(), b.size());
  const auto& d = engine.digest();
  return std::string(d.begin(), d.end());
}

std::string shortUrl(std::string_view url) {
  return url.size() <= 80 ? std::string(url) : std::string(url.substr(0, 80)) + "...";
}

// Scheme, host and port of an absolute http(s) URL, lowercased, default port filled in.
struct Origin {
  std::string scheme, host, path;
  unsigned port = 0;
};
bool parseOrigin(std::string_view text, Origin* out) {
  try {
    Poco::URI uri{std::string(text)};
    out->scheme = Poco::toLower(uri.getScheme());
    out->host = Poco::toLower(uri.getHost());
    out->port = uri.getPort();
    out->path = uri.getPath().empty() ? "/" : uri.getPath();
    return (out->scheme == "http" || out->scheme == "https") && !out->host.empty() &&
           uri.getUserInfo().empty();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::string hmacSha256Hex(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;  // SHA-256's block size
  std::string k = key.size() > kBlock ? sha256(key) : std::string(key);
  k.resize(kBlock, '\0');
  std::string ipad(kBlock, '\0'), opad(kBlock, '\0');
  for (size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<char>(k[i] ^ 0x36);
    opad[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  const std::string mac = sha256(opad, sha256(ipad, data));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : mac) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

std::string callbackSignature(std::string_view secret, int64_t unix_seconds,
                              std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + hmacSha256Hex(secret, t + "." + std::string(body));
}

Status checkCallbackUrl(std::string_view url, const std::vector<std::string>& allow) {
  if (allow.empty())
    return Status::invalidArgument(
        "this master accepts no callback_url: its operator allows callbacks with "
        "master.callback.allow (docs/http-api.md, \"Callbacks\"); fetch the result by "
        "id instead");
  Origin got;
  if (!parseOrigin(url, &got))
    return Status::invalidArgument(
        "callback_url \"" + shortUrl(url) +
        "\" is not an absolute http:// or https:// URL without user info");
  for (const std::string& prefix : allow) {
    Origin want;
    if (!parseOrigin(prefix, &want)) continue;  // master_settings refuses these at start
    if (got.scheme == want.scheme && got.host == want.host && got.port == want.port &&
        got.path.compare(0, want.path.size(), want.path) == 0)
      return Status();
  }
  return Status::invalidArgument("callback_url \"" + shortUrl(url) +
                                 "\" is not under any URL this master's operator allows "
                                 "(master.callback.allow)");
}

std::chrono::milliseconds callbackRetryDelay(const CallbackSettings& settings, int attempt) {
  std::chrono::milliseconds d = settings.first_retry;
  for (int i = 2; i < attempt && d < settings.max_retry; ++i) d *= 2;
  return std::min(d, settings.max_retry);
}

// The peer Scheduler::lookup answers: one `job` message once the job ended (or an error).
class CallbackSender::Watcher final : public Peer {
 public:
  Watcher(CallbackSender& sender, std::string url, std::string method, BodyFn make_body)
      : sender_(sender),
        url_(std::move(url)),
        method_(std::move(method)),
        make_body_(std::move(make_body)) {}

  void send(const nlohmann::json& message) override {
    {
      MutexLock lock(mutex_);
      if (done_) return;
      done_ = true;
    }
    std::string body;
    const std::string job_id = message.value("job_id", "");
    const std::string state = message.value("state", "");
    try {
      if (message.value("type", "") != msg::kJob ||
          (state != state::kFinished && state != state::kCancelled))
        // An error, or the state now because too many wait for this job already (only its
        // owner can make them wait): nothing will follow.
        log().warning("no callback for job %s: the master answered %s", job_id,
                      message.dump().substr(0, 200));
      else
        body = make_body_(message);
    } catch (const std::exception& e) {
      log().error("the callback of job %s could not be made: %s", job_id, std::string(e.what()));
    }
    sender_.arrived(this, url_, method_, job_id, std::move(body));
  }
  void close() override {}
  std::string address() const override { return "callback " + url_; }

 private:
  CallbackSender& sender_;
  const std::string url_, method_;
  const BodyFn make_body_;
  Mutex mutex_;
  bool done_ POLYRUN_GUARDED_BY(mutex_) = false;
};

CallbackSender::CallbackSender(CallbackSettings settings, Transport transport)
    : settings_(std::move(settings)),
      transport_(transport ? std::move(transport) : Transport(&CallbackSender::send)) {
  for (int i = 0; i < std::max(1, settings_.threads); ++i) threads_.emplace_back([this] { run(); });
}

CallbackSender::~CallbackSender() { stop(); }

std::shared_ptr<Peer> CallbackSender::watch(std::string url, std::string method, BodyFn make_body) {
  MutexLock lock(mutex_);
  if (stopped_ || watching_.size() + due_.size() >= settings_.max_pending) return nullptr;
  auto w =
      std::make_shared<Watcher>(*this, std::move(url), std::move(method), std::move(make_body));
  watching_.push_back(w);
  return w;
}

void CallbackSender::arrived(const Watcher* watcher, std::string url, std::string method,
                             std::string job_id, std::string body) {
  std::shared_ptr<Watcher> keep;  // released outside the lock: the watcher may be in its send()
  MutexLock lock(mutex_);
  auto it = std::find_if(watching_.begin(), watching_.end(),
                         [&](const auto& w) { return w.get() == watcher; });
  if (it != watching_.end()) {
    keep = std::move(*it);
    watching_.erase(it);
  }
  if (stopped_ || body.empty()) return;
  due_.push_back({std::chrono::steady_clock::now(),
                  1,
                  {std::move(url), std::move(method), std::move(job_id), std::move(body)}});
  cv_.notify_one();
}

void CallbackSender::run() {
  MutexLock lock(mutex_);
  while (!stopped_) {
    auto next = std::min_element(due_.begin(), due_.end(),
                                 [](const Due& a, const Due& b) { return a.at < b.at; });
    if (next == due_.end()) {
      cv_.wait(lock.native());
      continue;
    }
    if (next->at > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock.native(), next->at);
      continue;
    }
    Due d = std::move(*next);
    due_.erase(next);
    lock.native().unlock();
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const std::string signature = callbackSignature(
        settings_.secret, std::chrono::duration_cast<std::chrono::seconds>(now).count(),
        d.delivery.body);
    std::string why;
    bool ok = false;
    try {
      ok = transport_(d.delivery, signature, settings_.timeout, &why);
    } catch (const std::exception& e) {
      why = e.what();
    }
    lock.native().lock();
    if (ok) {
      ++counters_.delivered;
      log().debug("callback of job %s delivered to %s (attempt %d)", d.delivery.job_id,
                  d.delivery.url, d.attempt);
    } else if (d.attempt >= settings_.attempts) {
      ++counters_.failed;
      log().warning(
          "gave up the callback of job %s to %s after %d attempts (last: %s); its result stays "
          "at GET /api/v1/jobs/%s",
          d.delivery.job_id, d.delivery.url, d.attempt, why, d.delivery.job_id);
    } else {
      ++counters_.retried;
      ++d.attempt;
      d.at = std::chrono::steady_clock::now() + callbackRetryDelay(settings_, d.attempt);
      log().information("callback of job %s to %s failed (%s); attempt %d follows",
                        d.delivery.job_id, d.delivery.url, why, d.attempt);
      due_.push_back(std::move(d));
    }
  }
}

bool CallbackSender::send(const CallbackDelivery& d, const std::string& signature,
                          std::chrono::milliseconds timeout, std::string* why) {
  const Poco::URI uri(d.url);
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (uri.getScheme() == "https") {
    static const Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_CLIENT_USE, "", Poco::Net::Context::VERIFY_RELAXED, 9, true);
    session =
        std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  }
  session->setTimeout(Poco::Timespan(std::chrono::microseconds(timeout).count()));
  Poco::Net::HTTPRequest request(d.method, uri.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setContentLength64(static_cast<Poco::Int64>(d.body.size()));
  request.set("User-Agent", "polyrun-master");
  request.set("X-Polyrun-Job", d.job_id);
  request.set("X-Polyrun-Signature", signature);
  request.setKeepAlive(false);
  session->sendRequest(request).write(d.body.data(), static_cast<std::streamsize>(d.body.size()));
  Poco::Net::HTTPResponse response;
  std::istream& in = session->receiveResponse(response);
  in.ignore(64 << 10);  // a polite receiver's reply; the rest is dropped with the connection
  const int status = response.getStatus();
  if (status >= 200 && status < 300) return true;
  *why = "the receiver answered " + std::to_string(status);
  return false;
}

void CallbackSender::forget(const std::shared_ptr<Peer>& watcher) {
  MutexLock lock(mutex_);
  std::erase_if(watching_, [&](const auto& w) { return w == watcher; });
}

void CallbackSender::stop() {
  {
    MutexLock lock(mutex_);
    stopped_ = true;
    if (!due_.empty())
      log().warning(
          "%z callbacks not delivered: the master is stopping (their results stay "
          "fetchable by id)",
          due_.size());
    due_.clear();
    cv_.notify_all();
  }
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

CallbackSender::Counters CallbackSender::counters() const {
  MutexLock lock(mutex_);
  return counters_;
}

size_t CallbackSender::pending() const {
  MutexLock lock(mutex_);
  return watching_.size() + due_.size();
}

}  // namespace polyrun::master
