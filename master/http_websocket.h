// Piston's interactive route, `GET /api/v2/connect` (and /api/v2/piston/connect) upgraded to a
// WebSocket, message for message as Piston speaks it (docs/http-api.md, "Interactive jobs over a
// WebSocket"): the client's `init` (an execute body) submits an interactive job; `runtime`,
// `stage`, `data` and `exit` follow it; the client's `data` (stdin) and `signal` go to the
// program; an `error` and close codes 4000-4999 end it. Each session holds one HTTP thread for
// its life; at most `max_sessions` at once.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "peer.h"
#include "scheduler.h"

namespace polyrun::master {

struct ConnectSettings {
  std::chrono::milliseconds init_timeout{1000};  // Piston's: `init` within a second
  // A message the client sends: its `init` carries the job's files (master.http.body.max.bytes).
  size_t max_message_bytes = 16u << 20;
  int max_sessions = 64;  // master.http.websocket.max
  // A client that takes no frame for this long (its TCP window full) ends its session.
  std::chrono::milliseconds send_timeout{10000};
};

class PistonConnect {
 public:
  PistonConnect(std::shared_ptr<Scheduler> scheduler, ConnectSettings settings);

  /// True for the paths this class serves.
  static bool isRoute(const std::string& path);

  /// Serves one request for the route to its end, on the calling (HTTP) thread: a request that
  /// is not a WebSocket upgrade, or one over max_sessions, is answered with a JSON error (400,
  /// 503). `who` is the client the request authenticated as. Never throws.
  void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
             const ClientIdentity& who);

 private:
  std::shared_ptr<Scheduler> scheduler_;
  const ConnectSettings settings_;
  std::atomic<int> sessions_{0};
};

}  // namespace polyrun::master
