#include "http_api.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <istream>

#include "connections.h"
#include "http_metrics.h"
#include "http_piston.h"
#include "polyrun/job_json.h"
#include "polyrun/json_parse.h"
#include "polyrun/protocol.h"

namespace polyrun::master {
namespace {
using nlohmann::json;
using Poco::Net::HTTPRequest;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

Poco::Logger& log() { return Poco::Logger::get("master.http"); }

constexpr const char* kRoutes =
    "GET /api/v2/runtimes, POST /api/v2/execute (both also under /api/v2/piston/), "
    "POST /api/v1/jobs, POST|GET /api/v1/jobs/batch, GET|DELETE /api/v1/jobs/{id}, "
    "GET /api/v1/cluster, GET /metrics, GET /healthz, and Judge0's: POST /submissions, "
    "GET /submissions/{token}, POST|GET /submissions/batch, GET /languages[/{id}], "
    "GET /statuses, GET /about";

// How long a submission waits for the master to journal it before the request gives up.
constexpr std::chrono::seconds kAcceptWait{10};

// POST routes that read their body (any other POST is answered without reading it).
bool readsBody(const std::string& path) {
  return path == "/api/v2/execute" || path == "/api/v2/piston/execute" || path == "/api/v1/jobs" ||
         path == "/api/v1/jobs/batch";
}

// The query parameter `name` of the request's URI; "" when absent.
std::string queryValue(const HTTPServerRequest& request, const std::string& name) {
  try {
    for (const auto& [key, value] : Poco::URI(request.getURI()).getQueryParameters())
      if (key == name) return value;
  } catch (const std::exception&) {  // a malformed query: as if absent
  }
  return "";
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

class Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(HttpApi& api) : api_(api) {}
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    api_.handle(request, response);
  }

 private:
  HttpApi& api_;
};

class Factory final : public StoppableHandlerFactory {
 public:
  explicit Factory(HttpApi& api) : api_(api) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new Handler(api_);
  }

 private:
  HttpApi& api_;
};

bool hasBody(const HTTPServerRequest& request) {
  return request.getChunkedTransferEncoding() ||
         (request.hasContentLength() && request.getContentLength64() > 0);
}

// Limits the job will run with: its own, or the master's defaults where it left them at 0.
int64_t effective(int64_t asked, int64_t def) { return asked > 0 ? asked : def; }

}  // namespace

HttpApi::HttpApi(std::shared_ptr<Scheduler> scheduler, HttpSettings settings,
                 CallbackSender* callbacks)
    : scheduler_(std::move(scheduler)), settings_(settings), callbacks_(callbacks) {}

StoppableHandlerFactory::Ptr HttpApi::factory() { return new Factory(*this); }

HttpApi::Reply HttpApi::jsonReply(int status, const nlohmann::json& body) {
  Reply r;
  r.status = status;
  r.body = dump(body) + "\n";
  return r;
}

HttpApi::Reply HttpApi::message(int status, const std::string& text) const {
  return jsonReply(status, {{"message", text}});
}

HttpApi::Reply HttpApi::unavailable(const std::string& text) const {
  Reply r = message(503, text);
  r.headers.emplace_back("Retry-After", std::to_string(settings_.retry_after_s));
  return r;
}

void HttpApi::handle(HTTPServerRequest& request, HTTPServerResponse& response) {
  Reply reply;
  try {
    reply = route(request);
  } catch (const std::exception& e) {  // a bug, never the client's input: logged, answered
    log().error("%s %s failed: %s", request.getMethod(), request.getURI(), std::string(e.what()));
    reply = message(500, std::string("internal error of the master: ") + e.what());
    reply.close = true;
  }
  {
    MutexLock lock(mutex_);
    ++responses_[reply.status];
  }
  if (log().debug())
    log().debug("%s %s %s -> %d", request.clientAddress().toString(), request.getMethod(),
                request.getURI(), reply.status);
  try {
    response.setStatus(static_cast<HTTPServerResponse::HTTPStatus>(reply.status));
    response.setContentType(reply.content_type);
    for (const auto& [name, value] : reply.headers) response.set(name, value);
    if (reply.close) response.setKeepAlive(false);
    response.setContentLength64(static_cast<Poco::Int64>(reply.body.size()));
    response.sendBuffer(reply.body.data(), reply.body.size());
  } catch (const std::exception& e) {  // the client went away: nothing to answer
    log().debug("could not answer %s: %s", request.clientAddress().toString(),
                std::string(e.what()));
  }
  HttpServer::responseSent();  // the next request on this connection has its own deadline
}

HttpApi::Reply HttpApi::route(HTTPServerRequest& request) {
  std::string path = request.getURI();
  path = path.substr(0, path.find_first_of("?#"));
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string& method = request.getMethod();
  const std::string client = request.clientAddress().toString();
  const bool reads_body =
      method == HTTPRequest::HTTP_POST && (readsBody(path) || judge0ReadsBody(method, path));
  if (!reads_body) HttpServer::requestRead();  // no body will be read: the request is whole

  auto only = [&](const std::string& allowed, auto&& answer) -> Reply {
    if (method != allowed) {
      Reply r = message(405, method + " " + path + " is not allowed; use " + allowed);
      r.headers.emplace_back("Allow", allowed);
      r.close = hasBody(request);
      return r;
    }
    Reply r = answer();
    if (allowed != HTTPRequest::HTTP_POST) r.close = hasBody(request);  // a body nobody read
    return r;
  };

  ClientIdentity who;
  if (path != "/healthz") {
    Reply refusal;
    if (!authorized(request, &refusal, &who)) {
      refusal.close = hasBody(request);
      return refusal;
    }
  }
  if (path == "/api/v2/runtimes" || path == "/api/v2/piston/runtimes")
    return only(HTTPRequest::HTTP_GET,
                [&] { return jsonReply(200, pistonRuntimes(scheduler_->runtimes())); });
  if (path == "/api/v2/execute" || path == "/api/v2/piston/execute")
    return only(HTTPRequest::HTTP_POST, [&] { return execute(request, who); });
  if (path == "/api/v1/cluster")
    return only(HTTPRequest::HTTP_GET, [&] { return jsonReply(200, scheduler_->cluster(who)); });
  if (path == "/healthz") return only(HTTPRequest::HTTP_GET, [&] { return healthz(); });
  if (path == "/metrics") {
    return only(HTTPRequest::HTTP_GET, [&] {
      Reply r;
      r.body = renderMetrics(scheduler_->cluster(), scheduler_->metrics(), responseCounts());
      if (callbacks_) {
        const CallbackSender::Counters c = callbacks_->counters();
        r.body +=
            "# HELP polyrun_callbacks_total Callback delivery attempts by outcome: delivered "
            "(2xx), retried (failed, tried again), failed (given up).\n"
            "# TYPE polyrun_callbacks_total counter\n"
            "polyrun_callbacks_total{outcome=\"delivered\"} " +
            std::to_string(c.delivered) + "\npolyrun_callbacks_total{outcome=\"retried\"} " +
            std::to_string(c.retried) + "\npolyrun_callbacks_total{outcome=\"failed\"} " +
            std::to_string(c.failed) +
            "\n# HELP polyrun_callbacks_pending Callbacks waiting for their job or a retry.\n"
            "# TYPE polyrun_callbacks_pending gauge\npolyrun_callbacks_pending " +
            std::to_string(callbacks_->pending()) + "\n";
      }
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return r;
    });
  }
  if (path == "/api/v1/jobs")
    return only(HTTPRequest::HTTP_POST, [&] { return submitJob(request, who); });
  if (path == "/api/v1/jobs/batch") {
    if (method == HTTPRequest::HTTP_GET) {
      Reply r = lookupBatch(request, who);
      r.close = hasBody(request);
      return r;
    }
    return only(HTTPRequest::HTTP_POST, [&] { return submitBatch(request, who); });
  }
  const std::string jobs = "/api/v1/jobs/";
  if (path.rfind(jobs, 0) == 0 && path.size() > jobs.size()) {
    std::string job_id;
    Poco::URI::decode(path.substr(jobs.size()), job_id);
    if (method == HTTPRequest::HTTP_DELETE) {
      Reply r = cancelJob(job_id, client, who);
      r.close = hasBody(request);
      return r;
    }
    return only(HTTPRequest::HTTP_GET, [&] { return jobLookup(job_id, client, who); });
  }
  if (isJudge0Path(path)) {
    Reply r = judge0(request, path, who);
    if (!judge0ReadsBody(method, path)) r.close = hasBody(request);
    return r;
  }
  Reply r = message(404, "no route " + method + " " + path + "; the routes are " + kRoutes);
  r.close = hasBody(request);
  return r;
}

bool HttpApi::authorized(const HTTPServerRequest& request, Reply* refusal,
                         ClientIdentity* who) const {
  std::string token = request.get("Authorization", "");
  // Judge0's clients send their token in X-Auth-Token (its AUTHN_HEADER default).
  if (token.empty()) token = request.get("X-Auth-Token", "");
  const std::string bearer = "Bearer ";
  if (token.size() >= bearer.size() && Poco::icompare(token.substr(0, bearer.size()), bearer) == 0)
    token = token.substr(bearer.size());
  token = Poco::trim(token);
  const auto identity = token.empty()
                            ? std::nullopt
                            : identityOf(token, settings_.client_tokens, settings_.operator_tokens);
  if (identity) *who = *identity;
  // Without client tokens, or on loopback by default, a request without a (known) token is
  // served as the anonymous client.
  if (identity || settings_.client_tokens.empty()) return true;
  if (request.clientAddress().host().isLoopback() && !settings_.auth_loopback) return true;
  *refusal = message(
      401, token.empty()
               ? "this master needs a client token: send the header \"Authorization: Bearer "
                 "<token>\" with one of its master.client.tokens"
               : "wrong client token in the Authorization header: use one of the master's "
                 "master.client.tokens");
  refusal->headers.emplace_back("WWW-Authenticate", "Bearer");
  return false;
}

HttpApi::Reply HttpApi::healthz() const {
  const nlohmann::json c = scheduler_->cluster();
  const bool serving = c.value("state", "") == "serving";
  bool stopped;
  {
    MutexLock lock(mutex_);
    stopped = stopped_;
  }
  return jsonReply(serving && !stopped ? 200 : 503,
                   {{"status", serving && !stopped ? "ok" : "stopping"},
                    {"slaves", c.value("slaves", nlohmann::json::array()).size()},
                    {"uptime_ms", c.value("uptime_ms", 0)}});
}

bool HttpApi::readBody(HTTPServerRequest& request, std::string* body, Reply* refusal) const {
  const size_t max = settings_.max_body_bytes;
  const std::string limit = std::to_string(max) + " bytes (master.http.body.max.bytes)";
  const Poco::Int64 declared = request.hasContentLength() ? request.getContentLength64() : -1;
  if (declared > static_cast<Poco::Int64>(max)) {
    *refusal = message(413, "the request body of " + std::to_string(declared) +
                                " bytes is over the limit of " + limit);
    refusal->close = true;
    return false;
  }
  std::istream& in = request.stream();
  std::vector<char> buffer(64 << 10);
  while (body->size() <= max) {
    in.read(buffer.data(),
            static_cast<std::streamsize>(std::min(buffer.size(), max + 1 - body->size())));
    const std::streamsize n = in.gcount();
    if (n <= 0) break;
    body->append(buffer.data(), static_cast<size_t>(n));
  }
  if (body->size() > max) {
    *refusal = message(413, "the request body is over the limit of " + limit);
    refusal->close = true;
    return false;
  }
  if (HttpServer::requestLate()) {
    *refusal = message(
        408,
        "the request did not arrive whole in time (" + std::to_string(body->size()) +
            " bytes of its body did): send it faster, or raise master.http.request.timeout.ms");
    refusal->close = true;
    return false;
  }
  // Fewer bytes than announced: the client closed or stalled (master.http.timeout.ms) midway.
  if (declared >= 0 && static_cast<Poco::Int64>(body->size()) < declared) {
    *refusal =
        message(400, "the request body is truncated: " + std::to_string(body->size()) + " of the " +
                         std::to_string(declared) + " bytes of its Content-Length arrived");
    refusal->close = true;
    return false;
  }
  if (in.bad() && !request.getChunkedTransferEncoding()) {
    *refusal = message(400, "the request body could not be read to its end");
    refusal->close = true;
    return false;
  }
  return true;
}

HttpApi::Reply HttpApi::execute(HTTPServerRequest& request, const ClientIdentity& who) {
  std::string text;
  Reply refusal;
  const bool read = readBody(request, &text, &refusal);
  HttpServer::requestRead();  // what follows waits with the job's own deadline
  if (!read) return refusal;
  // Whatever the Content-Type says: piston-client sends none, others text/plain.
  PistonExecute piston;
  std::string error;
  if (!decodePistonBody(text, scheduler_->runtimes(), scheduler_->config().maxima, &piston, &error))
    return message(400, error);

  nlohmann::json final;
  if (!runToEnd(std::move(piston.job), piston.compiled, piston.language, request, who, &final,
                &refusal))
    return refusal;
  return fromFinal(final, piston.compiled);
}

bool HttpApi::runToEnd(Job job, bool compiled, const std::string& language,
                       const HTTPServerRequest& request, const ClientIdentity& who,
                       nlohmann::json* final_out, Reply* refusal, std::string* job_id_out,
                       const nlohmann::json& callback) {
  const Limits& l = job.limits;
  const Limits& d = scheduler_->config().defaults;
  const std::chrono::milliseconds run_budget(
      (compiled ? effective(l.compile.wall_ms, d.compile.wall_ms) : 0) +
      effective(l.run.wall_ms, d.run.wall_ms) + settings_.run_slack.count());

  const std::string client = "http " + request.clientAddress().toString();
  auto waiter = startWaiting(client);
  if (!waiter) {
    bool stopping;
    {
      MutexLock lock(mutex_);
      stopping = stopped_;
    }
    *refusal = unavailable(
        stopping ? "the master is stopping and accepts no new job; retry once it is back"
                 : "all " + std::to_string(settings_.threads - settings_.reserved_threads) +
                       " HTTP workers for execute requests are waiting for jobs "
                       "(master.http.threads); retry later");
    return false;
  }
  struct Done {  // whatever happens below, the request stops waiting
    HttpApi* api;
    std::shared_ptr<HttpJobWaiter> waiter;
    ~Done() { api->stopWaiting(waiter); }
  } done{this, waiter};
  waiter->setIdentity(who);  // the job is the requester's, and so are the lookups below

  scheduler_->submit(waiter, "http", std::move(job), callback);
  const auto outcome = waiter->wait(settings_.queue_wait, run_budget);
  const std::string job_id = waiter->jobId();
  if (job_id_out) *job_id_out = job_id;
  switch (outcome) {
    case HttpJobWaiter::Outcome::kFinal:
      *final_out = waiter->final();
      return true;
    case HttpJobWaiter::Outcome::kClosed:
      *refusal =
          unavailable("the master is stopping" +
                      (job_id.empty() ? std::string()
                                      : "; job " + job_id + " stays journaled: GET /api/v1/jobs/" +
                                            job_id + " once the master is back"));
      return false;
    case HttpJobWaiter::Outcome::kQueueWait: {
      // Nobody will wait for it any more: out of the queue, unless it just finished after all.
      if (!job_id.empty()) {
        scheduler_->cancel(waiter, "http-cancel", job_id);
        if (waiter->waitFinal(std::chrono::seconds(5))) {
          const nlohmann::json final = waiter->final();
          if (final.value("type", "") == msg::kResult) {
            *final_out = final;
            return true;
          }
          // The result is on its way from the journal while the refusal of the cancel came first.
          if (final.value("code", "") == errc::kAlreadyFinished) {
            const auto found = askLookup(job_id, request.clientAddress().toString(), who);
            if (found && found->contains("result")) {
              *final_out = {
                  {"type", msg::kResult}, {"job_id", job_id}, {"result", (*found)["result"]}};
              return true;
            }
          }
        }
      }
      *refusal = unavailable(
          "no slave took the " + language + " job within " +
          std::to_string(settings_.queue_wait.count()) +
          " ms (master.http.queue.wait.ms): the cluster is busy or has no slave for it; "
          "the job was cancelled, retry later");
      return false;
    }
    case HttpJobWaiter::Outcome::kRunTimeout:
      *refusal = jsonReply(
          504,
          {{"message", "job " + job_id + " is still " + waiter->state() + " on its slave after " +
                           std::to_string(run_budget.count()) +
                           " ms (its wall limits and master.http slack); its result will be at "
                           "GET /api/v1/jobs/" +
                           job_id},
           {"job_id", job_id}});
      return false;
  }
  *refusal = message(500, "unreachable");
  return false;
}

HttpApi::Reply HttpApi::fromFinal(const nlohmann::json& final, bool compiled) const {
  const std::string type = final.value("type", "");
  if (type == msg::kResult) {
    JobResult result;
    if (Status s = fromJson(final.value("result", nlohmann::json::object()), &result); !s.isOk())
      return message(500, "the job's result cannot be read: " + s.message());
    return jsonReply(200, pistonResponse(result, compiled));
  }
  if (type == msg::kCancelled)
    return jsonReply(
        409, {{"message", "job " + final.value("job_id", "") + " was cancelled before it finished"},
              {"job_id", final.value("job_id", "")}});
  const std::string code = final.value("code", "");
  const std::string text = final.value("message", "the master refused the job");
  if (code == errc::kQueueFull || code == errc::kShuttingDown || code == errc::kInternal)
    return unavailable(text);
  if (code == errc::kUnknownLanguage || code == errc::kBadLimits || code == errc::kBadMessage)
    return message(400, text);
  return message(500, text + " (" + code + ")");
}

std::optional<nlohmann::json> HttpApi::askLookup(const std::string& job_id,
                                                 const std::string& client,
                                                 const ClientIdentity& who) {
  auto waiter = std::make_shared<HttpJobWaiter>("http " + client);
  waiter->setIdentity(who);
  scheduler_->lookup(waiter, "http-job", job_id, false);
  if (!waiter->waitFinal(std::chrono::seconds(10))) return std::nullopt;
  return waiter->final();
}

HttpApi::Reply HttpApi::jobLookup(const std::string& job_id, const std::string& client,
                                  const ClientIdentity& who) {
  int status = 200;
  nlohmann::json body = lookupAnswer(job_id, client, who, &status);
  return status == 503 ? unavailable(body.value("message", "")) : jsonReply(status, body);
}

nlohmann::json HttpApi::lookupAnswer(const std::string& job_id, const std::string& client,
                                     const ClientIdentity& who, int* status) {
  const auto answer = askLookup(job_id, client, who);
  if (!answer) {
    *status = 503;
    return {
        {"message", "the master did not answer the lookup of job " + job_id + " in time; retry"}};
  }
  if (answer->value("type", "") == msg::kError) {
    *status = answer->value("code", "") == errc::kUnknownJob ? 404 : 500;
    return {{"message", answer->value("message", "lookup failed")}};
  }
  *status = 200;
  return lookupBody(job_id, *answer);
}

nlohmann::json HttpApi::lookupBody(const std::string& job_id, const nlohmann::json& answer) {
  nlohmann::json out = {{"job_id", job_id}, {"state", answer.value("state", "")}};
  if (answer.contains("slave")) out["slave"] = answer["slave"];
  if (answer.contains("result")) {
    out["result"] = answer["result"];
    JobResult result;
    if (fromJson(answer["result"], &result).isOk())
      out["piston"] = pistonResponse(result, result.compile.has_value());
  }
  return out;
}

bool HttpApi::readJsonBody(HTTPServerRequest& request, nlohmann::json* body, Reply* refusal) {
  std::string text;
  const bool read = readBody(request, &text, refusal);
  HttpServer::requestRead();  // what follows waits with deadlines of its own
  if (!read) return false;
  if (Status s = parseJson(text, body); !s.isOk()) {
    *refusal = message(400, "the request body is not JSON: " + s.message());
    return false;
  }
  if (!body->is_object()) {
    *refusal = message(400, "the request body must be a JSON object, not " + shownValue(*body));
    return false;
  }
  return true;
}

std::vector<HttpApi::AsyncOutcome> HttpApi::submitAsync(std::vector<AsyncJob> jobs,
                                                        const std::string& client,
                                                        const ClientIdentity& who) {
  const size_t n = jobs.size();
  std::vector<AsyncOutcome> out(n);
  std::vector<std::shared_ptr<HttpJobWaiter>> waiters(n);
  std::vector<std::shared_ptr<Peer>> watchers(n);
  {
    MutexLock lock(mutex_);
    if (stopped_) {
      for (auto& o : out)
        o.refusal = unavailable(
            "the master is stopping and accepts no new job; retry once it "
            "is back");
      return out;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    AsyncJob& a = jobs[i];
    if (a.callback.is_object()) {
      static const std::vector<std::string> kNone;
      const std::string url = a.callback.value("url", "");
      if (Status s = checkCallbackUrl(url, callbacks_ ? callbacks_->settings().allow : kNone);
          !s.isOk()) {
        out[i].refusal = message(400, s.message());
        continue;
      }
      watchers[i] =
          callbacks_->watch(url, a.callback.value("method", "POST"), callbackBody(a.callback));
      if (!watchers[i]) {
        out[i].refusal = unavailable(
            std::to_string(callbacks_->settings().max_pending) +
            " callbacks wait for their jobs already (master.callback.pending.max); retry later, "
            "or submit without callback_url and fetch the result by id");
        continue;
      }
      watchers[i]->setIdentity(who);
    }
    waiters[i] = std::make_shared<HttpJobWaiter>("http " + client);
    waiters[i]->setIdentity(who);  // the job is the requester's
    scheduler_->submit(waiters[i], "http", std::move(a.job), a.callback);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!waiters[i]) continue;
    const bool answered = waiters[i]->waitAccepted(kAcceptWait);
    out[i].job_id = waiters[i]->jobId();
    if (out[i].job_id.empty()) {
      if (watchers[i]) callbacks_->forget(watchers[i]);
      out[i].refusal = answered ? fromFinal(waiters[i]->final(), false)
                                : unavailable("the master did not accept the job within " +
                                              std::to_string(kAcceptWait.count()) +
                                              " s (its journal is slow); look for it with "
                                              "GET /api/v1/cluster before you submit it again");
      continue;
    }
    if (watchers[i]) scheduler_->lookup(watchers[i], "callback", out[i].job_id, true);
  }
  return out;
}

namespace {
// A job of /api/v1: as on the native protocol, but not live (its output and input need a
// connection that stays open).
Status fromHttpJson(const nlohmann::json& body, Job* job) {
  if (Status s = fromJson(body, job); !s.isOk()) return s;
  if (job->live())
    return Status::invalidArgument(
        std::string("job.") + (job->interactive ? "interactive" : "stream") +
        " needs a connection that stays open: use the native protocol (polyrun run) or the "
        "WebSocket /api/v2/connect");
  return Status::ok();
}
}  // namespace

HttpApi::Reply HttpApi::submitJob(HTTPServerRequest& request, const ClientIdentity& who) {
  nlohmann::json body;
  Reply refusal;
  if (!readJsonBody(request, &body, &refusal)) return refusal;
  AsyncJob a;
  if (Status s = fromHttpJson(body, &a.job); !s.isOk()) return message(400, s.message());
  if (body.contains("callback_url")) {
    if (!body["callback_url"].is_string())
      return message(400, "callback_url must be a string: the URL to POST the result to");
    a.callback = callbackFor(body["callback_url"].get<std::string>());
  }
  const std::string callback = a.callback.is_object() ? a.callback.value("url", "") : "";
  std::vector<AsyncJob> one;
  one.push_back(std::move(a));
  AsyncOutcome o =
      std::move(submitAsync(std::move(one), request.clientAddress().toString(), who)[0]);
  if (o.job_id.empty()) return o.refusal;
  nlohmann::json reply = {
      {"job_id", o.job_id}, {"state", "queued"}, {"url", "/api/v1/jobs/" + o.job_id}};
  if (!callback.empty()) reply["callback_url"] = callback;
  Reply r = jsonReply(202, reply);
  r.headers.emplace_back("Location", "/api/v1/jobs/" + o.job_id);
  return r;
}

HttpApi::Reply HttpApi::submitBatch(HTTPServerRequest& request, const ClientIdentity& who) {
  nlohmann::json body;
  Reply refusal;
  if (!readJsonBody(request, &body, &refusal)) return refusal;
  auto items = body.find("jobs");
  if (items == body.end() || !items->is_array() || items->empty())
    return message(400,
                   "a batch is {\"jobs\": [job, ...]} with at least one job (each as for "
                   "POST /api/v1/jobs)");
  if (items->size() > settings_.batch_max)
    return message(413, "a batch of " + std::to_string(items->size()) +
                            " jobs is over the limit of " + std::to_string(settings_.batch_max) +
                            " (master.http.batch.max): split it");
  std::vector<nlohmann::json> answers(items->size());
  std::vector<AsyncJob> jobs;
  std::vector<size_t> where;  // jobs[k] is item where[k]
  for (size_t i = 0; i < items->size(); ++i) {
    const nlohmann::json& item = (*items)[i];
    const std::string at = "jobs[" + std::to_string(i) + "]: ";
    AsyncJob a;
    Status s = fromHttpJson(item, &a.job);
    if (s.isOk() && item.contains("callback_url")) {
      if (item["callback_url"].is_string())
        a.callback = callbackFor(item["callback_url"].get<std::string>());
      else
        s = Status::invalidArgument("callback_url must be a string");
    }
    if (!s.isOk()) {
      answers[i] = {{"status", 400}, {"message", at + s.message()}};
      continue;
    }
    jobs.push_back(std::move(a));
    where.push_back(i);
  }
  auto outcomes = submitAsync(std::move(jobs), request.clientAddress().toString(), who);
  for (size_t k = 0; k < outcomes.size(); ++k) {
    nlohmann::json& answer = answers[where[k]];
    if (!outcomes[k].job_id.empty()) {
      answer = {{"job_id", outcomes[k].job_id},
                {"state", "queued"},
                {"url", "/api/v1/jobs/" + outcomes[k].job_id}};
      continue;
    }
    nlohmann::json why = nlohmann::json::parse(outcomes[k].refusal.body, nullptr, false);
    answer = {{"status", outcomes[k].refusal.status},
              {"message", "jobs[" + std::to_string(where[k]) +
                              "]: " + (why.is_object() ? why.value("message", "") : "refused")}};
  }
  return jsonReply(202, {{"jobs", answers}});
}

HttpApi::Reply HttpApi::lookupBatch(const HTTPServerRequest& request, const ClientIdentity& who) {
  const std::string ids = queryValue(request, "ids");
  std::vector<std::string> list;
  for (size_t start = 0; start <= ids.size();) {
    const size_t comma = std::min(ids.find(',', start), ids.size());
    if (comma > start) list.push_back(ids.substr(start, comma - start));
    start = comma + 1;
  }
  if (list.empty()) return message(400, "name the jobs: GET /api/v1/jobs/batch?ids=ID,ID,...");
  if (list.size() > settings_.batch_max)
    return message(400, std::to_string(list.size()) + " ids are over the limit of " +
                            std::to_string(settings_.batch_max) + " (master.http.batch.max)");
  const std::string client = request.clientAddress().toString();
  nlohmann::json jobs = nlohmann::json::array();
  for (const std::string& id : list) {
    int status = 200;
    nlohmann::json j = lookupAnswer(id, client, who, &status);
    if (status != 200) j = {{"job_id", id}, {"status", status}, {"message", j["message"]}};
    jobs.push_back(std::move(j));
  }
  return jsonReply(200, {{"jobs", jobs}});
}

HttpApi::Reply HttpApi::cancelJob(const std::string& job_id, const std::string& client,
                                  const ClientIdentity& who) {
  auto waiter = std::make_shared<HttpJobWaiter>("http " + client);
  waiter->setIdentity(who);
  scheduler_->cancel(waiter, "http-cancel", job_id);
  if (!waiter->waitFinal(std::chrono::seconds(10)))
    return unavailable("the master did not answer the cancel of job " + job_id + " in time; retry");
  const nlohmann::json final = waiter->final();
  if (final.value("type", "") == msg::kCancelled)
    return jsonReply(
        200, {{"job_id", job_id}, {"state", "cancelled"}, {"was", final.value("state", "")}});
  const std::string code = final.value("code", "");
  if (code == errc::kUnknownJob) return message(404, final.value("message", "no such job"));
  if (code == errc::kAlreadyFinished)
    return message(409, final.value("message", "the job already finished"));
  return message(500, final.value("message", "the cancel failed") + " (" + code + ")");
}

nlohmann::json HttpApi::callbackFor(const std::string& url, bool judge0, int language_id) {
  if (url.empty()) return nullptr;
  nlohmann::json c = {
      {"url", url}, {"method", judge0 ? "PUT" : "POST"}, {"format", judge0 ? "judge0" : "polyrun"}};
  if (judge0) c["language_id"] = language_id;
  return c;
}

CallbackSender::BodyFn HttpApi::callbackBody(const nlohmann::json& callback) {
  if (callback.value("format", "") == "judge0")
    return judge0CallbackBodyFn(callback.value("language_id", 0));
  return [](const nlohmann::json& answer) {
    return dump(lookupBody(answer.value("job_id", ""), answer));
  };
}

void HttpApi::resumeCallbacks(const std::vector<Scheduler::RecoveredCallback>& recovered) {
  for (const auto& r : recovered) {
    const std::string url = r.callback.value("url", "");
    static const std::vector<std::string> kNone;
    // The operator may have narrowed the allow list since: the callback is then not made.
    if (Status s = checkCallbackUrl(url, callbacks_ ? callbacks_->settings().allow : kNone);
        !s.isOk()) {
      log().warning("no callback for recovered job %s: %s", r.job_id, s.message());
      continue;
    }
    auto watcher =
        callbacks_->watch(url, r.callback.value("method", "POST"), callbackBody(r.callback));
    if (!watcher) {
      log().warning("no callback for recovered job %s: master.callback.pending.max reached",
                    r.job_id);
      continue;
    }
    watcher->setIdentity(ClientIdentity{r.owner, false});
    scheduler_->lookup(watcher, "callback", r.job_id, true);
  }
  if (!recovered.empty())
    log().information("watching %z recovered jobs for their callbacks", recovered.size());
}

std::shared_ptr<HttpJobWaiter> HttpApi::startWaiting(const std::string& client) {
  MutexLock lock(mutex_);
  if (stopped_ ||
      static_cast<int>(waiting_.size()) >= settings_.threads - settings_.reserved_threads)
    return nullptr;
  auto waiter = std::make_shared<HttpJobWaiter>(client);
  waiting_.insert(waiter);
  return waiter;
}

void HttpApi::stopWaiting(const std::shared_ptr<HttpJobWaiter>& waiter) {
  MutexLock lock(mutex_);
  waiting_.erase(waiter);
}

void HttpApi::stop() {
  std::set<std::shared_ptr<HttpJobWaiter>> waiting;
  {
    MutexLock lock(mutex_);
    stopped_ = true;
    waiting = waiting_;
  }
  for (const auto& w : waiting) w->close();
}

std::map<int, uint64_t> HttpApi::responseCounts() const {
  MutexLock lock(mutex_);
  return responses_;
}

}  // namespace polyrun::master
