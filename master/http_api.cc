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
    "GET /api/v1/jobs/{id}, GET /api/v1/cluster, GET /metrics, GET /healthz";

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

HttpApi::HttpApi(std::shared_ptr<Scheduler> scheduler, HttpSettings settings)
    : scheduler_(std::move(scheduler)), settings_(settings) {}

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
  const bool reads_body = method == HTTPRequest::HTTP_POST &&
                          (path == "/api/v2/execute" || path == "/api/v2/piston/execute");
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
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return r;
    });
  }
  const std::string jobs = "/api/v1/jobs/";
  if (path.rfind(jobs, 0) == 0 && path.size() > jobs.size()) {
    std::string job_id;
    Poco::URI::decode(path.substr(jobs.size()), job_id);
    return only(HTTPRequest::HTTP_GET, [&] { return jobLookup(job_id, client, who); });
  }
  Reply r = message(404, "no route " + method + " " + path + "; the routes are " + kRoutes);
  r.close = hasBody(request);
  return r;
}

bool HttpApi::authorized(const HTTPServerRequest& request, Reply* refusal,
                         ClientIdentity* who) const {
  std::string token = request.get("Authorization", "");
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
  const SchedulerConfig& config = scheduler_->config();
  if (!decodePistonBody(text, scheduler_->runtimes(), config.maxima, &piston, &error))
    return message(400, error);

  const Limits& l = piston.job.limits;
  const Limits& d = config.defaults;
  const std::chrono::milliseconds run_budget(
      (piston.compiled ? effective(l.compile.wall_ms, d.compile.wall_ms) : 0) +
      effective(l.run.wall_ms, d.run.wall_ms) + settings_.run_slack.count());

  const std::string client = "http " + request.clientAddress().toString();
  auto waiter = startWaiting(client);
  if (!waiter) {
    bool stopping;
    {
      MutexLock lock(mutex_);
      stopping = stopped_;
    }
    return unavailable(
        stopping ? "the master is stopping and accepts no new job; retry once it is back"
                 : "all " + std::to_string(settings_.threads - settings_.reserved_threads) +
                       " HTTP workers for execute requests are waiting for jobs "
                       "(master.http.threads); retry later");
  }
  struct Done {  // whatever happens below, the request stops waiting
    HttpApi* api;
    std::shared_ptr<HttpJobWaiter> waiter;
    ~Done() { api->stopWaiting(waiter); }
  } done{this, waiter};
  waiter->setIdentity(who);  // the job is the requester's, and so are the lookups below

  scheduler_->submit(waiter, "http", std::move(piston.job));
  const auto outcome = waiter->wait(settings_.queue_wait, run_budget);
  const std::string job_id = waiter->jobId();
  switch (outcome) {
    case HttpJobWaiter::Outcome::kFinal:
      return fromFinal(waiter->final(), piston.compiled);
    case HttpJobWaiter::Outcome::kClosed:
      return unavailable("the master is stopping" +
                         (job_id.empty()
                              ? std::string()
                              : "; job " + job_id + " stays journaled: GET /api/v1/jobs/" + job_id +
                                    " once the master is back"));
    case HttpJobWaiter::Outcome::kQueueWait: {
      // Nobody will wait for it any more: out of the queue, unless it just finished after all.
      if (!job_id.empty()) {
        scheduler_->cancel(waiter, "http-cancel", job_id);
        if (waiter->waitFinal(std::chrono::seconds(5))) {
          const nlohmann::json final = waiter->final();
          if (final.value("type", "") == msg::kResult) return fromFinal(final, piston.compiled);
          // The result is on its way from the journal while the refusal of the cancel came first.
          if (final.value("code", "") == errc::kAlreadyFinished) {
            Reply found = jobLookup(job_id, client, who);
            if (found.status == 200) {
              nlohmann::json j;
              if (parseJson(found.body, &j).isOk() && j.contains("piston"))
                return jsonReply(200, j["piston"]);
            }
          }
        }
      }
      return unavailable(
          "no slave took the " + piston.language + " job within " +
          std::to_string(settings_.queue_wait.count()) +
          " ms (master.http.queue.wait.ms): the cluster is busy or has no slave for it; "
          "the job was cancelled, retry later");
    }
    case HttpJobWaiter::Outcome::kRunTimeout:
      return jsonReply(
          504,
          {{"message", "job " + job_id + " is still " + waiter->state() + " on its slave after " +
                           std::to_string(run_budget.count()) +
                           " ms (its wall limits and master.http slack); its result will be at "
                           "GET /api/v1/jobs/" +
                           job_id},
           {"job_id", job_id}});
  }
  return message(500, "unreachable");
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

HttpApi::Reply HttpApi::jobLookup(const std::string& job_id, const std::string& client,
                                  const ClientIdentity& who) {
  auto waiter = std::make_shared<HttpJobWaiter>("http " + client);
  waiter->setIdentity(who);
  scheduler_->lookup(waiter, "http-job", job_id, false);
  if (!waiter->waitFinal(std::chrono::seconds(10)))
    return unavailable("the master did not answer the lookup of job " + job_id + " in time; retry");
  const nlohmann::json final = waiter->final();
  if (final.value("type", "") == msg::kError) {
    const bool unknown = final.value("code", "") == errc::kUnknownJob;
    return message(unknown ? 404 : 500, final.value("message", "lookup failed"));
  }
  nlohmann::json out = {{"job_id", job_id}, {"state", final.value("state", "")}};
  if (final.contains("slave")) out["slave"] = final["slave"];
  if (final.contains("result")) {
    out["result"] = final["result"];
    JobResult result;
    if (fromJson(final["result"], &result).isOk())
      out["piston"] = pistonResponse(result, result.compile.has_value());
  }
  return jsonReply(200, out);
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
