#include "events.h"

#include <ctime>

namespace polyrun::master {
namespace {
using nlohmann::json;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Whether `viewer` may see the id of a job of `owner` (cluster_report.h, OtherJobs).
bool seesJob(const ClientIdentity& viewer, OtherJobs other_jobs, const std::string& owner) {
  return viewer.sees_all || other_jobs == OtherJobs::kAll || owner == viewer.owner;
}

}  // namespace

Event makeEvent(EventLevel level, std::string_view kind, std::string message) {
  Event e;
  e.level = level;
  e.kind = std::string(kind);
  e.message = std::move(message);
  return e;
}

std::string_view eventLevelName(EventLevel level) {
  switch (level) {
    case EventLevel::kInfo:
      return "info";
    case EventLevel::kWarning:
      return "warning";
    case EventLevel::kError:
      return "error";
  }
  return "info";
}

std::optional<EventLevel> parseEventLevel(std::string_view name) {
  if (name == "info") return EventLevel::kInfo;
  if (name == "warning") return EventLevel::kWarning;
  if (name == "error") return EventLevel::kError;
  return std::nullopt;
}

std::string isoUtc(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(unix_ms % 1000));
  return std::string(buf, n) + ms;
}

json eventJson(const Event& e, const ClientIdentity& viewer, OtherJobs other_jobs) {
  json j = {{"id", e.id},
            {"time_ms", e.time_ms},
            {"time", isoUtc(e.time_ms)},
            {"level", eventLevelName(e.level)},
            {"kind", e.kind},
            {"message", e.message}};
  if (!e.slave.empty()) j["slave"] = e.slave;
  if (!e.language.empty()) j["language"] = e.language;
  if (!e.job_id.empty() && seesJob(viewer, other_jobs, e.owner)) j["job_id"] = e.job_id;
  if (!e.client.empty() && viewer.sees_all) j["client"] = e.client;
  if (e.kind == event_kind::kEventsDropped) {
    j["from"] = e.dropped_from;
    j["to"] = e.dropped_to;
  }
  return j;
}

// --- Subscription --------------------------------------------------------------------------

bool EventLog::Subscription::offer(const Event& event) {
  {
    MutexLock lock(mutex_);
    if (cancelled_ || closed_) return !cancelled_;
    if (queue_.size() < capacity_) {
      queue_.push_back(event);
    } else if (!queue_.empty() && queue_.back().kind == event_kind::kEventsDropped) {
      queue_.back().dropped_to = event.id;  // the marker stands for every event dropped since
    } else {
      // One slot beyond the capacity, for the marker: the queue never holds more.
      Event marker;
      marker.time_ms = event.time_ms;
      marker.level = EventLevel::kWarning;
      marker.kind = event_kind::kEventsDropped;
      marker.dropped_from = marker.dropped_to = event.id;
      queue_.push_back(std::move(marker));
    }
  }
  cv_.notify_all();
  return true;
}

EventLog::Subscription::Batch EventLog::Subscription::take() {
  Batch batch;
  MutexLock lock(mutex_);
  batch.events.assign(std::make_move_iterator(queue_.begin()),
                      std::make_move_iterator(queue_.end()));
  queue_.clear();
  batch.closed = closed_ && batch.events.empty();
  for (Event& e : batch.events) {
    if (e.kind != event_kind::kEventsDropped) continue;
    e.message = "events " + std::to_string(e.dropped_from) + " to " + std::to_string(e.dropped_to) +
                " were not delivered: this subscriber took them too slowly "
                "(master.events.subscriber.queue); the master keeps the last master.events.keep "
                "events: subscribe again after " +
                std::to_string(e.dropped_from - 1) + " to get those still kept";
  }
  return batch;
}

EventLog::Subscription::Batch EventLog::Subscription::wait(
    std::chrono::steady_clock::time_point deadline) {
  {
    MutexLock lock(mutex_);
    cv_.wait_until(lock.native(), deadline,
                   [this]() POLYRUN_REQUIRES(mutex_) { return !queue_.empty() || closed_; });
  }
  return take();
}

bool EventLog::Subscription::pending() {
  MutexLock lock(mutex_);
  return !queue_.empty();
}

void EventLog::Subscription::cancel() {
  MutexLock lock(mutex_);
  cancelled_ = true;
  queue_.clear();
}

void EventLog::Subscription::close() {
  {
    MutexLock lock(mutex_);
    closed_ = true;
  }
  cv_.notify_all();
}

// --- EventLog ------------------------------------------------------------------------------

EventLog::EventLog(size_t keep, size_t queue) : keep_(std::max<size_t>(keep, 1)), queue_(queue) {}

uint64_t EventLog::publish(Event event) {
  std::vector<std::shared_ptr<Subscription>> to_notify;
  uint64_t id;
  {
    MutexLock lock(mutex_);
    id = event.id = next_id_++;
    event.time_ms = nowMs();
    ring_.push_back(event);
    while (ring_.size() > keep_) ring_.pop_front();
    size_t live = 0;
    for (auto& weak : subscribers_) {
      std::shared_ptr<Subscription> s = weak.lock();
      if (!s || !s->offer(event)) continue;  // gone or cancelled: pruned below
      subscribers_[live++] = weak;
      if (s->notify_) to_notify.push_back(std::move(s));
    }
    subscribers_.resize(live);
  }
  for (const auto& s : to_notify) s->notify_();
  return id;
}

std::vector<Event> EventLog::backlog(uint64_t after_id) const {
  MutexLock lock(mutex_);
  std::vector<Event> out;
  for (const Event& e : ring_)
    if (e.id > after_id) out.push_back(e);
  return out;
}

uint64_t EventLog::newestId() const {
  MutexLock lock(mutex_);
  return next_id_ - 1;
}

std::shared_ptr<EventLog::Subscription> EventLog::subscribe(uint64_t after_id,
                                                            std::function<void()> notify) {
  MutexLock lock(mutex_);
  // Room for the whole backlog as well as the live queue: the backlog is bounded by `keep`.
  size_t backlog = 0;
  for (const Event& e : ring_) backlog += e.id > after_id ? 1 : 0;
  auto s = std::make_shared<Subscription>(backlog + queue_, std::move(notify));
  {
    MutexLock queue_lock(s->mutex_);
    for (const Event& e : ring_)
      if (e.id > after_id) s->queue_.push_back(e);
    s->closed_ = closed_;
  }
  if (!closed_) subscribers_.push_back(s);
  return s;
}

void EventLog::close() {
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    MutexLock lock(mutex_);
    closed_ = true;
    for (auto& weak : subscribers_)
      if (auto s = weak.lock()) subs.push_back(std::move(s));
    subscribers_.clear();
  }
  for (const auto& s : subs) {
    s->close();
    if (s->notify_) s->notify_();
  }
}

}  // namespace polyrun::master
