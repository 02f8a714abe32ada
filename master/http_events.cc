// GET /api/v1/events (docs/http-api.md, "Events"): the cluster's events as Server-Sent Events,
// or the kept ones as JSON.
#include <Poco/Logger.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "http_api.h"
#include "http_server.h"

namespace polyrun::master {
namespace {
using nlohmann::json;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

Poco::Logger& log() { return Poco::Logger::get("master.http"); }

// A comment line every this long, so that proxies and clients see the stream alive.
constexpr std::chrono::seconds kKeepAlive{15};

std::string query(const HTTPServerRequest& request, const std::string& name, bool* present) {
  *present = false;
  try {
    for (const auto& [key, value] : Poco::URI(request.getURI()).getQueryParameters())
      if (key == name) {
        *present = true;
        return value;
      }
  } catch (const std::exception&) {  // a malformed query: as if absent
  }
  return "";
}

bool parseId(const std::string& text, uint64_t* id) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  try {
    *id = std::stoull(text);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace

bool HttpApi::isEventsPath(const HTTPServerRequest& request) {
  std::string path = request.getURI();
  path = path.substr(0, path.find_first_of("?#"));
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path == "/api/v1/events";
}

bool HttpApi::wantsEventStream(const HTTPServerRequest& request) {
  bool present = false;
  const std::string follow = Poco::toLower(query(request, "follow", &present));
  if (present) return follow != "0" && follow != "false" && follow != "no";
  return Poco::toLower(request.get("Accept", "")).find("text/event-stream") != std::string::npos;
}

bool HttpApi::eventsAfter(const HTTPServerRequest& request, bool stream, uint64_t* after,
                          std::string* error) {
  *after = 0;
  bool present = false;
  const std::string text = query(request, "after", &present);
  if (present) {
    if (parseId(text, after)) return true;
    *error = "after=" + text.substr(0, 40) + " is not an event id (an integer, 0 or more)";
    return false;
  }
  // An EventSource that reconnects names the last event it got; an id it cannot parse is
  // ignored (as the whole backlog was asked for), as the SSE standard's clients expect.
  if (stream) parseId(Poco::trim(request.get("Last-Event-ID", "")), after);
  return true;
}

HttpApi::Reply HttpApi::eventsReply(const HTTPServerRequest& request, const ClientIdentity& who) {
  EventLog* const events = scheduler_->events();
  if (!events) return message(404, "this master keeps no events");
  const bool stream = wantsEventStream(request);
  uint64_t after = 0;
  std::string error;
  if (!eventsAfter(request, stream, &after, &error)) return message(400, error);
  if (stream) {
    // streamEvents() declined: every stream is taken, or the master stops.
    return unavailable("all " + std::to_string(settings_.event_streams) +
                       " event streams are open (master.events.streams.max); retry later, or "
                       "poll GET /api/v1/events?follow=0&after=ID");
  }
  json list = json::array();
  for (const Event& e : events->backlog(after))
    list.push_back(eventJson(e, who, scheduler_->config().other_jobs));
  return jsonReply(
      200, {{"events", std::move(list)}, {"newest", events->newestId()}, {"keep", events->keep()}});
}

bool HttpApi::streamEvents(HTTPServerRequest& request, HTTPServerResponse& response) {
  EventLog* const events = scheduler_->events();
  if (!events || request.getMethod() != Poco::Net::HTTPRequest::HTTP_GET ||
      !isEventsPath(request) || !wantsEventStream(request))
    return false;
  Reply refusal;
  ClientIdentity who;
  uint64_t after = 0;
  std::string error;
  if (!authorized(request, &refusal, &who) || !eventsAfter(request, true, &after, &error))
    return false;  // route() answers
  {
    MutexLock lock(mutex_);
    if (stopped_ || open_streams_ >= settings_.event_streams) return false;
    ++open_streams_;
    ++responses_[200];
  }
  HttpServer::requestRead();  // a GET has no body: the request is whole
  const OtherJobs other_jobs = scheduler_->config().other_jobs;
  const auto subscription = events->subscribe(after);
  try {
    response.setStatus(HTTPServerResponse::HTTP_OK);
    response.setContentType("text/event-stream; charset=utf-8");
    response.set("Cache-Control", "no-cache");
    response.set("X-Accel-Buffering", "no");  // nginx: pass each event on at once
    response.setChunkedTransferEncoding(true);
    response.setKeepAlive(false);
    std::ostream& out = response.send();
    out << ": polyrun events; newest id " << events->newestId() << "\n\n";
    out.flush();  // each flush is one chunk on the wire
    while (out) {
      const auto batch = subscription->wait(std::chrono::steady_clock::now() + kKeepAlive);
      if (batch.closed) break;
      if (batch.events.empty()) out << ": keep-alive\n\n";
      for (const Event& e : batch.events) {
        if (e.id != 0) out << "id: " << e.id << "\n";  // events_dropped keeps the last id
        out << "event: " << e.kind << "\ndata: "
            << eventJson(e, who, other_jobs).dump(-1, ' ', false, json::error_handler_t::replace)
            << "\n\n";
      }
      out.flush();
    }
  } catch (const std::exception& e) {  // the client went away
    log().debug("event stream to %s ended: %s", request.clientAddress().toString(),
                std::string(e.what()));
  }
  subscription->cancel();
  {
    MutexLock lock(mutex_);
    --open_streams_;
  }
  HttpServer::responseSent();
  return true;
}

}  // namespace polyrun::master
