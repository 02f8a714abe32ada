// Carries one native subscription (docs/protocol.md, "subscribe → event") from the EventLog to
// its client connection: `subscribed`, the backlog, then each event as an `event` message.
// The peer's own output buffer is the feed's backpressure: while more than kMaxUnsentBytes wait
// to be written, events stay in the subscription's bounded queue (EventLog drops what does not
// fit and says so), so a client that stops reading costs the master a bounded amount of memory.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "cluster_report.h"
#include "events.h"
#include "peer.h"
#include "polyrun/thread_annotations.h"

namespace polyrun::master {

class EventFeed : public std::enable_shared_from_this<EventFeed> {
 public:
  /// Bytes a subscriber's connection may have unsent before its events wait in its queue.
  static constexpr size_t kMaxUnsentBytes = 256u << 10;

  /// Subscribes `peer` after `after_id`: sends `subscribed` (answering `request_id`), then the
  /// backlog, then every event as it is published, each as `viewer` may see it. `held` (may be
  /// empty) is called when events wait because the peer is behind: the connection's thread must
  /// then pump() again until they are sent, since no new event may come to do it.
  static std::shared_ptr<EventFeed> start(EventLog& log, uint64_t after_id,
                                          std::shared_ptr<Peer> peer, nlohmann::json request_id,
                                          ClientIdentity viewer, OtherJobs other_jobs,
                                          std::function<void()> held = {});

  /// Sends what waits, while the peer's unsent output is under kMaxUnsentBytes. Any thread;
  /// one at a time, so events go out in order.
  void pump();
  /// No more events (the connection ends).
  void stop();
  /// True while events wait because the peer was behind: its connection calls pump() again
  /// after kRetry.
  bool waiting();
  static constexpr std::chrono::milliseconds kRetry{50};

  EventFeed(std::weak_ptr<Peer> peer, nlohmann::json request_id, ClientIdentity viewer,
            OtherJobs other_jobs, std::function<void()> held)
      : peer_(std::move(peer)),
        request_id_(std::move(request_id)),
        viewer_(std::move(viewer)),
        other_jobs_(other_jobs),
        held_(std::move(held)) {}

 private:
  const std::weak_ptr<Peer> peer_;
  const nlohmann::json request_id_;
  const ClientIdentity viewer_;
  const OtherJobs other_jobs_;
  const std::function<void()> held_;
  Mutex mutex_;  // held while pumping; guards subscription_
  std::shared_ptr<EventLog::Subscription> subscription_ POLYRUN_GUARDED_BY(mutex_);
  bool holding_ POLYRUN_GUARDED_BY(mutex_) = false;  // events wait: the peer is behind
};

}  // namespace polyrun::master
