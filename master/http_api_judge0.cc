// The Judge0-compatible routes of the HTTP API (docs/judge0.md, "Routes"): what each route does
// with the conversions of http_judge0.h, the scheduler and the callbacks. Judge0's bodies and
// status codes are those of Judge0 CE 1.13.1, so that its clients work unchanged.
#include <Poco/Net/HTTPRequest.h>
#include <Poco/URI.h>

#include "http_api.h"
#include "http_judge0.h"
#include "job_state.h"
#include "polyrun/job_json.h"
#include "polyrun/protocol.h"

#ifndef POLYRUN_VERSION
#define POLYRUN_VERSION "unknown"
#endif

namespace polyrun::master {
namespace {
using nlohmann::json;
using Poco::Net::HTTPRequest;
using Poco::Net::HTTPServerRequest;

constexpr const char* kSubmissions = "/submissions";
constexpr const char* kLanguages = "/languages";

// The query parameter `name`; nullopt when the query does not have it.
std::optional<std::string> query(const HTTPServerRequest& request, const std::string& name) {
  try {
    for (const auto& [key, value] : Poco::URI(request.getURI()).getQueryParameters())
      if (key == name) return value;
  } catch (const std::exception&) {  // a malformed query: as if it had none
  }
  return std::nullopt;
}

// A GET's base64_encoded and fields; null, or the 400 body for bad fields.
json readGetQuery(const HTTPServerRequest& request, bool* base64,
                  std::vector<std::string>* fields) {
  *base64 = judge0ParamTrue(query(request, "base64_encoded"), json::object(), "base64_encoded");
  return parseJudge0Fields(query(request, "fields"), fields);
}

// A `job` answer (Scheduler::lookup) as Judge0 shows it; the JobResult it points to lives in
// *result.
std::optional<Judge0View> viewOf(const std::string& token, const json& answer,
                                 std::unique_ptr<JobResult>* result) {
  if (answer.value("type", "") != msg::kJob) return std::nullopt;
  Judge0View v;
  v.token = token;
  v.state = parseJobState(answer.value("state", "")).value_or(JobState::kQueued);
  if (v.state == JobState::kFinished) {
    *result = std::make_unique<JobResult>();
    if (!fromJson(answer.value("result", json::object()), result->get()).isOk())
      return std::nullopt;
    v.result = result->get();
  }
  return v;
}

}  // namespace

bool HttpApi::isJudge0Path(const std::string& path) {
  const auto under = [&](const std::string& root) {
    return path == root || path.rfind(root + "/", 0) == 0;
  };
  return under(kSubmissions) || under(kLanguages) || path == "/statuses" || path == "/about";
}

bool HttpApi::judge0ReadsBody(const std::string& method, const std::string& path) {
  return method == HTTPRequest::HTTP_POST &&
         (path == kSubmissions || path == std::string(kSubmissions) + "/batch");
}

HttpApi::Reply HttpApi::judge0(HTTPServerRequest& request, const std::string& path,
                               const ClientIdentity& who) {
  const std::string& method = request.getMethod();
  const auto allow = [&](const std::string& allowed) -> std::optional<Reply> {
    if (allowed.find(method) != std::string::npos) return std::nullopt;
    Reply r = message(405, method + " " + path + " is not allowed; use " + allowed);
    r.headers.emplace_back("Allow", allowed);
    return r;
  };
  const std::string batch = std::string(kSubmissions) + "/batch";
  if (path == kSubmissions) {
    if (auto r = allow("POST")) return *r;
    return judge0Create(request, who);
  }
  if (path == batch) {
    if (auto r = allow("GET, POST")) return *r;
    return method == HTTPRequest::HTTP_POST ? judge0CreateBatch(request, who)
                                            : judge0GetBatch(request, who);
  }
  if (path.rfind(std::string(kSubmissions) + "/", 0) == 0) {
    if (auto r = allow("GET")) return *r;
    std::string token;
    Poco::URI::decode(path.substr(std::string(kSubmissions).size() + 1), token);
    return judge0Get(request, token, who);
  }
  if (auto r = allow("GET")) return *r;
  if (path == kLanguages) return jsonReply(200, judge0LanguagesBody(scheduler_->runtimes()));
  if (path.rfind(std::string(kLanguages) + "/", 0) == 0) {
    const auto body = judge0LanguageBody(path.substr(std::string(kLanguages).size() + 1));
    return body ? jsonReply(200, *body) : jsonReply(404, judge0NotFound());
  }
  if (path == "/statuses") return jsonReply(200, judge0StatusesBody());
  return jsonReply(200, judge0AboutBody(POLYRUN_VERSION));
}

bool HttpApi::readJudge0Body(HTTPServerRequest& request, json* body, Reply* refusal) {
  std::string text;
  const bool read = readBody(request, &text, refusal);
  HttpServer::requestRead();  // what follows waits with deadlines of its own
  if (!read) return false;
  if (json error = parseJudge0Body(text, body); !error.is_null()) {
    *refusal = jsonReply(400, error);
    return false;
  }
  return true;
}

CallbackSender::BodyFn judge0CallbackBodyFn(int language_id) {
  return [language_id](const json& answer) {
    std::unique_ptr<JobResult> result;
    std::optional<Judge0View> v = viewOf(answer.value("job_id", ""), answer, &result);
    if (!v) return std::string();
    v->language_id = language_id;
    return judge0CallbackBody(*v).dump(-1, ' ', false, json::error_handler_t::replace);
  };
}

HttpApi::Reply HttpApi::judge0Create(HTTPServerRequest& request, const ClientIdentity& who) {
  json body;
  Reply refusal;
  if (!readJudge0Body(request, &body, &refusal)) return refusal;
  const bool base64 = judge0ParamTrue(query(request, "base64_encoded"), body, "base64_encoded");
  const bool wait = judge0ParamTrue(query(request, "wait"), body, "wait");
  std::vector<std::string> fields;
  if (json error = parseJudge0Fields(query(request, "fields"), &fields); !error.is_null())
    return jsonReply(400, error);
  const SchedulerConfig& config = scheduler_->config();
  Judge0Submission s;
  if (json error = decodeJudge0Submission(body, base64, scheduler_->runtimes(), config.maxima,
                                          config.defaults, &s);
      !error.is_null())
    return jsonReply(422, error);
  const std::string callback_url = s.request.callback_url.value_or("");
  const json callback = callbackFor(callback_url, true, s.request.language_id);  // a PUT

  if (!wait) {
    AsyncJob a;
    a.job = std::move(s.job);
    a.callback = callback;
    std::vector<AsyncJob> one;
    one.push_back(std::move(a));
    AsyncOutcome o =
        std::move(submitAsync(std::move(one), request.clientAddress().toString(), who)[0]);
    if (o.job_id.empty()) return o.refusal;
    return jsonReply(201, {{"token", o.job_id}});
  }

  // wait=true: the answer is the finished submission. A callback is still made, as Judge0 does.
  std::shared_ptr<Peer> watcher;
  if (!callback_url.empty()) {
    static const std::vector<std::string> kNone;
    if (Status st =
            checkCallbackUrl(callback_url, callbacks_ ? callbacks_->settings().allow : kNone);
        !st.isOk())
      return message(400, st.message());
    watcher = callbacks_->watch(callback_url, "PUT", callbackBody(callback));
    if (!watcher)
      return unavailable(
          "too many callbacks wait for their jobs (master.callback.pending.max); "
          "retry later");
    watcher->setIdentity(who);
  }
  json final;
  std::string job_id;
  const std::string language = s.job.language;
  const bool ran = runToEnd(std::move(s.job), s.compiled, language, request, who, &final, &refusal,
                            &job_id, callback);
  if (watcher) {
    if (job_id.empty())
      callbacks_->forget(watcher);
    else
      scheduler_->lookup(watcher, "callback", job_id, true);
  }
  if (!ran) return refusal;
  const std::string type = final.value("type", "");
  if (type == msg::kError) return fromFinal(final, s.compiled);
  Judge0View v;
  v.token = job_id;
  v.language_id = s.request.language_id;
  v.request = &s.request;
  JobResult result;
  if (type == msg::kCancelled) {
    v.state = JobState::kCancelled;
  } else {
    if (Status st = fromJson(final.value("result", json::object()), &result); !st.isOk())
      return message(500, "the job's result cannot be read: " + st.message());
    v.state = JobState::kFinished;
    v.result = &result;
  }
  const auto shown = judge0Submission(v, fields, base64);
  return jsonReply(201, shown ? *shown : judge0Utf8Error(job_id));
}

HttpApi::Reply HttpApi::judge0Get(const HTTPServerRequest& request, const std::string& token,
                                  const ClientIdentity& who) {
  bool base64 = false;
  std::vector<std::string> fields;
  if (json error = readGetQuery(request, &base64, &fields); !error.is_null())
    return jsonReply(400, error);
  std::unique_ptr<JobResult> result;
  const std::optional<Judge0View> v = judge0Lookup(token, request, who, &result);
  if (!v) return jsonReply(404, judge0NotFound());
  const auto shown = judge0Submission(*v, fields, base64);
  return shown ? jsonReply(200, *shown) : jsonReply(400, judge0Utf8Error());
}

std::optional<Judge0View> HttpApi::judge0Lookup(const std::string& token,
                                                const HTTPServerRequest& request,
                                                const ClientIdentity& who,
                                                std::unique_ptr<JobResult>* result) {
  const auto answer = askLookup(token, request.clientAddress().toString(), who);
  if (!answer) return std::nullopt;
  return viewOf(token, *answer, result);
}

HttpApi::Reply HttpApi::judge0CreateBatch(HTTPServerRequest& request, const ClientIdentity& who) {
  json body;
  Reply refusal;
  if (!readJudge0Body(request, &body, &refusal)) return refusal;
  const bool base64 = judge0ParamTrue(query(request, "base64_encoded"), body, "base64_encoded");
  const SchedulerConfig& config = scheduler_->config();
  std::vector<Judge0BatchItem> items;
  if (json error = decodeJudge0Batch(body, base64, scheduler_->runtimes(), config.maxima,
                                     config.defaults, kJudge0MaxBatch, &items);
      !error.is_null())
    return jsonReply(400, error);
  std::vector<AsyncJob> jobs;
  std::vector<size_t> where;  // jobs[k] is items[where[k]]
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].error.is_null()) continue;
    AsyncJob a;
    a.job = std::move(items[i].submission.job);
    a.callback = callbackFor(items[i].submission.request.callback_url.value_or(""), true,
                             items[i].submission.request.language_id);
    jobs.push_back(std::move(a));
    where.push_back(i);
  }
  std::vector<std::string> tokens(items.size());
  auto outcomes = submitAsync(std::move(jobs), request.clientAddress().toString(), who);
  for (size_t k = 0; k < outcomes.size(); ++k) {
    if (!outcomes[k].job_id.empty()) {
      tokens[where[k]] = outcomes[k].job_id;
      continue;
    }
    // Refused by the master (a full queue, a callback not allowed...): that item's error.
    const json why = json::parse(outcomes[k].refusal.body, nullptr, false);
    items[where[k]].error = {
        {"error", why.is_object() ? why.value("message", "refused") : "refused"}};
  }
  int status = 201;
  json answer = judge0BatchCreated(items, tokens, &status);
  return jsonReply(status, answer);
}

HttpApi::Reply HttpApi::judge0GetBatch(const HTTPServerRequest& request,
                                       const ClientIdentity& who) {
  bool base64 = false;
  std::vector<std::string> fields;
  if (json error = readGetQuery(request, &base64, &fields); !error.is_null())
    return jsonReply(400, error);
  std::vector<std::string> tokens;
  if (json error =
          parseJudge0Tokens(query(request, "tokens").value_or(""), kJudge0MaxBatch, &tokens);
      !error.is_null())
    return jsonReply(400, error);
  std::vector<std::unique_ptr<JobResult>> results(tokens.size());
  std::vector<std::optional<Judge0View>> views;
  for (size_t i = 0; i < tokens.size(); ++i)
    views.push_back(judge0Lookup(tokens[i], request, who, &results[i]));
  const auto shown = judge0BatchSubmissions(views, fields, base64);
  return shown ? jsonReply(200, *shown) : jsonReply(400, judge0BatchUtf8Error());
}

}  // namespace polyrun::master
