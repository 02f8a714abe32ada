// The cluster's events (docs/architecture.md, "Events"): what happened to slaves, languages,
// queues and clients, as it happened, for operators watching the cluster (native `subscribe`,
// HTTP GET /api/v1/events, `polyrun events`, the GUI's Logs view).
//
// EventLog keeps the last `keep` events in a ring, numbered from 1 at each start of the master
// (ids restart with it). A subscriber gets the kept events after the id it names, then every new
// one. publish() never waits for a subscriber: each has a bounded queue of its own, and events
// that do not fit are dropped for that subscriber only and reported to it in their place, as one
// `events_dropped` event naming the ids it missed. Every member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster_report.h"
#include "peer.h"
#include "polyrun/thread_annotations.h"

namespace polyrun::master {

enum class EventLevel { kInfo = 0, kWarning = 1, kError = 2 };
std::string_view eventLevelName(EventLevel level);
/// "info", "warning" or "error"; nullopt for anything else.
std::optional<EventLevel> parseEventLevel(std::string_view name);

/// Kinds of event (docs/protocol.md, "subscribe → event", lists them with their fields).
namespace event_kind {
inline constexpr std::string_view kMasterStarted = "master_started";
inline constexpr std::string_view kMasterStopping = "master_stopping";
inline constexpr std::string_view kSlaveJoined = "slave_joined";
inline constexpr std::string_view kSlaveLost = "slave_lost";
inline constexpr std::string_view kSlaveDraining = "slave_draining";
inline constexpr std::string_view kSlaveBack = "slave_back";
inline constexpr std::string_view kLanguageAdded = "language_added";
inline constexpr std::string_view kLanguageRefused = "language_refused";
inline constexpr std::string_view kLanguageRetired = "language_retired";
inline constexpr std::string_view kJobRequeued = "job_requeued";
inline constexpr std::string_view kQueueFull = "queue_full";
inline constexpr std::string_view kClientRefused = "client_refused";
/// Only ever sent to one subscriber, in place of the events it was too slow to take.
inline constexpr std::string_view kEventsDropped = "events_dropped";
}  // namespace event_kind

struct Event {
  uint64_t id = 0;      // set by publish(); 0 for events_dropped, which is no event of the log
  int64_t time_ms = 0;  // Unix time; set by publish()
  EventLevel level = EventLevel::kInfo;
  std::string kind;      // event_kind
  std::string message;   // for people: what happened and, where it helps, what to do
  std::string slave;     // the slave it is about, or empty
  std::string language;  // the language it is about, or empty
  std::string job_id;    // the job it is about, or empty
  std::string owner;     // the job's owner (ClientIdentity::owner): who may see job_id
  std::string client;    // the client's address (client_refused): operators only
  uint64_t dropped_from = 0, dropped_to = 0;  // events_dropped: the ids missed, inclusive
};

/// An event of `kind` to publish (id and time are set by EventLog::publish).
Event makeEvent(EventLevel level, std::string_view kind, std::string message);

/// The event as `viewer` may see it (docs/http-api.md, "Who sees which jobs"): operators see
/// everything; others see a job id only of their own jobs (or of every job when `other_jobs`
/// is kAll), and no client address.
nlohmann::json eventJson(const Event& event, const ClientIdentity& viewer, OtherJobs other_jobs);
/// "2026-12-07T19:33:03.123Z" for a Unix time in ms.
std::string isoUtc(int64_t unix_ms);

class EventLog {
 public:
  /// `keep`: events kept for late subscribers (master.events.keep). `queue`: live events one
  /// subscriber may have waiting before further ones are dropped for it
  /// (master.events.subscriber.queue).
  explicit EventLog(size_t keep = 1000, size_t queue = 256);

  /// Numbers, stamps and keeps `event`, and queues it for every subscriber; returns its id.
  /// Takes only this log's mutex and each subscriber's, briefly; calls the subscribers' notify
  /// functions after releasing them.
  uint64_t publish(Event event);

  /// The kept events with an id above `after_id`, oldest first (none when `after_id` is the
  /// newest id or above: a Last-Event-ID from before a restart of the master means "from now").
  std::vector<Event> backlog(uint64_t after_id) const;
  /// The newest id given so far (0 before the first event).
  uint64_t newestId() const;

  /// One subscriber's queue: the backlog it asked for, then live events.
  class Subscription {
   public:
    struct Batch {
      std::vector<Event> events;  // in order; an events_dropped event where some were dropped
      bool closed = false;        // the log was closed (the master stops): nothing more comes
    };
    /// What is waiting now, without waiting.
    Batch take();
    /// What is waiting, waiting for something until `deadline` (empty then) or close.
    Batch wait(std::chrono::steady_clock::time_point deadline);
    /// Stops the subscription: no more events are queued for it.
    void cancel();
    /// True while events wait to be taken.
    bool pending();

    Subscription(size_t capacity, std::function<void()> notify)
        : capacity_(capacity), notify_(std::move(notify)) {}

   private:
    friend class EventLog;
    // Queues `event`, or counts it in a trailing events_dropped marker when the queue is full
    // (the queue never holds more than capacity + 1). False once cancelled.
    bool offer(const Event& event);
    void close();

    const size_t capacity_;
    const std::function<void()> notify_;  // called (outside every lock) after an offer
    Mutex mutex_;                         // guards the members below
    std::condition_variable cv_;
    std::deque<Event> queue_ POLYRUN_GUARDED_BY(mutex_);
    bool closed_ POLYRUN_GUARDED_BY(mutex_) = false;
    bool cancelled_ POLYRUN_GUARDED_BY(mutex_) = false;
  };

  /// Subscribes: first the kept events after `after_id` (as backlog()), then every event
  /// published from now on. `notify` (may be empty) is called from the publishing thread after
  /// each event is queued, and once on close(); it must not block and must not publish. After
  /// close(), a new subscription is closed at once (with its backlog still to take).
  std::shared_ptr<Subscription> subscribe(uint64_t after_id, std::function<void()> notify = {});

  /// The master stops: every subscription is closed (wait() returns closed once it is empty)
  /// and new ones are closed from the start. Events published later are still kept.
  void close();

  size_t keep() const { return keep_; }

 private:
  const size_t keep_;
  const size_t queue_;
  mutable Mutex mutex_;  // guards the members below; taken before a Subscription's
  std::deque<Event> ring_ POLYRUN_GUARDED_BY(mutex_);
  uint64_t next_id_ POLYRUN_GUARDED_BY(mutex_) = 1;
  bool closed_ POLYRUN_GUARDED_BY(mutex_) = false;
  std::vector<std::weak_ptr<Subscription>> subscribers_ POLYRUN_GUARDED_BY(mutex_);
};

}  // namespace polyrun::master
