// Callbacks: a job submitted over HTTP with a `callback_url` has its outcome POSTed (or PUT, for
// Judge0 clients) to that URL once it ends, signed with an HMAC of the master's secret so the
// receiver can tell it came from this master, and retried with doubling delays while the receiver
// answers anything but 2xx or cannot be reached. The result stays fetchable by id whatever the
// delivery does (docs/http-api.md, "Callbacks").
//
// Where a callback may go is the operator's choice (master.callback.allow): a URL chosen by a
// stranger is a request the master makes on the stranger's behalf, from inside the operator's
// network, so without an allow list no callback is accepted at all.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "peer.h"
#include "polyrun/status.h"
#include "polyrun/thread_annotations.h"

namespace polyrun::master {

/// The `master.callback.*` keys (docs/configuration.md, "Callbacks").
struct CallbackSettings {
  /// Where callbacks may go: URL prefixes, each a scheme, host and port matched exactly and a
  /// path prefix (`http://10.0.0.5:8080/hooks/`). Empty: callbacks are refused.
  std::vector<std::string> allow;
  std::string secret;  // the HMAC-SHA256 key (master.callback.secret.file); required with allow
  int attempts = 6;    // deliveries tried before giving up
  std::chrono::milliseconds first_retry{1000};  // the delay before the second try, then doubled
  std::chrono::milliseconds max_retry{60000};   // no delay longer than this
  std::chrono::milliseconds timeout{5000};      // connect, send and answer, per attempt
  size_t max_pending = 10000;                   // callbacks waiting for their job or a retry
  int threads = 2;                              // deliveries under way at once
};

/// HMAC-SHA256 (RFC 2104 over FIPS 180-4) of `data` under `key`, as 64 lowercase hex digits.
std::string hmacSha256Hex(std::string_view key, std::string_view data);

/// The `X-Polyrun-Signature` header of a delivery made at `unix_seconds`:
/// `t=<unix_seconds>,v1=<hmacSha256Hex(secret, "<unix_seconds>." + body)>`. Signing the time
/// with the body lets a receiver refuse a replayed delivery (docs/http-api.md says how).
std::string callbackSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);

/// Whether `url` is an absolute http(s) URL under one of `allow`'s prefixes: same scheme, host
/// and port (default ports filled in), and a path that starts with the prefix's path. The error
/// names the URL (in short) and the key to set.
Status checkCallbackUrl(std::string_view url, const std::vector<std::string>& allow);

/// The delay before attempt `attempt` (2, 3, ...): first_retry doubled per attempt after the
/// second, at most max_retry.
std::chrono::milliseconds callbackRetryDelay(const CallbackSettings& settings, int attempt);

/// One outcome to deliver.
struct CallbackDelivery {
  std::string url;
  std::string method = "POST";  // Judge0 clients expect PUT
  std::string job_id;
  std::string body;  // JSON
};

/// Sends deliveries on its own threads. Thread-safe.
class CallbackSender {
 public:
  /// How one attempt went: true when the receiver answered 2xx. Replaceable for tests.
  using Transport = std::function<bool(const CallbackDelivery&, const std::string& signature,
                                       std::chrono::milliseconds timeout, std::string* why)>;

  explicit CallbackSender(CallbackSettings settings, Transport transport = {});
  ~CallbackSender();  // stop()
  CallbackSender(const CallbackSender&) = delete;
  CallbackSender& operator=(const CallbackSender&) = delete;

  const CallbackSettings& settings() const { return settings_; }

  /// A peer to hand Scheduler::lookup(peer, id, job_id, wait = true): once the job ended, it
  /// queues a delivery of `make_body(the lookup's answer)` to `url`; `make_body` returning ""
  /// sends none. Held here until then (the scheduler holds its peers weakly). Taken before the
  /// job is submitted, so that a job is never accepted with a callback there is no room for:
  /// nullptr when max_pending callbacks are waiting already.
  using BodyFn = std::function<std::string(const nlohmann::json& final)>;
  std::shared_ptr<Peer> watch(std::string url, std::string method, BodyFn make_body);
  /// Gives up a watch() whose job was not accepted after all.
  void forget(const std::shared_ptr<Peer>& watcher);

  /// Stops the threads; deliveries not yet made are dropped (logged). Idempotent.
  void stop();

  struct Counters {
    uint64_t delivered = 0;  // answered 2xx
    uint64_t retried = 0;    // attempts that failed and were tried again
    uint64_t failed = 0;     // given up after `attempts`
  };
  Counters counters() const;
  size_t pending() const;

 private:
  class Watcher;
  struct Due {
    std::chrono::steady_clock::time_point at;
    int attempt = 1;
    CallbackDelivery delivery;
  };
  void arrived(const Watcher* watcher, std::string url, std::string method, std::string job_id,
               std::string body);
  void run();
  static bool send(const CallbackDelivery& d, const std::string& signature,
                   std::chrono::milliseconds timeout, std::string* why);

  const CallbackSettings settings_;
  const Transport transport_;

  mutable Mutex mutex_;  // guards everything below
  std::condition_variable cv_;
  bool stopped_ POLYRUN_GUARDED_BY(mutex_) = false;
  std::vector<std::shared_ptr<Watcher>> watching_ POLYRUN_GUARDED_BY(mutex_);
  std::deque<Due> due_ POLYRUN_GUARDED_BY(mutex_);  // unordered: each thread takes the earliest
  Counters counters_ POLYRUN_GUARDED_BY(mutex_);
  std::vector<std::thread> threads_;  // started by the constructor, joined by stop()
};

}  // namespace polyrun::master
