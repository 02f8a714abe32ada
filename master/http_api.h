// The master's HTTP API (docs/http-api.md): Piston v2 compatible
// `runtimes` and `execute`, job lookup, and monitoring (`/api/v1/cluster`, `/metrics`,
// `/healthz`), served by a Poco HTTPServer beside the native ports.
//
// An execute request is a client like any other for the scheduler: the handler thread submits
// the job through an HttpJobWaiter (a Peer) and sleeps on it until the result, with the job's own
// deadline. Each waiting request holds one thread of the server's bounded pool, so a slow job
// delays nobody else; when the pool is nearly full, further execute requests get 503 at once and
// a few threads stay free for monitoring.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "callbacks.h"
#include "http_job_waiter.h"
#include "http_judge0.h"
#include "http_server.h"
#include "http_websocket.h"
#include "polyrun/thread_annotations.h"
#include "scheduler.h"

namespace polyrun::master {

/// The `master.http.*` keys (docs/configuration.md, "HTTP API").
struct HttpSettings {
  size_t max_body_bytes = 16u << 20;  // larger request bodies get 413
  int threads = 256;                  // the server's pool: requests served at once
  /// Threads kept for everything but execute: execute requests beyond threads - this get 503.
  int reserved_threads = 4;
  /// How long an execute request waits for its job to leave the queue before it is cancelled
  /// and answered 503 (the cluster is too busy).
  std::chrono::milliseconds queue_wait{60000};
  /// Beyond the job's own wall limits (compile + run), for sandbox setup and the trip back.
  std::chrono::milliseconds run_slack{10000};
  int retry_after_s = 5;   // the Retry-After of every 503
  size_t batch_max = 100;  // jobs of one batch request (master.http.batch.max)
  /// GET /api/v1/events streams open at once (master.events.streams.max): each holds a thread
  /// of the pool for as long as it is open.
  int event_streams = 64;
  /// master.client.tokens: when set, every route but /healthz needs `Authorization: Bearer T`
  /// with one of them, as the native client port needs `auth` (loopback exempt unless
  /// master.client.auth.loopback).
  std::vector<std::string> client_tokens;
  /// master.operator.tokens: a Bearer token that sees every job (connections.h, identityOf).
  std::vector<std::string> operator_tokens;
  bool auth_loopback = false;
  int websocket_max = 64;  // interactive sessions at once (master.http.websocket.max)
};

/// The body of Judge0's callback (a PUT of the submission) from a `job` answer
/// (http_api_judge0.cc).
CallbackSender::BodyFn judge0CallbackBodyFn(int language_id);

class HttpApi {
 public:
  /// `callbacks` may be null: then no request may carry a callback_url. Not owned; must outlive
  /// this.
  HttpApi(std::shared_ptr<Scheduler> scheduler, HttpSettings settings,
          CallbackSender* callbacks = nullptr);

  /// A factory for the HttpServer whose handlers call this object, which must outlive the
  /// server and its thread pool.
  StoppableHandlerFactory::Ptr factory();

  /// Answers one request; never throws.
  void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  /// The master is stopping: requests waiting for a job are answered 503 now (the job stays
  /// journaled), new execute requests too.
  void stop();

  /// At start, after Scheduler::recover(): watches again the jobs whose callback was journaled
  /// and not made before the master stopped.
  void resumeCallbacks(const std::vector<Scheduler::RecoveredCallback>& recovered);

  /// Responses sent so far, by status code (for /metrics).
  std::map<int, uint64_t> responseCounts() const;

 private:
  struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    bool close = false;  // the request body was not read: the connection cannot be reused
  };
  static Reply jsonReply(int status, const nlohmann::json& body);
  Reply message(int status, const std::string& text) const;
  Reply unavailable(const std::string& text) const;  // 503 with Retry-After

  Reply route(Poco::Net::HTTPServerRequest& request);
  /// False (with the 401 to send) when tokens are configured and the request has none of them;
  /// else true with the client the request's token stands for in *who (anonymous without one).
  bool authorized(const Poco::Net::HTTPServerRequest& request, Reply* refusal,
                  ClientIdentity* who) const;
  Reply execute(Poco::Net::HTTPServerRequest& request, const ClientIdentity& who);
  /// Submits `job` and waits for its end on this thread (execute, Judge0's wait=true): true with
  /// the scheduler's final message (a result, or its refusal as `error` / `cancelled`); false
  /// with the reply to send when the job did not end in time or the master is stopping.
  /// *job_id gets the job's id once accepted.
  bool runToEnd(Job job, bool compiled, const std::string& language,
                const Poco::Net::HTTPServerRequest& request, const ClientIdentity& who,
                nlohmann::json* final, Reply* refusal, std::string* job_id = nullptr,
                const nlohmann::json& callback = nullptr);
  Reply jobLookup(const std::string& job_id, const std::string& client, const ClientIdentity& who);
  /// The scheduler's `job` answer for `who` (an `error` for a job it may not see); nullopt when
  /// none came in time.
  std::optional<nlohmann::json> askLookup(const std::string& job_id, const std::string& client,
                                          const ClientIdentity& who);
  /// The body of GET /api/v1/jobs/{id}, or {"message"} with *status 404, 500 or 503.
  nlohmann::json lookupAnswer(const std::string& job_id, const std::string& client,
                              const ClientIdentity& who, int* status);
  /// The body of GET /api/v1/jobs/{id} from the scheduler's `job` answer.
  static nlohmann::json lookupBody(const std::string& job_id, const nlohmann::json& answer);

  // Asynchronous submission (POST /api/v1/jobs and .../batch; Judge0's routes too).
  struct AsyncJob {
    Job job;
    /// Null for none, else {"url", "method", "format": "polyrun" or "judge0", "language_id"}:
    /// journaled with the job, so that a restarted master still makes it (resumeCallbacks()).
    nlohmann::json callback;
  };
  /// The callback description of AsyncJob for `url` ("" gives null).
  static nlohmann::json callbackFor(const std::string& url, bool judge0 = false,
                                    int language_id = 0);
  /// The body of a callback as its description says, from the `job` answer.
  static CallbackSender::BodyFn callbackBody(const nlohmann::json& callback);
  struct AsyncOutcome {
    std::string job_id;  // set when accepted
    Reply refusal;       // otherwise why not
  };
  /// Submits every job, then waits for each to be accepted (journaled) or refused; none waits
  /// for its end. A job with a callback is watched from its acceptance on.
  std::vector<AsyncOutcome> submitAsync(std::vector<AsyncJob> jobs, const std::string& client,
                                        const ClientIdentity& who);
  Reply submitJob(Poco::Net::HTTPServerRequest& request, const ClientIdentity& who);
  Reply submitBatch(Poco::Net::HTTPServerRequest& request, const ClientIdentity& who);
  Reply lookupBatch(const Poco::Net::HTTPServerRequest& request, const ClientIdentity& who);
  Reply cancelJob(const std::string& job_id, const std::string& client, const ClientIdentity& who);
  // Judge0's routes (http_api_judge0.cc).
  static bool isJudge0Path(const std::string& path);
  static bool judge0ReadsBody(const std::string& method, const std::string& path);
  Reply judge0(Poco::Net::HTTPServerRequest& request, const std::string& path,
               const ClientIdentity& who);
  Reply judge0Create(Poco::Net::HTTPServerRequest& request, const ClientIdentity& who);
  Reply judge0Get(const Poco::Net::HTTPServerRequest& request, const std::string& token,
                  const ClientIdentity& who);
  Reply judge0CreateBatch(Poco::Net::HTTPServerRequest& request, const ClientIdentity& who);
  Reply judge0GetBatch(const Poco::Net::HTTPServerRequest& request, const ClientIdentity& who);
  /// The submission `token` as the scheduler knows it now; nullopt for an unknown one (or no
  /// answer). The JobResult it points to is kept in *result.
  std::optional<Judge0View> judge0Lookup(const std::string& token,
                                         const Poco::Net::HTTPServerRequest& request,
                                         const ClientIdentity& who,
                                         std::unique_ptr<JobResult>* result);
  bool readJudge0Body(Poco::Net::HTTPServerRequest& request, nlohmann::json* body, Reply* refusal);

  /// Reads and parses a JSON object body; otherwise false with the reply to send.
  bool readJsonBody(Poco::Net::HTTPServerRequest& request, nlohmann::json* body, Reply* refusal);
  Reply healthz() const;
  // GET /api/v1/events (http_events.cc). streamEvents() serves an event stream and returns
  // true; it returns false, having sent nothing, for anything else (another route, a backlog
  // in JSON, a refusal), which route() answers with eventsReply().
  bool streamEvents(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
  Reply eventsReply(const Poco::Net::HTTPServerRequest& request, const ClientIdentity& who);
  static bool isEventsPath(const Poco::Net::HTTPServerRequest& request);
  static bool wantsEventStream(const Poco::Net::HTTPServerRequest& request);
  // The id events are asked after (?after=, or Last-Event-ID for a stream); false with *error
  // for a bad one.
  static bool eventsAfter(const Poco::Net::HTTPServerRequest& request, bool stream, uint64_t* after,
                          std::string* error);
  /// Reads at most max_body_bytes; otherwise returns false with the reply to send.
  bool readBody(Poco::Net::HTTPServerRequest& request, std::string* body, Reply* refusal) const;
  Reply fromFinal(const nlohmann::json& final, bool compiled) const;

  std::shared_ptr<HttpJobWaiter> startWaiting(const std::string& client);
  void stopWaiting(const std::shared_ptr<HttpJobWaiter>& waiter);

  const std::shared_ptr<Scheduler> scheduler_;
  const HttpSettings settings_;
  CallbackSender* const callbacks_;
  PistonConnect connect_;  // GET /api/v2/connect (WebSocket sessions)

  mutable Mutex mutex_;  // guards everything below
  bool stopped_ POLYRUN_GUARDED_BY(mutex_) = false;
  // Execute requests waiting for their job.
  std::set<std::shared_ptr<HttpJobWaiter>> waiting_ POLYRUN_GUARDED_BY(mutex_);
  std::map<int, uint64_t> responses_ POLYRUN_GUARDED_BY(mutex_);
  int open_streams_ POLYRUN_GUARDED_BY(mutex_) = 0;  // event streams (master.events.streams.max)
};

}  // namespace polyrun::master
